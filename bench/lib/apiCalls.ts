// Every API call the simulators answer, sorted into what it is for: Marketo identity, metadata,
// activity feed, look-ups and writes per object type; Dataverse trigger polls, reads, `$batch` writes
// (with their parts) and direct writes per table. The simulators' route counters do not tell a
// trigger's poll from a node's read, nor a look-up's filter type: this wraps their request handlers
// (which their servers call through the instance) and reads the request as the simulator received it.
import type { Simulators } from './harness';

interface SimRequestLike {
	method: string;
	path: string;
	url: URL;
	headers: Record<string, string | string[] | undefined>;
	rawBody: Buffer;
}

/** Calls by kind, e.g. "marketo lookup leads by microsoftId" → 12. */
export type Tally = Record<string, number>;

export interface CallsSnapshot {
	marketo: Tally;
	/** Records sent in Marketo writes (the `input` array), by the same keys as `marketo`. */
	marketoRecords: Tally;
	dataverse: Tally;
	/** `$batch` parts by "METHOD /table" (the simulator counts each part as one request). */
	batchParts: Tally;
	/** Marketo 606/615 and Dataverse 429 answers (retried calls are counted twice above). */
	limitHits: Tally;
}

const MARKETO_OBJECTS = /^(leads|lead|companies|salespersons|opportunities\/roles|opportunities|customobjects\/[^/]+)(?:\/|$)/;

function marketoParams(req: SimRequestLike, method: string): { filterType?: string; input?: unknown[] } {
	if (req.method === 'GET') return { filterType: req.url.searchParams.get('filterType') ?? undefined };
	const text = req.rawBody.toString('utf8');
	const type = String(req.headers['content-type'] ?? '');
	if (method === 'GET' && type.includes('x-www-form-urlencoded')) return { filterType: new URLSearchParams(text).get('filterType') ?? undefined };
	try {
		const body = JSON.parse(text) as { filterType?: string; input?: unknown[] };
		return { filterType: body.filterType, input: Array.isArray(body.input) ? body.input : undefined };
	} catch {
		return {};
	}
}

/** "identity", "metadata leads/describe", "feed activities", "lookup leads by email", "write leads", … */
export function marketoCallKind(req: SimRequestLike): { kind: string; records?: number } {
	if (req.path.startsWith('/identity/')) return { kind: 'identity' };
	const override = req.method === 'POST' && req.url.searchParams.get('_method')?.toUpperCase() === 'GET';
	const method = override ? 'GET' : req.method;
	const rest = req.path.replace(/^\/(rest|bulk)\/v1\//, '').replace(/\.json$/, '').replace(/\/\d+(?=\/|$)/g, '/:id');
	if (/(^|\/)(describe2?|schema\/fields|partitions)$/.test(rest) || rest === 'customobjects' || rest === 'activities/types' || rest.startsWith('activities/external/type')) {
		return { kind: `metadata ${rest}` };
	}
	if (rest === 'activities/external') return { kind: 'write activity log (activities/external)', records: marketoParams(req, method).input?.length };
	if (rest.startsWith('activities')) return { kind: `feed ${rest}` };
	const object = MARKETO_OBJECTS.exec(rest)?.[1]?.replace(/^lead$/, 'leads');
	if (!object) return { kind: `other ${method} ${rest}` };
	const params = marketoParams(req, method);
	if (method === 'GET') return { kind: `lookup ${object}${params.filterType ? ` by ${params.filterType}` : rest.startsWith('lead/') ? ' by id' : ''}` };
	const action = rest.endsWith('/delete') ? ' delete' : rest.endsWith('/merge') ? ' merge' : '';
	return { kind: `write ${object}${action}`, records: params.input?.length };
}

/** "poll leads", "read contacts", "batch read (GET parts only)", "batch write", "write PATCH leads", "metadata EntityDefinitions", … */
export function dataverseCallKind(req: SimRequestLike): string {
	const api = /^\/api\/data\/v\d+\.\d+\/(.*)$/i.exec(req.path);
	if (!api) return `other ${req.method} ${req.path}`;
	let resource = api[1];
	try {
		resource = decodeURIComponent(resource);
	} catch {
		/* left as sent */
	}
	if (resource === '$batch') {
		// Parts are "METHOD URL HTTP/1.1" lines in the multipart body: a batch of GETs only is a read.
		const methods = req.rawBody.toString('utf8').match(/^(GET|POST|PATCH|PUT|DELETE) \S+ HTTP\/1\.1/gm) ?? [];
		return methods.length && methods.every((m) => m.startsWith('GET ')) ? 'batch read (GET parts only)' : 'batch write';
	}
	const entity = /^[A-Za-z_$]+/.exec(resource)?.[0] ?? resource;
	if (/Definitions$/.test(entity) || entity === 'WhoAmI' || entity === '$metadata') return `metadata ${entity}`;
	if (req.method !== 'GET') return `write ${req.method} ${entity}`;
	// A Dynamics 365 Trigger's poll: a change-tracking delta, the first tracked read, or a modifiedon window.
	const prefer = String(req.headers.prefer ?? '');
	const filter = req.url.searchParams.get('$filter') ?? '';
	const orderby = req.url.searchParams.get('$orderby') ?? '';
	const poll =
		req.url.searchParams.has('$deltatoken') ||
		prefer.includes('odata.track-changes') ||
		/\bmodifiedon (ge|gt)\b/.test(filter) ||
		/^modifiedon\b/.test(orderby) ||
		req.url.searchParams.has('$skiptoken');
	return `${poll ? 'poll' : 'read'} ${entity}`;
}

/** Counts every call the Marketo and Dataverse simulators answer, by kind, from the moment it is made. */
export class ApiCallLog {
	private readonly marketo: Tally = {};
	private readonly marketoRecords: Tally = {};
	private readonly dataverse: Tally = {};
	/** With BENCH_CALLS_TRACE=1: every call in order (ms since epoch, kind), to match calls to n8n's node events. */
	readonly trace: Array<[number, string]> | undefined = process.env.BENCH_CALLS_TRACE ? [] : undefined;

	constructor(private readonly sims: Simulators) {
		const marketo = sims.marketo as unknown as { handle(req: SimRequestLike): { body?: unknown } };
		const marketoHandle = marketo.handle.bind(marketo);
		marketo.handle = (req) => {
			const response = marketoHandle(req);
			if (!req.path.startsWith('/__sim/')) {
				let { kind } = marketoCallKind(req);
				const { records } = marketoCallKind(req);
				// A feed call that found nothing is an idle poll; one with activities is a page of changes.
				if (kind.startsWith('feed') && kind !== 'feed activities/pagingtoken') {
					const result = (response.body as { result?: unknown[] } | undefined)?.result;
					kind += Array.isArray(result) && result.length ? ' (page with activities)' : ' (empty)';
				}
				this.marketo[kind] = (this.marketo[kind] ?? 0) + 1;
				this.trace?.push([Date.now(), `marketo ${kind}`]);
				if (records !== undefined) this.marketoRecords[kind] = (this.marketoRecords[kind] ?? 0) + records;
			}
			return response;
		};
		const dataverse = sims.dataverse as unknown as { handle(req: SimRequestLike): unknown };
		const dataverseHandle = dataverse.handle.bind(dataverse);
		dataverse.handle = (req) => {
			if (!req.path.startsWith('/__sim/')) {
				const kind = dataverseCallKind(req);
				this.dataverse[kind] = (this.dataverse[kind] ?? 0) + 1;
				this.trace?.push([Date.now(), `dataverse ${kind}`]);
			}
			return dataverseHandle(req);
		};
	}

	snapshot(): CallsSnapshot {
		const byRoute = this.sims.dataverse.stats().byRoute;
		const batchParts: Tally = {};
		for (const [route, n] of Object.entries(byRoute)) {
			if (!route.startsWith('$batch ')) continue;
			const key = route.slice('$batch '.length).replace(/\(.*$/, '');
			batchParts[key] = (batchParts[key] ?? 0) + n;
		}
		const m = this.sims.marketo.stats().limitHits;
		const d = this.sims.dataverse.stats().limitHits;
		return {
			marketo: { ...this.marketo },
			marketoRecords: { ...this.marketoRecords },
			dataverse: { ...this.dataverse },
			batchParts,
			limitHits: { 'marketo 606': m['606'] ?? 0, 'marketo 615': m['615'] ?? 0, 'dataverse 429': d['429'] ?? 0 },
		};
	}
}

function minus(later: Tally, earlier: Tally): Tally {
	const out: Tally = {};
	for (const [k, v] of Object.entries(later)) if (v - (earlier[k] ?? 0) !== 0) out[k] = v - (earlier[k] ?? 0);
	return out;
}

/** The calls made between two snapshots. */
export function callsBetween(earlier: CallsSnapshot, later: CallsSnapshot): CallsSnapshot {
	return {
		marketo: minus(later.marketo, earlier.marketo),
		marketoRecords: minus(later.marketoRecords, earlier.marketoRecords),
		dataverse: minus(later.dataverse, earlier.dataverse),
		batchParts: minus(later.batchParts, earlier.batchParts),
		limitHits: minus(later.limitHits, earlier.limitHits),
	};
}

export const sum = (t: Tally, match: (key: string) => boolean = () => true) =>
	Object.entries(t)
		.filter(([k]) => match(k))
		.reduce((n, [, v]) => n + v, 0);

/** Marketo REST calls (identity excluded), as the instance's budget counts them. */
export const marketoRest = (c: CallsSnapshot) => sum(c.marketo, (k) => k !== 'identity');
