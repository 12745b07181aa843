import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { extraMappingsOption, failureLogOptions, sortedOptions, syncFilterOption, useDefaultMappingOption } from '../../descriptions';
import { MARKER_FIELDS, typeLabel, type PersonTable } from '../../mapping/defaultMappings';
import {
	convertDefinedValues,
	emitOutcomes,
	extraMappings,
	failureFrom,
	failureLogSettings,
	fieldFromMessage,
	findMarketoBy,
	logFailedOutcomes,
	marketoFieldMap,
	marketoValuesFromItem,
	markerValues,
	normaliseGuid,
	PERSON_TABLES,
	personMappings,
	personView,
	readOptions,
	RecordError,
	textOf,
	toLeadId,
	type ItemOutcome,
	type RecordRef,
	type ResolvedWrites,
	shortText,
} from '../../persons';
import { checkedValues, keptText, withoutRejected, writesMoreThanLink, type Rejected } from '../../persons/pipeline';
import { DEFAULT_SYNC_FILTER, excludedByFilter } from '../../mapping/syncFilter';
import { reasonsText } from '../../records/values';
import { syncLeads, type RecordResult } from '../../transport/marketoApi';
import { definedValues, dynamicsWriteBeside, itemTable, mappingMode } from './common';

const properties: INodeProperties[] = [
	{
		displayName: 'Fields',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		description:
			"Which Marketo person fields to write. \"Map Automatically\" applies Marketo's native Dynamics mapping: items from the Dynamics 365 Trigger (Dynamics column names) are translated to Marketo fields, items that already use Marketo names pass through. \"Map Each Field Below\" starts with the same default mapping as expressions you can change.",
		typeOptions: {
			loadOptionsDependsOn: ['personType'],
			resourceMapper: {
				resourceMapperMethod: 'getMarketoColumns',
				mode: 'add',
				fieldWords: { singular: 'field', plural: 'fields' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
	},
	{
		displayName: 'Find Person By',
		name: 'lookupField',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Automatic',
				value: 'auto',
				description:
					'Items with a Marketo lead ID: that person. Items with a Dynamics ID: the person linked to that record (Microsoft ID), or else an unlinked person with the same email, which gets linked. Other items: email.',
			},
			{ name: 'Email', value: 'email', description: 'The person with the same email address' },
			{ name: 'Microsoft ID', value: 'microsoftId', description: 'The person linked to the same Dynamics record' },
			{ name: 'Other Field', value: 'other', description: 'A searchable Marketo field of your choice' },
		],
		default: 'auto',
		description: 'How to find the Marketo person to update; a person is created when none is found',
	},
	{
		displayName: 'Lookup Field Name or ID',
		name: 'customLookupField',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getMarketoLeadFields' },
		default: '',
		displayOptions: { show: { lookupField: ['other'] } },
		description:
			'Marketo field used to find the person. It must be searchable (email, or a custom text, email or integer field) and every item must have a value for it. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: sortedOptions([
			...failureLogOptions,
			extraMappingsOption,
			{
				displayName: 'Person Type When Unknown',
				name: 'newPersonType',
				type: 'options',
				options: [
					{ name: 'Contact', value: 'contact' },
					{ name: 'Lead', value: 'lead' },
				],
				default: 'lead',
				description: 'With Person Type "Detect From Each Item": the type used when an item does not say whether it is a lead or a contact',
			},
			syncFilterOption,
			useDefaultMappingOption,
		]),
	},
];

export const description = updateDisplayOptions({ show: { target: ['marketo'] } }, properties);

interface Prepared {
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

/**
 * Writes persons into Marketo: validates and maps every item first, then upserts the valid ones
 * in calls of ≤300 per lookup field, and maps Marketo's per-record results back to the items.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[], itemIndexes?: number[]): Promise<INodeExecutionData[]> {
	const personType = this.getNodeParameter('personType', 0, 'auto') as string;
	const lookupChoice = this.getNodeParameter('lookupField', 0, 'auto') as string;
	const customLookup = lookupChoice === 'other' ? String(this.getNodeParameter('customLookupField', 0, '') || '') : '';
	const mode = mappingMode(this);
	const options = readOptions(this);
	const fallbackTable = (options.newPersonType as PersonTable) || 'lead';
	const syncFilterField = options.syncFilterField === undefined ? DEFAULT_SYNC_FILTER : String(options.syncFilterField);
	const fields = await marketoFieldMap(this);

	const outcomes: ItemOutcome[] = [];
	const prepared: Prepared[] = [];
	const rejectedBefore = new Map<number, Rejected>();
	let besideName: string | null | undefined;
	const besideDynamicsWrite = () => (besideName === undefined ? (besideName = dynamicsWriteBeside(this) ?? null) : besideName) ?? undefined;
	for (let i = 0; i < items.length; i++) {
		const view = personView(items[i].json);
		const v = view.values;
		const table = itemTable(personType, view, fallbackTable);
		const idKey = view.resolved ? 'dynamicsId' : view.dynamicsShaped ? PERSON_TABLES[table].primaryId : MARKER_FIELDS.id;
		const rawId = textOf(view.resolved ? view.dynamicsId : view.dynamicsShaped ? v[idKey] ?? view.dynamicsId : v[MARKER_FIELDS.id] ?? v.dynamicsId);
		const ref: RecordRef = {
			index: itemIndexes?.[i] ?? i,
			dynamicsId: normaliseGuid(rawId) ?? rawId,
			marketoId: toLeadId(view.marketoId ?? (view.dynamicsShaped ? v.marketoId : v.id ?? v.leadId ?? v.marketoId)),
			email: textOf(view.dynamicsShaped ? v.emailaddress1 : v.email ?? view.resolved?.toMarketo.email),
		};
		const outcome: ItemOutcome = { ref };
		outcomes.push(outcome);
		const skip = (reason: string) => {
			outcome.json = { status: 'skipped', reason, ...(ref.dynamicsId ? { dynamicsId: ref.dynamicsId } : {}), ...(ref.marketoId !== undefined ? { marketoId: ref.marketoId } : {}) };
		};
		try {
			if (rawId !== undefined && !normaliseGuid(rawId)) {
				throw new RecordError(`"${idKey}" must be a Dynamics record ID (GUID), got "${shortText(rawId)}"`, idKey, 'format');
			}
			if (view.deleted) {
				skip('The item reports a deleted record: use the Delete Person node for deletes');
				continue;
			}
			const beside = view.resolved && !view.resolved.dynamicsWrite && Object.keys(view.resolved.toDynamics).length && !itemIndexes ? besideDynamicsWrite() : undefined;
			if (beside) {
				skip(`Written by "${beside}": Dynamics first, then Marketo with the state of what Dynamics accepted`);
				continue;
			}
			if (view.resolved && !Object.keys(view.resolved.toMarketo).length) {
				skip(`Resolve Conflict has nothing to write to Marketo (${view.resolved.action}: ${view.resolved.reason})`);
				continue;
			}
			if (view.dynamicsShaped && syncFilterField && excludedByFilter(items[i].json, v, syncFilterField)) {
				skip(`The Dynamics sync filter "${syncFilterField}" is No`);
				continue;
			}
			const mappings = personMappings(table, extraMappings(options), options.useDefaultMapping !== false);
			let values: IDataObject;
			let synced: Record<string, unknown> | undefined;
			if (view.resolved) {
				// A value Marketo would reject is left out (and reported); the rest of the person is written.
				const checked = checkedValues(view.resolved.toMarketo, 'marketo', { fields }, [view.resolved.syncStateField]);
				if (checked.fatal) {
					outcome.failure = checked.fatal;
					continue;
				}
				values = checked.values;
				if (checked.rejected) {
					values = withoutRejected(values, view.resolved, checked.rejected.keys);
					rejectedBefore.set(i, checked.rejected);
					if (!writesMoreThanLink(values)) {
						outcome.failure = checked.rejected.failure;
						continue;
					}
				}
			} else if (mode === 'defineBelow') {
				values = convertDefinedValues(definedValues(this, i), 'marketo', { fields });
				const mapped = new Set(mappings.map((m) => m.marketo));
				synced = Object.fromEntries(Object.entries(values).filter(([k]) => mapped.has(k)));
			} else {
				const translated = marketoValuesFromItem(v, mappings, fields, view.dynamicsShaped);
				values = translated.values;
				synced = translated.synced;
				if (translated.missing.length) outcome.json = { skippedFields: translated.missing };
			}
			const dynamicsId = normaliseGuid(rawId);
			if (dynamicsId) {
				const createdOn = view.dynamicsShaped ? v.createdon : view.resolved ? view.resolved.dynamicsWrite?.createdOn : v[MARKER_FIELDS.createdDate];
				const markers = markerValues(fields, { dynamicsId, table, createdOn, synced, isDeleted: false });
				values = { ...markers, ...values };
			}
			if (typeof values.email === 'string') ref.email = values.email;
			let lookupField: string;
			if (lookupChoice === 'auto') lookupField = ref.marketoId !== undefined ? 'id' : dynamicsId ? MARKER_FIELDS.id : 'email';
			else lookupField = lookupChoice === 'other' ? customLookup : lookupChoice;
			if (!lookupField) throw new RecordError('No lookup field chosen for "Other Field"', 'customLookupField', 'config', 'config');
			if (lookupField === 'id') {
				values = { ...values, id: ref.marketoId };
			} else {
				if (!fields.has(lookupField)) throw new RecordError(`Marketo has no field "${lookupField}" to find persons by`, lookupField, '1006', 'config');
				const lookupValue = values[lookupField];
				if (lookupValue === undefined || lookupValue === null || lookupValue === '') {
					throw new RecordError(`No value for the lookup field "${lookupField}": the person can be neither found nor created`, lookupField, '1003');
				}
			}
			prepared.push({
				outcome,
				table,
				record: values,
				lookupField,
				autoById: lookupChoice === 'auto' && lookupField === MARKER_FIELDS.id,
				knownUnlinked: view.resolved?.action === 'createInMarketo',
				resolved: view.resolved,
			});
		} catch (error) {
			outcome.failure = failureFrom(error);
		}
	}

	await linkUnlinkedPersons(this, prepared);
	await upsertGroups(this, prepared);
	// Values left out before the write are reported; the rest of the person went on as written.
	for (const [index, { failure, keys: left }] of rejectedBefore) {
		const outcome = outcomes[index];
		if (outcome.failure === failure) continue;
		if (outcome.failure) {
			outcome.failure.message = `${failure.message}; ${outcome.failure.message}`;
			continue;
		}
		outcome.forwarded = { ...outcome.json, notWritten: left };
		outcome.json = undefined;
		outcome.failure = { ...failure, message: `${failure.message}; the person's other fields were written, ${keptText(left, 'Marketo')}` };
	}

	await logFailedOutcomes(this, outcomes, failureLogSettings(options), 'Dynamics to Marketo');
	return emitOutcomes(this, outcomes);
}

/**
 * "Automatic" lookup for items with a Dynamics id: use Microsoft ID when a person is linked to the
 * record; otherwise, when exactly one person has the email and is not linked to another record,
 * update (and so link) that person by email instead of creating a second one.
 */
async function linkUnlinkedPersons(ctx: IExecuteFunctions, prepared: Prepared[]): Promise<void> {
	const byId = prepared.filter((p) => p.autoById);
	if (!byId.length) return;
	try {
		await linkByEmail(ctx, byId);
	} catch (error) {
		// Without the look-up the node cannot tell a new person from one to link: fail those items visibly.
		for (const p of byId) if (!p.written) p.outcome.failure = failureFrom(error, 'marketo');
		prepared.splice(0, prepared.length, ...prepared.filter((p) => !p.outcome.failure && !p.written));
	}
}

async function linkByEmail(ctx: IExecuteFunctions, byId: Prepared[]): Promise<void> {
	// Resolve Conflict's "createInMarketo" comes from the same look-up moments ago: asking Marketo
	// again would cost a call per 300 records for nothing (the upsert still dedupes on Microsoft ID).
	const toCheck = byId.filter((p) => !p.knownUnlinked);
	const linked = toCheck.length ? await findMarketoBy(ctx, MARKER_FIELDS.id, toCheck.map((p) => String(p.record[MARKER_FIELDS.id])), ['email']) : new Map<string, IDataObject[]>();
	const unlinked = byId.filter((p) => !linked.has(String(p.record[MARKER_FIELDS.id]).toLowerCase()));
	for (const p of byId) {
		const persons = linked.get(String(p.record[MARKER_FIELDS.id]).toLowerCase());
		if (persons?.length === 1 && p.outcome.ref.marketoId === undefined) p.outcome.ref.marketoId = toLeadId(persons[0].id);
	}
	const withEmail = unlinked.filter((p) => typeof p.record.email === 'string' && p.record.email !== '');
	const emailTaken = await createWhereEmailIsNew(ctx, withEmail.filter((p) => p.knownUnlinked));
	const toLookUp = [...withEmail.filter((p) => !p.knownUnlinked), ...emailTaken];
	if (!toLookUp.length) return;
	const byEmail = await findMarketoBy(ctx, 'email', toLookUp.map((p) => String(p.record.email)), [MARKER_FIELDS.id]);
	for (const p of toLookUp) {
		const persons = byEmail.get(String(p.record.email).toLowerCase()) ?? [];
		if (persons.length === 1 && !textOf(persons[0][MARKER_FIELDS.id])) {
			p.lookupField = 'email';
			p.outcome.ref.marketoId ??= toLeadId(persons[0].id);
		}
	}
}

/**
 * New persons (no person linked, as Resolve Conflict just saw) are created in the same call that
 * checks their email: `createOnly` by email creates where Marketo has no person with that email.
 * Only those whose email Marketo already has (1005) need the look-up, so an initial copy costs one
 * call per 300 persons instead of two. Returns the ones whose email was taken.
 */
async function createWhereEmailIsNew(ctx: IExecuteFunctions, fresh: Prepared[]): Promise<Prepared[]> {
	if (!fresh.length) return [];
	const results = await syncLeads(ctx, fresh.map((p) => p.record), { action: 'createOnly', lookupField: 'email' });
	const taken: Prepared[] = [];
	fresh.forEach((p, k) => {
		const r = results[k];
		if (r?.status === 'skipped' && r.reasons?.some((reason) => reason.code === '1005')) taken.push(p);
		else {
			applyResult(p, r, p.lookupField);
			p.written = true;
		}
	});
	return taken;
}

async function upsertGroups(ctx: IExecuteFunctions, prepared: Prepared[]): Promise<void> {
	const groups = new Map<string, Prepared[]>();
	for (const p of prepared) if (!p.written) groups.set(p.lookupField, [...(groups.get(p.lookupField) ?? []), p]);
	for (const [lookupField, group] of groups) {
		let results;
		try {
			results = await syncLeads(ctx, group.map((p) => p.record), { action: lookupField === 'id' ? 'updateOnly' : 'createOrUpdate', lookupField });
		} catch (error) {
			for (const p of group) p.outcome.failure = failureFrom(error, 'marketo');
			continue;
		}
		group.forEach((p, k) => applyResult(p, results[k], lookupField));
		await retryWithoutRejected(ctx, group, results, lookupField);
	}
}

/**
 * Marketo rejects a whole person when one field is invalid. For a Resolve Conflict item the other
 * fields still belong in Marketo: they are written again without the rejected ones, in one more call
 * for the batch, and the state keeps the old base for the rejected fields (so their value stays
 * where its user put it, and is tried and reported again with the next change). The failure is
 * still reported; the item also goes on as written.
 */
async function retryWithoutRejected(ctx: IExecuteFunctions, group: Prepared[], results: RecordResult[], lookupField: string): Promise<void> {
	const retries: Array<{ p: Prepared; record: IDataObject; rejected: string[] }> = [];
	group.forEach((p, k) => {
		if (!p.resolved || !p.outcome.failure) return;
		const rejected = [...new Set((results[k]?.reasons ?? []).map((r) => fieldFromMessage(r.message)).filter((f): f is string => !!f))];
		if (!rejected.length || rejected.some((f) => f === lookupField || !(f in p.record))) return;
		const record = withoutRejected(p.record, p.resolved, rejected);
		if (writesMoreThanLink(record)) retries.push({ p, record, rejected });
	});
	if (!retries.length) return;
	let again: RecordResult[];
	try {
		again = await syncLeads(ctx, retries.map((r) => r.record), { action: lookupField === 'id' ? 'updateOnly' : 'createOrUpdate', lookupField });
	} catch {
		return; // the first rejection is already reported; nothing else was written
	}
	retries.forEach(({ p, rejected }, k) => {
		const r = again[k];
		if (r?.status !== 'created' && r?.status !== 'updated') return;
		p.outcome.forwarded = { ...successJson(p, r, lookupField), notWritten: rejected };
		p.outcome.failure!.message += `; the person's other fields were written, ${keptText(rejected, 'Marketo')}`;
	});
}

function successJson(p: Prepared, r: RecordResult, lookupField: string): IDataObject {
	const ref = p.outcome.ref;
	const marketoId = toLeadId(r.id);
	if (marketoId !== undefined) ref.marketoId = marketoId;
	return {
		...(p.outcome.json ?? {}),
		status: r.status,
		marketoId,
		...(ref.dynamicsId ? { dynamicsId: ref.dynamicsId, personType: typeLabel(p.table) } : {}),
		...(ref.email ? { email: ref.email } : {}),
		lookupField,
	};
}

/** Marketo's answer for one record onto its item: written, or a failure naming the field. */
function applyResult(p: Prepared, r: RecordResult | undefined, lookupField: string): void {
	if (r && (r.status === 'created' || r.status === 'updated')) {
		p.outcome.json = successJson(p, r, lookupField);
		return;
	}
	const message = reasonsText(r?.reasons, r?.status);
	p.outcome.failure = {
		message: `Marketo rejected the person: ${message}`,
		field: fieldFromMessage(message) ?? (r?.reasons?.[0]?.code === '1007' ? lookupField : undefined),
		code: r?.reasons?.[0]?.code ?? '',
		source: 'marketo',
	};
}
