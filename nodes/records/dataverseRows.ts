import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { dataverseRequest } from '../transport/dataverse';
import { listColumns, MAX_PAGE_SIZE, tableInfo, type ColumnInfo } from '../transport/dataverseApi';
import { assertFieldName, isGuid } from '../transport/odata';

/**
 * Reading Dataverse rows by id, in chunks, with the annotations a sync needs: the target table of
 * polymorphic lookups (customerid, ownerid, connection records). Choice columns keep their numeric
 * values, exactly as the Dynamics 365 Trigger delivers them, so values compare alike whichever
 * way a record arrives. Built on the transport's dataverseRequest.
 */

export const LOOKUP_TABLE = '@Microsoft.Dynamics.CRM.lookuplogicalname';
const ANNOTATIONS = 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"';
/** Ids per $filter: keeps the URL far below Dataverse's limits (≈ 60 characters an id). */
export const IDS_PER_QUERY = 50;

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
export function guid(value: unknown): string | undefined {
	return isGuid(value) ? value.trim().toLowerCase() : undefined;
}

/** A lookup's id from a row: `_x_value` (Web API) or `x` (plain rows). */
export function lookupId(row: IDataObject, column: string): string | undefined {
	return guid(row[`_${column}_value`]) ?? guid(row[column]);
}

/** The table a polymorphic lookup points to, when Dataverse said so (annotation). */
export function lookupTable(row: IDataObject, column: string): string | undefined {
	const value = row[`_${column}_value${LOOKUP_TABLE}`] ?? row[`${column}${LOOKUP_TABLE}`];
	return typeof value === 'string' && value ? value.toLowerCase() : undefined;
}

/** All rows matching `filter` (follows nextLink). */
export async function queryRows(ctx: ApiContext, entitySet: string, options: { filter?: string; select?: string[] } = {}): Promise<IDataObject[]> {
	assertFieldName(entitySet);
	const qs: IDataObject = {};
	if (options.select?.length) {
		options.select.forEach(assertFieldName);
		qs.$select = [...new Set(options.select)].join(',');
	}
	if (options.filter) qs.$filter = options.filter;
	const headers = { Prefer: `odata.maxpagesize=${MAX_PAGE_SIZE},${ANNOTATIONS}` };
	const rows: IDataObject[] = [];
	let response = await dataverseRequest(ctx, { method: 'GET', path: entitySet, qs, headers });
	for (;;) {
		const body = response.body as { value?: IDataObject[]; '@odata.nextLink'?: string };
		rows.push(...(body.value ?? []));
		const next = body['@odata.nextLink'];
		if (!next) return rows;
		response = await dataverseRequest(ctx, { method: 'GET', url: next, headers });
	}
}

/** `(pk eq <id> or pk eq <id> …)`: GUID literals are validated, never user text. */
export function idFilter(primaryId: string, ids: string[]): string {
	assertFieldName(primaryId);
	const clean = ids.map((id) => guid(id)).filter((id): id is string => !!id);
	if (!clean.length) throw new Error('No valid record ID to look up');
	return `(${clean.map((id) => `${primaryId} eq ${id}`).join(' or ')})`;
}

/** Rows by primary key, in chunks; the map is keyed by lower-case id. Missing rows are absent. */
export async function rowsByIds(ctx: ApiContext, ref: TableRef, ids: Iterable<string>, select?: string[], extraFilter?: string): Promise<Map<string, IDataObject>> {
	const unique = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
	const out = new Map<string, IDataObject>();
	for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
		const chunk = unique.slice(i, i + IDS_PER_QUERY);
		const filter = idFilter(ref.primaryId, chunk) + (extraFilter ? ` and (${extraFilter})` : '');
		const rows = await queryRows(ctx, ref.entitySet, { filter, select: select ? [ref.primaryId, ...select] : undefined });
		for (const row of rows) {
			const id = guid(row[ref.primaryId]);
			if (id) out.set(id, row);
		}
	}
	return out;
}

/** Rows whose lookup `column` points to one of `ids` (e.g. connections of opportunities). */
export async function rowsByLookup(ctx: ApiContext, ref: TableRef, column: string, ids: Iterable<string>, select?: string[], extraFilter?: string): Promise<IDataObject[]> {
	const unique = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
	const out: IDataObject[] = [];
	for (let i = 0; i < unique.length; i += IDS_PER_QUERY) {
		const filter = idFilter(`_${column}_value`, unique.slice(i, i + IDS_PER_QUERY)) + (extraFilter ? ` and (${extraFilter})` : '');
		out.push(...(await queryRows(ctx, ref.entitySet, { filter, select })));
	}
	return out;
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
