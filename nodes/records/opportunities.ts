import type { IDataObject } from 'n8n-workflow';

import { OBJECT_PATHS } from '../transport/marketoApi';
import { has, opportunityFromRow, sourceColumn } from './builders';
import { KNOWN_TABLES, lookupId, lookupTable, presentColumns, rowsByIds } from './dataverseRows';
import { checkedStatus, checkValues, keepKnownFields, writeValid } from './marketoObjects';
import type { SyncRun } from './run';
import type { RecordStatus } from './types';

export interface OpportunityResult {
	status: RecordStatus;
	reason: string;
	marketoId?: string | number;
	key: IDataObject;
	customerContact?: string;
	warnings: string[];
}

type Run = Pick<SyncRun, 'ctx' | 'deps' | 'settings'>;

/** Completes opportunity rows whose Potential Customer's table or owner is not on the row (read from Dynamics). */
export async function completeCustomers(run: Run, rows: Map<string, IDataObject>): Promise<void> {
	const unclear = [...rows].filter(([, row]) => !has(row, '_customerid_value') || (lookupId(row, 'customerid') && !lookupTable(row, 'customerid'))).map(([id]) => id);
	const needOwner = [...rows].filter(([, row]) => !has(row, '_ownerid_value')).map(([id]) => id);
	if (!unclear.length && !needOwner.length) return;
	const fetched = await rowsByIds(run.ctx, KNOWN_TABLES.opportunity, [...new Set([...unclear, ...needOwner])], ['_customerid_value', '_ownerid_value']);
	for (const [id, row] of fetched) Object.assign(rows.get(id)!, row);
}

/** The contact an opportunity's Potential Customer names, if it is a contact. */
export function customerContactOf(row: IDataObject): string | undefined {
	const customer = lookupId(row, 'customerid');
	return customer && lookupTable(row, 'customerid') === 'contact' ? customer : undefined;
}

/** Parent accounts of contacts (null when a contact has none); contacts Dynamics lacks are absent. */
async function parentAccounts(run: Run, contactIds: Set<string>): Promise<Map<string, string | null>> {
	const parentOf = new Map<string, string | null>();
	if (!contactIds.size) return parentOf;
	const { present } = await presentColumns(run.ctx, 'contact', ['_parentcustomerid_value']);
	const contacts = await rowsByIds(run.ctx, KNOWN_TABLES.contact, contactIds, present);
	for (const id of contactIds) {
		const contact = contacts.get(id);
		const parent = contact ? lookupId(contact, 'parentcustomerid') : undefined;
		const parentTable = contact ? lookupTable(contact, 'parentcustomerid') : undefined;
		parentOf.set(id, parent && (parentTable === 'account' || parentTable === undefined) ? parent : null);
	}
	return parentOf;
}

/**
 * Opportunities → Marketo: the company comes from the Potential Customer (the account itself, or
 * the account of the contact; empty when the contact has none), the sales person from the owner.
 * Referenced companies and sales persons are created first when Marketo lacks them.
 */
export async function syncOpportunities(run: Run, opportunities: Array<{ id: string; row: IDataObject }>): Promise<Map<string, OpportunityResult>> {
	const { deps, settings } = run;
	const out = new Map<string, OpportunityResult>();
	if (!opportunities.length) return out;
	const rows = new Map(opportunities.map((o) => [o.id, { ...o.row }]));
	await completeCustomers(run, rows);
	const contactIds = new Set([...rows.values()].map(customerContactOf).filter((id): id is string => !!id));
	const parentOf = await parentAccounts(run, contactIds);

	const owners = new Map<string, string | undefined>();
	const plans = opportunities.map(({ id }) => {
		const row = rows.get(id)!;
		const warnings: string[] = [];
		const customer = lookupId(row, 'customerid');
		const customerContact = customerContactOf(row);
		let companyId: string | null = customer ?? null;
		if (customerContact) {
			companyId = parentOf.get(customerContact) ?? null;
			if (!parentOf.has(customerContact)) warnings.push(`customer contact ${customerContact} was not found in Dynamics`);
		}
		const ownerId = lookupId(row, 'ownerid');
		if (ownerId) owners.set(ownerId, lookupTable(row, 'ownerid'));
		const record = opportunityFromRow(id, row, settings.opportunityFields);
		record.externalCompanyId = companyId;
		return { id, record, companyId, ownerId, customerContact, warnings };
	});

	deps.expectSalesPersons(owners);
	const companies = await deps.ensureCompanies(plans.map((p) => p.companyId).filter((c): c is string => !!c));
	const ownersInMarketo = await deps.ensureSalesPersons(owners.keys(), owners);
	const known = await deps.schema(OBJECT_PATHS.opportunities);
	for (const plan of plans) {
		if (plan.companyId && !companies.has(plan.companyId)) plan.warnings.push(`${deps.why(plan.companyId) ?? `company ${plan.companyId} is not in Marketo`}; the opportunity refers to it anyway`);
		if (plan.ownerId && ownersInMarketo.has(plan.ownerId)) plan.record.externalSalesPersonId = plan.ownerId;
		else if (plan.ownerId) plan.warnings.push(`${deps.why(plan.ownerId) ?? `owner ${plan.ownerId} is not in Marketo`}; the opportunity has no sales person`);
		const dropped = keepKnownFields(plan.record, known);
		if (dropped.length) plan.warnings.push(`Marketo opportunities have no field ${dropped.map((d) => `"${d}"`).join(', ')}: left out`);
	}
	const results = await writeValid(run.ctx, OBJECT_PATHS.opportunities, plans.map((p) => p.record), (record) => checkValues(record, known, (field) => sourceColumn(settings.opportunityFields, field)), {
		keyField: 'externalOpportunityId',
	});
	plans.forEach((plan, k) => {
		const { status, reason, id, invalid } = checkedStatus(results[k]);
		out.set(plan.id, {
			status,
			reason: status === 'failed' ? (invalid ? reason : `Marketo refused opportunity ${plan.id}: ${reason}`) : reason,
			marketoId: id,
			key: { externalOpportunityId: plan.id, externalCompanyId: plan.companyId, externalSalesPersonId: (plan.record.externalSalesPersonId as string) ?? null },
			customerContact: plan.customerContact,
			warnings: plan.warnings,
		});
	});
	return out;
}
