import type { IDataObject } from 'n8n-workflow';

import { buildSyncState, serialiseSyncState } from '../conflict/syncState';
import { DEFAULT_MAPPINGS, MARKER_FIELDS } from '../mapping/defaultMappings';
import type { ApiContext } from '../transport/context';
import { describeLeads, getLeadsBy, OBJECT_PATHS, queryObjects, syncLeads, syncObjects } from '../transport/marketoApi';
import { columnsOf, companyFromAccount, mapped, salesPersonFromTeam, salesPersonFromUser, sourceColumn, USER_TO_SALES_PERSON } from './builders';
import { guid, KNOWN_TABLES, lookupId, lookupTable, presentColumns, queryRows, rowsByIds } from './dataverseRows';
import { checkValues, keepKnownFields, objectSchema, writeStatus, type ObjectSchema } from './marketoObjects';
import type { SyncSettings } from './types';
import { syncFilterValue } from '../mapping/syncFilter';

/** A record the node created first because something referred to it. */
export interface CreatedFirst extends IDataObject {
	object: string;
	dynamicsId: string;
	status: string;
	reason: string;
}

/**
 * What Marketo already has, learnt once per execution, and the creation of referenced records it
 * lacks (from Dynamics), so that a first full sync works in one pass whatever the input order.
 */
export class Dependencies {
	/** externalSalesPersonId values known to exist in Marketo. */
	readonly salesPersons = new Set<string>();
	/** externalCompanyId → Marketo company id, for companies known to exist. */
	readonly companies = new Map<string, number | undefined>();
	/** microsoftId → Marketo lead id. */
	readonly persons = new Map<string, number>();
	/** Ids that are not in Marketo and could not be created, with the reason. */
	readonly unavailable = new Map<string, string>();
	/** Ids left out on purpose: their sync filter is No. */
	readonly filtered = new Set<string>();
	readonly createdFirst: CreatedFirst[] = [];
	private stakeholderRoleNames?: Map<string, string>;
	/** Object describes, asked once per execution (a failed one is not asked again here). */
	private readonly schemas = new Map<string, Promise<ObjectSchema | undefined>>();
	private readonly expectedOwners = new Map<string, string | undefined>();

	constructor(
		private readonly ctx: ApiContext,
		private readonly settings: SyncSettings,
	) {}

	/** Fields of a Marketo object type, or undefined without a describe (records then go unchecked). */
	schema(path: string): Promise<ObjectSchema | undefined> {
		let hit = this.schemas.get(path);
		if (!hit) {
			hit = objectSchema(this.ctx, path);
			this.schemas.set(path, hit);
		}
		return hit;
	}

	noteSalesPerson(id: string): void {
		this.salesPersons.add(id);
	}

	noteCompany(id: string, marketoId?: number): void {
		this.companies.set(id, marketoId ?? this.companies.get(id));
	}

	/**
	 * Owners a later step will ask for (an opportunity's, while its company is created first): they
	 * go with the next sales-person look-up and creation, so one call serves both.
	 */
	expectSalesPersons(hints: Map<string, string | undefined>): void {
		for (const [id, table] of hints) this.expectedOwners.set(id, table);
	}

	/** Makes sure sales persons exist in Marketo; returns the ids that do. `hints` says user or team. */
	async ensureSalesPersons(ids: Iterable<string>, hints: Map<string, string | undefined> = new Map()): Promise<Set<string>> {
		const wanted = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
		const isUnknown = (id: string) => !this.salesPersons.has(id) && !this.unavailable.has(id);
		if (wanted.some(isUnknown)) {
			const allHints = new Map([...this.expectedOwners, ...hints]);
			const unknown = [...new Set([...wanted, ...[...this.expectedOwners.keys()].map((id) => guid(id)).filter((id): id is string => !!id)])].filter(isUnknown);
			this.expectedOwners.clear();
			const found = await queryObjects(this.ctx, OBJECT_PATHS.salespersons, { filterType: 'externalSalesPersonId', values: unknown, fields: ['externalSalesPersonId'] });
			for (const r of found) this.salesPersons.add(String(r.externalSalesPersonId).toLowerCase());
			const missing = unknown.filter((id) => !this.salesPersons.has(id));
			if (missing.length) await this.createSalesPersons(missing, allHints);
		}
		return new Set(wanted.filter((id) => this.salesPersons.has(id)));
	}

	private async createSalesPersons(ids: string[], hints: Map<string, string | undefined>): Promise<void> {
		if (!this.settings.createMissing) {
			for (const id of ids) this.unavailable.set(id, `sales person ${id} is not in Marketo (creating missing records is off)`);
			return;
		}
		const records: Array<{ id: string; record: IDataObject }> = [];
		const userIds = ids.filter((id) => hints.get(id) !== 'team');
		if (userIds.length) {
			const { present } = await presentColumns(this.ctx, 'systemuser', columnsOf(USER_TO_SALES_PERSON));
			const users = await rowsByIds(this.ctx, KNOWN_TABLES.systemuser, userIds, present);
			for (const [id, row] of users) records.push({ id, record: salesPersonFromUser(id, row) });
		}
		const teamIds = ids.filter((id) => !records.some((r) => r.id === id));
		if (teamIds.length) {
			const teams = await rowsByIds(this.ctx, KNOWN_TABLES.team, teamIds, ['name']);
			for (const [id, row] of teams) records.push({ id, record: salesPersonFromTeam(id, row) });
		}
		for (const id of ids) if (!records.some((r) => r.id === id)) this.unavailable.set(id, `owner ${id} is neither a user nor a team in Dynamics`);
		if (!records.length) return;
		const known = await this.schema(OBJECT_PATHS.salespersons);
		records.forEach((r) => keepKnownFields(r.record, known));
		const valid = this.dropInvalid('sales person', records, (record) => checkValues(record, known, (field) => sourceColumn(USER_TO_SALES_PERSON, field)));
		if (!valid.length) return;
		const results = await syncObjects(this.ctx, OBJECT_PATHS.salespersons, valid.map((r) => r.record));
		valid.forEach((r, k) => {
			const { status, reason } = writeStatus(results[k]);
			this.createdFirst.push({ object: 'salesPerson', dynamicsId: r.id, status, reason });
			if (status === 'failed') this.unavailable.set(r.id, `sales person ${r.id} could not be created in Marketo: ${reason}`);
			else this.salesPersons.add(r.id);
		});
	}

	/** Makes sure companies exist in Marketo (created from their Dynamics accounts); returns those that do. */
	async ensureCompanies(ids: Iterable<string>): Promise<Set<string>> {
		const wanted = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
		const unknown = wanted.filter((id) => !this.companies.has(id) && !this.unavailable.has(id));
		if (unknown.length) {
			const found = await queryObjects(this.ctx, OBJECT_PATHS.companies, { filterType: 'externalCompanyId', values: unknown, fields: ['id', 'externalCompanyId'] });
			for (const r of found) this.companies.set(String(r.externalCompanyId).toLowerCase(), Number(r.id));
			const missing = unknown.filter((id) => !this.companies.has(id));
			if (missing.length) await this.createCompanies(missing);
		}
		return new Set(wanted.filter((id) => this.companies.has(id)));
	}

	private async createCompanies(ids: string[]): Promise<void> {
		if (!this.settings.createMissing) {
			for (const id of ids) this.unavailable.set(id, `company ${id} is not in Marketo (creating missing records is off)`);
			return;
		}
		const filter = this.settings.syncFilterField;
		const { present } = await presentColumns(this.ctx, 'account', columnsOf(this.settings.accountFields, '_ownerid_value', filter));
		const accounts = await rowsByIds(this.ctx, KNOWN_TABLES.account, ids, present);
		const records: Array<{ id: string; record: IDataObject }> = [];
		const owners = new Map<string, string | undefined>();
		for (const id of ids) {
			const row = accounts.get(id);
			if (!row) {
				this.unavailable.set(id, `account ${id} does not exist in Dynamics`);
				continue;
			}
			if (filter && syncFilterValue(row[filter]) === false) {
				this.unavailable.set(id, `account ${id} is not synced (its sync filter ${filter} is No)`);
				this.filtered.add(id);
				continue;
			}
			const owner = lookupId(row, 'ownerid');
			if (owner) owners.set(owner, lookupTable(row, 'ownerid'));
			records.push({ id, record: companyFromAccount(id, row, this.settings.accountFields) });
		}
		if (!records.length) return;
		const ownersInMarketo = await this.ensureSalesPersons(owners.keys(), owners);
		for (const r of records) {
			const owner = lookupId(accounts.get(r.id)!, 'ownerid');
			if (owner && ownersInMarketo.has(owner)) r.record.externalSalesPersonId = owner;
		}
		const known = await this.schema(OBJECT_PATHS.companies);
		records.forEach((r) => keepKnownFields(r.record, known));
		const valid = this.dropInvalid('company', records, (record) => checkValues(record, known, (field) => sourceColumn(this.settings.accountFields, field)));
		if (!valid.length) return;
		const results = await syncObjects(this.ctx, OBJECT_PATHS.companies, valid.map((r) => r.record));
		valid.forEach((r, k) => {
			const { status, reason, id } = writeStatus(results[k]);
			this.createdFirst.push({ object: 'company', dynamicsId: r.id, status, reason });
			if (status === 'failed') this.unavailable.set(r.id, `company for account ${r.id} could not be created in Marketo: ${reason}`);
			else this.companies.set(r.id, typeof id === 'number' ? id : undefined);
		});
	}

	/**
	 * Marketo lead ids of Dynamics contacts (or leads), found by Microsoft Id. Missing contacts are
	 * created as persons when allowed (and their sync filter is not No).
	 */
	async personsFor(ids: Iterable<string>): Promise<Map<string, number>> {
		const wanted = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
		const unknown = wanted.filter((id) => !this.persons.has(id) && !this.unavailable.has(id));
		if (unknown.length) {
			const found = await getLeadsBy(this.ctx, MARKER_FIELDS.id, unknown, ['id', MARKER_FIELDS.id]);
			for (const p of found.sort((a, b) => Number(a.id) - Number(b.id))) {
				const id = guid(p[MARKER_FIELDS.id]);
				if (id && !this.persons.has(id)) this.persons.set(id, Number(p.id));
			}
			const missing = unknown.filter((id) => !this.persons.has(id));
			if (missing.length) await this.createPersons(missing);
		}
		const out = new Map<string, number>();
		for (const id of wanted) if (this.persons.has(id)) out.set(id, this.persons.get(id)!);
		return out;
	}

	private async createPersons(ids: string[]): Promise<void> {
		if (!this.settings.createMissingPersons) {
			for (const id of ids) this.unavailable.set(id, `contact ${id} has no Marketo person (creating missing persons is off)`);
			return;
		}
		const filter = this.settings.syncFilterField;
		const mappings = DEFAULT_MAPPINGS.contact;
		const { present } = await presentColumns(this.ctx, 'contact', columnsOf(mappings, filter, 'createdon'));
		const contacts = await rowsByIds(this.ctx, KNOWN_TABLES.contact, ids, present);
		const leadFields = new Set((await describeLeads(this.ctx)).map((f) => f.name));
		const records: Array<{ id: string; record: IDataObject }> = [];
		for (const id of ids) {
			const row = contacts.get(id);
			if (!row) {
				this.unavailable.set(id, `contact ${id} does not exist in Dynamics (a lead cannot hold an opportunity role)`);
				continue;
			}
			if (filter && syncFilterValue(row[filter]) === false) {
				this.unavailable.set(id, `contact ${id} is not synced (its sync filter ${filter} is No)`);
				this.filtered.add(id);
				continue;
			}
			const values = mapped(row, mappings);
			for (const key of Object.keys(values)) if (values[key] === null || !leadFields.has(key)) delete values[key];
			const record: IDataObject = { ...values, [MARKER_FIELDS.id]: id, [MARKER_FIELDS.type]: 'Contact' };
			if (typeof row.createdon === 'string') record[MARKER_FIELDS.createdDate] = row.createdon;
			if (leadFields.has(MARKER_FIELDS.syncState)) record[MARKER_FIELDS.syncState] = serialiseSyncState(buildSyncState(values));
			for (const key of Object.keys(record)) if (!leadFields.has(key)) delete record[key];
			records.push({ id, record });
		}
		if (!records.length) return;
		const results = await syncLeads(this.ctx, records.map((r) => r.record), { action: 'createOnly', lookupField: MARKER_FIELDS.id });
		// 1005: the person lane created it meanwhile (both lanes run in the same minute); use that one.
		const raced = records.filter((_r, k) => results[k]?.reasons?.some((x) => x.code === '1005'));
		if (raced.length) {
			const found = await getLeadsBy(this.ctx, MARKER_FIELDS.id, raced.map((r) => r.id), ['id', MARKER_FIELDS.id]);
			for (const p of found) {
				const id = guid(p[MARKER_FIELDS.id]);
				if (id && !this.persons.has(id)) this.persons.set(id, Number(p.id));
			}
		}
		records.forEach((r, k) => {
			const result = results[k];
			const { status, reason } = writeStatus(result);
			if (this.persons.has(r.id)) {
				this.createdFirst.push({ object: 'person', dynamicsId: r.id, status: 'updated', reason: 'created meanwhile by the person sync' });
				return;
			}
			this.createdFirst.push({ object: 'person', dynamicsId: r.id, status, reason });
			if (status === 'failed' || result?.id === undefined) this.unavailable.set(r.id, `the Marketo person of contact ${r.id} could not be created: ${reason}`);
			else this.persons.set(r.id, Number(result.id));
		});
	}

	/** Records whose values Marketo would refuse are not sent; they are reported as not created. */
	private dropInvalid(object: string, records: Array<{ id: string; record: IDataObject }>, check: (record: IDataObject) => string[]): Array<{ id: string; record: IDataObject }> {
		return records.filter((r) => {
			const problems = check(r.record);
			if (!problems.length) return true;
			const reason = problems.join('; ');
			this.createdFirst.push({ object: object === 'company' ? 'company' : 'salesPerson', dynamicsId: r.id, status: 'failed', reason });
			this.unavailable.set(r.id, `${object} ${r.id} could not be created in Marketo: ${reason}`);
			return false;
		});
	}

	/** Stakeholder connection roles (category 1000): id → name. */
	async stakeholderRoles(): Promise<Map<string, string>> {
		if (!this.stakeholderRoleNames) {
			const rows = await queryRows(this.ctx, KNOWN_TABLES.connectionrole.entitySet, { filter: 'category eq 1000', select: ['connectionroleid', 'name'] });
			this.stakeholderRoleNames = new Map(rows.map((r) => [String(r.connectionroleid).toLowerCase(), String(r.name ?? 'Stakeholder')]));
		}
		return this.stakeholderRoleNames;
	}

	/** Why an id is missing from Marketo, if known. */
	why(id: string | undefined): string | undefined {
		return id ? this.unavailable.get(id) : undefined;
	}
}
