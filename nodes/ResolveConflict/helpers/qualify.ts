import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../mapping/defaultMappings';
import { tableFromType } from '../../persons/tables';

/**
 * Qualify in the CRM turns a lead into a contact (the CRM says which lead a contact came from and
 * that the lead is qualified: `CrmRowFacts`). Marketo's native sync keeps ONE person, which follows
 * the contact (native-sync-features.md row 37: "the lead created then qualified into a contact";
 * row 55: the qualify matrix, "T/T → contact synced"): the lead's person is relinked (Microsoft Id
 * = the contact, Microsoft Type = Contact), so its Marketo id, history and activity log stay.
 */

/** The Marketo person still linked to the originating lead (Microsoft Type Lead), if exactly one. */
export function personOfOriginatingLead(leadId: string | undefined, byMicrosoftId: Map<string, IDataObject[]>): IDataObject | undefined {
	if (!leadId) return undefined;
	const persons = (byMicrosoftId.get(leadId) ?? []).filter((p) => {
		const type = p[MARKER_FIELDS.type];
		return type === undefined || type === null || type === '' || tableFromType(type) === 'lead';
	});
	return persons.length === 1 ? persons[0] : undefined;
}
