import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { getAll, listColumns, listTables, readName } from '../transport/dataverseApi';
import { describeLeads, listCustomActivityTypes } from '../transport/marketoApi';
import { marketoRequest } from '../transport/marketo';

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
	const users = await getAll(this, { entitySet: 'systemusers', select: ['systemuserid', 'fullname', 'internalemailaddress'], filter: 'isdisabled eq false' }, 1000);
	return users
		.map((u) => ({ name: String(u.fullname ?? u.internalemailaddress ?? u.systemuserid), value: String(u.systemuserid), description: String(u.internalemailaddress ?? '') }))
		.sort((a, b) => a.name.localeCompare(b.name));
}

export async function getCustomActivityTypes(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const types = await listCustomActivityTypes(this);
	return types.map((t) => ({ name: String(t.name ?? t.apiName), value: String(t.apiName), description: `Activity type ${String(t.id)}` }));
}

export async function getMarketoCustomObjects(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const envelope = await marketoRequest(this, { method: 'GET', path: '/v1/customobjects.json' });
	return (envelope.result ?? []).map((o) => ({ name: String(o.displayName ?? o.name), value: String(o.name) }));
}
