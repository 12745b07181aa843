import type { IDataObject } from 'n8n-workflow';

import { buildSyncState, serialiseSyncState } from '../conflict/syncState';
import { DEFAULT_MAPPINGS, MARKER_FIELDS } from '../mapping/defaultMappings';
import { syncFilterValue } from '../mapping/syncFilter';
import type { ApiContext } from '../transport/context';
import { describeLeads, getLeadsBy } from '../transport/marketoApi';
import { columnsOf, companyFromAccount, mapped, salesPersonFromTeam, salesPersonFromUser, USER_TO_SALES_PERSON } from './builders';
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
 * Persons of contacts that an opportunity role or a custom object needs: the default contact
 * mapping, Microsoft Id and type, and a sync state of those values.
 */
export async function contactPersonRecords(ctx: ApiContext, settings: SyncSettings, ids: string[]): Promise<Referenced> {
	const out = referenced();
	const filter = settings.syncFilterField;
	const mappings = DEFAULT_MAPPINGS.contact;
	const { present } = await presentColumns(ctx, 'contact', columnsOf(mappings, filter, 'createdon'));
	const contacts = await rowsByIds(ctx, KNOWN_TABLES.contact, ids, present);
	const leadFields = new Set((await describeLeads(ctx)).map((f) => f.name));
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
		const values = mapped(row, mappings);
		for (const key of Object.keys(values)) if (values[key] === null || !leadFields.has(key)) delete values[key];
		const record: IDataObject = { ...values, [MARKER_FIELDS.id]: id, [MARKER_FIELDS.type]: 'Contact' };
		if (typeof row.createdon === 'string') record[MARKER_FIELDS.createdDate] = row.createdon;
		if (leadFields.has(MARKER_FIELDS.syncState)) record[MARKER_FIELDS.syncState] = serialiseSyncState(buildSyncState(values));
		for (const key of Object.keys(record)) if (!leadFields.has(key)) delete record[key];
		out.records.push({ id, record });
	}
	return out;
}
