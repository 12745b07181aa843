/** Lead endpoints: describe, sync, query, get by id, delete, merge, partitions, schema fields. */
import { bodyObject, inputArray, type RestContext, type RestResult } from './context';
import { DEFAULT_LEAD_FIELDS } from './fields';
import type { MarketoLead } from './types';
import {
	MktoError,
	coerceValue,
	csv,
	decodeOffsetToken,
	encodeOffsetToken,
	isPlainObject,
	parseBatchSize,
	type FieldDef,
	type Reason,
} from './util';

const ACTIONS = new Set(['createOnly', 'updateOnly', 'createOrUpdate', 'createDuplicate']);
const MAX_FILTER_MATCHES = 1000;

export function describeLeads(ctx: RestContext): RestResult {
	return {
		result: ctx.store.leadFields.map((f) => {
			const out: Record<string, unknown> = { id: f.id, displayName: f.displayName, dataType: f.dataType };
			if (f.length !== undefined) out.length = f.length;
			out.rest = { name: f.name, readOnly: !!f.readOnly };
			out.soap = { name: soapName(f.name), readOnly: !!f.readOnly };
			return out;
		}),
	};
}

function soapName(rest: string): string {
	if (rest === 'id') return 'Id';
	return rest.charAt(0).toUpperCase() + rest.slice(1);
}

export function describeLeads2(ctx: RestContext): RestResult {
	const fields = ctx.store.leadFields;
	return {
		result: [
			{
				name: 'API Lead',
				searchableFields: fields.filter((f) => f.searchable).map((f) => [f.name]),
				fields: fields.map((f) => {
					const out: Record<string, unknown> = { name: f.name, displayName: f.displayName, dataType: f.dataType };
					if (f.length !== undefined) out.length = f.length;
					out.updateable = !f.readOnly;
					out.crmManaged = false;
					return out;
				}),
			},
		],
	};
}

/** GET /rest/v1/leads/schema/fields.json */
export function leadSchemaFields(ctx: RestContext): RestResult {
	const batchSize = parseBatchSize(ctx.query.get('batchSize'));
	const offset = decodeOffsetToken('fields', ctx.query.get('nextPageToken'));
	const all = ctx.store.leadFields;
	const page = all.slice(offset, offset + batchSize).map((f) => ({
		displayName: f.displayName,
		name: f.name,
		description: null,
		dataType: f.dataType,
		...(f.length !== undefined ? { length: f.length } : {}),
		isHidden: false,
		isHtmlEncodingInEmail: f.dataType !== 'boolean' && f.dataType !== 'integer',
		isSensitive: false,
		isCustom: !!f.custom,
		isApiCreated: !!f.custom,
	}));
	const more = offset + batchSize < all.length;
	return { result: page, ...(more ? { nextPageToken: encodeOffsetToken('fields', offset + batchSize), moreResult: true } : {}) };
}

export function partitions(): RestResult {
	return { result: [{ id: 1, name: 'Default', description: 'Initial system partition' }] };
}

/** POST /rest/v1/leads.json (Sync Leads). */
export function syncLeads(ctx: RestContext): RestResult {
	const body = bodyObject(ctx);
	const store = ctx.store;
	const action = body.action === undefined || body.action === null ? 'createOrUpdate' : String(body.action);
	if (!ACTIONS.has(action)) throw new MktoError('1003', `Invalid action '${action}'`);
	const lookupName = body.lookupField === undefined || body.lookupField === null || body.lookupField === '' ? 'email' : String(body.lookupField);
	const lookupDef = store.leadField(lookupName);
	if (!lookupDef) throw new MktoError('1006', `Field '${lookupName}' not found`);
	if (!lookupDef.searchable) throw new MktoError('1011', `Field '${lookupName}' not supported`);
	if (lookupDef.name === 'id' && action !== 'updateOnly') {
		throw new MktoError('1003', `Invalid data: lookupField 'id' is only allowed with action 'updateOnly'`);
	}
	const partitionName = body.partitionName === undefined || body.partitionName === null ? undefined : String(body.partitionName);
	const input = inputArray(body);
	const write = { ...ctx.write, apiMethod: 'syncLead' };

	const result = input.map((raw) => {
		const skipped = (reasons: Reason[]) => ({ status: 'skipped', reasons });
		if (!isPlainObject(raw)) return skipped([{ code: '1003', message: 'Invalid data: record must be an object' }]);
		if (partitionName !== undefined && partitionName.toLowerCase() !== 'default' && action !== 'updateOnly') {
			return skipped([{ code: '1008', message: `Access denied to partition '${partitionName}'` }]);
		}
		// id: the lookup key of updateOnly; anywhere else it is invalid data (1003)
		const idKey = Object.keys(raw).find((k) => k.toLowerCase() === 'id');
		if (idKey !== undefined && !(action === 'updateOnly' && lookupDef.name === 'id')) {
			return skipped([{ code: '1003', message: `Invalid data: field 'id' is not allowed with action '${action}'` }]);
		}
		const { values, reasons } = store.prepareLeadValues(raw, { skip: idKey ? [idKey] : [] });
		if (reasons.length) return skipped(reasons);

		if (action === 'createDuplicate') {
			const lead = store.createLead(values, write);
			store.recordsWritten++;
			return { id: lead.id, status: 'created' };
		}

		let lookupValue: unknown;
		if (lookupDef.name === 'id') {
			const c = coerceValue(lookupDef, raw[idKey!]);
			if (!c.ok) return skipped([c.reason]);
			lookupValue = c.value;
		} else {
			lookupValue = values[lookupDef.name];
		}
		const missingLookup = lookupValue === null || lookupValue === undefined;
		if (missingLookup && action !== 'createOnly') {
			return skipped([{ code: '1003', message: `Value for lookup field '${lookupDef.name}' not provided` }]);
		}
		const matches = missingLookup ? [] : store.findLeadIds(lookupDef.name, lookupValue);

		if (matches.length === 0) {
			if (action === 'updateOnly') return skipped([{ code: '1004', message: 'Lead not found' }]);
			const lead = store.createLead(values, write);
			store.recordsWritten++;
			return { id: lead.id, status: 'created' };
		}
		if (action === 'createOnly') return skipped([{ code: '1005', message: 'Lead already exists' }]);
		if (matches.length > 1) return skipped([{ code: '1007', message: 'Multiple leads match the lookup criteria' }]);
		const lead = store.getLead(matches[0])!;
		store.updateLead(lead, values, write);
		store.recordsWritten++;
		return { id: lead.id, status: 'updated' };
	});
	return { result };
}

/** Output shape of a lead: id plus the requested non-null fields. */
function projectLead(lead: MarketoLead, fields: FieldDef[]): Record<string, unknown> {
	const out: Record<string, unknown> = { id: lead.id };
	for (const f of fields) {
		if (f.name === 'id') continue;
		const v = lead[f.name];
		if (v !== null && v !== undefined) out[f.name] = v;
	}
	return out;
}

function requestedFields(ctx: RestContext): FieldDef[] {
	const names = csv(ctx.query.get('fields'));
	const list = names.length ? names : DEFAULT_LEAD_FIELDS;
	return list.map((n) => {
		const def = ctx.store.leadField(n);
		if (!def) throw new MktoError('1006', `Field '${n}' not found`);
		return def;
	});
}

/** GET /rest/v1/leads.json?filterType=&filterValues= */
export function getLeadsByFilter(ctx: RestContext): RestResult {
	const store = ctx.store;
	const filterType = ctx.query.get('filterType');
	if (!filterType) throw new MktoError('701', 'filterType cannot be blank');
	const rawValues = ctx.query.get('filterValues');
	if (rawValues === null || rawValues.trim() === '') throw new MktoError('701', 'filterValues cannot be blank');
	const def = store.leadField(filterType);
	if (!def || !def.searchable) throw new MktoError('1011', `Field '${filterType}' not supported`);
	const values = csv(rawValues);
	if (values.length > 300) throw new MktoError('1003', `Invalid data: ${values.length} filterValues exceeds 300`);
	const fields = requestedFields(ctx);
	const batchSize = parseBatchSize(ctx.query.get('batchSize'));
	const offset = decodeOffsetToken('leads', ctx.query.get('nextPageToken'));

	const seen = new Set<number>();
	const ids: number[] = [];
	for (const v of values) {
		if (def.dataType === 'integer' && !/^[+-]?\d+$/.test(v)) continue;
		for (const id of store.findLeadIds(def.name, v)) {
			if (!seen.has(id)) {
				seen.add(id);
				ids.push(id);
			}
		}
	}
	if (ids.length > MAX_FILTER_MATCHES) throw new MktoError('1003', `Invalid data: too many results (${ids.length} leads match, maximum is ${MAX_FILTER_MATCHES})`);
	ids.sort((a, b) => a - b);
	const page = ids.slice(offset, offset + batchSize).map((id) => projectLead(store.getLead(id)!, fields));
	const more = offset + batchSize < ids.length;
	return { result: page, ...(more ? { nextPageToken: encodeOffsetToken('leads', offset + batchSize), moreResult: true } : {}) };
}

/** GET /rest/v1/lead/{id}.json */
export function getLeadById(ctx: RestContext): RestResult {
	const id = Number(ctx.params.id);
	const fields = requestedFields(ctx);
	const lead = ctx.store.getLead(id);
	return { result: lead ? [projectLead(lead, fields)] : [] };
}

/** POST /rest/v1/leads/delete.json  {input:[{id}]}  (or ?id=1,2,3 with an empty body) */
export function deleteLeads(ctx: RestContext): RestResult {
	let ids: unknown[];
	if (ctx.body === undefined && ctx.query.get('id')) {
		ids = csv(ctx.query.get('id'));
		if (ids.length > 300) throw new MktoError('1003', `Batch size exceeded: input size ${ids.length} exceeds 300`);
	} else {
		const input = inputArray(bodyObject(ctx));
		ids = input.map((r) => (isPlainObject(r) ? r.id : undefined));
	}
	const write = { ...ctx.write, apiMethod: 'deleteLead' };
	return {
		result: ids.map((raw) => {
			const id = Number(raw);
			if (raw === undefined || raw === null || !Number.isInteger(id)) {
				return { status: 'skipped', reasons: [{ code: '1003', message: 'Invalid data: id is required' }] };
			}
			if (!ctx.store.deleteLead(id, write)) {
				return { id, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] };
			}
			ctx.store.recordsWritten++;
			return { id, status: 'deleted' };
		}),
	};
}

/** POST /rest/v1/leads/{id}/merge.json?leadId=|leadIds= */
export function mergeLeads(ctx: RestContext): RestResult {
	const winnerId = Number(ctx.params.id);
	const losers = [...csv(ctx.query.get('leadId')), ...csv(ctx.query.get('leadIds'))].map((s) => Number(s));
	if (losers.length === 0) throw new MktoError('701', 'leadId cannot be blank');
	if (losers.some((n) => !Number.isInteger(n))) throw new MktoError('1003', 'Invalid data: lead ids must be integers');
	if (losers.length > 25) throw new MktoError('1080', `Too many leads to merge: ${losers.length} exceeds 25`);
	if (losers.includes(winnerId)) throw new MktoError('1003', 'Invalid data: the winning lead cannot also be a losing lead');
	for (const id of [winnerId, ...losers]) {
		if (!ctx.store.getLead(id)) throw new MktoError('1004', `Lead not found: ${id}`);
	}
	ctx.store.mergeLeads(winnerId, [...new Set(losers)], { ...ctx.write, apiMethod: 'mergeLeads' });
	ctx.store.recordsWritten += losers.length;
	return {};
}
