import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { FieldMapping, PersonTable } from '../../mapping/defaultMappings';
import type { CrmRules } from '../../crm';
import {
	assertRowId,
	extraMappings,
	failureFrom,
	namedRow,
	personMappings,
	personRef,
	personView,
	readOptions,
	skippedJson,
	tableFromType,
	type ItemOutcome,
	type NamedRow,
	type PersonView,
} from '../../persons';

/** The node parameters both writes read once per run. */
export interface UpsertSettings {
	mode: 'autoMapInputData' | 'defineBelow';
	options: IDataObject;
	/** The person table of one item: the node's Person Type, or what the item says, or "Person Type When Unknown". */
	tableOf(view: PersonView): PersonTable;
	/** The field pairs for a table: the native mapping (unless turned off) with the user's extra pairs. */
	mappingsOf(table: PersonTable): FieldMapping[];
}

export function readSettings(ctx: IExecuteFunctions): UpsertSettings {
	const personType = ctx.getNodeParameter('personType', 0, 'auto') as string;
	const mode = ctx.getNodeParameter('columns.mappingMode', 0, 'autoMapInputData') as string;
	const options = readOptions(ctx);
	const fallback = (options.newPersonType as PersonTable) || 'lead';
	return {
		mode: mode === 'defineBelow' ? 'defineBelow' : 'autoMapInputData',
		options,
		tableOf: (view) => tableFromType(personType) ?? view.table ?? fallback,
		mappingsOf: (table) => personMappings(table, extraMappings(options), options.useDefaultMapping !== false),
	};
}

/** The field values the user mapped one by one (resource mapper "Map Each Field Below"). */
export function definedValues(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const value = ctx.getNodeParameter('columns.value', itemIndex, {}, { skipValidation: true }) as IDataObject | null;
	return value ?? {};
}

/** One input item being prepared: the person it shows, its table and field pairs, the row it names, its outcome. */
export interface ItemInHand {
	position: number;
	json: IDataObject;
	view: PersonView;
	table: PersonTable;
	mappings: FieldMapping[];
	emailColumn: string;
	row: NamedRow;
	outcome: ItemOutcome;
}

/**
 * Prepares every item in turn, each with its outcome (in input order, `indexOf` giving the index
 * n8n knows it by); an error `prepare` throws becomes that item's failure and the rest go on.
 * `side` is the system written, whose values name a Resolve Conflict item's email.
 */
export async function prepareEach(
	crm: CrmRules,
	settings: UpsertSettings,
	items: INodeExecutionData[],
	side: 'toMarketo' | 'toDynamics',
	prepare: (item: ItemInHand) => Promise<void> | void,
	indexOf: (position: number) => number = (position) => position,
): Promise<ItemOutcome[]> {
	const outcomes: ItemOutcome[] = [];
	for (let position = 0; position < items.length; position++) {
		const json = items[position].json;
		const view = personView(json);
		const table = settings.tableOf(view);
		const mappings = settings.mappingsOf(table);
		const emailColumn = crm.emailColumn(table);
		const row = namedRow(crm, view, table);
		const outcome: ItemOutcome = { ref: personRef(view, indexOf(position), row, emailColumn, side) };
		outcomes.push(outcome);
		try {
			await prepare({ position, json, view, table, mappings, emailColumn, row, outcome });
		} catch (error) {
			outcome.failure = failureFrom(error);
		}
	}
	return outcomes;
}

/**
 * The checks both writes make first: a row id that is not one of the CRM's fails the item (named);
 * a delete is skipped (Delete Person's work). Returns the reason when the item is skipped.
 */
export function commonSkipReason(crm: CrmRules, item: ItemInHand): string | undefined {
	assertRowId(crm, item.row);
	return item.view.deleted ? 'The item reports a deleted record: use the Delete Person node for deletes' : undefined;
}

/** Leaves the item out, saying why. */
export function skip(item: ItemInHand, reason: string): void {
	item.outcome.json = skippedJson(item.outcome.ref, reason);
}
