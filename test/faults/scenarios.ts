/**
 * The faults the sync must survive, one at a time and mixed. Each one is injected into the
 * simulators (or the n8n process) right after a batch of new and changed records is written, while
 * the template is busy with it; count-based faults stop by themselves, rate-based ones are cleared
 * after `activeMs`.
 */
import type { FaultSpec } from '../../simulators/common/faults';
import type { SimResponse } from '../../simulators/common/http';
import { sleep, type ExpectedRecord, type SyncLab } from './lab';

export interface FaultScenario {
	name: string;
	/** Part of the short CI run (`--ci`). */
	ci: boolean;
	inject(lab: SyncLab, batch: ExpectedRecord[]): Promise<void> | void;
	/** Rate-based faults stay this long, then are cleared. */
	activeMs?: number;
	/** How long the batch may take to settle (timeouts need more). */
	settleMs?: number;
	/** What the fault did beyond the simulators' injected answers (e.g. the n8n kill). */
	injectedNote?: string;
	/** Afterwards, replay as the README says (Retry the crashed executions) and check again. */
	replayCrashed?: boolean;
	/** Held answers whose client must have given up (timed out) by the time they were due. */
	expectClientTimeouts?: number;
}

/** The nodes' request timeout in the fault lab (the product default is 120 s). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** How long a held answer is kept back: well past the client's timeout. */
const HOLD_MS = REQUEST_TIMEOUT_MS + 10_000;

/** Marketo's HTTP-200 error envelope. */
function marketoError(code: string, message: string): SimResponse {
	return { status: 200, body: { requestId: `fault#${code}`, success: false, errors: [{ code, message }] } };
}

function dataverseError(status: number, code: string, message: string, headers?: Record<string, string>): SimResponse {
	return { status, headers, body: { error: { code, message } } };
}

const MARKETO_REST = '/rest/';
const DATAVERSE_API = '/api/data/';

function marketoFaults(lab: SyncLab, specs: FaultSpec[]): void {
	lab.sims.marketo.server.faults.set(specs);
}

function dataverseFaults(lab: SyncLab, specs: FaultSpec[]): void {
	lab.sims.dataverse.server.faults.set(specs);
}

function marketoCode(code: string, message: string, count: number, ci = false): FaultScenario {
	return {
		name: `Marketo ${code} (${message.toLowerCase()})`,
		ci,
		inject: (lab) => marketoFaults(lab, [{ pathIncludes: MARKETO_REST, response: marketoError(code, message), responseCount: count }]),
	};
}

export const SCENARIOS: FaultScenario[] = [
	{ name: 'none (baseline)', ci: true, inject: () => undefined },
	marketoCode('606', 'Max rate limit exceeded', 8, true),
	marketoCode('615', 'Concurrent access limit reached', 8),
	marketoCode('604', 'Request timed out', 3, true),
	marketoCode('608', 'API temporarily unavailable', 3),
	marketoCode('611', 'System error', 3),
	marketoCode('713', 'Transient error', 3),
	marketoCode('607', 'Daily quota reached', 4),
	{
		name: 'Dataverse 429 with Retry-After',
		ci: true,
		inject: (lab) =>
			dataverseFaults(lab, [
				{
					pathIncludes: DATAVERSE_API,
					response: dataverseError(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.', { 'Retry-After': '2' }),
					responseCount: 6,
				},
			]),
	},
	{
		name: 'Dataverse 500 and 503',
		ci: true,
		inject: (lab) =>
			dataverseFaults(lab, [
				{ pathIncludes: DATAVERSE_API, response: dataverseError(503, '0x80040216', 'Service Unavailable'), responseCount: 3 },
				{ pathIncludes: DATAVERSE_API, response: dataverseError(500, '0x80040216', 'An unexpected error occurred.'), responseCount: 2 },
			]),
	},
	{
		name: 'connection resets (both APIs)',
		ci: true,
		inject: (lab) => {
			marketoFaults(lab, [{ pathIncludes: MARKETO_REST, resetCount: 3 }]);
			dataverseFaults(lab, [{ pathIncludes: DATAVERSE_API, resetCount: 3 }]);
		},
	},
	{
		// The nodes' request timeout is lowered for the lab (REQUEST_TIMEOUT_MS, via the environment):
		// the first person write to each API is carried out at once but answered only after the
		// timeout (the client retries a call that did land), and one Dataverse read is never answered.
		name: 'timeouts (answers held past the client timeout, both APIs)',
		ci: false,
		settleMs: 420_000,
		expectClientTimeouts: 2,
		inject: (lab) => {
			marketoFaults(lab, [{ pathIncludes: '/rest/v1/leads.json', method: 'POST', holdCount: 1, holdMs: HOLD_MS }]);
			dataverseFaults(lab, [
				{ pathIncludes: '$batch', method: 'POST', holdCount: 1, holdMs: HOLD_MS },
				{ pathIncludes: DATAVERSE_API, method: 'GET', timeoutCount: 1 },
			]);
		},
	},
	{
		name: 'token expiry mid-run (601, 602, 401)',
		ci: true,
		injectedNote: 'Marketo tokens expired, Dataverse token revoked mid-paging',
		inject: (lab) => {
			lab.sims.marketo.expireTokens(); // every token Marketo issued now answers 602
			marketoFaults(lab, [{ pathIncludes: MARKETO_REST, afterCount: 3, response: marketoError('601', 'Access token invalid'), responseCount: 2 }]);
			dataverseFaults(lab, [
				// Dataverse stops accepting the token (still in MSAL's cache) before the lead trigger's
				// second page (the batch's 6 leads come in pages of 5): only a refresh past the cache helps.
				{ pathIncludes: 'skiptoken=', method: 'GET', revokeTokensCount: 1 },
				{ pathIncludes: DATAVERSE_API, afterCount: 2, response: dataverseError(401, '0x80072182', 'The access token has expired.'), responseCount: 2 },
			]);
		},
	},
	{
		name: 'expired change-tracking token',
		ci: false,
		injectedNote: 'all delta tokens expired, a synced lead deleted meanwhile',
		inject: (lab, batch) => {
			const dv = lab.sims.dataverse;
			dv.expireDeltaTokens();
			// A lead synced earlier, deleted while the token is expired: no delete item ever comes for
			// it; the resync's reconciliation must flag its Marketo person (the delete policy's default).
			const synced = new Set(batch.map((r) => r.id));
			const victim = dv.store
				.all('lead')
				.map((r) => String((r as { leadid?: unknown }).leadid))
				.reverse()
				.find((id) => !synced.has(id) && lab.marketoPersonsFor(id).length > 0);
			if (!victim) throw new Error('no synced lead to delete');
			dv.delete('lead', victim);
			batch.push({ kind: 'leadDeleted', id: victim });
		},
	},
	{
		name: 'poll fails after its first page',
		ci: true,
		// The lead trigger reads the batch's 6 leads in pages of 5: page 1 arrives, then the next page
		// (a nextLink, the only requests with a $skiptoken) fails past the transport's retries, for
		// two polls, until the fault runs out.
		inject: (lab) =>
			dataverseFaults(lab, [{ pathIncludes: 'skiptoken=', method: 'GET', response: dataverseError(503, '0x80040216', 'Service Unavailable'), responseCount: 12 }]),
	},
	{
		name: 'n8n killed mid-execution, restarted',
		ci: true,
		injectedNote: 'SIGKILL + restart',
		replayCrashed: true,
		settleMs: 360_000,
		inject: async (lab, batch) => {
			// Hold Marketo's reads (the look-ups every lane makes before it writes) so the batch's
			// executions are surely running with nothing written yet, then SIGKILL n8n (no graceful
			// shutdown) once n8n lists one as running, and start it again on the same database. The
			// held reads are answered after the kill, to nobody: only a read-again brings the batch.
			marketoFaults(lab, [{ pathIncludes: MARKETO_REST, method: 'GET', latencyMs: 20_000 }]);
			const deadline = Date.now() + 90_000;
			while (Date.now() < deadline && !(await lab.hasRunningExecution())) await sleep(1000);
			await sleep(2000);
			const before = await lab.assess(batch);
			lab.killNote = `${before.synced} of ${before.recordsIn} synced when n8n was killed`;
			await lab.n8n.kill();
			marketoFaults(lab, []);
			await lab.n8n.start(lab.n8n.port);
			await lab.n8n.setupOwner().catch(() => undefined); // owner exists already
			await lab.n8n.rest('POST', '/login', { emailOrLdapLoginId: 'owner@example.test', password: 'E2e-Password-1' });
		},
	},
	{
		name: 'mixed: 606, 604, 5xx, 429, resets at random',
		ci: false,
		activeMs: 60_000,
		inject: (lab) => {
			marketoFaults(lab, [
				{ pathIncludes: MARKETO_REST, resetRate: 0.03 },
				{ pathIncludes: MARKETO_REST, response: marketoError('606', 'Max rate limit exceeded'), responseRate: 0.05 },
				{ pathIncludes: MARKETO_REST, response: marketoError('604', 'Request timed out'), responseRate: 0.05 },
			]);
			dataverseFaults(lab, [
				{ pathIncludes: DATAVERSE_API, resetRate: 0.03 },
				{ pathIncludes: DATAVERSE_API, response: dataverseError(503, '0x80040216', 'Service Unavailable'), responseRate: 0.05 },
				{
					pathIncludes: DATAVERSE_API,
					response: dataverseError(429, '0x80072322', 'Number of requests exceeded the limit.', { 'Retry-After': '1' }),
					responseRate: 0.03,
				},
			]);
		},
	},
];
