import type { IDataObject } from 'n8n-workflow';

import type { CrmPort } from '../../crm';
import type { PersonTable } from '../../mapping/defaultMappings';
import { personView } from '../../persons/itemShapes';
import { shortText, toLeadId } from '../../persons/records';
import { tableFromType } from '../../persons/tables';
import type { ResolveSettings } from './settings';

interface BaseChange {
	index: number;
	settings: ResolveSettings;
	deleted: boolean;
	/** The input item (the sync filter rule reads the trigger's verdict from it). */
	json: IDataObject;
}

/** A lead or contact changed in the CRM: its id and the values the trigger (or row) carries. */
export interface DynamicsChange extends BaseChange {
	source: 'dynamics';
	entity: PersonTable;
	id: string;
	modifiedAt?: string;
	fields: IDataObject;
}

/** A person changed in Marketo. */
export interface MarketoChange extends BaseChange {
	source: 'marketo';
	leadId: number;
	activityDate?: string;
	/** The person as the Marketo Trigger just read it, and the fields it read. */
	current?: { values: IDataObject; fields: Set<string> };
}

export type Change = DynamicsChange | MarketoChange;

/** An item that cannot be read, with the input field at fault when there is one. */
export class ItemError extends Error {
	constructor(
		message: string,
		readonly field?: string,
	) {
		super(message);
	}
}

/** Reads one input item as a CRM change or a Marketo change; throws an ItemError naming the item. */
export function readChange(crm: CrmPort, json: IDataObject, index: number, settings: ResolveSettings): Change {
	const view = personView(json);
	const item = `Item ${index + 1}`;
	const base = { index, settings, deleted: view.deleted, json };
	if (view.changedTable !== undefined) {
		const entity = tableFromType(view.changedTable);
		if (!entity) throw new ItemError(`${item}: Resolve Conflict handles ${crm.name} leads and contacts; "${view.changedTable}" records sync one way with Sync Records to Marketo`);
		const id = crm.rowId(view.dynamicsId);
		if (!id) throw new ItemError(`${item}: "${shortText(view.dynamicsId)}" is not a ${crm.name} ${entity} ID (${crm.rowIdFormat} expected in field "id")`, 'id');
		return { ...base, source: 'dynamics', entity, id, modifiedAt: view.modifiedAt, fields: view.values };
	}
	if (view.source === 'dynamicsRow' && view.table) {
		const id = crm.rowId(view.values[crm.primaryKey(view.table)]);
		if (id) return { ...base, source: 'dynamics', entity: view.table, id, modifiedAt: view.modifiedAt, fields: view.values };
	}
	const rawLeadId = view.source === 'marketoTrigger' ? view.marketoId : view.values.leadId;
	const leadId = toLeadId(rawLeadId);
	if (leadId !== undefined) {
		const current = view.currentFields ? { values: view.values, fields: new Set(view.currentFields) } : undefined;
		return { ...base, source: 'marketo', leadId, activityDate: view.activityDate, current };
	}
	if (rawLeadId !== undefined && rawLeadId !== null && rawLeadId !== '') {
		throw new ItemError(`${item}: "${shortText(rawLeadId)}" is not a Marketo lead ID (a positive whole number in field "leadId")`, 'leadId');
	}
	throw new ItemError(
		`${item}: cannot tell where this change comes from. Expected a Dynamics 365 Trigger item ({table, id, fields}), a ${crm.name} lead/contact row (${crm.primaryKey('lead')} or ${crm.primaryKey('contact')}) or a Marketo Trigger item ({leadId, …})`,
		'id',
	);
}
