import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { getLeadsBy } from '../transport/marketoApi';

/** Marketo persons whose `filterType` field equals one of `values` (lower-case value → persons). */
export async function findMarketoBy(ctx: ApiContext, filterType: string, values: Array<string | number>, fields: string[]): Promise<Map<string, IDataObject[]>> {
	const usable = [...new Set(values.map((v) => String(v)).filter((v) => v !== '' && !v.includes(',')))];
	const out = new Map<string, IDataObject[]>();
	if (!usable.length) return out;
	const rows = await getLeadsBy(ctx, filterType, usable, [...new Set(['id', filterType, ...fields])]);
	for (const row of rows) {
		const key = String(row[filterType] ?? '').toLowerCase();
		const list = out.get(key) ?? [];
		list.push(row);
		out.set(key, list);
	}
	return out;
}
