/**
 * Service protection limits per user (api-limits.md): a sliding 300 s window of requests and a cap on
 * concurrent requests. Like Dataverse, a window limit trips only once it is already exceeded (a $batch
 * that starts under the limit may take it over), while concurrency fails at once.
 */
export class RequestWindow {
	/** [second, count] buckets, oldest first. */
	private buckets: Array<[number, number]> = [];
	private total = 0;

	constructor(
		private readonly windowMs: number,
		private readonly now: () => number,
	) {}

	private prune(now: number) {
		const oldestSecond = Math.floor((now - this.windowMs) / 1000);
		while (this.buckets.length && this.buckets[0][0] <= oldestSecond) {
			this.total -= this.buckets[0][1];
			this.buckets.shift();
		}
	}

	count(): number {
		this.prune(this.now());
		return this.total;
	}

	/** Milliseconds until the count drops below `limit` (0 when it is already below). */
	retryAfterMs(limit: number): number {
		const now = this.now();
		this.prune(now);
		if (this.total < limit) return 0;
		let excess = this.total - limit + 1;
		for (const [second, count] of this.buckets) {
			excess -= count;
			if (excess <= 0) return Math.max(1000, (second + 1) * 1000 + this.windowMs - now);
		}
		return this.windowMs;
	}

	record(n: number): void {
		const now = this.now();
		this.prune(now);
		const second = Math.floor(now / 1000);
		const last = this.buckets[this.buckets.length - 1];
		if (last && last[0] === second) last[1] += n;
		else this.buckets.push([second, n]);
		this.total += n;
	}
}

export interface Limits {
	requestsPer300s: number;
	concurrentRequests: number;
}

export const WINDOW_MS = 300_000;

export class ServiceProtection {
	private readonly windows = new Map<string, RequestWindow>();
	private readonly inFlight = new Map<string, number>();

	constructor(
		public limits: Limits,
		private readonly now: () => number,
	) {}

	private window(user: string): RequestWindow {
		let w = this.windows.get(user);
		if (!w) {
			w = new RequestWindow(WINDOW_MS, this.now);
			this.windows.set(user, w);
		}
		return w;
	}

	/** Milliseconds to wait when the user's request window is already full, else 0. */
	windowRetryAfterMs(user: string): number {
		return this.window(user).retryAfterMs(this.limits.requestsPer300s);
	}

	record(user: string, requests: number): void {
		this.window(user).record(requests);
	}

	remaining(user: string): number {
		return Math.max(0, this.limits.requestsPer300s - this.window(user).count());
	}

	/** Takes a concurrency slot; false when the user already has the maximum in flight. */
	enter(user: string): boolean {
		const current = this.inFlight.get(user) ?? 0;
		if (current >= this.limits.concurrentRequests) return false;
		this.inFlight.set(user, current + 1);
		return true;
	}

	leave(user: string): void {
		const current = this.inFlight.get(user) ?? 0;
		if (current <= 1) this.inFlight.delete(user);
		else this.inFlight.set(user, current - 1);
	}

	reset(): void {
		this.windows.clear();
	}
}
