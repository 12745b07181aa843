import type { IDataObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

type HttpRequest = IHttpRequestHelper['helpers']['httpRequest'];

/**
 * Why a connection failed, in words. n8n replaces any error message that contains a socket code
 * ("ECONNREFUSED", "ENOTFOUND", …) with a generic sentence that names no host, so the codes never
 * appear in what these credentials report.
 */
export function connectionFailure(error: unknown): string {
	const e = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
	const code = String(e.code ?? e.cause?.code ?? /\b(E[A-Z_]{3,}|CERT_[A-Z_]+|[A-Z_]*CERT[A-Z_]*)\b/.exec(String(e.message ?? ''))?.[1] ?? '');
	if (/ENOTFOUND|EAI_AGAIN/.test(code)) return 'its host name does not resolve (DNS)';
	if (code === 'ECONNREFUSED') return 'the connection was refused';
	if (code === 'ECONNRESET' || code === 'EPIPE') return 'the connection was closed';
	if (/TIMEDOUT|ECONNABORTED/.test(code) || /timeout/i.test(String(e.message ?? ''))) return 'it did not answer in time';
	if (/CERT|SSL|TLS/.test(code)) return 'its TLS certificate is not trusted';
	if (/EHOSTUNREACH|ENETUNREACH/.test(code)) return 'no network route leads to it';
	return 'the connection failed';
}

/** "host:port" of a URL, for messages. */
export function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return url;
	}
}

/** A short, secret-free summary of an error answer's body (JSON error shapes or plain text). */
export function answerSummary(body: unknown): string {
	let value: unknown = body;
	if (typeof value === 'string') {
		const text = value.trim();
		if (!text.startsWith('{')) return /^</.test(text) ? '' : text.slice(0, 160);
		try {
			value = JSON.parse(text);
		} catch {
			return text.slice(0, 160);
		}
	}
	if (!value || typeof value !== 'object') return '';
	const o = value as IDataObject;
	const nested = (o.error && typeof o.error === 'object' ? (o.error as IDataObject) : undefined) ?? {};
	const errors = Array.isArray(o.errors) ? (o.errors[0] as IDataObject | undefined) : undefined;
	for (const candidate of [o.error_description, nested.message, o.message, errors?.message, typeof o.error === 'string' ? o.error : undefined]) {
		if (typeof candidate === 'string' && candidate.trim()) return candidate.trim().split(/\r?\n/)[0].slice(0, 160);
	}
	return '';
}

/**
 * Whether `url` answers at all (any HTTP status counts). Returns, for a failed connection, the
 * sentence naming `what` and the host, e.g. "Cannot reach the Dynamics 365 environment at
 * x.crm.dynamics.com: its host name does not resolve (DNS). …".
 */
export async function unreachable(http: HttpRequest, url: string, what: string, advice: string): Promise<string | undefined> {
	const request: IHttpRequestOptions = { method: 'GET', url, returnFullResponse: true, ignoreHttpStatusErrors: true, timeout: 15_000 };
	try {
		await http(request);
		return undefined;
	} catch (error) {
		return `Cannot reach ${what} at ${hostOf(url)}: ${connectionFailure(error)}. ${advice}`;
	}
}
