import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { crmOf } from '../../crm';
import { errorMessage } from '../../records/values';
import { ItemError, readChange, type Change, type DynamicsChange, type MarketoChange } from './change';
import { loadContext, marketoFieldsToRead, type ResolveContext } from './context';
import { resolveDynamicsChanges } from './dynamicsChanges';
import { resolveMarketoChanges } from './marketoChanges';
import { failed, recordName, unreadable, type Outcomes } from './output';
import type { ResolveSettings } from './settings';

/** Changes whose person has no field to keep the sync state in fail, saying which field to create. */
function withStateField(ctx: ResolveContext, changes: Change[], outcomes: Outcomes): Change[] {
	return changes.filter((change) => {
		const stateField = change.settings.syncStateField;
		if (ctx.marketoFields.has(stateField)) return true;
		outcomes[change.index] = failed(
			change,
			`${recordName(ctx.crm, change)}: Marketo has no person field "${stateField}" to keep the sync state in: create a custom Text Area field with that API name (or choose another in Options → Sync State Field)`,
			'input',
			stateField,
		);
		return false;
	});
}

/**
 * Resolves every input item: reads the other system's current record and the stored sync state in
 * batches (Marketo ≤300 a call, the CRM's rows in one call), then merges field by field. One
 * outcome per item, in input order.
 */
export async function resolveItems(fn: IExecuteFunctions, items: IDataObject[], settingsFor: (index: number) => ResolveSettings): Promise<Outcomes> {
	const crm = crmOf(fn);
	const outcomes: Outcomes = new Array(items.length);
	const changes: Change[] = [];
	for (let i = 0; i < items.length; i++) {
		try {
			changes.push(readChange(crm, items[i], i, settingsFor(i)));
		} catch (error) {
			outcomes[i] = unreadable(i, errorMessage(error), error instanceof ItemError ? error.field : undefined);
		}
	}
	if (!changes.length) return outcomes;

	let ctx: ResolveContext;
	try {
		ctx = await loadContext(fn, crm);
	} catch (error) {
		for (const change of changes) {
			outcomes[change.index] = failed(change, `${recordName(crm, change)}: could not read the field lists of Marketo and ${crm.name}: ${errorMessage(error)}`, 'dynamics');
		}
		return outcomes;
	}
	const ready = withStateField(ctx, changes, outcomes);
	const readFields = marketoFieldsToRead(ctx, ready);
	await resolveDynamicsChanges(ctx, ready.filter((c): c is DynamicsChange => c.source === 'dynamics'), readFields, outcomes);
	await resolveMarketoChanges(ctx, ready.filter((c): c is MarketoChange => c.source === 'marketo'), readFields, outcomes);
	return outcomes;
}
