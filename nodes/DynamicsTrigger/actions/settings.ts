import { NodeOperationError, type IDataObject, type IPollFunctions } from 'n8n-workflow';

import { boundedInteger } from '../../change-feed/limits';
import type { Lane } from '../../journal/status';
import { DEFAULT_SYNC_FILTER } from '../../mapping/syncFilter';
import { asNodeError } from '../../transport/context';
import { DataverseApiError } from '../../transport/dataverse';
import { MAX_PAGE_SIZE, tableInfo, type TableInfo } from '../../transport/dataverseApi';
import { DEFAULT_PAGE_SIZE, DEFAULT_RECORDS_PER_POLL, MAX_RECORDS_PER_POLL } from './defaults';

/** Leads and contacts are persons (lane 1 of the template); every other table is a one-way record. */
export function laneOf(table: string): Lane {
	return table === 'lead' || table === 'contact' ? 'dynamicsToMarketoPersons' : 'oneWayRecords';
}

/** The trigger's parameters, read once per poll. */
export interface Settings {
	tableName: string;
	picked: string[];
	filterField: string;
	detection: 'auto' | 'modifiedOn';
	cap: number;
	pageSize: number;
	includeOwnChanges: boolean;
}

export function readSettings(ctx: IPollFunctions): Settings {
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const cap = boundedInteger(options.maxRecordsPerPoll, DEFAULT_RECORDS_PER_POLL, 1, MAX_RECORDS_PER_POLL);
	const picked = ctx.getNodeParameter('fields', []) as string[] | string;
	return {
		tableName: String(ctx.getNodeParameter('table', 'lead') ?? '').trim(),
		picked: (Array.isArray(picked) ? picked : String(picked).split(',')).map((f) => f.trim()).filter(Boolean),
		filterField: String(ctx.getNodeParameter('syncFilterField', DEFAULT_SYNC_FILTER) ?? '').trim(),
		detection: options.changeDetection === 'modifiedOn' ? 'modifiedOn' : 'auto',
		cap,
		pageSize: Math.min(boundedInteger(options.pageSize, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE), cap),
		includeOwnChanges: options.includeOwnChanges === true,
	};
}

/** The watched table's metadata; a missing or unknown table is a clear error. */
export async function loadTable(ctx: IPollFunctions, name: string): Promise<TableInfo> {
	if (!name) throw new NodeOperationError(ctx.getNode(), 'No table chosen', { description: 'Pick the Dynamics 365 table to watch in the Table field.' });
	try {
		return await tableInfo(ctx, name);
	} catch (error) {
		if (error instanceof DataverseApiError) throw asNodeError(ctx, error);
		throw new NodeOperationError(ctx.getNode(), `Table "${name}" cannot be watched`, {
			description: `${(error as Error).message}. Use the table's logical name (for example lead or new_project).`,
		});
	}
}
