/** Marketo's instance-wide limits: 100 calls / 20 s (606), 10 in flight (615), daily quota (607). */
import { SlidingWindow } from '../common/counters';

export interface MarketoLimits {
	callsPer20Seconds: number;
	concurrentCalls: number;
	dailyQuota: number;
}

export const RATE_WINDOW_MS = 20_000;

const chicagoDay = new Intl.DateTimeFormat('en-CA', {
	timeZone: 'America/Chicago',
	year: 'numeric',
	month: '2-digit',
	day: '2-digit',
});

/** The quota day: it turns over at midnight in Marketo's time zone (America/Chicago). */
export function quotaDayOf(ms: number): string {
	return chicagoDay.format(new Date(ms));
}

export class LimitGate {
	limits: MarketoLimits;
	/** REST calls currently holding a concurrency slot. */
	inFlight = 0;
	private window: SlidingWindow;
	/** Accepted-call times in the current window, kept so a limit change can carry them over. */
	private accepted: number[] = [];
	private quotaUsedToday = 0;
	private quotaDay: string;

	constructor(
		limits: MarketoLimits,
		readonly now: () => number = Date.now,
	) {
		this.limits = { ...limits };
		this.window = this.newWindow();
		this.quotaDay = quotaDayOf(this.now());
	}

	private newWindow(): SlidingWindow {
		let replayAt: number | undefined;
		const w = new SlidingWindow(this.limits.callsPer20Seconds, RATE_WINDOW_MS, () => replayAt ?? this.now());
		// carry the calls still inside the window over to the new one, at their real times
		this.pruneAccepted();
		for (const t of this.accepted) {
			replayAt = t;
			w.tryAcquire();
		}
		replayAt = undefined;
		return w;
	}

	private pruneAccepted(): void {
		const cutoff = this.now() - RATE_WINDOW_MS;
		let drop = 0;
		while (drop < this.accepted.length && this.accepted[drop] <= cutoff) drop++;
		if (drop) this.accepted.splice(0, drop);
	}

	setLimits(l: Partial<MarketoLimits>): void {
		const rateChanged = l.callsPer20Seconds !== undefined && l.callsPer20Seconds !== this.limits.callsPer20Seconds;
		for (const key of ['callsPer20Seconds', 'concurrentCalls', 'dailyQuota'] as const) {
			const v = l[key];
			if (v !== undefined) {
				if (!Number.isFinite(v) || v < 0) throw new Error(`${key} must be a non-negative number`);
				this.limits[key] = v;
			}
		}
		if (rateChanged) this.window = this.newWindow();
	}

	/** On arrival: takes a concurrency slot, or false when the instance is at its limit (615). */
	arrive(): boolean {
		if (this.inFlight >= this.limits.concurrentCalls) return false;
		this.inFlight++;
		return true;
	}

	leave(): void {
		if (this.inFlight > 0) this.inFlight--;
	}

	private rollDay(): void {
		const day = quotaDayOf(this.now());
		if (day !== this.quotaDay) {
			this.quotaDay = day;
			this.quotaUsedToday = 0;
		}
	}

	/** False when today's quota is used up (607). Does not consume. */
	quotaAvailable(): boolean {
		this.rollDay();
		return this.quotaUsedToday < this.limits.dailyQuota;
	}

	/** Takes a slot in the 20 s window, or false (606). */
	tryRate(): boolean {
		const r = this.window.tryAcquire();
		if (!r.ok) return false;
		this.accepted.push(this.now());
		if (this.accepted.length > this.limits.callsPer20Seconds * 2 + 64) this.pruneAccepted();
		return true;
	}

	consumeQuota(): void {
		this.rollDay();
		this.quotaUsedToday++;
	}

	get quotaUsed(): number {
		this.rollDay();
		return this.quotaUsedToday;
	}

	callsInWindow(): number {
		return this.window.count();
	}

	/** Clears the window and today's quota (keeps the configured limits and in-flight count). */
	resetState(): void {
		this.accepted = [];
		this.window = this.newWindow();
		this.quotaUsedToday = 0;
		this.quotaDay = quotaDayOf(this.now());
	}
}
