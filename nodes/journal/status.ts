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
	updatedAt: number;
}

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
		updatedAt: Date.now(),
	};
}

function globalStatus(ctx: IPollFunctions): IDataObject {
	const global = ctx.getWorkflowStaticData('global');
	global[STATUS_KEY] ??= {};
	return global[STATUS_KEY] as IDataObject;
}

/** Registers the trigger (its lane) and returns its status, from this process or from what n8n saved. */
export function statusOf(ctx: IPollFunctions, trigger: string, lane: Lane): TriggerStatus {
	let status = live.get(trigger);
	if (!status) {
		const saved = globalStatus(ctx)[trigger] as TriggerStatus | undefined;
		status = saved ? { ...blank(trigger, lane), ...(JSON.parse(JSON.stringify(saved)) as TriggerStatus), running: 0, lane } : blank(trigger, lane);
		live.set(trigger, status);
	}
	status.lane = lane;
	return status;
}

/** Copies this process's status of the trigger into the static data n8n saves with the next batch. */
function publish(ctx: IPollFunctions, status: TriggerStatus): void {
	status.updatedAt = Date.now();
	status.syncedByHour = trimHours(status.syncedByHour, status.updatedAt);
	status.failedByHour = trimHours(status.failedByHour, status.updatedAt);
	globalStatus(ctx)[status.trigger] = JSON.parse(JSON.stringify(status)) as IDataObject;
}

export function noteState(ctx: IPollFunctions, trigger: string, change: Partial<TriggerStatus>): void {
	const status = live.get(trigger);
	if (!status) return;
	Object.assign(status, change);
	publish(ctx, status);
}

export function noteEmitted(ctx: IPollFunctions, trigger: string, e: { records: number; backlog: boolean; open: number }): void {
	const status = live.get(trigger);
	if (!status) return;
	status.lastEmittedAt = Date.now();
	status.running += 1;
	status.backlog = e.backlog;
	publish(ctx, status);
}

/** A poll that found nothing new: the feed is drained. */
export function notePoll(ctx: IPollFunctions, trigger: string, change: Partial<TriggerStatus> = {}): void {
	const status = live.get(trigger);
	if (!status) return;
	Object.assign(status, change);
	publish(ctx, status);
}

/** A resync started or ended (the trigger's cursor says so). */
export function noteResync(ctx: IPollFunctions, trigger: string, resync: { since: string; reason: string } | null): void {
	const status = live.get(trigger);
	if (!status) return;
	const before = status.resync;
	if (before && !resync) status.resyncsDone = [...status.resyncsDone, { ...before, doneAt: Date.now() }].slice(-10);
	if (resync && before?.since !== resync.since) ctx.logger?.warn(`${trigger}: full resync started (${resync.reason})`);
	if (before && !resync) ctx.logger?.info(`${trigger}: full resync since ${before.since} complete`);
	status.resync = resync;
	publish(ctx, status);
}

/** How an emitted batch ended (called when n8n settles the run, between polls). */
export function noteOutcome(trigger: string, records: number, outcome: Outcome): void {
	const status = live.get(trigger);
	if (!status) return;
	status.running = Math.max(0, status.running - 1);
	if (outcome.state === 'running') return;
	const hour = hourOf(outcome.at);
	if (outcome.state === 'done') {
		status.lastSyncedAt = outcome.at;
		status.lastRunFailed = outcome.failed;
		status.syncedByHour[hour] = (status.syncedByHour[hour] ?? 0) + Math.max(0, records - outcome.failed);
		if (outcome.failed) status.failedByHour[hour] = (status.failedByHour[hour] ?? 0) + outcome.failed;
		status.lastProblem = null;
	} else if (outcome.state === 'quota') {
		status.waitingForQuotaUntil = outcome.until;
		status.lastRunFailed = outcome.failed;
	} else if (outcome.state === 'retry') {
		status.lastProblem = `A run did not finish (${outcome.why}); its records are read again.`;
		status.recovered += 1;
	}
}

/** Every trigger status this process knows (the status page in one-process n8n reads these: fresher than static data). */
export function liveStatuses(): TriggerStatus[] {
	return [...live.values()].map((s) => JSON.parse(JSON.stringify(s)) as TriggerStatus);
}
