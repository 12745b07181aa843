import type { IDataObject } from 'n8n-workflow';

import type { FieldMapping } from '../mapping/defaultMappings';

/** What a Dynamics row becomes in Marketo. `person` rows (lead/contact) are not this node's job. */
export type RecordKind = 'systemuser' | 'team' | 'account' | 'person' | 'opportunity' | 'connection' | 'custom';

/**
 * Marketo's link order (Adobe's guide for non-native CRM syncs): sales persons, then companies,
 * then persons, then opportunities, then opportunity roles; custom objects link to persons and
 * companies, so they come last.
 */
export const SYNC_ORDER: Record<RecordKind, number> = { systemuser: 0, team: 0, account: 1, person: 2, opportunity: 3, connection: 4, custom: 5 };

export type RecordStatus = 'created' | 'updated' | 'skipped' | 'deleted' | 'failed';

export type SyncMode = 'account' | 'systemuser' | 'team' | 'opportunity' | 'customTable' | 'fromInput';

export interface CustomTableSettings {
	/** Dynamics table (logical name). */
	table: string;
	/** Marketo custom object API name. */
	apiName: string;
	/** Custom object field that receives the Dynamics record ID (its dedupe field). */
	keyField: string;
	fields: Array<{ marketo: string; dynamics: string }>;
	/** Custom object field linked to Lead.id ← a Dynamics lookup to a contact or lead. */
	personLink?: { marketo: string; dynamics: string };
	/** Custom object field linked to Company.id ← a Dynamics lookup to an account. */
	companyLink?: { marketo: string; dynamics: string };
}

export interface SyncSettings {
	mode: SyncMode;
	syncFilterField: string;
	/** Create sales persons and companies that a record refers to but Marketo lacks (from Dynamics). */
	createMissing: boolean;
	/** Create the Marketo person of a contact that an opportunity role or custom object needs. */
	createMissingPersons: boolean;
	/** Role name for the contact in an opportunity's Potential Customer (customerid). */
	customerRole: string;
	/** Remove Marketo roles of a synced opportunity that Dynamics no longer has. */
	removeStaleRoles: boolean;
	accountFields: FieldMapping[];
	opportunityFields: FieldMapping[];
	custom?: CustomTableSettings;
}

/** One input item, read. */
export interface SyncTask {
	index: number;
	kind: RecordKind;
	table: string;
	id: string;
	operation: 'created' | 'updated' | 'deleted';
	/** Dynamics columns (Web API names, lookups as `_x_value` with their annotations). */
	fields: IDataObject;
	json: IDataObject;
}

/** One output item. */
export interface RecordOutput extends IDataObject {
	recordType: RecordKind;
	table: string;
	dynamicsId: string;
	operation: string;
	marketoObject: string;
	status: RecordStatus;
	reason: string;
}

export type TaskOutcome = { output: RecordOutput } | { error: string; api?: boolean; table?: string; dynamicsId?: string };
