import { OBJECT_PATHS } from '../transport/marketoApi';
import { salesPersonFromTeam, salesPersonFromUser, sourceColumn, USER_TO_SALES_PERSON } from './builders';
import { checkedStatus, checkValues, keepKnownFields, writeValid } from './marketoObjects';
import { byOperation, extras, report, type SyncRun } from './run';
import type { SyncTask } from './types';

/** Marketo refuses to delete a sales person still linked to leads, companies or opportunities. */
export const SALES_PERSON_DELETE_REASON =
	'deleted in Dynamics; the Marketo sales person is kept (Marketo refuses to delete one still linked to persons, companies or opportunities, and keeping it preserves the owner history)';

/** Users and teams → Marketo sales persons (a team's name as last name); deletes keep the sales person. */
export async function syncSalesPersons(run: SyncRun, tasks: SyncTask[]): Promise<void> {
	const { live, deleted } = byOperation(tasks);
	for (const task of deleted) report(run, task, { reason: SALES_PERSON_DELETE_REASON, key: { externalSalesPersonId: task.id } });
	if (!live.length) return;
	const known = await run.deps.schema(OBJECT_PATHS.salespersons);
	const records = live.map((t) => (t.kind === 'systemuser' ? salesPersonFromUser(t.id, t.fields) : salesPersonFromTeam(t.id, t.fields)));
	const dropped = records.map((r) => keepKnownFields(r, known));
	// A team's only field is its name (lastName).
	const sourceOf = (k: number) => (field: string) => (live[k].kind === 'team' ? (field === 'lastName' ? 'name' : undefined) : sourceColumn(USER_TO_SALES_PERSON, field));
	const results = await writeValid(run.ctx, OBJECT_PATHS.salespersons, records, (record, k) => checkValues(record, known, sourceOf(k)), { keyField: 'externalSalesPersonId' });
	live.forEach((task, k) => {
		const { status, reason, id, invalid } = checkedStatus(results[k]);
		if (status !== 'failed') run.deps.noteSalesPerson(task.id);
		const warnings = dropped[k].length ? [`Marketo sales persons have no field ${dropped[k].join(', ')}: left out`] : [];
		report(run, task, {
			status,
			reason: status === 'failed' ? (invalid ? reason : `Marketo refused the sales person: ${reason}`) : reason,
			marketoId: id ?? null,
			key: { externalSalesPersonId: task.id },
			...extras(warnings, []),
		});
	});
}
