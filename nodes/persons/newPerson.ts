import type { IDataObject } from 'n8n-workflow';

import { buildSyncState, serialiseSyncState } from '../conflict/syncState';
import type { CrmColumn, CrmPort } from '../crm';
import { MARKER_FIELDS, typeLabel, type FieldMapping, type PersonTable } from '../mapping/defaultMappings';
import type { MarketoField } from '../transport/marketoApi';

/**
 * The one way a CRM row becomes a linked Marketo person: Resolve Conflict (a row without a person)
 * and Sync Records (a contact an opportunity role needs first) build the same values, markers and
 * sync state, so the person lane later sees such a person as in sync instead of writing it again.
 */

/** What turning one table's rows into Marketo values needs: the CRM, the table's columns, Marketo's lead fields. */
export interface PersonFields {
	crm: CrmPort;
	table: PersonTable;
	columns: Map<string, CrmColumn>;
	marketoFields: Map<string, MarketoField>;
}

/** A column the table has and that can be read (not a mirror of another column). */
export function readableColumn(fields: PersonFields, name: string): boolean {
	const column = fields.columns.get(name);
	return !!column && column.readable && !column.attributeOf;
}

/** The mapped pairs whose Marketo field is writable and whose CRM column exists; the others, with why. */
export function usablePairs(fields: PersonFields, pairs: FieldMapping[]): { mappings: FieldMapping[]; skipped: string[] } {
	const mappings: FieldMapping[] = [];
	const skipped: string[] = [];
	for (const m of pairs) {
		const field = fields.marketoFields.get(m.marketo);
		if (!field) skipped.push(`Marketo field "${m.marketo}" does not exist`);
		else if (field.readOnly) skipped.push(`Marketo field "${m.marketo}" is read-only`);
		else if (!readableColumn(fields, m.dynamics)) skipped.push(`${fields.crm.name} ${fields.table} column "${m.dynamics}" does not exist`);
		else mappings.push(m);
	}
	return { mappings, skipped };
}

/** A CRM row's mapped values in Marketo terms (Marketo field → value; choices as labels). */
export function marketoView(fields: PersonFields, row: IDataObject, mappings: FieldMapping[], onlyPresent: boolean): Record<string, unknown> {
	const values: Record<string, unknown> = {};
	for (const m of mappings) {
		if (onlyPresent && !Object.prototype.hasOwnProperty.call(row, m.dynamics)) continue;
		values[m.marketo] = fields.crm.toMarketoValue(row, fields.columns.get(m.dynamics), fields.marketoFields.get(m.marketo)) ?? null;
	}
	return values;
}

/**
 * The Marketo write that creates (or, `existingPerson`, relinks) the person of a CRM row from its
 * Marketo-view values: the non-empty values, the link markers Marketo has fields for, and the sync
 * state. For a new person the state records the empty fields as synced too; for an existing one
 * (qualify) an empty CRM field leaves the person's value in place and gets no base, so the state
 * describes only values both systems hold.
 */
export function newPersonWrite(fields: PersonFields, rowId: string, row: IDataObject, values: Record<string, unknown>, stateField: string, existingPerson = false): { toMarketo: IDataObject; syncState: string } {
	const toMarketo: IDataObject = {};
	for (const [field, value] of Object.entries(values)) if (value !== null && value !== undefined && value !== '') toMarketo[field] = value as IDataObject[string];
	const syncState = serialiseSyncState(buildSyncState(existingPerson ? (toMarketo as Record<string, unknown>) : values));
	const markers: IDataObject = { [MARKER_FIELDS.id]: rowId, [MARKER_FIELDS.type]: typeLabel(fields.table) };
	const created = fields.crm.rowFacts(fields.table, row).createdAt;
	if (created) markers[MARKER_FIELDS.createdDate] = created;
	for (const [field, value] of Object.entries(markers)) if (fields.marketoFields.has(field)) toMarketo[field] = value;
	toMarketo[stateField] = syncState;
	return { toMarketo, syncState };
}
