import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { crmOf } from '../../crm';
import { emitOutcomes, failureLogSettings, logFailedOutcomes, readOptions, type ItemOutcome } from '../../persons';
import { deleteRecords, deleteResult } from './marketoToDynamics/deleteRecords';
import { readMicrosoftIds } from './marketoToDynamics/microsoftIds';
import { ignoredOutcome, itemTask, type PersonDelete } from './marketoToDynamics/task';

export { description } from './marketoToDynamics/description';

/**
 * A Marketo delete, carried to the CRM by policy: ignored (native), or the linked lead/contact
 * deleted (each delete on its own). A record that is already gone counts as done.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const policy = this.getNodeParameter('policy', 0, 'ignore') as 'ignore' | 'deleteInDynamics';
	if (policy === 'ignore') return emitOutcomes(this, items.map((item, index) => ignoredOutcome(this, index, item.json)));

	const tableParam = this.getNodeParameter('table', 0, 'auto') as string;
	const outcomes: ItemOutcome[] = [];
	const deletes: PersonDelete[] = [];
	items.forEach((item, index) => {
		const { outcome, task } = itemTask(this, index, item.json, tableParam);
		outcomes.push(outcome);
		if (task) deletes.push(task);
	});

	await readMicrosoftIds(this, deletes, tableParam);
	await deleteRecords(crmOf(this), deletes);
	for (const d of deletes) if (!d.outcome.failure) deleteResult(d);

	await logFailedOutcomes(this, outcomes, failureLogSettings(readOptions(this)), 'Marketo to Dynamics');
	return emitOutcomes(this, outcomes);
}
