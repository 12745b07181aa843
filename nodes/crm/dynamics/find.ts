import type { IDataObject } from 'n8n-workflow';

import type { PersonTable } from '../../mapping/defaultMappings';
import { PERSON_TABLES } from '../../persons/tables';
import { chunks } from '../../records/values';
import type { ApiContext } from '../../transport/context';
import { getAll } from '../../transport/dataverseApi';
import { assertFieldName, odataEquals } from '../../transport/odata';

/** Values per $filter: escaped literals are longer than GUIDs. */
const VALUES_PER_QUERY = 25;

/**
 * Dynamics rows whose `column` equals one of `values` (lower-case value → rows, oldest first).
 * Every value is an escaped OData literal: a quote in the input can never end it early.
 */
export async function findDynamicsByValues(
	ctx: ApiContext,
	table: PersonTable,
	column: string,
	values: string[],
	select: string[] = [],
): Promise<Map<string, IDataObject[]>> {
	assertFieldName(column);
	const { entitySet, primaryId } = PERSON_TABLES[table];
	const unique = [...new Set(values.filter((v) => v !== '').map((v) => v.toLowerCase()))];
	const out = new Map<string, IDataObject[]>();
	const originals = new Map<string, string>();
	for (const v of values) if (v !== '' && !originals.has(v.toLowerCase())) originals.set(v.toLowerCase(), v);
	for (const slice of chunks(unique, VALUES_PER_QUERY)) {
		const filter = slice.map((v) => odataEquals(column, originals.get(v) ?? v)).join(' or ');
		const rows = await getAll(ctx, { entitySet, select: [...new Set([primaryId, column, 'createdon', ...select])], filter, orderby: 'createdon asc' });
		for (const row of rows) {
			const key = String(row[column] ?? '').toLowerCase();
			if (!slice.includes(key)) continue;
			const list = out.get(key) ?? [];
			list.push(row);
			out.set(key, list);
		}
	}
	return out;
}
