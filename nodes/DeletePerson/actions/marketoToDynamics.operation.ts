import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { failureLogOptions } from '../../descriptions';
import { MARKER_FIELDS, typeLabel, type PersonTable } from '../../mapping/defaultMappings';
import {
	emitOutcomes,
	failureFrom,
	failureLogSettings,
	findMarketoBy,
	logFailedOutcomes,
	normaliseGuid,
	PERSON_TABLE_NAMES,
	personView,
	readOptions,
	RecordError,
	tableFromType,
	textOf,
	toLeadId,
	writeDynamics,
	type DynamicsWriteOp,
	type ItemOutcome,
	shortText,
} from '../../persons';

const properties: INodeProperties[] = [
	{
		displayName: 'When Deleted in Marketo',
		name: 'policy',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Delete in Dynamics 365',
				value: 'deleteInDynamics',
				description: 'Delete the linked Dynamics lead or contact too (the native Dynamics sync cannot do this)',
			},
			{ name: 'Ignore', value: 'ignore', description: 'Leave the Dynamics record alone, as the native sync does' },
		],
		default: 'ignore',
		description: 'What happens to the Dynamics record of a person deleted in Marketo',
	},
	{
		displayName: 'Marketo Lead ID',
		name: 'leadId',
		type: 'string',
		default: '={{ $json.leadId ?? $json.id }}',
		placeholder: 'e.g. 1234',
		description: 'ID of the deleted Marketo person. The default reads it from the deleted items of the Marketo Trigger.',
	},
	{
		displayName: 'Dynamics Record ID',
		name: 'dynamicsId',
		type: 'string',
		default: '={{ $json.microsoftId ?? $json.current?.microsoftId ?? "" }}',
		displayOptions: { show: { policy: ['deleteInDynamics'] } },
		description:
			"ID (GUID) of the person's Dynamics record (its Microsoft ID). When it is empty, it is read from the person in Marketo, which works while the person still exists there.",
	},
	{
		displayName: 'Table',
		name: 'table',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Contact', value: 'contact' },
			{ name: 'From Microsoft Type', value: 'auto', description: "The person's Microsoft Type; both tables are tried when it is unknown" },
			{ name: 'Lead', value: 'lead' },
		],
		default: 'auto',
		displayOptions: { show: { policy: ['deleteInDynamics'] } },
		description: 'Which Dynamics table the record is in',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: { policy: ['deleteInDynamics'] } },
		options: [...failureLogOptions],
	},
];

export const description = updateDisplayOptions({ show: { direction: ['marketoToDynamics'] } }, properties);

interface Task {
	outcome: ItemOutcome;
	leadId?: number;
	dynamicsId?: string;
	/** Tables still to try, in order. */
	tables: PersonTable[];
	table?: PersonTable;
	status?: 'deleted' | 'alreadyDeleted';
}

/**
 * A Marketo delete, carried to Dynamics by policy: ignored (native), or the linked lead/contact
 * deleted ($batch, each delete on its own). A record that is already gone counts as done.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const policy = this.getNodeParameter('policy', 0, 'ignore') as 'ignore' | 'deleteInDynamics';
	const outcomes: ItemOutcome[] = [];

	if (policy === 'ignore') {
		for (let i = 0; i < items.length; i++) {
			const view = personView(items[i].json);
			const leadId = toLeadId(this.getNodeParameter('leadId', i, '')) ?? toLeadId(view.marketoId);
			outcomes.push({
				ref: { index: i, marketoId: leadId },
				json: {
					status: 'ignored',
					reason: 'Marketo deletes are not carried to Dynamics (policy "Ignore", as the native sync does)',
					...(leadId !== undefined ? { marketoId: leadId } : {}),
				},
			});
		}
		return emitOutcomes(this, outcomes);
	}

	const tableParam = this.getNodeParameter('table', 0, 'auto') as string;
	const options = readOptions(this);
	const tasks: Task[] = [];
	for (let i = 0; i < items.length; i++) {
		const view = personView(items[i].json);
		const rawLead = textOf(this.getNodeParameter('leadId', i, ''));
		const rawId = textOf(this.getNodeParameter('dynamicsId', i, ''));
		const outcome: ItemOutcome = { ref: { index: i, marketoId: toLeadId(rawLead), dynamicsId: normaliseGuid(rawId) ?? rawId } };
		outcomes.push(outcome);
		try {
			if (rawLead !== undefined && outcome.ref.marketoId === undefined) throw new RecordError(`"${shortText(rawLead)}" is not a Marketo lead ID (a positive whole number)`, 'leadId', 'format');
			if (rawId !== undefined && !normaliseGuid(rawId)) throw new RecordError(`"${shortText(rawId)}" is not a Dynamics record ID (GUID)`, 'dynamicsId', 'format');
			const fixed = tableFromType(tableParam) ?? tableFromType(view.values[MARKER_FIELDS.type]);
			tasks.push({ outcome, leadId: outcome.ref.marketoId, dynamicsId: normaliseGuid(rawId), tables: fixed ? [fixed] : [...PERSON_TABLE_NAMES] });
		} catch (error) {
			outcome.failure = failureFrom(error);
		}
	}

	// Without a Microsoft ID on the item, read it from the person while Marketo still has it.
	const unknown = tasks.filter((t) => !t.dynamicsId && t.leadId !== undefined);
	if (unknown.length) {
		try {
			const found = await findMarketoBy(this, 'id', unknown.map((t) => t.leadId!), [MARKER_FIELDS.id, MARKER_FIELDS.type]);
			for (const t of unknown) {
				const person = found.get(String(t.leadId))?.[0];
				const id = normaliseGuid(person?.[MARKER_FIELDS.id]);
				if (!id) continue;
				t.dynamicsId = id;
				t.outcome.ref.dynamicsId = id;
				const type = tableParam === 'auto' ? tableFromType(person?.[MARKER_FIELDS.type]) : undefined;
				if (type) t.tables = [type];
			}
		} catch (error) {
			for (const t of unknown) t.outcome.failure = failureFrom(error, 'marketo');
		}
	}

	let round = tasks.filter((t) => t.dynamicsId && !t.outcome.failure);
	while (round.length) {
		const ops: DynamicsWriteOp[] = round.map((t, key) => ({ key, kind: 'delete', table: t.tables[0], id: t.dynamicsId! }));
		const results = await writeDynamics(this, ops);
		const next: Task[] = [];
		round.forEach((t, key) => {
			const r = results.get(key)!;
			const table = t.tables.shift()!;
			if (r.ok) {
				t.status = 'deleted';
				t.table = table;
			} else if (r.notFound) {
				if (t.tables.length) next.push(t);
				else t.status = 'alreadyDeleted';
			} else {
				t.outcome.failure = {
					message: `Dynamics could not delete the ${table} ${t.dynamicsId}: ${r.message ?? `HTTP ${r.status}`}`,
					field: 'dynamicsId',
					code: r.code || String(r.status),
					source: 'dynamics',
					details: { httpStatus: r.status },
				};
			}
		});
		round = next;
	}

	for (const t of tasks) {
		if (t.outcome.failure) continue;
		const base: IDataObject = { ...(t.leadId !== undefined ? { marketoId: t.leadId } : {}) };
		if (!t.dynamicsId) {
			t.outcome.json = { status: 'skipped', reason: 'No Dynamics record is linked to this person (Microsoft ID unknown)', ...base };
			continue;
		}
		t.outcome.json = {
			status: t.status,
			...base,
			dynamicsId: t.dynamicsId,
			...(t.table ? { personType: typeLabel(t.table) } : {}),
			...(t.status === 'alreadyDeleted' ? { reason: 'The Dynamics record was already deleted' } : {}),
		};
	}

	await logFailedOutcomes(this, outcomes, failureLogSettings(options), 'Marketo to Dynamics');
	return emitOutcomes(this, outcomes);
}
