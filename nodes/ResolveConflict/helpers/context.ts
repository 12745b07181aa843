import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { CrmColumn, CrmPort } from '../../crm';
import { MARKER_FIELDS, type FieldMapping, type PersonTable } from '../../mapping/defaultMappings';
import { marketoView, readableColumn, usablePairs, type PersonFields } from '../../persons/newPerson';
import { PERSON_TABLE_NAMES } from '../../persons/tables';
import { errorMessage } from '../../records/values';
import { describeLeads, type MarketoField } from '../../transport/marketoApi';
import type { Change } from './change';
import { failed, recordName, type Outcomes } from './output';
import type { ResolveSettings } from './settings';

/** What every decision of one run needs: the two systems' field lists. */
export interface ResolveContext {
	fn: IExecuteFunctions;
	crm: CrmPort;
	marketoFields: Map<string, MarketoField>;
	/** The CRM's person columns by name (metadata): choice columns reach Marketo as their labels. */
	columns: Record<PersonTable, Map<string, CrmColumn>>;
}

export async function loadContext(fn: IExecuteFunctions, crm: CrmPort): Promise<ResolveContext> {
	const described = await describeLeads(fn);
	const columns = { lead: await crm.columns('lead'), contact: await crm.columns('contact') };
	return { fn, crm, marketoFields: new Map(described.map((f) => [f.name, f])), columns };
}

/** The person fields of one table: what the shared person rules need. */
export function personFieldsOf(ctx: ResolveContext, table: PersonTable): PersonFields {
	return { crm: ctx.crm, table, columns: ctx.columns[table], marketoFields: ctx.marketoFields };
}

/** A column the table has and that can be read (not a mirror of another column). */
export function hasColumn(ctx: ResolveContext, table: PersonTable, name: string): boolean {
	return readableColumn(personFieldsOf(ctx, table), name);
}

/** Fields the node compares for a table: mapped pairs whose field and column both exist. */
export function usableMappings(ctx: ResolveContext, table: PersonTable, settings: ResolveSettings): { mappings: FieldMapping[]; skipped: string[] } {
	return usablePairs(personFieldsOf(ctx, table), settings.mappings[table]);
}

/** Columns to read a table's rows with: the usable mapped ones, the sync filters, and the row facts. */
export function columnsToRead(ctx: ResolveContext, table: PersonTable, settings: ResolveSettings[]): string[] {
	const wanted = settings.flatMap((s) => [...usableMappings(ctx, table, s).mappings.map((m) => m.dynamics), s.syncFilterField]);
	// The fact columns come as the CRM selects them (a lookup as its value column): every person table has them.
	return [...new Set([...wanted.filter((c) => c && hasColumn(ctx, table, c)), ...ctx.crm.factColumns(table)])];
}

/** A CRM row's mapped values in Marketo terms (Marketo field → value; choices as labels). */
export function marketoViewOf(ctx: ResolveContext, table: PersonTable, row: IDataObject, mappings: FieldMapping[], onlyPresent: boolean): Record<string, unknown> {
	return marketoView(personFieldsOf(ctx, table), row, mappings, onlyPresent);
}

/** Marketo person fields every lookup reads: ids, markers, the sync state and every mapped field. */
export function marketoFieldsToRead(ctx: ResolveContext, changes: Change[]): string[] {
	const fields = new Set<string>(['id', 'updatedAt', MARKER_FIELDS.id, MARKER_FIELDS.type]);
	for (const change of changes) {
		fields.add(change.settings.syncStateField);
		for (const table of PERSON_TABLE_NAMES) for (const m of change.settings.mappings[table]) fields.add(m.marketo);
	}
	return [...fields].filter((f) => ctx.marketoFields.has(f));
}

/** Runs one read for a group of changes; a failure is each change's outcome (named, with the system). */
export async function guarded(ctx: ResolveContext, changes: Change[], outcomes: Outcomes, what: string, system: 'marketo' | 'dynamics', run: () => Promise<void>): Promise<boolean> {
	try {
		await run();
		return true;
	} catch (error) {
		for (const change of changes) if (!outcomes[change.index]) outcomes[change.index] = failed(change, `${recordName(ctx.crm, change)}: ${what}: ${errorMessage(error)}`, system);
		return false;
	}
}
