import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { resolveRecord } from '../../conflict/resolve';
import { buildSyncState, keepBaseFor, matchesSyncState, parseSyncState, sameFingerprints, serialiseSyncState, type SyncState } from '../../conflict/syncState';
import { MARKER_FIELDS, typeLabel, type FieldMapping, type PersonTable } from '../../mapping/defaultMappings';
import { guid, KNOWN_TABLES, lookupId, presentColumns, rowsByIds } from '../../records/dataverseRows';
import { excludedByFilter, syncFilterValue } from '../../mapping/syncFilter';
import { errorMessage, isPlainObject, shortText } from '../../records/values';
import { dynamicsColumnMap } from '../../persons/metadata';
import { tableFromType } from '../../persons/tables';
import { marketoValueOfColumn } from '../../persons/values';
import type { ColumnInfo } from '../../transport/dataverseApi';
import { describeLeads, getLeadsBy, type MarketoField } from '../../transport/marketoApi';
import { isQualifiedLead, originatingLeadOf, personOfOriginatingLead } from './qualify';
import { policyFor, type ResolveSettings } from './settings';

export type ResolveAction = 'writeMarketo' | 'writeDynamics' | 'writeBoth' | 'none' | 'createInMarketo' | 'skip' | 'mergedAway';

/** One output item: what to write where, and why. */
export interface ResolveOutput extends IDataObject {
	entity: PersonTable | null;
	/** Which system the incoming change came from. */
	source: 'dynamics' | 'marketo';
	dynamicsId: string | null;
	marketoId: number | null;
	action: ResolveAction;
	reason: string;
	/** Marketo field → value to write on the person (includes the new sync state when it changed). */
	toMarketo: IDataObject;
	/** Dynamics column → value to write on the lead/contact. */
	toDynamics: IDataObject;
	/** Marketo field → the value both systems hold after the writes. */
	merged: IDataObject;
	collisions: IDataObject[];
	/**
	 * The serialised sync state once every write of this item was accepted (field
	 * `microsoftSyncState`). `toMarketo` carries the state that is true before the Dynamics write.
	 */
	syncState: string;
	/** The state stored on the person now (the base of this merge). */
	baseSyncState?: string;
	/** The Marketo person field that holds the state. */
	syncStateField?: string;
}

interface BaseTask {
	index: number;
	settings: ResolveSettings;
	operation: string;
}

interface DynamicsTask extends BaseTask {
	source: 'dynamics';
	entity: PersonTable;
	id: string;
	modifiedon?: string;
	fields: IDataObject;
	json: IDataObject;
}

interface MarketoTask extends BaseTask {
	source: 'marketo';
	leadId: number;
	activityDate?: string;
	/** The person as the Marketo Trigger just read it, and the fields it read. */
	current?: { values: IDataObject; fields: Set<string> };
}

type Task = DynamicsTask | MarketoTask;

/** Per input item: an output, or an error message naming the record. */
export type Outcome =
	| { output: ResolveOutput }
	| { error: string; api?: boolean; field?: string; system?: 'marketo' | 'dynamics'; dynamicsId?: string; marketoId?: number };

/** The ids an error item names. */
function idsOf(task: Task): { dynamicsId?: string; marketoId?: number } {
	return task.source === 'dynamics' ? { dynamicsId: task.id } : { marketoId: task.leadId };
}

/** An item that cannot be read, with the input field at fault. */
class ItemError extends Error {
	constructor(
		message: string,
		readonly field: string,
	) {
		super(message);
	}
}

const NOT_IN_DYNAMICS = 'not in Dynamics: use Sync Person to Microsoft';


/** Reads one input item as a Dynamics change or a Marketo change; throws a message naming the item. */
export function parseItem(json: IDataObject, index: number, settings: ResolveSettings): Task {
	const operation = String(json.operation ?? 'updated');
	if (typeof json.table === 'string' && isPlainObject(json.fields)) {
		const entity = tableFromType(json.table);
		if (!entity) {
			throw new Error(`Item ${index + 1}: Resolve Conflict handles Dynamics leads and contacts; "${json.table}" records sync one way with Sync Records to Marketo`);
		}
		const id = guid(json.id);
		if (!id) throw new ItemError(`Item ${index + 1}: "${shortText(json.id)}" is not a Dynamics ${entity} ID (GUID expected in field "id")`, 'id');
		const modifiedon = typeof json.modifiedon === 'string' ? json.modifiedon : typeof json.fields.modifiedon === 'string' ? json.fields.modifiedon : undefined;
		return { source: 'dynamics', index, settings, operation, entity, id, modifiedon, fields: json.fields, json };
	}
	for (const table of ['lead', 'contact'] as PersonTable[]) {
		const id = guid(json[KNOWN_TABLES[table].primaryId]);
		if (id) {
			const modifiedon = typeof json.modifiedon === 'string' ? json.modifiedon : undefined;
			return { source: 'dynamics', index, settings, operation, entity: table, id, modifiedon, fields: json, json };
		}
	}
	const leadId = typeof json.leadId === 'number' || (typeof json.leadId === 'string' && /^\d+$/.test(json.leadId.trim())) ? Number(json.leadId) : NaN;
	if (Number.isSafeInteger(leadId) && leadId > 0) {
		const current =
			isPlainObject(json.current) && Array.isArray(json.currentFields) ? { values: json.current, fields: new Set(json.currentFields.map(String)) } : undefined;
		return { source: 'marketo', index, settings, operation, leadId, activityDate: typeof json.activityDate === 'string' ? json.activityDate : undefined, current };
	}
	if (json.leadId !== undefined && json.leadId !== null && json.leadId !== '') {
		throw new ItemError(`Item ${index + 1}: "${shortText(json.leadId)}" is not a Marketo lead ID (a positive whole number in field "leadId")`, 'leadId');
	}
	throw new ItemError(
		`Item ${index + 1}: cannot tell where this change comes from. Expected a Dynamics 365 Trigger item ({table, id, fields}), a Dynamics lead/contact row (leadid or contactid) or a Marketo Trigger item ({leadId, …})`,
		'id',
	);
}

function output(task: Task, entity: PersonTable | null, values: Partial<ResolveOutput>): Outcome {
	return {
		output: {
			entity,
			source: task.source,
			dynamicsId: task.source === 'dynamics' ? task.id : null,
			marketoId: task.source === 'marketo' ? task.leadId : null,
			action: 'none',
			reason: '',
			toMarketo: {},
			toDynamics: {},
			merged: {},
			collisions: [],
			syncState: '',
			...values,
		},
	};
}

function skip(task: Task, entity: PersonTable | null, reason: string, extra: Partial<ResolveOutput> = {}): Outcome {
	return output(task, entity, { action: 'skip', reason, ...extra });
}

/** The person linked to a Dynamics record: the one of the right type first, then the oldest. */
function pickPerson(persons: IDataObject[], entity: PersonTable): IDataObject | undefined {
	const label = typeLabel(entity).toLowerCase();
	return [...persons].sort((a, b) => {
		const ta = String(a[MARKER_FIELDS.type] ?? '').toLowerCase() === label ? 0 : 1;
		const tb = String(b[MARKER_FIELDS.type] ?? '').toLowerCase() === label ? 0 : 1;
		return ta - tb || Number(a.id) - Number(b.id);
	})[0];
}

interface Context {
	fn: IExecuteFunctions;
	marketoFields: Map<string, MarketoField>;
	/** Dynamics columns each person table has (metadata), by table. */
	columns: Record<PersonTable, Set<string>>;
	/** Column metadata by logical name, by table: choice columns reach Marketo as their labels. */
	columnInfo: Record<PersonTable, Map<string, ColumnInfo>>;
}

/** A Dynamics row's mapped values in Marketo terms (Marketo field → value; choices as labels). */
function marketoViewOf(ctx: Context, table: PersonTable, row: IDataObject, mappings: FieldMapping[], onlyPresent: boolean): Record<string, unknown> {
	const values: Record<string, unknown> = {};
	for (const m of mappings) {
		if (onlyPresent && !Object.prototype.hasOwnProperty.call(row, m.dynamics)) continue;
		const column = ctx.columnInfo[table].get(m.dynamics) ?? ({ logicalName: m.dynamics } as ColumnInfo);
		values[m.marketo] = marketoValueOfColumn(row, column, ctx.marketoFields.get(m.marketo)) ?? null;
	}
	return values;
}

/** Fields the node compares for a table: mapped pairs whose field and column both exist. */
function usableMappings(ctx: Context, table: PersonTable, settings: ResolveSettings): { mappings: FieldMapping[]; skipped: string[] } {
	const mappings: FieldMapping[] = [];
	const skipped: string[] = [];
	for (const m of settings.mappings[table]) {
		const field = ctx.marketoFields.get(m.marketo);
		if (!field) skipped.push(`Marketo field "${m.marketo}" does not exist`);
		else if (field.readOnly) skipped.push(`Marketo field "${m.marketo}" is read-only`);
		else if (!ctx.columns[table].has(m.dynamics)) skipped.push(`Dynamics ${table} column "${m.dynamics}" does not exist`);
		else mappings.push(m);
	}
	return { mappings, skipped };
}

/**
 * Resolves every input item: reads the other system's current record and the stored sync state in
 * batches (Marketo ≤300 a call, Dataverse 50 ids a query), then merges field by field.
 */
export async function resolveItems(fn: IExecuteFunctions, items: IDataObject[], settingsFor: (index: number) => ResolveSettings): Promise<Outcome[]> {
	const outcomes: Outcome[] = new Array(items.length);
	const tasks: Task[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			tasks.push(parseItem(items[i], i, settingsFor(i)));
		} catch (error) {
			outcomes[i] = { error: errorMessage(error), ...(error instanceof ItemError ? { field: error.field } : {}) };
		}
	}
	if (!tasks.length) return outcomes;

	let ctx: Context;
	try {
		const described = await describeLeads(fn);
		const marketoFields = new Map(described.map((f) => [f.name, f]));
		const wanted: Record<PersonTable, string[]> = { lead: [], contact: [] };
		for (const task of tasks) {
			for (const table of ['lead', 'contact'] as PersonTable[]) {
				wanted[table].push(...task.settings.mappings[table].map((m) => m.dynamics), task.settings.syncFilterField, 'merged', '_masterid_value', 'modifiedon');
			}
		}
		const columns = {
			lead: new Set((await presentColumns(fn, 'lead', wanted.lead.filter(Boolean))).present),
			contact: new Set((await presentColumns(fn, 'contact', wanted.contact.filter(Boolean))).present),
		};
		const columnInfo = { lead: await dynamicsColumnMap(fn, 'lead'), contact: await dynamicsColumnMap(fn, 'contact') };
		ctx = { fn, marketoFields, columns, columnInfo };
	} catch (error) {
		for (const task of tasks) outcomes[task.index] = { error: `${label(task)}: could not read the field lists of Marketo and Dynamics: ${errorMessage(error)}`, api: true, ...idsOf(task) };
		return outcomes;
	}

	const ready: Task[] = [];
	for (const task of tasks) {
		const stateField = task.settings.syncStateField;
		const field = ctx.marketoFields.get(stateField);
		if (!field) {
			outcomes[task.index] = {
				error: `${label(task)}: Marketo has no person field "${stateField}" to keep the sync state in: create a custom Text Area field with that API name (or choose another in Options → Sync State Field)`,
				field: stateField,
				...idsOf(task),
			};
		} else ready.push(task);
	}

	const marketoFieldsToRead = new Set<string>(['id', 'updatedAt', MARKER_FIELDS.id, MARKER_FIELDS.type]);
	for (const task of ready) {
		marketoFieldsToRead.add(task.settings.syncStateField);
		for (const table of ['lead', 'contact'] as PersonTable[]) for (const m of task.settings.mappings[table]) marketoFieldsToRead.add(m.marketo);
	}
	const readFields = [...marketoFieldsToRead].filter((f) => ctx.marketoFields.has(f));

	await resolveDynamicsChanges(ctx, ready.filter((t): t is DynamicsTask => t.source === 'dynamics'), readFields, outcomes);
	await resolveMarketoChanges(ctx, ready.filter((t): t is MarketoTask => t.source === 'marketo'), readFields, outcomes);
	return outcomes;
}

/** "Item 3 (Dynamics lead <id>)" / "Item 4 (Marketo person 12)": names the record in errors. */
function label(task: Task): string {
	return `Item ${task.index + 1} (${task.source === 'dynamics' ? `Dynamics ${task.entity} ${task.id}` : `Marketo person ${task.leadId}`})`;
}

async function guarded(tasks: Task[], outcomes: Outcome[], what: string, system: 'marketo' | 'dynamics', run: () => Promise<void>): Promise<boolean> {
	try {
		await run();
		return true;
	} catch (error) {
		for (const task of tasks) if (!outcomes[task.index]) outcomes[task.index] = { error: `${label(task)}: ${what}: ${errorMessage(error)}`, api: true, system, ...idsOf(task) };
		return false;
	}
}

/** Loser rows of a Dynamics merge: the winner's sync filter decides whether the winner syncs. */
async function resolveMerges(ctx: Context, merges: Array<{ task: Task; entity: PersonTable; loserId: string; winnerId?: string; person?: IDataObject }>, outcomes: Outcome[]): Promise<void> {
	for (const table of ['lead', 'contact'] as PersonTable[]) {
		const group = merges.filter((m) => m.entity === table);
		if (!group.length) continue;
		const filterColumns = [...new Set(group.map((m) => m.task.settings.syncFilterField))].filter((c) => ctx.columns[table].has(c));
		let winners = new Map<string, IDataObject>();
		const ok = await guarded(
			group.map((m) => m.task),
			outcomes,
			`Could not read the winning Dynamics ${table}s of merges`,
			'dynamics',
			async () => {
				winners = await rowsByIds(ctx.fn, KNOWN_TABLES[table], group.map((m) => m.winnerId).filter((id): id is string => !!id), filterColumns);
			},
		);
		if (!ok) continue;
		for (const m of group) {
			const winner = m.winnerId ? winners.get(m.winnerId) : undefined;
			const filter = m.task.settings.syncFilterField;
			const winnerSyncs = !!winner && syncFilterValue(winner[filter]) !== false;
			const stateField = m.task.settings.syncStateField;
			const flag: IDataObject = {};
			if (m.person && ctx.marketoFields.has(MARKER_FIELDS.isDeleted)) flag[MARKER_FIELDS.isDeleted] = true;
			const reason = !m.winnerId
				? `this ${table} was merged away in Dynamics; the winning record is not known`
				: !winner
					? `this ${table} was merged into ${m.winnerId}, which no longer exists in Dynamics`
					: `this ${table} was merged into ${m.winnerId} in Dynamics; the winner's sync filter (${filter}) ${winnerSyncs ? 'is Yes or empty: the winner keeps syncing' : 'is No: the winner does not sync'}`;
			outcomes[m.task.index] = output(m.task, table, {
				action: 'mergedAway',
				reason,
				dynamicsId: m.loserId,
				marketoId: m.person ? Number(m.person.id) : null,
				toMarketo: flag,
				syncState: m.person ? String(m.person[stateField] ?? '') : '',
				mergedInto: m.winnerId ?? null,
				winnerSyncs,
			});
		}
	}
}

function isMergedLoser(row: IDataObject): boolean {
	return row.merged === true || String(row.merged).toLowerCase() === 'true';
}

async function resolveDynamicsChanges(ctx: Context, tasks: DynamicsTask[], readFields: string[], outcomes: Outcome[]): Promise<void> {
	const lookups: DynamicsTask[] = [];
	const merges: DynamicsTask[] = [];
	for (const task of tasks) {
		if (task.operation === 'deleted') {
			outcomes[task.index] = skip(task, task.entity, `the ${task.entity} was deleted in Dynamics: deletes are handled by Delete Person`);
		} else if (isMergedLoser(task.fields)) {
			merges.push(task);
			lookups.push(task);
		} else if (excludedByFilter(task.json, task.fields, task.settings.syncFilterField)) {
			outcomes[task.index] = skip(task, task.entity, `the sync filter (${task.settings.syncFilterField}) of this ${task.entity} is No: it is not synced, and its Marketo person is left as it is`);
		} else {
			lookups.push(task);
		}
	}
	if (!lookups.length) return;
	const byMicrosoftId = new Map<string, IDataObject[]>();
	const ok = await guarded(lookups, outcomes, 'Could not look up the Marketo persons', 'marketo', async () => {
		// A qualified contact's originating lead is read in the same call: its person may be the one to relink.
		const leads = lookups.map((t) => originatingLeadOf(t.entity, t.fields)).filter((id): id is string => !!id);
		const persons = await getLeadsBy(ctx.fn, MARKER_FIELDS.id, [...new Set([...lookups.map((t) => t.id), ...leads])], readFields);
		for (const person of persons) {
			const id = guid(person[MARKER_FIELDS.id]);
			if (!id) continue;
			const list = byMicrosoftId.get(id) ?? [];
			list.push(person);
			byMicrosoftId.set(id, list);
		}
	});
	if (!ok) return;

	await resolveMerges(
		ctx,
		merges.map((task) => ({ task, entity: task.entity, loserId: task.id, winnerId: lookupId(task.fields, 'masterid'), person: pickPerson(byMicrosoftId.get(task.id) ?? [], task.entity) })),
		outcomes,
	);

	for (const task of lookups) {
		if (outcomes[task.index]) continue;
		const persons = byMicrosoftId.get(task.id) ?? [];
		const person = pickPerson(persons, task.entity);
		const { mappings, skipped } = usableMappings(ctx, task.entity, task.settings);
		const dynamicsValues = marketoViewOf(ctx, task.entity, task.fields, mappings, true);
		if (!person) {
			const leadId = originatingLeadOf(task.entity, task.fields);
			const leadPerson = personOfOriginatingLead(leadId, byMicrosoftId);
			if (leadPerson) {
				// Qualify: the lead's person follows the contact (one person, its id and history kept).
				const outcome = createInMarketo(ctx, task, dynamicsValues, skipped, true);
				if ('output' in outcome) {
					Object.assign(outcome.output, {
						marketoId: Number(leadPerson.id),
						action: 'writeMarketo',
						reason: `qualified from Dynamics lead ${leadId}: its Marketo person ${String(leadPerson.id)} now follows this contact`,
					});
				}
				outcomes[task.index] = outcome;
				continue;
			}
			if (isQualifiedLead(task.entity, task.fields)) {
				outcomes[task.index] = skip(task, task.entity, 'the lead is qualified and no Marketo person is linked to it: its person follows the contact it was qualified into');
				continue;
			}
			outcomes[task.index] = createInMarketo(ctx, task, dynamicsValues, skipped);
			continue;
		}
		outcomes[task.index] = resolvePair(ctx, task, task.entity, {
			person,
			dynamicsValues,
			mappings,
			skipped,
			marketoModifiedAt: typeof person.updatedAt === 'string' ? person.updatedAt : undefined,
			dynamicsModifiedAt: task.modifiedon,
			dynamicsId: task.id,
			warnings: persons.length > 1 ? [`${persons.length} Marketo persons carry Microsoft Id ${task.id}; using person ${String(person.id)}`] : [],
		});
	}
}

/**
 * The Marketo write for a Dynamics row without a person. `existingPerson`: the row is linked to a
 * person that already holds values (qualify), so an empty Dynamics field leaves the person's value
 * in place and gets no base: the state then describes only values both systems hold.
 */
function createInMarketo(ctx: Context, task: DynamicsTask, dynamicsValues: Record<string, unknown>, skipped: string[], existingPerson = false): Outcome {
	const stateField = task.settings.syncStateField;
	// A new person needs no empty fields; for a new person the state still records them as synced (empty).
	const toMarketo: IDataObject = {};
	for (const [field, value] of Object.entries(dynamicsValues)) if (value !== null && value !== undefined && value !== '') toMarketo[field] = value as IDataObject[string];
	const state = buildSyncState(existingPerson ? (toMarketo as Record<string, unknown>) : dynamicsValues);
	const markers: IDataObject = { [MARKER_FIELDS.id]: task.id, [MARKER_FIELDS.type]: typeLabel(task.entity) };
	const created = task.fields.createdon;
	if (typeof created === 'string' && created) markers[MARKER_FIELDS.createdDate] = created;
	for (const [field, value] of Object.entries(markers)) if (ctx.marketoFields.has(field)) toMarketo[field] = value;
	toMarketo[stateField] = serialiseSyncState(state);
	return output(task, task.entity, {
		action: 'createInMarketo',
		reason: `no Marketo person is linked to this Dynamics ${task.entity} yet`,
		toMarketo,
		merged: { ...(dynamicsValues as IDataObject) },
		syncState: serialiseSyncState(state),
		...(skipped.length ? { skippedFields: skipped } : {}),
	});
}

async function resolveMarketoChanges(ctx: Context, tasks: MarketoTask[], readFields: string[], outcomes: Outcome[]): Promise<void> {
	const lookups: MarketoTask[] = [];
	for (const task of tasks) {
		if (task.operation === 'deleted') outcomes[task.index] = skip(task, null, 'the person was deleted in Marketo: deletes are handled by Delete Person');
		else lookups.push(task);
	}
	if (!lookups.length) return;
	// The Marketo Trigger has just read these persons: its values serve when they hold every field
	// needed (a field it read but Marketo left out is empty). Only the others are read again.
	const persons = new Map<number, IDataObject>();
	const toRead: MarketoTask[] = [];
	for (const task of lookups) {
		const current = task.current;
		if (current && readFields.every((f) => current.fields.has(f))) {
			persons.set(task.leadId, Object.fromEntries(readFields.map((f) => [f, current.values[f] ?? null])) as IDataObject);
		} else toRead.push(task);
	}
	const ok = await guarded(toRead, outcomes, 'Could not read the Marketo persons', 'marketo', async () => {
		if (!toRead.length) return;
		for (const person of await getLeadsBy(ctx.fn, 'id', toRead.map((t) => t.leadId), readFields)) persons.set(Number(person.id), person);
	});
	if (!ok && toRead.length === lookups.length) return; // every item already names the failed read

	// Which Dynamics record each person is linked to.
	const linked: Array<{ task: MarketoTask; person: IDataObject; id: string; tables: PersonTable[] }> = [];
	for (const task of lookups) {
		if (outcomes[task.index]) continue;
		const person = persons.get(task.leadId);
		if (!person) {
			outcomes[task.index] = skip(task, null, `Marketo person ${task.leadId} no longer exists`);
			continue;
		}
		const id = guid(person[MARKER_FIELDS.id]);
		if (!id) {
			outcomes[task.index] = skip(task, null, NOT_IN_DYNAMICS);
			continue;
		}
		const typed = tableFromType(person[MARKER_FIELDS.type]);
		linked.push({ task, person, id, tables: typed ? [typed] : ['lead', 'contact'] });
	}

	const rows: Record<PersonTable, Map<string, IDataObject>> = { lead: new Map(), contact: new Map() };
	for (const table of ['lead', 'contact'] as PersonTable[]) {
		const group = linked.filter((l) => l.tables.includes(table));
		if (!group.length) continue;
		const select = [...ctx.columns[table]];
		await guarded(
			group.map((l) => l.task),
			outcomes,
			`Could not read the Dynamics ${table}s`,
			'dynamics',
			async () => {
				rows[table] = await rowsByIds(ctx.fn, KNOWN_TABLES[table], group.map((l) => l.id), select);
			},
		);
	}

	const merges: Array<{ task: Task; entity: PersonTable; loserId: string; winnerId?: string; person?: IDataObject }> = [];
	for (const { task, person, id, tables } of linked) {
		if (outcomes[task.index]) continue;
		const table = tables.find((t) => rows[t].has(id));
		if (!table) {
			const what = tables.length === 1 ? `Dynamics ${tables[0]}` : 'Dynamics lead or contact';
			outcomes[task.index] = skip(task, tables.length === 1 ? tables[0] : null, `the linked ${what} ${id} no longer exists (deleted in Dynamics): see Delete Person`, { dynamicsId: id });
			continue;
		}
		const row = rows[table].get(id)!;
		if (isMergedLoser(row)) {
			merges.push({ task, entity: table, loserId: id, winnerId: lookupId(row, 'masterid'), person });
			continue;
		}
		if (syncFilterValue(row[task.settings.syncFilterField]) === false) {
			outcomes[task.index] = skip(task, table, `the sync filter (${task.settings.syncFilterField}) of Dynamics ${table} ${id} is No: it is not synced`, { dynamicsId: id });
			continue;
		}
		const { mappings, skipped } = usableMappings(ctx, table, task.settings);
		const dynamicsValues = marketoViewOf(ctx, table, row, mappings, false);
		outcomes[task.index] = resolvePair(ctx, task, table, {
			person,
			dynamicsValues,
			mappings,
			skipped,
			marketoModifiedAt: task.activityDate ?? (typeof person.updatedAt === 'string' ? person.updatedAt : undefined),
			dynamicsModifiedAt: typeof row.modifiedon === 'string' ? row.modifiedon : undefined,
			dynamicsId: id,
			warnings: [],
		});
	}
	await resolveMerges(ctx, merges, outcomes);
}

function resolvePair(
	ctx: Context,
	task: Task,
	entity: PersonTable,
	input: {
		person: IDataObject;
		dynamicsValues: Record<string, unknown>;
		mappings: FieldMapping[];
		skipped: string[];
		marketoModifiedAt?: string;
		dynamicsModifiedAt?: string;
		dynamicsId: string;
		warnings: string[];
	},
): Outcome {
	const { person, dynamicsValues, mappings } = input;
	const stateField = task.settings.syncStateField;
	const storedText = typeof person[stateField] === 'string' ? (person[stateField] as string) : '';
	const base: SyncState | undefined = parseSyncState(storedText);
	const marketoValues: Record<string, unknown> = {};
	// Marketo leaves empty fields out of its answer: a requested field that is missing is empty.
	for (const m of mappings) marketoValues[m.marketo] = person[m.marketo] ?? null;
	const ids = { dynamicsId: input.dynamicsId, marketoId: Number(person.id) };
	const extras: IDataObject = {
		...(input.skipped.length ? { skippedFields: input.skipped } : {}),
		...(input.warnings.length ? { warnings: input.warnings } : {}),
	};

	// Echo: the incoming side holds exactly what was last synced, so this change is the sync's own write.
	const incoming = task.source === 'dynamics' ? dynamicsValues : marketoValues;
	if (matchesSyncState(incoming, base)) {
		return output(task, entity, {
			...ids,
			action: 'none',
			reason: `echo: the ${task.source === 'dynamics' ? 'Dynamics' : 'Marketo'} values equal the last synced state`,
			syncState: storedText,
			...extras,
		});
	}

	const resolution = resolveRecord({
		entity,
		fields: mappings.map((m) => m.marketo),
		marketo: marketoValues,
		dynamics: dynamicsValues,
		base,
		policy: policyFor(task.settings, entity),
		marketoModifiedAt: input.marketoModifiedAt,
		dynamicsModifiedAt: input.dynamicsModifiedAt,
		oneWay: mappings.filter((m) => m.direction === 'toMarketo').map((m) => m.marketo),
	});
	const columnOf = new Map(mappings.map((m) => [m.marketo, m.dynamics]));
	const toDynamics: IDataObject = {};
	for (const [field, value] of Object.entries(resolution.toDynamics)) toDynamics[columnOf.get(field) ?? field] = value as IDataObject[string];
	const fieldWrites = Object.keys(resolution.toMarketo).length;
	const dynamicsWrites = Object.keys(toDynamics).length;
	const syncState = resolution.stateChanged ? serialiseSyncState(resolution.state) : storedText;
	const toMarketo: IDataObject = { ...(resolution.toMarketo as IDataObject) };
	// toMarketo may be written before (or without) the Dynamics write: there the fields still to be
	// written to Dynamics keep their old base. Upsert into Dynamics swaps in `syncState` once Dynamics
	// accepted them, so a rejected value is never described as synced.
	const beforeDynamics = keepBaseFor(resolution.state, base, Object.keys(resolution.toDynamics));
	if (!base || !sameFingerprints(beforeDynamics, base)) toMarketo[stateField] = serialiseSyncState(beforeDynamics);

	let action: ResolveAction;
	let reason: string;
	if (fieldWrites && dynamicsWrites) {
		action = 'writeBoth';
		reason = 'both systems have changes the other lacks';
	} else if (fieldWrites) {
		action = 'writeMarketo';
		reason = 'Dynamics has changes Marketo lacks';
	} else if (dynamicsWrites) {
		action = 'writeDynamics';
		reason = 'Marketo has changes Dynamics lacks; the sync state follows once Dynamics accepted them';
	} else if (resolution.stateChanged) {
		action = 'writeMarketo';
		reason = 'both systems already agree; only the sync state is stored';
	} else {
		action = 'none';
		reason = 'both systems already agree';
	}
	if (resolution.collisions.length) reason += `; ${resolution.collisions.length} collision${resolution.collisions.length > 1 ? 's' : ''} resolved`;

	return output(task, entity, {
		...ids,
		action,
		reason,
		toMarketo,
		toDynamics,
		merged: resolution.merged as IDataObject,
		collisions: resolution.collisions.map((c) => ({
			field: c.field,
			dynamicsField: columnOf.get(c.field) ?? c.field,
			marketoValue: c.marketoValue as IDataObject[string],
			dynamicsValue: c.dynamicsValue as IDataObject[string],
			winner: c.winner,
			reason: c.reason,
		})),
		syncState,
		baseSyncState: storedText,
		syncStateField: stateField,
		toDynamicsFields: Object.fromEntries(Object.keys(resolution.toDynamics).map((field) => [columnOf.get(field) ?? field, field])),
		...extras,
	});
}

