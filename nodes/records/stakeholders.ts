import type { IDataObject } from 'n8n-workflow';

import { OBJECT_PATHS, queryObjects, recentlyWritten } from '../transport/marketoApi';
import { columnsOf } from './builders';
import { CONNECTION_COLUMNS, placeConnection, type Stakeholder } from './connections';
import { guid, KNOWN_TABLES, presentColumns, rowsByIds } from './dataverseRows';
import { completeCustomers, customerContactOf, syncOpportunities } from './opportunities';
import { reconcileRoles } from './roles';
import { createdFor, extras, report, type SyncRun } from './run';
import type { SyncTask } from './types';
import { excludedByFilter } from '../mapping/syncFilter';

/** Live connection rows by id, with the columns a stakeholder needs (read from Dynamics where the item lacks them). */
async function connectionRows(run: SyncRun, live: SyncTask[]): Promise<Map<string, IDataObject>> {
	const rows = new Map<string, IDataObject>(live.map((t) => [t.id, { ...t.fields }]));
	const incomplete = live.filter((t) => CONNECTION_COLUMNS.some((c) => !Object.prototype.hasOwnProperty.call(t.fields, c))).map((t) => t.id);
	if (incomplete.length) {
		const { present } = await presentColumns(run.ctx, 'connection', CONNECTION_COLUMNS);
		const fetched = await rowsByIds(run.ctx, KNOWN_TABLES.connection, incomplete, present);
		for (const id of incomplete) Object.assign(rows.get(id)!, fetched.get(id) ?? {});
	}
	return rows;
}

/**
 * Reconciles the roles of opportunities this execution has not reconciled yet; returns why an
 * opportunity could not be. Roles need their opportunity in Marketo: missing ones are created from
 * Dynamics, existing ones are left to the opportunity lane (which writes every change to them), so
 * a stakeholder change never rewrites an opportunity.
 */
async function reconcileOpportunities(run: SyncRun, opportunityIds: string[]): Promise<Map<string, string>> {
	const { ctx, settings } = run;
	const skipped = new Map<string, string>();
	const pending = [...new Set(opportunityIds)].filter((id) => !run.reconciled.has(id));
	if (!pending.length) return skipped;
	const filter = settings.syncFilterField;
	const { present } = await presentColumns(ctx, 'opportunity', columnsOf(settings.opportunityFields, '_customerid_value', '_ownerid_value', filter));
	const opportunities = await rowsByIds(ctx, KNOWN_TABLES.opportunity, pending, present);
	const rows = new Map<string, IDataObject>();
	for (const id of pending) {
		const row = opportunities.get(id);
		if (!row) skipped.set(id, `opportunity ${id} no longer exists in Dynamics`);
		else if (filter && excludedByFilter({}, row, filter)) skipped.set(id, `opportunity ${id} is not synced (its sync filter ${filter} is No)`);
		else rows.set(id, { ...row });
	}
	if (!rows.size) return skipped;
	// Written by this instance moments ago (the opportunity lane's execution), else looked up.
	const inMarketo = new Set<string | undefined>((await recentlyWritten(ctx, OBJECT_PATHS.opportunities, [...rows.keys()])).keys());
	const ask = [...rows.keys()].filter((id) => !inMarketo.has(id));
	const found = ask.length ? await queryObjects(ctx, OBJECT_PATHS.opportunities, { filterType: 'externalOpportunityId', values: ask, fields: ['externalOpportunityId'] }) : [];
	for (const o of found) inMarketo.add(guid(o.externalOpportunityId));
	await completeCustomers(run, rows);
	const ready: Array<{ id: string; customerContact?: string }> = [...rows].filter(([id]) => inMarketo.has(id)).map(([id, row]) => ({ id, customerContact: customerContactOf(row) }));
	const missing = [...rows].filter(([id]) => !inMarketo.has(id)).map(([id, row]) => ({ id, row }));
	const results = await syncOpportunities(run, missing);
	for (const { id } of missing) {
		const result = results.get(id)!;
		if (result.status === 'failed') skipped.set(id, result.reason);
		else {
			if (result.status === 'created') run.deps.createdFirst.push({ object: 'opportunity', dynamicsId: id, status: 'created', reason: '' });
			ready.push({ id, customerContact: result.customerContact });
		}
	}
	for (const [id, roles] of await reconcileRoles(run, ready)) run.reconciled.set(id, roles);
	return skipped;
}

/** A stakeholder's outcome from its opportunity's reconciled roles. */
function reportStakeholder(run: SyncRun, task: SyncTask, a: Stakeholder, why: string | undefined): void {
	const key = { externalOpportunityId: a.opportunityId, ...(a.contactId ? { contactId: a.contactId } : {}), ...(a.role ? { role: a.role } : {}) };
	const roles = run.reconciled.get(a.opportunityId);
	if (why || !roles) {
		report(run, task, { status: a.removed ? 'skipped' : 'failed', reason: why ?? `opportunity ${a.opportunityId} could not be synced`, key });
		return;
	}
	if (a.removed) {
		const removed = roles.removed.filter((r) => !a.role || r.role.toLowerCase() === a.role.toLowerCase());
		const gone = removed.some((r) => r.status === 'deleted');
		report(run, task, { status: gone ? 'deleted' : 'skipped', reason: gone ? '' : 'no Marketo role left to remove', key, ...(removed.length ? { removedRoles: removed } : {}) });
		return;
	}
	const line = roles.roles.find((r) => r.connectionId === task.id) ?? roles.roles.find((r) => r.contactId === a.contactId && r.role === a.role);
	if (!line) {
		report(run, task, { status: 'failed', reason: 'the stakeholder was not found on the opportunity in Dynamics (changed meanwhile?)', key });
		return;
	}
	report(run, task, {
		status: line.status,
		reason: line.status === 'failed' || line.status === 'skipped' ? line.reason : '',
		key: { ...key, leadId: line.leadId },
		...extras([], createdFor(run.deps, [a.opportunityId, a.contactId])),
	});
}

/**
 * Stakeholder connections → opportunity roles. Each affected opportunity's roles are reconciled
 * with Dynamics as a whole, so a connection that was removed (deactivated or deleted) loses its
 * role. A deleted connection arrives as a bare id: its opportunity comes from the Dynamics 365
 * Trigger's `lastSeen` (the trigger remembers every connection row it read); one it cannot place
 * is a failure, never a silent skip.
 */
export async function syncConnections(run: SyncRun, tasks: SyncTask[]): Promise<void> {
	const rows = await connectionRows(run, tasks.filter((t) => t.operation !== 'deleted'));
	const stakeholderRoles = await run.deps.stakeholderRoles();
	const affected = new Map<SyncTask, Stakeholder>();
	for (const task of tasks) {
		const placed = placeConnection(task, rows.get(task.id) ?? {}, stakeholderRoles);
		if ('opportunityId' in placed) affected.set(task, placed);
		else report(run, task, { status: placed.failed ? 'failed' : 'skipped', reason: placed.reason });
	}
	const skipped = await reconcileOpportunities(run, [...affected.values()].map((a) => a.opportunityId));
	for (const [task, a] of affected) reportStakeholder(run, task, a, skipped.get(a.opportunityId));
}
