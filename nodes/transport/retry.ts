import { sleep } from 'n8n-workflow';

export interface BackoffOptions {
	/** First delay in ms. */
	baseMs: number;
	/** Upper bound for one delay in ms. */
	capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** Capped exponential backoff with full jitter (attempt 0 = first retry). */
export function backoffDelay(attempt: number, options: BackoffOptions = DEFAULT_BACKOFF, random = Math.random): number {
	const ceiling = Math.min(options.capMs, options.baseMs * 2 ** attempt);
	return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Seconds from a Retry-After header (delta-seconds or HTTP date), in ms; undefined when absent. */
export function retryAfterMs(header: unknown, now = Date.now()): number | undefined {
	const value = Array.isArray(header) ? header[0] : header;
	if (value === undefined || value === null || value === '') return undefined;
	const seconds = Number(value);
	if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
	const date = Date.parse(String(value));
	return Number.isFinite(date) ? Math.max(0, date - now) : undefined;
}

/** How long one API request may take before it is abandoned and retried as a network error. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 120_000;
/** Environment variable that lowers the request timeout (tests that hold answers back use it). */
export const REQUEST_TIMEOUT_ENV = 'MARKETO_DYNAMICS_SYNC_REQUEST_TIMEOUT_MS';
const MIN_REQUEST_TIMEOUT_MS = 1000;

/**
 * The request timeout for Marketo and Dataverse calls: 120 s, or less when the environment sets
 * MARKETO_DYNAMICS_SYNC_REQUEST_TIMEOUT_MS (1000 ms at least). It is never raised above 120 s: the
 * shared call budget's in-flight leases (150 s) must outlive any call.
 */
export function requestTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
	const raw = Number(env[REQUEST_TIMEOUT_ENV]);
	if (!env[REQUEST_TIMEOUT_ENV] || !Number.isFinite(raw) || raw <= 0) return DEFAULT_REQUEST_TIMEOUT_MS;
	return Math.min(DEFAULT_REQUEST_TIMEOUT_MS, Math.max(MIN_REQUEST_TIMEOUT_MS, Math.round(raw)));
}

export async function wait(ms: number): Promise<void> {
	if (ms > 0) await sleep(ms);
}
