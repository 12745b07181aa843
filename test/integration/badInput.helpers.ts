import { writeFileSync } from 'node:fs';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { QueryRecord } from '../../simulators/common/counters';

/** What a hostile record should come to: written as it is, or an error naming this field. */
export type Expected = { synced: true } | { skipped: true } | { field: string; message?: RegExp };
export const SYNCED: Expected = { synced: true };
/** Nothing to do for the record, with the reason on the success output. */
export const SKIPPED: Expected = { skipped: true };
export const fails = (field: string, message?: RegExp): Expected => ({ field, message });

const LITERAL = /'((?:[^']|'')*)'/g;
const GUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const CONDITION = String.raw`\(?\s*[A-Za-z_][A-Za-z0-9_]*\s+(?:eq|ne)\s+(?:L|G|null|true|false|\d+)\s*\)?`;
const SKELETON = new RegExp(`^${CONDITION}(?:\\s+(?:or|and)\\s+${CONDITION})*$`);

/**
 * Proves a Dataverse $filter cannot match more than the intended records: with every quoted
 * literal and GUID taken out, what is left is only `column eq|ne value` joined by and/or (no
 * operator smuggled in through a value), and every literal is a value the input carried.
 */
export function checkDataverseFilter(query: QueryRecord, intended: Set<string>): string | undefined {
	const literals: string[] = [];
	const skeleton = query.filter.replace(LITERAL, (_, body: string) => {
		literals.push(body.replace(/''/g, "'"));
		return 'L';
	}).replace(GUID, 'G');
	if (!SKELETON.test(skeleton.trim())) return `unexpected $filter shape ${JSON.stringify(skeleton)} in ${query.route}`;
	const stranger = literals.find((l) => !intended.has(l.toLowerCase()));
	if (stranger !== undefined) return `$filter literal ${JSON.stringify(stranger.slice(0, 80))} is no value of the input (${query.route})`;
	return undefined;
}

/** Every Marketo filterValue is one whole value of the input (none split on a comma). */
export function checkMarketoQuery(query: QueryRecord, intended: Set<string>): string | undefined {
	for (const value of query.values ?? []) {
		if (value.startsWith('{')) continue; // compound JSON input: keys, not a comma list
		if (!intended.has(value.toLowerCase())) return `filterValue ${JSON.stringify(value.slice(0, 80))} is no value of the input (${query.route} ${query.filter})`;
	}
	return undefined;
}

/** Lower-cased strings of every value in the items (deep), the set of values a query may name. */
export function valuesOf(items: unknown[]): Set<string> {
	const out = new Set<string>();
	const walk = (v: unknown) => {
		if (v === null || v === undefined) return;
		if (Array.isArray(v)) return v.forEach(walk);
		if (typeof v === 'object') return Object.values(v as object).forEach(walk);
		out.add(String(v).trim().toLowerCase());
		out.add(String(v).toLowerCase());
	};
	walk(items);
	return out;
}

export interface TableRow {
	input: string;
	node: string;
	expected: string;
	got: string;
	neighbours: string;
}

/** One line of the report table, with the error (or status) the node really gave. */
export function tableRow(node: string, input: string, expected: Expected, item: INodeExecutionData | undefined, neighbours: string): TableRow {
	const json = (item?.json ?? {}) as IDataObject;
	const details = (json.details ?? {}) as IDataObject;
	const got = json.error !== undefined ? `error, field ${String(details.field)}: ${String(json.error).slice(0, 160)}` : `${String(json.status ?? 'emitted')}${json.reason ? `: ${String(json.reason)}` : ''}`;
	return { input, node, expected: 'synced' in expected ? 'synced as given' : 'skipped' in expected ? 'skipped with reason' : `error naming field ${expected.field}`, got, neighbours };
}

export const report: TableRow[] = [];

/** The table for the report; written where BAD_INPUT_TABLE points, when it is set. */
export function writeReport(): void {
	const path = process.env.BAD_INPUT_TABLE;
	if (!path) return;
	const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
	const lines = ['| Input case | Node | Expected | Got | Well-formed neighbours synced |', '|---|---|---|---|---|'];
	for (const r of report) lines.push(`| ${esc(r.input)} | ${esc(r.node)} | ${esc(r.expected)} | ${esc(r.got)} | ${esc(r.neighbours)} |`);
	writeFileSync(path, `${lines.join('\n')}\n`, { flag: 'a' });
}
