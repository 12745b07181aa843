import type { IDataObject } from 'n8n-workflow';

import { deleteObjects, OBJECT_PATHS, queryObjects } from '../transport/marketoApi';
import { deleteStatus } from './marketoObjects';
import { syncOpportunities } from './opportunities';
import { reconcileRoles, type RoleReport } from './roles';
import { byOperation, createdFor, extras, report, type SyncRun } from './run';
import type { RecordStatus, SyncTask } from './types';

function roleSummary(roles: RoleReport | undefined): IDataObject {
	if (!roles) return {};
	return { roles: roles.roles, ...(roles.removed.length ? { removedRoles: roles.removed } : {}) };
}

function roleWarnings(roles: RoleReport | undefined): string[] {
	return (roles?.roles ?? []).filter((r) => r.status === 'failed').map((r) => `role "${r.role}" for contact ${r.contactId} not synced: ${r.reason}`);
}

/** Opportunity rows → Marketo opportunities, then each synced one's roles reconciled; deletes take their roles along. */
export async function syncOpportunityTasks(run: SyncRun, tasks: SyncTask[]): Promise<void> {
	const { live, deleted } = byOperation(tasks);
	if (live.length) {
		const results = await syncOpportunities(run, live.map((t) => ({ id: t.id, row: t.fields })));
		const synced = live.filter((t) => results.get(t.id)?.status !== 'failed');
		const reports = await reconcileRoles(run, synced.map((t) => ({ id: t.id, customerContact: results.get(t.id)!.customerContact })));
		for (const [id, roles] of reports) run.reconciled.set(id, roles);
		for (const task of live) {
			const result = results.get(task.id)!;
			const roles = reports.get(task.id);
			const contacts = roles?.roles.map((r) => r.contactId) ?? [];
			report(run, task, {
				status: result.status,
				reason: result.reason,
				marketoId: result.marketoId ?? null,
				key: result.key,
				...roleSummary(roles),
				...extras([...result.warnings, ...roleWarnings(roles)], createdFor(run.deps, [result.key.externalCompanyId as string, result.key.externalSalesPersonId as string, ...contacts])),
			});
		}
	}
	if (deleted.length) {
		const results = await deleteOpportunities(run, deleted.map((t) => t.id));
		for (const task of deleted) {
			const r = results.get(task.id)!;
			report(run, task, {
				status: r.status,
				reason: r.status === 'failed' ? `Marketo refused to delete the opportunity: ${r.reason}` : r.reason,
				key: { externalOpportunityId: task.id },
				removedRoles: r.removedRoles,
			});
		}
	}
}

/** Removes an opportunity and its roles from Marketo. */
async function deleteOpportunities({ ctx }: SyncRun, ids: string[]): Promise<Map<string, { status: RecordStatus; reason: string; removedRoles: number }>> {
	const out = new Map<string, { status: RecordStatus; reason: string; removedRoles: number }>();
	if (!ids.length) return out;
	const roles = await queryObjects(ctx, OBJECT_PATHS.opportunityRoles, { filterType: 'externalOpportunityId', values: ids, fields: ['externalOpportunityId', 'leadId', 'role'] });
	const removed = new Map<string, number>();
	if (roles.length) {
		const results = await deleteObjects(ctx, OBJECT_PATHS.opportunityRoles, roles.map((r) => ({ externalOpportunityId: r.externalOpportunityId, leadId: r.leadId, role: r.role })));
		roles.forEach((r, k) => {
			if (results[k]?.status === 'deleted') {
				const id = String(r.externalOpportunityId).toLowerCase();
				removed.set(id, (removed.get(id) ?? 0) + 1);
			}
		});
	}
	const results = await deleteObjects(ctx, OBJECT_PATHS.opportunities, ids.map((id) => ({ externalOpportunityId: id })));
	ids.forEach((id, k) => out.set(id, { ...deleteStatus(results[k]), removedRoles: removed.get(id) ?? 0 }));
	return out;
}

