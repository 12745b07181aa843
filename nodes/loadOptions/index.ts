import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { listActiveUsers, listColumns, listTables, readName } from '../transport/dataverseApi';
import { describeLeads, listCustomActivityTypes, listCustomObjects } from '../transport/marketoApi';

/**
 * Dropdown sources shared by several nodes, loaded live from Dataverse metadata and Marketo's
 * describe endpoints. A node's methods/ picks the ones it needs.
 */
export async function getDynamicsTables(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const tables = await listTables(this);
	return tables
		.map((t) => ({
			name: `${t.displayName} (${t.logicalName})`,
			value: t.logicalName,
			description: t.changeTracking ? 'Change tracking on: only changes are fetched' : 'No change tracking: polled by modified date',
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Columns of the table chosen in the node's `table` parameter. */
export async function getDynamicsColumns(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const table = String(this.getCurrentNodeParameter('table') ?? this.getNodeParameter('table', '') ?? '');
	if (!table) return [];
	const columns = await listColumns(this, table);
	return columns
		.filter((c) => c.readable && !c.attributeOf)
		.map((c) => ({ name: `${c.displayName} (${c.logicalName})`, value: readName(c), description: c.type }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

export async function getMarketoLeadFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const fields = await describeLeads(this);
	return fields
		.map((f) => ({ name: `${f.displayName} (${f.name})`, value: f.name, description: `${f.dataType}${f.readOnly ? ', read-only' : ''}` }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

/** Active Dynamics users, for owner pickers. */
export async function getSystemUsers(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const users = await listActiveUsers(this);
	return users
		.map((u) => ({ name: u.fullName || u.email || u.id, value: u.id, description: u.email }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

export async function getCustomActivityTypes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const types = await listCustomActivityTypes(this);
	return types.map((t) => ({ name: String(t.name ?? t.apiName), value: String(t.apiName), description: `Activity type ${String(t.id)}` }));
}

export async function getMarketoCustomObjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const types = await listCustomObjects(this);
	return types.map((o) => ({ name: o.displayName, value: o.name }));
}
