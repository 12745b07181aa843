/**
 * Marketo REST + Identity simulator: a real HTTP server on loopback that follows Marketo's shapes,
 * limits and error envelopes. REST lives under <url>/rest, Identity under <url>/identity, the
 * admin API under <url>/__sim.
 */
import type { QueryRecord } from '../common/counters';
import { FaultInjector, isHeldAnswer, type FaultOutcome } from '../common/faults';
import { SimServer, type SimRequest, type SimResponse } from '../common/http';
import { handleAdmin } from './admin';
import { TokenStore, handleIdentity } from './identity';
import { LimitGate, type MarketoLimits } from './limits';
import { handleRest, routeName, type Arrival } from './router';
import { MarketoStore } from './store';
import type { MarketoLead, WriteContext } from './types';
import { SOURCE_UI } from './types';

export { MarketoStore, ObjectTable } from './store';
export type { LeadFieldInput } from './store';
export type { MarketoLead, ObjectRecord, ActivityRecord, WriteContext } from './types';
export type { FieldDef, DataType } from './util';
export type { ObjectTypeDef, CustomObjectTypeInput } from './object-types';
export type { MarketoLimits } from './limits';
export { SOURCE_API, SOURCE_UI } from './types';

export interface MarketoSimulatorOptions {
	clientId?: string;
	clientSecret?: string;
	/** Instance rate limit (606 beyond), default 100. */
	callsPer20Seconds?: number;
	/** Instance concurrency limit (615 beyond), default 10. */
	concurrentCalls?: number;
	/** Daily quota (607 beyond), default 50000. */
	dailyQuota?: number;
	tokenTtlSeconds?: number;
	/** The token's scope (the API-only user), default 'sync@example.com'. */
	apiUserEmail?: string;
	/** Seed the full lead schema, the dynamicsSyncError activity type and dynamicsProject_c (default true). */
	seedDefaults?: boolean;
}

/** The user a simulated Marketo UI session writes as. */
export const UI_USER = 'marketer@example.com';

/**
 * Runs arrival bookkeeping before the shared fault injection, so fault latency counts as time in
 * flight (concurrency limit, peak concurrency), as a slow Marketo would.
 */
class ArrivalFaultInjector extends FaultInjector {
	onArrive?: (req: SimRequest) => void;
	onAbort?: (req: SimRequest) => void;

	override async before(req: SimRequest): Promise<FaultOutcome> {
		this.onArrive?.(req);
		let outcome: FaultOutcome;
		try {
			outcome = await super.before(req);
		} catch (error) {
			this.onAbort?.(req);
			throw error;
		}
		// A held answer is handled like any request (its arrival stands); only the answer is late.
		if (outcome !== undefined && !isHeldAnswer(outcome)) this.onAbort?.(req);
		return outcome;
	}
}

class MarketoSimServer extends SimServer {
	override readonly faults = new ArrivalFaultInjector();
}

interface ArrivalRecord extends Arrival {
	end: () => void;
}

export class MarketoSimulator {
	readonly server: SimServer;
	readonly store: MarketoStore;
	/** Rate window, concurrency slots and daily quota (readable by tests). */
	readonly limits: LimitGate;
	readonly tokens: TokenStore;
	private readonly opts: Required<MarketoSimulatorOptions>;
	private readonly arrivals = new WeakMap<SimRequest, ArrivalRecord>();

	constructor(opts: MarketoSimulatorOptions = {}) {
		this.opts = {
			clientId: opts.clientId ?? 'mkto-client',
			clientSecret: opts.clientSecret ?? 'mkto-secret',
			callsPer20Seconds: opts.callsPer20Seconds ?? 100,
			concurrentCalls: opts.concurrentCalls ?? 10,
			dailyQuota: opts.dailyQuota ?? 50000,
			tokenTtlSeconds: opts.tokenTtlSeconds ?? 3600,
			apiUserEmail: opts.apiUserEmail ?? 'sync@example.com',
			seedDefaults: opts.seedDefaults ?? true,
		};
		this.store = new MarketoStore(this.opts.seedDefaults, this.opts.apiUserEmail);
		this.limits = new LimitGate(this.initialLimits());
		this.tokens = new TokenStore();
		const server = new MarketoSimServer('Marketo', (req) => this.handle(req));
		server.faults.onArrive = (req) => this.arrive(req);
		server.faults.onAbort = (req) => this.finish(req);
		server.faults.onRevokeTokens = () => this.revokeTokens();
		this.server = server;
	}

	private initialLimits(): MarketoLimits {
		return {
			callsPer20Seconds: this.opts.callsPer20Seconds,
			concurrentCalls: this.opts.concurrentCalls,
			dailyQuota: this.opts.dailyQuota,
		};
	}

	/** Starts on loopback; returns the base URL (REST at <url>/rest, Identity at <url>/identity). */
	start(port = 0): Promise<string> {
		return this.server.start(port);
	}

	stop(): Promise<void> {
		return this.server.stop();
	}

	get url(): string {
		return this.server.url;
	}

	// ------------------------------------------------------------------ request flow

	private arrive(req: SimRequest): void {
		if (this.arrivals.has(req) || req.path.startsWith('/__sim/')) return;
		const end = this.server.counters.begin(routeName(req));
		const rest = !req.path.startsWith('/identity/');
		this.arrivals.set(req, { end, slot: rest ? this.limits.arrive() : false });
	}

	private finish(req: SimRequest): void {
		const a = this.arrivals.get(req);
		if (!a) return;
		this.arrivals.delete(req);
		a.end();
		if (a.slot) this.limits.leave();
	}

	private handle(req: SimRequest): SimResponse {
		if (req.path.startsWith('/__sim/')) return handleAdmin(this, req);
		this.arrive(req);
		try {
			if (req.path.startsWith('/identity/')) {
				return handleIdentity(req, this.tokens, this.opts);
			}
			return handleRest(
				req,
				{
					store: this.store,
					tokens: this.tokens,
					limits: this.limits,
					counters: this.server.counters,
					apiUserEmail: this.opts.apiUserEmail,
				},
				this.arrivals.get(req)!,
			);
		} finally {
			this.finish(req);
		}
	}

	// ------------------------------------------------------------------ the Marketo UI (a human, not the API user)

	private uiContext(): WriteContext {
		return { source: SOURCE_UI, user: UI_USER };
	}

	private prepare(fields: Record<string, unknown>): Record<string, unknown> {
		const { values, reasons } = this.store.prepareLeadValues(fields);
		if (reasons.length) throw new Error(reasons.map((r) => `${r.code} ${r.message}`).join('; '));
		return values;
	}

	/** Changes fields as a person in the UI would: Change Data Value activities with Source 'Marketo UI'. */
	uiUpdateLead(id: number, changes: Record<string, unknown>): MarketoLead {
		const lead = this.store.getLead(id);
		if (!lead) throw new Error(`lead ${id} not found`);
		this.store.updateLead(lead, this.prepare(changes), this.uiContext());
		return { ...lead };
	}

	/** Creates a lead as a person in the UI would (New Lead activity, Source 'Marketo UI'). */
	uiCreateLead(fields: Record<string, unknown>): MarketoLead {
		const lead = this.store.createLead(this.prepare(fields), this.uiContext());
		return { ...lead };
	}

	/** Deletes a lead from the UI (Delete Lead activity, type 37). */
	uiDeleteLead(id: number): void {
		if (!this.store.deleteLead(id, this.uiContext())) throw new Error(`lead ${id} not found`);
	}

	// ------------------------------------------------------------------ control

	/** Every issued token now answers 602. */
	expireTokens(): void {
		this.tokens.expireAll();
	}

	/** Every issued token now answers 601 (unknown to Marketo); also the fault `revokeTokensCount`. */
	revokeTokens(): void {
		this.tokens.revokeAll();
	}

	setLimits(l: { callsPer20Seconds?: number; concurrentCalls?: number; dailyQuota?: number }): void {
		this.limits.setLimits(l);
	}

	stats(): {
		calls: number;
		restCalls: number;
		identityCalls: number;
		peakConcurrency: number;
		inFlight: number;
		limitHits: Record<string, number>;
		errors: Record<string, number>;
		byRoute: Record<string, number>;
		recordsWritten: number;
		quotaUsed: number;
		callsInWindow: number;
		leads: number;
		activities: number;
		queries: QueryRecord[];
	} {
		const c = this.server.counters.snapshot();
		const identityCalls = Object.entries(c.byRoute)
			.filter(([route]) => route.includes(' /identity/'))
			.reduce((sum, [, n]) => sum + n, 0);
		return {
			calls: c.calls,
			restCalls: c.calls - identityCalls,
			identityCalls,
			peakConcurrency: c.peakConcurrency,
			inFlight: c.inFlight,
			limitHits: c.limitHits,
			errors: c.errors,
			byRoute: c.byRoute,
			recordsWritten: this.store.recordsWritten,
			quotaUsed: this.limits.quotaUsed,
			callsInWindow: this.limits.callsInWindow(),
			leads: this.store.leads.size,
			activities: this.store.activities.length,
			queries: [...c.queries],
		};
	}

	/** Zeroes the counters (calls, peaks, limit hits, records written); limits state is kept. */
	resetCounters(): void {
		this.server.counters.reset();
		this.store.recordsWritten = 0;
	}

	/** Wipes data, counters, faults and limit state; keeps the options (and issued tokens). */
	reset(): void {
		this.store.reset();
		this.resetCounters();
		this.server.faults.clear();
		this.limits.setLimits(this.initialLimits());
		this.limits.resetState();
	}
}
