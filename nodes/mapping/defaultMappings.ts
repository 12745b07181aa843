/**
 * The native sync's default field mappings (native-sync-features.md §2.4), as
 * Marketo REST field name ← Dataverse column. Nodes preselect these in their field mapping.
 */
export type PersonTable = 'lead' | 'contact';

export interface FieldMapping {
	marketo: string;
	dynamics: string;
	/** Which way the field moves: both (default), or only Dynamics → Marketo (read-only markers). */
	direction?: 'both' | 'toMarketo';
}

const personal: FieldMapping[] = [
	{ marketo: 'salutation', dynamics: 'salutation' },
	{ marketo: 'firstName', dynamics: 'firstname' },
	{ marketo: 'middleName', dynamics: 'middlename' },
	{ marketo: 'lastName', dynamics: 'lastname' },
	{ marketo: 'email', dynamics: 'emailaddress1' },
	{ marketo: 'title', dynamics: 'jobtitle' },
	{ marketo: 'phone', dynamics: 'telephone1' },
	{ marketo: 'mobilePhone', dynamics: 'mobilephone' },
	{ marketo: 'fax', dynamics: 'fax' },
	{ marketo: 'address', dynamics: 'address1_line1' },
	{ marketo: 'city', dynamics: 'address1_city' },
	{ marketo: 'state', dynamics: 'address1_stateorprovince' },
	{ marketo: 'country', dynamics: 'address1_country' },
	{ marketo: 'postalCode', dynamics: 'address1_postalcode' },
	{ marketo: 'microsoftAddress2', dynamics: 'address1_line2' },
	{ marketo: 'microsoftAddress3', dynamics: 'address1_line3' },
	{ marketo: 'leadStatus', dynamics: 'statecode', direction: 'toMarketo' },
	{ marketo: 'microsoftStatusReason', dynamics: 'statuscode', direction: 'toMarketo' },
	{ marketo: 'personNotes', dynamics: 'description' },
	{ marketo: 'doNotCall', dynamics: 'donotphone' },
	{ marketo: 'unsubscribed', dynamics: 'donotbulkemail' },
	{ marketo: 'microsoftDoNotEmail', dynamics: 'donotemail' },
	{ marketo: 'microsoftDoNotFax', dynamics: 'donotfax' },
	{ marketo: 'microsoftDoNotSendMM', dynamics: 'donotsendmm' },
	{ marketo: 'microsoftHomePhone', dynamics: 'telephone2' },
	{ marketo: 'microsoftPreferredContactMethod', dynamics: 'preferredcontactmethodcode' },
	{ marketo: 'lastInterestingMomentDate', dynamics: 'mkt_lastinterestingmomentdate' },
	{ marketo: 'lastInterestingMomentDesc', dynamics: 'mkt_lastinterestingmomentdesc' },
	{ marketo: 'lastInterestingMomentSource', dynamics: 'mkt_leadinterestingmomentsource' },
	{ marketo: 'lastInterestingMomentType', dynamics: 'mkt_lastinterestingmomenttype' },
	{ marketo: 'relativeScore', dynamics: 'mkt_relativescore' },
	{ marketo: 'priority', dynamics: 'mkt_priority' },
	{ marketo: 'urgency', dynamics: 'mkt_urgency' },
];

export const DEFAULT_MAPPINGS: Record<PersonTable, FieldMapping[]> = {
	lead: [
		...personal,
		{ marketo: 'leadSource', dynamics: 'leadsourcecode' },
		{ marketo: 'rating', dynamics: 'leadqualitycode' },
		{ marketo: 'microsoftTopic', dynamics: 'subject' },
		{ marketo: 'company', dynamics: 'companyname' },
		{ marketo: 'annualRevenue', dynamics: 'revenue' },
	],
	contact: [...personal, { marketo: 'leadScore', dynamics: 'mkt_leadscore' }],
};

/** Account → Company (one way). */
export const ACCOUNT_TO_COMPANY: FieldMapping[] = [
	{ marketo: 'company', dynamics: 'name' },
	{ marketo: 'billingStreet', dynamics: 'address1_line1' },
	{ marketo: 'billingCity', dynamics: 'address1_city' },
	{ marketo: 'billingState', dynamics: 'address1_stateorprovince' },
	{ marketo: 'billingCountry', dynamics: 'address1_country' },
	{ marketo: 'billingPostalCode', dynamics: 'address1_postalcode' },
	{ marketo: 'mainPhone', dynamics: 'telephone1' },
	{ marketo: 'microsoftAccountNumber', dynamics: 'accountnumber' },
	{ marketo: 'microsoftCompanyStatus', dynamics: 'statecode' },
	{ marketo: 'annualRevenue', dynamics: 'revenue' },
	{ marketo: 'description', dynamics: 'description' },
	{ marketo: 'industry', dynamics: 'industrycode' },
	{ marketo: 'sicCode', dynamics: 'sic' },
	{ marketo: 'website', dynamics: 'websiteurl' },
	{ marketo: 'numberOfEmployees', dynamics: 'numberofemployees' },
];

/** Opportunity → Opportunity (one way). */
export const OPPORTUNITY_MAPPING: FieldMapping[] = [
	{ marketo: 'name', dynamics: 'name' },
	{ marketo: 'description', dynamics: 'description' },
	{ marketo: 'probability', dynamics: 'closeprobability' },
	{ marketo: 'microsoftStatus', dynamics: 'statecode' },
	{ marketo: 'closeDate', dynamics: 'actualclosedate' },
	{ marketo: 'amount', dynamics: 'estimatedvalue' },
];

/** Markers the native sync keeps on a person (read-only there; written only by the sync here). */
export const MARKER_FIELDS = {
	type: 'microsoftType',
	id: 'microsoftId',
	createdDate: 'microsoftCreatedDate',
	isDeleted: 'microsoftIsDeleted',
	/** Per-field fingerprints of the values last synced (see conflict/syncState.ts). */
	syncState: 'microsoftSyncState',
} as const;

export function typeLabel(table: PersonTable): 'Lead' | 'Contact' {
	return table === 'lead' ? 'Lead' : 'Contact';
}
