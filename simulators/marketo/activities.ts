/** Activity endpoints: paging tokens, lead changes, deleted leads, generic activities, custom activity types. */
import { bodyObject, inputArray, type RestContext, type RestResult } from './context';
import {
	ACTIVITY_CHANGE_DATA_VALUE,
	ACTIVITY_DELETE_LEAD,
	ACTIVITY_MERGE_LEADS,
	ACTIVITY_NEW_LEAD,
	type MarketoStore,
} from './store';
import type {
	ActivityAttribute,
	ActivityRecord,
	CustomActivityAttributeDef,
	CustomActivityType,
	CustomActivityTypeVersion,
	WriteContext,
} from './types';
import { SOURCE_API } from './types';
import {
	MktoError,
	base32Decode,
	base32Encode,
	coerceValue,
	csv,
	isPlainObject,
	isoSeconds,
	parseBatchSize,
	parseIsoDate,
	valueString,
	type DataType,
	type FieldDef,
	type Reason,
} from './util';

const DAY_MS = 86_400_000;
const MAX_CUSTOM_ACTIVITY_TYPES = 10;
const MAX_CUSTOM_ATTRIBUTES = 20;
const ATTRIBUTE_TYPES = new Set(['string', 'boolean', 'integer', 'float', 'link', 'email', 'currency', 'date', 'datetime', 'phone', 'text']);

// ------------------------------------------------------------------ paging tokens

interface Position {
	/** activities dated before this are skipped (sinceDatetime) */
	since: number;
	/** last activity id already covered */
	after: number;
}

export function encodeActivityToken(p: Position): string {
	return base32Encode(`${p.since}|${p.after}`);
}

export function decodeActivityToken(token: string | null): Position {
	if (token === null || token === '') throw new MktoError('701', 'nextPageToken cannot be blank');
	const text = base32Decode(token.trim());
	const m = text === undefined ? null : /^(-?\d+)\|(\d+)$/.exec(text);
	if (!m) throw new MktoError('1003', `Invalid nextPageToken '${token}'`);
	return { since: Number(m[1]), after: Number(m[2]) };
}

/** GET /rest/v1/activities/pagingtoken.json?sinceDatetime= */
export function pagingToken(ctx: RestContext): RestResult {
	const since = ctx.query.get('sinceDatetime');
	if (since === null || since.trim() === '') throw new MktoError('701', 'sinceDatetime cannot be blank');
	const ms = parseIsoDate(since, true);
	if (ms === undefined) throw new MktoError('704', `Invalid date format: sinceDatetime '${since}'`);
	return { nextPageToken: encodeActivityToken({ since: ms, after: ctx.store.activityPositionBefore(ms) }) };
}

/**
 * Walks the activity log from a token's position: at most batchSize matches and at most the store's
 * scan limit of raw activities, so a page can be short while moreResult is true (as in Marketo).
 */
function scan(store: MarketoStore, pos: Position, batchSize: number, accept: (a: ActivityRecord) => unknown): RestResult {
	const acts = store.activities;
	let i = store.activityIndexAfter(pos.after);
	let last = pos.after;
	let scanned = 0;
	const result: unknown[] = [];
	while (i < acts.length && result.length < batchSize && scanned < store.activityScanLimit) {
		const a = acts[i++];
		scanned++;
		last = a.id;
		if (a.date < pos.since) continue;
		const item = accept(a);
		if (item !== undefined) result.push(item);
	}
	return { result, nextPageToken: encodeActivityToken({ since: pos.since, after: last }), moreResult: i < acts.length };
}

function leadIdsFilter(ctx: RestContext): Set<number> | undefined {
	const raw = csv(ctx.query.get('leadIds'));
	if (raw.length === 0) return undefined;
	if (raw.length > 30) throw new MktoError('1003', `Invalid data: ${raw.length} leadIds exceeds 30`);
	const ids = raw.map(Number);
	if (ids.some((n) => !Number.isInteger(n))) throw new MktoError('1003', 'Invalid data: leadIds must be integers');
	return new Set(ids);
}

function rejectListId(ctx: RestContext): void {
	const listId = ctx.query.get('listId');
	if (listId) throw new MktoError('1013', `List '${listId}' not found`);
}

// ------------------------------------------------------------------ item shapes

function ctxAttributes(c: WriteContext | undefined, kind: 'change' | 'new'): ActivityAttribute[] {
	const source = c?.source ?? SOURCE_API;
	const api = source === SOURCE_API;
	const attrs: ActivityAttribute[] = [];
	if (kind === 'new') attrs.push({ name: 'Source Type', value: api ? 'Web service API' : 'New person' });
	attrs.push({ name: 'Reason', value: api ? 'Web service API' : 'Changed by user' });
	attrs.push({ name: 'Source', value: source });
	if (c?.apiMethod) attrs.push({ name: 'Api Method Name', value: c.apiMethod });
	if (c?.user) attrs.push({ name: 'Modifying User', value: c.user });
	if (c?.requestId) attrs.push({ name: 'Request Id', value: c.requestId });
	return attrs;
}

function base(a: ActivityRecord): Record<string, unknown> {
	return {
		id: a.id,
		marketoGUID: String(a.id),
		leadId: a.leadId,
		activityDate: isoSeconds(a.date),
		activityTypeId: a.typeId,
	};
}

function fieldChange(store: MarketoStore, name: string, newValue: unknown, oldValue: unknown) {
	return { id: store.leadField(name)?.id ?? 0, name, newValue: valueString(newValue), oldValue: valueString(oldValue) };
}

/** Generic activities.json shape for any type. */
function genericItem(store: MarketoStore, a: ActivityRecord): Record<string, unknown> {
	const out = base(a);
	switch (a.typeId) {
		case ACTIVITY_CHANGE_DATA_VALUE: {
			const def = a.field ? store.leadField(a.field) : undefined;
			out.primaryAttributeValueId = a.fieldId ?? def?.id;
			out.primaryAttributeValue = def?.displayName ?? a.field;
			out.attributes = [
				{ name: 'New Value', value: valueString(a.newValue) },
				{ name: 'Old Value', value: valueString(a.oldValue) },
				...ctxAttributes(a.ctx, 'change'),
			];
			break;
		}
		case ACTIVITY_NEW_LEAD:
			out.primaryAttributeValueId = a.leadId;
			out.primaryAttributeValue = a.primary ?? '';
			out.attributes = ctxAttributes(a.ctx, 'new');
			break;
		case ACTIVITY_DELETE_LEAD:
			out.primaryAttributeValueId = a.primaryId ?? a.leadId;
			out.primaryAttributeValue = a.primary ?? '';
			out.attributes = [];
			break;
		default:
			if (a.primaryId !== undefined) out.primaryAttributeValueId = a.primaryId;
			out.primaryAttributeValue = a.primary ?? '';
			out.attributes = (a.attrs ?? []).map((x) => ({ ...x }));
	}
	return out;
}

// ------------------------------------------------------------------ feeds

/** GET /rest/v1/activities/leadchanges.json?nextPageToken=&fields= */
export function leadChanges(ctx: RestContext): RestResult {
	const store = ctx.store;
	const pos = decodeActivityToken(ctx.query.get('nextPageToken'));
	const names = csv(ctx.query.get('fields'));
	if (names.length === 0) throw new MktoError('701', 'fields cannot be blank');
	const wanted = new Set<string>();
	for (const n of names) {
		const def = store.leadField(n);
		if (!def) throw new MktoError('1006', `Field '${n}' not found`);
		wanted.add(def.name);
	}
	const leadIds = leadIdsFilter(ctx);
	rejectListId(ctx);
	const batchSize = parseBatchSize(ctx.query.get('batchSize'));
	return scan(store, pos, batchSize, (a) => {
		if (a.typeId !== ACTIVITY_CHANGE_DATA_VALUE && a.typeId !== ACTIVITY_NEW_LEAD) return undefined;
		if (leadIds && !leadIds.has(a.leadId)) return undefined;
		if (!store.leads.has(a.leadId)) return undefined; // a deleted person's history goes with it
		if (a.typeId === ACTIVITY_CHANGE_DATA_VALUE) {
			if (!a.field || !wanted.has(a.field)) return undefined;
			return { ...base(a), fields: [fieldChange(store, a.field, a.newValue, a.oldValue)], attributes: ctxAttributes(a.ctx, 'change') };
		}
		const fields = [];
		for (const name of wanted) {
			const v = a.initial?.[name];
			if (v !== undefined && v !== null) fields.push(fieldChange(store, name, v, null));
		}
		return { ...base(a), fields, attributes: ctxAttributes(a.ctx, 'new') };
	});
}

/** GET /rest/v1/activities/deletedleads.json?nextPageToken= */
export function deletedLeads(ctx: RestContext): RestResult {
	const store = ctx.store;
	const pos = decodeActivityToken(ctx.query.get('nextPageToken'));
	const batchSize = parseBatchSize(ctx.query.get('batchSize'));
	const cutoff = store.now() - store.deletedLeadRetentionDays * DAY_MS;
	return scan(store, pos, batchSize, (a) => {
		if (a.typeId !== ACTIVITY_DELETE_LEAD || a.date < cutoff) return undefined;
		return genericItem(store, a);
	});
}

/** GET /rest/v1/activities.json?nextPageToken=&activityTypeIds= */
export function listActivities(ctx: RestContext): RestResult {
	const store = ctx.store;
	const pos = decodeActivityToken(ctx.query.get('nextPageToken'));
	const typeIds = csv(ctx.query.get('activityTypeIds'));
	if (typeIds.length === 0) throw new MktoError('701', 'activityTypeIds cannot be blank');
	if (typeIds.length > 10) throw new MktoError('1003', `Invalid data: ${typeIds.length} activityTypeIds exceeds 10`);
	const types = new Set(typeIds.map(Number));
	if ([...types].some((n) => !Number.isInteger(n))) throw new MktoError('1003', 'Invalid data: activityTypeIds must be integers');
	const leadIds = leadIdsFilter(ctx);
	rejectListId(ctx);
	const batchSize = parseBatchSize(ctx.query.get('batchSize'));
	const cutoff = store.now() - store.deletedLeadRetentionDays * DAY_MS;
	return scan(store, pos, batchSize, (a) => {
		if (!types.has(a.typeId)) return undefined;
		if (leadIds && !leadIds.has(a.leadId)) return undefined;
		if (a.typeId === ACTIVITY_DELETE_LEAD) {
			if (a.date < cutoff) return undefined;
		} else if (!store.leads.has(a.leadId)) return undefined;
		return genericItem(store, a);
	});
}

// ------------------------------------------------------------------ activity types

const BUILTIN_TYPES = [
	{
		id: ACTIVITY_NEW_LEAD,
		name: 'New Lead',
		description: 'New person',
		primaryAttribute: { name: 'Lead ID', dataType: 'integer' },
		attributes: [
			{ name: 'Api Method Name', dataType: 'string' },
			{ name: 'Created Date', dataType: 'date' },
			{ name: 'Form Name', dataType: 'string' },
			{ name: 'Lead Source', dataType: 'string' },
			{ name: 'List Name', dataType: 'string' },
			{ name: 'Modifying User', dataType: 'string' },
			{ name: 'Request Id', dataType: 'string' },
			{ name: 'Reason', dataType: 'string' },
			{ name: 'Source', dataType: 'string' },
			{ name: 'Source Type', dataType: 'string' },
		],
	},
	{
		id: ACTIVITY_CHANGE_DATA_VALUE,
		name: 'Change Data Value',
		description: 'Changed attribute value for a person',
		primaryAttribute: { name: 'Attribute Name', dataType: 'integer' },
		attributes: [
			{ name: 'Api Method Name', dataType: 'string' },
			{ name: 'Modifying User', dataType: 'string' },
			{ name: 'New Value', dataType: 'text' },
			{ name: 'Old Value', dataType: 'text' },
			{ name: 'Reason', dataType: 'text' },
			{ name: 'Request Id', dataType: 'string' },
			{ name: 'Source', dataType: 'string' },
		],
	},
	{
		id: ACTIVITY_MERGE_LEADS,
		name: 'Merge Leads',
		description: 'Merge people',
		primaryAttribute: { name: 'Lead ID', dataType: 'integer' },
		attributes: [
			{ name: 'Merge IDs', dataType: 'string' },
			{ name: 'Merge Source', dataType: 'string' },
			{ name: 'Merged in Sales', dataType: 'boolean' },
		],
	},
	{
		id: ACTIVITY_DELETE_LEAD,
		name: 'Delete Lead',
		description: 'Delete person',
		primaryAttribute: { name: 'Lead ID', dataType: 'integer' },
		attributes: [{ name: 'Remove from CRM', dataType: 'boolean' }],
	},
];

/** GET /rest/v1/activities/types.json: built-in types plus approved custom ones. */
export function activityTypes(ctx: RestContext): RestResult {
	const custom = [...ctx.store.customActivityTypes.values()]
		.filter((t) => t.approved)
		.map((t) => ({
			id: t.id,
			apiName: t.apiName,
			name: t.approved!.name,
			description: t.approved!.description ?? '',
			primaryAttribute: { apiName: t.approved!.primaryAttribute.apiName, name: t.approved!.primaryAttribute.name, dataType: t.approved!.primaryAttribute.dataType },
			attributes: t.approved!.attributes.map((a) => ({ apiName: a.apiName, name: a.name, dataType: a.dataType })),
		}));
	return { result: [...BUILTIN_TYPES, ...custom] };
}

function typeStatus(t: CustomActivityType): string {
	if (t.approved && t.draft) return 'approved with draft';
	return t.approved ? 'approved' : 'draft';
}

function formatType(t: CustomActivityType, draft = false): Record<string, unknown> {
	const v = (draft ? t.draft ?? t.approved : t.approved ?? t.draft)!;
	const out: Record<string, unknown> = {
		id: t.id,
		apiName: t.apiName,
		name: v.name,
		description: v.description ?? '',
		triggerName: v.triggerName,
		filterName: v.filterName,
		createdAt: t.createdAt,
		updatedAt: t.updatedAt,
		status: typeStatus(t),
		primaryAttribute: { ...v.primaryAttribute },
	};
	if (v.attributes.length) out.attributes = v.attributes.map((a) => ({ ...a }));
	return out;
}

function findType(ctx: RestContext): CustomActivityType {
	const t = ctx.store.customActivityTypes.get(ctx.params.apiName);
	if (!t) throw new MktoError('1013', `Activity type '${ctx.params.apiName}' not found`);
	return t;
}

/** The draft to edit: the existing draft, or a copy of the approved version. */
function editableDraft(t: CustomActivityType): CustomActivityTypeVersion {
	if (!t.draft) {
		const a = t.approved!;
		t.draft = { ...a, primaryAttribute: { ...a.primaryAttribute }, attributes: a.attributes.map((x) => ({ ...x })) };
	}
	return t.draft;
}

function requireString(body: Record<string, unknown>, key: string): string {
	const v = body[key];
	if (v === undefined || v === null || String(v).trim() === '') throw new MktoError('701', `${key} cannot be blank`);
	return String(v);
}

function attributeDef(raw: unknown, isPrimary: boolean): CustomActivityAttributeDef {
	if (!isPlainObject(raw)) throw new MktoError('1003', 'Invalid data: attribute must be an object');
	const apiName = requireString(raw, 'apiName');
	const name = requireString(raw, 'name');
	const dataType = raw.dataType === undefined || raw.dataType === null ? 'string' : String(raw.dataType);
	if (!ATTRIBUTE_TYPES.has(dataType)) throw new MktoError('1003', `Invalid data: dataType '${dataType}' is not supported`);
	const def: CustomActivityAttributeDef = { apiName, name, dataType };
	if (raw.description !== undefined && raw.description !== null) def.description = String(raw.description);
	if (isPrimary) def.isPrimary = true;
	return def;
}

/** GET /rest/v1/activities/external/types.json */
export function listCustomActivityTypes(ctx: RestContext): RestResult {
	return { result: [...ctx.store.customActivityTypes.values()].map((t) => formatType(t)) };
}

/** GET /rest/v1/activities/external/type/{apiName}/describe.json[?draft=true] */
export function describeCustomActivityType(ctx: RestContext): RestResult {
	const t = findType(ctx);
	const draft = ctx.query.get('draft') === 'true';
	return { result: [formatType(t, draft)] };
}

/** POST /rest/v1/activities/external/type.json: creates a draft type. */
export function createCustomActivityType(ctx: RestContext): RestResult {
	const body = bodyObject(ctx);
	const apiName = requireString(body, 'apiName');
	if (!/^[A-Za-z0-9_]*[A-Za-z][A-Za-z0-9_]*$/.test(apiName) || apiName.length > 255) {
		throw new MktoError('1003', `Invalid data: apiName '${apiName}' must be alphanumeric with at least one letter`);
	}
	const name = requireString(body, 'name');
	const triggerName = requireString(body, 'triggerName');
	const filterName = requireString(body, 'filterName');
	if (body.primaryAttribute === undefined || body.primaryAttribute === null) throw new MktoError('701', 'primaryAttribute cannot be blank');
	const store = ctx.store;
	if (store.customActivityTypes.has(apiName)) throw new MktoError('1003', `Invalid data: activity type '${apiName}' already exists`);
	if (store.customActivityTypes.size >= MAX_CUSTOM_ACTIVITY_TYPES) throw new MktoError('1027', 'Max Activity Type Limit Reached');
	const version: CustomActivityTypeVersion = {
		name,
		triggerName,
		filterName,
		primaryAttribute: attributeDef(body.primaryAttribute, false),
		attributes: [],
	};
	if (body.description !== undefined && body.description !== null) version.description = String(body.description);
	const t = store.addCustomActivityType(version, apiName, false);
	return { result: [formatType(t, true)] };
}

/** POST /rest/v1/activities/external/type/{apiName}.json: updates the draft. */
export function updateCustomActivityType(ctx: RestContext): RestResult {
	const t = findType(ctx);
	const body = bodyObject(ctx);
	const d = editableDraft(t);
	for (const key of ['name', 'triggerName', 'filterName', 'description'] as const) {
		if (body[key] !== undefined && body[key] !== null) d[key] = String(body[key]);
	}
	if (body.primaryAttribute !== undefined && body.primaryAttribute !== null) d.primaryAttribute = attributeDef(body.primaryAttribute, false);
	t.updatedAt = ctx.store.nowIso();
	return { result: [formatType(t, true)] };
}

function attributesOf(body: Record<string, unknown>): unknown[] {
	const list = body.attributes;
	if (!Array.isArray(list) || list.length === 0) throw new MktoError('701', 'attributes cannot be blank');
	return list;
}

/** POST …/type/{apiName}/attributes/create.json */
export function createCustomActivityAttributes(ctx: RestContext): RestResult {
	const t = findType(ctx);
	const defs = attributesOf(bodyObject(ctx)).map((raw) => ({ def: attributeDef(raw, false), primary: isPlainObject(raw) && raw.isPrimary === true }));
	const d = editableDraft(t);
	for (const { def, primary } of defs) {
		if (primary) {
			d.primaryAttribute = { ...def };
			continue;
		}
		const i = d.attributes.findIndex((a) => a.apiName === def.apiName);
		if (i >= 0) throw new MktoError('1003', `Invalid data: attribute '${def.apiName}' already exists`);
		if (d.attributes.length >= MAX_CUSTOM_ATTRIBUTES) throw new MktoError('1028', 'Max field limit reached');
		d.attributes.push(def);
	}
	t.updatedAt = ctx.store.nowIso();
	return { result: [formatType(t, true)] };
}

/** POST …/type/{apiName}/attributes/update.json */
export function updateCustomActivityAttributes(ctx: RestContext): RestResult {
	const t = findType(ctx);
	const list = attributesOf(bodyObject(ctx));
	const d = editableDraft(t);
	for (const raw of list) {
		const def = attributeDef(raw, false);
		const i = d.attributes.findIndex((a) => a.apiName === def.apiName);
		if (i < 0) throw new MktoError('1013', `Attribute '${def.apiName}' not found`);
		d.attributes[i] = def;
	}
	t.updatedAt = ctx.store.nowIso();
	return { result: [formatType(t, true)] };
}

/** POST …/type/{apiName}/attributes/delete.json */
export function deleteCustomActivityAttributes(ctx: RestContext): RestResult {
	const t = findType(ctx);
	const list = attributesOf(bodyObject(ctx));
	const d = editableDraft(t);
	for (const raw of list) {
		const apiName = isPlainObject(raw) ? String(raw.apiName ?? '') : '';
		const i = d.attributes.findIndex((a) => a.apiName === apiName);
		if (i < 0) throw new MktoError('1013', `Attribute '${apiName}' not found`);
		d.attributes.splice(i, 1);
	}
	t.updatedAt = ctx.store.nowIso();
	return { result: [formatType(t, true)] };
}

/** POST …/type/{apiName}/approve.json */
export function approveCustomActivityType(ctx: RestContext): RestResult {
	const t = findType(ctx);
	if (!t.draft) throw new MktoError('709', 'Business Rule Violation: activity type has no draft to approve');
	t.approved = t.draft;
	t.draft = undefined;
	t.updatedAt = ctx.store.nowIso();
	return { result: [formatType(t)] };
}

/** POST …/type/{apiName}/discardDraft.json */
export function discardCustomActivityTypeDraft(ctx: RestContext): RestResult {
	const t = findType(ctx);
	if (!t.draft || !t.approved) throw new MktoError('709', 'Business Rule Violation: no draft to discard on an approved type');
	t.draft = undefined;
	t.updatedAt = ctx.store.nowIso();
	return { result: [formatType(t)] };
}

/** POST …/type/{apiName}/delete.json */
export function deleteCustomActivityType(ctx: RestContext): RestResult {
	const t = findType(ctx);
	ctx.store.customActivityTypes.delete(t.apiName);
	return { result: [{ id: t.id, apiName: t.apiName }] };
}

// ------------------------------------------------------------------ add custom activities

function attrField(a: CustomActivityAttributeDef): FieldDef {
	const dataType = (a.dataType === 'link' ? 'string' : a.dataType) as DataType;
	return { name: a.apiName, displayName: a.name, dataType, length: dataType === 'string' ? 255 : undefined };
}

/** POST /rest/v1/activities/external.json */
export function addCustomActivities(ctx: RestContext): RestResult {
	const store = ctx.store;
	const input = inputArray(bodyObject(ctx));
	const result = input.map((raw) => {
		const skipped = (errors: Reason[]) => ({ status: 'skipped', errors });
		if (!isPlainObject(raw)) return skipped([{ code: '1003', message: 'Invalid data: activity must be an object' }]);
		for (const key of ['leadId', 'activityDate', 'activityTypeId', 'primaryAttributeValue']) {
			if (raw[key] === undefined || raw[key] === null || raw[key] === '') {
				return skipped([{ code: '1002', message: `Missing value for the required parameter '${key}'` }]);
			}
		}
		const attrsRaw = raw.attributes ?? [];
		if (!Array.isArray(attrsRaw)) return skipped([{ code: '1003', message: 'Invalid data: attributes must be an array' }]);
		const type = store.customActivityTypeById(Number(raw.activityTypeId));
		if (!type || !type.approved) {
			return skipped([{ code: '1003', message: `Invalid data: activityTypeId '${String(raw.activityTypeId)}' is not an approved custom activity type` }]);
		}
		const leadId = Number(raw.leadId);
		if (!Number.isInteger(leadId) || !store.getLead(leadId)) return skipped([{ code: '1004', message: 'Lead not found' }]);
		const date = typeof raw.activityDate === 'string' ? parseIsoDate(raw.activityDate, false) : undefined;
		if (date === undefined) return skipped([{ code: '1001', message: `Invalid value '${String(raw.activityDate)}'. Required of type 'datetime'` }]);
		const v = type.approved;
		const primary = coerceValue(attrField(v.primaryAttribute), raw.primaryAttributeValue);
		if (!primary.ok) return skipped([primary.reason]);
		if (Buffer.byteLength(JSON.stringify(attrsRaw)) > 65536) {
			return skipped([{ code: '1049', message: 'Failed to Create Activity: attributes array too long' }]);
		}
		const attrs: ActivityAttribute[] = [];
		const errors: Reason[] = [];
		for (const item of attrsRaw) {
			if (!isPlainObject(item)) {
				errors.push({ code: '1003', message: 'Invalid data: attribute must be an object' });
				continue;
			}
			const key = String(item.apiName ?? item.name ?? '');
			const lower = key.toLowerCase();
			const def = v.attributes.find((a) => a.apiName.toLowerCase() === lower || a.name.toLowerCase() === lower);
			if (!def) {
				errors.push({ code: '1006', message: `Field '${key}' not found` });
				continue;
			}
			const c = coerceValue(attrField(def), item.value);
			if (!c.ok) errors.push(c.reason);
			else attrs.push({ name: def.name, apiName: def.apiName, value: c.value });
		}
		if (errors.length) return skipped(errors);
		const rec = store.logActivity({
			leadId,
			date,
			typeId: type.id,
			primary: valueString(primary.value) ?? '',
			attrs,
			ctx: { ...ctx.write, apiMethod: 'addCustomActivity' },
		});
		store.recordsWritten++;
		return { id: rec.id, marketoGUID: String(rec.id), status: 'added' };
	});
	return { result };
}

/** Admin view of an activity: the generic shape plus the raw change data. */
export function activityForAdmin(store: MarketoStore, a: ActivityRecord): Record<string, unknown> {
	const out = genericItem(store, a);
	if (a.typeId === ACTIVITY_CHANGE_DATA_VALUE && a.field) out.fields = [fieldChange(store, a.field, a.newValue, a.oldValue)];
	if (a.typeId === ACTIVITY_NEW_LEAD) {
		out.fields = Object.entries(a.initial ?? {}).map(([name, v]) => fieldChange(store, name, v, null));
	}
	out.source = a.ctx?.source ?? SOURCE_API;
	return out;
}
