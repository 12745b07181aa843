import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS, typeLabel } from '../../../mapping/defaultMappings';
import { failureFrom, toLeadId } from '../../../persons';
import { applyPolicy, policyFailure, policyProblem, type DeletePolicy } from '../marketoPolicy';
import type { DeletedRecord } from './task';

/** Flags or deletes the persons linked to the deleted records, all in one go (≤300 per call). */
export async function applyToLinkedPersons(ctx: IExecuteFunctions, records: DeletedRecord[], policy: DeletePolicy): Promise<void> {
	const active = records.filter((r) => !r.outcome.failure && r.persons.length);
	if (!active.length) return;
	const problem = await policyProblem(ctx, policy);
	if (problem) {
		for (const r of active) r.outcome.failure = failureFrom(problem);
		return;
	}
	const targets = active.flatMap((r) => r.persons.map((p) => ({ leadId: toLeadId(p.id)!, record: r })));
	try {
		const results = await applyPolicy(ctx, policy, targets.map((t) => t.leadId));
		targets.forEach((t, k) => t.record.results.push(results[k]));
	} catch (error) {
		for (const r of active) r.outcome.failure = failureFrom(error, 'marketo');
	}
}

/**
 * The output of one deleted record: skipped (no linked person), flagged or deleted (already
 * deleted counts as done), or the first person Marketo refused, as the item's failure.
 */
export function deleteResult(record: DeletedRecord, policy: DeletePolicy): void {
	const ids = record.persons.map((p) => toLeadId(p.id)!);
	const base: IDataObject = { dynamicsId: record.dynamicsId, ...(record.table ? { personType: typeLabel(record.table) } : {}) };
	if (!ids.length) {
		record.outcome.json = { status: 'skipped', reason: 'No Marketo person is linked to this Dynamics record (never synced, or already deleted)', ...base, marketoIds: [] };
		return;
	}
	const refused = record.results.find((r) => !r.done);
	if (refused) {
		record.outcome.ref.marketoId = refused.leadId;
		record.outcome.failure = policyFailure(policy, `person ${refused.leadId}: ${refused.reason}`, refused.code);
		return;
	}
	if (policy === 'delete') {
		const gone = record.results.every((r) => !r.deleted);
		record.outcome.json = { status: gone ? 'alreadyDeleted' : 'deleted', ...base, marketoId: ids[0], marketoIds: ids };
		return;
	}
	const already = record.persons.filter((p) => p[MARKER_FIELDS.isDeleted] === true).length;
	record.outcome.json = { status: 'flagged', ...base, marketoId: ids[0], marketoIds: ids, ...(already === ids.length ? { reason: 'Already flagged as deleted' } : {}) };
}
