import { NodeOperationError, type IDataObject, type INodeExecutionData, type IPollFunctions } from 'n8n-workflow';

import { readCursor, settingsFingerprint, writeCursor } from '../../change-feed/cursor';
import { boundedInteger, PollBudget } from '../../change-feed/limits';
import { getLeadsBy, getPagingToken } from '../../transport/marketoApi';
import { DEFAULT_ACTIVITIES_PER_POLL, MAX_ACTIVITIES_PER_POLL } from './defaults';
import { readDeletedLeads, readLeadChanges } from './feeds';
import { planFields, type FieldPlan } from './fields';
import type { MarketoTriggerItem } from '../../persons/itemShapes';
import { attachCurrent, deletedItems, mergeLeadChanges, type ActivityFilter } from './items';
import { TriggerJournal } from '../../journal/journal';
import { notePoll, statusOf } from '../../journal/status';

/** The Marketo Trigger's cursor: one paging token per activity feed. */
interface MarketoCursor {
	leadChangesToken?: string;
	deletedLeadsToken?: string;
}

/** Paging tokens are positions in the activity log, whatever the fields or events: they survive setting changes. */
const CURSOR_KEY = settingsFingerprint({ feed: 'marketo-activities' });
const SAMPLE_SIZE = 5;
const SAMPLE_DAYS = 7;
/** A sample reads a few pages of the last days, not the whole history. */
const SAMPLE_LIMITS = { cap: 300, maxPages: 5 };

type MarketoEvent = 'leadChanges' | 'newLeads' | 'deletedLeads';

interface Settings {
	events: Set<MarketoEvent>;
	picked: string[];
	cap: number;
	filter: ActivityFilter;
	startFrom?: Date;
}

function readSettings(ctx: IPollFunctions): Settings {
	const events = new Set(ctx.getNodeParameter('events', []) as MarketoEvent[]);
	if (!events.size) {
		throw new NodeOperationError(ctx.getNode(), 'No event chosen', { description: 'Choose at least one of Lead Changes, New Leads or Deleted Leads under Events.' });
	}
	const picked = ctx.getNodeParameter('fields', []) as string[] | string;
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	let startFrom: Date | undefined;
	if (options.startFrom) {
		startFrom = new Date(String(options.startFrom));
		if (Number.isNaN(startFrom.getTime())) {
			throw new NodeOperationError(ctx.getNode(), `Start From "${String(options.startFrom)}" is not a date`, { description: 'Use a date and time such as 2024-05-01T00:00:00Z.' });
		}
	}
	return {
		events,
		picked: (Array.isArray(picked) ? picked : String(picked).split(',')).map((f) => f.trim()).filter(Boolean),
		cap: boundedInteger(options.maxActivitiesPerPoll, DEFAULT_ACTIVITIES_PER_POLL, 1, MAX_ACTIVITIES_PER_POLL),
		filter: {
			leadChanges: events.has('leadChanges'),
			newLeads: events.has('newLeads'),
			skipApiChanges: options.skipApiChanges !== false,
			apiUser: typeof options.apiUser === 'string' && options.apiUser.trim() ? options.apiUser.trim() : undefined,
		},
		startFrom,
	};
}

async function checkedFields(ctx: IPollFunctions, picked: string[]): Promise<FieldPlan> {
	const plan = await planFields(ctx, picked);
	if (!plan.watched.length) {
		throw new NodeOperationError(ctx.getNode(), `None of the chosen fields exist in Marketo: ${plan.missing.join(', ')}`, {
			description: 'Pick the fields to watch again from the Fields list (Marketo needs at least one).',
		});
	}
	return plan;
}

/** Turns the activities of one poll into items, with every changed person's current values. */
async function buildItems(ctx: IPollFunctions, changes: IDataObject[], deletes: IDataObject[], settings: Settings, plan: FieldPlan): Promise<MarketoTriggerItem[]> {
	const merged = mergeLeadChanges(changes, settings.filter);
	if (merged.size) attachCurrent(merged.values(), await getLeadsBy(ctx, 'id', [...merged.keys()], plan.current), plan.current);
	const items = [...merged.values(), ...deletedItems(deletes)];
	if (plan.missing.length) for (const item of items) item.missingFields = plan.missing;
	return items;
}

/** "Fetch test event": recent activities shaped like real items; the cursor is neither read nor written. */
async function sample(ctx: IPollFunctions, settings: Settings, plan: FieldPlan, budget: PollBudget): Promise<MarketoTriggerItem[]> {
	const token = await getPagingToken(ctx, new Date(Date.now() - SAMPLE_DAYS * 86_400_000));
	const wantChanges = settings.filter.leadChanges || settings.filter.newLeads;
	const changes = wantChanges ? (await readLeadChanges(ctx, token, plan.watched, SAMPLE_LIMITS, budget)).activities : [];
	const deletes = settings.events.has('deletedLeads') ? (await readDeletedLeads(ctx, token, SAMPLE_LIMITS, budget)).activities : [];
	const items = await buildItems(ctx, changes, deletes, settings, plan);
	return items.slice(-SAMPLE_SIZE);
}

/**
 * One poll of the Marketo Trigger. The first active poll only takes paging tokens for "now" (or Start
 * From) and outputs nothing; later polls read lead changes and deleted leads from those tokens, and
 * store the new tokens only after every call succeeded.
 */
export async function pollMarketoActivities(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const settings = readSettings(this);
	const wantChanges = settings.filter.leadChanges || settings.filter.newLeads;
	const wantDeletes = settings.events.has('deletedLeads');
	const plan = wantChanges ? await checkedFields(this, settings.picked) : { watched: [], current: [], missing: [] };
	const budget = new PollBudget(this);

	if (this.getMode() === 'manual') {
		const items = await sample(this, settings, plan, budget);
		return items.length ? [this.helpers.returnJsonArray(items)] : null;
	}

	const staticData = this.getWorkflowStaticData('node');
	const trigger = this.getNode().name;
	statusOf(this, trigger, 'marketoToDynamicsPersons');
	// Batches n8n did not finish (crash, lost worker, Marketo's daily quota) are read again from their paging tokens.
	const journal = new TriggerJournal(this, staticData, CURSOR_KEY, trigger);
	const plan0 = journal.plan();
	if (plan0.kind === 'wait') {
		journal.save();
		return null;
	}
	const stored: MarketoCursor = readCursor<MarketoCursor>(staticData, CURSOR_KEY) ?? {};
	const cursor: MarketoCursor = plan0.kind === 'rewind' ? { ...stored, ...(plan0.from as MarketoCursor) } : stored;
	const from = { ...cursor };
	const missingChanges = wantChanges && !cursor.leadChangesToken;
	const missingDeletes = wantDeletes && !cursor.deletedLeadsToken;
	if (missingChanges || missingDeletes) {
		// First run (or a feed just switched on): start from now, without replaying history.
		const token = await getPagingToken(this, settings.startFrom ?? new Date());
		if (missingChanges) cursor.leadChangesToken = token;
		if (missingDeletes) cursor.deletedLeadsToken = token;
		writeCursor(staticData, CURSOR_KEY, cursor);
		return null;
	}

	const changes = wantChanges ? await readLeadChanges(this, cursor.leadChangesToken!, plan.watched, { cap: settings.cap }, budget) : undefined;
	const deletes = wantDeletes ? await readDeletedLeads(this, cursor.deletedLeadsToken!, { cap: settings.cap }, budget) : undefined;
	const items = await buildItems(this, changes?.activities ?? [], deletes?.activities ?? [], settings, plan);

	// A feed switched off forgets its position: switched on again, it starts from that moment.
	writeCursor(staticData, CURSOR_KEY, { leadChangesToken: changes?.token, deletedLeadsToken: deletes?.token });
	const backlog = (changes?.activities.length ?? 0) >= settings.cap || (deletes?.activities.length ?? 0) >= settings.cap;
	if (!items.length) {
		journal.save();
		notePoll(this, trigger, { backlog });
		return null;
	}
	const output = this.helpers.returnJsonArray(items);
	if (journal.emit(output, from as IDataObject, plan0.kind === 'rewind' ? plan0.tries : 0, backlog)) return null;
	return [output];
}
