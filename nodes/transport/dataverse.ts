import { NodeApiError, type IDataObject, type IHttpRequestMethods, type IHttpRequestOptions, type INode, type JsonObject } from 'n8n-workflow';

import { sharedPacer } from '../rate-limiting/pacer';
import { CallToken, MAX_TOKEN_REFRESHES_PER_CALL } from './accessToken';
import { asNodeError, type ApiContext, type FullResponse } from './context';
import type { DynamicsCredentials } from './entraToken';
import { networkErrorCode } from './errors';
import { backoffDelay, requestTimeoutMs, retryAfterMs, wait } from './retry';
import { baseUrlOf, parseSecureUrl } from './urls';

export const DATAVERSE_API_PATH = '/api/data/v9.2';
/** Dataverse's answer when a change-tracking token is older than the organisation keeps changes. */
export const EXPIRED_VERSION_STAMP = '0x80044352';

const MAX_TRANSIENT_RETRIES = 5;
const MAX_THROTTLE_RETRIES = 20;

/** A Dataverse error answer, carrying its HTTP status and Dataverse's hex code. */
export class DataverseApiError extends NodeApiError {
	constructor(
		node: INode,
		readonly status: number,
		readonly code: string,
		readonly apiMessage: string,
		itemIndex?: number,
	) {
		super(node, { status, code, message: apiMessage } as JsonObject, {
			message: `Dataverse: ${apiMessage}`,
			description: `HTTP ${status}${code ? `, error code ${code}` : ''}`,
			httpCode: String(status),
			itemIndex,
		});
	}
}

export class DeltaTokenExpiredError extends Error {
	constructor() {
		super('The change-tracking token expired (Dataverse keeps changes for a limited number of days): a full resync is needed');
	}
}

export interface DataverseRequest {
	method: IHttpRequestMethods;
	/** Relative to /api/data/v9.2/, e.g. "leads(…)"; or `url` for a nextLink/deltaLink. */
	path?: string;
	url?: string;
	qs?: IDataObject;
	body?: unknown;
	headers?: IDataObject;
	/** How many requests this call stands for in the service-protection window ($batch parts). */
	weight?: number;
	itemIndex?: number;
}

export async function dataverseCredentials(ctx: ApiContext) {
	const credentials = (await ctx.getCredentials('microsoftDynamicsApi')) as unknown as DynamicsCredentials;
	const environment = baseUrlOf(parseSecureUrl(credentials.environmentUrl, 'Environment URL'));
	return { credentials, environment, apiBase: `${environment}${DATAVERSE_API_PATH}` };
}

/**
 * The one way to call the Dataverse Web API: OData headers, paced under the service-protection
 * limits shared by everything using the credential, 429 with Retry-After honoured, 5xx and network
 * errors retried with capped exponential backoff and jitter, and on 401 one token refresh (shared
 * with every call that sent the same token) that really gets a new token, then a retry.
 */
export async function dataverseRequest(ctx: ApiContext, req: DataverseRequest): Promise<FullResponse> {
	const { credentials, environment, apiBase } = await dataverseCredentials(ctx);
	const url = req.url ?? `${apiBase}/${req.path ?? ''}`;
	// Links come back from the server; the token must never be sent anywhere else.
	if (!url.startsWith(`${environment}/`)) throw new Error(`Refusing to call ${url}: it is outside the environment ${environment}`);
	const pacer = sharedPacer(`dataverse|${environment}|${credentials.clientId}|${credentials.username ?? ''}`, {
		callsPerWindow: 5940,
		windowMs: 300_000,
		concurrent: 48,
	});
	const headers: IDataObject = {
		Accept: 'application/json',
		'OData-MaxVersion': '4.0',
		'OData-Version': '4.0',
		...(req.method === 'GET' ? { 'If-None-Match': 'null' } : {}),
		...(req.body !== undefined && typeof req.body !== 'string' ? { 'Content-Type': 'application/json; charset=utf-8' } : {}),
		...(req.headers ?? {}),
	};
	const token = new CallToken(ctx, 'microsoftDynamicsApi');
	let refreshes = 0;
	let transientAttempts = 0;
	let throttleAttempts = 0;
	for (;;) {
		const options: IHttpRequestOptions = {
			method: req.method,
			url,
			qs: req.qs,
			headers,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: requestTimeoutMs(),
		};
		if (req.body !== undefined) options.body = req.body as IHttpRequestOptions['body'];
		if (typeof req.body !== 'string') options.json = true;
		await token.prepare();
		const release = await pacer.acquire(req.weight ?? 1).catch((error: unknown) => {
			token.abandon();
			throw error;
		});
		let response: FullResponse;
		try {
			response = await token.send(options);
		} catch (error) {
			release();
			const code = networkErrorCode(error);
			if (code && transientAttempts < MAX_TRANSIENT_RETRIES) {
				await wait(backoffDelay(transientAttempts++));
				continue;
			}
			throw asNodeError(ctx, error, req.itemIndex);
		}
		release();
		const status = response.statusCode;
		if (status < 300) return response;
		if (status === 429 && throttleAttempts < MAX_THROTTLE_RETRIES) {
			throttleAttempts++;
			const delay = retryAfterMs(response.headers['retry-after']) ?? backoffDelay(throttleAttempts);
			pacer.pushback('rate', delay);
			await wait(delay);
			continue;
		}
		if (status === 401 && refreshes < MAX_TOKEN_REFRESHES_PER_CALL) {
			refreshes++;
			token.rejected();
			continue;
		}
		if ([500, 502, 503, 504].includes(status) && transientAttempts < MAX_TRANSIENT_RETRIES) {
			await wait(retryAfterMs(response.headers['retry-after']) ?? backoffDelay(transientAttempts++));
			continue;
		}
		const { code, message } = parseDataverseError(response.body, status);
		if (code === EXPIRED_VERSION_STAMP) throw new DeltaTokenExpiredError();
		throw new DataverseApiError(ctx.getNode(), status, code, message, req.itemIndex);
	}
}

export function parseDataverseError(body: unknown, status: number): { code: string; message: string } {
	let parsed = body;
	if (typeof parsed === 'string') {
		try {
			parsed = JSON.parse(parsed);
		} catch {
			return { code: '', message: (parsed as string).slice(0, 500) || `HTTP ${status}` };
		}
	}
	const error = (parsed as { error?: { code?: string; message?: string } } | undefined)?.error;
	return { code: error?.code ?? '', message: error?.message ?? `HTTP ${status}` };
}
