import { deleteObjects, OBJECT_PATHS } from '../transport/marketoApi';
import { companyFromAccount, sourceColumn } from './builders';
import { lookupId, lookupTable } from './dataverseRows';
import { checkedStatus, checkValues, deleteStatus, keepKnownFields, writeValid } from './marketoObjects';
import { byOperation, createdFor, extras, report, type SyncRun } from './run';
import type { SyncTask } from './types';

/** Accounts → Marketo companies, each with its owner's sales person (created first when missing). */
export async function syncCompanies(run: SyncRun, tasks: SyncTask[]): Promise<void> {
	const { ctx, deps, settings } = run;
	const { live, deleted } = byOperation(tasks);
	if (live.length) {
		const owners = new Map<string, string | undefined>();
		for (const t of live) {
			const owner = lookupId(t.fields, 'ownerid');
			if (owner) owners.set(owner, lookupTable(t.fields, 'ownerid'));
		}
		const ownersInMarketo = await deps.ensureSalesPersons(owners.keys(), owners);
		const known = await deps.schema(OBJECT_PATHS.companies);
		const plans = live.map((task) => {
			const record = companyFromAccount(task.id, task.fields, settings.accountFields);
			const warnings: string[] = [];
			const owner = lookupId(task.fields, 'ownerid');
			if (owner && ownersInMarketo.has(owner)) record.externalSalesPersonId = owner;
			else if (owner) warnings.push(`${deps.why(owner) ?? `owner ${owner} is not in Marketo`}; the company keeps its current sales person`);
			const dropped = keepKnownFields(record, known);
			if (dropped.length) warnings.push(`Marketo companies have no field ${dropped.map((d) => `"${d}"`).join(', ')}: left out`);
			return { task, record, owner, warnings };
		});
		const results = await writeValid(ctx, OBJECT_PATHS.companies, plans.map((p) => p.record), (record) => checkValues(record, known, (field) => sourceColumn(settings.accountFields, field)), {
			keyField: 'externalCompanyId',
		});
		plans.forEach((plan, k) => {
			const { status, reason, id, invalid } = checkedStatus(results[k]);
			if (status !== 'failed') deps.noteCompany(plan.task.id, typeof id === 'number' ? id : undefined);
			report(run, plan.task, {
				status,
				reason: status === 'failed' ? (invalid ? reason : `Marketo refused the company: ${reason}`) : reason,
				marketoId: id ?? null,
				key: { externalCompanyId: plan.task.id, externalSalesPersonId: (plan.record.externalSalesPersonId as string) ?? null },
				...extras(plan.warnings, createdFor(deps, [plan.owner])),
			});
		});
	}
	if (deleted.length) {
		const results = await deleteObjects(ctx, OBJECT_PATHS.companies, deleted.map((t) => ({ externalCompanyId: t.id })));
		deleted.forEach((task, k) => {
			const { status, reason } = deleteStatus(results[k]);
			report(run, task, { status, reason: status === 'failed' ? `Marketo refused to delete the company: ${reason}` : reason, key: { externalCompanyId: task.id } });
		});
	}
}
