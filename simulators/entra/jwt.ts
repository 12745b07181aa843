/** Unsigned JWTs (`header.payload.` with an empty signature), the way the simulators pass tokens around. */

export function base64url(input: Buffer | string): string {
	return Buffer.from(input).toString('base64').replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
}

export function fromBase64url(input: string): Buffer {
	const normalized = input.replace(/-/g, '+').replace(/_/g, '/');
	return Buffer.from(normalized + '='.repeat((4 - (normalized.length % 4)) % 4), 'base64');
}

export function encodeUnsignedJwt(payload: Record<string, unknown>, header: Record<string, unknown> = {}): string {
	const head = { typ: 'JWT', alg: 'none', ...header };
	return `${base64url(JSON.stringify(head))}.${base64url(JSON.stringify(payload))}.`;
}

export interface DecodedJwt {
	header: Record<string, unknown>;
	payload: Record<string, unknown>;
}

/** Decodes without verifying (the simulators never sign). Undefined when the token is not a JWT. */
export function decodeJwt(token: string): DecodedJwt | undefined {
	const parts = token.split('.');
	if (parts.length !== 3 || !parts[0] || !parts[1]) return undefined;
	try {
		const header = JSON.parse(fromBase64url(parts[0]).toString('utf8')) as unknown;
		const payload = JSON.parse(fromBase64url(parts[1]).toString('utf8')) as unknown;
		if (!isObject(header) || !isObject(payload)) return undefined;
		return { header, payload };
	} catch {
		return undefined;
	}
}

function isObject(value: unknown): value is Record<string, unknown> {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}
