import { HOURS_KEPT, type FailedRecord, type Lane, type TriggerStatus } from '../../journal/status';

const HOUR_MS = 3600_000;

export const LANE_TITLES: Record<Lane, string> = {
	dynamicsToMarketoPersons: 'Dynamics 365 → Marketo: persons',
	marketoToDynamicsPersons: 'Marketo → Dynamics 365: persons',
	oneWayRecords: 'Dynamics 365 → Marketo: one-way records',
};

export type LaneState = 'waiting for quota' | 'failed' | 'resync' | 'in progress' | 'synced' | 'not started';

/** One lane of the status page, from the statuses of its triggers. */
export interface LaneView {
	lane: Lane;
	title: string;
	state: LaneState;
	/** One line saying what the state means, with its time. */
	stateText: string;
	lastSyncedAt: number | null;
	syncedLastHour: number;
	syncedLastDay: number;
	failedNow: number;
	/** More to read in a feed (the last read stopped at its cap, or a copy is running). */
	backlog: boolean;
	resync: { trigger: string; since: string; reason: string } | null;
	resyncsDone: Array<{ trigger: string; since: string; reason: string; doneAt: number }>;
	waitingForQuotaUntil: number | null;
	recovered: number;
	problem: string | null;
	/** Records synced per hour, oldest first, the last bucket being the current hour (HOURS_KEPT of them). */
	hourly: number[];
	triggers: string[];
	failed: Array<FailedRecord & { trigger: string }>;
}

export interface StatusModel {
	generatedAt: number;
	lanes: LaneView[];
	failedNow: number;
}

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

function sumHours(buckets: Record<string, number>, fromHour: number): number {
	let n = 0;
	for (const [hour, count] of Object.entries(buckets)) if (Number(hour) >= fromHour) n += count;
	return n;
}

function laneView(lane: Lane, statuses: TriggerStatus[], now: number): LaneView {
	const thisHour = Math.floor(now / HOUR_MS);
	const hourly = Array.from({ length: HOURS_KEPT }, () => 0);
	let lastSyncedAt: number | null = null;
	let running = 0;
	let backlog = false;
	let waitingForQuotaUntil: number | null = null;
	let resync: LaneView['resync'] = null;
	const resyncsDone: LaneView['resyncsDone'] = [];
	let problem: string | null = null;
	let recovered = 0;
	let uncounted = 0;
	const failed: LaneView['failed'] = [];
	for (const s of statuses) {
		for (const [hour, count] of Object.entries(s.syncedByHour)) {
			const index = Number(hour) - (thisHour - HOURS_KEPT + 1);
			if (index >= 0 && index < HOURS_KEPT) hourly[index] += count;
		}
		if (s.lastSyncedAt && (!lastSyncedAt || s.lastSyncedAt > lastSyncedAt)) lastSyncedAt = s.lastSyncedAt;
		running += s.running;
		backlog ||= s.backlog;
		if (s.waitingForQuotaUntil && s.waitingForQuotaUntil > now) waitingForQuotaUntil = Math.max(waitingForQuotaUntil ?? 0, s.waitingForQuotaUntil);
		if (s.resync && !resync) resync = { trigger: s.trigger, ...s.resync };
		for (const done of s.resyncsDone ?? []) resyncsDone.push({ trigger: s.trigger, ...done });
		problem ??= s.lastProblem;
		recovered += s.recovered;
		uncounted += s.failedUncounted ?? 0;
		for (const f of Object.values(s.failed ?? {})) failed.push({ ...f, trigger: s.trigger });
	}
	failed.sort((a, b) => b.lastSeen - a.lastSeen);
	const failedNow = failed.length + uncounted;
	const base = {
		lane,
		title: LANE_TITLES[lane],
		lastSyncedAt,
		syncedLastHour: statuses.reduce((n, s) => n + sumHours(s.syncedByHour, thisHour), 0),
		syncedLastDay: statuses.reduce((n, s) => n + sumHours(s.syncedByHour, thisHour - 23), 0),
		failedNow,
		backlog,
		resync,
		resyncsDone: resyncsDone.sort((a, b) => b.doneAt - a.doneAt).slice(0, 5),
		waitingForQuotaUntil,
		recovered,
		problem,
		hourly,
		triggers: statuses.map((s) => s.trigger),
		failed,
	};
	const synced = lastSyncedAt ? `last synced at ${time(lastSyncedAt)}` : 'nothing synced yet';
	if (waitingForQuotaUntil) return { ...base, state: 'waiting for quota', stateText: `Marketo's daily API quota is used up: waiting until ${time(waitingForQuotaUntil)}, then the stopped records go by themselves (${synced})` };
	if (failedNow) return { ...base, state: 'failed', stateText: `${failedNow} record(s) failing (${synced})` };
	if (resync) return { ...base, state: 'resync', stateText: `full resync of ${resync.trigger} since ${time(Date.parse(resync.since))}: ${resync.reason}` };
	if (running || backlog) return { ...base, state: 'in progress', stateText: `in progress (${synced})` };
	if (lastSyncedAt) return { ...base, state: 'synced', stateText: synced };
	return { ...base, state: 'not started', stateText: statuses.length ? 'nothing synced yet' : 'no trigger of this lane has polled in this n8n process yet' };
}

/** The page's content from the triggers' statuses (of one workflow, or all). */
export function statusModel(statuses: TriggerStatus[], now = Date.now()): StatusModel {
	const lanes = (Object.keys(LANE_TITLES) as Lane[]).map((lane) => laneView(lane, statuses.filter((s) => s.lane === lane), now));
	return { generatedAt: now, lanes, failedNow: lanes.reduce((n, l) => n + l.failedNow, 0) };
}
