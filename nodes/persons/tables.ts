import type { IDataObject } from 'n8n-workflow';

import { typeLabel, type PersonTable } from '../mapping/defaultMappings';
import { KNOWN_TABLES, type TableRef } from '../records/dataverseRows';
import { normaliseGuid } from '../transport/odata';

/** The two Dataverse tables a Marketo person can be linked to (from the one table registry). */
export const PERSON_TABLES = { lead: KNOWN_TABLES.lead, contact: KNOWN_TABLES.contact } as Record<PersonTable, TableRef & { table: PersonTable }>;

export const PERSON_TABLE_NAMES: PersonTable[] = ['lead', 'contact'];

/** 'Lead' / 'lead' / 'Contact' / 'contact' → table; anything else → undefined. */
export function tableFromType(value: unknown): PersonTable | undefined {
	const text = typeof value === 'string' ? value.trim().toLowerCase() : '';
	if (text === 'lead' || text === 'leads') return 'lead';
	if (text === 'contact' || text === 'contacts') return 'contact';
	return undefined;
}

export { typeLabel };

export { normaliseGuid };

/**
 * An item "looks like" a Dynamics row when it carries a person table's primary key or the OData
 * annotations Dataverse adds; otherwise it is taken as a Marketo person (or plain field values).
 */
export function isDynamicsShaped(json: IDataObject): boolean {
	if ('leadid' in json || 'contactid' in json) return true;
	if (Object.keys(json).some((k) => k.startsWith('@odata.'))) return true;
	return 'emailaddress1' in json || ('lastname' in json && !('lastName' in json));
}

/** The person table a Dynamics-shaped item comes from, when it says so. */
export function tableOfDynamicsItem(json: IDataObject): PersonTable | undefined {
	if (normaliseGuid(json.contactid)) return 'contact';
	if (normaliseGuid(json.leadid)) return 'lead';
	const fromTable = tableFromType(json.table ?? json.entity ?? json.logicalName);
	if (fromTable) return fromTable;
	const context = String(json['@odata.context'] ?? '');
	if (/#contacts[(/]?/.test(context)) return 'contact';
	if (/#leads[(/]?/.test(context)) return 'lead';
	return undefined;
}
