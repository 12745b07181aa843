import type { IDataObject } from 'n8n-workflow';

import { deleteObjects, OBJECT_PATHS, queryObjects, syncObjects } from '../transport/marketoApi';
import { connectionRoleId, connectionSide, CONNECTION_COLUMNS, isMaster } from './connections';
import { guid, KNOWN_TABLES, presentColumns, rowsByLookup } from './dataverseRows';
import { deleteStatus, writeStatus } from './marketoObjects';
import type { SyncRun } from './run';
import type { RecordStatus } from './types';

export interface RoleLine extends IDataObject {
	contactId: string;
	leadId: number | null;
	role: string;
	isPrimary: boolean;
	status: RecordStatus;
	reason: string;
	connectionId: string | null;
}

export interface RemovedRole extends IDataObject {
	leadId: number;
	role: string;
	status: RecordStatus;
	reason: string;
}

export interface RoleReport {
	roles: RoleLine[];
	removed: RemovedRole[];
}

const roleKey = (opportunityId: string, leadId: number | string, role: string) => `${opportunityId}|${leadId}|${role.trim().toLowerCase()}`;

type RoleWrite = { line: RoleLine; opportunityId: string; record: IDataObject };

async function writeRoles(ctx: SyncRun['ctx'], writes: RoleWrite[]): Promise<void> {
	const results = await syncObjects(ctx, OBJECT_PATHS.opportunityRoles, writes.map((w) => w.record));
	writes.forEach((w, k) => {
		const { status, reason } = writeStatus(results[k]);
		w.line.status = status;
		w.line.reason = status === 'failed' ? `Marketo refused the role: ${reason}` : '';
	});
}

/**
 * A refused role whose person came from the memory of recent writes may name a person deleted or
 * merged in Marketo's UI since: that person is found again (looked up, or created) and the role
 * written once more with its new id.
 */
async function retryRemembered(run: Pick<SyncRun, 'ctx' | 'deps'>, written: RoleWrite[], wanted: Set<string>): Promise<void> {
	const refused = written.filter((w) => w.line.status === 'failed');
	if (!refused.length) return;
	const again = await run.deps.personsAgain(refused.map((w) => w.line.contactId));
	const retry = refused.filter((w) => again.has(w.line.contactId));
	for (const w of retry) {
		const leadId = again.get(w.line.contactId)!;
		w.line.leadId = leadId;
		w.record.leadId = leadId;
		wanted.add(roleKey(w.opportunityId, leadId, w.line.role));
	}
	if (retry.length) await writeRoles(run.ctx, retry);
}

/**
 * Makes the Marketo roles of opportunities match Dynamics: one for a contact Potential Customer,
 * one per active stakeholder connection (master rows only: each connection also has a reciprocal
 * row), and, when allowed, removes roles Dynamics no longer has.
 */
export async function reconcileRoles(run: Pick<SyncRun, 'ctx' | 'deps' | 'settings'>, opportunities: Array<{ id: string; customerContact?: string }>): Promise<Map<string, RoleReport>> {
	const { ctx, deps, settings } = run;
	const reports = new Map<string, RoleReport>(opportunities.map((o) => [o.id, { roles: [], removed: [] }]));
	if (!opportunities.length) return reports;
	const ids = opportunities.map((o) => o.id);
	const stakeholderRoles = await deps.stakeholderRoles();
	const { present } = await presentColumns(ctx, 'connection', CONNECTION_COLUMNS);
	const connections = await rowsByLookup(ctx, KNOWN_TABLES.connection, 'record1id', ids, ['connectionid', ...present], 'ismaster eq true and statecode eq 0');

	const desired: Array<{ opportunityId: string; contactId: string; role: string; isPrimary: boolean; connectionId: string | null }> = [];
	for (const o of opportunities) {
		if (o.customerContact) desired.push({ opportunityId: o.id, contactId: o.customerContact, role: settings.customerRole, isPrimary: true, connectionId: null });
	}
	for (const row of connections) {
		const from = connectionSide(row, 1);
		const to = connectionSide(row, 2);
		const roleName = stakeholderRoles.get(connectionRoleId(row) ?? '');
		if (!from.id || !reports.has(from.id) || to.table !== 'contact' || !to.id || !roleName || !isMaster(row)) continue;
		desired.push({ opportunityId: from.id, contactId: to.id, role: roleName, isPrimary: false, connectionId: guid(row.connectionid) ?? null });
	}

	const persons = await deps.personsFor(desired.map((d) => d.contactId));
	const existing = await queryObjects(ctx, OBJECT_PATHS.opportunityRoles, { filterType: 'externalOpportunityId', values: ids, fields: ['externalOpportunityId', 'leadId', 'role', 'isPrimary'] });
	const existingByKey = new Map(existing.map((r) => [roleKey(String(r.externalOpportunityId).toLowerCase(), Number(r.leadId), String(r.role)), r]));

	const toWrite: RoleWrite[] = [];
	const wanted = new Set<string>();
	// Opportunities with a role whose person could not be resolved keep all their Marketo roles:
	// a role is removed only when Dynamics certainly no longer has it.
	const unresolved = new Set<string>();
	for (const d of desired) {
		const report = reports.get(d.opportunityId)!;
		const leadId = persons.get(d.contactId);
		const line: RoleLine = { contactId: d.contactId, leadId: leadId ?? null, role: d.role, isPrimary: d.isPrimary, status: 'skipped', reason: '', connectionId: d.connectionId };
		report.roles.push(line);
		if (leadId === undefined) {
			unresolved.add(d.opportunityId);
			line.status = deps.filtered.has(d.contactId) ? 'skipped' : 'failed';
			line.reason = deps.why(d.contactId) ?? `contact ${d.contactId} has no Marketo person`;
			continue;
		}
		const key = roleKey(d.opportunityId, leadId, d.role);
		if (wanted.has(key)) {
			line.reason = 'same contact and role as another role of this opportunity';
			continue;
		}
		wanted.add(key);
		const current = existingByKey.get(key);
		if (current && (current.isPrimary === true) === d.isPrimary) {
			line.status = 'updated';
			line.reason = 'already in Marketo';
			continue;
		}
		toWrite.push({ line, opportunityId: d.opportunityId, record: { externalOpportunityId: d.opportunityId, leadId, role: d.role, isPrimary: d.isPrimary } });
	}
	if (toWrite.length) {
		await writeRoles(ctx, toWrite);
		await retryRemembered(run, toWrite, wanted);
	}

	if (settings.removeStaleRoles) {
		const stale = existing.filter((r) => {
			const opportunityId = String(r.externalOpportunityId).toLowerCase();
			return !unresolved.has(opportunityId) && !wanted.has(roleKey(opportunityId, Number(r.leadId), String(r.role)));
		});
		if (stale.length) {
			const results = await deleteObjects(
				ctx,
				OBJECT_PATHS.opportunityRoles,
				stale.map((r) => ({ externalOpportunityId: r.externalOpportunityId, leadId: r.leadId, role: r.role })),
			);
			stale.forEach((r, k) => {
				const { status, reason } = deleteStatus(results[k]);
				reports.get(String(r.externalOpportunityId).toLowerCase())?.removed.push({
					leadId: Number(r.leadId),
					role: String(r.role),
					status,
					reason: reason || 'no longer in Dynamics',
				});
			});
		}
	}
	return reports;
}
