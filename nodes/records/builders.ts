import type { IDataObject } from 'n8n-workflow';

import type { FieldMapping } from '../mapping/defaultMappings';

/**
 * Dynamics rows → Marketo object records. Only columns the row carries are copied, so a trigger
 * that selected fewer columns never blanks the others in Marketo; an empty value is sent as null
 * (Marketo stores it as empty).
 */

export function has(row: IDataObject, column: string): boolean {
	return Object.prototype.hasOwnProperty.call(row, column);
}

export function mapped(row: IDataObject, mappings: Array<Pick<FieldMapping, 'marketo' | 'dynamics'>>): IDataObject {
	const out: IDataObject = {};
	for (const m of mappings) if (has(row, m.dynamics)) out[m.marketo] = (row[m.dynamics] ?? null) as IDataObject[string];
	return out;
}

/** Dynamics user → Marketo sales person (Adobe's non-native guide: key = the user's GUID). */
export const USER_TO_SALES_PERSON: Array<Pick<FieldMapping, 'marketo' | 'dynamics'>> = [
	{ marketo: 'email', dynamics: 'internalemailaddress' },
	{ marketo: 'firstName', dynamics: 'firstname' },
	{ marketo: 'lastName', dynamics: 'lastname' },
	{ marketo: 'title', dynamics: 'title' },
	{ marketo: 'phone', dynamics: 'address1_telephone1' },
	{ marketo: 'mobilePhone', dynamics: 'mobilephone' },
];

export function salesPersonFromUser(id: string, row: IDataObject): IDataObject {
	return { externalSalesPersonId: id, ...mapped(row, USER_TO_SALES_PERSON) };
}

/**
 * Dynamics team → Marketo sales person. Marketo has no team object, yet Dynamics records can be
 * owned by a team; without a sales person for the team, team-owned companies and opportunities
 * would lose their owner link (a known gap of the native sync). The team's name goes to lastName,
 * the field Marketo shows for a sales person.
 */
export function salesPersonFromTeam(id: string, row: IDataObject): IDataObject {
	const out: IDataObject = { externalSalesPersonId: id };
	if (has(row, 'name')) out.lastName = (row.name ?? null) as IDataObject[string];
	return out;
}

export function companyFromAccount(id: string, row: IDataObject, mappings: FieldMapping[]): IDataObject {
	return { externalCompanyId: id, ...mapped(row, mappings) };
}

export function opportunityFromRow(id: string, row: IDataObject, mappings: FieldMapping[]): IDataObject {
	return { externalOpportunityId: id, ...mapped(row, mappings) };
}

/** Columns to read for a mapping (plus extras), for rows fetched from Dynamics. */
export function columnsOf(mappings: Array<Pick<FieldMapping, 'dynamics'>>, ...extra: string[]): string[] {
	return [...new Set([...mappings.map((m) => m.dynamics), ...extra].filter(Boolean))];
}

/** The Dynamics column a Marketo field is filled from, per a mapping. */
export function sourceColumn(mappings: Array<Pick<FieldMapping, 'marketo' | 'dynamics'>>, field: string): string | undefined {
	return mappings.find((m) => m.marketo === field)?.dynamics;
}
