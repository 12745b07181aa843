import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { ACCOUNT_TO_COMPANY, OPPORTUNITY_MAPPING, type FieldMapping } from '../../mapping/defaultMappings';
import type { CustomTableSettings, SyncMode, SyncSettings } from '../../records/types';
import { DEFAULT_SYNC_FILTER } from '../../mapping/syncFilter';

function pairs(value: unknown): FieldMapping[] {
	const list = ((value as IDataObject | undefined)?.field as IDataObject[] | undefined) ?? [];
	return list
		.map((f) => ({ marketo: String(f.marketoField ?? '').trim(), dynamics: String(f.dynamicsColumn ?? '').trim() }))
		.filter((m) => m.marketo && m.dynamics);
}

function withExtra(defaults: FieldMapping[], extra: FieldMapping[]): FieldMapping[] {
	return [...defaults.filter((d) => !extra.some((m) => m.marketo === d.marketo || m.dynamics === d.dynamics)), ...extra];
}

function customSettings(ctx: IExecuteFunctions, mode: SyncMode): CustomTableSettings | undefined {
	if (mode !== 'customTable' && mode !== 'fromInput') return undefined;
	const table = String(ctx.getNodeParameter('table', 0, '') ?? '').trim();
	const apiName = String(ctx.getNodeParameter('customObject', 0, '') ?? '').trim();
	if (!table && !apiName && mode === 'fromInput') return undefined;
	if (!table) throw new Error('Choose the Dynamics custom table to sync');
	if (!apiName) throw new Error('Choose the Marketo custom object that receives the rows');
	const keyField = String(ctx.getNodeParameter('keyField', 0, '') ?? '').trim();
	if (!keyField) throw new Error('Choose the custom object field that receives the Dynamics row ID (Key Field)');
	const links = (ctx.getNodeParameter('customLinks', 0, {}) as IDataObject) ?? {};
	const link = (field: unknown, column: unknown) => {
		const marketo = String(field ?? '').trim();
		const dynamics = String(column ?? '').trim().replace(/^_(.*)_value$/, '$1');
		return marketo && dynamics ? { marketo, dynamics } : undefined;
	};
	return {
		table: table.toLowerCase(),
		apiName,
		keyField,
		fields: pairs(ctx.getNodeParameter('customFields', 0, {})),
		personLink: link(links.personField, links.personColumn),
		companyLink: link(links.companyField, links.companyColumn),
	};
}

/** The node's settings. They apply to the whole execution (records are synced in batches). */
export function readSettings(ctx: IExecuteFunctions, mode: SyncMode): SyncSettings {
	const options = (ctx.getNodeParameter('options', 0, {}) as IDataObject) ?? {};
	return {
		mode,
		syncFilterField: String(options.syncFilterField ?? DEFAULT_SYNC_FILTER).trim(),
		createMissing: options.createMissing !== false,
		createMissingPersons: options.createMissingPersons !== false,
		customerRole: String(options.customerRole || 'Potential Customer').trim(),
		removeStaleRoles: options.removeStaleRoles !== false,
		accountFields: withExtra(ACCOUNT_TO_COMPANY, pairs(options.accountFields)),
		opportunityFields: withExtra(OPPORTUNITY_MAPPING, pairs(options.opportunityFields)),
		custom: customSettings(ctx, mode),
	};
}
