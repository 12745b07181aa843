import type { IDataObject } from 'n8n-workflow';

/** Network failures worth retrying: the request may not have reached the server, or its answer was lost. */
const TRANSIENT_NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENETUNREACH',
	'EHOSTUNREACH',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
	'UND_ERR_SOCKET',
]);

/** Finds a Node network error code anywhere in the chain n8n wraps around it. */
export function networkErrorCode(error: unknown): string | undefined {
	let current = error as IDataObject | undefined;
	for (let depth = 0; current && depth < 6; depth++) {
		const code = current.code;
		if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
		const message = typeof current.message === 'string' ? current.message : '';
		if (/socket hang up|ECONNRESET|ETIMEDOUT|timeout of \d+ms exceeded|ECONNREFUSED/i.test(message)) {
			return /ECONNREFUSED/.test(message) ? 'ECONNREFUSED' : message.includes('timeout') ? 'ETIMEDOUT' : 'ECONNRESET';
		}
		current = (current.cause ?? current.error) as IDataObject | undefined;
	}
	return undefined;
}

/** Removes anything that looks like a credential from text that may reach users or logs. */
export function redact(text: string, secrets: Array<string | undefined>): string {
	let out = text;
	for (const secret of secrets) {
		if (secret && secret.length >= 4) out = out.split(secret).join('***');
	}
	return out
		.replace(/(client_secret|password|access_token|refresh_token)=[^&\s"]+/gi, '$1=***')
		.replace(/Bearer\s+[A-Za-z0-9\-._~+/:]+=*/g, 'Bearer ***');
}
