import type { IDataObject } from 'n8n-workflow';

import { newPersonWrite } from '../../persons/newPerson';
import type { ItemOutcome } from '../../persons/outcome';
import type { DynamicsChange } from './change';
import { personFieldsOf, type ResolveContext } from './context';
import { decided } from './output';

/**
 * The Marketo write for a CRM row without a person. `existingPerson`: the row is linked to a
 * person that already holds values (qualify), so an empty CRM field leaves the person's value in
 * place and gets no base: the state then describes only values both systems hold.
 */
export function createInMarketo(ctx: ResolveContext, change: DynamicsChange, dynamicsValues: Record<string, unknown>, skipped: string[], existingPerson = false): ItemOutcome {
	const { toMarketo, syncState } = newPersonWrite(personFieldsOf(ctx, change.entity), change.id, change.fields, dynamicsValues, change.settings.syncStateField, existingPerson);
	return decided(change, change.entity, {
		action: 'createInMarketo',
		reason: `no Marketo person is linked to this ${ctx.crm.name} ${change.entity} yet`,
		toMarketo,
		merged: { ...(dynamicsValues as IDataObject) },
		syncState,
		...(skipped.length ? { skippedFields: skipped } : {}),
	});
}
