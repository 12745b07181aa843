/** A filtered read as the simulator received it: tests prove no query matched more than intended. */
export interface QueryRecord {
	/** "GET leads" (Dataverse entity set) or "GET /rest/v1/leads.json" (Marketo route). */
	route: string;
	/** Dataverse: the $filter text. Marketo: the filterType. */
	filter: string;
	/** Marketo: the filterValues as split by Marketo (on commas), or the JSON input's key values. */
	values?: string[];
	/** Records the answer held. */
	matched: number;
}

/** Call counters every simulator keeps, readable by tests and benchmarks. */
export class Counters {
	calls = 0;
	inFlight = 0;
	peakConcurrency = 0;
	/** Calls per "METHOD /path" (ids and query strings left out by the caller). */
	byRoute: Record<string, number> = {};
	/** Limit answers given, by code (e.g. "606", "615", "607", "429"). */
	limitHits: Record<string, number> = {};
	/** Error answers given, by code. */
	errors: Record<string, number> = {};
	/** Every filtered read answered (Dataverse $filter, Marketo filterType/filterValues) and how many records it matched. */
	queries: QueryRecord[] = [];

	begin(route: string): () => void {
		this.calls++;
		this.byRoute[route] = (this.byRoute[route] ?? 0) + 1;
		this.inFlight++;
		if (this.inFlight > this.peakConcurrency) this.peakConcurrency = this.inFlight;
		let ended = false;
		return () => {
			if (ended) return;
			ended = true;
			this.inFlight--;
		};
	}

	hit(code: string | number): void {
		const key = String(code);
		this.limitHits[key] = (this.limitHits[key] ?? 0) + 1;
	}

	error(code: string | number): void {
		const key = String(code);
		this.errors[key] = (this.errors[key] ?? 0) + 1;
	}

	query(record: QueryRecord): void {
		this.queries.push(record);
	}

	reset(): void {
		this.queries = [];
		this.calls = 0;
		this.peakConcurrency = this.inFlight;
		this.byRoute = {};
		this.limitHits = {};
		this.errors = {};
	}

	snapshot() {
		return {
			calls: this.calls,
			inFlight: this.inFlight,
			peakConcurrency: this.peakConcurrency,
			byRoute: { ...this.byRoute },
			limitHits: { ...this.limitHits },
			errors: { ...this.errors },
			queries: [...this.queries],
		};
	}
}

/** Sliding-window counter: how many events happened in the last `windowMs`. */
export class SlidingWindow {
	private events: number[] = [];
	constructor(
		readonly limit: number,
		readonly windowMs: number,
		private readonly now: () => number = Date.now,
	) {}

	/** Records an event if under the limit; returns ms until a slot frees when over it. */
	tryAcquire(): { ok: true } | { ok: false; retryAfterMs: number } {
		const now = this.now();
		this.prune(now);
		if (this.events.length >= this.limit) {
			return { ok: false, retryAfterMs: Math.max(1, this.events[0] + this.windowMs - now) };
		}
		this.events.push(now);
		return { ok: true };
	}

	count(): number {
		this.prune(this.now());
		return this.events.length;
	}

	private prune(now: number) {
		let drop = 0;
		while (drop < this.events.length && this.events[drop] <= now - this.windowMs) drop++;
		if (drop) this.events.splice(0, drop);
	}
}
