import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { PollBudget } from '../../change-feed/limits';
import { getPage, isGuid, type Page } from '../../transport/dataverseApi';
import type { FetchPlan, FetchResult } from './changeTracking';
import type { RowBatch } from './items';
import { MAX_BOUNDARY_IDS, type DynamicsCursor } from './state';

const ISO_SECOND = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;
const BEFORE_ANY_ID = '00000000-0000-0000-0000-000000000000';

/** A timestamp as Dynamics reports it (whole seconds, UTC); undefined when it is not one. */
function toSecond(value: unknown): string | undefined {
	if (typeof value !== 'string' || !ISO_SECOND.test(value)) return undefined;
	return new Date(Math.floor(Date.parse(value) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function nextSecond(second: string): string {
	return new Date(Date.parse(second) + 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * Tables without change tracking: rows are read in modified-date order from a watermark. The poll
 * re-reads the watermark second itself (a row saved later within that second still comes) and drops
 * the ids it already output at that second. Deletes cannot be seen this way.
 *
 * When more than MAX_BOUNDARY_IDS rows share one second (a bulk update), the rest of that second is
 * read in id order instead, so polls stop re-reading it and the cursor shrinks again as it goes. A
 * row saved within that second after it was read through is then missed: the one case this mode
 * can miss, and only during bursts of over a thousand changes in one second.
 */
export async function readByModifiedDate(
	ctx: IPollFunctions,
	plan: FetchPlan & { primaryId: string; hasVersionNumber: boolean },
	start: DynamicsCursor,
	budget: PollBudget,
): Promise<FetchResult> {
	const cursor: DynamicsCursor = { ...start, boundaryIds: [...(start.boundaryIds ?? [])] };
	const pk = plan.primaryId;
	const watermark = toSecond(cursor.watermark);
	const draining = watermark !== undefined && cursor.drainAfterId !== undefined;
	let filter: string | undefined;
	let orderby: string;
	if (draining) {
		const after = isGuid(cursor.drainAfterId) ? cursor.drainAfterId : BEFORE_ANY_ID;
		filter = `modifiedon ge ${watermark} and modifiedon lt ${nextSecond(watermark)} and ${pk} gt ${after}`;
		orderby = `${pk} asc`;
	} else {
		filter = watermark ? `modifiedon ge ${watermark}` : undefined;
		orderby = `modifiedon asc,${pk} asc`;
	}

	// A row saved twice within one second keeps its modified second but gets a new row version: the
	// version tells "already output" from "changed again".
	const withVersion = plan.hasVersionNumber && !plan.select.includes('versionnumber');
	const select = withVersion ? [...plan.select, 'versionnumber'] : plan.select;
	const keyOf = (row: IDataObject) => `${String(row[pk] ?? '')}${row.versionnumber !== undefined && row.versionnumber !== null ? `@${String(row.versionnumber)}` : ''}`;

	const boundary = new Set(cursor.boundaryIds);
	const kept: IDataObject[] = [];
	const keys = new Map<IDataObject, string>();
	let lastId: string | undefined;
	let page: Page = await getPage(ctx, { entitySet: plan.entitySet, select, filter, orderby, pageSize: plan.pageSize, annotations: true });
	for (;;) {
		for (const row of page.rows) {
			const key = keyOf(row);
			lastId = String(row[pk] ?? '');
			if (withVersion) delete row.versionnumber;
			// The overlap: rows at the watermark second that were already output.
			if (watermark && toSecond(row.modifiedon) === watermark && boundary.has(key)) {
				// Read by id, a row is passed once: it needs no remembering after that.
				if (draining) boundary.delete(key);
				continue;
			}
			keys.set(row, key);
			kept.push(row);
		}
		if (!page.nextLink || kept.length + plan.pageSize > plan.cap || budget.exhausted) break;
		page = await getPage(ctx, { url: page.nextLink, pageSize: plan.pageSize, annotations: true });
	}
	const reachedEnd = !page.nextLink;

	if (draining) {
		if (reachedEnd) {
			// That second is done: continue after it.
			cursor.watermark = nextSecond(watermark);
			cursor.boundaryIds = [];
			cursor.drainAfterId = undefined;
		} else {
			cursor.drainAfterId = lastId ?? cursor.drainAfterId;
			cursor.boundaryIds = [...boundary];
		}
	} else {
		let current = watermark;
		let ids = boundary;
		for (const row of kept) {
			const second = toSecond(row.modifiedon);
			if (!second) continue;
			if (second !== current) {
				current = second;
				ids = new Set();
			}
			ids.add(keys.get(row)!);
		}
		cursor.watermark = current;
		cursor.boundaryIds = [...ids];
		if (ids.size > MAX_BOUNDARY_IDS && current) {
			if (reachedEnd) {
				// Every row of that second was read: continue after it instead of remembering them all.
				cursor.watermark = nextSecond(current);
				cursor.boundaryIds = [];
			} else {
				// Too many rows in one second to keep re-reading: read the rest of that second in id
				// order. The ids output so far stay remembered until the id cursor passes them.
				cursor.drainAfterId = BEFORE_ANY_ID;
			}
		}
	}

	const batch: RowBatch = { rows: kept, deleted: [], initialCopy: cursor.phase === 'initialCopy', resync: cursor.resync };
	if (reachedEnd && cursor.phase === 'initialCopy') {
		cursor.phase = 'changes';
		cursor.resync = undefined;
	}
	return { batches: [batch], cursor };
}
