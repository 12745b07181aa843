import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type JsonObject } from 'n8n-workflow';

import { syncRecords } from '../../records/engine';
import type { SyncMode } from '../../records/types';
import { errorMessage } from '../../records/values';
import { readSettings } from './settings';

/** Record failures name the field at fault as `field "name"` (the Marketo field, or the input's id/table). */
const FIELD_IN_MESSAGE = /\bfield "([A-Za-z0-9_]+)"/;

/**
 * Runs one sync over all input items: one output item per input item (pairedItem), failures on
 * the error output when the node continues on fail, otherwise the first failure stops the node.
 */
export async function executeSync(this: IExecuteFunctions, items: INodeExecutionData[], mode: SyncMode): Promise<INodeExecutionData[]> {
	let settings;
	try {
		settings = readSettings(this, mode);
	} catch (error) {
		// A setup problem concerns every item.
		if (this.continueOnFail()) return items.map((_, i) => ({ json: { error: errorMessage(error) }, pairedItem: { item: i } }));
		throw new NodeOperationError(this.getNode(), errorMessage(error), { itemIndex: 0 });
	}
	// Stakeholder connections this workflow synced (id → opportunity), to find the role of a deleted one.
	const staticData = this.getWorkflowStaticData('node');
	const index = ((staticData.stakeholderConnections as Record<string, string> | undefined) ??= {});
	const outcomes = await syncRecords(
		this,
		items.map((item) => item.json),
		settings,
		index,
	);
	staticData.stakeholderConnections = index;
	const returnData: INodeExecutionData[] = [];
	for (let i = 0; i < items.length; i++) {
		const outcome = outcomes[i] ?? { error: `Item ${i + 1}: no result` };
		if ('output' in outcome) {
			returnData.push({ json: outcome.output as IDataObject, pairedItem: { item: i } });
		} else if (this.continueOnFail()) {
			const field = FIELD_IN_MESSAGE.exec(outcome.error)?.[1];
			returnData.push({ json: { error: outcome.error, ...(field ? { details: { field } } : {}) }, pairedItem: { item: i } });
		} else if (outcome.api) {
			throw new NodeApiError(this.getNode(), { message: outcome.error } as JsonObject, { message: outcome.error, itemIndex: i });
		} else {
			throw new NodeOperationError(this.getNode(), outcome.error, { itemIndex: i });
		}
	}
	return returnData;
}
