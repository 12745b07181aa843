import type { IExecuteFunctions } from 'n8n-workflow';

import type { CrmPort } from '../../../crm';
import { failureFrom } from '../../../persons';
import { policyFailure, type DeletePolicy } from '../marketoPolicy';
import { reconcileTable } from '../reconcile';
import type { Reconciliation } from './task';

/**
 * Runs the reconciliation of a fully copied table, logs its counts, and reports the persons the
 * policy could not be applied to as one failure (the first named, with the count).
 */
export async function reconcile(ctx: IExecuteFunctions, crm: CrmPort, item: Reconciliation, policy: DeletePolicy): Promise<void> {
	try {
		const { json, failed } = await reconcileTable(ctx, crm, item.table, policy);
		ctx.logger.info(
			`Delete Person: reconciled ${String(json.table)} after a full copy of the Dynamics table: ${String(json.linkedPersons)} linked person(s), ${String(json.missingInDynamics)} no longer in Dynamics, ${policy === 'delete' ? 'deleted' : 'flagged'} ${String(json.flagged ?? json.deleted)}`,
		);
		if (!failed.length) {
			item.outcome.json = json;
			return;
		}
		const first = failed[0];
		item.outcome.ref.marketoId = first.marketoId;
		item.outcome.ref.dynamicsId = first.dynamicsId;
		item.outcome.failure = policyFailure(policy, `${failed.length} person(s) whose Dynamics ${String(json.table)} no longer exists; first: person ${first.marketoId}: ${first.message}`, first.code);
	} catch (error) {
		item.outcome.failure = failureFrom(error, 'marketo');
	}
}
