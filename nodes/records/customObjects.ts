import type { IDataObject } from 'n8n-workflow';

import { customObjectPath, deleteObjects } from '../transport/marketoApi';
import { mapped, sourceColumn } from './builders';
import { lookupId } from './dataverseRows';
import { checkedStatus, checkValues, deleteStatus, keepKnownFields, objectLabel, writeValid } from './marketoObjects';
import { byOperation, createdFor, extras, report, type SyncRun } from './run';
import type { CustomTableSettings, SyncTask } from './types';

/** Whether a row carries a lookup column at all (`_x_value` in Web API rows, `x` in plain rows). */
function hasLookup(row: IDataObject, column: string): boolean {
	return Object.prototype.hasOwnProperty.call(row, `_${column}_value`) || Object.prototype.hasOwnProperty.call(row, column);
}

/** One row's custom object, with its optional links to a person (Lead ID) and a company. */
function customRecord(run: SyncRun, custom: CustomTableSettings, task: SyncTask, persons: Map<string, number>): { record: IDataObject; warnings: string[]; refs: string[] } {
	const { deps } = run;
	const warnings: string[] = [];
	const record: IDataObject = { [custom.keyField]: task.id, ...mapped(task.fields, custom.fields) };
	const refs: string[] = [];
	if (custom.personLink && hasLookup(task.fields, custom.personLink.dynamics)) {
		const personId = lookupId(task.fields, custom.personLink.dynamics);
		if (personId) refs.push(personId);
		const leadId = personId ? persons.get(personId) : undefined;
		if (personId && leadId === undefined) warnings.push(`${deps.why(personId) ?? `${custom.personLink.dynamics} ${personId} has no Marketo person`}; ${custom.personLink.marketo} left empty`);
		record[custom.personLink.marketo] = leadId ?? null;
	}
	if (custom.companyLink && hasLookup(task.fields, custom.companyLink.dynamics)) {
		const accountId = lookupId(task.fields, custom.companyLink.dynamics);
		if (accountId) refs.push(accountId);
		const companyId = accountId ? deps.companies.get(accountId) : undefined;
		if (accountId && companyId === undefined) warnings.push(`${deps.why(accountId) ?? `account ${accountId} has no Marketo company`}; ${custom.companyLink.marketo} left empty`);
		record[custom.companyLink.marketo] = companyId ?? null;
	}
	return { record, warnings, refs };
}

/** Custom table rows → Marketo custom objects, keyed by the chosen dedupe field. */
export async function syncCustomObjects(run: SyncRun, tasks: SyncTask[]): Promise<void> {
	const { ctx, deps } = run;
	const custom = run.settings.custom;
	if (!custom) {
		for (const task of tasks) report(run, task, { status: 'failed', reason: 'no custom table mapping is set up' });
		return;
	}
	const path = customObjectPath(custom.apiName);
	const label = objectLabel(path);
	const { live, deleted } = byOperation(tasks);
	if (live.length) {
		const personIds = custom.personLink ? live.map((t) => lookupId(t.fields, custom.personLink!.dynamics)).filter((id): id is string => !!id) : [];
		// Looked up, not remembered: a refused custom object is not retried here with a person found again.
		const persons = personIds.length ? await deps.personsFor(personIds, false) : new Map<string, number>();
		const companyIds = custom.companyLink ? live.map((t) => lookupId(t.fields, custom.companyLink!.dynamics)).filter((id): id is string => !!id) : [];
		if (companyIds.length) await deps.ensureCompanies(companyIds);
		const known = await deps.schema(path);
		const plans = live.map((task) => {
			const plan = customRecord(run, custom, task, persons);
			const dropped = keepKnownFields(plan.record, known);
			if (dropped.length) plan.warnings.push(`the ${label} has no field ${dropped.map((d) => `"${d}"`).join(', ')}: left out`);
			return { task, ...plan };
		});
		const results = await writeValid(ctx, path, plans.map((p) => p.record), (record) => checkValues(record, known, (field) => sourceColumn(custom.fields, field)), { keyField: custom.keyField });
		plans.forEach((plan, k) => {
			const { status, reason, id, invalid } = checkedStatus(results[k]);
			report(run, plan.task, {
				status,
				reason: status === 'failed' ? (invalid ? reason : `Marketo refused the ${label}: ${reason}`) : reason,
				marketoId: id ?? null,
				key: { [custom.keyField]: plan.task.id },
				...extras(plan.warnings, createdFor(deps, plan.refs)),
			});
		});
	}
	if (deleted.length) {
		const results = await deleteObjects(ctx, path, deleted.map((t) => ({ [custom.keyField]: t.id })));
		deleted.forEach((task, k) => {
			const { status, reason } = deleteStatus(results[k]);
			report(run, task, { status, reason: status === 'failed' ? `Marketo refused to delete the ${label}: ${reason}` : reason, key: { [custom.keyField]: task.id } });
		});
	}
}
