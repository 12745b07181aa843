/**
 * The lead-database objects that share one interface (Marketo's "lead database" pattern):
 * companies, sales persons, opportunities, opportunity roles and custom objects.
 * describe / sync / delete / query, parameterised by the type's idField, dedupeFields and links.
 */
import { bodyObject, inputArray, type RestContext, type RestResult } from './context';
import type { ObjectFieldDef } from './object-types';
import type { MarketoStore, ObjectTable } from './store';
import type { ObjectRecord } from './types';
import {
	MktoError,
	coerceValue,
	csv,
	decodeOffsetToken,
	encodeOffsetToken,
	isPlainObject,
	lookupKey,
	parseBatchSize,
	type Reason,
} from './util';

const SYNC_ACTIONS = new Set(['createOnly', 'updateOnly', 'createOrUpdate']);

/** Resolves the object type of a route; unknown custom objects are "resource not found" (610). */
export function tableFor(ctx: RestContext, key: string): ObjectTable {
	const t = ctx.store.table(key);
	if (!t) {
		const name = key.startsWith('customobjects/') ? key.slice('customobjects/'.length) : key;
		throw new MktoError('610', `Requested resource not found: object type '${name}'`);
	}
	return t;
}

function describeField(f: ObjectFieldDef): Record<string, unknown> {
	const out: Record<string, unknown> = { name: f.name, displayName: f.displayName, dataType: f.describeAs ?? f.dataType };
	if (f.length !== undefined) out.length = f.length;
	out.updateable = f.updateable;
	return out;
}

function typeMeta(table: ObjectTable): Record<string, unknown> {
	const d = table.def;
	const out: Record<string, unknown> = {
		name: d.name,
		displayName: d.displayName,
		pluralName: d.pluralName,
		description: d.description,
		createdAt: d.createdAt,
		updatedAt: d.updatedAt,
		idField: d.idField,
		dedupeFields: [...d.dedupeFields],
		searchableFields: d.searchableFields.map((s) => [...s]),
	};
	if (d.relationships.length || d.custom) out.relationships = d.relationships.map((r) => ({ ...r, relatedTo: { ...r.relatedTo } }));
	if (d.custom) {
		out.apiName = d.name;
		out.state = d.state;
		out.version = d.state === 'draft' ? 'draft' : 'approved';
	}
	return out;
}

export function describeObject(ctx: RestContext, key: string): RestResult {
	const table = tableFor(ctx, key);
	return { result: [{ ...typeMeta(table), fields: table.def.fields.map(describeField) }] };
}

/** GET /rest/v1/customobjects.json[?names=] */
export function listCustomObjectTypes(ctx: RestContext): RestResult {
	const names = new Set(csv(ctx.query.get('names')).map((n) => n.toLowerCase()));
	const result = ctx.store
		.customObjectTypes()
		.filter((d) => names.size === 0 || names.has(d.name.toLowerCase()))
		.map((d) => typeMeta(ctx.store.table(d.key)!));
	return { result };
}

/** GET /rest/v1/{companies|opportunities|salespersons}/schema/fields.json */
export function objectSchemaFields(ctx: RestContext, key: string): RestResult {
	const table = tableFor(ctx, key);
	return {
		result: table.def.fields.map((f) => ({
			displayName: f.displayName,
			name: f.name,
			description: null,
			dataType: f.dataType,
			...(f.length !== undefined ? { length: f.length } : {}),
			isHidden: false,
			isHtmlEncodingInEmail: f.dataType !== 'boolean',
			isSensitive: false,
			isCustom: f.name.startsWith('microsoft'),
			isApiCreated: f.name.startsWith('microsoft'),
		})),
	};
}

// ------------------------------------------------------------------ helpers

function fieldOrFail(table: ObjectTable, name: string): ObjectFieldDef {
	const f = table.field(name);
	if (!f) throw new MktoError('1006', `Field '${name}' not found`);
	return f;
}

function linkTargetExists(store: MarketoStore, to: string, toField: string, value: unknown): boolean {
	if (to === 'lead') {
		const id = Number(value);
		return Number.isInteger(id) && store.getLead(id) !== undefined;
	}
	const target = store.table(to);
	if (!target) return false;
	if (target.def.dedupeFields.length === 1 && target.def.dedupeFields[0] === toField) {
		return target.byDedupeValues({ [toField]: value }) !== undefined;
	}
	if (toField === target.def.idField) return target.byId(value) !== undefined;
	const key = lookupKey(value);
	return target.list().some((r) => lookupKey(r[toField]) === key);
}

function missing(v: unknown): boolean {
	return v === undefined || v === null || v === '';
}

// ------------------------------------------------------------------ sync

/** POST {type}.json  {action?, dedupeBy?, input:[…]} */
export function syncObjects(ctx: RestContext, key: string): RestResult {
	const table = tableFor(ctx, key);
	const def = table.def;
	const store = ctx.store;
	const body = bodyObject(ctx);
	const action = missing(body.action) ? 'createOrUpdate' : String(body.action);
	if (!SYNC_ACTIONS.has(action)) throw new MktoError('1003', `Invalid action '${action}'`);
	const dedupeBy = missing(body.dedupeBy) ? 'dedupeFields' : String(body.dedupeBy);
	if (dedupeBy !== 'dedupeFields' && dedupeBy !== 'idField') throw new MktoError('1003', `Invalid dedupeBy '${dedupeBy}'`);
	if (dedupeBy === 'idField' && action === 'createOnly') {
		throw new MktoError('1003', `Invalid data: dedupeBy 'idField' cannot be used with action 'createOnly'`);
	}
	const input = inputArray(body);
	const seen = new Set<string>();

	const result = input.map((raw, seq) => {
		const skipped = (reasons: Reason[]) => ({ seq, status: 'skipped', reasons });
		if (!isPlainObject(raw)) return skipped([{ code: '1003', message: 'Invalid data: record must be an object' }]);
		const values: Record<string, unknown> = {};
		const reasons: Reason[] = [];
		let idValue: unknown;
		for (const [k, v] of Object.entries(raw)) {
			const f = table.field(k);
			if (!f) {
				reasons.push({ code: '1006', message: `Field '${k}' not found` });
				continue;
			}
			if (f.name === def.idField) {
				idValue = v;
				continue;
			}
			if (f.readOnly) {
				reasons.push({ code: '1003', message: `Field '${f.name}' is read-only` });
				continue;
			}
			const c = coerceValue(f, v);
			if (!c.ok) reasons.push(c.reason);
			else values[f.name] = c.value;
		}
		if (reasons.length) return skipped(reasons);

		let existing: ObjectRecord | undefined;
		let keyStr: string;
		if (dedupeBy === 'idField') {
			if (missing(idValue)) return skipped([{ code: '1002', message: `Missing value for the required parameter '${def.idField}'` }]);
			existing = table.byId(idValue);
			keyStr = `id:${String(idValue).toLowerCase()}`;
		} else {
			const dk = table.dedupeKey(values);
			if (dk !== undefined) {
				existing = table.byDedupeValues(values);
				keyStr = `dk:${dk}`;
			} else if (action === 'updateOnly' && !missing(idValue)) {
				existing = table.byId(idValue);
				keyStr = `id:${String(idValue).toLowerCase()}`;
			} else {
				const absent = def.dedupeFields.find((f) => missing(values[f]))!;
				return skipped([{ code: '1002', message: `Missing value for the required parameter '${absent}'` }]);
			}
		}
		if (seen.has(keyStr)) return skipped([{ code: '1036', message: 'Duplicate object found in input' }]);
		seen.add(keyStr);

		const nowIso = store.nowIso();
		if (!existing) {
			if (action === 'updateOnly') return skipped([{ code: '1013', message: 'Object not found' }]);
			for (const r of def.required) {
				if (missing(values[r])) return skipped([{ code: '1002', message: `Missing value for the required parameter '${r}'` }]);
			}
			for (const link of def.links) {
				const v = values[link.field];
				if (!missing(v) && !linkTargetExists(store, link.to, link.toField, v)) {
					return skipped([{ code: '1013', message: 'Object not found' }]);
				}
			}
			const rec = table.insert(values, nowIso);
			store.recordsWritten++;
			return { seq, status: 'created', [def.idField]: rec[def.idField] };
		}
		if (action === 'createOnly') return skipped([{ code: '1017', message: 'Object already exists' }]);
		for (const f of def.dedupeFields) {
			if (f in values && lookupKey(values[f]) !== lookupKey(existing[f])) {
				return skipped([{ code: '1003', message: `Invalid data: field '${f}' is not updateable` }]);
			}
		}
		for (const r of def.required) {
			if (r in values && missing(values[r])) return skipped([{ code: '1002', message: `Missing value for the required parameter '${r}'` }]);
		}
		for (const link of def.links) {
			const v = values[link.field];
			if (link.field in values && !missing(v) && !linkTargetExists(store, link.to, link.toField, v)) {
				return skipped([{ code: '1013', message: 'Object not found' }]);
			}
		}
		table.update(existing, values, nowIso);
		store.recordsWritten++;
		return { seq, status: 'updated', [def.idField]: existing[def.idField] };
	});
	return { result };
}

// ------------------------------------------------------------------ delete

/** POST {type}/delete.json  {deleteBy?, input:[keys]} */
export function deleteObjects(ctx: RestContext, key: string): RestResult {
	const table = tableFor(ctx, key);
	const def = table.def;
	const store = ctx.store;
	const body = bodyObject(ctx);
	const deleteBy = missing(body.deleteBy) ? 'dedupeFields' : String(body.deleteBy);
	if (deleteBy !== 'dedupeFields' && deleteBy !== 'idField') throw new MktoError('1003', `Invalid deleteBy '${deleteBy}'`);
	const input = inputArray(body);
	const result = input.map((raw, seq) => {
		const skipped = (reasons: Reason[]) => ({ seq, status: 'skipped', reasons });
		if (!isPlainObject(raw)) return skipped([{ code: '1003', message: 'Invalid data: record must be an object' }]);
		const values: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(raw)) {
			const f = table.field(k);
			if (!f) return skipped([{ code: '1006', message: `Field '${k}' not found` }]);
			const c = coerceValue(f, v);
			values[f.name] = c.ok ? c.value : v;
		}
		let rec: ObjectRecord | undefined;
		if (deleteBy === 'idField') {
			if (missing(values[def.idField])) return skipped([{ code: '1002', message: `Missing value for the required parameter '${def.idField}'` }]);
			rec = table.byId(values[def.idField]);
		} else {
			const absent = def.dedupeFields.find((f) => missing(values[f]));
			if (absent) return skipped([{ code: '1002', message: `Missing value for the required parameter '${absent}'` }]);
			rec = table.byDedupeValues(values);
		}
		if (!rec) return skipped([{ code: '1013', message: 'Record not found' }]);
		if (def.key === 'salespersons' && salesPersonInUse(store, rec.externalSalesPersonId)) {
			return skipped([{ code: '1022', message: 'Object in use' }]);
		}
		table.delete(rec);
		if (def.key === 'opportunities') {
			const roles = store.table('opportunityRoles');
			const k = lookupKey(rec.externalOpportunityId);
			for (const role of roles?.list() ?? []) if (lookupKey(role.externalOpportunityId) === k) roles!.delete(role);
		}
		store.recordsWritten++;
		return { seq, [def.idField]: rec[def.idField], status: 'deleted' };
	});
	return { result };
}

function salesPersonInUse(store: MarketoStore, externalSalesPersonId: unknown): boolean {
	if (missing(externalSalesPersonId)) return false;
	if (store.leadField('externalSalesPersonId') && store.findLeadIds('externalSalesPersonId', externalSalesPersonId).length) return true;
	const k = lookupKey(externalSalesPersonId);
	for (const type of ['companies', 'opportunities']) {
		if (store.objects(type).some((r) => lookupKey(r.externalSalesPersonId) === k)) return true;
	}
	return false;
}

// ------------------------------------------------------------------ query

function queryFields(table: ObjectTable, names: string[]): ObjectFieldDef[] {
	const def = table.def;
	const list = names.length ? names : [def.idField, ...def.dedupeFields, 'updatedAt', 'createdAt'];
	const out: ObjectFieldDef[] = [];
	for (const n of list) {
		const f = fieldOrFail(table, n);
		if (!out.includes(f)) out.push(f);
	}
	return out;
}

function project(rec: ObjectRecord, seq: number, idField: string, fields: ObjectFieldDef[]): Record<string, unknown> {
	const out: Record<string, unknown> = { seq, [idField]: rec[idField] };
	for (const f of fields) {
		const v = rec[f.name];
		if (v !== null && v !== undefined) out[f.name] = v;
	}
	return out;
}

/** Single-field filter: records whose field equals the value (case-insensitive). */
function matchField(table: ObjectTable, field: string, value: unknown): ObjectRecord[] {
	const def = table.def;
	if (field === def.idField) {
		const r = table.byId(value);
		return r ? [r] : [];
	}
	if (def.dedupeFields.length === 1 && def.dedupeFields[0] === field) {
		const r = table.byDedupeValues({ [field]: value });
		return r ? [r] : [];
	}
	const key = lookupKey(value);
	if (key === undefined) return [];
	return table.list().filter((r) => lookupKey(r[field]) === key);
}

/** Resolves filterType to the fields it matches on. */
function filterFields(table: ObjectTable, filterType: string): string[] {
	const def = table.def;
	if (filterType === 'dedupeFields') return def.dedupeFields;
	if (filterType === 'idField') return [def.idField];
	const f = table.field(filterType);
	if (!f || !def.searchableFields.some((s) => s.length === 1 && s[0] === f.name)) {
		throw new MktoError('1011', `Field '${filterType}' not supported`);
	}
	return [f.name];
}

/**
 * GET {type}.json?filterType=&filterValues=&fields=&batchSize=&nextPageToken=
 * or POST {type}.json?_method=GET with JSON {filterType, fields, input:[{…}], batchSize?, nextPageToken?}
 */
export function queryObjects(ctx: RestContext, key: string): RestResult {
	const table = tableFor(ctx, key);
	const def = table.def;
	const json = isPlainObject(ctx.body) ? ctx.body : undefined;
	const pick = (k: string): string | null => {
		const v = json?.[k];
		if (v !== undefined && v !== null) return Array.isArray(v) ? v.join(',') : String(v);
		return ctx.query.get(k);
	};
	const fields = queryFields(table, csv(pick('fields')));
	const batchSize = parseBatchSize(pick('batchSize'));
	const offset = decodeOffsetToken('objects', pick('nextPageToken'));

	const matches: Array<{ rec: ObjectRecord; seq: number }> = [];
	const seen = new Set<ObjectRecord>();
	const add = (recs: ObjectRecord[], seq: number) => {
		for (const rec of recs) {
			if (!seen.has(rec)) {
				seen.add(rec);
				matches.push({ rec, seq });
			}
		}
	};

	if (json && json.input !== undefined) {
		if (!Array.isArray(json.input) || json.input.length === 0) throw new MktoError('701', 'input cannot be blank');
		if (json.input.length > 300) throw new MktoError('1003', `Invalid data: ${json.input.length} input records exceeds 300`);
		const keyFields = filterFields(table, pick('filterType') ?? 'dedupeFields');
		json.input.forEach((item, seq) => {
			if (!isPlainObject(item)) throw new MktoError('1003', 'Invalid data: input records must be objects');
			const wanted: Record<string, unknown> = {};
			for (const [k, v] of Object.entries(item)) {
				const f = fieldOrFail(table, k);
				const c = coerceValue(f, v);
				wanted[f.name] = c.ok ? c.value : v;
			}
			for (const f of keyFields) {
				if (missing(wanted[f])) throw new MktoError('1003', `Invalid data: input record ${seq} is missing '${f}'`);
			}
			if (keyFields === def.dedupeFields) {
				const r = table.byDedupeValues(wanted);
				add(r ? [r] : [], seq);
			} else if (keyFields.length === 1) {
				add(matchField(table, keyFields[0], wanted[keyFields[0]]), seq);
			}
		});
	} else {
		const filterType = pick('filterType');
		if (!filterType) throw new MktoError('701', 'filterType cannot be blank');
		const rawValues = pick('filterValues');
		if (rawValues === null || rawValues.trim() === '') throw new MktoError('701', 'filterValues cannot be blank');
		const keyFields = filterFields(table, filterType);
		if (keyFields.length > 1) {
			throw new MktoError('1003', `Invalid data: filterType '${filterType}' is a compound key; POST with _method=GET and a JSON input`);
		}
		const values = csv(rawValues);
		if (values.length > 300) throw new MktoError('1003', `Invalid data: ${values.length} filterValues exceeds 300`);
		values.forEach((v, seq) => add(matchField(table, keyFields[0], v), seq));
	}

	const page = matches.slice(offset, offset + batchSize).map(({ rec, seq }) => project(rec, seq, def.idField, fields));
	const more = offset + batchSize < matches.length;
	return { result: page, ...(more ? { nextPageToken: encodeOffsetToken('objects', offset + batchSize), moreResult: true } : {}) };
}
