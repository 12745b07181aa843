import type { IDataObject } from 'n8n-workflow';

import { rememberIds } from '../../change-feed/cursor';
import type { ChangeDetection, DynamicsTriggerItem } from '../../persons/itemShapes';
import { MAX_EXCLUDED_IDS, type DynamicsCursor } from './state';

/** What the poll knows when it turns rows into items. */
export interface ItemContext {
	table: string;
	primaryId: string;
	mode: ChangeDetection;
	filterColumn?: string;
	/** The sync identity (WhoAmI); its own changes are skipped unless included on purpose. */
	syncUserId?: string;
	missingFields: string[];
}

export interface RowBatch {
	rows: IDataObject[];
	deleted: string[];
	/** Rows of the initial copy (or a resync) are all 'created'. */
	initialCopy: boolean;
	resync?: DynamicsCursor['resync'];
}

import { syncFilterValue } from '../../mapping/syncFilter';


function time(value: unknown): number | undefined {
	if (typeof value !== 'string' || !value) return undefined;
	const ms = Date.parse(value);
	return Number.isNaN(ms) ? undefined : ms;
}

/** The later of two Dynamics timestamps. */
export function laterOf(a: string | undefined, b: unknown): string | undefined {
	const tb = time(b);
	if (tb === undefined) return a;
	const ta = time(a);
	return ta === undefined || tb > ta ? String(b) : a;
}

/**
 * Created or updated, by Dynamics' own clock: a row created after the latest modification the trigger
 * had seen is new; so is a row never modified since its creation at that same second.
 */
export function classify(row: IDataObject, seenUntil: string | undefined): 'created' | 'updated' {
	const created = time(row.createdon);
	const modified = time(row.modifiedon);
	const cursor = time(seenUntil);
	if (cursor === undefined || created === undefined) return 'created';
	if (created > cursor) return 'created';
	return created === cursor && modified === created ? 'created' : 'updated';
}

function fieldsOf(row: IDataObject, primaryId: string): IDataObject {
	const fields: IDataObject = {};
	for (const [key, value] of Object.entries(row)) {
		if (key.startsWith('@odata.') || key === primaryId) continue;
		fields[key] = value;
	}
	return fields;
}

/**
 * Turns fetched rows into items: loop suppression (the sync user's own changes), the sync filter
 * (No skips; a record seen with No that comes back with Yes or empty starts syncing as 'created'),
 * created/updated classification, deletes. Returns the items and the updated excluded-id memory.
 */
export function toItems(
	batch: RowBatch,
	ctx: ItemContext,
	cursor: Pick<DynamicsCursor, 'seenUntil' | 'excludedIds'>,
): { items: DynamicsTriggerItem[]; excludedIds: string[] } {
	const items: DynamicsTriggerItem[] = [];
	const excluded = new Set(cursor.excludedIds);
	const newlyExcluded: string[] = [];
	const extras = (): IDataObject => ({
		...(batch.resync ? { resync: true, notice: `Full resync of ${ctx.table}: ${batch.resync.reason}` } : {}),
		...(ctx.missingFields.length ? { missingFields: ctx.missingFields } : {}),
	});

	for (const row of batch.rows) {
		const id = String(row[ctx.primaryId] ?? '');
		if (!id) continue;
		const modifiedBy = typeof row._modifiedby_value === 'string' ? row._modifiedby_value : null;
		const syncFilter = ctx.filterColumn ? syncFilterValue(row[ctx.filterColumn]) : null;
		if (syncFilter === false) {
			// Yes → No stops updates and leaves the Marketo record: the record is simply not output.
			newlyExcluded.push(id);
			continue;
		}
		if (ctx.syncUserId && modifiedBy && modifiedBy.toLowerCase() === ctx.syncUserId.toLowerCase()) {
			continue;
		}
		const startSync = !batch.initialCopy && excluded.has(id);
		if (startSync) excluded.delete(id);
		items.push({
			table: ctx.table,
			id,
			operation: batch.initialCopy || startSync ? 'created' : classify(row, cursor.seenUntil),
			modifiedon: typeof row.modifiedon === 'string' ? row.modifiedon : null,
			modifiedBy,
			fields: fieldsOf(row, ctx.primaryId),
			syncFilter,
			changeDetection: ctx.mode,
			...(startSync ? { startSync: true } : {}),
			...extras(),
		});
	}
	for (const id of batch.deleted) {
		excluded.delete(id);
		items.push({
			table: ctx.table,
			id,
			operation: 'deleted',
			modifiedon: null,
			modifiedBy: null,
			fields: {},
			syncFilter: null,
			changeDetection: ctx.mode,
			...extras(),
		});
	}
	return { items, excludedIds: rememberIds([...excluded], newlyExcluded, MAX_EXCLUDED_IDS) };
}

/**
 * The item that closes a full resync of a person table (after an expired change-tracking token,
 * or changed columns): a 'deleted' item with `reconcile: true` and no id, so the template's
 * "Deleted in Dynamics?" IF sends it to Delete Person, which applies the delete policy to the
 * Marketo persons linked to rows that no longer exist.
 */
export function reconcileItem(table: string, mode: ChangeDetection, resync: NonNullable<DynamicsCursor['resync']>): DynamicsTriggerItem {
	return {
		table,
		id: '',
		operation: 'deleted',
		reconcile: true,
		modifiedon: null,
		modifiedBy: null,
		fields: {},
		syncFilter: null,
		changeDetection: mode,
		resync: true,
		notice: `Full resync of ${table} finished (${resync.reason}): Marketo persons linked to rows that no longer exist are handled by the delete policy`,
	};
}
