import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { emitOutcomes, type ItemOutcome } from '../../persons';
import { syncRecords } from '../../records/engine';
import type { SyncMode } from '../../records/types';
import { errorMessage } from '../../records/values';
import { readSettings } from './settings';

/** Record failures name the field at fault as `field "name"` (the Marketo field, or the input's id/table). */
const FIELD_IN_MESSAGE = /\bfield "([A-Za-z0-9_]+)"/;

/**
 * Runs one sync over all input items: one output item per input item (pairedItem), failures on
 * the error output (with `details`, as every node of the package) when the node continues on
 * fail, otherwise the first failure stops the node.
 */
export async function executeSync(this: IExecuteFunctions, items: INodeExecutionData[], mode: SyncMode): Promise<INodeExecutionData[]> {
	let settings;
	try {
		settings = readSettings(this, mode);
	} catch (error) {
		// A setup problem concerns every item.
		const message = errorMessage(error);
		return emitOutcomes(this, items.map((_, i) => ({ ref: { index: i }, failure: { message, source: 'config', named: true } })));
	}
	// No static data here: n8n 2.41 overwrites what an execution saves at the next trigger emit; a
	// deleted connection is placed from the trigger's own memory (item.lastSeen).
	const outcomes = await syncRecords(
		this,
		items.map((item) => item.json),
		settings,
	);
	return emitOutcomes(
		this,
		items.map((_, i): ItemOutcome => {
			const outcome = outcomes[i] ?? { error: `Item ${i + 1}: no result` };
			if ('output' in outcome) return { ref: { index: i }, json: outcome.output as IDataObject };
			const ref = { index: i, ...(outcome.table ? { table: outcome.table } : {}), ...(outcome.dynamicsId ? { dynamicsId: outcome.dynamicsId } : {}) };
			const field = FIELD_IN_MESSAGE.exec(outcome.error)?.[1];
			return { ref, failure: { message: outcome.error, field, source: outcome.api ? 'marketo' : 'input', named: true } };
		}),
	);
}
