import type { IDataObject, IHttpRequestHelper } from 'n8n-workflow';

import { redact } from './errors';
import { baseUrlOf, parseSecureUrl } from './urls';

export interface MarketoCredentials {
	restBaseUrl: string;
	clientId: string;
	clientSecret: string;
	callsPer20Seconds?: number;
	concurrentCalls?: number;
	accessToken?: string;
}

type HttpRequest = IHttpRequestHelper['helpers']['httpRequest'];

/** "https://123-ABC-456.mktorest.com" from whatever the user pasted (with or without /rest, /identity). */
export function marketoBaseUrl(restBaseUrl: unknown): string {
	return baseUrlOf(parseSecureUrl(restBaseUrl, 'REST Base URL'), /\/(rest|identity)$/);
}

/**
 * Client-credentials token from Marketo's identity service. Parameters go in a form body rather
 * than the query string (Marketo accepts both) so the secret never lands in URL logs.
 */
export async function fetchMarketoToken(http: HttpRequest, c: MarketoCredentials): Promise<string> {
	const base = marketoBaseUrl(c.restBaseUrl);
	if (!c.clientId?.trim()) throw new Error('Client ID is empty: copy it from Admin → LaunchPoint → View Details');
	if (!c.clientSecret) throw new Error('Client secret is empty: copy it from Admin → LaunchPoint → View Details');
	let response: { statusCode: number; body: unknown } | undefined;
	let failure: string | undefined;
	try {
		response = (await http({
			method: 'POST',
			url: `${base}/identity/oauth/token`,
			headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
			body: new URLSearchParams({
				grant_type: 'client_credentials',
				client_id: c.clientId.trim(),
				client_secret: c.clientSecret,
			}).toString(),
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: 30_000,
		})) as { statusCode: number; body: unknown };
	} catch (error) {
		failure = `Cannot reach Marketo's identity service at ${base}/identity: ${redact((error as Error).message, [c.clientSecret])}`;
	}
	if (failure || !response) throw new Error(failure ?? 'No answer from Marketo\'s identity service');
	let body: IDataObject;
	if (typeof response.body === 'string') {
		try {
			body = JSON.parse(response.body) as IDataObject;
		} catch {
			body = { error_description: response.body.slice(0, 200) };
		}
	} else {
		body = (response.body ?? {}) as IDataObject;
	}
	if (response.statusCode === 401 || response.statusCode === 400) {
		throw new Error('Marketo refused the client ID or secret: copy both again from Admin → LaunchPoint → View Details');
	}
	const token = body.access_token;
	if (response.statusCode >= 300 || typeof token !== 'string' || !token) {
		const detail = redact(String(body.error_description ?? body.error ?? ''), [c.clientSecret]);
		throw new Error(`Marketo's identity service answered HTTP ${response.statusCode} without a token${detail ? `: ${detail}` : ''} — check the REST Base URL`);
	}
	return token;
}
