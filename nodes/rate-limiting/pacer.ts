import { sleep } from 'n8n-workflow';

import { sharedGateFor, type SharedGate } from './sharedGate';

export interface PacerBudget {
	/** Calls allowed in any window of `windowMs`. */
	callsPerWindow: number;
	windowMs: number;
	/** Calls allowed in flight at once. */
	concurrent: number;
}

type Clock = () => number;

/**
 * Keeps one API budget (calls per sliding window + calls in flight) for every caller that shares it.
 * Callers `acquire()` before a call and `release()` after. When the server still says "too many"
 * (606/615/429) the pacer pauses everyone and narrows the budget for a while, then widens it again.
 */
export class Pacer {
	private starts: number[] = [];
	private inFlight = 0;
	private pausedUntil = 0;
	private waiters: Array<{ resolve: (stampedAt: number) => void; weight: number }> = [];
	private pumping = false;
	/** Multiplier on the budget (≤ 1) after the server pushed back; recovers over time. */
	private squeeze = 1;
	private squeezedAt = 0;
	/** Calls made and pushbacks seen, for status output and benchmarks. */
	readonly stats = { calls: 0, pushbacks: 0, waitedMs: 0 };

	constructor(
		public budget: PacerBudget,
		private readonly now: Clock = Date.now,
		private readonly delay: (ms: number) => Promise<void> = sleep,
		/** The budget shared with other n8n processes (queue mode), taken after this process's own. */
		private readonly gate?: SharedGate,
	) {}

	/** Waits for a slot; `weight` is how many calls of the window this one uses (a $batch counts each part). */
	async acquire(weight = 1): Promise<() => void> {
		const started = this.now();
		const slots = Math.max(1, Math.min(weight, this.budget.callsPerWindow));
		// The window stamp the pump gave this call, so its answer can move exactly those entries.
		const grantedAt = await new Promise<number>((resolve) => {
			this.waiters.push({ resolve, weight: slots });
			void this.pump();
		});
		const releaseShared = this.gate ? await this.gate.acquire(weight) : undefined;
		this.stats.waitedMs += this.now() - started;
		this.stats.calls++;
		let released = false;
		return () => {
			if (released) return;
			released = true;
			releaseShared?.();
			this.inFlight--;
			this.restamp(grantedAt, Math.min(slots, this.budget.callsPerWindow));
			void this.pump();
		};
	}

	/**
	 * The server counts a call when it arrives, which can be well after the grant when the process is
	 * busy (a blocked event loop, a token fetch). Once the answer is in, the call surely arrived by now:
	 * keep it in the window from this moment, so the window never frees before the server's does.
	 */
	private restamp(grantedAt: number, slots: number): void {
		const now = this.now();
		let moved = 0;
		for (let i = 0; i < this.starts.length && moved < slots; ) {
			if (this.starts[i] === grantedAt) {
				this.starts.splice(i, 1);
				moved++;
			} else if (this.starts[i] > grantedAt) break;
			else i++;
		}
		// Every stamp is a grant or an answer time, never later than now: appending keeps the order.
		for (let i = 0; i < moved; i++) this.starts.push(now);
	}

	/** The server rejected a call for rate (606/429) or concurrency (615): back off for everyone. */
	pushback(kind: 'rate' | 'concurrency', retryAfterMs?: number): void {
		this.stats.pushbacks++;
		this.squeeze = Math.max(0.25, this.squeeze * 0.8);
		this.squeezedAt = this.now();
		const pause = retryAfterMs ?? (kind === 'rate' ? this.budget.windowMs / 4 : 1000);
		this.pausedUntil = Math.max(this.pausedUntil, this.now() + pause);
		this.gate?.pushback(pause);
		void this.pump();
	}

	private effective(): { calls: number; concurrent: number } {
		// Recover a step every full window without pushback.
		if (this.squeeze < 1 && this.now() - this.squeezedAt > this.budget.windowMs) {
			this.squeeze = Math.min(1, this.squeeze / 0.8);
			this.squeezedAt = this.now();
		}
		return {
			calls: Math.max(1, Math.floor(this.budget.callsPerWindow * this.squeeze)),
			concurrent: Math.max(1, Math.floor(this.budget.concurrent * (this.squeeze < 1 ? Math.max(0.5, this.squeeze) : 1))),
		};
	}

	private async pump(): Promise<void> {
		if (this.pumping) return;
		this.pumping = true;
		try {
			while (this.waiters.length > 0) {
				const now = this.now();
				if (now < this.pausedUntil) {
					await this.delay(this.pausedUntil - now);
					continue;
				}
				const { calls, concurrent } = this.effective();
				if (this.inFlight >= concurrent) return; // a release() pumps again
				while (this.starts.length && this.starts[0] <= now - this.budget.windowMs) this.starts.shift();
				const weight = Math.min(this.waiters[0].weight, calls);
				if (this.starts.length + weight > calls) {
					// Wait until enough of the oldest calls leave the window, with a little margin so
					// client and server clocks of the window agree.
					const oldestNeeded = this.starts[this.starts.length + weight - calls - 1];
					await this.delay(oldestNeeded + this.budget.windowMs - now + 25);
					continue;
				}
				for (let i = 0; i < weight; i++) this.starts.push(now);
				this.inFlight++;
				this.waiters.shift()!.resolve(now);
			}
		} finally {
			this.pumping = false;
		}
	}
}

/**
 * One pacer per API identity in this process, shared by every node and execution that uses it; in
 * queue mode each also takes its calls from the budget all n8n processes share in Redis.
 */
const registry = new Map<string, Pacer>();

export function sharedPacer(key: string, budget: PacerBudget): Pacer {
	let pacer = registry.get(key);
	if (!pacer) {
		const created: Pacer = new Pacer(budget, Date.now, sleep, sharedGateFor(key, () => created.budget));
		pacer = created;
		registry.set(key, pacer);
	} else if (
		pacer.budget.callsPerWindow !== budget.callsPerWindow ||
		pacer.budget.concurrent !== budget.concurrent ||
		pacer.budget.windowMs !== budget.windowMs
	) {
		pacer.budget = budget; // the credential's budget was edited
	}
	return pacer;
}
