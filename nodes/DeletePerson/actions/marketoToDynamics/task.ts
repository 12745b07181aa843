import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS, type PersonTable } from '../../../mapping/defaultMappings';
import { failureFrom, normaliseGuid, PERSON_TABLE_NAMES, personView, tableFromType, textOf, toLeadId, type ItemOutcome } from '../../../persons';
import { leadIdParameter, recordIdParameter } from '../../../persons/ids';

/** One person deleted in Marketo and the CRM record to delete with it. */
export interface PersonDelete {
	outcome: ItemOutcome;
	leadId?: number;
	dynamicsId?: string;
	/** Tables still to try, in order. */
	tables: PersonTable[];
	table?: PersonTable;
	status?: 'deleted' | 'alreadyDeleted';
}

/** Policy "Ignore" (native): the item's output says so, nothing is called. */
export function ignoredOutcome(ctx: IExecuteFunctions, index: number, json: IDataObject): ItemOutcome {
	const leadId = toLeadId(ctx.getNodeParameter('leadId', index, '')) ?? toLeadId(personView(json).marketoId);
	return {
		ref: { index, marketoId: leadId },
		json: {
			status: 'ignored',
			reason: 'Marketo deletes are not carried to Dynamics (policy "Ignore", as the native sync does)',
			...(leadId !== undefined ? { marketoId: leadId } : {}),
		},
	};
}

/**
 * The delete one input item asks for: the person's lead ID and the ID of its record (both checked,
 * named on the item's error), in the chosen table, the person's Microsoft Type, or both tables.
 */
export function itemTask(ctx: IExecuteFunctions, index: number, json: IDataObject, tableParam: string): { outcome: ItemOutcome; task?: PersonDelete } {
	const rawLead = textOf(ctx.getNodeParameter('leadId', index, ''));
	const rawId = textOf(ctx.getNodeParameter('dynamicsId', index, ''));
	const outcome: ItemOutcome = { ref: { index, marketoId: toLeadId(rawLead), dynamicsId: normaliseGuid(rawId) ?? rawId } };
	try {
		const leadId = leadIdParameter(rawLead);
		const dynamicsId = recordIdParameter(rawId);
		const fixed = tableFromType(tableParam) ?? tableFromType(personView(json).values[MARKER_FIELDS.type]);
		return { outcome, task: { outcome, leadId, dynamicsId, tables: fixed ? [fixed] : [...PERSON_TABLE_NAMES] } };
	} catch (error) {
		outcome.failure = failureFrom(error);
		return { outcome };
	}
}
