import type { ChangeDetection } from '../../persons/itemShapes';

/**
 * The Dynamics 365 Trigger's cursor, in the node's static data. Everything in it is bounded: links,
 * a few timestamps and at most a few thousand ids.
 */

export interface DynamicsCursor {
	mode: ChangeDetection;
	/** 'initialCopy' until the whole table was read once; then 'changes'. */
	phase: 'initialCopy' | 'changes';
	/**
	 * Change tracking: the nextLink of the page to read next (initial copy, or a long delta), or the
	 * deltaLink once caught up. Undefined before the first page.
	 */
	link?: string;
	/** Modified-date mode: rows modified at or after this time are read next. */
	watermark?: string;
	/** Modified-date mode: rows already output whose modifiedon equals the watermark (the overlap), as id@rowversion. */
	boundaryIds?: string[];
	/** Modified-date mode, many rows at one second: the last id output while reading that second by id. */
	drainAfterId?: string;
	/** Latest modifiedon seen so far (Dynamics' clock): rows created after it are 'created'. */
	seenUntil?: string;
	/** Set while a full resync runs (expired change-tracking token, removed column): why, and since when. */
	resync?: { reason: string; startedAt: string };
	/** The columns the cursor's links were made for; a change (column added or removed) means a resync. */
	select?: string[];
	/** Recently seen records the sync filter excluded, so a No → Yes flip can be told apart (bounded). */
	excludedIds: string[];
}

/** How many excluded ids are remembered for No → Yes detection (about 40 bytes each). */
export const MAX_EXCLUDED_IDS = 1000;
/** How many ids at the watermark second are remembered for de-duplication before reading that second by id. */
export const MAX_BOUNDARY_IDS = 1000;

export function freshCursor(mode: ChangeDetection, resync?: DynamicsCursor['resync'], excludedIds: string[] = []): DynamicsCursor {
	return { mode, phase: 'initialCopy', resync, excludedIds };
}
