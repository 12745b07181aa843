import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from './context';
import { DataverseApiError } from './dataverse';
import { executeBatch, getAll, getByKeys, KEYS_PER_QUERY, ROW_ANNOTATIONS, type BatchOperation } from './dataverseApi';
import { assertFieldName, normaliseGuid } from './odata';

/** GET parts per $batch: Dataverse takes up to 1000 requests in one batch [D-batch]. */
const PARTS_PER_BATCH = 1000;

/**
 * The rows of `getByKeys` in one request where it would take several: its GUID-only filters (50 ids
 * each, the URLs it always sent) go as the GET parts of one `$batch`, so 300 persons cost one
 * Dataverse call instead of six. Microsoft: "Batch requests can contain up to 1,000 individual
 * requests" and may hold GET requests outside change sets
 * (learn.microsoft.com/power-apps/developer/data-platform/webapi/execute-batch-operations-using-web-api).
 * A part that failed fails the read, as a plain GET would; a part with more rows than one page
 * follows its nextLink.
 */
export async function getByKeysInOneCall(
	ctx: ApiContext,
	req: { entitySet: string; keyColumn: string; ids: Iterable<unknown>; select?: string[] },
): Promise<IDataObject[]> {
	const unique = [...new Set([...req.ids].map(normaliseGuid).filter((id): id is string => !!id))];
	if (unique.length <= KEYS_PER_QUERY) return await getByKeys(ctx, req);
	assertFieldName(req.entitySet);
	assertFieldName(req.keyColumn);
	const select = req.select?.length ? [...new Set(req.select)] : undefined;
	select?.forEach(assertFieldName);
	const operations: BatchOperation[] = [];
	for (let i = 0; i < unique.length; i += KEYS_PER_QUERY) {
		const filter = unique.slice(i, i + KEYS_PER_QUERY).map((id) => `${req.keyColumn} eq ${id}`).join(' or ');
		const qs = [...(select ? [`$select=${select.join(',')}`] : []), `$filter=${encodeURIComponent(`(${filter})`)}`].join('&');
		operations.push({ method: 'GET', path: `${req.entitySet}?${qs}`, headers: { Prefer: ROW_ANNOTATIONS } });
	}
	const rows: IDataObject[] = [];
	for (let i = 0; i < operations.length; i += PARTS_PER_BATCH) {
		const results = await executeBatch(ctx, operations.slice(i, i + PARTS_PER_BATCH));
		for (const result of results) {
			if (result.status >= 400 || !result.body) {
				const message = result.error?.message ?? `HTTP ${result.status}`;
				throw new DataverseApiError(ctx.getNode(), result.status, result.error?.code ?? '', message);
			}
			rows.push(...((result.body.value as IDataObject[] | undefined) ?? []));
			const next = result.body['@odata.nextLink'];
			if (typeof next === 'string' && next) rows.push(...(await getAll(ctx, { url: next, annotations: true })));
		}
	}
	return rows;
}
