/** What a REST handler receives and returns. */
import type { SimRequest } from '../common/http';
import type { MarketoStore } from './store';
import type { WriteContext } from './types';
import { MktoError, isPlainObject } from './util';

export interface RestContext {
	req: SimRequest;
	/** Effective method (POST …?_method=GET counts as GET). */
	method: string;
	/** Query parameters, plus the form-encoded body of a POST …?_method=GET. */
	query: URLSearchParams;
	/** The JSON body, when there is one. */
	body: unknown;
	/** Path parameters of the matched route. */
	params: Record<string, string>;
	requestId: string;
	store: MarketoStore;
	/** The API user's write context (Source "Web service API"). */
	write: WriteContext;
}

/** The success envelope's payload; the router adds requestId, success and warnings. */
export interface RestResult {
	result?: unknown[];
	moreResult?: boolean;
	nextPageToken?: string;
	warnings?: Array<{ code: number; message: string }>;
}

export type RestHandler = (ctx: RestContext) => RestResult;

/** The JSON body as an object, or the Marketo error for a missing/invalid one. */
export function bodyObject(ctx: RestContext): Record<string, unknown> {
	if (ctx.body === undefined) throw new MktoError('609', 'Invalid JSON');
	if (!isPlainObject(ctx.body)) throw new MktoError('609', 'Invalid JSON');
	return ctx.body;
}

/** `input` of a write request: required, an array, at most `max` entries. */
export function inputArray(body: Record<string, unknown>, max = 300): unknown[] {
	const input = body.input;
	if (input === undefined || input === null) throw new MktoError('701', 'input cannot be blank');
	if (!Array.isArray(input)) throw new MktoError('1003', 'Invalid data: input must be an array');
	if (input.length === 0) throw new MktoError('701', 'input cannot be blank');
	if (input.length > max) {
		throw new MktoError('1003', `Batch size exceeded: input size ${input.length} exceeds ${max}`);
	}
	return input;
}
