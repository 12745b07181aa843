import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from './context';
import { marketoChunks, marketoRequest, marketoSettings, MARKETO_BATCH_SIZE, type MarketoEnvelope } from './marketo';

export interface MarketoField {
	name: string;
	displayName: string;
	dataType: string;
	length?: number;
	readOnly: boolean;
}

/** One record's outcome from a Marketo write, in input order. */
export interface RecordResult {
	status: 'created' | 'updated' | 'deleted' | 'added' | 'skipped' | string;
	id?: number | string;
	/** Marketo's reasons for a skip (`reasons`, or `errors` for custom activities). */
	reasons?: Array<{ code: string; message: string }>;
	raw: IDataObject;
}

/**
 * Describes change rarely (an admin adds a field), so every Marketo describe (lead fields, object
 * types, the custom object list) follows one cache policy: per instance, kept a few minutes
 * (Marketo advises caching a day), and callers that ask at the same time share one request.
 */
const describeCache = new Map<string, { at: number; value: Promise<unknown> }>();
const DESCRIBE_TTL_MS = 10 * 60_000;

async function describeCached<T>(ctx: ApiContext, what: string, load: () => Promise<T>): Promise<T> {
	const { base } = await marketoSettings(ctx);
	const key = `${base}|${what}`;
	const hit = describeCache.get(key);
	if (hit && Date.now() - hit.at < DESCRIBE_TTL_MS) return (await hit.value) as T;
	const value = load();
	describeCache.set(key, { at: Date.now(), value });
	// A failed describe is not kept: the next caller asks again.
	value.catch(() => describeCache.get(key)?.value === value && describeCache.delete(key));
	return await value;
}

/** Forgets every Marketo cache of this process: describes and recent object writes (tests). */
export function clearDescribeCache(): void {
	describeCache.clear();
	recentWrites.clear();
	recentPersons.clear();
}

/**
 * Objects this instance wrote lately (key → the values sent and Marketo's id), under the describe
 * cache policy. An execution of the same minute then needs neither a look-up of a record another
 * execution just wrote nor a write of the same values again (a trigger delivering an account that
 * an opportunity's execution created first). Only Sync Records writes these objects, one way from
 * Dynamics; a delete through this transport forgets its keys. Persons' links follow the same
 * policy in a memory of their own (`PERSON_LINKS`).
 */
type RecentMemory = Map<string, { at: number; values: string; id?: number | string }>;
const recentWrites: RecentMemory = new Map();
/** Person links, kept apart: a large person copy must not push the object writes out of their bound. */
const recentPersons: RecentMemory = new Map();
/** At most this many remembered writes per memory: a long-lived n8n copying a large table must not keep every record. */
const MAX_RECENT_WRITES = 20_000;

const memoryOf = (objectPath: string): RecentMemory => (objectPath === PERSON_LINKS ? recentPersons : recentWrites);

/**
 * Remembers one write. Entries are kept in write order (a rewrite moves to the end), so the expired
 * ones and, over the bound, the oldest are at the front: trimming stops at the first one to keep.
 */
function rememberWrite(memory: RecentMemory, key: string, entry: { at: number; values: string; id?: number | string }): void {
	memory.delete(key);
	memory.set(key, entry);
	const now = Date.now();
	for (const [k, e] of memory) {
		if (memory.size <= MAX_RECENT_WRITES && now - e.at < DESCRIBE_TTL_MS) break;
		memory.delete(k);
	}
}

export interface RecentWrite {
	/** The values sent, as `sameValues` compares them. */
	values: string;
	id?: number | string;
}

/** A record's values in a form that compares equal for equal values whatever the key order. */
export function sameValues(record: IDataObject): string {
	return JSON.stringify(Object.keys(record).sort().map((k) => [k, record[k]]));
}

const writeKey = (base: string, objectPath: string, key: unknown) => `${base}|${objectPath}|${String(key).toLowerCase()}`;

/** Which of these keys this instance wrote lately, with what. */
export async function recentlyWritten(ctx: ApiContext, objectPath: string, keys: string[]): Promise<Map<string, RecentWrite>> {
	const { base } = await marketoSettings(ctx);
	const out = new Map<string, RecentWrite>();
	for (const key of keys) {
		const hit = memoryOf(objectPath).get(writeKey(base, objectPath, key));
		if (hit && Date.now() - hit.at < DESCRIBE_TTL_MS) out.set(key, { values: hit.values, id: hit.id });
	}
	return out;
}

/** Forgets what this instance remembered writing under these keys (a remembered record turned out to be gone). */
export async function forgetRecentWrites(ctx: ApiContext, objectPath: string, keys: string[]): Promise<void> {
	const { base } = await marketoSettings(ctx);
	for (const key of keys) memoryOf(objectPath).delete(writeKey(base, objectPath, key));
}

function fieldOf(f: IDataObject, name: unknown, readOnly: boolean): MarketoField {
	return {
		name: String(name ?? ''),
		displayName: String(f.displayName ?? name ?? ''),
		dataType: String(f.dataType ?? 'string'),
		length: typeof f.length === 'number' ? f.length : undefined,
		readOnly,
	};
}

/** Lead fields (REST names) from describe.json. */
export async function describeLeads(ctx: ApiContext): Promise<MarketoField[]> {
	return await describeCached(ctx, 'leads', async () => {
		const envelope = await marketoRequest(ctx, { method: 'GET', path: '/v1/leads/describe.json' });
		return (envelope.result ?? [])
			.map((f) => {
				const rest = (f.rest ?? {}) as IDataObject;
				return fieldOf(f, rest.name, rest.readOnly === true);
			})
			.filter((f) => f.name);
	});
}

export interface ObjectDescription {
	fields: MarketoField[];
	dedupeFields: string[];
}

/** Fields and dedupe fields of a Marketo object type (companies, opportunities, a custom object…). */
export async function describeObject(ctx: ApiContext, objectPath: string): Promise<ObjectDescription> {
	return await describeCached(ctx, objectPath, async () => {
		const envelope = await marketoRequest(ctx, { method: 'GET', path: `${objectPath}/describe.json` });
		const type = envelope.result?.[0] ?? {};
		return {
			fields: ((type.fields as IDataObject[] | undefined) ?? []).map((f) => fieldOf(f, f.name, f.updateable === false)).filter((f) => f.name),
			dedupeFields: ((type.dedupeFields as unknown[] | undefined) ?? []).map(String),
		};
	});
}

/** The instance's custom object types (API name and display name). */
export async function listCustomObjects(ctx: ApiContext): Promise<Array<{ name: string; displayName: string }>> {
	return await describeCached(ctx, 'customobjects', async () => {
		const envelope = await marketoRequest(ctx, { method: 'GET', path: '/v1/customobjects.json' });
		return (envelope.result ?? []).map((o) => ({ name: String(o.name), displayName: String(o.displayName ?? o.name) }));
	});
}

function toResults(envelope: MarketoEnvelope, expected: number): RecordResult[] {
	const results = (envelope.result ?? []).map((r) => ({
		status: String(r.status ?? ''),
		id: (r.id ?? r.marketoGUID ?? r.seq) as number | string | undefined,
		reasons: ((r.reasons ?? r.errors) as Array<{ code: string; message: string }> | undefined)?.map((x) => ({
			code: String(x.code),
			message: String(x.message),
		})),
		raw: r,
	}));
	// `seq` (generic objects) says which input a result belongs to; leads keep input order.
	if (results.some((r) => typeof r.raw.seq === 'number')) {
		const ordered: RecordResult[] = new Array(expected);
		for (const r of results) ordered[r.raw.seq as number] = r;
		return Array.from(ordered, (r) => r ?? { status: 'skipped', reasons: [{ code: '', message: 'No result returned for this record' }], raw: {} });
	}
	while (results.length < expected) results.push({ status: 'skipped', id: undefined, reasons: [{ code: '', message: 'No result returned for this record' }], raw: {} });
	return results;
}

/** Writes in chunks of ≤300 records (and <1 MB), returning one result per input record. */
async function chunkedWrite(
	ctx: ApiContext,
	records: IDataObject[],
	send: (chunk: IDataObject[]) => Promise<MarketoEnvelope>,
): Promise<RecordResult[]> {
	const out: RecordResult[] = [];
	for (const chunk of marketoChunks(records)) out.push(...toResults(await send(chunk), chunk.length));
	return out;
}

/** Remembers each record written under its `keyField` value, with `values` of it; a refused write forgets its key. */
async function rememberWrites(ctx: ApiContext, objectPath: string, records: IDataObject[], results: RecordResult[], keyField: string, values: (record: IDataObject) => string): Promise<void> {
	const { base } = await marketoSettings(ctx);
	const memory = memoryOf(objectPath);
	records.forEach((record, k) => {
		const key = record[keyField];
		if (key === undefined || key === null || key === '') return;
		const status = results[k]?.status;
		if (status === 'created' || status === 'updated') rememberWrite(memory, writeKey(base, objectPath, key), { at: Date.now(), values: values(record), id: results[k].id });
		else memory.delete(writeKey(base, objectPath, key));
	});
}

/**
 * The persons this instance wrote lately, by the CRM id in their link field (`linkField` of
 * `syncLeads`), under the same policy as the object writes: Sync Records then finds the person of
 * a contact an opportunity role names without a look-up. A person deleted through `deleteLeads`,
 * or written with an empty link field, is forgotten.
 */
export const PERSON_LINKS = '/v1/leads';

function forgetPersons(base: string, leadIds: Set<number>): void {
	const prefix = writeKey(base, PERSON_LINKS, '');
	for (const [key, entry] of recentPersons) if (key.startsWith(prefix) && leadIds.has(Number(entry.id))) recentPersons.delete(key);
}

export async function syncLeads(
	ctx: ApiContext,
	records: IDataObject[],
	options: { action?: 'createOnly' | 'updateOnly' | 'createOrUpdate' | 'createDuplicate'; lookupField?: string; linkField?: string } = {},
): Promise<RecordResult[]> {
	const results = await chunkedWrite(ctx, records, async (input) =>
		await marketoRequest(ctx, {
			method: 'POST',
			path: `${PERSON_LINKS}.json`,
			body: { action: options.action ?? 'createOrUpdate', lookupField: options.lookupField ?? 'email', input },
		}),
	);
	const linkField = options.linkField;
	if (linkField) {
		await rememberWrites(ctx, PERSON_LINKS, records, results, linkField, () => '');
		// Written with an empty link: the person no longer stands for its old CRM record.
		const unlinked = records.filter((r, k) => linkField in r && (r[linkField] ?? '') === '' && typeof r.id === 'number' && results[k]?.status === 'updated').map((r) => r.id as number);
		if (unlinked.length) forgetPersons((await marketoSettings(ctx)).base, new Set(unlinked));
	}
	return results;
}

export async function deleteLeads(ctx: ApiContext, ids: number[]): Promise<RecordResult[]> {
	const { base } = await marketoSettings(ctx);
	forgetPersons(base, new Set(ids));
	return await chunkedWrite(ctx, ids.map((id) => ({ id })), async (input) =>
		await marketoRequest(ctx, { method: 'POST', path: '/v1/leads/delete.json', body: { input } }),
	);
}

/**
 * Leads whose `filterType` field matches one of `values`, in calls of ≤300 values. Marketo has no
 * escape for commas inside filterValues, so such a value is refused rather than split in two.
 */
export async function getLeadsBy(ctx: ApiContext, filterType: string, values: Array<string | number>, fields: string[]): Promise<IDataObject[]> {
	const unique = [...new Set(values.map((v) => String(v)).filter((v) => v !== ''))];
	for (const value of unique) {
		if (value.includes(',')) throw new Error(`Cannot look up ${filterType} "${value}" in Marketo: the value contains a comma`);
	}
	const out: IDataObject[] = [];
	for (let i = 0; i < unique.length; i += MARKETO_BATCH_SIZE) {
		const slice = unique.slice(i, i + MARKETO_BATCH_SIZE);
		let nextPageToken: string | undefined;
		do {
			const envelope = await marketoRequest(ctx, {
				method: 'GET',
				path: '/v1/leads.json',
				qs: { filterType, filterValues: slice.join(','), fields: fields.join(','), batchSize: 300, nextPageToken },
			});
			out.push(...(envelope.result ?? []));
			nextPageToken = envelope.result?.length === 300 ? envelope.nextPageToken : undefined;
		} while (nextPageToken);
	}
	return out;
}

export async function getPagingToken(ctx: ApiContext, since: Date): Promise<string> {
	const envelope = await marketoRequest(ctx, { method: 'GET', path: '/v1/activities/pagingtoken.json', qs: { sinceDatetime: since.toISOString() } });
	if (!envelope.nextPageToken) throw new Error('Marketo returned no paging token');
	return envelope.nextPageToken;
}

export async function getLeadChanges(ctx: ApiContext, nextPageToken: string, fields: string[], batchSize = 300): Promise<MarketoEnvelope> {
	return await marketoRequest(ctx, {
		method: 'GET',
		path: '/v1/activities/leadchanges.json',
		qs: { nextPageToken, fields: fields.join(','), batchSize },
	});
}

export async function getDeletedLeads(ctx: ApiContext, nextPageToken: string, batchSize = 300): Promise<MarketoEnvelope> {
	return await marketoRequest(ctx, { method: 'GET', path: '/v1/activities/deletedleads.json', qs: { nextPageToken, batchSize } });
}

export interface CustomActivity {
	leadId: number;
	activityDate: string;
	activityTypeId: number;
	primaryAttributeValue: string;
	attributes: Array<{ apiName: string; value: string }>;
}

export async function addCustomActivities(ctx: ApiContext, activities: CustomActivity[]): Promise<RecordResult[]> {
	return await chunkedWrite(ctx, activities as unknown as IDataObject[], async (input) =>
		await marketoRequest(ctx, { method: 'POST', path: '/v1/activities/external.json', body: { input } }),
	);
}

/** Custom activity types (id, apiName, name). */
export async function listCustomActivityTypes(ctx: ApiContext): Promise<IDataObject[]> {
	const envelope = await marketoRequest(ctx, { method: 'GET', path: '/v1/activities/external/types.json' });
	return envelope.result ?? [];
}

/** Paths of Marketo's generic objects below /rest. */
export const OBJECT_PATHS = {
	companies: '/v1/companies',
	salespersons: '/v1/salespersons',
	opportunities: '/v1/opportunities',
	opportunityRoles: '/v1/opportunities/roles',
} as const;

export function customObjectPath(apiName: string): string {
	if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(apiName)) throw new Error(`"${apiName}" is not a valid custom object API name`);
	return `/v1/customobjects/${apiName}`;
}

export async function syncObjects(
	ctx: ApiContext,
	objectPath: string,
	records: IDataObject[],
	options: { action?: 'createOnly' | 'updateOnly' | 'createOrUpdate'; dedupeBy?: 'dedupeFields' | 'idField'; rememberBy?: string } = {},
): Promise<RecordResult[]> {
	const results = await chunkedWrite(ctx, records, async (input) =>
		await marketoRequest(ctx, {
			method: 'POST',
			path: `${objectPath}.json`,
			body: { action: options.action ?? 'createOrUpdate', dedupeBy: options.dedupeBy ?? 'dedupeFields', input },
		}),
	);
	if (options.rememberBy) await rememberWrites(ctx, objectPath, records, results, options.rememberBy, sameValues);
	return results;
}

export async function deleteObjects(ctx: ApiContext, objectPath: string, keys: IDataObject[], deleteBy: 'dedupeFields' | 'idField' = 'dedupeFields'): Promise<RecordResult[]> {
	const { base } = await marketoSettings(ctx);
	for (const key of keys) for (const value of Object.values(key)) recentWrites.delete(writeKey(base, objectPath, value));
	return await chunkedWrite(ctx, keys, async (input) =>
		await marketoRequest(ctx, { method: 'POST', path: `${objectPath}/delete.json`, body: { deleteBy, input } }),
	);
}

/** Objects by a searchable field (≤300 values a call) or, with `compound`, by dedupe-field tuples. */
export async function queryObjects(
	ctx: ApiContext,
	objectPath: string,
	query: { filterType: string; values?: Array<string | number>; compound?: IDataObject[]; fields?: string[] },
): Promise<IDataObject[]> {
	const out: IDataObject[] = [];
	if (query.compound) {
		for (let i = 0; i < query.compound.length; i += MARKETO_BATCH_SIZE) {
			const input = query.compound.slice(i, i + MARKETO_BATCH_SIZE);
			let nextPageToken: string | undefined;
			do {
				const envelope = await marketoRequest(ctx, {
					method: 'POST',
					path: `${objectPath}.json`,
					qs: { _method: 'GET' },
					body: { filterType: query.filterType, fields: query.fields, input, ...(nextPageToken ? { nextPageToken } : {}) },
				});
				out.push(...(envelope.result ?? []));
				nextPageToken = envelope.moreResult ? envelope.nextPageToken : undefined;
			} while (nextPageToken);
		}
		return out;
	}
	const values = [...new Set((query.values ?? []).map(String))];
	for (const value of values) {
		if (value.includes(',')) throw new Error(`Cannot look up ${query.filterType} "${value}" in Marketo: the value contains a comma`);
	}
	for (let i = 0; i < values.length; i += MARKETO_BATCH_SIZE) {
		let nextPageToken: string | undefined;
		do {
			const envelope = await marketoRequest(ctx, {
				method: 'GET',
				path: `${objectPath}.json`,
				qs: { filterType: query.filterType, filterValues: values.slice(i, i + MARKETO_BATCH_SIZE).join(','), fields: query.fields?.join(','), nextPageToken },
			});
			out.push(...(envelope.result ?? []));
			nextPageToken = envelope.moreResult ? envelope.nextPageToken : undefined;
		} while (nextPageToken);
	}
	return out;
}
