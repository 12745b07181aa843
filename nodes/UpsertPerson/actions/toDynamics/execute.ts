import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { crmOf } from '../../../crm';
import { emitOutcomes, failureLogSettings, logFailedOutcomes, personView, textOf } from '../../../persons';
import { readSettings } from '../settings';
import { DEFAULT_MATCH_COLUMN } from './description';
import { prepareForDynamics } from './prepare';
import { recordResults } from './results';
import { writeToDynamics } from './write';

/**
 * Writes leads or contacts into Dynamics: validates and maps every item, finds each record by its
 * Dynamics id or the match column, updates what exists and creates what does not ($batch, each
 * operation on its own), then links the Marketo persons the items came from; Resolve Conflict
 * items go on to their Marketo write with the state of what Dynamics accepted.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const crm = crmOf(this);
	const settings = readSettings(this);
	const matchColumn = String(this.getNodeParameter('matchColumn', 0, DEFAULT_MATCH_COLUMN) || '');
	const owner = textOf(settings.options.owner);
	const { outcomes, pending } = await prepareForDynamics(this, crm, settings, items, matchColumn, owner);

	if (pending.length) {
		await writeToDynamics(crm, pending, matchColumn, owner);
		await recordResults(this, pending);
	}
	// A rejected Resolve Conflict item still goes on to its Marketo write, whose state keeps the old
	// base for the values Dynamics did not take.
	for (const outcome of outcomes) {
		const input = items[outcome.ref.index].json;
		if (outcome.failure && personView(input).resolved && !outcome.forwarded) outcome.forwarded = { ...input, dynamicsWrite: { status: 'failed', error: outcome.failure.message } };
	}
	await logFailedOutcomes(this, outcomes, failureLogSettings(settings.options), 'Marketo to Dynamics');
	return emitOutcomes(this, outcomes);
}
