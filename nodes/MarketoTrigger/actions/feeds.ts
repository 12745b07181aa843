import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { PollBudget } from '../../change-feed/limits';
import type { MarketoEnvelope } from '../../transport/marketo';
import { getDeletedLeads, getLeadChanges } from '../../transport/marketoApi';
import { MAX_PAGES_PER_POLL } from './defaults';

export interface FeedRead {
	activities: IDataObject[];
	/** Where the next poll continues (Marketo always returns a token; the last one is the cursor). */
	token: string;
}

const MARKETO_PAGE = 300;

export interface FeedLimits {
	/** Most activities to read. */
	cap: number;
	/** Most calls to make (Marketo can answer short or empty pages while more follow). */
	maxPages?: number;
}

/**
 * Pages one activity feed from `token` until Marketo says there is no more, the cap is reached, or
 * the poll's time or call budget is used up. Pages are requested no larger than what is left of the
 * cap, so a poll never holds more than `cap` activities.
 */
async function readFeed(
	fetchPage: (token: string, batchSize: number) => Promise<MarketoEnvelope>,
	token: string,
	limits: FeedLimits,
	budget: PollBudget,
): Promise<FeedRead> {
	const { cap, maxPages = MAX_PAGES_PER_POLL } = limits;
	const activities: IDataObject[] = [];
	let next = token;
	for (let pages = 1; ; pages++) {
		const envelope = await fetchPage(next, Math.min(MARKETO_PAGE, cap - activities.length));
		activities.push(...(envelope.result ?? []));
		if (envelope.nextPageToken) next = envelope.nextPageToken;
		if (!envelope.moreResult || activities.length >= cap || pages >= maxPages || budget.exhausted) break;
	}
	return { activities, token: next };
}

export async function readLeadChanges(ctx: IPollFunctions, token: string, fields: string[], limits: FeedLimits, budget: PollBudget): Promise<FeedRead> {
	return await readFeed(async (t, size) => await getLeadChanges(ctx, t, fields, size), token, limits, budget);
}

export async function readDeletedLeads(ctx: IPollFunctions, token: string, limits: FeedLimits, budget: PollBudget): Promise<FeedRead> {
	return await readFeed(async (t, size) => await getDeletedLeads(ctx, t, size), token, limits, budget);
}
