import { randomUUID } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';

import { asNodeError, type ApiContext } from './context';
import { dataverseCredentials, dataverseRequest, parseDataverseError } from './dataverse';
import { assertFieldName, entityPath, isGuid, normaliseGuid } from './odata';

/**
 * The instance annotations every row read asks for: the lookup's target table, and the display
 * text (FormattedValue) that carries a choice's label ("Web" for leadsourcecode 8) to Marketo.
 * Dataverse sends an annotation only when the Prefer header names it (or "*"): learn.microsoft.com/
 * power-apps/developer/data-platform/webapi/query/select-columns ("Formatted values").
 */
export const ROW_ANNOTATIONS = 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname,OData.Community.Display.V1.FormattedValue"';

/** Dataverse's largest page (Prefer: odata.maxpagesize). */
export const MAX_PAGE_SIZE = 5000;

export interface TableInfo {
	logicalName: string;
	entitySet: string;
	primaryId: string;
	primaryName?: string;
	displayName: string;
	changeTracking: boolean;
	isCustom: boolean;
}

export interface ColumnInfo {
	logicalName: string;
	displayName: string;
	type: string;
	required: boolean;
	maxLength?: number;
	readable: boolean;
	creatable: boolean;
	updatable: boolean;
	attributeOf?: string;
}

export interface Page {
	rows: IDataObject[];
	/** Ids of rows deleted since the delta token (change tracking only). */
	deleted: string[];
	nextLink?: string;
	deltaLink?: string;
	/** Whether Dataverse applied `odata.track-changes` (false for tables without change tracking). */
	tracking: boolean;
}

/** Metadata is cached per environment for a few minutes: field pickers and triggers ask often. */
const metadataCache = new Map<string, { at: number; value: unknown }>();
const METADATA_TTL_MS = 5 * 60_000;

/** One cache policy for every metadata read of the transport (tables, columns, choices, WhoAmI). */
export async function cached<T>(key: string, load: () => Promise<T>): Promise<T> {
	const hit = metadataCache.get(key);
	if (hit && Date.now() - hit.at < METADATA_TTL_MS) return hit.value as T;
	const value = await load();
	metadataCache.set(key, { at: Date.now(), value });
	return value;
}

export function clearMetadataCache(): void {
	metadataCache.clear();
}

function label(displayName: unknown, fallback: string): string {
	const text = (displayName as { UserLocalizedLabel?: { Label?: string } } | undefined)?.UserLocalizedLabel?.Label;
	return text || fallback;
}

export async function listTables(ctx: ApiContext): Promise<TableInfo[]> {
	const { environment } = await dataverseCredentials(ctx);
	return await cached(`${environment}|tables`, async () => {
		const response = await dataverseRequest(ctx, {
			method: 'GET',
			path: 'EntityDefinitions',
			qs: { $select: 'LogicalName,EntitySetName,DisplayName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsCustomEntity' },
		});
		return ((response.body as { value?: IDataObject[] }).value ?? []).map(toTableInfo);
	});
}

function toTableInfo(e: IDataObject): TableInfo {
	return {
		logicalName: String(e.LogicalName),
		entitySet: String(e.EntitySetName),
		primaryId: String(e.PrimaryIdAttribute),
		primaryName: e.PrimaryNameAttribute ? String(e.PrimaryNameAttribute) : undefined,
		displayName: label(e.DisplayName, String(e.LogicalName)),
		changeTracking: e.ChangeTrackingEnabled === true,
		isCustom: e.IsCustomEntity === true,
	};
}

export async function tableInfo(ctx: ApiContext, logicalName: string): Promise<TableInfo> {
	assertFieldName(logicalName);
	const table = (await listTables(ctx)).find((t) => t.logicalName === logicalName);
	if (!table) throw new Error(`Table "${logicalName}" does not exist in this Dataverse environment (or the sync identity cannot read it)`);
	return table;
}

export async function listColumns(ctx: ApiContext, logicalName: string): Promise<ColumnInfo[]> {
	assertFieldName(logicalName);
	const { environment } = await dataverseCredentials(ctx);
	return await cached(`${environment}|columns|${logicalName}`, async () => {
		const definitions = `EntityDefinitions(LogicalName='${logicalName}')/Attributes`;
		const response = await dataverseRequest(ctx, {
			method: 'GET',
			path: definitions,
			qs: { $select: 'LogicalName,DisplayName,AttributeType,AttributeTypeName,RequiredLevel,IsValidForRead,IsValidForCreate,IsValidForUpdate,AttributeOf' },
		});
		// MaxLength lives on the derived string metadata type only: ask for it through the cast.
		const strings = await dataverseRequest(ctx, {
			method: 'GET',
			path: `${definitions}/Microsoft.Dynamics.CRM.StringAttributeMetadata`,
			qs: { $select: 'LogicalName,MaxLength' },
		});
		const maxLengths = new Map(
			((strings.body as { value?: IDataObject[] }).value ?? []).map((a) => [String(a.LogicalName), a.MaxLength as number | undefined]),
		);
		return ((response.body as { value?: IDataObject[] }).value ?? []).map((a) => ({
			logicalName: String(a.LogicalName),
			displayName: label(a.DisplayName, String(a.LogicalName)),
			type: columnType(a),
			required: ['SystemRequired', 'ApplicationRequired'].includes(String((a.RequiredLevel as IDataObject | undefined)?.Value ?? '')),
			maxLength: maxLengths.get(String(a.LogicalName)) ?? undefined,
			readable: a.IsValidForRead !== false,
			creatable: a.IsValidForCreate !== false,
			updatable: a.IsValidForUpdate !== false,
			attributeOf: a.AttributeOf ? String(a.AttributeOf) : undefined,
		}));
	});
}

/**
 * A column's type; a multi-select choice is AttributeType "Virtual" with AttributeTypeName
 * "MultiSelectPicklistType" (learn.microsoft.com/power-apps/developer/data-platform/multi-select-picklist),
 * named "MultiSelectPicklist" here.
 */
function columnType(a: IDataObject): string {
	if ((a.AttributeTypeName as IDataObject | undefined)?.Value === 'MultiSelectPicklistType') return 'MultiSelectPicklist';
	return String(a.AttributeType ?? '');
}

/** The name a column has in Web API payloads: lookups read as `_x_value`. */
export function readName(column: ColumnInfo): string {
	return ['Lookup', 'Customer', 'Owner'].includes(column.type) ? `_${column.logicalName}_value` : column.logicalName;
}

/** The systemuser id of the sync's own identity (WhoAmI), used to skip its own changes. */
export async function whoAmI(ctx: ApiContext): Promise<string> {
	const { environment, credentials } = await dataverseCredentials(ctx);
	return await cached(`${environment}|whoami|${credentials.clientId}|${credentials.username ?? ''}`, async () => {
		const response = await dataverseRequest(ctx, { method: 'GET', path: 'WhoAmI' });
		return String((response.body as IDataObject).UserId);
	});
}

export interface UserInfo {
	id: string;
	fullName: string;
	email: string;
}

/** Active (enabled) users, for owner pickers: at most 1,000, cached like metadata. */
export async function listActiveUsers(ctx: ApiContext): Promise<UserInfo[]> {
	const { environment } = await dataverseCredentials(ctx);
	return await cached(`${environment}|activeUsers`, async () => {
		const rows = await getAll(ctx, { entitySet: 'systemusers', select: ['systemuserid', 'fullname', 'internalemailaddress'], filter: 'isdisabled eq false' }, 1000);
		return rows.map((u) => ({ id: String(u.systemuserid), fullName: String(u.fullname ?? ''), email: String(u.internalemailaddress ?? '') }));
	});
}

export interface PageRequest {
	/** A nextLink or deltaLink to follow unchanged. */
	url?: string;
	entitySet?: string;
	select?: string[];
	filter?: string;
	orderby?: string;
	pageSize?: number;
	trackChanges?: boolean;
	/** Add the row annotations (lookup tables for polymorphic lookups like customerid, display labels). */
	annotations?: boolean;
}

/** One page of rows (and, for a delta, deleted ids), with the links to continue. */
export async function getPage(ctx: ApiContext, req: PageRequest): Promise<Page> {
	const prefer: string[] = [`odata.maxpagesize=${Math.min(req.pageSize ?? MAX_PAGE_SIZE, MAX_PAGE_SIZE)}`];
	if (req.trackChanges) prefer.push('odata.track-changes');
	if (req.annotations) prefer.push(ROW_ANNOTATIONS);
	const qs: IDataObject = {};
	if (!req.url) {
		if (!req.entitySet) throw new Error('getPage needs an entity set or a link');
		assertFieldName(req.entitySet);
		if (req.select?.length) {
			req.select.forEach(assertFieldName);
			qs.$select = req.select.join(',');
		}
		if (req.filter) qs.$filter = req.filter;
		if (req.orderby) qs.$orderby = req.orderby;
	}
	const response = await dataverseRequest(ctx, {
		method: 'GET',
		...(req.url ? { url: req.url } : { path: req.entitySet }),
		qs,
		headers: { Prefer: prefer.join(',') },
	});
	const body = response.body as { value?: IDataObject[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };
	const rows: IDataObject[] = [];
	const deleted: string[] = [];
	for (const row of body.value ?? []) {
		const context = String(row['@odata.context'] ?? '');
		if (context.endsWith('$deletedEntity') || row.reason === 'deleted') deleted.push(String(row.id));
		else rows.push(row);
	}
	const applied = String(response.headers['preference-applied'] ?? '');
	return {
		rows,
		deleted,
		nextLink: body['@odata.nextLink'],
		deltaLink: body['@odata.deltaLink'],
		tracking: applied.includes('odata.track-changes') || Boolean(body['@odata.deltaLink']),
	};
}

/** All rows of a query (follows nextLink), at most `limit`. */
export async function getAll(ctx: ApiContext, req: PageRequest, limit = Infinity): Promise<IDataObject[]> {
	const rows: IDataObject[] = [];
	let page = await getPage(ctx, req);
	rows.push(...page.rows);
	while (page.nextLink && rows.length < limit) {
		page = await getPage(ctx, { url: page.nextLink, pageSize: req.pageSize, annotations: req.annotations });
		rows.push(...page.rows);
	}
	return rows.slice(0, limit);
}

/** GUIDs per `$filter` of `getByKeys`: keeps the URL well under Dataverse's limits. */
export const KEYS_PER_QUERY = 50;

/**
 * Rows whose `keyColumn` (the primary key, or a lookup's `_x_value`) is one of `ids`, in chunks of
 * GUID-only filters (never user text), with lookup table annotations. Invalid ids are ignored.
 */
export async function getByKeys(
	ctx: ApiContext,
	req: { entitySet: string; keyColumn: string; ids: Iterable<unknown>; select?: string[]; extraFilter?: string },
): Promise<IDataObject[]> {
	assertFieldName(req.keyColumn);
	const unique = [...new Set([...req.ids].map(normaliseGuid).filter((id): id is string => !!id))];
	const rows: IDataObject[] = [];
	for (let i = 0; i < unique.length; i += KEYS_PER_QUERY) {
		const keys = unique.slice(i, i + KEYS_PER_QUERY).map((id) => `${req.keyColumn} eq ${id}`);
		const filter = `(${keys.join(' or ')})${req.extraFilter ? ` and (${req.extraFilter})` : ''}`;
		rows.push(...(await getAll(ctx, { entitySet: req.entitySet, select: req.select ? [...new Set(req.select)] : undefined, filter, annotations: true })));
	}
	return rows;
}

export async function getRecord(ctx: ApiContext, entitySet: string, id: string, select?: string[]): Promise<IDataObject | undefined> {
	try {
		const response = await dataverseRequest(ctx, {
			method: 'GET',
			path: entityPath(entitySet, id),
			qs: select?.length ? { $select: select.join(',') } : {},
			headers: { Prefer: ROW_ANNOTATIONS },
		});
		return response.body as IDataObject;
	} catch (error) {
		if ((error as { status?: number }).status === 404) return undefined;
		throw asNodeError(ctx, error);
	}
}

/**
 * Creates a record under a client-chosen id (PATCH + If-None-Match: *), so a retry after a lost
 * answer can never create it twice: the repeat gets 412 and counts as created.
 */
export async function createRecord(ctx: ApiContext, entitySet: string, body: IDataObject, id: string = randomUUID(), itemIndex?: number): Promise<string> {
	try {
		await dataverseRequest(ctx, { method: 'PATCH', path: entityPath(entitySet, id), body, headers: { 'If-None-Match': '*' }, itemIndex });
	} catch (error) {
		if ((error as { status?: number }).status !== 412) throw asNodeError(ctx, error, itemIndex);
	}
	return id;
}

/** Updates an existing record (If-Match: * so a missing record is a 404, not an accidental create). */
export async function updateRecord(ctx: ApiContext, entitySet: string, id: string, body: IDataObject, itemIndex?: number): Promise<void> {
	await dataverseRequest(ctx, { method: 'PATCH', path: entityPath(entitySet, id), body, headers: { 'If-Match': '*' }, itemIndex });
}

/** Deletes a record; false when it was already gone (that counts as success). */
export async function deleteRecord(ctx: ApiContext, entitySet: string, id: string, itemIndex?: number): Promise<boolean> {
	try {
		await dataverseRequest(ctx, { method: 'DELETE', path: entityPath(entitySet, id), itemIndex });
		return true;
	} catch (error) {
		if ((error as { status?: number }).status === 404) return false;
		throw asNodeError(ctx, error, itemIndex);
	}
}

export interface BatchOperation {
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	/** Relative to the API root, e.g. "leads(<id>)". */
	path: string;
	body?: IDataObject;
	headers?: Record<string, string>;
}

export interface BatchResult {
	status: number;
	body?: IDataObject;
	error?: { code: string; message: string };
}

/**
 * Sends up to 1000 operations in one $batch. With `atomic`, they form one change set (all or
 * nothing); otherwise each stands alone and `Prefer: odata.continue-on-error` keeps going past
 * failures. Results come back in input order.
 */
export async function executeBatch(ctx: ApiContext, operations: BatchOperation[], options: { atomic?: boolean } = {}): Promise<BatchResult[]> {
	if (operations.length === 0) return [];
	if (operations.length > 1000) throw new Error('A Dataverse $batch holds at most 1000 operations');
	const { apiBase } = await dataverseCredentials(ctx);
	const batchId = `batch_${randomUUID()}`;
	const changeSetId = `changeset_${randomUUID()}`;
	const part = (op: BatchOperation, contentId: number) => {
		const lines = [
			'Content-Type: application/http',
			'Content-Transfer-Encoding: binary',
			...(options.atomic ? [`Content-ID: ${contentId}`] : []),
			'',
			`${op.method} ${apiBase}/${op.path} HTTP/1.1`,
			'Accept: application/json',
			...(op.body ? ['Content-Type: application/json; type=entry'] : []),
			...Object.entries(op.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
			'',
			op.body ? JSON.stringify(op.body) : '',
		];
		return lines.join('\r\n');
	};
	let body: string;
	if (options.atomic) {
		const inner = operations.map((op, i) => `--${changeSetId}\r\n${part(op, i + 1)}`).join('\r\n') + `\r\n--${changeSetId}--`;
		body = `--${batchId}\r\nContent-Type: multipart/mixed; boundary=${changeSetId}\r\n\r\n${inner}\r\n--${batchId}--\r\n`;
	} else {
		body = operations.map((op, i) => `--${batchId}\r\n${part(op, i + 1)}`).join('\r\n') + `\r\n--${batchId}--\r\n`;
	}
	const response = await dataverseRequest(ctx, {
		method: 'POST',
		path: '$batch',
		body,
		weight: operations.length,
		headers: {
			'Content-Type': `multipart/mixed; boundary=${batchId}`,
			...(options.atomic ? {} : { Prefer: 'odata.continue-on-error' }),
		},
	});
	const results = parseBatchResponse(String(response.body ?? ''), String(response.headers['content-type'] ?? ''));
	// Parts after a stop-on-error failure are missing: report them as not executed.
	while (results.length < operations.length) {
		results.push({ status: 424, error: { code: '', message: 'Not executed: an earlier operation in the same change set failed' } });
	}
	return results;
}

/** Reads the status line and JSON body of every part of a $batch answer (change sets flattened). */
export function parseBatchResponse(text: string, contentType: string): BatchResult[] {
	const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2] ?? /^--(\S+)/.exec(text.trimStart())?.[1];
	if (!boundary) return [];
	const results: BatchResult[] = [];
	for (const rawPart of text.split(`--${boundary}`)) {
		const part = rawPart.replace(/^\r?\n/, '');
		if (!part.trim() || part.startsWith('--')) continue;
		const nested = /Content-Type:\s*multipart\/mixed;\s*boundary=("?)([^";\r\n]+)\1/i.exec(part);
		if (nested) {
			results.push(...parseBatchResponse(part.slice(part.indexOf('\n') + 1), `multipart/mixed; boundary=${nested[2]}`));
			continue;
		}
		const statusMatch = /HTTP\/1\.1 (\d{3})/.exec(part);
		if (!statusMatch) continue;
		const status = Number(statusMatch[1]);
		const bodyStart = part.indexOf('{', statusMatch.index);
		let body: IDataObject | undefined;
		if (bodyStart >= 0) {
			const jsonText = part.slice(bodyStart).trim();
			try {
				body = JSON.parse(jsonText) as IDataObject;
			} catch {
				body = undefined;
			}
		}
		results.push({ status, body, error: status >= 400 ? parseDataverseError(body, status) : undefined });
	}
	return results;
}

export { isGuid };
