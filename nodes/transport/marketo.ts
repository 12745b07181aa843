import { NodeApiError, type IDataObject, type IHttpRequestOptions, type INode, type JsonObject } from 'n8n-workflow';

import { sharedPacer, type Pacer } from '../rate-limiting/pacer';
import { CallToken, MAX_TOKEN_REFRESHES_PER_CALL } from './accessToken';
import { asNodeError, type ApiContext, type FullResponse } from './context';
import { networkErrorCode } from './errors';
import { marketoBaseUrl, type MarketoCredentials } from './marketoIdentity';
import { backoffDelay, requestTimeoutMs, wait } from './retry';

/** Marketo's limits (api-reference §2). */
export const MARKETO_BATCH_SIZE = 300;
export const MARKETO_MAX_BODY_BYTES = 1_000_000;
export const MARKETO_MAX_URI_BYTES = 8_000;

const TOKEN_CODES = new Set(['601', '602']);
const RATE_CODE = '606';
const CONCURRENCY_CODE = '615';
const QUOTA_CODE = '607';
/** Marketo's "try again" answers: time-out, temporarily unavailable, system error, transient. */
const TRANSIENT_CODES = new Set(['604', '608', '611', '713']);
const MAX_TRANSIENT_RETRIES = 5;
const MAX_LIMIT_RETRIES = 30;

export interface MarketoError {
	code: string;
	message: string;
}

export interface MarketoEnvelope {
	requestId?: string;
	success: boolean;
	errors?: MarketoError[];
	warnings?: unknown[];
	result?: IDataObject[];
	moreResult?: boolean;
	nextPageToken?: string;
}

/** A response-level Marketo error (success:false), with Marketo's code. */
export class MarketoApiError extends NodeApiError {
	constructor(
		node: INode,
		readonly code: string,
		readonly apiMessage: string,
		options: { itemIndex?: number; failure?: NodeApiError['failure'] } = {},
	) {
		super(node, { code, message: apiMessage } as JsonObject, {
			message: `Marketo: ${apiMessage} (${code})`,
			description: describeMarketoCode(code),
			itemIndex: options.itemIndex,
			failure: options.failure,
		});
	}
}

function describeMarketoCode(code: string): string | undefined {
	const hints: Record<string, string> = {
		'603': 'Access denied: the API user lacks a permission, or the IP allowlist blocks this n8n',
		'607': 'The daily API quota of the Marketo subscription is used up; calls work again after midnight US Central time',
		'609': 'Marketo could not read the request body',
		'610': 'Endpoint not found: check the REST Base URL',
		'1003': 'Invalid value',
		'1018': 'The native CRM sync is enabled on this Marketo instance: these objects are read-only there',
	};
	return hints[code];
}

export interface MarketoRequest {
	method: 'GET' | 'POST' | 'DELETE';
	/** Below /rest, e.g. "/v1/leads.json". */
	path: string;
	qs?: Record<string, string | number | boolean | undefined>;
	body?: IDataObject;
	itemIndex?: number;
}

export async function marketoSettings(ctx: ApiContext) {
	const credentials = (await ctx.getCredentials('marketoApi')) as unknown as MarketoCredentials;
	const base = marketoBaseUrl(credentials.restBaseUrl);
	const pacer = sharedPacer(`marketo|${base}|${credentials.clientId}`, {
		callsPerWindow: clamp(credentials.callsPer20Seconds, 1, 100, 50),
		windowMs: 20_000,
		concurrent: clamp(credentials.concurrentCalls, 1, 10, 5),
	});
	return { credentials, base, pacer };
}

function clamp(value: unknown, min: number, max: number, fallback: number): number {
	const n = Number(value);
	return Number.isFinite(n) && n > 0 ? Math.min(max, Math.max(min, Math.floor(n))) : fallback;
}

function queryString(qs: MarketoRequest['qs']): string {
	const params = new URLSearchParams();
	for (const [key, value] of Object.entries(qs ?? {})) {
		if (value !== undefined && value !== '') params.set(key, String(value));
	}
	return params.toString();
}

/**
 * The one way to call Marketo REST: keeps the credential's call budget, unwraps the HTTP-200
 * `success:false` envelope, on 601/602 gets a new token (one refresh shared by every call that sent
 * the rejected one) and retries, backs off on 606/615, retries 604/608/611/713 and network errors,
 * stops on 607, and sends long GETs as POST `_method=GET`.
 */
export async function marketoRequest(ctx: ApiContext, req: MarketoRequest): Promise<MarketoEnvelope> {
	const { base, pacer } = await marketoSettings(ctx);
	let url = `${base}/rest${req.path}`;
	const query = queryString(req.qs);
	let method: string = req.method;
	let body: unknown = req.body;
	let contentType = 'application/json';
	if (query) {
		if (req.method === 'GET' && Buffer.byteLength(`${url}?${query}`) > MARKETO_MAX_URI_BYTES) {
			// Too long for a URI (414): Marketo takes the same query as a form body.
			method = 'POST';
			url = `${url}?_method=GET`;
			body = query;
			contentType = 'application/x-www-form-urlencoded';
		} else {
			url = `${url}?${query}`;
		}
	}
	if (body !== undefined && typeof body !== 'string') {
		const size = Buffer.byteLength(JSON.stringify(body));
		if (size > MARKETO_MAX_BODY_BYTES) {
			throw new MarketoApiError(ctx.getNode(), '413', `Request body is ${size} bytes; Marketo accepts at most 1 MB`, { itemIndex: req.itemIndex });
		}
	}
	return await sendWithRetries(ctx, pacer, { method, url, body, contentType }, req.itemIndex);
}

async function sendWithRetries(
	ctx: ApiContext,
	pacer: Pacer,
	call: { method: string; url: string; body: unknown; contentType: string },
	itemIndex?: number,
): Promise<MarketoEnvelope> {
	const token = new CallToken(ctx, 'marketoApi');
	let refreshes = 0;
	let transient = 0;
	let limited = 0;
	for (;;) {
		const options: IHttpRequestOptions = {
			method: call.method as IHttpRequestOptions['method'],
			url: call.url,
			headers: { Accept: 'application/json', ...(call.body !== undefined ? { 'Content-Type': call.contentType } : {}) },
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: requestTimeoutMs(),
			json: typeof call.body !== 'string',
		};
		if (call.body !== undefined) options.body = call.body as IHttpRequestOptions['body'];
		await token.prepare();
		const release = await pacer.acquire().catch((error: unknown) => {
			token.abandon();
			throw error;
		});
		let response: FullResponse;
		try {
			response = await token.send(options);
		} catch (error) {
			release();
			if (networkErrorCode(error) && transient < MAX_TRANSIENT_RETRIES) {
				await wait(backoffDelay(transient++));
				continue;
			}
			throw asNodeError(ctx, error, itemIndex);
		}
		release();
		if (response.statusCode === 414 && call.method === 'GET') {
			const [path, query = ''] = call.url.split('?');
			call = { method: 'POST', url: `${path}?_method=GET`, body: query, contentType: 'application/x-www-form-urlencoded' };
			continue;
		}
		if (response.statusCode >= 500 && transient < MAX_TRANSIENT_RETRIES) {
			await wait(backoffDelay(transient++));
			continue;
		}
		if (response.statusCode >= 300) {
			throw new MarketoApiError(ctx.getNode(), String(response.statusCode), `HTTP ${response.statusCode} from Marketo`, { itemIndex });
		}
		const envelope = parseEnvelope(response.body);
		if (envelope.success) return envelope;
		const error = envelope.errors?.[0] ?? { code: '', message: 'Marketo answered success:false without an error' };
		const code = String(error.code);
		if (TOKEN_CODES.has(code) && refreshes < MAX_TOKEN_REFRESHES_PER_CALL) {
			refreshes++;
			token.rejected();
			continue;
		}
		if ((code === RATE_CODE || code === CONCURRENCY_CODE) && limited < MAX_LIMIT_RETRIES) {
			limited++;
			pacer.pushback(code === RATE_CODE ? 'rate' : 'concurrency');
			continue;
		}
		if (TRANSIENT_CODES.has(code) && transient < MAX_TRANSIENT_RETRIES) {
			await wait(backoffDelay(transient++));
			continue;
		}
		if (code === QUOTA_CODE) {
			throw new MarketoApiError(ctx.getNode(), code, error.message || 'Daily quota reached', {
				itemIndex,
				failure: { cause: 'quota-exhausted', resetsAtEpochMs: nextCentralMidnight(Date.now()) },
			});
		}
		throw new MarketoApiError(ctx.getNode(), code, error.message, {
			itemIndex,
			failure: code === RATE_CODE || code === CONCURRENCY_CODE ? { cause: 'rate-limited', retryAfterMs: 20_000 } : undefined,
		});
	}
}

function parseEnvelope(body: unknown): MarketoEnvelope {
	if (typeof body === 'string') {
		try {
			return JSON.parse(body) as MarketoEnvelope;
		} catch {
			return { success: false, errors: [{ code: '609', message: `Unreadable answer: ${body.slice(0, 200)}` }] };
		}
	}
	return (body ?? { success: false }) as MarketoEnvelope;
}

/** Marketo's daily quota resets at 12:00 AM US Central (CST, UTC-6). */
export function nextCentralMidnight(now: number): number {
	const cst = now - 6 * 3600_000;
	const nextDay = Math.floor(cst / 86_400_000 + 1) * 86_400_000;
	return nextDay + 6 * 3600_000;
}

/**
 * Splits records into chunks Marketo accepts: at most 300 records and under 1 MB of JSON each.
 * Keeps the input order so per-record results map back by position.
 */
export function marketoChunks<T>(records: T[], envelopeBytes = 200): T[][] {
	const chunks: T[][] = [];
	let current: T[] = [];
	let bytes = envelopeBytes;
	for (const record of records) {
		const size = Buffer.byteLength(JSON.stringify(record)) + 1;
		if (current.length && (current.length >= MARKETO_BATCH_SIZE || bytes + size > MARKETO_MAX_BODY_BYTES)) {
			chunks.push(current);
			current = [];
			bytes = envelopeBytes;
		}
		current.push(record);
		bytes += size;
	}
	if (current.length) chunks.push(current);
	return chunks;
}

/** Every page of a paged Marketo GET (nextPageToken), up to `maxPages`. */
export async function marketoGetAll(ctx: ApiContext, req: MarketoRequest, maxPages = 1000): Promise<IDataObject[]> {
	const out: IDataObject[] = [];
	let token: string | undefined;
	for (let page = 0; page < maxPages; page++) {
		const envelope = await marketoRequest(ctx, { ...req, qs: { ...req.qs, nextPageToken: token } });
		out.push(...(envelope.result ?? []));
		token = envelope.nextPageToken;
		if (!token || !envelope.result?.length) break;
	}
	return out;
}
