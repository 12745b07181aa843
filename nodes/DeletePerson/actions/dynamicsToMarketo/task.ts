import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { type PersonTable } from '../../../mapping/defaultMappings';
import { failureFrom, normaliseGuid, personView, RecordError, tableFromType, textOf, type ItemOutcome } from '../../../persons';
import { recordIdParameter } from '../../../persons/ids';
import type { PolicyResult } from '../marketoPolicy';

/** One deleted CRM record and the Marketo persons linked to it. */
export interface DeletedRecord {
	outcome: ItemOutcome;
	dynamicsId: string;
	/** Only persons linked as this table; any when unknown. */
	table?: PersonTable;
	persons: IDataObject[];
	results: PolicyResult[];
}

/** The Dynamics 365 Trigger finished a full copy of `table`: deletes made meanwhile are found by listing. */
export interface Reconciliation {
	outcome: ItemOutcome;
	table: unknown;
}

/**
 * What one input item asks for: a reconciliation (the trigger's `reconcile` item) or the delete
 * of one record, whose ID must be a GUID (named on the item's error otherwise).
 */
export function itemTask(ctx: IExecuteFunctions, index: number, json: IDataObject, tableParam: string): { outcome: ItemOutcome; deleted?: DeletedRecord; reconciliation?: Reconciliation } {
	if (json.reconcile === true) {
		const outcome: ItemOutcome = { ref: { index } };
		return { outcome, reconciliation: { outcome, table: json.table } };
	}
	const raw = textOf(ctx.getNodeParameter('dynamicsId', index, ''));
	const outcome: ItemOutcome = { ref: { index, dynamicsId: normaliseGuid(raw) ?? raw } };
	try {
		const dynamicsId = recordIdParameter(raw);
		if (!dynamicsId) throw new RecordError('No Dynamics record ID: the deleted record cannot be identified', 'dynamicsId', '1003');
		return { outcome, deleted: { outcome, dynamicsId, table: tableFromType(tableParam) ?? personView(json).table, persons: [], results: [] } };
	} catch (error) {
		outcome.failure = failureFrom(error);
		return { outcome };
	}
}
