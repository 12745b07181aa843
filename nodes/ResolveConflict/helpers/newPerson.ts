import type { IDataObject } from 'n8n-workflow';

import { buildSyncState, serialiseSyncState } from '../../conflict/syncState';
import { MARKER_FIELDS, typeLabel } from '../../mapping/defaultMappings';
import type { ItemOutcome } from '../../persons/outcome';
import type { DynamicsChange } from './change';
import type { ResolveContext } from './context';
import { decided } from './output';

/**
 * The Marketo write for a CRM row without a person. `existingPerson`: the row is linked to a
 * person that already holds values (qualify), so an empty CRM field leaves the person's value in
 * place and gets no base: the state then describes only values both systems hold.
 */
export function createInMarketo(ctx: ResolveContext, change: DynamicsChange, dynamicsValues: Record<string, unknown>, skipped: string[], existingPerson = false): ItemOutcome {
	const stateField = change.settings.syncStateField;
	// A new person needs no empty fields; for a new person the state still records them as synced (empty).
	const toMarketo: IDataObject = {};
	for (const [field, value] of Object.entries(dynamicsValues)) if (value !== null && value !== undefined && value !== '') toMarketo[field] = value as IDataObject[string];
	const state = buildSyncState(existingPerson ? (toMarketo as Record<string, unknown>) : dynamicsValues);
	const markers: IDataObject = { [MARKER_FIELDS.id]: change.id, [MARKER_FIELDS.type]: typeLabel(change.entity) };
	const created = ctx.crm.rowFacts(change.entity, change.fields).createdAt;
	if (created) markers[MARKER_FIELDS.createdDate] = created;
	for (const [field, value] of Object.entries(markers)) if (ctx.marketoFields.has(field)) toMarketo[field] = value;
	toMarketo[stateField] = serialiseSyncState(state);
	return decided(change, change.entity, {
		action: 'createInMarketo',
		reason: `no Marketo person is linked to this ${ctx.crm.name} ${change.entity} yet`,
		toMarketo,
		merged: { ...(dynamicsValues as IDataObject) },
		syncState: serialiseSyncState(state),
		...(skipped.length ? { skippedFields: skipped } : {}),
	});
}
