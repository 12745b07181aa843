import { DataverseError, propertyNotFound, queryError } from './errors';
import { compileFilter, type EdmType, type FilterContext } from './filter';
import { stableGuid, type AttributeDef, type AttributeType, type TableDef } from './schema';
import type { DataverseStore } from './store';

/**
 * EntityDefinitions: the metadata Web API (query-metadata-web-api.md) for field pickers — entity and
 * attribute metadata, casts to derived attribute types, OptionSet expansion.
 */

type Json = Record<string, unknown>;

function label(text: string, seed: string): Json {
	if (!text) return { LocalizedLabels: [], UserLocalizedLabel: null };
	const localized = { Label: text, LanguageCode: 1033, IsManaged: true, MetadataId: stableGuid(`label:${seed}`), HasChanged: null };
	return { LocalizedLabels: [localized], UserLocalizedLabel: localized };
}

const TYPE_INFO: Record<AttributeType, { odataType: string; typeName: string }> = {
	String: { odataType: 'StringAttributeMetadata', typeName: 'StringType' },
	Memo: { odataType: 'MemoAttributeMetadata', typeName: 'MemoType' },
	Integer: { odataType: 'IntegerAttributeMetadata', typeName: 'IntegerType' },
	BigInt: { odataType: 'BigIntAttributeMetadata', typeName: 'BigIntType' },
	Money: { odataType: 'MoneyAttributeMetadata', typeName: 'MoneyType' },
	Decimal: { odataType: 'DecimalAttributeMetadata', typeName: 'DecimalType' },
	Double: { odataType: 'DoubleAttributeMetadata', typeName: 'DoubleType' },
	Boolean: { odataType: 'BooleanAttributeMetadata', typeName: 'BooleanType' },
	DateTime: { odataType: 'DateTimeAttributeMetadata', typeName: 'DateTimeType' },
	Picklist: { odataType: 'PicklistAttributeMetadata', typeName: 'PicklistType' },
	State: { odataType: 'StateAttributeMetadata', typeName: 'StateType' },
	Status: { odataType: 'StatusAttributeMetadata', typeName: 'StatusType' },
	// learn.microsoft.com/power-apps/developer/data-platform/multi-select-picklist
	MultiSelectPicklist: { odataType: 'MultiSelectPicklistAttributeMetadata', typeName: 'MultiSelectPicklistType' },
	Lookup: { odataType: 'LookupAttributeMetadata', typeName: 'LookupType' },
	Customer: { odataType: 'LookupAttributeMetadata', typeName: 'CustomerType' },
	Owner: { odataType: 'LookupAttributeMetadata', typeName: 'OwnerType' },
	Uniqueidentifier: { odataType: 'UniqueIdentifierAttributeMetadata', typeName: 'UniqueidentifierType' },
	EntityName: { odataType: 'EntityNameAttributeMetadata', typeName: 'EntityNameType' },
	Virtual: { odataType: 'AttributeMetadata', typeName: 'VirtualType' },
};

/** Derived metadata types a cast segment can name, and which attribute types each includes. */
const CASTS: Record<string, AttributeType[]> = {
	StringAttributeMetadata: ['String'],
	MemoAttributeMetadata: ['Memo'],
	IntegerAttributeMetadata: ['Integer'],
	BigIntAttributeMetadata: ['BigInt'],
	MoneyAttributeMetadata: ['Money'],
	DecimalAttributeMetadata: ['Decimal'],
	DoubleAttributeMetadata: ['Double'],
	BooleanAttributeMetadata: ['Boolean'],
	DateTimeAttributeMetadata: ['DateTime'],
	PicklistAttributeMetadata: ['Picklist'],
	StateAttributeMetadata: ['State'],
	StatusAttributeMetadata: ['Status'],
	MultiSelectPicklistAttributeMetadata: ['MultiSelectPicklist'],
	EnumAttributeMetadata: ['Picklist', 'State', 'Status', 'Boolean', 'MultiSelectPicklist'],
	LookupAttributeMetadata: ['Lookup', 'Customer', 'Owner'],
	UniqueIdentifierAttributeMetadata: ['Uniqueidentifier'],
	EntityNameAttributeMetadata: ['EntityName'],
};

/** Properties of the base AttributeMetadata type (everything else needs a cast in real Dataverse). */
const BASE_ATTRIBUTE_PROPERTIES = new Set([
	'MetadataId',
	'LogicalName',
	'SchemaName',
	'EntityLogicalName',
	'DisplayName',
	'Description',
	'AttributeType',
	'AttributeTypeName',
	'RequiredLevel',
	'IsValidForRead',
	'IsValidForCreate',
	'IsValidForUpdate',
	'AttributeOf',
	'IsCustomAttribute',
	'IsPrimaryId',
	'IsPrimaryName',
	'IsLogical',
	'IsValidForAdvancedFind',
	'IsManaged',
	'ColumnNumber',
	'IsFilterable',
	'IsSearchable',
	'IsRetrievable',
	'IsSecured',
	'IsAuditEnabled',
	'IsCustomizable',
	'IsRenameable',
	'SourceType',
	'IntroducedVersion',
	'HasChanged',
]);

const TYPE_PROPERTIES: Record<string, string[]> = {
	String: ['MaxLength', 'DatabaseLength', 'Format', 'FormatName', 'ImeMode', 'YomiOf', 'IsLocalizable'],
	Memo: ['MaxLength', 'DatabaseLength', 'Format', 'ImeMode'],
	Integer: ['MinValue', 'MaxValue', 'Format'],
	BigInt: ['MinValue', 'MaxValue'],
	Money: ['MinValue', 'MaxValue', 'Precision', 'PrecisionSource', 'IsBaseCurrency', 'CalculationOf', 'ImeMode'],
	Decimal: ['MinValue', 'MaxValue', 'Precision', 'ImeMode'],
	Double: ['MinValue', 'MaxValue', 'Precision', 'ImeMode'],
	Boolean: ['DefaultValue', 'OptionSet', 'GlobalOptionSet'],
	DateTime: ['Format', 'DateTimeBehavior', 'ImeMode', 'MinSupportedValue', 'MaxSupportedValue', 'CanChangeDateTimeBehavior'],
	Picklist: ['DefaultFormValue', 'OptionSet', 'GlobalOptionSet', 'ParentPicklistLogicalName', 'ChildPicklistLogicalNames'],
	State: ['DefaultFormValue', 'OptionSet', 'GlobalOptionSet'],
	Status: ['DefaultFormValue', 'OptionSet', 'GlobalOptionSet'],
	MultiSelectPicklist: ['DefaultFormValue', 'OptionSet', 'GlobalOptionSet', 'ParentPicklistLogicalName', 'ChildPicklistLogicalNames'],
	Lookup: ['Targets', 'Format'],
	Customer: ['Targets', 'Format'],
	Owner: ['Targets', 'Format'],
	Uniqueidentifier: [],
	EntityName: [],
	Virtual: [],
};

const EXPANDABLE = new Set(['OptionSet', 'GlobalOptionSet']);

function optionSetOf(def: TableDef, a: AttributeDef): Json | null {
	const seed = `${def.logicalName}.${a.logicalName}`;
	if (a.type === 'Boolean') {
		return {
			MetadataId: stableGuid(`optionset:${seed}`),
			Name: `${def.logicalName}_${a.logicalName}`,
			IsGlobal: false,
			OptionSetType: 'Boolean',
			TrueOption: { Value: 1, Label: label(a.trueLabel ?? 'Yes', `${seed}:1`), Description: label('', ''), Color: null, IsManaged: true },
			FalseOption: { Value: 0, Label: label(a.falseLabel ?? 'No', `${seed}:0`), Description: label('', ''), Color: null, IsManaged: true },
		};
	}
	if (a.type !== 'Picklist' && a.type !== 'State' && a.type !== 'Status' && a.type !== 'MultiSelectPicklist') return null;
	return {
		MetadataId: stableGuid(`optionset:${seed}`),
		Name: `${def.logicalName}_${a.logicalName}`,
		IsGlobal: false,
		OptionSetType: a.type === 'MultiSelectPicklist' ? 'Picklist' : a.type,
		Options: (a.options ?? []).map((o) => {
			const option: Json = {
				Value: o.value,
				Color: null,
				IsManaged: !a.isCustom,
				ExternalValue: null,
				ParentValues: [],
				MetadataId: null,
				HasChanged: null,
				Label: label(o.label, `${seed}:${o.value}`),
				Description: label('', ''),
			};
			if (a.type === 'Status') option.State = o.state;
			if (a.type === 'State') {
				option.DefaultStatus = def.defaultStatus.get(o.value) ?? null;
				option.InvariantName = o.label.replace(/ /g, '');
			}
			return option;
		}),
	};
}

export function attributeMetadata(def: TableDef, a: AttributeDef): Json {
	const info = TYPE_INFO[a.type];
	const out: Json = {
		'@odata.type': `#Microsoft.Dynamics.CRM.${info.odataType}`,
		MetadataId: a.metadataId,
		LogicalName: a.logicalName,
		SchemaName: a.schemaName,
		EntityLogicalName: def.logicalName,
		DisplayName: label(a.displayName, `${def.logicalName}.${a.logicalName}`),
		Description: label('', ''),
		// A multi-select choice has no AttributeType of its own: "Virtual", told apart by AttributeTypeName.
		AttributeType: a.type === 'MultiSelectPicklist' ? 'Virtual' : a.type,
		AttributeTypeName: { Value: info.typeName },
		RequiredLevel: { Value: a.requiredLevel, CanBeChanged: !a.isPrimaryId, ManagedPropertyLogicalName: 'canmodifyrequirementlevelsettings' },
		IsValidForRead: a.validForRead,
		IsValidForCreate: a.validForCreate,
		IsValidForUpdate: a.validForUpdate,
		AttributeOf: a.attributeOf ?? null,
		IsCustomAttribute: a.isCustom,
		IsPrimaryId: !!a.isPrimaryId,
		IsPrimaryName: !!a.isPrimaryName,
		IsLogical: !!a.attributeOf,
		IsValidForAdvancedFind: { Value: !a.attributeOf, CanBeChanged: true, ManagedPropertyLogicalName: 'canmodifysearchsettings' },
		IsFilterable: !a.attributeOf,
		IsRetrievable: true,
		IsManaged: !a.isCustom,
	};
	switch (a.type) {
		case 'String':
			out.MaxLength = a.maxLength ?? 100;
			out.DatabaseLength = (a.maxLength ?? 100) * 2;
			out.Format = a.format ?? 'Text';
			out.FormatName = { Value: a.format ?? 'Text' };
			break;
		case 'Memo':
			out.MaxLength = a.maxLength ?? 2000;
			out.DatabaseLength = (a.maxLength ?? 2000) * 2;
			out.Format = 'TextArea';
			break;
		case 'Integer':
		case 'BigInt':
		case 'Money':
		case 'Decimal':
		case 'Double':
			out.MinValue = a.minValue ?? null;
			out.MaxValue = a.maxValue ?? null;
			if (a.type !== 'Integer' && a.type !== 'BigInt') out.Precision = a.precision ?? 2;
			if (a.type === 'Integer') out.Format = 'None';
			break;
		case 'DateTime':
			out.Format = a.format === 'DateOnly' ? 'DateOnly' : 'DateAndTime';
			out.DateTimeBehavior = { Value: a.format === 'DateOnly' ? 'DateOnly' : 'UserLocal' };
			break;
		case 'Picklist':
		case 'State':
		case 'Status':
		case 'MultiSelectPicklist':
			out.DefaultFormValue = typeof a.defaultValue === 'number' ? a.defaultValue : -1;
			break;
		case 'Boolean':
			out.DefaultValue = a.defaultValue === true;
			break;
		case 'Lookup':
		case 'Customer':
		case 'Owner':
			out.Targets = a.targets ?? [];
			out.Format = 'None';
			break;
	}
	return out;
}

export function entityMetadata(def: TableDef): Json {
	return {
		MetadataId: def.metadataId,
		LogicalName: def.logicalName,
		SchemaName: def.schemaName,
		EntitySetName: def.entitySetName,
		LogicalCollectionName: def.entitySetName,
		CollectionSchemaName: def.isCustom ? def.entitySetName : def.displayCollectionName.replace(/ /g, ''),
		DisplayName: label(def.displayName, `entity:${def.logicalName}`),
		DisplayCollectionName: label(def.displayCollectionName, `entitycollection:${def.logicalName}`),
		Description: label('', ''),
		PrimaryIdAttribute: def.primaryIdAttribute,
		PrimaryNameAttribute: def.primaryNameAttribute,
		ObjectTypeCode: def.objectTypeCode,
		OwnershipType: def.ownershipType,
		IsCustomEntity: def.isCustom,
		IsManaged: !def.isCustom,
		IsActivity: false,
		IsIntersect: false,
		IsValidForAdvancedFind: true,
		IsLogicalEntity: false,
		ChangeTrackingEnabled: def.changeTrackingEnabled,
		CanChangeTrackingBeEnabled: { Value: def.canChangeTrackingBeEnabled, CanBeChanged: false, ManagedPropertyLogicalName: 'canchangetrackingbeenabled' },
		IsAuditEnabled: { Value: true, CanBeChanged: true, ManagedPropertyLogicalName: 'canmodifyauditsettings' },
		HasNotes: def.logicalName !== 'connection' && def.logicalName !== 'connectionrole',
		HasActivities: def.ownershipType === 'UserOwned',
	};
}

const ENTITY_FILTERABLE: Record<string, EdmType> = {
	MetadataId: 'Edm.Guid',
	LogicalName: 'Edm.String',
	SchemaName: 'Edm.String',
	EntitySetName: 'Edm.String',
	LogicalCollectionName: 'Edm.String',
	PrimaryIdAttribute: 'Edm.String',
	PrimaryNameAttribute: 'Edm.String',
	ObjectTypeCode: 'Edm.Int32',
	OwnershipType: 'Edm.String',
	IsCustomEntity: 'Edm.Boolean',
	IsManaged: 'Edm.Boolean',
	IsActivity: 'Edm.Boolean',
	IsIntersect: 'Edm.Boolean',
	IsValidForAdvancedFind: 'Edm.Boolean',
	ChangeTrackingEnabled: 'Edm.Boolean',
	HasNotes: 'Edm.Boolean',
	HasActivities: 'Edm.Boolean',
};

const ATTRIBUTE_FILTERABLE: Record<string, EdmType> = {
	MetadataId: 'Edm.Guid',
	LogicalName: 'Edm.String',
	SchemaName: 'Edm.String',
	EntityLogicalName: 'Edm.String',
	AttributeType: 'Edm.String',
	AttributeOf: 'Edm.String',
	IsValidForRead: 'Edm.Boolean',
	IsValidForCreate: 'Edm.Boolean',
	IsValidForUpdate: 'Edm.Boolean',
	IsCustomAttribute: 'Edm.Boolean',
	IsPrimaryId: 'Edm.Boolean',
	IsPrimaryName: 'Edm.Boolean',
	IsLogical: 'Edm.Boolean',
	IsFilterable: 'Edm.Boolean',
	IsRetrievable: 'Edm.Boolean',
	IsManaged: 'Edm.Boolean',
	MaxLength: 'Edm.Int32',
};

function metadataFilterContext(typeName: string, fields: Record<string, EdmType>): FilterContext {
	return {
		typeName,
		resolve: (name) => (fields[name] ? { edmType: fields[name], get: (row) => (row as Json)[name] ?? null } : undefined),
	};
}

function applySelect(item: Json, select: string[] | undefined, typeName: string, allowed: (name: string) => boolean, keep: string[]): Json {
	if (!select) return item;
	const out: Json = {};
	for (const key of keep) if (key in item) out[key] = item[key];
	for (const name of select) {
		if (!allowed(name)) throw propertyNotFound(name, typeName);
		if (name in item) out[name] = item[name];
	}
	return out;
}

function parseList(value: string | null): string[] | undefined {
	if (value === null) return undefined;
	const list = value
		.split(',')
		.map((s) => s.trim())
		.filter(Boolean);
	return list.length ? list : undefined;
}

/** `OptionSet($select=Options)` / `Attributes($select=LogicalName;$filter=…)` */
function parseExpandOptions(value: string | null): Map<string, URLSearchParams> {
	const out = new Map<string, URLSearchParams>();
	if (!value) return out;
	let depth = 0;
	let current = '';
	const parts: string[] = [];
	for (const c of value) {
		if (c === '(') depth++;
		if (c === ')') depth--;
		if (c === ',' && depth === 0) {
			parts.push(current);
			current = '';
		} else current += c;
	}
	if (current.trim()) parts.push(current);
	for (const part of parts) {
		const m = /^\s*([A-Za-z_.]+)\s*(?:\((.*)\))?\s*$/.exec(part);
		if (!m) throw queryError(`Syntax error at position 0 in '${value}'.`);
		const params = new URLSearchParams();
		for (const option of (m[2] ?? '').split(';').filter(Boolean)) {
			const eq = option.indexOf('=');
			if (eq > 0) params.set(option.slice(0, eq).trim(), option.slice(eq + 1));
		}
		out.set(m[1], params);
	}
	return out;
}

export interface MetadataRequest {
	store: DataverseStore;
	apiBase: string;
	/** Path segments after EntityDefinitions, the first one carrying the key, e.g. ["EntityDefinitions(LogicalName='lead')", "Attributes"]. */
	segments: string[];
	params: URLSearchParams;
	strict: boolean;
}

function findEntity(store: DataverseStore, key: string): TableDef {
	const named = /^LogicalName\s*=\s*'([^']*)'$/i.exec(key.trim());
	if (named) {
		const def = store.tryDefinition(named[1]);
		if (!def) throw new DataverseError(404, '0x80040217', `Could not find an entity with the logical name '${named[1]}'.`);
		return def;
	}
	const id = key.trim().toLowerCase();
	for (const def of store.schema.values()) if (def.metadataId === id) return def;
	throw new DataverseError(404, '0x80040217', `Could not find an entity with the MetadataId '${key}'.`);
}

function findAttribute(def: TableDef, key: string): AttributeDef {
	const named = /^LogicalName\s*=\s*'([^']*)'$/i.exec(key.trim());
	const match = named
		? def.attributes.get(named[1])
		: [...def.attributes.values()].find((a) => a.metadataId === key.trim().toLowerCase());
	if (!match) throw new DataverseError(404, '0x80040217', `Could not find an attribute with the name '${named ? named[1] : key}' on entity '${def.logicalName}'.`);
	return match;
}

function splitKey(segment: string): { name: string; key?: string } {
	const m = /^([^()]+)(?:\((.*)\))?$/.exec(segment);
	if (!m) throw queryError('Bad Request - Error in query syntax.');
	return { name: m[1], key: m[2] };
}

function attributesResult(def: TableDef, attrs: AttributeDef[], params: URLSearchParams, castName: string | undefined, strict: boolean): Json[] {
	const select = parseList(params.get('$select'));
	const expand = parseExpandOptions(params.get('$expand'));
	const typeName = `Microsoft.Dynamics.CRM.${castName ?? 'AttributeMetadata'}`;
	const castTypes = castName ? CASTS[castName] : undefined;
	const allowed = (name: string) => {
		if (BASE_ATTRIBUTE_PROPERTIES.has(name)) return true;
		if (castTypes) return castTypes.some((t) => TYPE_PROPERTIES[t].includes(name));
		return !strict && Object.values(TYPE_PROPERTIES).some((list) => list.includes(name));
	};
	for (const name of expand.keys()) {
		if (!EXPANDABLE.has(name) || !castTypes || !castTypes.some((t) => TYPE_PROPERTIES[t].includes(name))) throw propertyNotFound(name, typeName);
	}
	const filterText = params.get('$filter');
	const predicate = filterText ? compileFilter(filterText, metadataFilterContext(typeName, ATTRIBUTE_FILTERABLE)) : undefined;
	const out: Json[] = [];
	for (const a of attrs) {
		const full = attributeMetadata(def, a);
		if (predicate && !predicate(full)) continue;
		const item = applySelect(full, select, typeName, allowed, ['@odata.type', 'MetadataId']);
		for (const [name, options] of expand) {
			let optionSet = optionSetOf(def, a);
			const optionSelect = parseList(options.get('$select'));
			if (optionSet && optionSelect) {
				const picked: Json = { MetadataId: optionSet.MetadataId };
				for (const key of optionSelect) {
					if (!['Options', 'TrueOption', 'FalseOption', 'Name', 'IsGlobal', 'OptionSetType', 'MetadataId', 'DisplayName', 'Description'].includes(key)) {
						throw propertyNotFound(key, 'Microsoft.Dynamics.CRM.OptionSetMetadata');
					}
					if (key in optionSet) picked[key] = optionSet[key];
				}
				optionSet = picked;
			}
			item[name] = name === 'GlobalOptionSet' ? null : optionSet;
		}
		out.push(item);
	}
	return out;
}

/** Handles GET …/EntityDefinitions… and returns the JSON body. */
export function handleMetadata(req: MetadataRequest): Json {
	const { store, apiBase, segments, params } = req;
	const first = splitKey(segments[0]);
	if (first.name !== 'EntityDefinitions') throw queryError(`Resource not found for the segment '${first.name}'.`, 404);
	const entitySelect = parseList(params.get('$select'));
	const entityAllowed = (name: string) => name in entityMetadata(store.schema.values().next().value as TableDef) || name === 'Attributes';

	if (first.key === undefined) {
		if (segments.length > 1) throw queryError(`Resource not found for the segment '${segments[1]}'.`, 404);
		const filterText = params.get('$filter');
		const predicate = filterText ? compileFilter(filterText, metadataFilterContext('Microsoft.Dynamics.CRM.EntityMetadata', ENTITY_FILTERABLE)) : undefined;
		const expand = parseExpandOptions(params.get('$expand'));
		const value: Json[] = [];
		for (const def of store.schema.values()) {
			const full = entityMetadata(def);
			if (predicate && !predicate(full)) continue;
			const item = applySelect(full, entitySelect, 'Microsoft.Dynamics.CRM.EntityMetadata', entityAllowed, ['MetadataId']);
			const attrs = expand.get('Attributes');
			if (attrs) item.Attributes = attributesResult(def, [...def.attributes.values()], attrs, undefined, req.strict);
			value.push(item);
		}
		return { '@odata.context': `${apiBase}/$metadata#EntityDefinitions${entitySelect ? `(${entitySelect.join(',')})` : ''}`, value };
	}

	const def = findEntity(store, first.key);
	if (segments.length === 1) {
		const expand = parseExpandOptions(params.get('$expand'));
		const item = applySelect(entityMetadata(def), entitySelect, 'Microsoft.Dynamics.CRM.EntityMetadata', entityAllowed, ['MetadataId']);
		const attrs = expand.get('Attributes');
		if (attrs) item.Attributes = attributesResult(def, [...def.attributes.values()], attrs, undefined, req.strict);
		return { '@odata.context': `${apiBase}/$metadata#EntityDefinitions${entitySelect ? `(${entitySelect.join(',')})` : ''}/$entity`, ...item };
	}

	const second = splitKey(segments[1]);
	if (second.name !== 'Attributes') throw queryError(`Resource not found for the segment '${segments[1]}'.`, 404);
	const castSegment = segments[2];
	let castName: string | undefined;
	if (castSegment !== undefined) {
		const m = /^Microsoft\.Dynamics\.CRM\.([A-Za-z]+)$/.exec(castSegment);
		if (!m || !CASTS[m[1]]) throw queryError(`Resource not found for the segment '${castSegment}'.`, 404);
		castName = m[1];
	}
	if (segments.length > 3) throw queryError(`Resource not found for the segment '${segments[3]}'.`, 404);
	const castTypes = castName ? CASTS[castName] : undefined;
	const select = parseList(params.get('$select'));
	const contextBase = `${apiBase}/$metadata#EntityDefinitions('${def.metadataId}')/Attributes${castName ? `/Microsoft.Dynamics.CRM.${castName}` : ''}${select ? `(${select.join(',')})` : ''}`;
	if (second.key !== undefined) {
		const a = findAttribute(def, second.key);
		if (castTypes && !castTypes.includes(a.type)) {
			throw new DataverseError(404, '0x80040217', `The attribute '${a.logicalName}' is not of type 'Microsoft.Dynamics.CRM.${castName}'.`);
		}
		const [item] = attributesResult(def, [a], params, castName, req.strict);
		return { '@odata.context': `${contextBase}/$entity`, ...item };
	}
	const attrs = [...def.attributes.values()].filter((a) => !castTypes || castTypes.includes(a.type));
	return { '@odata.context': contextBase, value: attributesResult(def, attrs, params, castName, req.strict) };
}

/** A compact CSDL document for `$metadata` (entity types, keys, properties, navigation properties). */
export function csdl(store: DataverseStore): string {
	const edm: Record<string, string> = {};
	const lines = [
		'<?xml version="1.0" encoding="utf-8"?>',
		'<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">',
		'<edmx:DataServices>',
		'<Schema Namespace="Microsoft.Dynamics.CRM" Alias="mscrm" xmlns="http://docs.oasis-open.org/odata/ns/edm">',
	];
	for (const def of store.schema.values()) {
		lines.push(`<EntityType Name="${def.logicalName}"><Key><PropertyRef Name="${def.primaryIdAttribute}" /></Key>`);
		for (const [property, a] of def.properties) {
			const type = edmFor(a, edm);
			lines.push(`<Property Name="${property}" Type="${type}"${a.maxLength ? ` MaxLength="${a.maxLength}"` : ''} />`);
		}
		for (const [nav, info] of def.navigation) {
			lines.push(`<NavigationProperty Name="${nav}" Type="mscrm.${info.target === '*' ? 'principal' : info.target}" Nullable="false" />`);
		}
		lines.push('</EntityType>');
	}
	lines.push('<EntityContainer Name="System">');
	for (const def of store.schema.values()) lines.push(`<EntitySet Name="${def.entitySetName}" EntityType="Microsoft.Dynamics.CRM.${def.logicalName}" />`);
	lines.push('</EntityContainer>', '</Schema>', '</edmx:DataServices>', '</edmx:Edmx>');
	return lines.join('\n');
}

function edmFor(a: AttributeDef, _cache: Record<string, string>): string {
	switch (a.type) {
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
			return a.format === 'DateOnly' ? 'Edm.Date' : 'Edm.DateTimeOffset';
		default:
			return 'Edm.Guid';
	}
}
