import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { deleteObjects, queryObjects, syncObjects } from '../transport/marketoApi';
import { has, opportunityFromRow, sourceColumn } from './builders';
import { guid, KNOWN_TABLES, lookupId, lookupTable, presentColumns, rowsByIds, rowsByLookup } from './dataverseRows';
import type { Dependencies } from './dependencies';
import { checkValues, deleteStatus, keepKnownFields, OBJECT_PATHS, writeStatus } from './marketoObjects';
import type { RecordStatus, SyncSettings } from './types';

/** Connection columns that say who is connected to whom, in which role. */
export const CONNECTION_COLUMNS = [
	'_record1id_value',
	'_record2id_value',
	'_record1roleid_value',
	'_record2roleid_value',
	'record1objecttypecode',
	'record2objecttypecode',
	'ismaster',
	'statecode',
];
const OBJECT_TYPE_CODES: Record<number, string> = { 1: 'account', 2: 'contact', 3: 'opportunity', 4: 'lead' };

/** The table on one side of a connection (annotation first, then the object type code). */
export function connectionSide(row: IDataObject, side: 1 | 2): { id?: string; table?: string } {
	const id = lookupId(row, `record${side}id`);
	const table = lookupTable(row, `record${side}id`) ?? OBJECT_TYPE_CODES[Number(row[`record${side}objecttypecode`])];
	return { id, table };
}

/** The stakeholder role of a connection: the contact's side (record2), else record1's. */
export function connectionRoleId(row: IDataObject): string | undefined {
	return lookupId(row, 'record2roleid') ?? lookupId(row, 'record1roleid');
}

export function isActive(row: IDataObject): boolean {
	return row.statecode === undefined || row.statecode === null || Number(row.statecode) === 0;
}

export function isMaster(row: IDataObject): boolean {
	return row.ismaster === true || String(row.ismaster).toLowerCase() === 'true';
}

export interface OpportunityResult {
	status: RecordStatus;
	reason: string;
	marketoId?: string | number;
	key: IDataObject;
	customerContact?: string;
	warnings: string[];
}

/**
 * Opportunities → Marketo: the company comes from the Potential Customer (the account itself, or
 * the account of the contact; empty when the contact has none), the sales person from the owner.
 * Referenced companies and sales persons are created first when Marketo lacks them.
 */
export async function syncOpportunities(ctx: ApiContext, deps: Dependencies, settings: SyncSettings, opportunities: Array<{ id: string; row: IDataObject }>): Promise<Map<string, OpportunityResult>> {
	const out = new Map<string, OpportunityResult>();
	if (!opportunities.length) return out;
	const rows = new Map(opportunities.map((o) => [o.id, { ...o.row }]));

	// The customer's table is needed (account or contact): read it where the row does not say.
	const unclear = [...rows].filter(([, row]) => !has(row, '_customerid_value') || (lookupId(row, 'customerid') && !lookupTable(row, 'customerid'))).map(([id]) => id);
	const needOwner = [...rows].filter(([, row]) => !has(row, '_ownerid_value')).map(([id]) => id);
	if (unclear.length || needOwner.length) {
		const fetched = await rowsByIds(ctx, KNOWN_TABLES.opportunity, [...new Set([...unclear, ...needOwner])], ['_customerid_value', '_ownerid_value']);
		for (const [id, row] of fetched) Object.assign(rows.get(id)!, row);
	}

	const contactIds = new Set<string>();
	for (const row of rows.values()) {
		const customer = lookupId(row, 'customerid');
		if (customer && lookupTable(row, 'customerid') === 'contact') contactIds.add(customer);
	}
	const parentOf = new Map<string, string | null>();
	if (contactIds.size) {
		const { present } = await presentColumns(ctx, 'contact', ['_parentcustomerid_value']);
		const contacts = await rowsByIds(ctx, KNOWN_TABLES.contact, contactIds, present);
		for (const id of contactIds) {
			const contact = contacts.get(id);
			const parent = contact ? lookupId(contact, 'parentcustomerid') : undefined;
			const parentTable = contact ? lookupTable(contact, 'parentcustomerid') : undefined;
			parentOf.set(id, parent && (parentTable === 'account' || parentTable === undefined) ? parent : null);
		}
	}

	const plans: Array<{ id: string; record: IDataObject; companyId: string | null; ownerId?: string; customerContact?: string; warnings: string[] }> = [];
	const owners = new Map<string, string | undefined>();
	for (const { id } of opportunities) {
		const row = rows.get(id)!;
		const warnings: string[] = [];
		const customer = lookupId(row, 'customerid');
		const customerTable = lookupTable(row, 'customerid');
		let companyId: string | null = null;
		let customerContact: string | undefined;
		if (customer && customerTable === 'contact') {
			customerContact = customer;
			companyId = parentOf.get(customer) ?? null;
			if (!parentOf.has(customer)) warnings.push(`customer contact ${customer} was not found in Dynamics`);
		} else if (customer) {
			companyId = customer;
		}
		const ownerId = lookupId(row, 'ownerid');
		if (ownerId) owners.set(ownerId, lookupTable(row, 'ownerid'));
		const record = opportunityFromRow(id, row, settings.opportunityFields);
		record.externalCompanyId = companyId;
		plans.push({ id, record, companyId, ownerId, customerContact, warnings });
	}

	const companies = await deps.ensureCompanies(plans.map((p) => p.companyId).filter((c): c is string => !!c));
	const ownersInMarketo = await deps.ensureSalesPersons(owners.keys(), owners);
	const known = await deps.schemas.fields(OBJECT_PATHS.opportunities);
	for (const plan of plans) {
		if (plan.companyId && !companies.has(plan.companyId)) plan.warnings.push(`${deps.why(plan.companyId) ?? `company ${plan.companyId} is not in Marketo`}; the opportunity refers to it anyway`);
		if (plan.ownerId && ownersInMarketo.has(plan.ownerId)) plan.record.externalSalesPersonId = plan.ownerId;
		else if (plan.ownerId) plan.warnings.push(`${deps.why(plan.ownerId) ?? `owner ${plan.ownerId} is not in Marketo`}; the opportunity has no sales person`);
		const dropped = keepKnownFields(plan.record, known);
		if (dropped.length) plan.warnings.push(`Marketo opportunities have no field ${dropped.map((d) => `"${d}"`).join(', ')}: left out`);
	}
	const problems = plans.map((p) => checkValues(p.record, known, (field) => sourceColumn(settings.opportunityFields, field)));
	const valid = plans.filter((_, k) => !problems[k].length);
	const sent = valid.length ? await syncObjects(ctx, OBJECT_PATHS.opportunities, valid.map((p) => p.record)) : [];
	plans.forEach((plan, k) => {
		const j = valid.indexOf(plan);
		const { status, reason, id } = j >= 0 ? writeStatus(sent[j]) : { status: 'failed' as const, reason: problems[k].join('; '), id: undefined };
		out.set(plan.id, {
			status,
			reason: status === 'failed' ? (j >= 0 ? `Marketo refused opportunity ${plan.id}: ${reason}` : reason) : '',
			marketoId: id,
			key: { externalOpportunityId: plan.id, externalCompanyId: plan.companyId, externalSalesPersonId: (plan.record.externalSalesPersonId as string) ?? null },
			customerContact: plan.customerContact,
			warnings: plan.warnings,
		});
	});
	return out;
}

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

/**
 * Makes the Marketo roles of opportunities match Dynamics: one for a contact Potential Customer,
 * one per active stakeholder connection (master rows only: each connection also has a reciprocal
 * row), and, when allowed, removes roles Dynamics no longer has.
 */
export async function reconcileRoles(ctx: ApiContext, deps: Dependencies, settings: SyncSettings, opportunities: Array<{ id: string; customerContact?: string }>): Promise<Map<string, RoleReport>> {
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

	const toWrite: Array<{ line: RoleLine; opportunityId: string; record: IDataObject }> = [];
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
		const results = await syncObjects(ctx, OBJECT_PATHS.opportunityRoles, toWrite.map((w) => w.record));
		toWrite.forEach((w, k) => {
			const { status, reason } = writeStatus(results[k]);
			w.line.status = status;
			w.line.reason = status === 'failed' ? `Marketo refused the role: ${reason}` : '';
		});
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

/** Removes an opportunity and its roles from Marketo. */
export async function deleteOpportunities(ctx: ApiContext, ids: string[]): Promise<Map<string, { status: RecordStatus; reason: string; removedRoles: number }>> {
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

