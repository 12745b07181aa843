import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { crmOf } from '../../crm';
import { emitOutcomes, failureLogSettings, logFailedOutcomes, readOptions, type ItemOutcome } from '../../persons';
import { applyToLinkedPersons, deleteResult } from './dynamicsToMarketo/applyPolicy';
import { findLinkedPersons } from './dynamicsToMarketo/linkedPersons';
import { reconcile } from './dynamicsToMarketo/reconciliation';
import { itemTask, type DeletedRecord, type Reconciliation } from './dynamicsToMarketo/task';
import type { DeletePolicy } from './marketoPolicy';

export { description } from './dynamicsToMarketo/description';

/**
 * A Dynamics delete, carried to Marketo: finds the persons linked to each deleted record
 * (Microsoft ID, ≤300 per call) and flags them (Microsoft Is Deleted) or deletes them (≤300 per
 * call). A person that is already gone counts as done. A reconcile item (the trigger's full copy
 * is done) checks every linked person of that table instead.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const tableParam = this.getNodeParameter('table', 0, 'auto') as string;
	const policy = this.getNodeParameter('policy', 0, 'flag') as DeletePolicy;
	const outcomes: ItemOutcome[] = [];
	const deleted: DeletedRecord[] = [];
	const reconciliations: Reconciliation[] = [];
	items.forEach((item, index) => {
		const task = itemTask(this, index, item.json, tableParam);
		outcomes.push(task.outcome);
		if (task.deleted) deleted.push(task.deleted);
		if (task.reconciliation) reconciliations.push(task.reconciliation);
	});

	if (deleted.length) {
		await findLinkedPersons(this, deleted);
		await applyToLinkedPersons(this, deleted, policy);
		for (const record of deleted) if (!record.outcome.failure) deleteResult(record, policy);
	}
	for (const item of reconciliations) await reconcile(this, crmOf(this), item, policy);

	await logFailedOutcomes(this, outcomes, failureLogSettings(readOptions(this)), 'Dynamics to Marketo');
	return emitOutcomes(this, outcomes);
}
