import type { FieldType, ILoadOptionsFunctions, INodePropertyOptions, ResourceMapperField, ResourceMapperFields } from 'n8n-workflow';

import { getSystemUsers } from '../loadOptions';
import { DEFAULT_MAPPINGS, MARKER_FIELDS, type PersonTable } from '../mapping/defaultMappings';
import { listColumns, type ColumnInfo } from '../transport/dataverseApi';
import { describeLeads } from '../transport/marketoApi';
import { tableFromType } from './tables';

/** The person table the node's "Person Type" (or "Sync As") parameter names; lead when it says "detect". */
function currentTable(ctx: ILoadOptionsFunctions): PersonTable {
	for (const name of ['personType', 'syncAs']) {
		try {
			const value = ctx.getNodeParameter(name, '') as string;
			const table = tableFromType(value);
			if (table) return table;
		} catch {
			// parameter not on this node
		}
	}
	return 'lead';
}

function marketoFieldType(dataType: string): FieldType {
	switch (dataType.toLowerCase()) {
		case 'integer':
		case 'float':
		case 'currency':
		case 'score':
		case 'percent':
			return 'number';
		case 'boolean':
			return 'boolean';
		default:
			return 'string';
	}
}

function dynamicsFieldType(column: ColumnInfo): FieldType {
	switch (column.type) {
		case 'Integer':
		case 'BigInt':
		case 'Money':
		case 'Decimal':
		case 'Double':
			return 'number';
		case 'Boolean':
			return 'boolean';
		default:
			return 'string';
	}
}

const MARKERS = new Set<string>(Object.values(MARKER_FIELDS));

/**
 * An expression reading a value whichever node the item comes from: Dynamics 365 Trigger items
 * hold columns under `fields`, Marketo Trigger items hold fields under `current`, plain rows and
 * persons hold them at the top. The target system's own name is read last.
 */
function sourceExpression(dynamicsColumn: string, marketoField: string, target: 'marketo' | 'dynamics'): string {
	const dynamics = [`$json.fields?.${dynamicsColumn}`, `$json.${dynamicsColumn}`];
	const marketo = [`$json.current?.${marketoField}`, `$json.${marketoField}`];
	return `={{ ${(target === 'marketo' ? [...dynamics, ...marketo] : [...marketo, ...dynamics]).join(' ?? ')} }}`;
}

/**
 * Marketo lead fields for the resource mapper (live from describe). The native default mapping is
 * preselected: each mapped field starts with an expression that reads the Dynamics column (items
 * from the Dynamics 365 Trigger) or the Marketo field (items from Marketo) of the input item.
 */
export async function getMarketoColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const table = currentTable(this);
	const defaults = new Map(DEFAULT_MAPPINGS[table].map((m) => [m.marketo, m.dynamics]));
	const fields = await describeLeads(this);
	const out: ResourceMapperField[] = fields
		.filter((f) => !f.readOnly && f.name !== 'id')
		.map((f) => {
			const dynamics = defaults.get(f.name);
			return {
				id: f.name,
				displayName: f.displayName && f.displayName !== f.name ? `${f.displayName} (${f.name})` : f.name,
				required: false,
				defaultMatch: f.name === 'email',
				canBeUsedToMatch: f.name === 'email' || f.name === MARKER_FIELDS.id,
				display: true,
				type: marketoFieldType(f.dataType),
				removed: !dynamics,
				...(dynamics ? { defaultValue: sourceExpression(dynamics, f.name, 'marketo') } : {}),
				...(MARKERS.has(f.name) ? { removed: true } : {}),
			} satisfies ResourceMapperField;
		})
		.sort((a, b) => a.displayName.localeCompare(b.displayName));
	return { fields: out, emptyFieldsNotice: 'Marketo returned no writable lead fields for this API user' };
}

const PLAIN = new Set(['String', 'Memo', 'Integer', 'BigInt', 'Money', 'Decimal', 'Double', 'Boolean', 'DateTime', 'Picklist']);

/**
 * Columns of the Dynamics lead or contact table for the resource mapper (live from Dataverse
 * metadata), with the native default mapping preselected the same way.
 */
export async function getDynamicsColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	const table = currentTable(this);
	const defaults = new Map(DEFAULT_MAPPINGS[table].filter((m) => m.direction !== 'toMarketo').map((m) => [m.dynamics, m.marketo]));
	const columns = await listColumns(this, table);
	const out: ResourceMapperField[] = columns
		.filter((c) => (c.creatable || c.updatable) && !c.attributeOf && PLAIN.has(c.type))
		.map((c) => {
			const marketo = defaults.get(c.logicalName);
			return {
				id: c.logicalName,
				displayName: `${c.displayName} (${c.logicalName})`,
				required: false,
				defaultMatch: c.logicalName === 'emailaddress1',
				canBeUsedToMatch: c.type === 'String',
				display: true,
				type: dynamicsFieldType(c),
				removed: !marketo,
				...(marketo ? { defaultValue: sourceExpression(c.logicalName, marketo, 'dynamics') } : {}),
			} satisfies ResourceMapperField;
		})
		.sort((a, b) => a.displayName.localeCompare(b.displayName));
	return { fields: out, emptyFieldsNotice: `No writable columns found on the Dynamics ${table} table` };
}

/** Text columns of the chosen person table, for "Match On" pickers. */
export async function getPersonMatchColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const table = currentTable(this);
	const columns = await listColumns(this, table);
	return columns
		.filter((c) => c.type === 'String' && !c.attributeOf && c.readable)
		.map((c) => ({ name: `${c.displayName} (${c.logicalName})`, value: c.logicalName }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Columns of the chosen person table, for extra field mappings. */
export async function getPersonColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const table = currentTable(this);
	const columns = await listColumns(this, table);
	return columns
		.filter((c) => !c.attributeOf && c.readable && PLAIN.has(c.type))
		.map((c) => ({ name: `${c.displayName} (${c.logicalName})`, value: c.logicalName, description: c.type }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Dynamics users for an owner picker, after a "keep the default owner" choice. */
export async function getOwners(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const users = await getSystemUsers.call(this);
	return [{ name: "Default (Dynamics' Own Rules)", value: '', description: 'The record gets the owner Dynamics assigns: the sync identity' }, ...users];
}
