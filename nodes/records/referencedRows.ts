import type { IDataObject } from 'n8n-workflow';

import { crmOf } from '../crm';
import { DEFAULT_MAPPINGS, MARKER_FIELDS } from '../mapping/defaultMappings';
import { syncFilterValue } from '../mapping/syncFilter';
import { marketoView, newPersonWrite, readableColumn, usablePairs, type PersonFields } from '../persons/newPerson';
import type { ApiContext } from '../transport/context';
import { describeLeads, getLeadsBy } from '../transport/marketoApi';
import { columnsOf, companyFromAccount, salesPersonFromTeam, salesPersonFromUser, USER_TO_SALES_PERSON } from './builders';
import { guid, KNOWN_TABLES, lookupId, lookupTable, presentColumns, rowsByIds } from './dataverseRows';
import type { SyncSettings } from './types';

/** Marketo persons by Microsoft Id: Dynamics id → lead id (the oldest person when there are several). */
export async function personIdsByMicrosoftId(ctx: ApiContext, ids: string[]): Promise<Map<string, number>> {
	const found = await getLeadsBy(ctx, MARKER_FIELDS.id, ids, ['id', MARKER_FIELDS.id]);
	const out = new Map<string, number>();
	for (const p of found.sort((a, b) => Number(a.id) - Number(b.id))) {
		const id = guid(p[MARKER_FIELDS.id]);
		if (id && !out.has(id)) out.set(id, Number(p.id));
	}
	return out;
}

/** Marketo records for Dynamics rows that something refers to, read from Dynamics. */
export interface Referenced {
	records: Array<{ id: string; record: IDataObject }>;
	/** Rows that get no record, with why. */
	unavailable: Map<string, string>;
	/** Rows left out on purpose: their sync filter is No. */
	filtered: Set<string>;
}

const referenced = (): Referenced => ({ records: [], unavailable: new Map(), filtered: new Set() });

/** Sales persons of owners: users first (unless the hint says team), then teams. */
export async function salesPersonRecords(ctx: ApiContext, ids: string[], hints: Map<string, string | undefined>): Promise<Referenced> {
	const out = referenced();
	const userIds = ids.filter((id) => hints.get(id) !== 'team');
	if (userIds.length) {
		const { present } = await presentColumns(ctx, 'systemuser', columnsOf(USER_TO_SALES_PERSON));
		const users = await rowsByIds(ctx, KNOWN_TABLES.systemuser, userIds, present);
		for (const [id, row] of users) out.records.push({ id, record: salesPersonFromUser(id, row) });
	}
	const teamIds = ids.filter((id) => !out.records.some((r) => r.id === id));
	if (teamIds.length) {
		const teams = await rowsByIds(ctx, KNOWN_TABLES.team, teamIds, ['name']);
		for (const [id, row] of teams) out.records.push({ id, record: salesPersonFromTeam(id, row) });
	}
	for (const id of ids) if (!out.records.some((r) => r.id === id)) out.unavailable.set(id, `owner ${id} is neither a user nor a team in Dynamics`);
	return out;
}

/** Companies of accounts (mapped fields; the owner is set by the caller once its sales person exists), with each account's owner. */
export async function companyRecords(ctx: ApiContext, settings: SyncSettings, ids: string[]): Promise<Referenced & { owners: Map<string, { id: string; table?: string }> }> {
	const out = { ...referenced(), owners: new Map<string, { id: string; table?: string }>() };
	const filter = settings.syncFilterField;
	const { present } = await presentColumns(ctx, 'account', columnsOf(settings.accountFields, '_ownerid_value', filter));
	const accounts = await rowsByIds(ctx, KNOWN_TABLES.account, ids, present);
	for (const id of ids) {
		const row = accounts.get(id);
		if (!row) {
			out.unavailable.set(id, `account ${id} does not exist in Dynamics`);
			continue;
		}
		if (filter && syncFilterValue(row[filter]) === false) {
			out.unavailable.set(id, `account ${id} is not synced (its sync filter ${filter} is No)`);
			out.filtered.add(id);
			continue;
		}
		const owner = lookupId(row, 'ownerid');
		if (owner) out.owners.set(id, { id: owner, table: lookupTable(row, 'ownerid') });
		out.records.push({ id, record: companyFromAccount(id, row, settings.accountFields) });
	}
	return out;
}

/**
 * Persons of contacts that an opportunity role or a custom object needs, built as the person lane
 * builds a new person (the default contact mapping in Marketo terms, choices as labels, the link
 * markers and the sync state of those values), so that lane finds them in sync and leaves them be.
 */
export async function contactPersonRecords(ctx: ApiContext, settings: SyncSettings, ids: string[]): Promise<Referenced> {
	const out = referenced();
	const filter = settings.syncFilterField;
	const crm = crmOf(ctx);
	const fields: PersonFields = {
		crm,
		table: 'contact',
		columns: await crm.columns('contact'),
		marketoFields: new Map((await describeLeads(ctx)).map((f) => [f.name, f])),
	};
	const { mappings } = usablePairs(fields, DEFAULT_MAPPINGS.contact);
	// The columns Resolve Conflict reads a row with: the usable mapped ones, the sync filter, the row facts.
	const select = [...mappings.map((m) => m.dynamics), filter].filter((c) => c && readableColumn(fields, c));
	const contacts = await crm.readPersons('contact', ids, [...new Set([...select, ...crm.factColumns('contact')])]);
	for (const id of ids) {
		const row = contacts.get(id);
		if (!row) {
			out.unavailable.set(id, `contact ${id} does not exist in Dynamics (a lead cannot hold an opportunity role)`);
			continue;
		}
		if (filter && syncFilterValue(row[filter]) === false) {
			out.unavailable.set(id, `contact ${id} is not synced (its sync filter ${filter} is No)`);
			out.filtered.add(id);
			continue;
		}
		const { toMarketo } = newPersonWrite(fields, id, row, marketoView(fields, row, mappings, false), MARKER_FIELDS.syncState);
		for (const key of Object.keys(toMarketo)) if (!fields.marketoFields.has(key)) delete toMarketo[key];
		out.records.push({ id, record: toMarketo });
	}
	return out;
}
