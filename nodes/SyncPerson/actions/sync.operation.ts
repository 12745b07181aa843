import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { extraMappingsOption, failureLogOptions, ownerProperty, sortedOptions, useDefaultMappingOption } from '../../descriptions';
import { MARKER_FIELDS, typeLabel, type FieldMapping, type PersonTable } from '../../mapping/defaultMappings';
import {
	dynamicsColumnMap,
	dynamicsValuesFromItem,
	emitOutcomes,
	extraMappings,
	failureFrom,
	failureLogSettings,
	fieldFromMessage,
	findDynamicsByIds,
	findDynamicsByValues,
	findMarketoBy,
	loadChoiceLabels,
	logFailedOutcomes,
	marketoFieldMap,
	markerValues,
	needsChoiceLabels,
	normaliseGuid,
	PERSON_TABLES,
	PERSON_TABLE_NAMES,
	personMappings,
	personView,
	readOptions,
	RecordError,
	tableFromType,
	textOf,
	toLeadId,
	updatePersonsById,
	writeDynamics,
	type DynamicsWriteOp,
	type ItemOutcome,
	type RecordRef,
	shortText,
} from '../../persons';
import { reasonsText } from '../../records/values';
import { createdRowId } from '../../persons/ids';
import type { ColumnInfo } from '../../transport/dataverseApi';
import type { MarketoField } from '../../transport/marketoApi';

const properties: INodeProperties[] = [
	{
		displayName: 'Marketo Lead ID',
		name: 'leadId',
		type: 'string',
		default: '={{ $json.leadId ?? $json.marketoId ?? $json.id }}',
		placeholder: 'e.g. 1234',
		description:
			"ID of the Marketo person to sync. The default reads it from items of the Marketo Trigger or of other nodes of this package. When it is empty, the person is found by the item's email.",
	},
	{
		displayName: 'Sync As',
		name: 'syncAs',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Contact', value: 'contact', description: 'Create a Dynamics contact (without an account)' },
			{ name: 'Lead', value: 'lead', description: 'Create a Dynamics lead, as the native flow action does by default' },
		],
		default: 'lead',
		description: 'What to create in Dynamics when the person has no record there yet',
	},
	{ ...ownerProperty, description: `${ownerProperty.description} Applies to records this node creates.` },
	{
		displayName: 'Update If It Exists',
		name: 'updateIfExists',
		type: 'boolean',
		default: false,
		description:
			"Whether to update the existing Dynamics record with the person's current Marketo values (a force sync, which the native flow action cannot do). Off: an existing record is left as it is.",
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
				displayName: 'Link Record With Same Email',
				name: 'linkByEmail',
				type: 'boolean',
				default: true,
				description:
					'Whether a Dynamics lead or contact with the same email as the person counts as its record (it gets linked, nothing is created). Off: only the Microsoft ID on the person counts.',
			},
			useDefaultMappingOption,
		]),
	},
];

export const description = updateDisplayOptions({ show: { '@version': [1] } }, properties);

interface Task {
	outcome: ItemOutcome;
	leadId?: number;
	email?: string;
	owner?: string;
	person?: IDataObject;
	/** The live Dynamics record of the person, once found. */
	existing?: { table: PersonTable; id: string; createdon?: unknown; linkedBy: 'microsoftId' | 'email' };
	/** The person pointed to a record that no longer exists. */
	deletedId?: string;
	table: PersonTable;
	values?: IDataObject;
	synced?: Record<string, unknown>;
	status?: 'created' | 'updated' | 'exists';
	dynamicsId?: string;
	createdon?: unknown;
	markersUpdated?: boolean;
	markerError?: string;
}

/**
 * Sync Person to Microsoft: reads each person from Marketo, finds its Dynamics record (the
 * Microsoft ID on the person when that record is still there, else a lead or contact with the
 * same email), creates the lead or contact when there is none, optionally updates it when there is
 * one, and writes the link (Microsoft ID, Type, Created Date, Sync State) back onto the person.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const syncAs = (this.getNodeParameter('syncAs', 0, 'lead') as PersonTable) || 'lead';
	const updateIfExists = this.getNodeParameter('updateIfExists', 0, false) as boolean;
	const options = readOptions(this);
	const linkByEmail = options.linkByEmail !== false;
	const mappingsOf = (table: PersonTable) => personMappings(table, extraMappings(options), options.useDefaultMapping !== false);

	const outcomes: ItemOutcome[] = [];
	const tasks: Task[] = [];
	for (let i = 0; i < items.length; i++) {
		const view = personView(items[i].json);
		const rawLeadId = textOf(this.getNodeParameter('leadId', i, ''));
		const ref: RecordRef = { index: i, marketoId: toLeadId(rawLeadId), email: textOf(view.dynamicsShaped ? view.values.emailaddress1 : view.values.email) };
		const outcome: ItemOutcome = { ref };
		outcomes.push(outcome);
		try {
			if (rawLeadId !== undefined && ref.marketoId === undefined) throw new RecordError(`"${shortText(rawLeadId)}" is not a Marketo lead ID (a positive whole number)`, 'leadId', 'format');
			if (ref.marketoId === undefined && !ref.email) throw new RecordError('Neither a Marketo lead ID nor an email to find the person by', 'leadId', '1003');
			const owner = textOf(this.getNodeParameter('owner', i, ''));
			if (owner && !normaliseGuid(owner)) throw new RecordError(`The owner "${owner}" is not a Dynamics user ID (GUID)`, 'owner', 'format');
			tasks.push({ outcome, leadId: ref.marketoId, email: ref.email, owner: normaliseGuid(owner), table: syncAs });
		} catch (error) {
			outcome.failure = failureFrom(error);
		}
	}

	if (tasks.length) {
		const fields = await marketoFieldMap(this);
		await readPersons(this, tasks, fields, [...new Set([...mappingsOf('lead'), ...mappingsOf('contact')].map((m) => m.marketo))]);
		await findExisting(this, tasks.filter((t) => t.person), syncAs, linkByEmail);
		await prepareValues(this, tasks.filter((t) => t.person && (!t.existing || updateIfExists)), mappingsOf);
		await writeRecords(this, tasks, updateIfExists);
		await writeBack(this, tasks, fields);
		for (const t of tasks) {
			if (!t.status) continue;
			t.outcome.json = {
				status: t.status,
				marketoId: t.leadId,
				dynamicsId: t.dynamicsId,
				personType: typeLabel(t.table),
				...(t.outcome.ref.email ? { email: t.outcome.ref.email } : {}),
				...(t.existing ? { linkedBy: t.existing.linkedBy } : {}),
				...(t.status === 'exists' ? { reason: `The person already has a Dynamics ${t.table}: nothing was changed` } : {}),
				...(t.deletedId ? { reason: `The previously linked Dynamics record ${t.deletedId} was deleted; a new ${t.table} was created` } : {}),
				...(t.status === 'created' && t.owner ? { ownerId: t.owner } : {}),
				...(t.markersUpdated !== undefined ? { markersUpdated: t.markersUpdated } : {}),
				...(t.markerError ? { markerError: t.markerError } : {}),
			};
		}
	}

	await logFailedOutcomes(this, outcomes, failureLogSettings(options), 'Marketo to Dynamics');
	return emitOutcomes(this, outcomes);
}

/** Reads the persons from Marketo by lead id (or email), ≤300 per call. */
async function readPersons(ctx: IExecuteFunctions, tasks: Task[], fields: Map<string, MarketoField>, mapped: string[]): Promise<void> {
	const wanted = [...new Set(['id', 'email', ...Object.values(MARKER_FIELDS), ...mapped])].filter((f) => fields.has(f));
	const byId = tasks.filter((t) => t.leadId !== undefined);
	const byEmail = tasks.filter((t) => t.leadId === undefined);
	try {
		const found = await findMarketoBy(ctx, 'id', byId.map((t) => t.leadId!), wanted.filter((f) => f !== 'id'));
		for (const t of byId) {
			const person = found.get(String(t.leadId))?.[0];
			if (person) t.person = person;
			else t.outcome.failure = { message: `Marketo has no person with lead ID ${t.leadId}`, field: 'leadId', code: '1004', source: 'marketo' };
		}
		const foundByEmail = await findMarketoBy(ctx, 'email', byEmail.map((t) => t.email!), wanted.filter((f) => f !== 'email'));
		for (const t of byEmail) {
			const persons = foundByEmail.get(t.email!.toLowerCase()) ?? [];
			if (persons.length === 1) {
				t.person = persons[0];
				t.leadId = toLeadId(persons[0].id);
				t.outcome.ref.marketoId = t.leadId;
			} else {
				t.outcome.failure = {
					message: persons.length ? `${persons.length} Marketo persons have the email ${t.email}: give the lead ID` : `Marketo has no person with the email ${t.email}`,
					field: 'email',
					code: persons.length ? '1007' : '1004',
					source: 'marketo',
				};
			}
		}
	} catch (error) {
		for (const t of tasks) if (!t.person && !t.outcome.failure) t.outcome.failure = failureFrom(error, 'marketo');
	}
	for (const t of tasks) {
		if (t.person && typeof t.person.email === 'string') t.outcome.ref.email = t.person.email;
	}
}

/**
 * A person's Dynamics record: the one its Microsoft ID points to, when it still exists; else
 * (with linking on) the oldest lead or contact with the person's email, the "Sync As" table first.
 */
async function findExisting(ctx: IExecuteFunctions, tasks: Task[], syncAs: PersonTable, linkByEmail: boolean): Promise<void> {
	try {
		for (const table of PERSON_TABLE_NAMES) {
			const group = tasks.filter((t) => {
				const id = normaliseGuid(t.person![MARKER_FIELDS.id]);
				const type = tableFromType(t.person![MARKER_FIELDS.type]);
				return id && (type ? type === table : true);
			});
			if (!group.length) continue;
			const live = await findDynamicsByIds(ctx, table, group.map((t) => String(t.person![MARKER_FIELDS.id])), ['createdon']);
			for (const t of group) {
				if (t.existing) continue;
				const id = normaliseGuid(t.person![MARKER_FIELDS.id])!;
				const row = live.get(id);
				if (row) t.existing = { table, id, createdon: row.createdon, linkedBy: 'microsoftId' };
			}
		}
		for (const t of tasks) {
			const id = normaliseGuid(t.person![MARKER_FIELDS.id]);
			if (id && !t.existing) {
				t.deletedId = id;
				t.outcome.ref.dynamicsId = id;
			}
		}
		if (!linkByEmail) return;
		const order: PersonTable[] = syncAs === 'contact' ? ['contact', 'lead'] : ['lead', 'contact'];
		for (const table of order) {
			const group = tasks.filter((t) => !t.existing && typeof t.person!.email === 'string' && t.person!.email);
			if (!group.length) continue;
			const found = await findDynamicsByValues(ctx, table, 'emailaddress1', group.map((t) => String(t.person!.email)));
			for (const t of group) {
				const rows = (found.get(String(t.person!.email).toLowerCase()) ?? []).filter((r) => String(r[PERSON_TABLES[table].primaryId]).toLowerCase() !== t.deletedId);
				if (!rows.length) continue;
				t.existing = { table, id: String(rows[0][PERSON_TABLES[table].primaryId]).toLowerCase(), createdon: rows[0].createdon, linkedBy: 'email' };
				t.deletedId = undefined;
			}
		}
	} catch (error) {
		for (const t of tasks) if (!t.existing) t.outcome.failure = failureFrom(error, 'dynamics');
	}
}

/** The Dynamics values of each person (default mapping plus extras), validated per person. */
async function prepareValues(ctx: IExecuteFunctions, tasks: Task[], mappingsOf: (table: PersonTable) => FieldMapping[]): Promise<void> {
	const columns = new Map<PersonTable, Map<string, ColumnInfo>>();
	const choices = new Map<PersonTable, Map<string, Map<string, number>>>();
	for (const t of tasks) {
		if (t.outcome.failure) continue;
		const table = t.existing?.table ?? t.table;
		t.table = table;
		try {
			if (!columns.has(table)) columns.set(table, await dynamicsColumnMap(ctx, table));
			const mappings = mappingsOf(table);
			if (!choices.has(table) && needsChoiceLabels([t.person!], mappings, columns.get(table)!)) choices.set(table, await loadChoiceLabels(ctx, table));
			// Marketo leaves empty fields out of its answers: only the values the person has are written.
			const person = Object.fromEntries(Object.entries(t.person!).filter(([k, v]) => k !== 'id' && v !== null && v !== undefined && v !== ''));
			const { values, synced } = dynamicsValuesFromItem(person, table, mappings, columns.get(table)!, false, choices.get(table));
			t.values = values;
			t.synced = synced;
		} catch (error) {
			t.outcome.failure = failureFrom(error);
		}
	}
}

/** Creates the missing records and (with "Update If It Exists") updates the existing ones. */
async function writeRecords(ctx: IExecuteFunctions, tasks: Task[], updateIfExists: boolean): Promise<void> {
	const instance = String((await ctx.getCredentials('marketoApi')).restBaseUrl ?? '');
	const ops: DynamicsWriteOp[] = [];
	const byKey = new Map<number, Task>();
	for (const t of tasks) {
		if (t.outcome.failure || !t.person) continue;
		if (t.existing) {
			t.table = t.existing.table;
			t.dynamicsId = t.existing.id;
			t.createdon = t.existing.createdon;
			t.outcome.ref.dynamicsId = t.existing.id;
			if (!updateIfExists) {
				t.status = 'exists';
				continue;
			}
			byKey.set(ops.length, t);
			ops.push({ key: ops.length, kind: 'update', table: t.table, id: t.existing.id, body: t.values ?? {} });
			continue;
		}
		const body: IDataObject = { ...(t.values ?? {}) };
		if (t.owner) body['ownerid@odata.bind'] = `/systemusers(${t.owner})`;
		byKey.set(ops.length, t);
		ops.push({ key: ops.length, kind: 'create', table: t.table, id: createdRowId(instance, t.leadId, t.table), body });
	}
	const results = await writeDynamics(ctx, ops);
	for (const op of ops) {
		const t = byKey.get(op.key)!;
		const r = results.get(op.key)!;
		if (r.ok) {
			t.status = op.kind === 'create' ? 'created' : 'updated';
			t.dynamicsId = op.id;
			t.outcome.ref.dynamicsId = op.id;
			t.createdon = r.createdon ?? t.createdon ?? (op.kind === 'create' ? new Date().toISOString() : undefined);
			continue;
		}
		const field = fieldFromMessage(r.message ?? '');
		t.outcome.failure = {
			message: `Dynamics rejected the ${op.kind === 'create' ? 'new' : 'updated'} ${t.table}${field ? ` (column "${field}")` : ''}: ${r.message ?? `HTTP ${r.status}`}`,
			field,
			code: r.code || String(r.status),
			source: 'dynamics',
			details: { httpStatus: r.status },
		};
	}
}

/** Writes the link onto the persons whose record was created, updated or newly linked. */
async function writeBack(ctx: IExecuteFunctions, tasks: Task[], fields: Map<string, MarketoField>): Promise<void> {
	const list = tasks.filter((t) => {
		if (!t.status || t.leadId === undefined) return false;
		if (t.status !== 'exists') return true;
		// An existing record: only when the person does not point to it yet.
		const p = t.person!;
		return normaliseGuid(p[MARKER_FIELDS.id]) !== t.dynamicsId || tableFromType(p[MARKER_FIELDS.type]) !== t.table || p[MARKER_FIELDS.isDeleted] === true;
	});
	if (!list.length) return;
	const updates = list.map((t, key) => ({
		key,
		leadId: t.leadId!,
		values: markerValues(fields, {
			dynamicsId: t.dynamicsId,
			table: t.table,
			createdOn: t.createdon,
			isDeleted: false,
			synced: t.status === 'exists' ? undefined : t.synced,
		}),
	}));
	try {
		const results = await updatePersonsById(ctx, updates);
		list.forEach((t, key) => {
			const r = results.get(key);
			t.markersUpdated = r?.status === 'updated';
			if (!t.markersUpdated) t.markerError = reasonsText(r?.reasons, r?.status);
		});
	} catch (error) {
		for (const t of list) {
			t.markersUpdated = false;
			t.markerError = (error as Error).message;
		}
	}
}
