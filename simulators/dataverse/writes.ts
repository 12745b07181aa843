import { DataverseError, payloadError, queryError, recordNotFound } from './errors';
import { edmTypeOf, isLookup, propertyName, type AttributeDef, type TableDef } from './schema';
import { isoSeconds, TYPE_SUFFIX, type DataverseStore, type Row } from './store';

/** Create / update / delete / merge / connection semantics shared by the Web API, $batch and the "UI" helpers. */

export interface WriteContext {
	store: DataverseStore;
	/** The caller's systemuser id (stamped as createdby/modifiedby and the default owner). */
	userId: string;
	/** 'api': Web API payload rules. 'ui': a person in the Dynamics UI (lookups may be given as _x_value GUIDs, statecode settable). */
	mode: 'api' | 'ui';
	/** Resolves `$1` Content-ID references inside a $batch change set. */
	resolveReference?: (ref: string) => { table: string; id: string } | undefined;
}

export const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const EMAIL_RE = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const ISO_DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$/;
const ISO_DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function typeName(def: TableDef): string {
	return `Microsoft.Dynamics.CRM.${def.logicalName}`;
}

function literal(value: unknown): string {
	if (typeof value === 'string') return value;
	return JSON.stringify(value);
}

function convertValue(def: TableDef, a: AttributeDef, value: unknown): unknown {
	if (value === null) return null;
	const edm = edmTypeOf(a);
	const fail = () => payloadError(def.entitySetName, `Cannot convert the literal '${literal(value)}' to the expected type '${edm}'.`);
	if (typeof value === 'object') {
		throw payloadError(
			def.entitySetName,
			`A node of type '${Array.isArray(value) ? 'StartArray' : 'StartObject'}' was read from the JSON reader when trying to read a value of the property '${propertyName(a)}'; however, a 'PrimitiveValue' node was expected.`,
		);
	}
	switch (edm) {
		case 'Edm.String':
			if (typeof value !== 'string') throw fail();
			return value;
		case 'Edm.Int32':
			if (typeof value !== 'number' || !Number.isInteger(value) || value > 2147483647 || value < -2147483648) throw fail();
			return value;
		case 'Edm.Int64':
			if (typeof value !== 'number' || !Number.isInteger(value)) throw fail();
			return value;
		case 'Edm.Decimal':
		case 'Edm.Double':
			if (typeof value !== 'number' || !Number.isFinite(value)) throw fail();
			return value;
		case 'Edm.Boolean':
			if (typeof value !== 'boolean') throw fail();
			return value;
		case 'Edm.DateTimeOffset': {
			if (typeof value !== 'string' || !ISO_DATETIME_RE.test(value) || Number.isNaN(Date.parse(value))) throw fail();
			return isoSeconds(Date.parse(value));
		}
		case 'Edm.Date':
			if (typeof value !== 'string' || !ISO_DATE_RE.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) throw fail();
			return value;
		case 'Edm.Guid':
			if (typeof value !== 'string' || !GUID_RE.test(value)) throw fail();
			return value.toLowerCase();
		default:
			return value;
	}
}

/** `/accounts(<guid>)`, `accounts(<guid>)`, an absolute URL, or `$1` → table + id. */
export function parseEntityReference(ctx: WriteContext, value: string): { table: string; id: string } {
	if (value.startsWith('$')) {
		const resolved = ctx.resolveReference?.(value);
		if (!resolved) throw queryError(`Content-ID Reference: '${value}' does not exist in the batch context.`);
		return resolved;
	}
	const path = value.replace(/^https?:\/\/[^/]+\/api\/data\/v\d+\.\d+\//i, '').replace(/^\/+/, '');
	const m = /^([A-Za-z_][A-Za-z0-9_]*)\(([^)]*)\)$/.exec(path);
	if (!m) throw queryError(`The URI '${value}' is not valid because it is not based on the service root.`);
	const def = ctx.store.byEntitySet(m[1]);
	if (!def) throw queryError(`Resource not found for the segment '${m[1]}'.`, 404);
	const key = m[2].replace(/^\{|\}$/g, '');
	if (!GUID_RE.test(key)) throw queryError('Bad Request - Error in query syntax.');
	return { table: def.logicalName, id: key.toLowerCase() };
}

/** Reads a request payload into stored-row changes (ODataLib-level checks: names and JSON types). */
export function readPayload(ctx: WriteContext, def: TableDef, body: unknown, forCreate: boolean): Row {
	if (typeof body !== 'object' || body === null || Array.isArray(body)) {
		throw payloadError(def.entitySetName, 'The payload is not a valid JSON object. An entity must be sent as a JSON object.');
	}
	const changes: Row = {};
	for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
		if (key.startsWith('@')) continue;
		const at = key.indexOf('@');
		if (at > 0) {
			const annotation = key.slice(at + 1);
			if (annotation !== 'odata.bind') continue;
			const nav = key.slice(0, at);
			const navigation = def.navigation.get(nav);
			if (!navigation) {
				throw payloadError(
					def.entitySetName,
					`An undeclared property '${nav}' which only has property annotations in the payload but no property value was found in the payload. In OData, only declared navigation properties and declared named streams can be represented as properties without values.`,
				);
			}
			const a = navigation.attribute;
			if (!(forCreate ? a.validForCreate : a.validForUpdate)) continue;
			const property = propertyName(a);
			if (value === null) {
				changes[property] = null;
				changes[property + TYPE_SUFFIX] = undefined;
				continue;
			}
			if (typeof value !== 'string') {
				throw payloadError(def.entitySetName, `Cannot convert the literal '${literal(value)}' to the expected type 'Edm.String'.`);
			}
			const ref = parseEntityReference(ctx, value);
			const allowed = navigation.target === '*' ? (a.targets ?? []) : [navigation.target];
			if (!allowed.includes(ref.table)) {
				throw payloadError(
					def.entitySetName,
					`A resource of type 'Microsoft.Dynamics.CRM.${ref.table}' was found in the binding for navigation property '${nav}'; a resource of type 'Microsoft.Dynamics.CRM.${navigation.target === '*' ? 'principal' : navigation.target}' was expected.`,
				);
			}
			if (!ctx.store.has(ref.table, ref.id)) throw recordNotFound(ref.table, ref.id);
			changes[property] = ref.id;
			changes[property + TYPE_SUFFIX] = a.type === 'Owner' || (a.targets?.length ?? 0) <= 1 ? undefined : ref.table;
			continue;
		}
		const a = def.properties.get(key);
		if (!a) {
			if (def.navigation.has(key)) {
				throw payloadError(def.entitySetName, `Deep insert through the navigation property '${key}' is not supported by this simulator; bind with '${key}@odata.bind'.`);
			}
			throw payloadError(
				def.entitySetName,
				`The property '${key}' does not exist on type '${typeName(def)}'. Make sure to only use property names that are defined by the type or mark the type as open type.`,
			);
		}
		if (isLookup(a)) {
			if (ctx.mode === 'api') {
				throw new DataverseError(400, '0x80048d19', 'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.');
			}
			if (value === null) {
				changes[key] = null;
				changes[key + TYPE_SUFFIX] = undefined;
				continue;
			}
			if (typeof value !== 'string' || !GUID_RE.test(value)) throw payloadError(def.entitySetName, `Cannot convert the literal '${literal(value)}' to the expected type 'Edm.Guid'.`);
			const id = value.toLowerCase();
			const targets = a.type === 'Owner' ? ['systemuser', 'team'] : (a.targets ?? []);
			const explicit = (body as Record<string, unknown>)[`${key}@Microsoft.Dynamics.CRM.lookuplogicalname`];
			const target = typeof explicit === 'string' ? explicit : targets.find((t) => ctx.store.schema.has(t) && ctx.store.has(t, id));
			if (!target && targets.every((t) => ctx.store.schema.has(t))) throw recordNotFound(targets[0], id);
			changes[key] = id;
			changes[key + TYPE_SUFFIX] = a.type !== 'Owner' && targets.length > 1 ? target : undefined;
			continue;
		}
		const converted = convertValue(def, a, value);
		const writable = forCreate ? a.validForCreate : a.validForUpdate;
		const uiState = ctx.mode === 'ui' && (a.type === 'State' || a.type === 'Status' || a.logicalName === 'merged');
		if (!writable && !uiState) continue;
		changes[key] = converted;
	}
	return changes;
}

function enforcedRequired(a: AttributeDef): boolean {
	if (a.isPrimaryId || a.type === 'Owner' || a.defaultValue !== undefined || a.attributeOf) return false;
	if (!a.validForCreate) return false;
	if (a.requiredLevel === 'SystemRequired') return true;
	// Business-required text columns (lastname, name, new_name) are enforced as the brief asks.
	return a.requiredLevel === 'ApplicationRequired' && (a.type === 'String' || a.type === 'Memo');
}

function isEmpty(value: unknown): boolean {
	return value === null || value === undefined || value === '';
}

/** Platform-level validation (lengths, ranges, option values, required columns, state/status). */
export function validateRow(ctx: WriteContext, def: TableDef, row: Row, changes: Row, forCreate: boolean): void {
	for (const [property, value] of Object.entries(changes)) {
		if (property.endsWith(TYPE_SUFFIX)) continue;
		const a = def.properties.get(property);
		if (!a || value === null || value === undefined) continue;
		if ((a.type === 'String' || a.type === 'Memo') && typeof value === 'string' && a.maxLength !== undefined && value.length > a.maxLength) {
			throw new DataverseError(
				400,
				'0x80044331',
				`A validation error occurred. The length of the '${a.logicalName}' attribute of the '${def.logicalName}' entity exceeded the maximum allowed length of '${a.maxLength}'.`,
			);
		}
		if (a.format === 'Email' && typeof value === 'string' && value !== '' && !EMAIL_RE.test(value)) {
			throw new DataverseError(
				400,
				'0x80040203',
				`A validation error occurred. The value '${value}' of '${a.logicalName}' on record of type '${def.logicalName}' is not a valid e-mail address.`,
			);
		}
		if ((a.type === 'Picklist' || a.type === 'State' || a.type === 'Status') && a.options && a.options.length && !a.options.some((o) => o.value === value)) {
			throw new DataverseError(
				400,
				'0x8004431a',
				`A validation error occurred. The value ${String(value)} of '${a.logicalName}' on record of type '${def.logicalName}' is outside the valid range. Accepted Values: ${a.options.map((o) => o.value).join(',')}`,
			);
		}
		if (a.type === 'MultiSelectPicklist' && value !== null && value !== undefined) {
			// The Web API takes a string of comma-separated option values (learn.microsoft.com/
			// power-apps/developer/data-platform/multi-select-picklist).
			const picked = typeof value === 'string' ? value.split(',').map((v) => Number(v.trim())) : [NaN];
			const bad = picked.find((v) => !Number.isInteger(v) || !(a.options ?? []).some((o) => o.value === v));
			if (bad !== undefined) {
				throw new DataverseError(
					400,
					'0x8004431a',
					`A validation error occurred. The value ${String(value)} of '${a.logicalName}' on record of type '${def.logicalName}' is outside the valid range. Accepted Values: ${(a.options ?? []).map((o) => o.value).join(',')}`,
				);
			}
		}
		if ((a.type === 'Integer' || a.type === 'Money') && typeof value === 'number' && a.minValue !== undefined && a.maxValue !== undefined && (value < a.minValue || value > a.maxValue)) {
			throw new DataverseError(
				400,
				'0x8004431a',
				`A validation error occurred. The value ${value} of '${a.logicalName}' on record of type '${def.logicalName}' is outside the valid range. Accepted Range: ${a.minValue} to ${a.maxValue}`,
			);
		}
	}
	for (const a of def.attributes.values()) {
		if (!enforcedRequired(a)) continue;
		const property = propertyName(a);
		if (forCreate ? isEmpty(row[property]) : property in changes && isEmpty(changes[property])) {
			throw new DataverseError(
				400,
				'0x80040203',
				`A validation error occurred. The value for the required attribute '${a.logicalName}' of the '${def.logicalName}' entity is missing.`,
			);
		}
	}
	// state ↔ status consistency
	const stateAttr = def.attributes.get('statecode');
	const statusAttr = def.attributes.get('statuscode');
	if (stateAttr && statusAttr && ('statecode' in changes || 'statuscode' in changes)) {
		const state = (row.statecode ?? stateAttr.defaultValue) as number;
		if ('statecode' in changes && !('statuscode' in changes)) {
			row.statuscode = def.defaultStatus.get(state);
			changes.statuscode = row.statuscode;
		} else if ('statuscode' in changes && !('statecode' in changes)) {
			const option = statusAttr.options?.find((o) => o.value === row.statuscode);
			if (option?.state !== undefined) row.statecode = option.state;
		} else {
			const option = statusAttr.options?.find((o) => o.value === row.statuscode);
			if (option && option.state !== state) {
				const stateLabel = stateAttr.options?.find((o) => o.value === state)?.label ?? String(state);
				throw new DataverseError(
					400,
					'0x80040203',
					`${String(row.statuscode)} is not a valid status code for state code ${def.schemaName}State.${stateLabel.replace(/ /g, '')} on ${def.logicalName} with Id ${String(row[def.primaryIdAttribute])}.`,
				);
			}
		}
	}
}

function stamp(ctx: WriteContext): string {
	return isoSeconds(ctx.store.now());
}

function objectTypeCode(ctx: WriteContext, table: string | undefined): number | null {
	return table ? (ctx.store.tryDefinition(table)?.objectTypeCode ?? null) : null;
}

/** Creates a record from a payload. `id` comes from an upsert URL; a primary key in the body wins. */
export function createRecord(ctx: WriteContext, def: TableDef, body: unknown, id?: string): Row {
	const changes = readPayload(ctx, def, body, true);
	const pk = def.primaryIdAttribute;
	const newId = (typeof changes[pk] === 'string' ? (changes[pk] as string) : id) ?? ctx.store.newId();
	if (ctx.store.has(def.logicalName, newId)) throw new DataverseError(412, '0x80040237', 'A record with matching key values already exists.');
	const now = stamp(ctx);
	const row: Row = { [pk]: newId, createdon: now, modifiedon: now, _createdby_value: ctx.userId, _modifiedby_value: ctx.userId };
	if (def.properties.has('_ownerid_value')) row._ownerid_value = ctx.userId;
	if (def.properties.has('_businessunitid_value')) row._businessunitid_value = ROOT_BUSINESS_UNIT_ID;
	for (const [k, v] of Object.entries(changes)) if (v !== undefined) row[k] = v;
	validateRow(ctx, def, row, changes, true);
	if (def.logicalName === 'connection') return createConnection(ctx, def, row);
	ctx.store.write(def.logicalName, row);
	return row;
}

function createConnection(ctx: WriteContext, def: TableDef, master: Row): Row {
	const reciprocalId = ctx.store.newId();
	const t1 = ctx.store.lookupTarget(def, master, 'record1id');
	const t2 = ctx.store.lookupTarget(def, master, 'record2id');
	master.ismaster = true;
	master._relatedconnectionid_value = reciprocalId;
	master.record1objecttypecode = objectTypeCode(ctx, t1);
	master.record2objecttypecode = objectTypeCode(ctx, t2);
	const reciprocal: Row = { ...master, connectionid: reciprocalId, ismaster: false, _relatedconnectionid_value: master.connectionid };
	swapSides(master, reciprocal);
	ctx.store.write('connection', master);
	ctx.store.write('connection', reciprocal);
	return master;
}

const SIDE_PAIRS: Array<[string, string]> = [
	['_record1id_value', '_record2id_value'],
	['_record1id_value' + TYPE_SUFFIX, '_record2id_value' + TYPE_SUFFIX],
	['_record1roleid_value', '_record2roleid_value'],
	['record1objecttypecode', 'record2objecttypecode'],
];

/** Writes the swapped sides of `from` into `to` (reciprocal connection). */
function swapSides(from: Row, to: Row) {
	for (const [a, b] of SIDE_PAIRS) {
		const va = from[a];
		const vb = from[b];
		if (vb === undefined) delete to[a];
		else to[a] = vb;
		if (va === undefined) delete to[b];
		else to[b] = va;
	}
}

/** Applies a payload to an existing record. Throws 404 when it does not exist. */
export function updateRecord(ctx: WriteContext, def: TableDef, id: string, body: unknown): Row {
	const existing = ctx.store.raw(def.logicalName, id);
	if (!existing) throw recordNotFound(def.logicalName, id.toLowerCase());
	const changes = readPayload(ctx, def, body, false);
	delete changes[def.primaryIdAttribute];
	return applyUpdate(ctx, def, existing, changes);
}

function applyUpdate(ctx: WriteContext, def: TableDef, existing: Row, changes: Row): Row {
	const row: Row = { ...existing };
	for (const [k, v] of Object.entries(changes)) {
		if (v === undefined) delete row[k];
		else row[k] = v;
	}
	row.modifiedon = stamp(ctx);
	row._modifiedby_value = ctx.userId;
	validateRow(ctx, def, row, changes, false);
	if (def.logicalName === 'connection') {
		if ('_record1id_value' in changes) row.record1objecttypecode = objectTypeCode(ctx, ctx.store.lookupTarget(def, row, 'record1id'));
		if ('_record2id_value' in changes) row.record2objecttypecode = objectTypeCode(ctx, ctx.store.lookupTarget(def, row, 'record2id'));
		ctx.store.write('connection', row);
		const relatedId = row._relatedconnectionid_value;
		const related = typeof relatedId === 'string' ? ctx.store.raw('connection', relatedId) : undefined;
		if (related) {
			const mirror: Row = { ...related, modifiedon: row.modifiedon, _modifiedby_value: ctx.userId };
			for (const key of ['description', 'statecode', 'statuscode', 'effectivestart', 'effectiveend', '_ownerid_value']) {
				if (key in changes) mirror[key] = row[key];
			}
			swapSides(row, mirror);
			ctx.store.write('connection', mirror);
		}
		return row;
	}
	ctx.store.write(def.logicalName, row);
	return row;
}

/** Deletes a record (and, like Dataverse, both sides of a connection and connections that point at it). */
export function deleteRecord(ctx: WriteContext, def: TableDef, id: string): void {
	const key = id.toLowerCase();
	const existing = ctx.store.raw(def.logicalName, key);
	if (!existing) throw recordNotFound(def.logicalName, key);
	ctx.store.remove(def.logicalName, key);
	if (def.logicalName === 'connection') {
		const related = existing._relatedconnectionid_value;
		if (typeof related === 'string') ctx.store.remove('connection', related);
		return;
	}
	const connections = ctx.store.ids('connection').slice();
	for (const connectionId of connections) {
		const row = ctx.store.raw('connection', connectionId);
		if (row && (row._record1id_value === key || row._record2id_value === key)) ctx.store.remove('connection', connectionId);
	}
}

export const MERGEABLE = new Set(['lead', 'contact', 'account']);

/**
 * The Merge action: the winner takes UpdateContent, the subordinate is deactivated with merged=true and
 * masterid=winner, and records that pointed at the subordinate are re-parented to the winner.
 */
export function mergeRecords(ctx: WriteContext, table: string, winnerId: string, loserId: string, updateContent?: unknown): void {
	const def = ctx.store.tryDefinition(table);
	if (!def || !MERGEABLE.has(def.logicalName)) {
		throw new DataverseError(400, '0x80040203', `Merge is not supported for entity '${table}'. Only account, contact, lead and incident records can be merged.`);
	}
	const winner = winnerId.toLowerCase();
	const loser = loserId.toLowerCase();
	if (winner === loser) throw new DataverseError(400, '0x80040203', 'The master record and the subordinate record cannot be the same record.');
	const master = ctx.store.raw(def.logicalName, winner);
	if (!master) throw recordNotFound(def.logicalName, winner);
	const subordinate = ctx.store.raw(def.logicalName, loser);
	if (!subordinate) throw recordNotFound(def.logicalName, loser);
	const changes = updateContent && typeof updateContent === 'object' ? readPayload(ctx, def, stripKeys(updateContent as Record<string, unknown>, def), false) : {};
	delete changes[def.primaryIdAttribute];
	const now = stamp(ctx);
	const updatedMaster: Row = { ...master };
	for (const [k, v] of Object.entries(changes)) {
		if (v === undefined) delete updatedMaster[k];
		else updatedMaster[k] = v;
	}
	updatedMaster.modifiedon = now;
	updatedMaster._modifiedby_value = ctx.userId;
	validateRow(ctx, def, updatedMaster, changes, false);
	const inactiveState = def.logicalName === 'lead' ? 2 : 1;
	const inactiveStatus = def.logicalName === 'lead' ? 7 : 2;
	const updatedLoser: Row = {
		...subordinate,
		statecode: inactiveState,
		statuscode: inactiveStatus,
		merged: true,
		_masterid_value: winner,
		modifiedon: now,
		_modifiedby_value: ctx.userId,
	};
	ctx.store.write(def.logicalName, updatedMaster);
	ctx.store.write(def.logicalName, updatedLoser);
	reparent(ctx, def.logicalName, loser, winner, now);
}

function stripKeys(content: Record<string, unknown>, def: TableDef): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [k, v] of Object.entries(content)) {
		if (k === def.primaryIdAttribute) continue;
		out[k] = v;
	}
	return out;
}

function reparent(ctx: WriteContext, table: string, fromId: string, toId: string, now: string) {
	for (const other of ctx.store.schema.values()) {
		const lookups = [...other.attributes.values()].filter(
			(a) => isLookup(a) && !a.attributeOf && a.logicalName !== 'masterid' && a.logicalName !== 'createdby' && a.logicalName !== 'modifiedby' && (a.targets ?? []).includes(table),
		);
		if (lookups.length === 0) continue;
		for (const id of ctx.store.ids(other.logicalName).slice()) {
			const row = ctx.store.raw(other.logicalName, id);
			if (!row) continue;
			let updated: Row | undefined;
			for (const a of lookups) {
				const property = propertyName(a);
				if (row[property] !== fromId) continue;
				updated ??= { ...row, modifiedon: now, _modifiedby_value: ctx.userId };
				updated[property] = toId;
			}
			if (updated) ctx.store.write(other.logicalName, updated);
		}
	}
}

export const ROOT_BUSINESS_UNIT_ID = '1d2c7a10-0000-4000-8000-00000000b001';
