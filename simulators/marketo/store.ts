/** In-memory state of the Marketo simulator: leads, lead schema, activities, activity types, objects. */
import { randomUUID } from 'node:crypto';
import { defaultLeadFields, defaultSearchable } from './fields';
import {
	companyType,
	customObjectType,
	dynamicsProjectType,
	opportunityRoleType,
	opportunityType,
	salesPersonType,
	type CustomObjectTypeInput,
	type ObjectTypeDef,
} from './object-types';
import type {
	ActivityRecord,
	CustomActivityType,
	CustomActivityTypeVersion,
	MarketoLead,
	ObjectRecord,
	WriteContext,
} from './types';
import { SOURCE_API } from './types';
import { coerceValue, displayNameOf, isoSeconds, lookupKey, sameValue, type FieldDef, type Reason } from './util';

export const ACTIVITY_NEW_LEAD = 12;
export const ACTIVITY_CHANGE_DATA_VALUE = 13;
export const ACTIVITY_MERGE_LEADS = 32;
export const ACTIVITY_DELETE_LEAD = 37;
export const FIRST_CUSTOM_ACTIVITY_TYPE_ID = 100001;

type IndexEntry = number | number[];

/** One generic object type's records, with its dedupe-key index. */
export class ObjectTable {
	readonly records = new Map<string, ObjectRecord>();
	private readonly byDedupe = new Map<string, string>();
	private nextId = 1;

	constructor(readonly def: ObjectTypeDef) {}

	field(name: string) {
		const lower = name.toLowerCase();
		return this.def.fields.find((f) => f.name.toLowerCase() === lower);
	}

	/** Compound dedupe key of a value set, or undefined when a part is missing. */
	dedupeKey(values: Record<string, unknown>): string | undefined {
		const parts: string[] = [];
		for (const f of this.def.dedupeFields) {
			const k = lookupKey(values[f]);
			if (k === undefined) return undefined;
			parts.push(k);
		}
		return JSON.stringify(parts);
	}

	byId(id: unknown): ObjectRecord | undefined {
		if (id === null || id === undefined || id === '') return undefined;
		return this.records.get(this.def.idKind === 'guid' ? String(id).toLowerCase() : String(id));
	}

	byDedupeValues(values: Record<string, unknown>): ObjectRecord | undefined {
		const key = this.dedupeKey(values);
		if (key === undefined) return undefined;
		const id = this.byDedupe.get(key);
		return id === undefined ? undefined : this.records.get(id);
	}

	insert(values: Record<string, unknown>, nowIso: string): ObjectRecord {
		const idValue = this.def.idKind === 'int' ? this.nextId++ : randomUUID();
		const rec: ObjectRecord = { createdAt: nowIso, updatedAt: nowIso };
		for (const f of this.def.fields) if (!f.readOnly) rec[f.name] = values[f.name] ?? null;
		rec[this.def.idField] = idValue;
		const storeKey = String(idValue).toLowerCase();
		this.records.set(storeKey, rec);
		const dk = this.dedupeKey(rec);
		if (dk !== undefined) this.byDedupe.set(dk, storeKey);
		return rec;
	}

	/** Applies values (already coerced); returns whether anything changed. */
	update(rec: ObjectRecord, values: Record<string, unknown>, nowIso: string): boolean {
		let changed = false;
		for (const [k, v] of Object.entries(values)) {
			const f = this.field(k);
			if (!f || f.readOnly) continue;
			if (!sameValue(rec[f.name], v)) {
				rec[f.name] = v;
				changed = true;
			}
		}
		if (changed) rec.updatedAt = nowIso;
		return changed;
	}

	delete(rec: ObjectRecord): void {
		const storeKey = String(rec[this.def.idField]).toLowerCase();
		this.records.delete(storeKey);
		const dk = this.dedupeKey(rec);
		if (dk !== undefined && this.byDedupe.get(dk) === storeKey) this.byDedupe.delete(dk);
	}

	list(): ObjectRecord[] {
		return [...this.records.values()];
	}

	clear(): void {
		this.records.clear();
		this.byDedupe.clear();
		this.nextId = 1;
	}
}

export interface LeadFieldInput {
	name: string;
	dataType: FieldDef['dataType'];
	length?: number;
	displayName?: string;
	readOnly?: boolean;
	searchable?: boolean;
	custom?: boolean;
}

export class MarketoStore {
	/** The simulator's clock for record timestamps and activity dates (tests may replace it). */
	now: () => number = () => Date.now();
	/** Raw activities inspected per activities call at most; fewer matches than batchSize → short page with moreResult. */
	activityScanLimit = 1000;
	/** Delete Lead activities older than this are pruned from deletedleads.json. */
	deletedLeadRetentionDays = 14;
	/** Successful record writes (created/updated/deleted/added), for stats(). */
	recordsWritten = 0;

	readonly leads = new Map<number, MarketoLead>();
	readonly activities: ActivityRecord[] = [];
	readonly customActivityTypes = new Map<string, CustomActivityType>();
	readonly objectTables = new Map<string, ObjectTable>();

	private leadFieldList: FieldDef[] = [];
	private leadFieldMap = new Map<string, FieldDef>();
	private nextFieldId = 1;
	private nextLeadId = 1;
	private nextActivityId = 1;
	private nextActivityTypeId = FIRST_CUSTOM_ACTIVITY_TYPE_ID;
	private indexes = new Map<string, Map<string, IndexEntry>>();

	constructor(
		private readonly seedDefaults = true,
		readonly apiUserEmail = 'sync@example.com',
	) {
		this.reset();
	}

	/** Wipes every record and restores the initial schema. */
	reset(): void {
		this.leads.clear();
		this.activities.length = 0;
		this.customActivityTypes.clear();
		this.objectTables.clear();
		this.indexes.clear();
		this.recordsWritten = 0;
		this.activityScanLimit = 1000;
		this.deletedLeadRetentionDays = 14;
		this.nextLeadId = 1;
		this.nextActivityId = 1;
		this.nextActivityTypeId = FIRST_CUSTOM_ACTIVITY_TYPE_ID;
		this.nextFieldId = 1;
		this.leadFieldList = [];
		this.leadFieldMap.clear();
		const minimal = new Set(['id', 'email', 'firstName', 'lastName', 'createdAt', 'updatedAt']);
		for (const f of defaultLeadFields()) {
			if (this.seedDefaults || minimal.has(f.name)) this.pushLeadField(f);
		}
		for (const def of [companyType(), salesPersonType(), opportunityType(), opportunityRoleType()]) {
			this.objectTables.set(def.key, new ObjectTable(def));
		}
		if (this.seedDefaults) {
			this.addCustomObjectTypeDef(dynamicsProjectType());
			this.addCustomActivityType(
				{
					name: 'Dynamics Sync Error',
					description: 'A record failed to sync between Marketo and Microsoft Dynamics 365',
					triggerName: 'Has Dynamics Sync Error',
					filterName: 'Had Dynamics Sync Error',
					primaryAttribute: { apiName: 'recordId', name: 'Record Id', dataType: 'string' },
					attributes: [
						{ apiName: 'direction', name: 'Direction', dataType: 'string' },
						{ apiName: 'field', name: 'Field', dataType: 'string' },
						{ apiName: 'errorCode', name: 'Error Code', dataType: 'string' },
						{ apiName: 'errorMessage', name: 'Error Message', dataType: 'text' },
						{ apiName: 'workflow', name: 'Workflow', dataType: 'string' },
					],
				},
				'dynamicsSyncError',
				true,
			);
		}
		this.ensureIndex('email');
	}

	nowIso(): string {
		return isoSeconds(this.now());
	}

	// ------------------------------------------------------------------ lead schema

	get leadFields(): FieldDef[] {
		return this.leadFieldList;
	}

	/** Case-insensitive field lookup by REST name. */
	leadField(name: string): FieldDef | undefined {
		return this.leadFieldMap.get(name.toLowerCase());
	}

	/** Adds (or replaces) a lead field: schema drift in tests. */
	addLeadField(input: LeadFieldInput): FieldDef {
		const existing = this.leadField(input.name);
		if (existing) this.removeLeadField(existing.name);
		const def: FieldDef = {
			name: input.name,
			displayName: input.displayName ?? displayNameOf(input.name),
			dataType: input.dataType,
			length: input.length,
			readOnly: input.readOnly ?? false,
			custom: input.custom ?? true,
		};
		def.searchable = input.searchable ?? defaultSearchable(def);
		return this.pushLeadField(def);
	}

	/** Removes a lead field; values stay on the records but are no longer visible. */
	removeLeadField(name: string): boolean {
		const def = this.leadField(name);
		if (!def) return false;
		this.leadFieldList = this.leadFieldList.filter((f) => f !== def);
		this.leadFieldMap.delete(def.name.toLowerCase());
		this.indexes.delete(def.name);
		return true;
	}

	private pushLeadField(def: FieldDef): FieldDef {
		def.id = this.nextFieldId++;
		this.leadFieldList.push(def);
		this.leadFieldMap.set(def.name.toLowerCase(), def);
		return def;
	}

	/**
	 * Validates raw field values against the lead schema: canonical names, coerced values, and the
	 * record-level reasons Marketo would give (1006 unknown field, 1001 type, 1003 invalid value).
	 */
	prepareLeadValues(
		raw: Record<string, unknown>,
		opts: { skip?: string[] } = {},
	): { values: Record<string, unknown>; reasons: Reason[] } {
		const values: Record<string, unknown> = {};
		const reasons: Reason[] = [];
		for (const [k, v] of Object.entries(raw)) {
			if (opts.skip?.includes(k)) continue;
			const def = this.leadField(k);
			if (!def) {
				reasons.push({ code: '1006', message: `Field '${k}' not found` });
				continue;
			}
			if (def.readOnly) {
				reasons.push({ code: '1003', message: `Field '${def.name}' is read-only` });
				continue;
			}
			const c = coerceValue(def, v);
			if (!c.ok) reasons.push(c.reason);
			else values[def.name] = c.value;
		}
		return { values, reasons };
	}

	// ------------------------------------------------------------------ lead indexes

	private ensureIndex(field: string): Map<string, IndexEntry> {
		let idx = this.indexes.get(field);
		if (!idx) {
			idx = new Map();
			this.indexes.set(field, idx);
			for (const lead of this.leads.values()) indexAdd(idx, lookupKey(lead[field]), lead.id);
		}
		return idx;
	}

	/** Ids of the leads whose field equals value (case-insensitive), ascending. */
	findLeadIds(field: string, value: unknown): number[] {
		const def = this.leadField(field);
		const name = def?.name ?? field;
		if (name === 'id') {
			const id = Number(value);
			return Number.isInteger(id) && this.leads.has(id) ? [id] : [];
		}
		const key = lookupKey(value);
		if (key === undefined) return [];
		const entry = this.ensureIndex(name).get(key);
		if (entry === undefined) return [];
		return typeof entry === 'number' ? [entry] : [...entry].sort((a, b) => a - b);
	}

	getLead(id: number): MarketoLead | undefined {
		return this.leads.get(id);
	}

	/** Leads whose email matches (case-insensitive). */
	findLeadsByEmail(email: string): MarketoLead[] {
		return this.findLeadIds('email', email).map((id) => this.leads.get(id)!);
	}

	fullName(lead: Record<string, unknown>): string {
		const name = [lead.firstName, lead.lastName].filter((v) => v !== null && v !== undefined && v !== '').join(' ');
		return name || String(lead.email ?? '');
	}

	// ------------------------------------------------------------------ lead writes

	/** Creates a lead from coerced values; logs New Lead (12) unless log is false. */
	createLead(values: Record<string, unknown>, ctx: WriteContext, log = true): MarketoLead {
		const now = this.now();
		const iso = isoSeconds(now);
		const lead: MarketoLead = { id: this.nextLeadId++, createdAt: iso, updatedAt: iso };
		const initial: Record<string, unknown> = {};
		for (const [k, v] of Object.entries(values)) {
			if (k === 'id' || k === 'createdAt' || k === 'updatedAt') continue;
			if (v === null || v === undefined) continue;
			lead[k] = v;
			initial[k] = v;
		}
		this.leads.set(lead.id, lead);
		for (const [field, idx] of this.indexes) indexAdd(idx, lookupKey(lead[field]), lead.id);
		if (log) {
			this.logActivity({ leadId: lead.id, date: now, typeId: ACTIVITY_NEW_LEAD, primary: this.fullName(lead), initial, ctx });
		}
		return lead;
	}

	/** Applies coerced values; logs one Change Data Value (13) per changed field. Returns changed names. */
	updateLead(lead: MarketoLead, values: Record<string, unknown>, ctx: WriteContext, log = true): string[] {
		const now = this.now();
		const changed: string[] = [];
		for (const [k, raw] of Object.entries(values)) {
			if (k === 'id' || k === 'createdAt' || k === 'updatedAt') continue;
			const v = raw === undefined ? null : raw;
			const old = lead[k] ?? null;
			if (sameValue(old, v)) continue;
			const idx = this.indexes.get(k);
			if (idx) indexRemove(idx, lookupKey(old), lead.id);
			if (v === null) delete lead[k];
			else lead[k] = v;
			if (idx) indexAdd(idx, lookupKey(v), lead.id);
			changed.push(k);
			if (log) {
				const def = this.leadField(k);
				this.logActivity({
					leadId: lead.id,
					date: now,
					typeId: ACTIVITY_CHANGE_DATA_VALUE,
					field: k,
					fieldId: def?.id,
					newValue: v,
					oldValue: old,
					ctx,
				});
			}
		}
		if (changed.length) lead.updatedAt = isoSeconds(now);
		return changed;
	}

	/** Deletes a lead; logs Delete Lead (37) unless log is false. */
	deleteLead(id: number, ctx: WriteContext, log = true): boolean {
		const lead = this.leads.get(id);
		if (!lead) return false;
		this.leads.delete(id);
		for (const [field, idx] of this.indexes) indexRemove(idx, lookupKey(lead[field]), id);
		if (log) {
			this.logActivity({ leadId: id, date: this.now(), typeId: ACTIVITY_DELETE_LEAD, primary: this.fullName(lead), primaryId: id, ctx });
		}
		return true;
	}

	/** Merge: the winner keeps its values and takes the losers' values where it has none; losers go (no 37). */
	mergeLeads(winnerId: number, loserIds: number[], ctx: WriteContext): void {
		const winner = this.leads.get(winnerId);
		if (!winner) throw new Error(`lead ${winnerId} not found`);
		const fill: Record<string, unknown> = {};
		for (const id of loserIds) {
			const loser = this.leads.get(id);
			if (!loser) continue;
			for (const [k, v] of Object.entries(loser)) {
				if (k === 'id' || k === 'createdAt' || k === 'updatedAt') continue;
				if ((winner[k] === undefined || winner[k] === null) && fill[k] === undefined) fill[k] = v;
			}
		}
		for (const id of loserIds) this.deleteLead(id, ctx, false);
		this.updateLead(winner, fill, ctx, false);
		this.logActivity({
			leadId: winnerId,
			date: this.now(),
			typeId: ACTIVITY_MERGE_LEADS,
			primary: this.fullName(winner),
			primaryId: winnerId,
			attrs: [
				{ name: 'Merge IDs', value: JSON.stringify(loserIds) },
				{ name: 'Merge Source', value: ctx.source },
				{ name: 'Merged in Sales', value: false },
			],
			ctx,
		});
	}

	/**
	 * Generates `count` leads quickly (benchmarks: 100k+). `{{n}}` in template values is replaced by
	 * the lead's sequence number. No activities unless logActivities.
	 */
	seedLeads(
		count: number,
		template: Record<string, unknown> = { email: 'seed{{n}}@example.com', firstName: 'Seed', lastName: 'Lead {{n}}' },
		logActivities = false,
	): { created: number; firstId: number; lastId: number } {
		const entries = Object.entries(template).map(([k, raw]) => {
			const def = this.leadField(k);
			if (!def || def.readOnly) throw new Error(`seed template: field '${k}' not found or read-only`);
			return [def, raw] as const;
		});
		const ctx: WriteContext = { source: SOURCE_API, user: this.apiUserEmail, apiMethod: 'seed' };
		const firstId = this.nextLeadId;
		for (let i = 0; i < count; i++) {
			const n = this.nextLeadId;
			const values: Record<string, unknown> = {};
			for (const [def, raw] of entries) {
				const v = typeof raw === 'string' ? raw.replace(/\{\{n\}\}/g, String(n)) : raw;
				const c = coerceValue(def, v);
				if (!c.ok) throw new Error(`seed template: ${c.reason.message}`);
				values[def.name] = c.value;
			}
			this.createLead(values, ctx, logActivities);
		}
		return { created: count, firstId, lastId: this.nextLeadId - 1 };
	}

	// ------------------------------------------------------------------ activities

	logActivity(a: Omit<ActivityRecord, 'id'>): ActivityRecord {
		const rec: ActivityRecord = { id: this.nextActivityId++, ...a };
		this.activities.push(rec);
		return rec;
	}

	/** Index of the first activity with id > afterId (activities are in id order). */
	activityIndexAfter(afterId: number): number {
		let lo = 0;
		let hi = this.activities.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.activities[mid].id <= afterId) lo = mid + 1;
			else hi = mid;
		}
		return lo;
	}

	/** Id of the last activity dated before sinceMs (paging-token position), assuming mostly ordered dates. */
	activityPositionBefore(sinceMs: number): number {
		let lo = 0;
		let hi = this.activities.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.activities[mid].date < sinceMs) lo = mid + 1;
			else hi = mid;
		}
		return lo === 0 ? 0 : this.activities[lo - 1].id;
	}

	lastActivityId(): number {
		return this.activities.length ? this.activities[this.activities.length - 1].id : 0;
	}

	// ------------------------------------------------------------------ custom activity types

	addCustomActivityType(version: CustomActivityTypeVersion, apiName: string, approved: boolean): CustomActivityType {
		const iso = this.nowIso();
		const type: CustomActivityType = { id: this.nextActivityTypeId++, apiName, createdAt: iso, updatedAt: iso };
		if (approved) type.approved = version;
		else type.draft = version;
		this.customActivityTypes.set(apiName, type);
		return type;
	}

	customActivityTypeById(id: number): CustomActivityType | undefined {
		for (const t of this.customActivityTypes.values()) if (t.id === id) return t;
		return undefined;
	}

	// ------------------------------------------------------------------ generic objects

	/** companies | opportunities | opportunityRoles | salespersons | customobjects/<apiName> */
	table(type: string): ObjectTable | undefined {
		return this.objectTables.get(type) ?? this.objectTables.get(type === 'roles' ? 'opportunityRoles' : type);
	}

	/** All records of an object type (empty when the type does not exist). */
	objects(type: string): ObjectRecord[] {
		return this.table(type)?.list() ?? [];
	}

	customObjectTypes(): ObjectTypeDef[] {
		return [...this.objectTables.values()].map((t) => t.def).filter((d) => d.custom);
	}

	addCustomObjectType(input: CustomObjectTypeInput): ObjectTypeDef {
		return this.addCustomObjectTypeDef(customObjectType(input));
	}

	private addCustomObjectTypeDef(def: ObjectTypeDef): ObjectTypeDef {
		this.objectTables.set(def.key, new ObjectTable(def));
		return def;
	}
}

function indexAdd(idx: Map<string, IndexEntry>, key: string | undefined, id: number): void {
	if (key === undefined) return;
	const entry = idx.get(key);
	if (entry === undefined) idx.set(key, id);
	else if (typeof entry === 'number') {
		if (entry !== id) idx.set(key, [entry, id]);
	} else if (!entry.includes(id)) entry.push(id);
}

function indexRemove(idx: Map<string, IndexEntry>, key: string | undefined, id: number): void {
	if (key === undefined) return;
	const entry = idx.get(key);
	if (entry === undefined) return;
	if (typeof entry === 'number') {
		if (entry === id) idx.delete(key);
		return;
	}
	const rest = entry.filter((x) => x !== id);
	if (rest.length === 0) idx.delete(key);
	else if (rest.length === 1) idx.set(key, rest[0]);
	else idx.set(key, rest);
}
