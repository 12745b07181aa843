import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS, type PersonTable } from '../mapping/defaultMappings';
import { isDynamicsShaped, PERSON_TABLES, tableFromType, tableOfDynamicsItem } from './tables';

/**
 * The items that travel between this package's nodes, in one place:
 * - Dynamics 365 Trigger emits `DynamicsTriggerItem`s; Marketo Trigger emits `MarketoTriggerItem`s.
 * - Resolve Conflict accepts both (read as `PersonView`s) and emits `ResolveOutput`s.
 * - Upsert Lead/Contact accepts any of them (`personView`); into Dynamics it passes a Resolve
 *   Conflict item on with `dynamicsWrite` set and its state swapped in (`ResolvedWrites`), which
 *   Upsert into Marketo then writes.
 * - Every node's error output carries `{error, details}` (nodes/persons/outcome.ts).
 */

/** How the Dynamics 365 Trigger found the change: Dataverse change tracking, or modifiedon. */
export type ChangeDetection = 'changeTracking' | 'modifiedOn';

export type Operation = 'created' | 'updated' | 'deleted';

/** Dynamics 365 Trigger: one record that changed (or was deleted) in Dynamics. */
export interface DynamicsTriggerItem extends IDataObject {
	table: string;
	id: string;
	operation: Operation;
	modifiedon: string | null;
	modifiedBy: string | null;
	fields: IDataObject;
	/** The sync filter's value: true (Yes), false (No), null (empty, or the table has no filter column). */
	syncFilter: boolean | null;
	changeDetection: ChangeDetection;
}

export interface FieldChange extends IDataObject {
	oldValue: string | null;
	newValue: string | null;
}

/** Marketo Trigger: one person created, changed or deleted in Marketo since the last poll. */
export interface MarketoTriggerItem extends IDataObject {
	leadId: number;
	operation: Operation;
	/** Per field: the value before the first change of this poll and after the last one. */
	changedFields: Record<string, FieldChange>;
	/** Date of the latest activity merged into this item. */
	activityDate: string;
	/** The person's values now (null when deleted). */
	current: IDataObject | null;
	/** The fields read for `current` (Marketo leaves empty ones out): Resolve Conflict uses them instead of reading the person again. */
	currentFields?: string[];
	/** The linked Dynamics record, when the person has one (unknown once deleted). */
	microsoftId: string | null;
	/** Where the changes came from (Marketo's Source attribute), e.g. "Marketo UI". */
	sources: string[];
}

export type ResolveAction = 'writeMarketo' | 'writeDynamics' | 'writeBoth' | 'none' | 'createInMarketo' | 'skip' | 'mergedAway';

/** What Resolve Conflict emits per change: what to write where, and why (read back as `ResolvedWrites`). */
export interface ResolveOutput extends IDataObject {
	entity: PersonTable | null;
	/** Which system the incoming change came from. */
	source: 'dynamics' | 'marketo';
	dynamicsId: string | null;
	marketoId: number | null;
	action: ResolveAction;
	reason: string;
	/** Marketo field → value to write on the person (includes the new sync state when it changed). */
	toMarketo: IDataObject;
	/** CRM column → value to write on the lead/contact. */
	toDynamics: IDataObject;
	/** Marketo field → the value both systems hold after the writes. */
	merged: IDataObject;
	collisions: IDataObject[];
	/**
	 * The serialised sync state once every write of this item was accepted (field
	 * `microsoftSyncState`). `toMarketo` carries the state that is true before the CRM write.
	 */
	syncState: string;
	/** The state stored on the person now (the base of this merge). */
	baseSyncState?: string;
	/** The Marketo person field that holds the state. */
	syncStateField?: string;
}

/** Values precomputed by Resolve Conflict for each system. */
export interface ResolvedWrites {
	toMarketo: IDataObject;
	toDynamics: IDataObject;
	/** The state once every write of the item was accepted. */
	syncState?: string;
	/** The state the person holds now (the merge's base). */
	baseSyncState?: string;
	/** The person field that holds the state. */
	syncStateField: string;
	action: string;
	reason: string;
	/** Dynamics column → the Marketo field its value in `toDynamics` comes from. */
	toDynamicsFields?: Record<string, string>;
	/** Set by Upsert into Dynamics: the item has been through the Dynamics write. */
	dynamicsWrite?: IDataObject;
}

/**
 * One input item seen as a person, whichever node produced it:
 * - Dynamics 365 Trigger: `{table, id, operation, fields: {column: value}}`
 * - Marketo Trigger: `{leadId, operation, current: {field: value}, microsoftId}`
 * - Resolve Conflict: `{entity, dynamicsId, marketoId, toMarketo, toDynamics, syncState}`
 * - a plain Dataverse row (Dynamics column names) or a plain Marketo person (Marketo names).
 */
export interface PersonView {
	source: 'dynamicsTrigger' | 'marketoTrigger' | 'resolveConflict' | 'dynamicsRow' | 'marketoPerson';
	/** Flat field values: Dynamics columns (with the primary key) or Marketo fields (with `id`). */
	values: IDataObject;
	dynamicsShaped: boolean;
	/** The person table when the item says so. */
	table?: PersonTable;
	/** The item reports a delete (trigger operation "deleted"). */
	deleted: boolean;
	resolved?: ResolvedWrites;
	/** Ids stated by the item outside its values (Resolve Conflict, Marketo Trigger). */
	dynamicsId?: unknown;
	marketoId?: unknown;
	/** A Dynamics 365 Trigger item (`{table, fields}`): the table it names, a person table or not, even without an id. */
	changedTable?: string;
	/** When the record last changed, as the Dynamics 365 Trigger says (`modifiedon`). */
	modifiedAt?: string;
	/** Marketo Trigger: when the person's latest change happened. */
	activityDate?: string;
	/** Marketo Trigger: the fields it read for `current` (the person's values); one missing from `current` is empty. */
	currentFields?: string[];
}

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** What an item says about the change itself, beside its values (read by Resolve Conflict). */
function changeFacts(json: IDataObject): Partial<PersonView> {
	const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
	return {
		...(typeof json.table === 'string' && isObject(json.fields) ? { changedTable: json.table } : {}),
		...(text(json.modifiedon) !== undefined ? { modifiedAt: text(json.modifiedon) } : {}),
		...(text(json.activityDate) !== undefined ? { activityDate: text(json.activityDate) } : {}),
		...(isObject(json.current) && Array.isArray(json.currentFields) ? { currentFields: json.currentFields.map(String) } : {}),
	};
}

export function personView(json: IDataObject): PersonView {
	return { ...shapeOf(json), ...changeFacts(json) };
}

function shapeOf(json: IDataObject): PersonView {
	if (isObject(json.toMarketo) && isObject(json.toDynamics) && typeof json.action === 'string') {
		return {
			source: 'resolveConflict',
			values: {},
			dynamicsShaped: false,
			table: tableFromType(json.entity),
			deleted: false,
			resolved: {
				toMarketo: json.toMarketo,
				toDynamics: json.toDynamics,
				syncState: typeof json.syncState === 'string' && json.syncState ? json.syncState : undefined,
				baseSyncState: typeof json.baseSyncState === 'string' && json.baseSyncState ? json.baseSyncState : undefined,
				syncStateField: typeof json.syncStateField === 'string' && json.syncStateField ? json.syncStateField : MARKER_FIELDS.syncState,
				...(isObject(json.dynamicsWrite) ? { dynamicsWrite: json.dynamicsWrite } : {}),
				...(isObject(json.toDynamicsFields) ? { toDynamicsFields: json.toDynamicsFields as Record<string, string> } : {}),
				action: json.action,
				reason: String(json.reason ?? ''),
			},
			dynamicsId: json.dynamicsId ?? undefined,
			marketoId: json.marketoId ?? undefined,
		};
	}
	if (isObject(json.fields) && typeof json.table === 'string' && json.id !== undefined) {
		const table = tableFromType(json.table);
		const values: IDataObject = { ...json.fields };
		if (table) values[PERSON_TABLES[table].primaryId] = json.id;
		return { source: 'dynamicsTrigger', values, dynamicsShaped: true, table, deleted: json.operation === 'deleted', dynamicsId: json.id };
	}
	if (typeof json.table === 'string' && json.id !== undefined && json.operation === 'deleted') {
		return { source: 'dynamicsTrigger', values: {}, dynamicsShaped: true, table: tableFromType(json.table), deleted: true, dynamicsId: json.id };
	}
	if ('current' in json && json.leadId !== undefined) {
		const current = isObject(json.current) ? json.current : {};
		const values: IDataObject = { ...current, id: current.id ?? json.leadId };
		if (values.microsoftId === undefined && json.microsoftId !== undefined && json.microsoftId !== null) values.microsoftId = json.microsoftId;
		return {
			source: 'marketoTrigger',
			values,
			dynamicsShaped: false,
			table: tableFromType(values.microsoftType),
			deleted: json.operation === 'deleted',
			marketoId: json.leadId,
			dynamicsId: values.microsoftId ?? undefined,
		};
	}
	const dynamicsShaped = isDynamicsShaped(json);
	return {
		source: dynamicsShaped ? 'dynamicsRow' : 'marketoPerson',
		values: json,
		dynamicsShaped,
		table: dynamicsShaped ? tableOfDynamicsItem(json) : tableFromType(json.microsoftType),
		deleted: json.operation === 'deleted',
	};
}
