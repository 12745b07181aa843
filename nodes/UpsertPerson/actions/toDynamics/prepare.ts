import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { ChoiceLabels, CrmColumn, CrmPort } from '../../../crm';
import { MARKER_FIELDS, type FieldMapping, type PersonTable } from '../../../mapping/defaultMappings';
import { convertDefinedValues, dynamicsValuesFromItem, marketoNameOf, RecordError, textOf, type ItemOutcome, type ResolvedWrites } from '../../../persons';
import { checkedValues, type Rejected } from '../../../persons/pipeline';
import { commonSkipReason, definedValues, prepareEach, skip, type ItemInHand, type UpsertSettings } from '../settings';

/** One record ready for the Dynamics write, and what the write made of it. */
export interface Pending {
	outcome: ItemOutcome;
	table: PersonTable;
	mappings: FieldMapping[];
	values: IDataObject;
	synced: Record<string, unknown>;
	matchValue?: string;
	/** The record to update; absent = look it up by the match column, or create. */
	targetId?: string;
	matchedBy?: string;
	otherMatches?: number;
	/** The Resolve Conflict item this write came from: passed on, with its state, to the Marketo write. */
	resolved?: { json: IDataObject; writes: ResolvedWrites };
	/** Columns of a Resolve Conflict item Dynamics rejects (`keys`), left out of the write; their Marketo names in `fields`. */
	rejected?: Rejected & { fields: string[] };
	/** Set when the record the item pointed to no longer exists. */
	staleId?: string;
	missing: string[];
	createdon?: string;
	status?: 'created' | 'updated';
}

/** The Marketo field a Resolve Conflict item's column comes from (its own list, else the mapping). */
export function marketoFieldOf(writes: ResolvedWrites, mappings: FieldMapping[], column: string): string {
	return writes.toDynamicsFields?.[column] ?? marketoNameOf(mappings, column) ?? column;
}

interface Mapped {
	values: IDataObject;
	synced: Record<string, unknown>;
	missing: string[];
	rejected?: Pending['rejected'];
}

/** Per run: each table's columns, and its choice labels once an item needs them. */
function tableFacts(crm: CrmPort) {
	const columns = new Map<PersonTable, Map<string, CrmColumn>>();
	const choices = new Map<PersonTable, ChoiceLabels>();
	return {
		columnsOf: async (table: PersonTable) => columns.get(table) ?? columns.set(table, await crm.columns(table)).get(table)!,
		choicesFor: async (table: PersonTable, source: IDataObject, mappings: FieldMapping[], tableColumns: Map<string, CrmColumn>) => {
			if (!choices.has(table) && crm.needsChoiceLabels([source], mappings, tableColumns)) choices.set(table, await crm.choiceLabels(table));
			return choices.get(table);
		},
	};
}

/**
 * Validates and maps every item: skipped (delete, Microsoft Is Deleted, nothing to write), failed
 * (named), or a record with its values, the row it names and the value to match it by.
 */
export async function prepareForDynamics(ctx: IExecuteFunctions, crm: CrmPort, settings: UpsertSettings, items: INodeExecutionData[], matchColumn: string, owner: string | undefined) {
	const pending: Pending[] = [];
	const facts = tableFacts(crm);

	/** The columns to write, the values both systems then hold, mapped fields Dynamics lacks, and what it would reject. */
	const valuesOf = async (item: ItemInHand, columns: Map<string, CrmColumn>): Promise<Mapped | undefined> => {
		const { view, mappings } = item;
		const source = view.resolved ? view.resolved.toDynamics : settings.mode === 'defineBelow' ? definedValues(ctx, item.position) : view.values;
		const lookups = { columns, choices: await facts.choicesFor(item.table, source, mappings, columns), crm };
		if (view.resolved) {
			// A value Dynamics would reject is left out (and reported); the record's other columns are written.
			const checked = checkedValues(source, 'dynamics', lookups);
			if (checked.fatal) {
				item.outcome.failure = checked.fatal;
				return undefined;
			}
			const writes = view.resolved;
			const rejected = checked.rejected && { ...checked.rejected, fields: checked.rejected.keys.map((c) => marketoFieldOf(writes, mappings, c)) };
			return { values: checked.values, synced: {}, missing: [], rejected };
		}
		if (settings.mode === 'defineBelow') {
			const values = convertDefinedValues(source, 'dynamics', lookups);
			const synced: Record<string, unknown> = {};
			for (const [column, value] of Object.entries(source)) {
				const marketoName = marketoNameOf(mappings, column);
				if (marketoName) synced[marketoName] = value;
			}
			return { values, synced, missing: [] };
		}
		return dynamicsValuesFromItem(view.values, item.table, mappings, columns, view.dynamicsShaped, lookups.choices, crm);
	};

	const outcomes = await prepareEach(crm, settings, items, 'toDynamics', async (item) => {
		const { view, outcome } = item;
		if (owner && !crm.rowId(owner)) throw new RecordError(`The owner "${owner}" is not a ${crm.name} user ID (${crm.rowIdFormat})`, 'owner', 'format', 'config');
		const reason = commonSkipReason(crm, item);
		if (reason) return skip(item, reason);
		if (view.resolved && !Object.keys(view.resolved.toDynamics).length) {
			// Passed on as it is: its Marketo write (if any) needs nothing from Dynamics.
			outcome.json = { ...item.json, dynamicsWrite: { status: 'skipped', reason: `nothing to write to Dynamics (${view.resolved.action})` } };
			return;
		}
		if (!view.dynamicsShaped && view.values[MARKER_FIELDS.isDeleted] === true) return skip(item, 'The linked Dynamics record was deleted (Microsoft Is Deleted is true)');
		const mapped = await valuesOf(item, await facts.columnsOf(item.table));
		if (!mapped) return;
		const { values, synced, missing, rejected } = mapped;
		if (rejected && !Object.keys(values).length) {
			outcome.failure = rejected.failure;
			return;
		}
		const email = values[item.emailColumn];
		if (typeof email === 'string') outcome.ref.email = email;
		const v = view.values;
		const matchValue = matchColumn ? textOf(values[matchColumn] ?? v[matchColumn] ?? v[marketoNameOf(item.mappings, matchColumn) ?? '']) : undefined;
		const targetId = item.row.rowId;
		const resolved = view.resolved ? { json: item.json, writes: view.resolved } : undefined;
		pending.push({ outcome, table: item.table, mappings: item.mappings, values, synced, resolved, rejected, matchValue, targetId, matchedBy: targetId ? 'id' : undefined, missing });
	});
	return { outcomes, pending };
}
