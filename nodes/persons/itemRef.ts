import type { IDataObject } from 'n8n-workflow';

import type { CrmRules } from '../crm/port';
import { MARKER_FIELDS, type PersonTable } from '../mapping/defaultMappings';
import type { PersonView } from './itemShapes';
import { RecordError, shortText, textOf, toLeadId, type RecordRef } from './records';

/** Which CRM row an item names, and under which of its keys (named when the id is bad). */
export interface NamedRow {
	idKey: string;
	/** The id as the item gives it. */
	rawId?: string;
	/** The id in the CRM's own form; undefined when the item names none or the text is not an id. */
	rowId?: string;
}

/**
 * The CRM row an item names: a Resolve Conflict item's `dynamicsId`, a CRM row's primary key, or a
 * Marketo person's Microsoft ID (else `dynamicsId`, as other nodes of this package emit it).
 */
export function namedRow(crm: CrmRules, view: PersonView, table: PersonTable): NamedRow {
	const v = view.values;
	const has = (key: string) => v[key] !== undefined && v[key] !== null;
	let idKey: string;
	let raw: unknown;
	if (view.resolved) [idKey, raw] = ['dynamicsId', view.dynamicsId];
	else if (view.dynamicsShaped) [idKey, raw] = [crm.primaryKey(table), v[crm.primaryKey(table)] ?? view.dynamicsId];
	else if (!has(MARKER_FIELDS.id) && has('dynamicsId')) [idKey, raw] = ['dynamicsId', v.dynamicsId];
	else [idKey, raw] = [MARKER_FIELDS.id, v[MARKER_FIELDS.id]];
	const rawId = textOf(raw);
	return { idKey, rawId, rowId: crm.rowId(rawId) };
}

/**
 * What names an item's person in messages: its position, the CRM id it names, its Marketo id and
 * its email (a Resolve Conflict item's from the values it writes to `side`).
 */
export function personRef(view: PersonView, index: number, row: NamedRow, emailColumn: string, side: 'toMarketo' | 'toDynamics'): RecordRef {
	const v = view.values;
	const resolvedEmail = side === 'toMarketo' ? view.resolved?.toMarketo.email : view.resolved?.toDynamics[emailColumn];
	return {
		index,
		dynamicsId: row.rowId ?? row.rawId,
		marketoId: toLeadId(view.marketoId ?? (view.dynamicsShaped ? v.marketoId : v.id ?? v.leadId ?? v.marketoId)),
		email: textOf(view.dynamicsShaped ? v[emailColumn] : v.email ?? resolvedEmail),
	};
}

/** Throws when the item names a row by text that is not one of the CRM's ids (naming the key). */
export function assertRowId(crm: CrmRules, row: NamedRow): void {
	if (row.rawId !== undefined && !row.rowId) {
		throw new RecordError(`"${row.idKey}" must be a ${crm.name} record ID (${crm.rowIdFormat}), got "${shortText(row.rawId)}"`, row.idKey, 'format');
	}
}

/** A skipped item's output: why, and the ids it carries. */
export function skippedJson(ref: RecordRef, reason: string): IDataObject {
	return { status: 'skipped', reason, ...(ref.dynamicsId ? { dynamicsId: ref.dynamicsId } : {}), ...(ref.marketoId !== undefined ? { marketoId: ref.marketoId } : {}) };
}
