import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { failureLogOptions } from '../../descriptions';
import { MARKER_FIELDS, typeLabel, type PersonTable } from '../../mapping/defaultMappings';
import {
	emitOutcomes,
	failureFrom,
	failureLogSettings,
	findMarketoBy,
	logFailedOutcomes,
	marketoFieldMap,
	normaliseGuid,
	personView,
	readOptions,
	RecordError,
	tableFromType,
	textOf,
	toLeadId,
	updatePersonsById,
	type ItemOutcome,
	shortText,
} from '../../persons';
import { reasonsText } from '../../records/values';
import { deleteLeads, type RecordResult } from '../../transport/marketoApi';
import { reconcileTable } from './reconcile';

const properties: INodeProperties[] = [
	{
		displayName: 'Dynamics Record ID',
		name: 'dynamicsId',
		type: 'string',
		default: '={{ $json.id ?? $json.leadid ?? $json.contactid }}',
		placeholder: 'e.g. 7d3c…-…',
		description: 'ID (GUID) of the deleted Dynamics lead or contact. The default reads it from the deleted items of the Dynamics 365 Trigger.',
	},
	{
		displayName: 'Table',
		name: 'table',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Contact', value: 'contact', description: 'Only persons linked as contacts (Microsoft Type "Contact")' },
			{ name: 'From the Item', value: 'auto', description: "The item's table (lead or contact); any person linked to the ID when the item does not say" },
			{ name: 'Lead', value: 'lead', description: 'Only persons linked as leads (Microsoft Type "Lead")' },
		],
		default: 'auto',
		description: 'Which kind of Dynamics record was deleted',
	},
	{
		displayName: 'When Deleted in Dynamics',
		name: 'policy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Delete the Person', value: 'delete', description: 'Delete the linked Marketo person (its activity history goes too)' },
			{
				name: 'Flag as Deleted',
				value: 'flag',
				description: 'Set "Microsoft Is Deleted" to true on the linked person and keep it, as the native sync does',
			},
		],
		default: 'flag',
		description: 'What happens to the Marketo person linked to the deleted record',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [...failureLogOptions],
	},
];

export const description = updateDisplayOptions({ show: { direction: ['dynamicsToMarketo'] } }, properties);

interface Task {
	outcome: ItemOutcome;
	dynamicsId: string;
	table?: PersonTable;
	persons: IDataObject[];
	results: RecordResult[];
}

/**
 * A Dynamics delete, carried to Marketo: finds the persons linked to each deleted record
 * (Microsoft ID, ≤300 per call) and flags them (Microsoft Is Deleted) or deletes them (≤300 per
 * call). A person that is already gone counts as done.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const tableParam = this.getNodeParameter('table', 0, 'auto') as string;
	const policy = this.getNodeParameter('policy', 0, 'flag') as 'flag' | 'delete';
	const options = readOptions(this);

	const outcomes: ItemOutcome[] = [];
	const tasks: Task[] = [];
	const reconciliations: Array<{ outcome: ItemOutcome; table: unknown }> = [];
	for (let i = 0; i < items.length; i++) {
		if (items[i].json.reconcile === true) {
			// The Dynamics 365 Trigger finished a full copy: deletes made meanwhile are found by listing.
			const outcome: ItemOutcome = { ref: { index: i } };
			outcomes.push(outcome);
			reconciliations.push({ outcome, table: items[i].json.table });
			continue;
		}
		const view = personView(items[i].json);
		const raw = textOf(this.getNodeParameter('dynamicsId', i, ''));
		const outcome: ItemOutcome = { ref: { index: i, dynamicsId: normaliseGuid(raw) ?? raw } };
		outcomes.push(outcome);
		try {
			if (!raw) throw new RecordError('No Dynamics record ID: the deleted record cannot be identified', 'dynamicsId', '1003');
			const dynamicsId = normaliseGuid(raw);
			if (!dynamicsId) throw new RecordError(`"${shortText(raw)}" is not a Dynamics record ID (GUID)`, 'dynamicsId', 'format');
			tasks.push({ outcome, dynamicsId, table: tableFromType(tableParam) ?? view.table, persons: [], results: [] });
		} catch (error) {
			outcome.failure = failureFrom(error);
		}
	}

	if (tasks.length) {
		try {
			const found = await findMarketoBy(this, MARKER_FIELDS.id, tasks.map((t) => t.dynamicsId), [MARKER_FIELDS.type, MARKER_FIELDS.isDeleted, 'email']);
			for (const t of tasks) {
				const linked = found.get(t.dynamicsId) ?? [];
				t.persons = linked.filter((p) => !t.table || !textOf(p[MARKER_FIELDS.type]) || tableFromType(p[MARKER_FIELDS.type]) === t.table);
				const first = t.persons[0];
				if (first) {
					t.outcome.ref.marketoId = toLeadId(first.id);
					t.outcome.ref.email = textOf(first.email);
				}
			}
		} catch (error) {
			for (const t of tasks) t.outcome.failure = failureFrom(error, 'marketo');
		}
		const active = tasks.filter((t) => !t.outcome.failure && t.persons.length);
		if (policy === 'delete') await deletePersons(this, active);
		else await flagPersons(this, active);
		for (const t of tasks) {
			if (t.outcome.failure) continue;
			const ids = t.persons.map((p) => toLeadId(p.id)!);
			const base: IDataObject = { dynamicsId: t.dynamicsId, ...(t.table ? { personType: typeLabel(t.table) } : {}) };
			if (!ids.length) {
				t.outcome.json = { status: 'skipped', reason: 'No Marketo person is linked to this Dynamics record (never synced, or already deleted)', ...base, marketoIds: [] };
				continue;
			}
			const failedAt = t.results.findIndex((r) => !(r.status === 'updated' || r.status === 'deleted' || (policy === 'delete' && r.reasons?.[0]?.code === '1004')));
			if (failedAt >= 0) {
				const r = t.results[failedAt];
				t.outcome.ref.marketoId = ids[failedAt];
				t.outcome.failure = {
					message: `Marketo could not ${policy === 'delete' ? 'delete' : 'flag'} person ${ids[failedAt]}: ${reasonsText(r?.reasons, r?.status)}`,
					field: policy === 'flag' ? MARKER_FIELDS.isDeleted : 'id',
					code: r?.reasons?.[0]?.code ?? '',
					source: 'marketo',
				};
				continue;
			}
			if (policy === 'delete') {
				const gone = t.results.every((r) => r.status !== 'deleted');
				t.outcome.json = { status: gone ? 'alreadyDeleted' : 'deleted', ...base, marketoId: ids[0], marketoIds: ids };
			} else {
				const already = t.persons.filter((p) => p[MARKER_FIELDS.isDeleted] === true).length;
				t.outcome.json = { status: 'flagged', ...base, marketoId: ids[0], marketoIds: ids, ...(already === ids.length ? { reason: 'Already flagged as deleted' } : {}) };
			}
		}
	}

	for (const r of reconciliations) {
		try {
			const { json, failed } = await reconcileTable(this, r.table, policy);
			this.logger.info(
				`Delete Person: reconciled ${String(json.table)} after a full copy of the Dynamics table: ${String(json.linkedPersons)} linked person(s), ${String(json.missingInDynamics)} no longer in Dynamics, ${policy === 'delete' ? 'deleted' : 'flagged'} ${String(json.flagged ?? json.deleted)}`,
			);
			if (failed.length) {
				const first = failed[0];
				r.outcome.ref.marketoId = first.marketoId;
				r.outcome.ref.dynamicsId = first.dynamicsId;
				r.outcome.failure = {
					message: `Marketo could not ${policy === 'delete' ? 'delete' : 'flag'} ${failed.length} person(s) whose Dynamics ${String(json.table)} no longer exists; first: person ${first.marketoId}: ${first.message}`,
					field: policy === 'flag' ? MARKER_FIELDS.isDeleted : 'id',
					code: first.code,
					source: 'marketo',
				};
			} else {
				r.outcome.json = json;
			}
		} catch (error) {
			r.outcome.failure = failureFrom(error, 'marketo');
		}
	}

	await logFailedOutcomes(this, outcomes, failureLogSettings(options), 'Dynamics to Marketo');
	return emitOutcomes(this, outcomes);
}

async function flagPersons(ctx: IExecuteFunctions, tasks: Task[]): Promise<void> {
	if (!tasks.length) return;
	const fields = await marketoFieldMap(ctx);
	if (!fields.has(MARKER_FIELDS.isDeleted)) {
		for (const t of tasks) t.outcome.failure = { message: `Marketo has no "${MARKER_FIELDS.isDeleted}" field to flag the person with`, field: MARKER_FIELDS.isDeleted, code: '1006', source: 'config' };
		return;
	}
	const updates = tasks.flatMap((t) => t.persons.map((p) => ({ leadId: toLeadId(p.id)!, task: t })));
	try {
		const results = await updatePersonsById(ctx, updates.map((u, key) => ({ key, leadId: u.leadId, values: { [MARKER_FIELDS.isDeleted]: true } })));
		updates.forEach((u, key) => u.task.results.push(results.get(key)!));
	} catch (error) {
		for (const t of tasks) t.outcome.failure = failureFrom(error, 'marketo');
	}
}

async function deletePersons(ctx: IExecuteFunctions, tasks: Task[]): Promise<void> {
	const targets = tasks.flatMap((t) => t.persons.map((p) => ({ leadId: toLeadId(p.id)!, task: t })));
	if (!targets.length) return;
	try {
		const results = await deleteLeads(ctx, targets.map((t) => t.leadId));
		targets.forEach((target, k) => target.task.results.push(results[k]));
	} catch (error) {
		for (const t of tasks) t.outcome.failure = failureFrom(error, 'marketo');
	}
}
