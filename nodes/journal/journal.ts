import { randomUUID } from 'node:crypto';

import type { IDataObject, INodeExecutionData, IPollFunctions, IRun } from 'n8n-workflow';

import { classifyRun, forgetOutcome, outcomeOf, PROCESS_INSTANCE, setOutcome, settleOutcome, type Outcome } from './outcomes';
import { noteEmitted, noteOutcome, noteState, statusKey, takeReplay, type EmittedBatch } from './status';

/** One emitted batch whose end n8n has not confirmed yet (see README.md). */
export interface JournalEntry extends IDataObject {
	id: string;
	/** The cursor the batch was read from: the poll rewinds to it. */
	from: IDataObject;
	at: number;
	records: number;
	instance: string;
	tries: number;
}

interface StoredJournal {
	/** The cursor fingerprint the entries belong to (other settings: other feed, entries dropped). */
	settings: string;
	entries: JournalEntry[];
	/** Marketo's daily quota is used up: nothing is read before `until`, then again from `from`. */
	hold?: { until: number; from: IDataObject; at: number; tries: number };
}

export const RECOVERY_GRACE_ENV = 'MARKETO_DYNAMICS_SYNC_RECOVERY_GRACE_MS';
/** An entry of this process with no outcome after this long: its execution is lost. */
const LOST_AFTER_MS = 60 * 60_000;
/** Open entries per trigger: with that many unconfirmed, the trigger reads nothing new. */
export const MAX_OPEN_BATCHES = 20;
/** Sends of one stretch of the feed before the trigger leaves it to an admin. */
export const MAX_TRIES = 5;

function graceMs(): number {
	const configured = Number(process.env[RECOVERY_GRACE_ENV]);
	return Number.isFinite(configured) && configured >= 0 ? configured : 2 * 60_000;
}

/** Where the poll reads from, and what the journal says about it. */
export type Plan =
	| { kind: 'continue' }
	/** Read again from `from` (the oldest batch n8n did not finish); `tries` sends so far. */
	| { kind: 'rewind'; from: IDataObject; tries: number; why: string }
	/** Read nothing now: waiting for Marketo's quota, or too many batches open. */
	| { kind: 'wait'; why: string; until?: number };

/**
 * A trigger's journal of emitted-but-unconfirmed batches, in its node static data next to its
 * cursor (n8n writes both in one save when the batch is emitted).
 */
export class TriggerJournal {
	private stored: StoredJournal;
	/** Batches whose outcome this poll used: forgotten once the journal is written (a failing poll keeps them). */
	private settled: string[] = [];

	constructor(
		private readonly ctx: IPollFunctions,
		private readonly staticData: IDataObject,
		settings: string,
		private readonly trigger: string,
	) {
		const stored = staticData.journal as StoredJournal | undefined;
		this.stored = stored && stored.settings === settings ? (JSON.parse(JSON.stringify(stored)) as StoredJournal) : { settings, entries: [] };
	}

	get open(): number {
		return this.stored.entries.length;
	}

	/** Settles the entries n8n reported on, and decides where this poll reads from. */
	plan(now = Date.now()): Plan {
		const keep: JournalEntry[] = [];
		let restart: { entry: JournalEntry; why: string } | undefined;
		const entries = this.stored.entries;
		for (let i = 0; i < entries.length; i++) {
			const entry = entries[i];
			const outcome: Outcome | undefined = entry.instance === PROCESS_INSTANCE ? outcomeOf(entry.id) : undefined;
			let why: string | undefined;
			if (outcome?.state === 'done') {
				this.settled.push(entry.id);
				continue;
			}
			if (outcome?.state === 'quota') {
				this.settled.push(entry.id);
				this.holdFor(entry, outcome.until);
				continue;
			}
			if (outcome?.state === 'retry') why = outcome.why;
			else if (entry.instance !== PROCESS_INSTANCE && now - entry.at >= graceMs()) why = 'n8n restarted before the execution ended';
			else if (outcome?.state === 'running' && now - outcome.since >= LOST_AFTER_MS) why = `the execution did not end within ${LOST_AFTER_MS / 60_000} minutes`;
			if (why) {
				// This batch and every later one are read again: their outcomes no longer matter.
				restart = { entry, why };
				for (const later of entries.slice(i)) this.settled.push(later.id);
				break;
			}
			keep.push(entry);
		}
		this.stored.entries = keep;

		const hold = this.stored.hold;
		if (hold) {
			if (restart && restart.entry.at < hold.at) Object.assign(hold, { from: restart.entry.from, at: restart.entry.at, tries: restart.entry.tries });
			if (now < hold.until) {
				noteState(this.ctx, this.trigger, { waitingForQuotaUntil: hold.until });
				return { kind: 'wait', why: "waiting for Marketo's daily quota to reset", until: hold.until };
			}
			// The quota day turned over: read again from the first batch it stopped (later ones included).
			this.stored.hold = undefined;
			for (const entry of this.stored.entries) this.settled.push(entry.id);
			this.stored.entries = [];
			noteState(this.ctx, this.trigger, { waitingForQuotaUntil: null });
			return this.rewindOrGiveUp({ from: hold.from, tries: hold.tries, why: "Marketo's daily quota was reset" });
		}
		if (restart) return this.rewindOrGiveUp({ from: restart.entry.from, tries: restart.entry.tries, why: restart.why });
		const replay = takeReplay(this.ctx, this.trigger);
		if (replay) {
			for (const entry of this.stored.entries) this.settled.push(entry.id);
			this.stored.entries = [];
			this.ctx.logger?.info(`${this.trigger}: replaying failed records, as asked on the status page`);
			return { kind: 'rewind', from: replay, tries: 0, why: 'an admin asked to replay the failed records' };
		}
		if (this.stored.entries.length >= MAX_OPEN_BATCHES) {
			return { kind: 'wait', why: `${this.stored.entries.length} batches still running` };
		}
		return { kind: 'continue' };
	}

	/** Marketo's quota stopped this batch: wait until `until`, then read again from the earliest such batch. */
	private holdFor(entry: JournalEntry, until: number): void {
		const hold = this.stored.hold;
		if (!hold) {
			this.stored.hold = { until, from: entry.from, at: entry.at, tries: entry.tries };
			return;
		}
		hold.until = Math.max(hold.until, until);
		if (entry.at < hold.at) Object.assign(hold, { from: entry.from, at: entry.at, tries: entry.tries });
	}

	private rewindOrGiveUp(r: { from: IDataObject; tries: number; why: string }): Plan {
		if (r.tries >= MAX_TRIES) {
			const message = `${this.trigger}: a batch was sent ${r.tries} times and never finished (${r.why}); it is left to an admin (Executions → Retry)`;
			this.ctx.logger?.error(message);
			noteState(this.ctx, this.trigger, { lastProblem: message });
			return { kind: 'continue' };
		}
		this.ctx.logger?.info(`${this.trigger}: reading again what an unfinished execution had read (${r.why})`);
		return { kind: 'rewind', from: r.from, tries: r.tries, why: r.why };
	}

	/** Writes the journal (with no new entry) into the static data. */
	save(): void {
		this.staticData.journal = this.stored as unknown as IDataObject;
		for (const id of this.settled.splice(0)) forgetOutcome(id);
	}

	/**
	 * Journals the batch, then emits it with a `donePromise` so n8n tells this process how it ended.
	 * The cursor must already be in the static data: n8n saves both when the execution starts.
	 * Returns false when the context cannot take a `donePromise` (n8n-core's bare PollContext): the
	 * caller then returns the items, unjournaled.
	 */
	emit(items: INodeExecutionData[], from: IDataObject, tries: number, backlog: boolean): boolean {
		const entry: JournalEntry = { id: randomUUID(), from, at: Date.now(), records: items.length, instance: PROCESS_INSTANCE, tries: tries + 1 };
		this.stored.entries.push(entry);
		this.save();
		noteEmitted(this.ctx, this.trigger, { records: items.length, backlog, open: this.stored.entries.length });
		const done = this.ctx.helpers.createDeferredPromise<IRun | undefined>();
		try {
			this.ctx.__emit([items], undefined, done);
		} catch {
			this.stored.entries.pop();
			this.save();
			return false;
		}
		setOutcome(entry.id, { state: 'running', since: entry.at });
		const batch: EmittedBatch = {
			key: statusKey(this.ctx, this.trigger),
			records: items.length,
			ids: items.map((i) => String(i.json.id ?? i.json.leadId ?? '')),
			from,
		};
		done.promise.then(
			(run) => {
				const outcome = classifyRun(run);
				settleOutcome(entry.id, outcome);
				noteOutcome(batch, outcome);
			},
			(error: Error) => {
				const outcome: Outcome = { state: 'retry', at: Date.now(), why: error?.message ?? 'the execution was lost' };
				settleOutcome(entry.id, outcome);
				noteOutcome(batch, outcome);
			},
		);
		return true;
	}
}
