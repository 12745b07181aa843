/** The lead schema the simulator starts with (REST names, data types and lengths). */
import type { DataType, FieldDef } from './util';
import { displayNameOf } from './util';

type Seed = [name: string, dataType: DataType, length?: number, extra?: Partial<FieldDef>];

const DISPLAY: Record<string, string> = {
	id: 'Id',
	email: 'Email Address',
	phone: 'Phone Number',
	mobilePhone: 'Mobile Phone Number',
	fax: 'Fax Number',
	postalCode: 'Postal Code',
	leadScore: 'Lead Score',
	unsubscribed: 'Unsubscribed',
	doNotCall: 'Do Not Call',
	createdAt: 'Created At',
	updatedAt: 'Updated At',
	externalCompanyId: 'External Company Id',
	externalSalesPersonId: 'External Sales Person Id',
	microsoftId: 'Microsoft Id',
	microsoftType: 'Microsoft Type',
};

const STANDARD: Seed[] = [
	['id', 'integer', undefined, { readOnly: true, searchable: true }],
	['email', 'email', 255, { searchable: true }],
	['firstName', 'string', 255],
	['middleName', 'string', 255],
	['lastName', 'string', 255],
	['salutation', 'string', 255],
	['title', 'string', 255],
	['phone', 'phone', 255],
	['mobilePhone', 'phone', 255],
	['fax', 'phone', 255],
	['address', 'text'],
	['city', 'string', 255],
	['state', 'string', 255],
	['country', 'string', 255],
	['postalCode', 'string', 255],
	['company', 'string', 255],
	['annualRevenue', 'currency'],
	['leadSource', 'string', 255],
	['leadStatus', 'string', 255],
	['rating', 'string', 255],
	['leadScore', 'integer'],
	['website', 'url', 255],
	['unsubscribed', 'boolean'],
	['doNotCall', 'boolean'],
	['createdAt', 'datetime', undefined, { readOnly: true }],
	['updatedAt', 'datetime', undefined, { readOnly: true }],
	['externalCompanyId', 'string', 100, { searchable: true }],
	['externalSalesPersonId', 'string', 100, { searchable: true }],
];

const CUSTOM: Seed[] = [
	['microsoftType', 'string', 20],
	['microsoftId', 'string', 36],
	['microsoftCreatedDate', 'datetime'],
	['microsoftIsDeleted', 'boolean'],
	// The n8n sync's per-record state (fingerprints of the last synced values).
	['microsoftSyncState', 'text'],
	['microsoftAddress2', 'string', 255],
	['microsoftAddress3', 'string', 255],
	['microsoftStatusReason', 'string', 255],
	['microsoftHomePhone', 'phone', 255],
	['microsoftPreferredContactMethod', 'string', 255],
	['microsoftDoNotEmail', 'boolean'],
	['microsoftDoNotFax', 'boolean'],
	['microsoftDoNotSendMM', 'boolean'],
	['microsoftTopic', 'string', 255],
	['personNotes', 'text'],
	['relativeScore', 'integer'],
	['priority', 'integer'],
	['urgency', 'integer'],
	['lastInterestingMomentDate', 'datetime'],
	['lastInterestingMomentDesc', 'string', 255],
	['lastInterestingMomentSource', 'string', 255],
	['lastInterestingMomentType', 'string', 255],
	['syncToMarketo', 'boolean'],
];

/**
 * Marketo lets custom string, email and integer fields be used as filterType / lookupField;
 * standard fields only from a fixed list.
 */
export function defaultSearchable(def: Pick<FieldDef, 'dataType' | 'custom'>): boolean {
	return !!def.custom && (def.dataType === 'string' || def.dataType === 'email' || def.dataType === 'integer');
}

export function defaultLeadFields(): FieldDef[] {
	const out: FieldDef[] = [];
	for (const [name, dataType, length, extra] of STANDARD) {
		out.push({ name, displayName: DISPLAY[name] ?? displayNameOf(name), dataType, length, custom: false, searchable: false, ...extra });
	}
	for (const [name, dataType, length, extra] of CUSTOM) {
		const def: FieldDef = { name, displayName: DISPLAY[name] ?? displayNameOf(name), dataType, length, custom: true, ...extra };
		def.searchable ??= defaultSearchable(def);
		out.push(def);
	}
	return out;
}

/** Fields returned when a lead query names none. */
export const DEFAULT_LEAD_FIELDS = ['id', 'email', 'updatedAt', 'createdAt', 'firstName', 'lastName'];
