import { base64url, fromBase64url } from '../entra/jwt';
import { DataverseError, propertyNotFound, queryError } from './errors';
import { compileFilter, type FilterContext, type Predicate } from './filter';
import { edmTypeOf, propertyName, type TableDef } from './schema';
import { Annotations, contextFragment, serializeRow, type Prefer } from './serialize';
import { positionAfter, type DataverseStore, type Row } from './store';

/** Collection queries: $select/$filter/$orderby/$top/$count/$expand, paging cookies, change tracking. */

export const MAX_PAGE_SIZE = 5000;
export const COUNT_LIMIT = 5000;

export interface QueryInput {
	store: DataverseStore;
	def: TableDef;
	params: URLSearchParams;
	/** Raw query string without '?', used to build nextLink/deltaLink unchanged. */
	rawQuery: string;
	prefer: Prefer;
	/** `<url>/api/data/v9.2` */
	apiBase: string;
	/** Path of the request below apiBase, e.g. `leads`. */
	resourcePath: string;
	expireChangeTrackingInDays: number;
}

export interface QueryOutput {
	body: Record<string, unknown>;
	preferenceApplied: string[];
}

export function typeNameOf(def: TableDef): string {
	return `Microsoft.Dynamics.CRM.${def.logicalName}`;
}

export function filterContext(store: DataverseStore, def: TableDef): FilterContext {
	return {
		typeName: typeNameOf(def),
		resolve: (name) => {
			const a = def.properties.get(name);
			if (!a) return undefined;
			const plain = a.defaultValue === undefined && name !== 'fullname' && !(def.logicalName === 'connection' && name === 'name');
			const get = plain ? (row: unknown) => (row as Row)[name] ?? null : (row: unknown) => store.value(def, row as Row, name);
			return { edmType: edmTypeOf(a), get };
		},
		resolveLogical: (name) => {
			const a = def.attributes.get(name.toLowerCase());
			if (!a || a.attributeOf) return undefined;
			const property = propertyName(a);
			return { edmType: edmTypeOf(a), get: (row) => store.value(def, row as Row, property), name: property };
		},
	};
}

export function parseSelect(def: TableDef, value: string | null): string[] | undefined {
	if (value === null) return undefined;
	const names = value
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	if (names.length === 0 || names.includes('*')) return undefined;
	for (const name of names) {
		if (!def.properties.has(name)) throw propertyNotFound(name, typeNameOf(def));
	}
	return [...new Set(names)];
}

export interface ExpandItem {
	navigation: string;
	attribute: string;
	target: string;
	select?: string[];
}

/** Single-valued navigation properties only: `parentcustomerid_account($select=name),ownerid`. */
export function parseExpand(store: DataverseStore, def: TableDef, value: string | null): ExpandItem[] {
	if (!value) return [];
	const items: ExpandItem[] = [];
	for (const part of splitTopLevel(value)) {
		const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$/.exec(part);
		if (!m) throw queryError(`Syntax error at position 0 in '${value}'.`);
		const nav = def.navigation.get(m[1]);
		if (!nav) throw propertyNotFound(m[1], typeNameOf(def));
		let select: string[] | undefined;
		if (m[2]) {
			for (const option of m[2].split(';')) {
				const [key, ...rest] = option.split('=');
				if (key.trim() === '$select') {
					const targets = nav.target === '*' ? ['systemuser'] : [nav.target];
					const targetDef = store.tryDefinition(targets[0]);
					if (targetDef) select = parseSelect(targetDef, rest.join('='));
				} else {
					throw queryError(`The query option '${key.trim()}' is not supported inside $expand by this simulator.`);
				}
			}
		}
		items.push({ navigation: m[1], attribute: nav.attribute.logicalName, target: nav.target, select });
	}
	return items;
}

function splitTopLevel(text: string): string[] {
	const out: string[] = [];
	let depth = 0;
	let current = '';
	for (const c of text) {
		if (c === '(') depth++;
		if (c === ')') depth--;
		if (c === ',' && depth === 0) {
			out.push(current);
			current = '';
		} else current += c;
	}
	if (current.trim()) out.push(current);
	return out;
}

export function serializeWithExpand(
	store: DataverseStore,
	def: TableDef,
	row: Row,
	select: string[] | undefined,
	annotations: Annotations,
	expand: ExpandItem[],
): Row {
	const out = serializeRow(store, def, row, select, annotations);
	for (const item of expand) {
		const id = row[`_${item.attribute}_value`];
		const actual = store.lookupTarget(def, row, item.attribute);
		const target = item.target === '*' ? actual : item.target;
		if (typeof id !== 'string' || !target || actual !== target) {
			out[item.navigation] = null;
			continue;
		}
		const targetDef = store.tryDefinition(target);
		const targetRow = targetDef ? store.raw(target, id) : undefined;
		out[item.navigation] = targetDef && targetRow ? serializeRow(store, targetDef, targetRow, item.select, annotations) : null;
	}
	return out;
}

// ------------------------------------------------------------------ paging cookie

interface Cookie {
	/** page number of the next page */
	p: number;
	/** last primary key of the previous page */
	id?: string;
	/** last sort key values (with $orderby) */
	k?: unknown[];
	/** snapshot version of an initial change-tracking load */
	s?: number;
	/** delta window and offset */
	d?: { f: number; t: number; o: number };
}

function encodeCookie(cookie: Cookie, tracking: boolean): string {
	return `<cookie pagenumber="${cookie.p}" pagingcookie="${base64url(JSON.stringify(cookie))}" istracking="${tracking ? 'True' : 'False'}" />`;
}

function decodeCookie(token: string): Cookie {
	const m = /pagingcookie="([^"]+)"/.exec(token);
	try {
		if (!m) throw new Error('no cookie');
		const cookie = JSON.parse(fromBase64url(m[1]).toString('utf8')) as Cookie;
		if (typeof cookie !== 'object' || cookie === null || typeof cookie.p !== 'number') throw new Error('bad cookie');
		return cookie;
	} catch {
		throw queryError('The $skiptoken value is not valid. Follow the @odata.nextLink returned by the previous page unchanged.');
	}
}

function linkWith(input: QueryInput, name: string, value: string, drop: string[]): string {
	const kept = input.rawQuery
		.split('&')
		.filter(Boolean)
		.filter((pair) => {
			const key = decodeURIComponent(pair.split('=')[0]);
			return key !== name && !drop.includes(key);
		});
	kept.push(`${name}=${encodeURIComponent(value)}`);
	return `${input.apiBase}/${input.resourcePath}?${kept.join('&')}`;
}

// ------------------------------------------------------------------ delta tokens

function formatTokenTime(ms: number): string {
	const d = new Date(ms);
	const p = (n: number) => String(n).padStart(2, '0');
	return `${p(d.getUTCMonth() + 1)}/${p(d.getUTCDate())}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

export function makeDeltaToken(version: number, ms: number): string {
	return `${version}!${formatTokenTime(ms)}`;
}

function parseDeltaToken(token: string): { version: number; issuedAt: number } | undefined {
	const m = /^(\d+)!(\d{2})\/(\d{2})\/(\d{4}) (\d{2}):(\d{2}):(\d{2})$/.exec(token);
	if (!m) return undefined;
	const issuedAt = Date.UTC(Number(m[4]), Number(m[2]) - 1, Number(m[3]), Number(m[5]), Number(m[6]), Number(m[7]));
	return { version: Number(m[1]), issuedAt };
}

export const EXPIRED_VERSION_STAMP = new DataverseError(
	400,
	'0x80044352',
	'ExpiredVersionStamp: Version stamp associated with the client has expired. Please perform a full sync.',
);

function deltaLink(input: QueryInput, version: number): string {
	const kept = input.rawQuery
		.split('&')
		.filter(Boolean)
		.filter((pair) => {
			const key = decodeURIComponent(pair.split('=')[0]);
			return key !== '$deltatoken' && key !== '$skiptoken';
		});
	kept.push(`$deltatoken=${encodeURIComponent(makeDeltaToken(version, input.store.now()))}`);
	return `${input.apiBase}/${input.def.entitySetName}?${kept.join('&')}`;
}

const TRACKING_FORBIDDEN = ['$filter', '$orderby', '$expand', '$top'];

// ------------------------------------------------------------------ the query

export function runCollectionQuery(input: QueryInput): QueryOutput {
	const { store, def, params, prefer } = input;
	for (const key of params.keys()) {
		if (key === '$skip') throw queryError('The query parameter $skip is not supported');
		if (key === '$apply' || key === 'fetchXml' || key === 'savedQuery' || key === 'userQuery') {
			throw queryError(`The query parameter ${key} is not supported by the Dataverse simulator.`);
		}
	}
	const select = parseSelect(def, params.get('$select'));
	const annotations = new Annotations(prefer.includeAnnotations);
	const preferenceApplied: string[] = [];
	const requestedPageSize = prefer.maxPageSize;
	const pageSize = Math.min(requestedPageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE);
	if (requestedPageSize) preferenceApplied.push(`odata.maxpagesize=${pageSize}`);
	if (prefer.includeAnnotations) preferenceApplied.push(`odata.include-annotations="${prefer.includeAnnotations}"`);
	const context = `${input.apiBase}/$metadata#${contextFragment(def, select)}`;
	const skiptoken = params.get('$skiptoken');
	const cookie = skiptoken ? decodeCookie(skiptoken) : undefined;
	const deltatoken = params.get('$deltatoken');

	// a nextLink of an initial tracking load stays a tracking request (the cookie says istracking="True")
	const tracking = deltatoken !== null || cookie?.s !== undefined || (prefer.trackChanges && def.changeTrackingEnabled);
	if (tracking) {
		if (!def.changeTrackingEnabled) {
			throw queryError(`Change tracking is not enabled for the entity '${def.logicalName}'. The $deltatoken query parameter can only be used on entities that have change tracking enabled.`);
		}
		for (const forbidden of TRACKING_FORBIDDEN) {
			if (params.has(forbidden)) throw queryError(`The "${forbidden}" query parameter isn't supported when Change Tracking is enabled.`);
		}
		if (prefer.trackChanges) preferenceApplied.push('odata.track-changes');
	}

	if (deltatoken !== null) {
		const parsed = parseDeltaToken(deltatoken);
		if (!parsed) throw queryError(`The delta token '${deltatoken}' is not valid.`);
		const ageMs = store.now() - parsed.issuedAt;
		if (parsed.version < store.minValidTokenVersion || ageMs > input.expireChangeTrackingInDays * 86_400_000 || !store.isTracked(def.logicalName)) {
			throw EXPIRED_VERSION_STAMP;
		}
		const window = cookie?.d ?? { f: parsed.version, t: store.version, o: 0 };
		const { changed, deleted } = store.changesSince(def.logicalName, window.f, window.t);
		const all = changed.length + deleted.length;
		const value: Row[] = [];
		for (let i = window.o; i < all && value.length < pageSize; i++) {
			const isDelete = i >= changed.length;
			const id = isDelete ? deleted[i - changed.length] : changed[i];
			const row = isDelete ? undefined : store.raw(def.logicalName, id);
			if (row) value.push(serializeRow(store, def, row, select, annotations));
			else value.push({ '@odata.context': `${input.apiBase}/$metadata#${def.entitySetName}/$deletedEntity`, id, reason: 'deleted' });
		}
		const body: Record<string, unknown> = { '@odata.context': `${context}/$delta`, value };
		const next = window.o + value.length;
		if (next < all) {
			const nextCookie: Cookie = { p: (cookie?.p ?? 1) + 1, d: { f: window.f, t: window.t, o: next } };
			body['@odata.nextLink'] = linkWith(input, '$skiptoken', encodeCookie(nextCookie, true), []);
		} else {
			body['@odata.deltaLink'] = deltaLink(input, window.t);
		}
		return { body, preferenceApplied };
	}

	if (tracking) {
		// initial change-tracking load: every current row, paged in primary-key order
		const snapshot = cookie?.s ?? store.version;
		store.markTracked(def.logicalName);
		const { rows, last } = pageByKey(store, def, cookie?.id, pageSize, undefined, undefined);
		const body: Record<string, unknown> = {
			'@odata.context': context,
			value: rows.map((row) => serializeRow(store, def, row, select, annotations)),
		};
		if (last) {
			const nextCookie: Cookie = { p: (cookie?.p ?? 1) + 1, id: last, s: snapshot };
			body['@odata.nextLink'] = linkWith(input, '$skiptoken', encodeCookie(nextCookie, true), []);
		} else {
			body['@odata.deltaLink'] = deltaLink(input, snapshot);
		}
		return { body, preferenceApplied };
	}

	// ordinary query
	const filterText = params.get('$filter');
	const predicate = filterText !== null && filterText.trim() !== '' ? compileFilter(filterText, filterContext(store, def)) : undefined;
	const orderby = parseOrderBy(def, params.get('$orderby'));
	const expand = parseExpand(store, def, params.get('$expand'));
	const topText = params.get('$top');
	let top: number | undefined;
	if (topText !== null) {
		top = Number(topText);
		if (!Number.isInteger(top) || top < 0) throw queryError(`Invalid value '${topText}' for $top query option found. The $top query option requires a non-negative integer value.`);
		if (requestedPageSize) top = undefined; // $top is ignored when odata.maxpagesize is set
	}
	const limit = top !== undefined ? Math.min(top, pageSize) : pageSize;
	// equality conditions are answered from an index, like Dataverse's indexed columns
	const candidates = predicate?.hint ? store.lookup(def.logicalName, predicate.hint.property, predicate.hint.values) : undefined;
	const scanIds = candidates ?? store.ids(def.logicalName);

	let rows: Row[];
	let nextCookie: Cookie | undefined;
	if (orderby.length === 0) {
		const page = pageByKey(store, def, cookie?.id, limit, predicate, candidates);
		rows = page.rows;
		if (page.last && top === undefined) nextCookie = { p: (cookie?.p ?? 1) + 1, id: page.last };
	} else {
		const matching: Row[] = [];
		const map = store.rowMap(def.logicalName);
		for (const id of scanIds) {
			const row = map.get(id)!;
			if (!predicate || predicate(row)) matching.push(row);
		}
		const keyOf = (row: Row) => orderby.map((o) => store.value(def, row, o.property));
		const pk = def.primaryIdAttribute;
		const compare = (ka: unknown[], ida: string, kb: unknown[], idb: string) => {
			for (let i = 0; i < orderby.length; i++) {
				const c = compareSortValues(ka[i], kb[i]);
				if (c !== 0) return orderby[i].desc ? -c : c;
			}
			return ida < idb ? -1 : ida > idb ? 1 : 0;
		};
		const keyed = matching.map((row) => ({ row, key: keyOf(row), id: row[pk] as string }));
		keyed.sort((a, b) => compare(a.key, a.id, b.key, b.id));
		let start = 0;
		if (cookie?.id !== undefined && cookie.k) {
			const lastKey = cookie.k;
			const lastId = cookie.id;
			while (start < keyed.length && compare(keyed[start].key, keyed[start].id, lastKey, lastId) <= 0) start++;
		}
		const slice = keyed.slice(start, start + limit);
		rows = slice.map((k) => k.row);
		if (start + limit < keyed.length && top === undefined) {
			const lastItem = slice[slice.length - 1];
			nextCookie = { p: (cookie?.p ?? 1) + 1, id: lastItem.id, k: lastItem.key };
		}
	}
	const body: Record<string, unknown> = { '@odata.context': context };
	if (params.get('$count') === 'true') {
		let total = 0;
		const map = store.rowMap(def.logicalName);
		for (const id of scanIds) {
			const row = map.get(id)!;
			if (!predicate || predicate(row)) total++;
			if (total > COUNT_LIMIT) break;
		}
		body['@odata.count'] = Math.min(total, COUNT_LIMIT);
		if (annotations.wants('Microsoft.Dynamics.CRM.totalrecordcount')) body['@Microsoft.Dynamics.CRM.totalrecordcount'] = Math.min(total, COUNT_LIMIT);
		if (annotations.wants('Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded')) {
			body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded'] = total > COUNT_LIMIT;
		}
	}
	body.value = rows.map((row) => serializeWithExpand(store, def, row, select, annotations, expand));
	if (nextCookie) body['@odata.nextLink'] = linkWith(input, '$skiptoken', encodeCookie(nextCookie, false), []);
	return { body, preferenceApplied };
}

function pageByKey(
	store: DataverseStore,
	def: TableDef,
	afterId: string | undefined,
	limit: number,
	predicate: Predicate | undefined,
	candidates: readonly string[] | undefined,
): { rows: Row[]; last?: string } {
	const order = candidates ?? store.ids(def.logicalName);
	const map = store.rowMap(def.logicalName);
	let i = afterId ? positionAfter(order, afterId) : 0;
	const rows: Row[] = [];
	for (; i < order.length; i++) {
		const row = map.get(order[i]);
		if (!row || (predicate && !predicate(row))) continue;
		if (rows.length === limit) {
			return { rows, last: rows.length ? (rows[rows.length - 1][def.primaryIdAttribute] as string) : undefined };
		}
		rows.push(row);
	}
	return { rows };
}

interface OrderItem {
	property: string;
	desc: boolean;
}

function parseOrderBy(def: TableDef, value: string | null): OrderItem[] {
	if (!value) return [];
	return value.split(',').map((part) => {
		const [property, direction, ...extra] = part.trim().split(/\s+/);
		if (!def.properties.has(property)) throw propertyNotFound(property, typeNameOf(def));
		if (extra.length || (direction && direction !== 'asc' && direction !== 'desc')) throw queryError(`Syntax error at position ${value.indexOf(part) + 1} in '${value}'.`);
		return { property, desc: direction === 'desc' };
	});
}

function compareSortValues(a: unknown, b: unknown): number {
	if (a === b) return 0;
	if (a === null || a === undefined) return -1; // nulls first, as SQL Server sorts them
	if (b === null || b === undefined) return 1;
	if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : 1;
	if (typeof a === 'boolean' && typeof b === 'boolean') return a ? 1 : -1;
	const x = String(a).toLowerCase();
	const y = String(b).toLowerCase();
	return x < y ? -1 : x > y ? 1 : 0;
}
