import type { SimRequest, SimResponse } from './http';

/**
 * What a simulator does wrong on purpose. Rates are 0..1 per request; `count` faults fire on the
 * next N matching requests and then stop (deterministic tests use counts, soak runs use rates).
 */
export interface FaultSpec {
	/** Only requests whose path contains this string (default: every API request). */
	pathIncludes?: string;
	/** Only this HTTP method. */
	method?: string;
	/** Added latency in ms for every matching request. */
	latencyMs?: number;
	/** Destroy the socket without answering. */
	resetRate?: number;
	resetCount?: number;
	/** Accept the request and never answer (it is not handled: nothing is written). */
	timeoutRate?: number;
	timeoutCount?: number;
	/**
	 * Handle the request at once (its writes happen) but hold the answer back for `holdMs`, past the
	 * client's timeout: the client sees a timeout for a call that did reach the server.
	 */
	holdRate?: number;
	holdCount?: number;
	holdMs?: number;
	/** Answer with this canned response instead of the real one. */
	response?: SimResponse;
	responseRate?: number;
	responseCount?: number;
	/**
	 * Revoke every access token the platform has issued so far, then handle the request as usual (so
	 * it is rejected as the platform rejects a revoked token: Dataverse 401, Marketo 601). Models an
	 * admin revoking the sync's session, or a token dying before its expiry, at an exact point.
	 */
	revokeTokensRate?: number;
	revokeTokensCount?: number;
	/** Skip the first N matching requests before faults fire (e.g. "fail after the first page"). */
	afterCount?: number;
}

/** A request to handle now and answer only after `holdMs`. */
export interface HeldAnswer {
	holdMs: number;
}

export type FaultOutcome = 'reset' | 'timeout' | HeldAnswer | SimResponse | undefined;

export function isHeldAnswer(outcome: FaultOutcome): outcome is HeldAnswer {
	return typeof outcome === 'object' && outcome !== null && 'holdMs' in outcome;
}

export class FaultInjector {
	private specs: Array<FaultSpec & { seen: number }> = [];
	/**
	 * How many faults of each kind were injected. Of the held answers, `heldDue` were due by now and
	 * `heldPastClient` found their client gone (it had timed out and closed the connection).
	 */
	readonly injected = { reset: 0, timeout: 0, response: 0, held: 0, heldDue: 0, heldPastClient: 0, revoked: 0 };
	/** What revoking the tokens means for this simulator (set by the simulator; no-op otherwise). */
	onRevokeTokens?: () => void;

	add(spec: FaultSpec): void {
		this.specs.push({ ...spec, seen: 0 });
	}

	set(specs: FaultSpec[]): void {
		this.specs = specs.map((s) => ({ ...s, seen: 0 }));
	}

	clear(): void {
		this.specs = [];
	}

	list(): FaultSpec[] {
		return this.specs.map((spec) => {
			const { seen, ...rest } = spec;
			void seen;
			return rest;
		});
	}

	async before(req: SimRequest): Promise<FaultOutcome> {
		for (const spec of this.specs) {
			if (spec.pathIncludes && !req.url.href.includes(spec.pathIncludes)) continue;
			if (spec.method && spec.method.toUpperCase() !== req.method) continue;
			spec.seen++;
			if (spec.afterCount && spec.seen <= spec.afterCount) continue;
			if (spec.latencyMs) await new Promise((r) => setTimeout(r, spec.latencyMs));
			if (this.onRevokeTokens && take(spec, 'revokeTokensCount', spec.revokeTokensRate)) {
				this.injected.revoked++;
				this.onRevokeTokens();
			}
			if (take(spec, 'resetCount', spec.resetRate)) {
				this.injected.reset++;
				return 'reset';
			}
			if (take(spec, 'timeoutCount', spec.timeoutRate)) {
				this.injected.timeout++;
				return 'timeout';
			}
			if (spec.holdMs && take(spec, 'holdCount', spec.holdRate, true)) {
				this.injected.held++;
				return { holdMs: spec.holdMs };
			}
			if (spec.response && take(spec, 'responseCount', spec.responseRate, true)) {
				this.injected.response++;
				return spec.response;
			}
		}
		return undefined;
	}
}

function take(
	spec: FaultSpec & { seen: number },
	countKey: 'resetCount' | 'timeoutCount' | 'holdCount' | 'responseCount' | 'revokeTokensCount',
	rate: number | undefined,
	defaultAlways = false,
): boolean {
	const remaining = spec[countKey];
	if (remaining !== undefined) {
		if (remaining <= 0) return false;
		spec[countKey] = remaining - 1;
		return true;
	}
	if (rate !== undefined) return Math.random() < rate;
	return defaultAlways;
}
