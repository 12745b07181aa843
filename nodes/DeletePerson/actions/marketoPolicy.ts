import type { IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../mapping/defaultMappings';
import { marketoFieldMap, RecordError, updatePersonsById, type Failure } from '../../persons';
import { reasonsText } from '../../records/values';
import { deleteLeads } from '../../transport/marketoApi';

/**
 * What a Dynamics delete does to the linked Marketo persons: flag them (Microsoft Is Deleted, the
 * native default) or delete them. Used for each deleted record and by the reconciliation.
 */
export type DeletePolicy = 'flag' | 'delete';

/** The policy's outcome for one person. */
export interface PolicyResult {
	leadId: number;
	/** Flagged, deleted, or (delete) already gone. */
	done: boolean;
	/** Marketo deleted the person in this call (not already gone). */
	deleted: boolean;
	/** Marketo's reasons when not done. */
	reason: string;
	code: string;
}

/** Why the policy cannot be applied here (a config error): no Microsoft Is Deleted field to flag with. */
export async function policyProblem(ctx: IExecuteFunctions, policy: DeletePolicy): Promise<RecordError | undefined> {
	if (policy === 'flag' && !(await marketoFieldMap(ctx)).has(MARKER_FIELDS.isDeleted)) {
		return new RecordError(`Marketo has no "${MARKER_FIELDS.isDeleted}" field to flag the person with`, MARKER_FIELDS.isDeleted, '1006', 'config');
	}
	return undefined;
}

/** Applies the policy to persons by lead ID (≤300 per call); a person already deleted counts as done. */
export async function applyPolicy(ctx: IExecuteFunctions, policy: DeletePolicy, leadIds: number[]): Promise<PolicyResult[]> {
	if (!leadIds.length) return [];
	const results =
		policy === 'delete'
			? await deleteLeads(ctx, leadIds)
			: await updatePersonsById(ctx, leadIds.map((leadId, key) => ({ key, leadId, values: { [MARKER_FIELDS.isDeleted]: true } }))).then((byKey) => leadIds.map((_, key) => byKey.get(key)));
	return leadIds.map((leadId, k) => {
		const r = results[k];
		const code = r?.reasons?.[0]?.code ?? '';
		const done = r?.status === 'updated' || r?.status === 'deleted' || (policy === 'delete' && code === '1004');
		return { leadId, done, deleted: r?.status === 'deleted', reason: done ? '' : reasonsText(r?.reasons, r?.status), code };
	});
}

/** A person the policy could not be applied to, as a failure of the item that asked for it. */
export function policyFailure(policy: DeletePolicy, message: string, code: string): Failure {
	return { message: `Marketo could not ${policy} ${message}`, field: policy === 'flag' ? MARKER_FIELDS.isDeleted : 'id', code, source: 'marketo' };
}
