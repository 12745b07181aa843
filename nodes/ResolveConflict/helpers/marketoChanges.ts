import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS, type PersonTable } from '../../mapping/defaultMappings';
import { syncFilterValue } from '../../mapping/syncFilter';
import { PERSON_TABLE_NAMES, tableFromType } from '../../persons/tables';
import { getLeadsBy } from '../../transport/marketoApi';
import type { MarketoChange } from './change';
import { columnsToRead, guarded, marketoViewOf, usableMappings, type ResolveContext } from './context';
import { resolveMerges, type MergedRow } from './merges';
import { skipped, type Outcomes } from './output';
import { resolvePair } from './pair';

const NOT_IN_DYNAMICS = 'not in Dynamics: use Sync Person to Microsoft';

interface LinkedChange {
	change: MarketoChange;
	person: IDataObject;
	id: string;
	/** Where the row may be: the person's Microsoft Type, or both tables when it has none. */
	tables: PersonTable[];
}

/**
 * The persons of these changes. The Marketo Trigger has just read them: its values serve when
 * they hold every field needed (a field it read but Marketo left out is empty). Only the others
 * are read again.
 */
async function personsOf(ctx: ResolveContext, changes: MarketoChange[], readFields: string[], outcomes: Outcomes): Promise<Map<number, IDataObject> | undefined> {
	const persons = new Map<number, IDataObject>();
	const toRead: MarketoChange[] = [];
	for (const change of changes) {
		const current = change.current;
		if (current && readFields.every((f) => current.fields.has(f))) {
			persons.set(change.leadId, Object.fromEntries(readFields.map((f) => [f, current.values[f] ?? null])) as IDataObject);
		} else toRead.push(change);
	}
	const ok = await guarded(ctx, toRead, outcomes, 'Could not read the Marketo persons', 'marketo', async () => {
		if (!toRead.length) return;
		for (const person of await getLeadsBy(ctx.fn, 'id', toRead.map((c) => c.leadId), readFields)) persons.set(Number(person.id), person);
	});
	return !ok && toRead.length === changes.length ? undefined : persons; // undefined: every item already names the failed read
}

/** The CRM rows the persons are linked to (one read per table), by table and id. */
async function linkedRows(ctx: ResolveContext, linked: LinkedChange[], outcomes: Outcomes): Promise<Record<PersonTable, Map<string, IDataObject>>> {
	const rows: Record<PersonTable, Map<string, IDataObject>> = { lead: new Map(), contact: new Map() };
	for (const table of PERSON_TABLE_NAMES) {
		const group = linked.filter((l) => l.tables.includes(table));
		if (!group.length) continue;
		const select = columnsToRead(ctx, table, group.map((l) => l.change.settings));
		const changes = group.map((l) => l.change);
		await guarded(ctx, changes, outcomes, `Could not read the ${ctx.crm.name} ${table}s`, 'dynamics', async () => {
			rows[table] = await ctx.crm.readPersons(table, group.map((l) => l.id), select);
		});
	}
	return rows;
}

/** Changes that came from Marketo: each person is compared with the CRM row it is linked to. */
export async function resolveMarketoChanges(ctx: ResolveContext, changes: MarketoChange[], readFields: string[], outcomes: Outcomes): Promise<void> {
	const crm = ctx.crm;
	const lookups: MarketoChange[] = [];
	for (const change of changes) {
		if (change.deleted) outcomes[change.index] = skipped(change, null, 'the person was deleted in Marketo: deletes are handled by Delete Person');
		else lookups.push(change);
	}
	if (!lookups.length) return;
	const persons = await personsOf(ctx, lookups, readFields, outcomes);
	if (!persons) return;

	const linked: LinkedChange[] = [];
	for (const change of lookups) {
		if (outcomes[change.index]) continue;
		const person = persons.get(change.leadId);
		const id = person ? crm.rowId(person[MARKER_FIELDS.id]) : undefined;
		if (!person) outcomes[change.index] = skipped(change, null, `Marketo person ${change.leadId} no longer exists`);
		else if (!id) outcomes[change.index] = skipped(change, null, NOT_IN_DYNAMICS);
		else {
			const typed = tableFromType(person[MARKER_FIELDS.type]);
			linked.push({ change, person, id, tables: typed ? [typed] : PERSON_TABLE_NAMES });
		}
	}
	const rows = await linkedRows(ctx, linked, outcomes);

	const merges: MergedRow[] = [];
	for (const { change, person, id, tables } of linked) {
		if (outcomes[change.index]) continue;
		const table = tables.find((t) => rows[t].has(id));
		if (!table) {
			const what = tables.length === 1 ? `${crm.name} ${tables[0]}` : `${crm.name} lead or contact`;
			outcomes[change.index] = skipped(change, tables.length === 1 ? tables[0] : null, `the linked ${what} ${id} no longer exists (deleted in ${crm.name}): see Delete Person`, { dynamicsId: id });
			continue;
		}
		const row = rows[table].get(id)!;
		const facts = crm.rowFacts(table, row);
		const filter = change.settings.syncFilterField;
		if (facts.mergedAway) {
			merges.push({ change, entity: table, loserId: id, winnerId: facts.mergedInto, person });
		} else if (syncFilterValue(row[filter]) === false) {
			outcomes[change.index] = skipped(change, table, `the sync filter (${filter}) of ${crm.name} ${table} ${id} is No: it is not synced`, { dynamicsId: id });
		} else {
			const { mappings, skipped: skippedFields } = usableMappings(ctx, table, change.settings);
			outcomes[change.index] = resolvePair(ctx, change, table, {
				person,
				dynamicsValues: marketoViewOf(ctx, table, row, mappings, false),
				mappings,
				skipped: skippedFields,
				marketoModifiedAt: change.activityDate ?? (typeof person.updatedAt === 'string' ? person.updatedAt : undefined),
				dynamicsModifiedAt: facts.modifiedAt,
				dynamicsId: id,
				warnings: [],
			});
		}
	}
	await resolveMerges(ctx, merges, outcomes);
}
