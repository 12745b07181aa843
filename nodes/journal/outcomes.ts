import { randomUUID } from 'node:crypto';

import type { IDataObject, IRun } from 'n8n-workflow';

import { nextCentralMidnight } from '../transport/marketo';

/** This n8n process: an entry written by another one belongs to an execution that died with it (or runs on a worker). */
export const PROCESS_INSTANCE = randomUUID();

/** What became of an emitted batch, as n8n reported it when the execution ended. */
export type Outcome =
	| { state: 'running'; since: number }
	| { state: 'done'; at: number; failed: number; failures?: IDataObject[] }
	| { state: 'retry'; at: number; why: string }
	| { state: 'quota'; at: number; until: number; failed: number; failures?: IDataObject[] };

/** Batch id → outcome, for batches emitted by this process (kept until the trigger has read it). */
const outcomes = new Map<string, Outcome>();

export function outcomeOf(batchId: string): Outcome | undefined {
	return outcomes.get(batchId);
}

export function forgetOutcome(batchId: string): void {
	outcomes.delete(batchId);
}

export function setOutcome(batchId: string, outcome: Outcome): void {
	outcomes.set(batchId, outcome);
}

/** Records how a batch ended, unless the journal dropped it meanwhile (a rewind read it again). */
export function settleOutcome(batchId: string, outcome: Outcome): void {
	if (outcomes.has(batchId)) outcomes.set(batchId, outcome);
}

/** The wait after a 607 (tests shorten it); by default until Marketo's quota day turns over. */
export const QUOTA_RETRY_ENV = 'MARKETO_DYNAMICS_SYNC_QUOTA_RETRY_MS';

export function quotaRetryAt(now: number): number {
	const configured = Number(process.env[QUOTA_RETRY_ENV]);
	// A minute past midnight US Central: Marketo's own clock may be a little behind ours.
	const reset = nextCentralMidnight(now) + 60_000;
	return Number.isFinite(configured) && configured > 0 ? Math.min(reset, now + configured) : reset;
}

/** The template's run-ending node: "N record(s) failed in this run" (the records are reported, the batch is done). */
const REPORTED_FAILURES = /(\d+) record\(s\) failed in this run/;
/** Marketo's daily quota as the transport and the template word it ("daily API quota", "daily quota (607)"). */
const QUOTA = /daily (api )?quota/i;

function isQuotaFailure(item: IDataObject): boolean {
	const details = (item.details ?? {}) as IDataObject;
	const error = typeof item.error === 'string' ? item.error : JSON.stringify(item.error ?? '');
	return String(details.code ?? '') === '607' || QUOTA.test(error);
}
/** The template's collecting node: one item per failed record. */
export const FAILED_RECORDS_NODE = 'Failed records';

function errorText(run: IRun): { message: string; nodeType?: string } {
	const error = run.data?.resultData?.error as (IDataObject & { node?: { type?: string } }) | undefined;
	if (!error) return { message: '' };
	const parts = [error.message, error.description].filter((p) => typeof p === 'string') as string[];
	return { message: parts.join(' '), nodeType: error.node?.type };
}

/** The items of "Failed records" when the run data came with the run (one process; queue mode has none). */
export function failedItems(run: IRun): IDataObject[] | undefined {
	const runs = run.data?.resultData?.runData?.[FAILED_RECORDS_NODE];
	if (!runs) return undefined;
	return runs.flatMap((r) => (r.data?.main?.[0] ?? []).map((item) => item.json));
}

/**
 * What a finished run means for its batch. Success, or records reported by the template's "Fail the
 * run": done. Marketo's daily quota in the error or the failed items: wait for the reset, then again.
 * Crashed, canceled, a node failing as a whole: again.
 */
export function classifyRun(run: IRun | undefined, now = Date.now()): Outcome {
	if (!run) return { state: 'retry', at: now, why: 'n8n started no execution' };
	const items = failedItems(run);
	const { message, nodeType } = errorText(run);
	const reported = REPORTED_FAILURES.exec(message);
	const failed = items?.length ?? (reported ? Number(reported[1]) : 0);
	if (run.status === 'success') return { state: 'done', at: now, failed: 0, failures: [] };
	if (run.status === 'error') {
		const quota = QUOTA.test(message) || (items ?? []).some(isQuotaFailure);
		if (quota) return { state: 'quota', at: now, until: quotaRetryAt(now), failed, failures: items };
		if (reported || nodeType === 'n8n-nodes-base.stopAndError') return { state: 'done', at: now, failed, failures: items };
		return { state: 'retry', at: now, why: message || 'the execution failed' };
	}
	return { state: 'retry', at: now, why: `the execution ended ${run.status}` };
}
