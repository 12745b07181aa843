import type { IDataObject } from 'n8n-workflow';

import { dynamicsRules } from '../crm/dynamics';
import type { CrmColumn, CrmRules } from '../crm/port';
import { DEFAULT_MAPPINGS, MARKER_FIELDS, type FieldMapping, type PersonTable } from '../mapping/defaultMappings';
import type { MarketoField } from '../transport/marketoApi';
import { hasValue, RecordError } from './records';
import { toMarketoValue } from './values';

/** A user's extra or overriding field pair (Marketo field ↔ Dynamics column). */
export interface MappingOverride {
	marketo: string;
	dynamics: string;
	direction?: FieldMapping['direction'];
}

/**
 * The field pairs used for a person table: the native defaults (unless turned off) with the user's
 * pairs added; a user pair replaces any default that uses the same Marketo field or Dynamics column.
 */
export function personMappings(table: PersonTable, extra: MappingOverride[] = [], useDefaults = true): FieldMapping[] {
	const cleaned = extra
		.map((m) => ({ marketo: String(m.marketo ?? '').trim(), dynamics: String(m.dynamics ?? '').trim(), direction: m.direction ?? 'both' }))
		.filter((m) => m.marketo && m.dynamics);
	const base = useDefaults ? DEFAULT_MAPPINGS[table] : [];
	const replaced = base.filter((d) => !cleaned.some((m) => m.marketo === d.marketo || m.dynamics === d.dynamics));
	return [...replaced, ...cleaned];
}

const MARKER_NAMES = new Set<string>(Object.values(MARKER_FIELDS));
/** Dynamics columns never copied by name from a Dynamics row (keys, system columns, state). */
const SYSTEM_COLUMNS = new Set(['createdon', 'modifiedon', 'createdby', 'modifiedby', 'versionnumber', 'statecode', 'statuscode', 'ownerid', 'owningbusinessunit', 'owninguser', 'owningteam', 'fullname', 'yominame']);
const PLAIN_TYPES = new Set(['String', 'Memo', 'Integer', 'BigInt', 'Money', 'Decimal', 'Double', 'Boolean', 'DateTime', 'Picklist']);

export interface Translated {
	/** Field → value to write, in the target system's names. */
	values: IDataObject;
	/** Marketo field name → value, for the sync state fingerprints. */
	synced: Record<string, unknown>;
	/** Mapped fields that the target system does not have (schema drift: skipped, reported). */
	missing: string[];
}

/**
 * Values to write to a Marketo person from an item: each mapped field is taken from the item's
 * CRM column (CRM-shaped items, a choice as its label by the CRM's one rule) or from a key with
 * the Marketo name. A Marketo-shaped item's other keys that are writable Marketo fields pass
 * through as they are. `crm` defaults to Dynamics for callers that do not pass their port.
 */
export function marketoValuesFromItem(
	json: IDataObject,
	mappings: FieldMapping[],
	fields: Map<string, MarketoField>,
	dynamicsShaped: boolean,
	crm: CrmRules = dynamicsRules,
): Translated {
	const out: Translated = { values: {}, synced: {}, missing: [] };
	for (const m of mappings) {
		const field = fields.get(m.marketo);
		let raw: unknown;
		if (dynamicsShaped && hasValue(json, m.dynamics)) raw = crm.toMarketoValue(json, m.dynamics, field);
		else if (hasValue(json, m.marketo)) raw = json[m.marketo];
		else continue;
		if (!field || field.readOnly) {
			out.missing.push(m.marketo);
			continue;
		}
		const value = toMarketoValue(m.marketo, field, raw);
		out.values[m.marketo] = value as IDataObject[string];
		out.synced[m.marketo] = value;
	}
	if (!dynamicsShaped) {
		for (const [key, raw] of Object.entries(json)) {
			if (key === 'id' || key in out.values || MARKER_NAMES.has(key)) continue;
			const field = fields.get(key);
			if (!field || field.readOnly) continue;
			out.values[key] = toMarketoValue(key, field, raw) as IDataObject[string];
		}
	}
	return out;
}

function writable(column: CrmColumn | undefined): column is CrmColumn {
	return !!column && (column.creatable || column.updatable) && !column.attributeOf;
}

/**
 * Values to write to a CRM lead/contact from an item: each two-way mapped field is taken from the
 * item's Marketo field (Marketo-shaped items) or from a key with the CRM name. A CRM-shaped item's
 * other plain, writable columns pass through. `crm` defaults to Dynamics (Sync Person's call).
 */
export function dynamicsValuesFromItem(
	json: IDataObject,
	table: PersonTable,
	mappings: FieldMapping[],
	columns: Map<string, CrmColumn>,
	dynamicsShaped: boolean,
	choices?: Map<string, Map<string, number>>,
	crm: CrmRules = dynamicsRules,
): Translated {
	const out: Translated = { values: {}, synced: {}, missing: [] };
	for (const m of mappings) {
		if (m.direction === 'toMarketo') continue;
		const fromMarketo = hasValue(json, m.marketo);
		const fromDynamics = hasValue(json, m.dynamics);
		if (!fromMarketo && !fromDynamics) continue;
		const raw = (dynamicsShaped ? fromDynamics : !fromMarketo) ? json[m.dynamics] : json[m.marketo];
		const column = columns.get(m.dynamics);
		if (!writable(column)) {
			out.missing.push(m.dynamics);
			continue;
		}
		out.values[m.dynamics] = crm.toCrmValue(column, raw, choices?.get(m.dynamics)) as IDataObject[string];
		out.synced[m.marketo] = raw;
	}
	if (dynamicsShaped) {
		const primaryId = crm.primaryKey(table);
		for (const [key, raw] of Object.entries(json)) {
			if (key === primaryId || key in out.values || SYSTEM_COLUMNS.has(key) || key.includes('@')) continue;
			const column = columns.get(key);
			if (!writable(column) || !PLAIN_TYPES.has(column.type)) continue;
			out.values[key] = crm.toCrmValue(column, raw, choices?.get(key)) as IDataObject[string];
		}
	}
	return out;
}

/** Values the user mapped field by field (resource mapper "Map Each Field Below"), converted. */
export function convertDefinedValues(
	defined: IDataObject,
	target: 'marketo' | 'dynamics',
	lookups: { fields?: Map<string, MarketoField>; columns?: Map<string, CrmColumn>; choices?: Map<string, Map<string, number>>; crm?: CrmRules },
): IDataObject {
	const values: IDataObject = {};
	for (const [key, raw] of Object.entries(defined)) {
		if (raw === undefined) continue;
		if (target === 'marketo') {
			const field = lookups.fields?.get(key);
			if (lookups.fields && (!field || field.readOnly)) throw new RecordError(`Marketo field "${key}" does not exist or is read-only`, key, 'field', 'config');
			values[key] = toMarketoValue(key, field, raw) as IDataObject[string];
		} else {
			const column = lookups.columns?.get(key);
			const crm = lookups.crm ?? dynamicsRules;
			if (!writable(column)) throw new RecordError(`${crm.name} column "${key}" does not exist or cannot be written`, key, 'field', 'config');
			values[key] = crm.toCrmValue(column, raw, lookups.choices?.get(key)) as IDataObject[string];
		}
	}
	return values;
}

/** Marketo field name for a Dynamics column, per the mapping in use. */
export function marketoNameOf(mappings: FieldMapping[], dynamicsColumn: string): string | undefined {
	return mappings.find((m) => m.dynamics === dynamicsColumn)?.marketo;
}
