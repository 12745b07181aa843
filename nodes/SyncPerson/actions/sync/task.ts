import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { CrmPort } from '../../../crm';
import type { FieldMapping, PersonTable } from '../../../mapping/defaultMappings';
import { extraMappings, failureFrom, normaliseGuid, personMappings, personView, readOptions, RecordError, textOf, toLeadId, type ItemOutcome } from '../../../persons';
import { leadIdParameter } from '../../../persons/ids';

/** The node's parameters that hold for every item. */
export interface SyncSettings {
	syncAs: PersonTable;
	updateIfExists: boolean;
	linkByEmail: boolean;
	options: IDataObject;
	/** The field pairs synced for a table (default mapping and extras). */
	mappingsOf: (table: PersonTable) => FieldMapping[];
}

/** The CRM record a person already has. */
interface ExistingRecord {
	table: PersonTable;
	id: string;
	createdOn?: string;
	linkedBy: 'microsoftId' | 'email';
}

/** One person on its way through the node, step by step. */
export interface PersonTask {
	outcome: ItemOutcome;
	leadId?: number;
	email?: string;
	/** Owner of a created record (GUID). */
	owner?: string;
	/** The person as Marketo holds it, once read. */
	person?: IDataObject;
	existing?: ExistingRecord;
	/** The person pointed to a record that no longer exists. */
	deletedId?: string;
	table: PersonTable;
	/** Values to write, in the CRM's column names. */
	values?: IDataObject;
	/** Marketo field → value written (fingerprinted into the sync state). */
	synced?: Record<string, unknown>;
	status?: 'created' | 'updated' | 'exists';
	dynamicsId?: string;
	createdOn?: string;
	markersUpdated?: boolean;
	markerError?: string;
}

export function syncSettings(ctx: IExecuteFunctions): SyncSettings {
	const options = readOptions(ctx);
	return {
		syncAs: (ctx.getNodeParameter('syncAs', 0, 'lead') as PersonTable) || 'lead',
		updateIfExists: ctx.getNodeParameter('updateIfExists', 0, false) as boolean,
		linkByEmail: options.linkByEmail !== false,
		options,
		mappingsOf: (table) => personMappings(table, extraMappings(options), options.useDefaultMapping !== false),
	};
}

/**
 * The task of one input item: the person to sync, by lead ID or else by the item's email (in the
 * CRM's column when the item is a CRM row). A bad lead ID or owner fails the item, named.
 */
export function itemTask(ctx: IExecuteFunctions, index: number, json: IDataObject, crm: CrmPort, syncAs: PersonTable): { outcome: ItemOutcome; task?: PersonTask } {
	const view = personView(json);
	const rawLeadId = textOf(ctx.getNodeParameter('leadId', index, ''));
	const email = textOf(view.values[view.dynamicsShaped ? crm.emailColumn(view.table ?? syncAs) : 'email']);
	const outcome: ItemOutcome = { ref: { index, marketoId: toLeadId(rawLeadId), email } };
	try {
		const leadId = leadIdParameter(rawLeadId);
		if (leadId === undefined && !email) throw new RecordError('Neither a Marketo lead ID nor an email to find the person by', 'leadId', '1003');
		const owner = textOf(ctx.getNodeParameter('owner', index, ''));
		if (owner && !normaliseGuid(owner)) throw new RecordError(`The owner "${owner}" is not a Dynamics user ID (GUID)`, 'owner', 'format');
		return { outcome, task: { outcome, leadId, email, owner: normaliseGuid(owner), table: syncAs } };
	} catch (error) {
		outcome.failure = failureFrom(error);
		return { outcome };
	}
}
