/** The REST pipeline: HTTP-level limits, auth, _method=GET, routing, Marketo limits, envelope. */
import type { Counters } from '../common/counters';
import type { SimRequest, SimResponse } from '../common/http';
import * as activities from './activities';
import type { RestContext, RestHandler, RestResult } from './context';
import { bearerToken, type TokenStore } from './identity';
import * as leads from './leads';
import type { LimitGate } from './limits';
import * as objects from './objects';
import type { MarketoStore } from './store';
import { SOURCE_API } from './types';
import { MktoError, csv, isPlainObject, requestId } from './util';

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_URI_BYTES = 8 * 1024;

interface Route {
	method: 'GET' | 'POST';
	re: RegExp;
	keys: string[];
	handler: RestHandler;
}

function route(method: 'GET' | 'POST', pattern: string, handler: RestHandler): Route {
	const keys: string[] = [];
	const source = pattern
		.split(/(:[A-Za-z]+)/)
		.map((part) => {
			if (part.startsWith(':')) {
				keys.push(part.slice(1));
				return '([^/]+?)';
			}
			return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
		})
		.join('');
	return { method, re: new RegExp(`^${source}$`), keys, handler };
}

function objectRoutes(base: string, key: string): Route[] {
	return [
		route('GET', `/rest/v1/${base}/describe.json`, (c) => objects.describeObject(c, key)),
		route('GET', `/rest/v1/${base}.json`, (c) => objects.queryObjects(c, key)),
		route('POST', `/rest/v1/${base}.json`, (c) => objects.syncObjects(c, key)),
		route('POST', `/rest/v1/${base}/delete.json`, (c) => objects.deleteObjects(c, key)),
	];
}

const customKey = (c: RestContext) => `customobjects/${c.params.apiName}`;

const ROUTES: Route[] = [
	// leads
	route('GET', '/rest/v1/leads/describe.json', leads.describeLeads),
	route('GET', '/rest/v1/leads/describe2.json', leads.describeLeads2),
	route('GET', '/rest/v1/leads/schema/fields.json', leads.leadSchemaFields),
	route('GET', '/rest/v1/leads/partitions.json', leads.partitions),
	route('GET', '/rest/v1/leads.json', leads.getLeadsByFilter),
	route('POST', '/rest/v1/leads.json', leads.syncLeads),
	route('POST', '/rest/v1/leads/delete.json', leads.deleteLeads),
	route('POST', '/rest/v1/leads/:id/merge.json', leads.mergeLeads),
	route('GET', '/rest/v1/lead/:id.json', leads.getLeadById),
	// activities
	route('GET', '/rest/v1/activities/pagingtoken.json', activities.pagingToken),
	route('GET', '/rest/v1/activities/leadchanges.json', activities.leadChanges),
	route('GET', '/rest/v1/activities/deletedleads.json', activities.deletedLeads),
	route('GET', '/rest/v1/activities/types.json', activities.activityTypes),
	route('GET', '/rest/v1/activities.json', activities.listActivities),
	route('POST', '/rest/v1/activities/external.json', activities.addCustomActivities),
	route('GET', '/rest/v1/activities/external/types.json', activities.listCustomActivityTypes),
	route('POST', '/rest/v1/activities/external/type.json', activities.createCustomActivityType),
	route('GET', '/rest/v1/activities/external/type/:apiName/describe.json', activities.describeCustomActivityType),
	route('POST', '/rest/v1/activities/external/type/:apiName/approve.json', activities.approveCustomActivityType),
	route('POST', '/rest/v1/activities/external/type/:apiName/discardDraft.json', activities.discardCustomActivityTypeDraft),
	route('POST', '/rest/v1/activities/external/type/:apiName/delete.json', activities.deleteCustomActivityType),
	route('POST', '/rest/v1/activities/external/type/:apiName/attributes/create.json', activities.createCustomActivityAttributes),
	route('POST', '/rest/v1/activities/external/type/:apiName/attributes/update.json', activities.updateCustomActivityAttributes),
	route('POST', '/rest/v1/activities/external/type/:apiName/attributes/delete.json', activities.deleteCustomActivityAttributes),
	route('POST', '/rest/v1/activities/external/type/:apiName.json', activities.updateCustomActivityType),
	// lead-database objects
	...objectRoutes('companies', 'companies'),
	...objectRoutes('salespersons', 'salespersons'),
	...objectRoutes('opportunities/roles', 'opportunityRoles'),
	...objectRoutes('opportunities', 'opportunities'),
	route('GET', '/rest/v1/companies/schema/fields.json', (c) => objects.objectSchemaFields(c, 'companies')),
	route('GET', '/rest/v1/opportunities/schema/fields.json', (c) => objects.objectSchemaFields(c, 'opportunities')),
	route('GET', '/rest/v1/customobjects.json', objects.listCustomObjectTypes),
	route('GET', '/rest/v1/customobjects/:apiName/describe.json', (c) => objects.describeObject(c, customKey(c))),
	route('POST', '/rest/v1/customobjects/:apiName/delete.json', (c) => objects.deleteObjects(c, customKey(c))),
	route('GET', '/rest/v1/customobjects/:apiName.json', (c) => objects.queryObjects(c, customKey(c))),
	route('POST', '/rest/v1/customobjects/:apiName.json', (c) => objects.syncObjects(c, customKey(c))),
];

type Match = { handler: RestHandler; params: Record<string, string> } | 'method' | undefined;

function matchRoute(method: string, path: string): Match {
	let methodMismatch = false;
	for (const r of ROUTES) {
		const m = r.re.exec(path);
		if (!m) continue;
		if (r.method !== method) {
			methodMismatch = true;
			continue;
		}
		const params: Record<string, string> = {};
		r.keys.forEach((k, i) => (params[k] = decodeURIComponent(m[i + 1])));
		return { handler: r.handler, params };
	}
	return methodMismatch ? 'method' : undefined;
}

/** Counter route name: "METHOD /rest/v1/leads.json", numeric ids replaced by :id. */
export function routeName(req: SimRequest): string {
	const override = req.method === 'POST' && req.url.searchParams.get('_method')?.toUpperCase() === 'GET';
	const method = override ? 'GET' : req.method;
	return `${method} ${req.path.replace(/\/\d+(?=\/|\.json|$)/g, '/:id')}`;
}

export interface RestDeps {
	store: MarketoStore;
	tokens: TokenStore;
	limits: LimitGate;
	counters: Counters;
	apiUserEmail: string;
}

/** What arrival bookkeeping decided before fault latency (see ArrivalFaultInjector). */
export interface Arrival {
	/** Holds a concurrency slot; false = the instance was at its concurrency limit (615). */
	slot: boolean;
}

function envelope(rid: string, r: RestResult): SimResponse {
	const body: Record<string, unknown> = { requestId: rid };
	if (r.result !== undefined) body.result = r.result;
	body.success = true;
	if (r.nextPageToken !== undefined) body.nextPageToken = r.nextPageToken;
	if (r.moreResult !== undefined) body.moreResult = r.moreResult;
	body.warnings = r.warnings ?? [];
	return { status: 200, body };
}

export function handleRest(req: SimRequest, deps: RestDeps, arrival: Arrival): SimResponse {
	const { store, tokens, limits, counters } = deps;
	if (req.url.pathname.length + req.url.search.length > MAX_URI_BYTES) {
		return { status: 414, body: '414 Request-URI Too Long' };
	}
	if (req.rawBody.length > MAX_BODY_BYTES) {
		return { status: 413, body: '413 Request Entity Too Large' };
	}
	if (!req.path.startsWith('/rest/') && !req.path.startsWith('/bulk/')) {
		return { status: 404, body: '404 Not Found' };
	}
	const rid = requestId();
	const fail = (code: string, message: string): SimResponse => {
		counters.error(code);
		return { status: 200, body: { requestId: rid, success: false, errors: [{ code, message }], warnings: [] } };
	};

	const auth = tokens.check(bearerToken(req));
	if (auth === 'invalid') return fail('601', 'Access token invalid');
	if (auth === 'expired') return fail('602', 'Access token expired');

	// effective method, query and body
	let method = req.method;
	const query = new URLSearchParams(req.url.search);
	let body: unknown;
	const ct = String(req.headers['content-type'] ?? '').toLowerCase();
	let bodyError: [string, string] | undefined;
	if (method === 'POST' && query.get('_method')?.toUpperCase() === 'GET') {
		method = 'GET';
		query.delete('_method');
		if (req.rawBody.length) {
			if (ct.includes('application/x-www-form-urlencoded')) {
				for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) query.append(k, v);
			} else if (ct.includes('json')) {
				body = req.json;
				if (body === undefined) bodyError = ['609', 'Invalid JSON'];
			} else bodyError = ['612', 'Invalid Content Type'];
		}
	} else if (method === 'POST' && req.rawBody.length) {
		if (!ct.includes('json')) bodyError = ['612', 'Invalid Content Type'];
		else {
			body = req.json;
			if (body === undefined) bodyError = ['609', 'Invalid JSON'];
		}
	}

	const match = matchRoute(method, req.path);
	if (match === 'method') return fail('605', 'HTTP Method not supported');

	// Marketo's limits; rejected calls use neither the window nor the quota
	if (!arrival.slot) {
		counters.hit('615');
		return fail('615', 'Concurrent access limit reached');
	}
	if (!limits.quotaAvailable()) {
		counters.hit('607');
		return fail('607', 'Daily quota reached');
	}
	if (!limits.tryRate()) {
		counters.hit('606');
		return fail('606', `Max rate limit '${limits.limits.callsPer20Seconds}' exceeded with in '20' secs`);
	}
	limits.consumeQuota();

	if (!match) return fail('610', 'Requested resource not found');
	if (bodyError) return fail(bodyError[0], bodyError[1]);
	const ctx: RestContext = {
		req,
		method,
		query,
		body,
		params: match.params,
		requestId: rid,
		store,
		write: { source: SOURCE_API, user: deps.apiUserEmail, requestId: rid },
	};
	try {
		const result = match.handler(ctx);
		const filterType = method === 'GET' ? (isPlainObject(body) && typeof body.filterType === 'string' ? body.filterType : query.get('filterType')) : null;
		if (filterType) {
			const input = isPlainObject(body) && Array.isArray(body.input) ? body.input.map((i) => JSON.stringify(i)) : undefined;
			counters.query({ route: `GET ${req.path}`, filter: filterType, values: input ?? csv(query.get('filterValues')), matched: result.result?.length ?? 0 });
		}
		return envelope(rid, result);
	} catch (error) {
		if (error instanceof MktoError) return fail(error.code, error.message);
		return fail('611', `System error: ${(error as Error).message}`);
	}
}
