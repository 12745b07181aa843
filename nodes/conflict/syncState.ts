import { createHash } from 'node:crypto';

/**
 * Per-record sync state: for each synced field, a short fingerprint of the value both systems
 * agreed on at the last sync. It is stored on the Marketo person itself (field
 * `microsoftSyncState`), so it survives restarts, is shared by every n8n worker and needs no
 * infrastructure beyond the two systems. Fingerprints, not values, keep it small and private.
 * See README.md in this folder for the design and its limits.
 */
export interface SyncState {
	/** Version of this encoding. */
	v: 1;
	/** When the record was last synced (ISO). */
	at: string;
	/** Field (Marketo name) → fingerprint of the last synced value. */
	f: Record<string, string>;
}

/** Numbers written as text compare equal to numbers, but only where that is lossless. */
const NUMERIC_TEXT = /^-?(0|[1-9]\d{0,14})(\.\d{1,10})?$/;
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;
const HAS_ZONE = /(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * The comparable form of a value. Values that mean "no value" in either system compare equal;
 * so do the forms the two APIs use for the same value (8 and "8", true and "true", the same
 * instant with or without milliseconds or in another zone).
 */
export function normalise(value: unknown): string {
	if (value === undefined || value === null || value === '') return '';
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
	if (value instanceof Date) return Number.isFinite(value.getTime()) ? isoSecond(value.getTime()) : '';
	if (Array.isArray(value)) return value.map(normalise).join(';');
	if (typeof value === 'object') return JSON.stringify(value);
	const text = String(value).trim();
	if (text === '') return '';
	if (ISO_DATE_TIME.test(text)) {
		// Without a zone, both APIs mean UTC; never let the worker's time zone decide.
		const ms = Date.parse(HAS_ZONE.test(text) ? text : `${text}Z`);
		if (Number.isFinite(ms)) return isoSecond(ms);
	}
	const lower = text.toLowerCase();
	if (lower === 'true' || lower === 'false') return lower;
	if (NUMERIC_TEXT.test(text)) return String(Number(text));
	return text;
}

function isoSecond(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

export function isEmpty(value: unknown): boolean {
	return normalise(value) === '';
}

export function fingerprint(value: unknown): string {
	return createHash('sha256').update(normalise(value)).digest('base64url').slice(0, 10);
}

export function sameValue(a: unknown, b: unknown): boolean {
	return normalise(a) === normalise(b);
}

/** The stored state, or undefined when absent or unreadable (treated as "never synced"). */
export function parseSyncState(raw: unknown): SyncState | undefined {
	if (typeof raw !== 'string' || !raw.trim()) return undefined;
	try {
		const parsed = JSON.parse(raw) as Partial<SyncState> | null;
		if (!parsed || typeof parsed !== 'object' || parsed.v !== 1) return undefined;
		const f = parsed.f;
		if (!f || typeof f !== 'object' || Array.isArray(f)) return undefined;
		const fields: Record<string, string> = {};
		for (const [field, print] of Object.entries(f)) if (typeof print === 'string') fields[field] = print;
		return { v: 1, at: typeof parsed.at === 'string' ? parsed.at : '', f: fields };
	} catch {
		return undefined;
	}
}

export function buildSyncState(values: Record<string, unknown>, at = new Date()): SyncState {
	const f: Record<string, string> = {};
	for (const [field, value] of Object.entries(values)) f[field] = fingerprint(value);
	return { v: 1, at: at.toISOString(), f };
}

/**
 * The state after a sync: the previous fingerprints, overwritten by those of the values both
 * systems hold now. Fields not looked at this time keep their old fingerprint.
 */
export function nextSyncState(base: SyncState | undefined, values: Record<string, unknown>, at = new Date()): SyncState {
	return { v: 1, at: at.toISOString(), f: { ...(base?.f ?? {}), ...buildSyncState(values, at).f } };
}

/** Whether two states hold the same fingerprints (the time stamp aside). */
export function sameFingerprints(a: SyncState | undefined, b: SyncState | undefined): boolean {
	const fa = a?.f ?? {};
	const fb = b?.f ?? {};
	const keys = new Set([...Object.keys(fa), ...Object.keys(fb)]);
	for (const key of keys) if (fa[key] !== fb[key]) return false;
	return true;
}

/**
 * Whether every given field holds the value last synced: the change is the sync's own write
 * coming back (an echo). False when a field has no stored fingerprint, or nothing was given.
 */
export function matchesSyncState(values: Record<string, unknown>, state: SyncState | undefined, fields: string[] = Object.keys(values)): boolean {
	if (!state) return false;
	let compared = 0;
	for (const field of fields) {
		if (!Object.prototype.hasOwnProperty.call(values, field)) continue;
		const print = state.f[field];
		if (print === undefined || print !== fingerprint(values[field])) return false;
		compared++;
	}
	return compared > 0;
}

/**
 * The state with the given fields put back to their fingerprint in `base` (dropped where the base
 * has none): what may be stored when the writes of those fields were not (yet) accepted.
 */
export function keepBaseFor(state: SyncState, base: SyncState | undefined, fields: Iterable<string>): SyncState {
	const f = { ...state.f };
	for (const field of fields) {
		const print = base?.f[field];
		if (print === undefined) delete f[field];
		else f[field] = print;
	}
	return { ...state, f };
}

export function serialiseSyncState(state: SyncState): string {
	return JSON.stringify(state);
}
