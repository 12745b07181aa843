import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { crmOf } from '../../../crm';
import { emitOutcomes, failureLogSettings, logFailedOutcomes, marketoFieldMap, type ItemOutcome } from '../../../persons';
import { keptText, type Rejected } from '../../../persons/pipeline';
import { readSettings } from '../settings';
import { linkUnlinkedPersons } from './link';
import { prepareForMarketo } from './prepare';
import { upsertGroups } from './write';

/**
 * Writes persons into Marketo: validates and maps every item first, links persons found by email
 * to their Dynamics record, then upserts the valid ones in calls of ≤300 per lookup field and maps
 * Marketo's per-record results back to the items. `itemIndexes`: the items' indexes when they come
 * from this node's own Dynamics write (Upsert into Dynamics without a Marketo write after it).
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], itemIndexes?: number[]): Promise<INodeExecutionData[]> {
	const settings = readSettings(this);
	const fields = await marketoFieldMap(this);
	const { outcomes, prepared, rejectedBefore } = await prepareForMarketo(this, crmOf(this), settings, items, fields, itemIndexes);

	await linkUnlinkedPersons(this, prepared);
	await upsertGroups(this, prepared);
	reportLeftOut(outcomes, rejectedBefore);

	await logFailedOutcomes(this, outcomes, failureLogSettings(settings.options), 'Dynamics to Marketo');
	return emitOutcomes(this, outcomes);
}

/** Values left out before the write are reported; the rest of the person went on as written. */
function reportLeftOut(outcomes: ItemOutcome[], rejectedBefore: Map<number, Rejected>): void {
	for (const [position, { failure, keys: left }] of rejectedBefore) {
		const outcome = outcomes[position];
		if (outcome.failure === failure) continue;
		if (outcome.failure) {
			outcome.failure.message = `${failure.message}; ${outcome.failure.message}`;
			continue;
		}
		outcome.forwarded = { ...outcome.json, notWritten: left };
		outcome.json = undefined;
		outcome.failure = { ...failure, message: `${failure.message}; the person's other fields were written, ${keptText(left, 'Marketo')}` };
	}
}
