import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS } from '../mapping/defaultMappings';
import type { ApiContext } from '../transport/context';
import { forgetRecentWrites, OBJECT_PATHS, PERSON_LINKS, queryObjects, recentlyWritten, syncLeads } from '../transport/marketoApi';
import { sourceColumn, USER_TO_SALES_PERSON } from './builders';
import { guid, KNOWN_TABLES, queryRows } from './dataverseRows';
import { companyRecords, contactPersonRecords, personIdsByMicrosoftId, salesPersonRecords } from './referencedRows';
import { checkedStatus, checkValues, keepKnownFields, objectSchema, writeStatus, writeValid, type ObjectSchema } from './marketoObjects';
import type { SyncSettings } from './types';

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
	/** Persons whose id came from the transport's memory of recent writes, not from a look-up. */
	private readonly remembered = new Set<string>();
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
			// Written by this instance moments ago (another execution): no look-up needed.
			for (const id of (await recentlyWritten(this.ctx, OBJECT_PATHS.salespersons, unknown)).keys()) this.salesPersons.add(id);
			const ask = unknown.filter((id) => !this.salesPersons.has(id));
			const found = ask.length ? await queryObjects(this.ctx, OBJECT_PATHS.salespersons, { filterType: 'externalSalesPersonId', values: ask, fields: ['externalSalesPersonId'] }) : [];
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
		const { records, unavailable } = await salesPersonRecords(this.ctx, ids, hints);
		for (const [id, why] of unavailable) this.unavailable.set(id, why);
		if (!records.length) return;
		for (const { id } of await this.createReferenced('salesPerson', records, (field) => sourceColumn(USER_TO_SALES_PERSON, field))) this.salesPersons.add(id);
	}

	/** Makes sure companies exist in Marketo (created from their Dynamics accounts); returns those that do. */
	async ensureCompanies(ids: Iterable<string>): Promise<Set<string>> {
		const wanted = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
		const unknown = wanted.filter((id) => !this.companies.has(id) && !this.unavailable.has(id));
		if (unknown.length) {
			for (const [id, written] of await recentlyWritten(this.ctx, OBJECT_PATHS.companies, unknown)) this.companies.set(id, typeof written.id === 'number' ? written.id : undefined);
			const ask = unknown.filter((id) => !this.companies.has(id));
			const found = ask.length ? await queryObjects(this.ctx, OBJECT_PATHS.companies, { filterType: 'externalCompanyId', values: ask, fields: ['id', 'externalCompanyId'] }) : [];
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
		const { records, unavailable, filtered, owners } = await companyRecords(this.ctx, this.settings, ids);
		for (const [id, why] of unavailable) this.unavailable.set(id, why);
		for (const id of filtered) this.filtered.add(id);
		if (!records.length) return;
		const ownersInMarketo = await this.ensureSalesPersons([...owners.values()].map((o) => o.id), new Map([...owners.values()].map((o) => [o.id, o.table])));
		for (const r of records) {
			const owner = owners.get(r.id)?.id;
			if (owner && ownersInMarketo.has(owner)) r.record.externalSalesPersonId = owner;
		}
		for (const { id, marketoId } of await this.createReferenced('company', records, (field) => sourceColumn(this.settings.accountFields, field))) this.companies.set(id, marketoId);
	}

	/**
	 * Creates referenced sales persons or companies: fields Marketo's object lacks are left out, and
	 * a record whose values Marketo would refuse is not sent; each is listed under `createdFirst`, and
	 * one not created is unavailable, with why. Returns those created.
	 */
	private async createReferenced(object: 'salesPerson' | 'company', records: Array<{ id: string; record: IDataObject }>, sourceOf: (field: string) => string | undefined): Promise<Array<{ id: string; marketoId?: number }>> {
		const path = object === 'company' ? OBJECT_PATHS.companies : OBJECT_PATHS.salespersons;
		const name = (id: string) => (object === 'company' ? `company for account ${id}` : `sales person ${id}`);
		const known = await this.schema(path);
		records.forEach((r) => keepKnownFields(r.record, known));
		// Not found by the look-up: sent even if this instance wrote the same values (deleted in Marketo since).
		const results = await writeValid(this.ctx, path, records.map((r) => r.record), (record) => checkValues(record, known, sourceOf), {
			keyField: object === 'company' ? 'externalCompanyId' : 'externalSalesPersonId',
			skipUnchanged: false,
		});
		const created: Array<{ id: string; marketoId?: number }> = [];
		records.forEach((r, k) => {
			const { status, reason, id } = checkedStatus(results[k]);
			this.createdFirst.push({ object, dynamicsId: r.id, status, reason });
			if (status === 'failed') this.unavailable.set(r.id, `${name(r.id)} could not be created in Marketo: ${reason}`);
			else created.push({ id: r.id, marketoId: typeof id === 'number' ? id : undefined });
		});
		return created;
	}

	/**
	 * Marketo lead ids of Dynamics contacts (or leads), found by Microsoft Id. Missing contacts are
	 * created as persons when allowed (and their sync filter is not No). `fromMemory`: persons this
	 * instance wrote lately need no look-up (a caller using it retries with `personsAgain`).
	 */
	async personsFor(ids: Iterable<string>, fromMemory = true): Promise<Map<string, number>> {
		const wanted = [...new Set([...ids].map((id) => guid(id)).filter((id): id is string => !!id))];
		const unknown = wanted.filter((id) => !this.persons.has(id) && !this.unavailable.has(id));
		if (unknown.length) {
			// Persons this instance just wrote (the contact lane of the same minute): no look-up needed.
			for (const [id, written] of fromMemory ? await recentlyWritten(this.ctx, PERSON_LINKS, unknown) : []) {
				if (!Number.isInteger(Number(written.id))) continue;
				this.persons.set(id, Number(written.id));
				this.remembered.add(id);
			}
			const ask = unknown.filter((id) => !this.persons.has(id));
			if (ask.length) this.notePersons(await personIdsByMicrosoftId(this.ctx, ask));
			const missing = unknown.filter((id) => !this.persons.has(id));
			if (missing.length) await this.createPersons(missing);
		}
		const out = new Map<string, number>();
		for (const id of wanted) if (this.persons.has(id)) out.set(id, this.persons.get(id)!);
		return out;
	}

	/**
	 * Persons taken from the transport's memory whose Marketo id was refused (deleted or merged in
	 * Marketo's UI since): forgotten, then found again (looked up, or created) as if never known.
	 * Returns the new ids of those that changed.
	 */
	async personsAgain(ids: string[]): Promise<Map<string, number>> {
		const stale = ids.filter((id) => this.remembered.delete(id));
		if (!stale.length) return new Map();
		const old = new Map(stale.map((id) => [id, this.persons.get(id)]));
		for (const id of stale) this.persons.delete(id);
		await forgetRecentWrites(this.ctx, PERSON_LINKS, stale);
		const found = await this.personsFor(stale);
		return new Map([...found].filter(([id, leadId]) => old.get(id) !== leadId));
	}

	private notePersons(found: Map<string, number>): void {
		for (const [id, leadId] of found) if (!this.persons.has(id)) this.persons.set(id, leadId);
	}

	private async createPersons(ids: string[]): Promise<void> {
		if (!this.settings.createMissingPersons) {
			for (const id of ids) this.unavailable.set(id, `contact ${id} has no Marketo person (creating missing persons is off)`);
			return;
		}
		const { records, unavailable, filtered } = await contactPersonRecords(this.ctx, this.settings, ids);
		for (const [id, why] of unavailable) this.unavailable.set(id, why);
		for (const id of filtered) this.filtered.add(id);
		if (!records.length) return;
		const results = await syncLeads(this.ctx, records.map((r) => r.record), { action: 'createOnly', lookupField: MARKER_FIELDS.id, linkField: MARKER_FIELDS.id });
		// 1005: the person lane created it meanwhile (both lanes run in the same minute); use that one.
		const raced = records.filter((_r, k) => results[k]?.reasons?.some((x) => x.code === '1005'));
		if (raced.length) this.notePersons(await personIdsByMicrosoftId(this.ctx, raced.map((r) => r.id)));
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
