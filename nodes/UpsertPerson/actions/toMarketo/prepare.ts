import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { CrmRules } from '../../../crm';
import { MARKER_FIELDS, type PersonTable } from '../../../mapping/defaultMappings';
import { DEFAULT_SYNC_FILTER, excludedByFilter } from '../../../mapping/syncFilter';
import { convertDefinedValues, marketoValuesFromItem, markerValues, RecordError, type ItemOutcome, type ResolvedWrites } from '../../../persons';
import { checkedValues, withoutRejected, writesMoreThanLink, type Rejected } from '../../../persons/pipeline';
import type { MarketoField } from '../../../transport/marketoApi';
import { dynamicsWriteBeside } from '../chain';
import { commonSkipReason, definedValues, prepareEach, skip, type ItemInHand, type UpsertSettings } from '../settings';

/** One person ready for the Marketo write. */
export interface Prepared {
	outcome: ItemOutcome;
	table: PersonTable;
	record: IDataObject;
	lookupField: string;
	/** Chosen by "Automatic" because the item has a Dynamics id (may switch to email to link). */
	autoById: boolean;
	/** Resolve Conflict just looked the record up and found no person linked to it (createInMarketo). */
	knownUnlinked: boolean;
	/** Already written (created where its email was new to Marketo): the upsert leaves it alone. */
	written?: boolean;
	/** What Resolve Conflict (and Upsert into Dynamics after it) decided for this person. */
	resolved?: ResolvedWrites;
}

export interface MarketoPlan {
	outcomes: ItemOutcome[];
	prepared: Prepared[];
	/** Values of Resolve Conflict items left out before the write (Marketo would reject them), by position. */
	rejectedBefore: Map<number, Rejected>;
}

/**
 * Validates and maps every item: skipped (delete, sync filter, written beside, nothing to write),
 * failed (named), or a person record with its link markers and the field to find it by.
 */
export async function prepareForMarketo(
	ctx: IExecuteFunctions,
	crm: CrmRules,
	settings: UpsertSettings,
	items: INodeExecutionData[],
	fields: Map<string, MarketoField>,
	itemIndexes?: number[],
): Promise<MarketoPlan> {
	const lookupChoice = ctx.getNodeParameter('lookupField', 0, 'auto') as string;
	const customLookup = lookupChoice === 'other' ? String(ctx.getNodeParameter('customLookupField', 0, '') || '') : '';
	const { options } = settings;
	const syncFilterField = options.syncFilterField === undefined ? DEFAULT_SYNC_FILTER : String(options.syncFilterField);
	const prepared: Prepared[] = [];
	const rejectedBefore = new Map<number, Rejected>();
	let besideName: string | null | undefined;
	const besideDynamicsWrite = () => (besideName === undefined ? (besideName = dynamicsWriteBeside(ctx) ?? null) : besideName) ?? undefined;

	/** Why the item is not written here, if it is not. */
	const skipReason = (item: ItemInHand): string | undefined => {
		const { view } = item;
		const beside = view.resolved && !view.resolved.dynamicsWrite && Object.keys(view.resolved.toDynamics).length && !itemIndexes ? besideDynamicsWrite() : undefined;
		if (beside) return `Written by "${beside}": Dynamics first, then Marketo with the state of what Dynamics accepted`;
		if (view.resolved && !Object.keys(view.resolved.toMarketo).length) return `Resolve Conflict has nothing to write to Marketo (${view.resolved.action}: ${view.resolved.reason})`;
		if (view.dynamicsShaped && syncFilterField && excludedByFilter(item.json, view.values, syncFilterField)) return `The Dynamics sync filter "${syncFilterField}" is No`;
		return undefined;
	};

	/** The fields to write and the values both systems then hold; undefined when the item failed. */
	const valuesOf = (item: ItemInHand): { values: IDataObject; synced?: Record<string, unknown> } | undefined => {
		const { view, outcome } = item;
		if (view.resolved) {
			// A value Marketo would reject is left out (and reported); the rest of the person is written.
			const checked = checkedValues(view.resolved.toMarketo, 'marketo', { fields }, [view.resolved.syncStateField]);
			if (!checked.rejected || checked.fatal) {
				outcome.failure = checked.fatal;
				return checked.fatal ? undefined : { values: checked.values };
			}
			const values = withoutRejected(checked.values, view.resolved, checked.rejected.keys);
			rejectedBefore.set(item.position, checked.rejected);
			if (writesMoreThanLink(values)) return { values };
			outcome.failure = checked.rejected.failure;
			return undefined;
		}
		if (settings.mode === 'defineBelow') {
			const values = convertDefinedValues(definedValues(ctx, item.position), 'marketo', { fields });
			const mapped = new Set(item.mappings.map((m) => m.marketo));
			return { values, synced: Object.fromEntries(Object.entries(values).filter(([k]) => mapped.has(k))) };
		}
		const translated = marketoValuesFromItem(view.values, item.mappings, fields, view.dynamicsShaped, crm);
		if (translated.missing.length) outcome.json = { skippedFields: translated.missing };
		return translated;
	};

	/** The link markers of the row the item names (Microsoft Id, Type, Created Date, state). */
	const linked = (item: ItemInHand, values: IDataObject, synced: Record<string, unknown> | undefined): IDataObject => {
		const { view, row } = item;
		if (!row.rowId) return values;
		const v = view.values;
		const createdOn = view.dynamicsShaped ? v.createdon : view.resolved ? view.resolved.dynamicsWrite?.createdOn : v[MARKER_FIELDS.createdDate];
		return { ...markerValues(fields, { dynamicsId: row.rowId, table: item.table, createdOn, synced, isDeleted: false }), ...values };
	};

	/** The field the person is found by: the user's choice, or "Automatic" (id, Microsoft ID, email). */
	const lookupOf = (item: ItemInHand, record: IDataObject): string => {
		const ref = item.outcome.ref;
		const lookupField = lookupChoice === 'auto' ? (ref.marketoId !== undefined ? 'id' : item.row.rowId ? MARKER_FIELDS.id : 'email') : lookupChoice === 'other' ? customLookup : lookupChoice;
		if (!lookupField) throw new RecordError('No lookup field chosen for "Other Field"', 'customLookupField', 'config', 'config');
		if (lookupField === 'id') return lookupField;
		if (!fields.has(lookupField)) throw new RecordError(`Marketo has no field "${lookupField}" to find persons by`, lookupField, '1006', 'config');
		const value = record[lookupField];
		if (value === undefined || value === null || value === '') throw new RecordError(`No value for the lookup field "${lookupField}": the person can be neither found nor created`, lookupField, '1003');
		return lookupField;
	};

	const outcomes = await prepareEach(
		crm,
		settings,
		items,
		'toMarketo',
		(item) => {
			const reason = commonSkipReason(crm, item) ?? skipReason(item);
			if (reason) return skip(item, reason);
			const mapped = valuesOf(item);
			if (!mapped) return;
			let record = linked(item, mapped.values, mapped.synced);
			if (typeof record.email === 'string') item.outcome.ref.email = record.email;
			const lookupField = lookupOf(item, record);
			if (lookupField === 'id') record = { ...record, id: item.outcome.ref.marketoId };
			const resolved = item.view.resolved;
			prepared.push({ outcome: item.outcome, table: item.table, record, lookupField, autoById: lookupChoice === 'auto' && lookupField === MARKER_FIELDS.id, knownUnlinked: resolved?.action === 'createInMarketo', resolved });
		},
		(position) => itemIndexes?.[position] ?? position,
	);
	return { outcomes, prepared, rejectedBefore };
}
