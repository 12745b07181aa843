import { createHash } from 'node:crypto';
import type { EdmType } from './filter';

/** Table and column definitions of the simulated Dataverse organization, with the metadata Dataverse reports for them. */

export type AttributeType =
	| 'String'
	| 'Memo'
	| 'Integer'
	| 'BigInt'
	| 'Money'
	| 'Decimal'
	| 'Double'
	| 'Boolean'
	| 'DateTime'
	| 'Picklist'
	| 'State'
	| 'Status'
	/** A multi-select choice: AttributeType "Virtual" in metadata, values "1,2" in the Web API. */
	| 'MultiSelectPicklist'
	| 'Lookup'
	| 'Customer'
	| 'Owner'
	| 'Uniqueidentifier'
	| 'EntityName'
	| 'Virtual';

export type RequiredLevel = 'None' | 'SystemRequired' | 'ApplicationRequired' | 'Recommended';

export interface OptionDef {
	value: number;
	label: string;
	/** For status options: the state they belong to. */
	state?: number;
}

export interface AttributeDef {
	logicalName: string;
	schemaName: string;
	displayName: string;
	type: AttributeType;
	requiredLevel: RequiredLevel;
	maxLength?: number;
	format?: 'Email' | 'Url' | 'Phone' | 'Text' | 'TextArea' | 'DateOnly' | 'DateAndTime';
	minValue?: number;
	maxValue?: number;
	precision?: number;
	options?: OptionDef[];
	trueLabel?: string;
	falseLabel?: string;
	/** Lookup targets (logical names). */
	targets?: string[];
	/** Single-valued navigation property name for a one-target lookup (default: the logical name). */
	navigationName?: string;
	validForCreate: boolean;
	validForUpdate: boolean;
	validForRead: boolean;
	attributeOf?: string;
	isCustom: boolean;
	isPrimaryId?: boolean;
	isPrimaryName?: boolean;
	/** Value used when the row holds none (defaults applied at read time keep stored rows small). */
	defaultValue?: unknown;
	metadataId: string;
}

export interface TableDef {
	logicalName: string;
	schemaName: string;
	entitySetName: string;
	displayName: string;
	displayCollectionName: string;
	primaryIdAttribute: string;
	primaryNameAttribute: string;
	objectTypeCode: number;
	ownershipType: 'UserOwned' | 'OrganizationOwned' | 'BusinessOwned';
	isCustom: boolean;
	changeTrackingEnabled: boolean;
	canChangeTrackingBeEnabled: boolean;
	metadataId: string;
	/** Attributes by logical name, in definition order. */
	attributes: Map<string, AttributeDef>;
	/** Web API property name → attribute (lookups appear as _x_value). */
	properties: Map<string, AttributeDef>;
	/** Single-valued navigation properties usable with @odata.bind → (attribute, target table). */
	navigation: Map<string, { attribute: AttributeDef; target: string }>;
	/** State → default status, and status → state. */
	defaultStatus: Map<number, number>;
}

export const LOOKUP_TYPES = new Set<AttributeType>(['Lookup', 'Customer', 'Owner']);

export function isLookup(attr: AttributeDef): boolean {
	return LOOKUP_TYPES.has(attr.type);
}

/** The Web API property name of an attribute: `_x_value` for lookups. */
export function propertyName(attr: AttributeDef): string {
	return isLookup(attr) ? `_${attr.logicalName}_value` : attr.logicalName;
}

export function edmTypeOf(attr: AttributeDef): EdmType {
	switch (attr.type) {
		case 'String':
		case 'Memo':
		case 'EntityName':
		case 'Virtual':
		case 'MultiSelectPicklist':
			return 'Edm.String';
		case 'Integer':
		case 'Picklist':
		case 'State':
		case 'Status':
			return 'Edm.Int32';
		case 'BigInt':
			return 'Edm.Int64';
		case 'Money':
		case 'Decimal':
			return 'Edm.Decimal';
		case 'Double':
			return 'Edm.Double';
		case 'Boolean':
			return 'Edm.Boolean';
		case 'DateTime':
			return attr.format === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
		default:
			return 'Edm.Guid';
	}
}

export function stableGuid(seed: string): string {
	const hex = createHash('sha256').update(seed).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

// ------------------------------------------------------------------ builders

type AttrInput = Partial<AttributeDef> & { logicalName: string; type: AttributeType };

function titleCase(logical: string): string {
	return logical
		.replace(/^(new|mkt)_/, '')
		.split('_')
		.map((p) => (p ? p[0].toUpperCase() + p.slice(1) : p))
		.join(' ');
}

function attr(table: string, input: AttrInput): AttributeDef {
	const isCustom = input.isCustom ?? /^(new|mkt)_/.test(input.logicalName);
	return {
		schemaName: input.schemaName ?? (isCustom ? input.logicalName : titleCase(input.logicalName).replace(/ /g, '')),
		displayName: input.displayName ?? titleCase(input.logicalName),
		requiredLevel: 'None',
		validForCreate: true,
		validForUpdate: true,
		validForRead: true,
		isCustom,
		metadataId: stableGuid(`attribute:${table}.${input.logicalName}`),
		...input,
	} as AttributeDef;
}

const str = (logicalName: string, maxLength: number, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'String',
	maxLength,
	format: 'Text',
	...extra,
});
const memo = (logicalName: string, maxLength: number, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'Memo',
	maxLength,
	format: 'TextArea',
	...extra,
});
const bool = (logicalName: string, trueLabel: string, falseLabel: string, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'Boolean',
	trueLabel,
	falseLabel,
	...extra,
});
const int = (logicalName: string, minValue: number, maxValue: number, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'Integer',
	minValue,
	maxValue,
	...extra,
});
const money = (logicalName: string, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'Money',
	minValue: -922337203685477,
	maxValue: 922337203685477,
	precision: 2,
	...extra,
});
const datetime = (logicalName: string, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'DateTime',
	format: 'DateAndTime',
	...extra,
});
const dateOnly = (logicalName: string, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'DateTime',
	format: 'DateOnly',
	...extra,
});
const picklist = (logicalName: string, labels: Array<[number, string]>, extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'Picklist',
	options: labels.map(([value, label]) => ({ value, label })),
	...extra,
});
const lookup = (logicalName: string, targets: string[], extra: Partial<AttributeDef> = {}): AttrInput => ({
	logicalName,
	type: 'Lookup',
	targets,
	...extra,
});
const readOnly = { validForCreate: false, validForUpdate: false } as const;

const ALLOW: [string, string] = ['Do Not Allow', 'Allow'];

function systemColumns(owned: boolean): AttrInput[] {
	const columns: AttrInput[] = [
		datetime('createdon', { displayName: 'Created On', ...readOnly }),
		datetime('modifiedon', { displayName: 'Modified On', ...readOnly }),
		lookup('createdby', ['systemuser'], { displayName: 'Created By', ...readOnly }),
		lookup('modifiedby', ['systemuser'], { displayName: 'Modified By', ...readOnly }),
		{ logicalName: 'versionnumber', type: 'BigInt', displayName: 'Version Number', ...readOnly },
	];
	if (owned) {
		columns.push({ logicalName: 'ownerid', type: 'Owner', targets: ['systemuser', 'team'], displayName: 'Owner', requiredLevel: 'SystemRequired' });
	}
	return columns;
}

function stateColumns(states: Array<[number, string]>, statuses: Array<[number, string, number]>): AttrInput[] {
	return [
		{
			logicalName: 'statecode',
			type: 'State',
			displayName: 'Status',
			requiredLevel: 'SystemRequired',
			options: states.map(([value, label]) => ({ value, label })),
			defaultValue: states[0][0],
		},
		{
			logicalName: 'statuscode',
			type: 'Status',
			displayName: 'Status Reason',
			options: statuses.map(([value, label, state]) => ({ value, label, state })),
			defaultValue: statuses.find((s) => s[2] === states[0][0])?.[0],
		},
	];
}

const ACTIVE_STATES = stateColumns(
	[
		[0, 'Active'],
		[1, 'Inactive'],
	],
	[
		[1, 'Active', 0],
		[2, 'Inactive', 1],
	],
);

function personColumns(kind: 'lead' | 'contact'): AttrInput[] {
	return [
		str('salutation', 100, { displayName: 'Salutation' }),
		str('firstname', 50, { displayName: 'First Name', requiredLevel: 'Recommended' }),
		str('middlename', 50, { displayName: 'Middle Name' }),
		str('lastname', 50, { displayName: 'Last Name', requiredLevel: 'ApplicationRequired' }),
		str('fullname', 160, { displayName: kind === 'lead' ? 'Name' : 'Full Name', isPrimaryName: true, ...readOnly }),
		str('emailaddress1', 100, { displayName: 'Email', format: 'Email' }),
		str('jobtitle', 100, { displayName: 'Job Title' }),
		str('telephone1', 50, { displayName: 'Business Phone', format: 'Phone' }),
		str('telephone2', 50, { displayName: 'Home Phone', format: 'Phone' }),
		str('mobilephone', 20, { displayName: 'Mobile Phone', format: 'Phone' }),
		str('fax', 50, { displayName: 'Fax' }),
		str('address1_line1', 250, { displayName: 'Street 1' }),
		str('address1_line2', 250, { displayName: 'Street 2' }),
		str('address1_line3', 250, { displayName: 'Street 3' }),
		str('address1_city', 80, { displayName: 'City' }),
		str('address1_stateorprovince', 50, { displayName: 'State/Province' }),
		str('address1_country', 80, { displayName: 'Country/Region' }),
		str('address1_postalcode', 20, { displayName: 'ZIP/Postal Code' }),
		memo('description', 2000, { displayName: 'Description' }),
		bool('donotphone', ...ALLOW, { displayName: 'Do not allow Phone Calls', defaultValue: false }),
		bool('donotbulkemail', ...ALLOW, { displayName: 'Do not allow Bulk Emails', defaultValue: false }),
		bool('donotemail', ...ALLOW, { displayName: 'Do not allow Emails', defaultValue: false }),
		bool('donotfax', ...ALLOW, { displayName: 'Do not allow Faxes', defaultValue: false }),
		bool('donotsendmm', 'Do Not Send', 'Send', { displayName: 'Marketing Material', defaultValue: false }),
		picklist(
			'preferredcontactmethodcode',
			[
				[1, 'Any'],
				[2, 'Email'],
				[3, 'Phone'],
				[4, 'Fax'],
				[5, 'Mail'],
			],
			{ displayName: 'Preferred Method of Contact', defaultValue: 1 },
		),
		datetime('mkt_lastinterestingmomentdate', { displayName: 'Last Interesting Moment Date' }),
		str('mkt_lastinterestingmomentdesc', 2000, { displayName: 'Last Interesting Moment Desc' }),
		str('mkt_leadinterestingmomentsource', 255, { displayName: 'Last Interesting Moment Source' }),
		str('mkt_lastinterestingmomenttype', 255, { displayName: 'Last Interesting Moment Type' }),
		int('mkt_relativescore', -2147483648, 2147483647, { displayName: 'Relative Score' }),
		int('mkt_priority', -2147483648, 2147483647, { displayName: 'Priority' }),
		int('mkt_urgency', -2147483648, 2147483647, { displayName: 'Urgency' }),
		lookup('masterid', [kind], { displayName: kind === 'lead' ? 'Master ID' : 'Master ID', ...readOnly }),
		bool('merged', 'Yes', 'No', { displayName: 'Merged', defaultValue: false, ...readOnly }),
		bool('new_synctomkto', 'Yes', 'No', { displayName: 'Sync to Marketo' }),
	];
}

function addressColumns(): AttrInput[] {
	return [
		str('address1_line1', 250, { displayName: 'Address 1: Street 1' }),
		str('address1_line2', 250, { displayName: 'Address 1: Street 2' }),
		str('address1_line3', 250, { displayName: 'Address 1: Street 3' }),
		str('address1_city', 80, { displayName: 'Address 1: City' }),
		str('address1_stateorprovince', 50, { displayName: 'Address 1: State/Province' }),
		str('address1_country', 80, { displayName: 'Address 1: Country/Region' }),
		str('address1_postalcode', 20, { displayName: 'Address 1: ZIP/Postal Code' }),
	];
}

interface TableInput {
	logicalName: string;
	entitySetName: string;
	displayName: string;
	displayCollectionName: string;
	primaryIdAttribute: string;
	primaryNameAttribute: string;
	objectTypeCode: number;
	ownershipType: TableDef['ownershipType'];
	isCustom?: boolean;
	changeTrackingEnabled: boolean;
	columns: AttrInput[];
}

const RECORD_TARGETS = ['account', 'contact', 'lead', 'opportunity', 'systemuser', 'team', 'new_project'];

function tableInputs(): TableInput[] {
	return [
		{
			logicalName: 'lead',
			entitySetName: 'leads',
			displayName: 'Lead',
			displayCollectionName: 'Leads',
			primaryIdAttribute: 'leadid',
			primaryNameAttribute: 'fullname',
			objectTypeCode: 4,
			ownershipType: 'UserOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'leadid', type: 'Uniqueidentifier', displayName: 'Lead', isPrimaryId: true, validForUpdate: false },
				...personColumns('lead'),
				picklist(
					'leadsourcecode',
					[
						[1, 'Advertisement'],
						[2, 'Employee Referral'],
						[3, 'External Referral'],
						[4, 'Partner'],
						[5, 'Public Relations'],
						[6, 'Seminar'],
						[7, 'Trade Show'],
						[8, 'Web'],
						[9, 'Word of Mouth'],
						[10, 'Other'],
					],
					{ displayName: 'Lead Source' },
				),
				picklist(
					'leadqualitycode',
					[
						[1, 'Hot'],
						[2, 'Warm'],
						[3, 'Cold'],
					],
					{ displayName: 'Rating', defaultValue: 2 },
				),
				str('subject', 300, { displayName: 'Topic', requiredLevel: 'Recommended' }),
				str('companyname', 100, { displayName: 'Company Name' }),
				money('revenue', { displayName: 'Annual Revenue' }),
				lookup('parentaccountid', ['account'], { displayName: 'Parent Account for lead' }),
				lookup('parentcontactid', ['contact'], { displayName: 'Parent Contact for lead' }),
				...stateColumns(
					[
						[0, 'Open'],
						[1, 'Qualified'],
						[2, 'Disqualified'],
					],
					[
						[1, 'New', 0],
						[2, 'Contacted', 0],
						[3, 'Qualified', 1],
						[4, 'Lost', 2],
						[5, 'Cannot Contact', 2],
						[6, 'No Longer Interested', 2],
						[7, 'Canceled', 2],
					],
				).map((c) => (c.logicalName === 'statecode' ? { ...c, validForCreate: false } : c)),
				...systemColumns(true),
			],
		},
		{
			logicalName: 'contact',
			entitySetName: 'contacts',
			displayName: 'Contact',
			displayCollectionName: 'Contacts',
			primaryIdAttribute: 'contactid',
			primaryNameAttribute: 'fullname',
			objectTypeCode: 2,
			ownershipType: 'UserOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'contactid', type: 'Uniqueidentifier', displayName: 'Contact', isPrimaryId: true, validForUpdate: false },
				...personColumns('contact'),
				int('mkt_leadscore', -2147483648, 2147483647, { displayName: 'Lead Score' }),
				{ logicalName: 'parentcustomerid', type: 'Customer', targets: ['account', 'contact'], displayName: 'Company Name' },
				// Set by Qualify on the contact it creates (relationship contact_originating_lead; Microsoft's contact table reference).
				lookup('originatingleadid', ['lead'], { displayName: 'Originating Lead' }),
				...ACTIVE_STATES,
				...systemColumns(true),
			],
		},
		{
			logicalName: 'account',
			entitySetName: 'accounts',
			displayName: 'Account',
			displayCollectionName: 'Accounts',
			primaryIdAttribute: 'accountid',
			primaryNameAttribute: 'name',
			objectTypeCode: 1,
			ownershipType: 'UserOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'accountid', type: 'Uniqueidentifier', displayName: 'Account', isPrimaryId: true, validForUpdate: false },
				str('name', 160, { displayName: 'Account Name', requiredLevel: 'ApplicationRequired', isPrimaryName: true }),
				str('accountnumber', 20, { displayName: 'Account Number' }),
				...addressColumns(),
				str('telephone1', 50, { displayName: 'Main Phone', format: 'Phone' }),
				str('emailaddress1', 100, { displayName: 'Email', format: 'Email' }),
				picklist('businesstypecode', [[1, 'Default Value']], { displayName: 'Business Type' }),
				picklist(
					'industrycode',
					[
						[1, 'Accounting'],
						[2, 'Agriculture and Non-petrol Natural Resource Extraction'],
						[3, 'Broadcasting Printing and Publishing'],
						[4, 'Brokers'],
						[5, 'Building Supply Retail'],
						[6, 'Business Services'],
						[7, 'Consulting'],
						[8, 'Consumer Services'],
						[9, 'Design, Direction and Creative Management'],
						[10, 'Distributors, Dispatchers and Processors'],
						[11, "Doctor's Offices and Clinics"],
						[12, 'Durable Manufacturing'],
						[13, 'Eating and Drinking Places'],
						[14, 'Entertainment Retail'],
						[15, 'Equipment Rental and Leasing'],
						[16, 'Financial'],
						[17, 'Food and Tobacco Processing'],
						[18, 'Inbound Capital Intensive Processing'],
						[19, 'Inbound Repair and Services'],
						[20, 'Insurance'],
						[21, 'Legal Services'],
						[22, 'Non-Durable Merchandise Retail'],
						[23, 'Outbound Consumer Service'],
						[24, 'Petrochemical Extraction and Distribution'],
						[25, 'Service Retail'],
						[26, 'SIG Affiliations'],
						[27, 'Social Services'],
						[28, 'Special Outbound Trade Contractors'],
						[29, 'Specialty Realty'],
						[30, 'Transportation'],
						[31, 'Utility Creation and Distribution'],
						[32, 'Vehicle Retail'],
						[33, 'Wholesale'],
					],
					{ displayName: 'Industry' },
				),
				str('sic', 20, { displayName: 'SIC Code' }),
				str('websiteurl', 200, { displayName: 'Website', format: 'Url' }),
				int('numberofemployees', 0, 1000000000, { displayName: 'Number of Employees' }),
				money('revenue', { displayName: 'Annual Revenue' }),
				memo('description', 2000, { displayName: 'Description' }),
				lookup('primarycontactid', ['contact'], { displayName: 'Primary Contact' }),
				lookup('parentaccountid', ['account'], { displayName: 'Parent Account' }),
				lookup('masterid', ['account'], { displayName: 'Master ID', ...readOnly }),
				bool('merged', 'Yes', 'No', { displayName: 'Merged', defaultValue: false, ...readOnly }),
				bool('new_synctomkto', 'Yes', 'No', { displayName: 'Sync to Marketo' }),
				...ACTIVE_STATES,
				...systemColumns(true),
			],
		},
		{
			logicalName: 'opportunity',
			entitySetName: 'opportunities',
			displayName: 'Opportunity',
			displayCollectionName: 'Opportunities',
			primaryIdAttribute: 'opportunityid',
			primaryNameAttribute: 'name',
			objectTypeCode: 3,
			ownershipType: 'UserOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'opportunityid', type: 'Uniqueidentifier', displayName: 'Opportunity', isPrimaryId: true, validForUpdate: false },
				str('name', 300, { displayName: 'Topic', requiredLevel: 'ApplicationRequired', isPrimaryName: true }),
				memo('description', 2000, { displayName: 'Description' }),
				int('closeprobability', 0, 100, { displayName: 'Probability' }),
				money('estimatedvalue', { displayName: 'Est. Revenue' }),
				money('actualvalue', { displayName: 'Actual Revenue' }),
				dateOnly('estimatedclosedate', { displayName: 'Est. Close Date' }),
				dateOnly('actualclosedate', { displayName: 'Actual Close Date' }),
				str('stepname', 200, { displayName: 'Pipeline Phase' }),
				{ logicalName: 'customerid', type: 'Customer', targets: ['account', 'contact'], displayName: 'Potential Customer', requiredLevel: 'ApplicationRequired' },
				lookup('parentaccountid', ['account'], { displayName: 'Account' }),
				lookup('parentcontactid', ['contact'], { displayName: 'Contact' }),
				lookup('originatingleadid', ['lead'], { displayName: 'Originating Lead' }),
				bool('new_synctomkto', 'Yes', 'No', { displayName: 'Sync to Marketo' }),
				...stateColumns(
					[
						[0, 'Open'],
						[1, 'Won'],
						[2, 'Lost'],
					],
					[
						[1, 'In Progress', 0],
						[2, 'On Hold', 0],
						[3, 'Won', 1],
						[4, 'Canceled', 2],
						[5, 'Out-Sold', 2],
					],
				),
				...systemColumns(true),
			],
		},
		{
			logicalName: 'systemuser',
			entitySetName: 'systemusers',
			displayName: 'User',
			displayCollectionName: 'Users',
			primaryIdAttribute: 'systemuserid',
			primaryNameAttribute: 'fullname',
			objectTypeCode: 8,
			ownershipType: 'BusinessOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'systemuserid', type: 'Uniqueidentifier', displayName: 'User', isPrimaryId: true, validForUpdate: false },
				str('fullname', 200, { displayName: 'Full Name', isPrimaryName: true, ...readOnly }),
				str('firstname', 64, { displayName: 'First Name' }),
				str('lastname', 64, { displayName: 'Last Name', requiredLevel: 'SystemRequired' }),
				str('internalemailaddress', 100, { displayName: 'Primary Email', format: 'Email' }),
				str('domainname', 1024, { displayName: 'User Name', requiredLevel: 'SystemRequired' }),
				str('applicationid', 100, { displayName: 'Application ID' }),
				bool('isdisabled', 'Disabled', 'Enabled', { displayName: 'Status', defaultValue: false }),
				picklist(
					'accessmode',
					[
						[0, 'Read-Write'],
						[1, 'Administrative'],
						[2, 'Read'],
						[3, 'Support User'],
						[4, 'Non-interactive'],
						[5, 'Delegated Admin'],
					],
					{ displayName: 'Access Mode', defaultValue: 0 },
				),
				str('title', 128, { displayName: 'Title' }),
				str('mobilephone', 64, { displayName: 'Mobile Phone', format: 'Phone' }),
				str('address1_telephone1', 64, { displayName: 'Main Phone', format: 'Phone' }),
				lookup('businessunitid', ['businessunit'], { displayName: 'Business Unit', requiredLevel: 'SystemRequired' }),
				...systemColumns(false),
			],
		},
		{
			logicalName: 'team',
			entitySetName: 'teams',
			displayName: 'Team',
			displayCollectionName: 'Teams',
			primaryIdAttribute: 'teamid',
			primaryNameAttribute: 'name',
			objectTypeCode: 9,
			ownershipType: 'BusinessOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'teamid', type: 'Uniqueidentifier', displayName: 'Team', isPrimaryId: true, validForUpdate: false },
				str('name', 160, { displayName: 'Team Name', requiredLevel: 'SystemRequired', isPrimaryName: true }),
				picklist(
					'teamtype',
					[
						[0, 'Owner'],
						[1, 'Access'],
						[2, 'Security Group'],
						[3, 'Office Group'],
					],
					{ displayName: 'Team Type', defaultValue: 0 },
				),
				memo('description', 2000, { displayName: 'Description' }),
				lookup('businessunitid', ['businessunit'], { displayName: 'Business Unit' }),
				...systemColumns(false),
			],
		},
		{
			logicalName: 'connection',
			entitySetName: 'connections',
			displayName: 'Connection',
			displayCollectionName: 'Connections',
			primaryIdAttribute: 'connectionid',
			primaryNameAttribute: 'name',
			objectTypeCode: 3234,
			ownershipType: 'UserOwned',
			changeTrackingEnabled: true,
			columns: [
				{ logicalName: 'connectionid', type: 'Uniqueidentifier', displayName: 'Connection', isPrimaryId: true, validForUpdate: false },
				str('name', 500, { displayName: 'Connection Name', isPrimaryName: true, ...readOnly }),
				lookup('record1id', RECORD_TARGETS, { displayName: 'Connected From', requiredLevel: 'SystemRequired' }),
				lookup('record2id', RECORD_TARGETS, { displayName: 'Connected To', requiredLevel: 'SystemRequired' }),
				lookup('record1roleid', ['connectionrole'], { displayName: 'Role (From)' }),
				lookup('record2roleid', ['connectionrole'], { displayName: 'Role (To)' }),
				picklist('record1objecttypecode', [], { displayName: 'Type (From)', ...readOnly }),
				picklist('record2objecttypecode', [], { displayName: 'Type (To)', ...readOnly }),
				bool('ismaster', 'Yes', 'No', { displayName: 'Is Master', ...readOnly }),
				lookup('relatedconnectionid', ['connection'], { displayName: 'Reciprocal Connection', ...readOnly }),
				datetime('effectivestart', { displayName: 'Starting' }),
				datetime('effectiveend', { displayName: 'Ending' }),
				memo('description', 1000, { displayName: 'Description' }),
				...ACTIVE_STATES,
				...systemColumns(true),
			],
		},
		{
			logicalName: 'connectionrole',
			entitySetName: 'connectionroles',
			displayName: 'Connection Role',
			displayCollectionName: 'Connection Roles',
			primaryIdAttribute: 'connectionroleid',
			primaryNameAttribute: 'name',
			objectTypeCode: 3231,
			ownershipType: 'OrganizationOwned',
			changeTrackingEnabled: false,
			columns: [
				{ logicalName: 'connectionroleid', type: 'Uniqueidentifier', displayName: 'Connection Role', isPrimaryId: true, validForUpdate: false },
				str('name', 100, { displayName: 'Name', requiredLevel: 'SystemRequired', isPrimaryName: true }),
				picklist(
					'category',
					[
						[1, 'Business'],
						[2, 'Family'],
						[3, 'Social'],
						[4, 'Sales'],
						[5, 'Other'],
						[1000, 'Stakeholder'],
						[1001, 'Sales Team'],
						[1002, 'Service'],
					],
					{ displayName: 'Connection Role Category', defaultValue: 1 },
				),
				memo('description', 1000, { displayName: 'Description' }),
				...ACTIVE_STATES,
				...systemColumns(false),
			],
		},
		{
			logicalName: 'new_project',
			entitySetName: 'new_projects',
			displayName: 'Project',
			displayCollectionName: 'Projects',
			primaryIdAttribute: 'new_projectid',
			primaryNameAttribute: 'new_name',
			objectTypeCode: 10234,
			ownershipType: 'UserOwned',
			isCustom: true,
			changeTrackingEnabled: false,
			columns: [
				{ logicalName: 'new_projectid', type: 'Uniqueidentifier', displayName: 'Project', isPrimaryId: true, validForUpdate: false, isCustom: false },
				str('new_name', 100, { displayName: 'Name', requiredLevel: 'ApplicationRequired', isPrimaryName: true, schemaName: 'new_Name' }),
				money('new_budget', { displayName: 'Budget', schemaName: 'new_Budget' }),
				picklist(
					'new_status',
					[
						[100000000, 'Planned'],
						[100000001, 'Active'],
						[100000002, 'Completed'],
						[100000003, 'Cancelled'],
					],
					{ displayName: 'Project Status', schemaName: 'new_Status' },
				),
				lookup('new_contactid', ['contact'], { displayName: 'Contact', schemaName: 'new_ContactId', navigationName: 'new_ContactId' }),
				bool('new_synctomkto', 'Yes', 'No', { displayName: 'Sync to Marketo' }),
				...ACTIVE_STATES,
				...systemColumns(true),
			],
		},
	];
}

export const OBJECT_TYPE_LABELS: Array<[number, string]> = [
	[1, 'Account'],
	[2, 'Contact'],
	[3, 'Opportunity'],
	[4, 'Lead'],
	[8, 'User'],
	[9, 'Team'],
	[10234, 'Project'],
];

/** Adds the derived pieces of a table: virtual name columns, Web API properties and navigation properties. */
export function finishTable(def: TableDef): void {
	def.properties.clear();
	def.navigation.clear();
	def.defaultStatus.clear();
	for (const a of [...def.attributes.values()]) {
		if (a.attributeOf) continue;
		def.properties.set(propertyName(a), a);
		if (a.type === 'Owner') {
			def.navigation.set(a.logicalName, { attribute: a, target: '*' });
		} else if (a.type === 'Customer' || (a.type === 'Lookup' && (a.targets?.length ?? 0) > 1)) {
			for (const target of a.targets ?? []) def.navigation.set(`${a.logicalName}_${target}`, { attribute: a, target });
		} else if (a.type === 'Lookup') {
			def.navigation.set(a.navigationName ?? a.logicalName, { attribute: a, target: a.targets?.[0] ?? '' });
		}
		if (a.type === 'Status') {
			for (const option of a.options ?? []) {
				if (option.state !== undefined && !def.defaultStatus.has(option.state)) def.defaultStatus.set(option.state, option.value);
			}
		}
	}
}

function virtualColumns(table: string, a: AttributeDef): AttributeDef[] {
	const out: AttributeDef[] = [];
	const base = { validForCreate: false, validForUpdate: false, validForRead: true, requiredLevel: 'None' as const, isCustom: a.isCustom, attributeOf: a.logicalName };
	if (isLookup(a)) {
		out.push(attr(table, { logicalName: `${a.logicalName}name`, type: 'String', maxLength: 100, displayName: '', ...base }));
		if (a.type !== 'Lookup' || (a.targets?.length ?? 0) > 1) {
			out.push(attr(table, { logicalName: `${a.logicalName}type`, type: 'EntityName', displayName: '', ...base }));
		}
	} else if (a.type === 'Picklist' || a.type === 'State' || a.type === 'Status' || a.type === 'Boolean') {
		out.push(attr(table, { logicalName: `${a.logicalName}name`, type: 'Virtual', displayName: '', ...base }));
	}
	return out;
}

export function buildTable(input: TableInput): TableDef {
	const def: TableDef = {
		logicalName: input.logicalName,
		schemaName: input.isCustom ? input.logicalName : input.displayName.replace(/ /g, ''),
		entitySetName: input.entitySetName,
		displayName: input.displayName,
		displayCollectionName: input.displayCollectionName,
		primaryIdAttribute: input.primaryIdAttribute,
		primaryNameAttribute: input.primaryNameAttribute,
		objectTypeCode: input.objectTypeCode,
		ownershipType: input.ownershipType,
		isCustom: input.isCustom ?? false,
		changeTrackingEnabled: input.changeTrackingEnabled,
		canChangeTrackingBeEnabled: true,
		metadataId: stableGuid(`entity:${input.logicalName}`),
		attributes: new Map(),
		properties: new Map(),
		navigation: new Map(),
		defaultStatus: new Map(),
	};
	for (const column of input.columns) {
		const a = attr(input.logicalName, column);
		if (a.logicalName === 'record1objecttypecode' || a.logicalName === 'record2objecttypecode') {
			a.options = OBJECT_TYPE_LABELS.map(([value, label]) => ({ value, label }));
		}
		def.attributes.set(a.logicalName, a);
	}
	for (const a of [...def.attributes.values()]) {
		for (const v of virtualColumns(input.logicalName, a)) if (!def.attributes.has(v.logicalName)) def.attributes.set(v.logicalName, v);
	}
	finishTable(def);
	return def;
}

export function buildSchema(): Map<string, TableDef> {
	const map = new Map<string, TableDef>();
	for (const input of tableInputs()) map.set(input.logicalName, buildTable(input));
	return map;
}

/** What store.addColumn accepts. */
export interface ColumnInput {
	logicalName: string;
	type: AttributeType;
	displayName?: string;
	schemaName?: string;
	maxLength?: number;
	requiredLevel?: RequiredLevel;
	options?: OptionDef[];
	targets?: string[];
	navigationName?: string;
	format?: AttributeDef['format'];
	minValue?: number;
	maxValue?: number;
	trueLabel?: string;
	falseLabel?: string;
	validForCreate?: boolean;
	validForUpdate?: boolean;
}

export function columnFromInput(table: string, input: ColumnInput): AttributeDef[] {
	const defaults: Partial<AttributeDef> = {};
	if (input.type === 'String' && input.maxLength === undefined) defaults.maxLength = 100;
	if (input.type === 'Memo' && input.maxLength === undefined) defaults.maxLength = 2000;
	if (input.type === 'Boolean') {
		defaults.trueLabel = 'Yes';
		defaults.falseLabel = 'No';
	}
	if (input.type === 'Integer') {
		defaults.minValue = -2147483648;
		defaults.maxValue = 2147483647;
	}
	if (input.type === 'Money') {
		defaults.minValue = -922337203685477;
		defaults.maxValue = 922337203685477;
		defaults.precision = 2;
	}
	const a = attr(table, { ...defaults, ...(input as AttrInput) });
	return [a, ...virtualColumns(table, a)];
}
