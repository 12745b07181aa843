import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS, type PersonTable } from '../../mapping/defaultMappings';
import { guid, lookupId } from '../../records/dataverseRows';
import { tableFromType } from '../../persons/tables';

/**
 * Qualify in Dynamics: the out-of-box Qualify process creates a contact whose Originating Lead
 * (`originatingleadid`, relationship contact_originating_lead) is the lead, then sets the lead to
 * Qualified (statecode 1). Marketo's native sync keeps ONE person, which follows the contact
 * (native-sync-features.md row 37: "the lead created then qualified into a contact"; row 55: the
 * qualify matrix, "T/T → contact synced"): the lead's person is relinked (Microsoft Id = the
 * contact, Microsoft Type = Contact), so its Marketo id, history and activity log stay.
 */

/** Dataverse lead statecode Qualified. */
const LEAD_QUALIFIED = 1;

/** The lead a contact was qualified from, when the row names one. */
export function originatingLeadOf(entity: PersonTable, fields: IDataObject): string | undefined {
	if (entity !== 'contact') return undefined;
	return guid(lookupId(fields, 'originatingleadid'));
}

export function isQualifiedLead(entity: PersonTable, fields: IDataObject): boolean {
	return entity === 'lead' && fields.statecode !== undefined && fields.statecode !== null && Number(fields.statecode) === LEAD_QUALIFIED;
}

/** The Marketo person still linked to the originating lead (Microsoft Type Lead), if exactly one. */
export function personOfOriginatingLead(leadId: string | undefined, byMicrosoftId: Map<string, IDataObject[]>): IDataObject | undefined {
	if (!leadId) return undefined;
	const persons = (byMicrosoftId.get(leadId) ?? []).filter((p) => {
		const type = p[MARKER_FIELDS.type];
		return type === undefined || type === null || type === '' || tableFromType(type) === 'lead';
	});
	return persons.length === 1 ? persons[0] : undefined;
}
