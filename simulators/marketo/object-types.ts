/** Metadata of the generic lead-database objects (companies, opportunities, roles, sales persons, custom objects). */
import type { DataType, FieldDef } from './util';
import { displayNameOf } from './util';

export interface ObjectFieldDef extends FieldDef {
	updateable: boolean;
	/** describe's dataType when it differs from the stored type (custom-object link fields say "link"). */
	describeAs?: DataType;
}

export interface ObjectRelation {
	field: string;
	type: 'parent';
	relatedTo: { name: string; field: string };
}

/** A link whose target must exist when a record is written (roles → opportunity + lead). */
export interface RequiredLink {
	field: string;
	/** 'lead' or an object type key. */
	to: string;
	toField: string;
}

export interface ObjectTypeDef {
	/** Store key: companies | opportunities | opportunityRoles | salespersons | customobjects/<apiName>. */
	key: string;
	/** describe `name`. */
	name: string;
	displayName: string;
	pluralName: string;
	description: string;
	idField: string;
	idKind: 'int' | 'guid';
	dedupeFields: string[];
	searchableFields: string[][];
	fields: ObjectFieldDef[];
	/** Must be non-null after a write (e.g. opportunity name). */
	required: string[];
	relationships: ObjectRelation[];
	links: RequiredLink[];
	custom: boolean;
	state: 'draft' | 'approved';
	createdAt: string;
	updatedAt: string;
}

type F = [name: string, dataType: DataType, length?: number, extra?: Partial<ObjectFieldDef>];

function fields(list: F[]): ObjectFieldDef[] {
	return list.map(([name, dataType, length, extra]) => ({
		name,
		displayName: displayNameOf(name),
		dataType,
		length,
		updateable: true,
		...extra,
	}));
}

const RO = { updateable: false, readOnly: true } as const;
const KEY = { updateable: false } as const;
const CREATED = '2024-01-01T00:00:00Z';

export function companyType(): ObjectTypeDef {
	return {
		key: 'companies',
		name: 'Company',
		displayName: 'Company',
		pluralName: 'Companies',
		description: 'Company object',
		idField: 'id',
		idKind: 'int',
		dedupeFields: ['externalCompanyId'],
		searchableFields: [['externalCompanyId'], ['id'], ['company']],
		fields: fields([
			['createdAt', 'datetime', undefined, RO],
			['externalCompanyId', 'string', 100, KEY],
			['id', 'integer', undefined, RO],
			['updatedAt', 'datetime', undefined, RO],
			['annualRevenue', 'currency'],
			['billingCity', 'string', 255],
			['billingCountry', 'string', 255],
			['billingPostalCode', 'string', 255],
			['billingState', 'string', 255],
			['billingStreet', 'text'],
			['company', 'string', 255, { displayName: 'Company Name' }],
			['description', 'text'],
			['externalSalesPersonId', 'string', 100],
			['industry', 'string', 255],
			['mainPhone', 'phone', 255],
			['numberOfEmployees', 'integer'],
			['sicCode', 'string', 40, { displayName: 'SIC Code' }],
			['website', 'url', 255],
			['microsoftAccountNumber', 'string', 255],
			['microsoftCompanyStatus', 'string', 255],
		]),
		required: [],
		relationships: [],
		links: [],
		custom: false,
		state: 'approved',
		createdAt: CREATED,
		updatedAt: CREATED,
	};
}

export function salesPersonType(): ObjectTypeDef {
	return {
		key: 'salespersons',
		name: 'SalesPerson',
		displayName: 'Sales Person',
		pluralName: 'Sales Persons',
		description: 'SalesPerson object',
		idField: 'id',
		idKind: 'int',
		dedupeFields: ['externalSalesPersonId'],
		searchableFields: [['externalSalesPersonId'], ['id'], ['email']],
		fields: fields([
			['createdAt', 'datetime', undefined, RO],
			['externalSalesPersonId', 'string', 100, KEY],
			['id', 'integer', undefined, RO],
			['updatedAt', 'datetime', undefined, RO],
			['email', 'email', 255],
			['fax', 'phone', 255],
			['firstName', 'string', 255],
			['lastName', 'string', 255],
			['mobilePhone', 'phone', 255],
			['phone', 'phone', 255],
			['title', 'string', 255],
		]),
		required: [],
		relationships: [],
		links: [],
		custom: false,
		state: 'approved',
		createdAt: CREATED,
		updatedAt: CREATED,
	};
}

export function opportunityType(): ObjectTypeDef {
	return {
		key: 'opportunities',
		name: 'Opportunity',
		displayName: 'Opportunity',
		pluralName: 'Opportunities',
		description: 'Opportunity object',
		idField: 'marketoGUID',
		idKind: 'guid',
		dedupeFields: ['externalOpportunityId'],
		searchableFields: [['externalOpportunityId'], ['marketoGUID'], ['microsoftStatus']],
		fields: fields([
			['marketoGUID', 'string', 36, { ...RO, displayName: 'Marketo GUID' }],
			['createdAt', 'datetime', undefined, RO],
			['updatedAt', 'datetime', undefined, RO],
			['externalOpportunityId', 'string', 50, KEY],
			['amount', 'currency'],
			['closeDate', 'date'],
			['description', 'text'],
			['expectedRevenue', 'currency'],
			['externalCompanyId', 'string', 100],
			['externalSalesPersonId', 'string', 100],
			['isClosed', 'boolean'],
			['isWon', 'boolean'],
			['name', 'string', 255],
			['probability', 'integer'],
			['stage', 'string', 255],
			['microsoftStatus', 'string', 255],
		]),
		required: ['name'],
		relationships: [],
		links: [],
		custom: false,
		state: 'approved',
		createdAt: CREATED,
		updatedAt: CREATED,
	};
}

export function opportunityRoleType(): ObjectTypeDef {
	return {
		key: 'opportunityRoles',
		name: 'opportunityRole',
		displayName: 'Opportunity Role',
		pluralName: 'Opportunity Roles',
		description: 'Opportunity Role object',
		idField: 'marketoGUID',
		idKind: 'guid',
		dedupeFields: ['externalOpportunityId', 'leadId', 'role'],
		searchableFields: [['externalOpportunityId', 'leadId', 'role'], ['marketoGUID'], ['leadId'], ['externalOpportunityId']],
		fields: fields([
			['marketoGUID', 'string', 36, { ...RO, displayName: 'Marketo GUID' }],
			['createdAt', 'datetime', undefined, RO],
			['updatedAt', 'datetime', undefined, RO],
			['externalOpportunityId', 'string', 50, KEY],
			['leadId', 'integer', undefined, KEY],
			['role', 'string', 50, KEY],
			['isPrimary', 'boolean'],
			['externalCreatedDate', 'datetime'],
		]),
		required: [],
		relationships: [
			{ field: 'externalOpportunityId', type: 'parent', relatedTo: { name: 'Opportunity', field: 'externalOpportunityId' } },
			{ field: 'leadId', type: 'parent', relatedTo: { name: 'Lead', field: 'id' } },
		],
		links: [
			{ field: 'externalOpportunityId', to: 'opportunities', toField: 'externalOpportunityId' },
			{ field: 'leadId', to: 'lead', toField: 'id' },
		],
		custom: false,
		state: 'approved',
		createdAt: CREATED,
		updatedAt: CREATED,
	};
}

export interface CustomObjectTypeInput {
	apiName: string;
	displayName?: string;
	pluralName?: string;
	description?: string;
	dedupeFields: string[];
	/** Extra searchable fields besides the dedupe key and marketoGUID. */
	searchableFields?: string[][];
	fields: Array<Partial<ObjectFieldDef> & { name: string; dataType: DataType }>;
	/** Link fields: field → Lead.id (or Company.id). */
	relationships?: ObjectRelation[];
	state?: 'draft' | 'approved';
}

export function customObjectType(input: CustomObjectTypeInput): ObjectTypeDef {
	const custom: ObjectFieldDef[] = input.fields.map((f) => ({
		displayName: displayNameOf(f.name),
		updateable: !input.dedupeFields.includes(f.name),
		...f,
	}));
	const relationships = input.relationships ?? [];
	return {
		key: `customobjects/${input.apiName}`,
		name: input.apiName,
		displayName: input.displayName ?? displayNameOf(input.apiName),
		pluralName: input.pluralName ?? `${input.displayName ?? displayNameOf(input.apiName)}s`,
		description: input.description ?? '',
		idField: 'marketoGUID',
		idKind: 'guid',
		dedupeFields: input.dedupeFields,
		searchableFields: [input.dedupeFields, ['marketoGUID'], ...(input.searchableFields ?? [])],
		fields: [
			...fields([
				['createdAt', 'datetime', undefined, RO],
				['marketoGUID', 'string', 36, { ...RO, displayName: 'Marketo GUID' }],
				['updatedAt', 'datetime', undefined, RO],
			]),
			...custom,
		],
		required: [],
		relationships,
		links: relationships.map((r) => ({
			field: r.field,
			to: r.relatedTo.name.toLowerCase() === 'lead' ? 'lead' : r.relatedTo.name.toLowerCase() === 'company' ? 'companies' : r.relatedTo.name,
			toField: r.relatedTo.field,
		})),
		custom: true,
		state: input.state ?? 'approved',
		createdAt: CREATED,
		updatedAt: CREATED,
	};
}

export function dynamicsProjectType(): ObjectTypeDef {
	return customObjectType({
		apiName: 'dynamicsProject_c',
		displayName: 'Dynamics Project',
		pluralName: 'Dynamics Projects',
		description: 'Projects synced from Microsoft Dynamics 365',
		dedupeFields: ['externalProjectId'],
		searchableFields: [['leadId']],
		fields: [
			{ name: 'externalProjectId', dataType: 'string', length: 255, displayName: 'External Project Id' },
			{ name: 'name', dataType: 'string', length: 255 },
			{ name: 'budget', dataType: 'currency' },
			{ name: 'status', dataType: 'string', length: 255 },
			{ name: 'leadId', dataType: 'integer', describeAs: 'link', displayName: 'Lead Id' },
		],
		relationships: [{ field: 'leadId', type: 'parent', relatedTo: { name: 'Lead', field: 'id' } }],
	});
}
