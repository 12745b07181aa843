import type { IExecuteFunctions } from 'n8n-workflow';

import { logSyncFailures, type SyncDirection } from '../activity-log';
import type { ItemOutcome } from './outcome';

export interface FailureLogSettings {
	enabled: boolean;
	activityType: string;
}

/**
 * Writes every failed item that belongs to a known Marketo person onto that person's activity log
 * (as the native sync does for validation failures), and notes in each failure whether it was
 * logged.
 */
export async function logFailedOutcomes(ctx: IExecuteFunctions, outcomes: ItemOutcome[], settings: FailureLogSettings, direction: SyncDirection): Promise<void> {
	if (!settings.enabled) return;
	const failed = outcomes.filter((o) => o.failure && o.ref.marketoId !== undefined && o.failure.source !== 'config');
	if (!failed.length) return;
	let workflow: string | undefined;
	try {
		workflow = ctx.getWorkflow().name;
	} catch {
		workflow = undefined;
	}
	const results = await logSyncFailures(
		ctx,
		failed.map((o) => ({
			leadId: o.ref.marketoId!,
			recordId: o.ref.dynamicsId ?? o.ref.email ?? String(o.ref.marketoId),
			direction,
			field: o.failure!.field,
			errorCode: o.failure!.code,
			errorMessage: o.failure!.message,
		})),
		{ activityType: settings.activityType, workflow },
	);
	failed.forEach((o, k) => {
		const r = results[k];
		o.failure!.details = { ...(o.failure!.details ?? {}), activityLogged: r?.logged ?? false, ...(r?.error ? { activityLogError: r.error } : {}) };
	});
}
