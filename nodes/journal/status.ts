import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import type { Outcome } from './outcomes';

/** The three lanes of the template, as the status page shows them. */
export type Lane = 'dynamicsToMarketoPersons' | 'marketoToDynamicsPersons' | 'oneWayRecords';

/** Hours of records-per-hour kept for the status page's chart (5 days). */
export const HOURS_KEPT = 120;
const HOUR_MS = 3600_000;

/** One trigger's state, as the status page reads it (bounded: at most HOURS_KEPT buckets). */
export interface TriggerStatus extends IDataObject {
	trigger: string;
	lane: Lane;
	/** When a batch last ended with its records synced (or reported). */
	lastSyncedAt: number | null;
	lastEmittedAt: number | null;
	/** Batches emitted and not ended yet. */
	running: number;
	/** Failed records of the last batch that ended. */
	lastRunFailed: number;
	/** Failed records over the kept hours. */
	failedByHour: Record<string, number>;
	/** Records synced, by hour (epoch hour → count). */
	syncedByHour: Record<string, number>;
	/** The last read stopped at its cap (or its time budget): more is waiting in the feed. */
	backlog: boolean;
	waitingForQuotaUntil: number | null;
	/** A full copy runs (first copy, expired change-tracking token, changed columns): since when, why. */
	resync: { since: string; reason: string } | null;
	/** Resyncs completed, most recent last (bounded). */
	resyncsDone: Array<{ since: string; reason: string; doneAt: number }>;
	lastProblem: string | null;
	/** Batches read again after n8n did not finish them. */
	recovered: number;
	/** The workflow the trigger belongs to. */
	workflowId: string;
	workflowName: string;
	/** Records failing now, by record id (until a later batch syncs them; bounded). */
	failed: Record<string, FailedRecord>;
	/** Failed records n8n reported only as a count (queue mode: the run data stays on the worker). */
	failedUncounted: number;
	/** Where the oldest batch with records still failing was read from: a replay reads again from there. */
	replayFrom: IDataObject | null;
	updatedAt: number;
}

/** One record that failed and has not synced since. */
export interface FailedRecord extends IDataObject {
	record: string;
	field: string;
	code: string;
	message: string;
	firstSeen: number;
	lastSeen: number;
	tries: number;
}

/** Failed records kept per trigger (the oldest drop out first). */
export const MAX_FAILED_KEPT = 500;

/** Where the status lives in the workflow's global static data (saved by n8n with the triggers' cursors). */
export const STATUS_KEY = 'marketoDynamicsSyncStatus';

/** The status of each trigger of this process, ahead of what n8n saved (outcomes arrive between polls). */
const live = new Map<string, TriggerStatus>();

function hourOf(ms: number): string {
	return String(Math.floor(ms / HOUR_MS));
}

function trimHours(buckets: Record<string, number>, now: number): Record<string, number> {
	const oldest = Math.floor(now / HOUR_MS) - HOURS_KEPT + 1;
	const out: Record<string, number> = {};
	for (const [hour, n] of Object.entries(buckets)) if (Number(hour) >= oldest) out[hour] = n;
	return out;
}

function blank(trigger: string, lane: Lane): TriggerStatus {
	return {
		trigger,
		lane,
		lastSyncedAt: null,
		lastEmittedAt: null,
		running: 0,
		lastRunFailed: 0,
		failedByHour: {},
		syncedByHour: {},
		backlog: false,
		waitingForQuotaUntil: null,
		resync: null,
		resyncsDone: [],
		lastProblem: null,
		recovered: 0,
		workflowId: '',
		workflowName: '',
		failed: {},
		failedUncounted: 0,
		replayFrom: null,
		updatedAt: Date.now(),
	};
}

/** Registry key: a trigger of one workflow. */
function keyOf(ctx: IPollFunctions, trigger: string): string {
	return `${ctx.getWorkflow().id ?? ''}:${trigger}`;
}

function globalStatus(ctx: IPollFunctions): IDataObject {
	const global = ctx.getWorkflowStaticData('global');
	global[STATUS_KEY] ??= {};
	return global[STATUS_KEY] as IDataObject;
}

/** Registers the trigger (its lane) and returns its status, from this process or from what n8n saved. */
export function statusOf(ctx: IPollFunctions, trigger: string, lane: Lane): TriggerStatus {
	const key = keyOf(ctx, trigger);
	let status = live.get(key);
	if (!status) {
		const saved = globalStatus(ctx)[trigger] as TriggerStatus | undefined;
		status = saved ? { ...blank(trigger, lane), ...(JSON.parse(JSON.stringify(saved)) as TriggerStatus), running: 0, lane } : blank(trigger, lane);
		live.set(key, status);
	}
	const workflow = ctx.getWorkflow();
	status.lane = lane;
	status.workflowId = String(workflow.id ?? '');
	status.workflowName = String(workflow.name ?? '');
	return status;
}

function liveOf(ctx: IPollFunctions, trigger: string): TriggerStatus | undefined {
	return live.get(keyOf(ctx, trigger));
}

/** Copies this process's status of the trigger into the static data n8n saves with the next batch. */
function publish(ctx: IPollFunctions, status: TriggerStatus): void {
	status.updatedAt = Date.now();
	status.syncedByHour = trimHours(status.syncedByHour, status.updatedAt);
	status.failedByHour = trimHours(status.failedByHour, status.updatedAt);
	globalStatus(ctx)[status.trigger] = JSON.parse(JSON.stringify(status)) as IDataObject;
}

export function noteState(ctx: IPollFunctions, trigger: string, change: Partial<TriggerStatus>): void {
	const status = liveOf(ctx, trigger);
	if (!status) return;
	Object.assign(status, change);
	publish(ctx, status);
}

export function noteEmitted(ctx: IPollFunctions, trigger: string, e: { records: number; backlog: boolean; open: number }): void {
	const status = liveOf(ctx, trigger);
	if (!status) return;
	status.lastEmittedAt = Date.now();
	status.running += 1;
	status.backlog = e.backlog;
	publish(ctx, status);
}

/** A poll that found nothing new: the feed is drained. */
export function notePoll(ctx: IPollFunctions, trigger: string, change: Partial<TriggerStatus> = {}): void {
	const status = liveOf(ctx, trigger);
	if (!status) return;
	Object.assign(status, change);
	publish(ctx, status);
}

/**
 * A resync started or ended (the trigger's cursor says so). `seen` is the resync the poll's pages
 * belonged to, when there was one: a small table can start and finish its resync in one poll.
 */
export function noteResync(ctx: IPollFunctions, trigger: string, current: { since: string; reason: string } | null, seen?: { since: string; reason: string }): void {
	const status = liveOf(ctx, trigger);
	if (!status) return;
	const started = seen ?? current;
	if (started && status.resync?.since !== started.since) {
		ctx.logger?.warn(`${trigger}: full resync started (${started.reason})`);
		status.resync = started;
	}
	const before = status.resync;
	if (before && !current) {
		status.resyncsDone = [...status.resyncsDone, { ...before, doneAt: Date.now() }].slice(-10);
		ctx.logger?.info(`${trigger}: full resync since ${before.since} complete`);
	}
	status.resync = current;
	publish(ctx, status);
}

/** What an emitted batch carried, for the outcome's bookkeeping. */
export interface EmittedBatch {
	/** The trigger's registry key (see `statusKey`). */
	key: string;
	records: number;
	/** The record ids of the batch (Dynamics row id, Marketo lead id). */
	ids: string[];
	from: IDataObject;
}

export function statusKey(ctx: IPollFunctions, trigger: string): string {
	return keyOf(ctx, trigger);
}

function text(value: unknown): string {
	if (typeof value === 'string') return value;
	if (value && typeof value === 'object' && typeof (value as IDataObject).message === 'string') return String((value as IDataObject).message);
	return value === undefined || value === null ? '' : JSON.stringify(value);
}

/** The record a failed item names: the id of the batch it belongs to (Dynamics row id, Marketo lead id), else any id it has. */
function failedId(item: IDataObject, batchIds: Set<string>): string {
	const d = (item.details ?? {}) as IDataObject;
	const candidates = [d.dynamicsId, d.marketoId, d.recordId, item.id, item.leadId, d.email].filter((c) => c !== undefined && c !== null && c !== '').map(String);
	return candidates.find((c) => batchIds.has(c)) ?? candidates[0] ?? '';
}

/** Keeps each failed record once (tries, first and last seen); drops those the batch synced. */
function bookFailures(status: TriggerStatus, batch: EmittedBatch, failures: IDataObject[] | undefined, failedCount: number, at: number): void {
	if (!failures) {
		status.failedUncounted = failedCount;
		if (failedCount && !status.replayFrom) status.replayFrom = batch.from;
		return;
	}
	status.failedUncounted = 0;
	const failedNow = new Set<string>();
	const batchIds = new Set(batch.ids);
	for (const item of failures) {
		const record = failedId(item, batchIds);
		if (!record) continue;
		failedNow.add(record);
		const d = (item.details ?? {}) as IDataObject;
		const before = status.failed[record];
		status.failed[record] = {
			record,
			field: text(d.field),
			code: text(d.code),
			message: text(item.error).slice(0, 500),
			firstSeen: before?.firstSeen ?? at,
			lastSeen: at,
			tries: (before?.tries ?? 0) + 1,
		};
	}
	for (const id of batch.ids) if (!failedNow.has(id)) delete status.failed[id];
	const kept = Object.values(status.failed).sort((a, b) => a.lastSeen - b.lastSeen);
	for (const old of kept.slice(0, Math.max(0, kept.length - MAX_FAILED_KEPT))) delete status.failed[old.record];
	if (Object.keys(status.failed).length === 0) status.replayFrom = null;
	else if (failedNow.size && !status.replayFrom) status.replayFrom = batch.from;
}

/** How an emitted batch ended (called when n8n settles the run, between polls). */
export function noteOutcome(batch: EmittedBatch, outcome: Outcome): void {
	const status = live.get(batch.key);
	if (!status) return;
	status.running = Math.max(0, status.running - 1);
	if (outcome.state === 'running') return;
	const hour = hourOf(outcome.at);
	if (outcome.state === 'done') {
		status.lastSyncedAt = outcome.at;
		status.lastRunFailed = outcome.failed;
		status.syncedByHour[hour] = (status.syncedByHour[hour] ?? 0) + Math.max(0, batch.records - outcome.failed);
		if (outcome.failed) status.failedByHour[hour] = (status.failedByHour[hour] ?? 0) + outcome.failed;
		bookFailures(status, batch, outcome.failures, outcome.failed, outcome.at);
		status.lastProblem = null;
	} else if (outcome.state === 'quota') {
		status.waitingForQuotaUntil = outcome.until;
		status.lastRunFailed = outcome.failed;
	} else if (outcome.state === 'retry') {
		status.lastProblem = `A run did not finish (${outcome.why}); its records are read again.`;
		status.recovered += 1;
	}
}

/** Replays asked for on the status page, by trigger key (this process; a restart forgets them). */
const replayAsked = new Set<string>();

/** The status page's "Replay failed records": each trigger with failed records reads again from where they were read. */
export function askReplay(workflowId?: string): number {
	let asked = 0;
	for (const [key, status] of live) {
		if (workflowId && status.workflowId !== workflowId) continue;
		if (!status.replayFrom) continue;
		replayAsked.add(key);
		asked++;
	}
	return asked;
}

/** Where a replay asked for reads from (taken once), or undefined. */
export function takeReplay(ctx: IPollFunctions, trigger: string): IDataObject | undefined {
	const key = keyOf(ctx, trigger);
	if (!replayAsked.delete(key)) return undefined;
	return live.get(key)?.replayFrom ?? undefined;
}

/** Every trigger status this process knows (the status page in one-process n8n reads these: fresher than static data). */
export function liveStatuses(): TriggerStatus[] {
	return [...live.values()].map((s) => JSON.parse(JSON.stringify(s)) as TriggerStatus);
}
