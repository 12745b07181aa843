import { NodeOperationError, type IPollFunctions } from 'n8n-workflow';

import { asNodeError } from '../../transport/context';
import type { PollBudget } from '../../change-feed/limits';
import { DeltaTokenExpiredError } from '../../transport/dataverse';
import { getPage, type Page } from '../../transport/dataverseApi';
import type { RowBatch } from './items';
import { freshCursor, type DynamicsCursor } from './state';

export interface FetchPlan {
	table: string;
	entitySet: string;
	select: string[];
	/** Rows per request; a poll reads whole pages only, so it never holds more than the cap. */
	pageSize: number;
	/** Most rows (and deletes) one poll reads. */
	cap: number;
}

export interface FetchResult {
	batches: RowBatch[];
	/** Where the next poll continues; stored only after the whole poll succeeded. */
	cursor: DynamicsCursor;
}

export const EXPIRED_TOKEN_REASON =
	'the change-tracking token expired (Dynamics keeps changes only for a limited number of days), so the whole table is read again';

/**
 * Dataverse change tracking: the first poll starts the initial copy (every row, page by page, the
 * nextLink kept between polls); its last page carries a deltaLink, and later polls follow it to get
 * only rows changed or deleted since. An expired delta token restarts the copy, flagged as a resync.
 */
export async function readTrackedChanges(ctx: IPollFunctions, plan: FetchPlan, start: DynamicsCursor, budget: PollBudget): Promise<FetchResult> {
	let cursor: DynamicsCursor = { ...start };
	const batches: RowBatch[] = [];
	let read = 0;
	let restarted = false;

	for (;;) {
		let page: Page;
		const initialCopy = cursor.phase === 'initialCopy';
		try {
			page = await getPage(
				ctx,
				cursor.link
					? { url: cursor.link, trackChanges: true, annotations: true, pageSize: plan.pageSize }
					: { entitySet: plan.entitySet, select: plan.select, trackChanges: true, annotations: true, pageSize: plan.pageSize },
			);
		} catch (error) {
			if (!(error instanceof DeltaTokenExpiredError) || restarted || !cursor.link) throw asNodeError(ctx, error);
			// Never a silent gap: read everything again, and say so on every item of the resync.
			restarted = true;
			cursor = freshCursor(cursor.mode, { reason: EXPIRED_TOKEN_REASON, startedAt: new Date().toISOString() }, cursor.excludedIds);
			cursor.seenUntil = start.seenUntil;
			continue;
		}
		read += page.rows.length + page.deleted.length;
		batches.push({ rows: page.rows, deleted: page.deleted, initialCopy, resync: cursor.resync });

		if (page.nextLink) {
			cursor.link = page.nextLink;
		} else if (page.deltaLink) {
			cursor.link = page.deltaLink;
			if (initialCopy) {
				// The copy is complete: from here on only changes come.
				cursor.phase = 'changes';
				cursor.resync = undefined;
			}
			break;
		} else if (initialCopy) {
			throw new NodeOperationError(ctx.getNode(), `Dynamics did not return a change-tracking link for table "${plan.table}"`, {
				description: 'Change tracking seems to be off for this table. Turn on "Track changes" for the table in Dynamics, or set Options → Change Detection to "Modified Date".',
			});
		} else {
			break;
		}
		if (read + plan.pageSize > plan.cap || budget.exhausted) break;
	}
	return { batches, cursor };
}
