import { isLookup, propertyName, type AttributeDef, type TableDef } from './schema';
import type { DataverseStore, Row } from './store';

/** The Prefer header, as Dataverse reads it. */
export interface Prefer {
	maxPageSize?: number;
	trackChanges: boolean;
	returnRepresentation: boolean;
	continueOnError: boolean;
	/** Raw odata.include-annotations value (unquoted), when present. */
	includeAnnotations?: string;
}

export function parsePrefer(header: string | string[] | undefined): Prefer {
	const prefer: Prefer = { trackChanges: false, returnRepresentation: false, continueOnError: false };
	const text = Array.isArray(header) ? header.join(',') : (header ?? '');
	for (const part of splitOutsideQuotes(text, ',')) {
		const item = part.trim();
		if (!item) continue;
		const eq = item.indexOf('=');
		const name = (eq >= 0 ? item.slice(0, eq) : item).trim().toLowerCase();
		const value = eq >= 0 ? item.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1') : '';
		if (name === 'odata.maxpagesize') {
			const n = Number(value);
			if (Number.isInteger(n) && n > 0) prefer.maxPageSize = n;
		} else if (name === 'odata.track-changes') prefer.trackChanges = true;
		else if (name === 'return' && value.toLowerCase() === 'representation') prefer.returnRepresentation = true;
		else if (name === 'odata.continue-on-error') prefer.continueOnError = true;
		else if (name === 'odata.include-annotations') prefer.includeAnnotations = value;
	}
	return prefer;
}

function splitOutsideQuotes(text: string, separator: string): string[] {
	const out: string[] = [];
	let current = '';
	let quoted = false;
	for (const c of text) {
		if (c === '"') quoted = !quoted;
		if (c === separator && !quoted) {
			out.push(current);
			current = '';
		} else current += c;
	}
	out.push(current);
	return out;
}

export const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
export const LOOKUP_LOGICAL_NAME = 'Microsoft.Dynamics.CRM.lookuplogicalname';
export const ASSOCIATED_NAVIGATION = 'Microsoft.Dynamics.CRM.associatednavigationproperty';

/** Which instance annotations a request asked for (odata.include-annotations). */
export class Annotations {
	private readonly patterns: string[];
	constructor(value: string | undefined) {
		this.patterns = (value ?? '')
			.split(',')
			.map((p) => p.trim())
			.filter((p) => p && !p.startsWith('-'));
	}

	get any(): boolean {
		return this.patterns.length > 0;
	}

	wants(term: string): boolean {
		for (const p of this.patterns) {
			if (p === '*' || p === term) return true;
			if (p.endsWith('.*') && term.startsWith(p.slice(0, -1))) return true;
		}
		return false;
	}
}

const MONTHS_FMT = (d: Date) => `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()}`;

function formatTime(d: Date): string {
	const h = d.getUTCHours();
	const m = d.getUTCMinutes();
	return `${h % 12 === 0 ? 12 : h % 12}:${String(m).padStart(2, '0')} ${h < 12 ? 'AM' : 'PM'}`;
}

/** The FormattedValue Dataverse gives a column value (en-US, UTC). */
export function formattedValue(store: DataverseStore, def: TableDef, row: Row, a: AttributeDef, value: unknown): string | undefined {
	if (value === null || value === undefined) return undefined;
	switch (a.type) {
		case 'Picklist':
		case 'State':
		case 'Status':
			return a.options?.find((o) => o.value === value)?.label;
		case 'MultiSelectPicklist':
			// "a semicolon-separated string containing the labels of the selected options"
			// (learn.microsoft.com/power-apps/developer/data-platform/multi-select-picklist).
			return String(value)
				.split(',')
				.map((v) => a.options?.find((o) => o.value === Number(v))?.label ?? v)
				.join('; ');
		case 'Boolean':
			return value ? (a.trueLabel ?? 'Yes') : (a.falseLabel ?? 'No');
		case 'Money': {
			const n = Number(value);
			const text = Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
			return n < 0 ? `-$${text}` : `$${text}`;
		}
		case 'Integer':
			return Number(value).toLocaleString('en-US');
		case 'Decimal':
		case 'Double':
			return Number(value).toLocaleString('en-US', { maximumFractionDigits: a.precision ?? 2 });
		case 'DateTime': {
			const d = new Date(typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : String(value));
			if (Number.isNaN(d.getTime())) return undefined;
			return a.format === 'DateOnly' ? MONTHS_FMT(d) : `${MONTHS_FMT(d)} ${formatTime(d)}`;
		}
		case 'Lookup':
		case 'Customer':
		case 'Owner': {
			const target = store.lookupTarget(def, row, a.logicalName);
			return store.primaryName(target, String(value)) ?? undefined;
		}
		default:
			return undefined;
	}
}

export function navigationPropertyOf(store: DataverseStore, def: TableDef, row: Row, a: AttributeDef): string | undefined {
	if (a.type === 'Owner') return a.logicalName;
	if (a.type === 'Customer' || (a.targets?.length ?? 0) > 1) {
		const target = store.lookupTarget(def, row, a.logicalName);
		return target ? `${a.logicalName}_${target}` : undefined;
	}
	return a.navigationName ?? a.logicalName;
}

export function etagOf(row: Row): string {
	return `W/"${String(row.versionnumber ?? 0)}"`;
}

/**
 * A row as the Web API returns it: `@odata.etag`, the selected properties (all when no $select) with
 * the requested annotations, and the primary key.
 */
export function serializeRow(store: DataverseStore, def: TableDef, row: Row, select: string[] | undefined, annotations: Annotations): Row {
	const out: Row = { '@odata.etag': etagOf(row) };
	const properties = select ?? [...def.properties.keys()];
	const pk = def.primaryIdAttribute;
	for (const property of properties) {
		if (property === pk && select) continue;
		writeProperty(store, def, row, property, annotations, out);
	}
	writeProperty(store, def, row, pk, annotations, out);
	return out;
}

function writeProperty(store: DataverseStore, def: TableDef, row: Row, property: string, annotations: Annotations, out: Row) {
	const a = def.properties.get(property);
	const value = store.value(def, row, property);
	if (a && value !== null && annotations.any) {
		if (annotations.wants(FORMATTED)) {
			const formatted = formattedValue(store, def, row, a, value);
			if (formatted !== undefined) out[`${property}@${FORMATTED}`] = formatted;
		}
		if (isLookup(a)) {
			if (annotations.wants(ASSOCIATED_NAVIGATION)) {
				const nav = navigationPropertyOf(store, def, row, a);
				if (nav) out[`${property}@${ASSOCIATED_NAVIGATION}`] = nav;
			}
			if (annotations.wants(LOOKUP_LOGICAL_NAME)) {
				const target = store.lookupTarget(def, row, a.logicalName);
				if (target) out[`${property}@${LOOKUP_LOGICAL_NAME}`] = target;
			}
		}
	}
	out[property] = value;
}

/** `$metadata#leads(firstname,lastname)`: the context fragment for a selection. */
export function contextFragment(def: TableDef, select: string[] | undefined): string {
	return select ? `${def.entitySetName}(${select.join(',')})` : def.entitySetName;
}

export { propertyName };
