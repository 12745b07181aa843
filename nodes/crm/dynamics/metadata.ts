import type { IDataObject } from 'n8n-workflow';

import type { FieldMapping, PersonTable } from '../../mapping/defaultMappings';
import type { ApiContext } from '../../transport/context';
import { listColumns, type ColumnInfo } from '../../transport/dataverseApi';
import { choiceColumns } from '../../transport/dataverseChoices';
import { CHOICE_COLUMN_TYPES } from './values';

/** Dataverse columns of a person table by logical name (metadata, cached by the transport). */
export async function dynamicsColumnMap(ctx: ApiContext, table: PersonTable): Promise<Map<string, ColumnInfo>> {
	const columns = await listColumns(ctx, table);
	return new Map(columns.map((c) => [c.logicalName, c]));
}

/**
 * Choice labels of a table's choice columns (column → lower-case label → number), so a Marketo
 * text value such as "Web" can be written to a Dynamics choice. Empty when the metadata cannot be
 * read: numbers still work then, and a label is refused with an error naming the column.
 */
export async function loadChoiceLabels(ctx: ApiContext, table: PersonTable): Promise<Map<string, Map<string, number>>> {
	try {
		return new Map([...(await choiceColumns(ctx, table))].map(([column, options]) => [column, options.valueOf]));
	} catch {
		return new Map();
	}
}

/**
 * Whether any item holds text for a mapped Dynamics choice column (under either system's name):
 * only then are the choice labels worth loading.
 */
export function needsChoiceLabels(items: IDataObject[], mappings: FieldMapping[], columns: Map<string, ColumnInfo>): boolean {
	const isChoice = (column: string) => CHOICE_COLUMN_TYPES.has(columns.get(column)?.type ?? '');
	const choicePairs = mappings.filter((m) => isChoice(m.dynamics));
	const isText = (x: unknown) => typeof x === 'string' && x.trim() !== '' && !/^\s*-?\d+\s*$/.test(x);
	return items.some((json) => choicePairs.some((m) => isText(json[m.marketo]) || isText(json[m.dynamics])) || Object.entries(json).some(([k, x]) => isChoice(k) && isText(x)));
}
