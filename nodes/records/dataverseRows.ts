import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { getAll, getByKeys, listColumns, tableInfo, type ColumnInfo } from '../transport/dataverseApi';
import { getByKeysInOneCall } from '../transport/dataverseBatchRead';
import { normaliseGuid } from '../transport/odata';

/**
 * Reading Dataverse rows by id, in chunks, with the annotations a sync needs: the target table of
 * polymorphic lookups (customerid, ownerid, connection records). Choice columns keep their numeric
 * values, exactly as the Dynamics 365 Trigger delivers them, so values compare alike whichever
 * way a record arrives. Built on the transport's getAll / getByKeys.
 */

export const LOOKUP_TABLE = '@Microsoft.Dynamics.CRM.lookuplogicalname';

export interface TableRef {
	table: string;
	entitySet: string;
	primaryId: string;
}

/** Standard tables the sync reads, so no metadata call is needed for them. */
export const KNOWN_TABLES: Record<string, TableRef> = {
	lead: { table: 'lead', entitySet: 'leads', primaryId: 'leadid' },
	contact: { table: 'contact', entitySet: 'contacts', primaryId: 'contactid' },
	account: { table: 'account', entitySet: 'accounts', primaryId: 'accountid' },
	opportunity: { table: 'opportunity', entitySet: 'opportunities', primaryId: 'opportunityid' },
	systemuser: { table: 'systemuser', entitySet: 'systemusers', primaryId: 'systemuserid' },
	team: { table: 'team', entitySet: 'teams', primaryId: 'teamid' },
	connection: { table: 'connection', entitySet: 'connections', primaryId: 'connectionid' },
	connectionrole: { table: 'connectionrole', entitySet: 'connectionroles', primaryId: 'connectionroleid' },
};

export async function tableRef(ctx: ApiContext, table: string): Promise<TableRef> {
	const known = KNOWN_TABLES[table];
	if (known) return known;
	const info = await tableInfo(ctx, table);
	return { table, entitySet: info.entitySet, primaryId: info.primaryId };
}

/** A GUID in Dataverse's form (lower case), or undefined. */
export const guid = normaliseGuid;

/** A lookup's id from a row: `_x_value` (Web API) or `x` (plain rows). */
export function lookupId(row: IDataObject, column: string): string | undefined {
	return guid(row[`_${column}_value`]) ?? guid(row[column]);
}

/** The table a polymorphic lookup points to, when Dataverse said so (annotation). */
export function lookupTable(row: IDataObject, column: string): string | undefined {
	const value = row[`_${column}_value${LOOKUP_TABLE}`] ?? row[`${column}${LOOKUP_TABLE}`];
	return typeof value === 'string' && value ? value.toLowerCase() : undefined;
}

/** All rows matching `filter` (follows nextLink), with lookup table annotations. */
export async function queryRows(ctx: ApiContext, entitySet: string, options: { filter?: string; select?: string[] } = {}): Promise<IDataObject[]> {
	return await getAll(ctx, { entitySet, filter: options.filter, select: options.select ? [...new Set(options.select)] : undefined, annotations: true });
}

/** Rows by primary key, in chunks; the map is keyed by lower-case id. Missing rows are absent. */
export async function rowsByIds(ctx: ApiContext, ref: TableRef, ids: Iterable<string>, select?: string[], extraFilter?: string): Promise<Map<string, IDataObject>> {
	const req = { entitySet: ref.entitySet, keyColumn: ref.primaryId, ids, select: select ? [ref.primaryId, ...select] : undefined };
	// One Dataverse call however many ids (the 50-id filters go as parts of one $batch).
	const rows = extraFilter ? await getByKeys(ctx, { ...req, extraFilter }) : await getByKeysInOneCall(ctx, req);
	const out = new Map<string, IDataObject>();
	for (const row of rows) {
		const id = guid(row[ref.primaryId]);
		if (id) out.set(id, row);
	}
	return out;
}

/** Rows whose lookup `column` points to one of `ids` (e.g. connections of opportunities). */
export async function rowsByLookup(ctx: ApiContext, ref: TableRef, column: string, ids: Iterable<string>, select?: string[], extraFilter?: string): Promise<IDataObject[]> {
	return await getByKeys(ctx, { entitySet: ref.entitySet, keyColumn: `_${column}_value`, ids, select, extraFilter });
}

/** The Web API property names of a table's readable columns (`_x_value` for lookups). */
export async function readableColumns(ctx: ApiContext, table: string): Promise<Map<string, ColumnInfo>> {
	const columns = await listColumns(ctx, table);
	const out = new Map<string, ColumnInfo>();
	for (const c of columns) {
		if (!c.readable || c.attributeOf) continue;
		const isLookup = ['Lookup', 'Customer', 'Owner'].includes(c.type);
		out.set(c.logicalName, c);
		if (isLookup) out.set(`_${c.logicalName}_value`, c);
	}
	return out;
}

/** Splits wanted columns into those the table has and those it lacks (deleted in Dynamics). */
export async function presentColumns(ctx: ApiContext, table: string, wanted: string[]): Promise<{ present: string[]; missing: string[] }> {
	const columns = await readableColumns(ctx, table);
	const present: string[] = [];
	const missing: string[] = [];
	for (const name of new Set(wanted)) (columns.has(name) ? present : missing).push(name);
	return { present, missing };
}

/** The $select name of a column: lookups are selected as `_x_value`. */
export function selectName(columns: Map<string, ColumnInfo>, name: string): string {
	const column = columns.get(name);
	if (column && ['Lookup', 'Customer', 'Owner'].includes(column.type) && !name.startsWith('_')) return `_${name}_value`;
	return name;
}
