import type { IDataObject } from 'n8n-workflow';

import { guid, KNOWN_TABLES } from './dataverseRows';
import type { RecordKind, SyncSettings, SyncTask } from './types';
import { isPlainObject, shortText } from './values';

/** Which record kinds each setting of "Record Type" accepts. */
const MODE_KINDS: Record<SyncSettings['mode'], RecordKind[]> = {
	account: ['account'],
	systemuser: ['systemuser'],
	team: ['team'],
	opportunity: ['opportunity', 'connection'],
	customTable: ['custom'],
	fromInput: ['systemuser', 'team', 'account', 'person', 'opportunity', 'connection', 'custom'],
};

const KIND_LABEL: Record<RecordKind, string> = {
	systemuser: 'users',
	team: 'teams',
	account: 'accounts',
	person: 'leads and contacts',
	opportunity: 'opportunities',
	connection: 'stakeholder connections',
	custom: 'custom table rows',
};

function kindOfTable(table: string, settings: SyncSettings): RecordKind | undefined {
	const t = table.toLowerCase();
	if (settings.custom && t === settings.custom.table.toLowerCase()) return 'custom';
	if (t === 'lead' || t === 'contact') return 'person';
	if (['account', 'systemuser', 'team', 'opportunity', 'connection'].includes(t)) return t as RecordKind;
	return undefined;
}

/** The table of a plain row (no trigger envelope): by the record type, or by its primary key. */
function tableOfRow(json: IDataObject, settings: SyncSettings): string | undefined {
	switch (settings.mode) {
		case 'account':
		case 'systemuser':
		case 'team':
			return settings.mode;
		case 'opportunity':
			return guid(json.connectionid) ? 'connection' : 'opportunity';
		case 'customTable':
			return settings.custom?.table;
	}
	for (const ref of Object.values(KNOWN_TABLES)) if (guid(json[ref.primaryId])) return ref.table;
	if (settings.custom && guid(json[`${settings.custom.table}id`])) return settings.custom.table;
	return undefined;
}

/** Dataverse names a table's key `<logical name>id` (custom tables included). */
function primaryIdOf(table: string): string {
	return KNOWN_TABLES[table]?.primaryId ?? `${table}id`;
}

/** Reads an input item (Dynamics 365 Trigger item or plain Dynamics row); throws a message naming it. */
export function parseTask(json: IDataObject, index: number, settings: SyncSettings): SyncTask {
	const label = `Item ${index + 1}`;
	const envelope = typeof json.table === 'string' && isPlainObject(json.fields);
	const table = envelope ? String(json.table).toLowerCase() : tableOfRow(json, settings);
	if (!table) throw new Error(`${label}: cannot tell which Dynamics table this row comes from (no field "table"); connect a Dynamics 365 Trigger, or choose the record type`);
	const kind = kindOfTable(table, settings);
	if (!kind) {
		throw new Error(`${label}: no mapping for Dynamics table "${shortText(table)}" (field "table")${settings.mode === 'fromInput' ? '; set the custom table mapping for it' : ''}`);
	}
	if (!MODE_KINDS[settings.mode].includes(kind)) {
		throw new Error(`${label}: this node syncs ${MODE_KINDS[settings.mode].map((k) => KIND_LABEL[k]).join(' and ')}, but the item is a ${table} row (choose "From Input Items" to mix record types)`);
	}
	const fields = envelope ? (json.fields as IDataObject) : json;
	const rawId = envelope ? json.id : json[primaryIdOf(table)];
	const id = guid(rawId);
	if (!id) throw new Error(`${label}: "${shortText(rawId)}" is not a Dynamics ${table} ID (GUID expected in field "id")`);
	const op = String(json.operation ?? 'updated');
	const operation = op === 'deleted' ? 'deleted' : op === 'created' ? 'created' : 'updated';
	return { index, kind, table, id, operation, fields, json };
}
