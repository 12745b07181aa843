import { randomUUID } from 'node:crypto';
import { updateDisplayOptions, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { extraMappingsOption, failureLogOptions, ownerProperty, sortedOptions, useDefaultMappingOption } from '../../descriptions';
import { MARKER_FIELDS, typeLabel, type FieldMapping, type PersonTable } from '../../mapping/defaultMappings';
import {
	convertDefinedValues,
	dynamicsColumnMap,
	dynamicsValuesFromItem,
	emitOutcomes,
	extraMappings,
	failureFrom,
	failureLogSettings,
	fieldFromMessage,
	findDynamicsByValues,
	loadChoiceLabels,
	logFailedOutcomes,
	marketoFieldMap,
	marketoNameOf,
	markerValues,
	needsChoiceLabels,
	normaliseGuid,
	PERSON_TABLES,
	personMappings,
	personView,
	readOptions,
	RecordError,
	textOf,
	toLeadId,
	updatePersonsById,
	writeDynamics,
	type DynamicsWriteOp,
	type ItemOutcome,
	type RecordRef,
	type ResolvedWrites,
	shortText,
} from '../../persons';
import { reasonsText } from '../../records/values';
import { parseSyncState } from '../../conflict/syncState';
import { checkedValues, keptText, stateToStore, type Rejected } from '../../persons/pipeline';
import type { ColumnInfo } from '../../transport/dataverseApi';
import { definedValues, itemTable, mappingMode } from './common';

const properties: INodeProperties[] = [
	{
		displayName: 'Columns',
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		description:
			"Which Dynamics columns to write. \"Map Automatically\" applies Marketo's native Dynamics mapping: items from the Marketo Trigger (Marketo field names) are translated to Dynamics columns, items that already use Dynamics names pass through. \"Map Each Field Below\" starts with the same default mapping as expressions you can change.",
		typeOptions: {
			loadOptionsDependsOn: ['personType'],
			resourceMapper: {
				resourceMapperMethod: 'getDynamicsColumns',
				mode: 'add',
				fieldWords: { singular: 'column', plural: 'columns' },
				addAllFields: true,
				multiKeyMatch: false,
				supportAutoMap: true,
			},
		},
	},
	{
		displayName: 'Match On Column Name or ID',
		name: 'matchColumn',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getPersonMatchColumns', loadOptionsDependsOn: ['personType'] },
		default: 'emailaddress1',
		description:
			'When an item has no Dynamics record ID (no Microsoft ID), the record whose column has the same value is updated, and a new record is created when none has. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
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
			{ ...ownerProperty, displayName: 'Owner of New Records Name or ID' },
			{
				displayName: 'Person Type When Unknown',
				name: 'newPersonType',
				type: 'options',
				options: [
					{ name: 'Contact', value: 'contact' },
					{ name: 'Lead', value: 'lead' },
				],
				default: 'lead',
				description: 'With Person Type "Detect From Each Item": the Dynamics table used when an item has no Microsoft Type',
			},
			useDefaultMappingOption,
		]),
	},
];

export const description = updateDisplayOptions({ show: { target: ['dynamics'] } }, properties);

interface Pending {
	outcome: ItemOutcome;
	table: PersonTable;
	mappings: FieldMapping[];
	values: IDataObject;
	synced: Record<string, unknown>;
	matchValue?: string;
	/** The record to update; absent = look it up by the match column, or create. */
	targetId?: string;
	matchedBy?: string;
	otherMatches?: number;
	/** The Resolve Conflict item this write came from: passed on, with its state, to the Marketo write. */
	resolved?: { json: IDataObject; writes: ResolvedWrites };
	/** Columns of a Resolve Conflict item Dynamics rejects (`keys`), left out of the write; their Marketo names in `fields`. */
	rejected?: Rejected & { fields: string[] };
	/** Set when the record the item pointed to no longer exists. */
	staleId?: string;
	missing: string[];
	createdon?: string;
	status?: 'created' | 'updated';
}

/**
 * Writes leads or contacts into Dynamics: validates and maps every item, finds each record by its
 * Dynamics id or the match column (escaped OData), updates what exists and creates what does not
 * ($batch, each operation on its own), then writes the link and sync state back onto the Marketo
 * persons the items came from.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const personType = this.getNodeParameter('personType', 0, 'auto') as string;
	const matchColumn = String(this.getNodeParameter('matchColumn', 0, 'emailaddress1') || '');
	const mode = mappingMode(this);
	const options = readOptions(this);
	const fallbackTable = (options.newPersonType as PersonTable) || 'lead';
	const owner = textOf(options.owner);

	const outcomes: ItemOutcome[] = [];
	const pending: Pending[] = [];
	const columnsByTable = new Map<PersonTable, Map<string, ColumnInfo>>();
	const choicesByTable = new Map<PersonTable, Map<string, Map<string, number>>>();
	const columnsOf = async (table: PersonTable) => {
		if (!columnsByTable.has(table)) columnsByTable.set(table, await dynamicsColumnMap(this, table));
		return columnsByTable.get(table)!;
	};

	for (let i = 0; i < items.length; i++) {
		const view = personView(items[i].json);
		const v = view.values;
		const table = itemTable(personType, view, fallbackTable);
		const idKey = view.resolved ? 'dynamicsId' : view.dynamicsShaped ? PERSON_TABLES[table].primaryId : v[MARKER_FIELDS.id] !== undefined ? MARKER_FIELDS.id : 'dynamicsId';
		const rawId = textOf(view.resolved ? view.dynamicsId : view.dynamicsShaped ? v[idKey] ?? view.dynamicsId : v[idKey]);
		const ref: RecordRef = {
			index: i,
			dynamicsId: normaliseGuid(rawId) ?? rawId,
			marketoId: toLeadId(view.marketoId ?? (view.dynamicsShaped ? v.marketoId : v.id ?? v.leadId ?? v.marketoId)),
			email: textOf(view.dynamicsShaped ? v.emailaddress1 : v.email ?? view.resolved?.toDynamics.emailaddress1),
		};
		const outcome: ItemOutcome = { ref };
		outcomes.push(outcome);
		const skip = (reason: string) => {
			outcome.json = { status: 'skipped', reason, ...(ref.dynamicsId ? { dynamicsId: ref.dynamicsId } : {}), ...(ref.marketoId !== undefined ? { marketoId: ref.marketoId } : {}) };
		};
		try {
			if (owner && !normaliseGuid(owner)) throw new RecordError(`The owner "${owner}" is not a Dynamics user ID (GUID)`, 'owner', 'format', 'config');
			if (rawId !== undefined && !normaliseGuid(rawId)) {
				throw new RecordError(`"${idKey}" must be a Dynamics record ID (GUID), got "${shortText(rawId)}"`, idKey, 'format');
			}
			if (view.deleted) {
				skip('The item reports a deleted record: use the Delete Person node for deletes');
				continue;
			}
			if (view.resolved && !Object.keys(view.resolved.toDynamics).length) {
				// Passed on as it is: its Marketo write (if any) needs nothing from Dynamics.
				outcome.json = { ...items[i].json, dynamicsWrite: { status: 'skipped', reason: `nothing to write to Dynamics (${view.resolved.action})` } };
				continue;
			}
			if (!view.dynamicsShaped && v[MARKER_FIELDS.isDeleted] === true) {
				skip('The linked Dynamics record was deleted (Microsoft Is Deleted is true)');
				continue;
			}
			const columns = await columnsOf(table);
			const mappings = personMappings(table, extraMappings(options), options.useDefaultMapping !== false);
			const source = view.resolved ? view.resolved.toDynamics : mode === 'defineBelow' ? definedValues(this, i) : v;
			if (!choicesByTable.has(table) && needsChoiceLabels([source], mappings, columns)) {
				choicesByTable.set(table, await loadChoiceLabels(this, table));
			}
			const choices = choicesByTable.get(table);
			let values: IDataObject;
			let synced: Record<string, unknown> = {};
			let missing: string[] = [];
			let rejected: Pending['rejected'];
			if (view.resolved) {
				// A value Dynamics would reject is left out (and reported); the record's other columns are written.
				const checked = checkedValues(source, 'dynamics', { columns, choices });
				if (checked.fatal) {
					outcome.failure = checked.fatal;
					continue;
				}
				values = checked.values;
				const writes = view.resolved;
				rejected = checked.rejected && { ...checked.rejected, fields: checked.rejected.keys.map((c) => marketoFieldOf(writes, mappings, c)) };
				if (rejected && !Object.keys(values).length) {
					outcome.failure = rejected.failure;
					continue;
				}
			} else if (mode === 'defineBelow') {
				values = convertDefinedValues(source, 'dynamics', { columns, choices });
				if (!view.resolved) {
					for (const [column, value] of Object.entries(source)) {
						const marketoName = marketoNameOf(mappings, column);
						if (marketoName) synced[marketoName] = value;
					}
				}
			} else {
				({ values, synced, missing } = dynamicsValuesFromItem(v, table, mappings, columns, view.dynamicsShaped, choices));
			}
			if (typeof values.emailaddress1 === 'string') ref.email = values.emailaddress1;
			const matchValue = matchColumn ? textOf(values[matchColumn] ?? v[matchColumn] ?? v[marketoNameOf(mappings, matchColumn) ?? '']) : undefined;
			const targetId = normaliseGuid(rawId);
			pending.push({
				outcome,
				table,
				mappings,
				values,
				synced,
				...(view.resolved ? { resolved: { json: items[i].json, writes: view.resolved } } : {}),
				rejected,
				matchValue,
				targetId,
				matchedBy: targetId ? 'id' : undefined,
				missing,
			});
		} catch (error) {
			outcome.failure = failureFrom(error);
		}
	}
	const resolvedInputs = items.map((item) => (personView(item.json).resolved ? item.json : undefined));

	if (pending.length) {
		await resolveByMatch(this, pending.filter((p) => !p.targetId), matchColumn);
		const stale = await write(this, pending, owner);
		if (stale.length) {
			await resolveByMatch(this, stale, matchColumn);
			await write(this, stale, owner);
		}
		// Dataverse rejects a whole record for one bad column: a Resolve Conflict item's other columns
		// still belong in Dynamics, so they are written again without it (one more $batch, only then).
		const partial = pending.filter((p) => p.resolved && p.outcome.failure?.source === 'dynamics' && p.outcome.failure.field && p.outcome.failure.field in p.values && Object.keys(p.values).length > 1);
		for (const p of partial) {
			const failure = p.outcome.failure!;
			const column = failure.field!;
			const before = p.rejected;
			p.rejected = {
				failure: before ? { ...failure, message: `${before.failure.message}; ${failure.message}` } : failure,
				keys: [...(before?.keys ?? []), column],
				fields: [...(before?.fields ?? []), marketoFieldOf(p.resolved!.writes, p.mappings, column)],
			};
			p.outcome.failure = undefined;
			delete p.values[column];
		}
		if (partial.length) await write(this, partial, owner);
		// Resolve Conflict items carry their Marketo write on to the next node (one call there with
		// fields, link and state); other items link their person here.
		await writeBack(this, pending.filter((p) => !p.resolved && p.status && p.outcome.ref.marketoId !== undefined));
		for (const p of pending) {
			if (!p.status) {
				if (p.rejected && p.outcome.failure && p.outcome.failure !== p.rejected.failure) p.outcome.failure.message = `${p.rejected.failure.message}; ${p.outcome.failure.message}`;
				continue;
			}
			if (p.resolved) {
				if (p.rejected) {
					p.outcome.failure = { ...p.rejected.failure, message: `${p.rejected.failure.message}; the record's other columns were written, ${keptText(p.rejected.keys, 'Dynamics')}` };
					p.outcome.forwarded = passedOn(p);
				} else p.outcome.json = passedOn(p);
				continue;
			}
			p.outcome.json = {
				status: p.status,
				dynamicsId: p.targetId,
				personType: typeLabel(p.table),
				...(p.outcome.ref.marketoId !== undefined ? { marketoId: p.outcome.ref.marketoId } : {}),
				...(p.outcome.ref.email ? { email: p.outcome.ref.email } : {}),
				matchedBy: p.matchedBy ?? 'none',
				...(p.otherMatches ? { otherMatches: p.otherMatches } : {}),
				...(p.staleId ? { reason: `The linked Dynamics record ${p.staleId} no longer exists` } : {}),
				...(p.missing.length ? { skippedFields: p.missing } : {}),
				...(p.outcome.json ?? {}),
			};
		}
	}

	// A rejected Resolve Conflict item still goes on to its Marketo write, whose state keeps the old
	// base for the values Dynamics did not take.
	for (const outcome of outcomes) {
		const input = resolvedInputs[outcome.ref.index];
		if (outcome.failure && input && !outcome.forwarded) outcome.forwarded = { ...input, dynamicsWrite: { status: 'failed', error: outcome.failure.message } };
	}
	await logFailedOutcomes(this, outcomes, failureLogSettings(options), 'Marketo to Dynamics');
	return emitOutcomes(this, outcomes);
}

/**
 * A Resolve Conflict item after Dynamics accepted its write: its Marketo write now stores the state
 * that describes the values written here too, and links the person to the record written.
 */
function passedOn(p: Pending): IDataObject {
	const { json, writes } = p.resolved!;
	const toMarketo: IDataObject = { ...writes.toMarketo };
	if (parseSyncState(writes.syncState)) {
		// Columns Dynamics rejected keep their old base: their Marketo value is tried again next time.
		const state = stateToStore(writes, writes.syncState, p.rejected?.fields ?? []);
		if (state === undefined) delete toMarketo[writes.syncStateField];
		else toMarketo[writes.syncStateField] = state;
	}
	return {
		...json,
		dynamicsId: p.targetId,
		toMarketo,
		dynamicsWrite: {
			status: p.status,
			dynamicsId: p.targetId,
			matchedBy: p.matchedBy ?? 'none',
			...(p.status === 'created' && p.createdon ? { createdOn: p.createdon } : {}),
			...(p.staleId ? { reason: `The linked Dynamics record ${p.staleId} no longer exists` } : {}),
			...(p.rejected ? { notWritten: p.rejected.keys } : {}),
		},
	};
}

/** The Marketo field a Resolve Conflict item's column comes from (its own list, else the mapping). */
function marketoFieldOf(writes: ResolvedWrites, mappings: FieldMapping[], column: string): string {
	return writes.toDynamicsFields?.[column] ?? marketoNameOf(mappings, column) ?? column;
}

/** Finds records by the match column (per table, escaped OData); the oldest match wins. */
async function resolveByMatch(ctx: IExecuteFunctions, list: Pending[], matchColumn: string): Promise<void> {
	if (!matchColumn) return;
	for (const table of ['lead', 'contact'] as PersonTable[]) {
		const group = list.filter((p) => p.table === table && p.matchValue);
		if (!group.length) continue;
		let found: Map<string, IDataObject[]>;
		try {
			found = await findDynamicsByValues(ctx, table, matchColumn, group.map((p) => p.matchValue!));
		} catch (error) {
			for (const p of group) p.outcome.failure = failureFrom(error, 'dynamics');
			continue;
		}
		for (const p of group) {
			const rows = (found.get(p.matchValue!.toLowerCase()) ?? []).filter((r) => String(r[PERSON_TABLES[table].primaryId]).toLowerCase() !== p.staleId);
			if (!rows.length) continue;
			p.targetId = String(rows[0][PERSON_TABLES[table].primaryId]).toLowerCase();
			p.matchedBy = matchColumn;
			if (rows.length > 1) p.otherMatches = rows.length - 1;
		}
	}
}

/** Creates or updates every pending record that has not failed; returns those whose record vanished. */
async function write(ctx: IExecuteFunctions, list: Pending[], owner: string | undefined): Promise<Pending[]> {
	const active = list.filter((p) => !p.outcome.failure && !p.status);
	const ops: DynamicsWriteOp[] = active.map((p, key) => {
		if (p.targetId) return { key, kind: 'update', table: p.table, id: p.targetId, body: p.values };
		const body: IDataObject = Object.fromEntries(Object.entries(p.values).filter(([, v]) => v !== null));
		if (owner) body['ownerid@odata.bind'] = `/systemusers(${normaliseGuid(owner)})`;
		return { key, kind: 'create', table: p.table, id: randomUUID(), body };
	});
	const results = await writeDynamics(ctx, ops);
	const stale: Pending[] = [];
	ops.forEach((op, key) => {
		const p = active[key];
		const r = results.get(key)!;
		if (r.ok) {
			p.status = op.kind === 'create' ? 'created' : 'updated';
			p.targetId = op.id;
			p.createdon = r.createdon ?? (op.kind === 'create' ? new Date().toISOString() : undefined);
			return;
		}
		if (r.notFound && op.kind === 'update' && !p.staleId) {
			p.staleId = op.id;
			p.targetId = undefined;
			p.matchedBy = undefined;
			stale.push(p);
			return;
		}
		const field = fieldFromMessage(r.message ?? '');
		p.outcome.failure = {
			message: `Dynamics rejected the ${p.table}${field ? ` (column "${field}")` : ''}: ${r.message ?? `HTTP ${r.status}`}`,
			field,
			code: r.code || String(r.status),
			source: 'dynamics',
			details: { httpStatus: r.status, ...(p.targetId ? { dynamicsId: p.targetId } : {}) },
		};
	});
	return stale;
}

/** Links the Marketo persons to their Dynamics records (Microsoft Id/Type, Created Date, Sync State). */
async function writeBack(ctx: IExecuteFunctions, list: Pending[]): Promise<void> {
	if (!list.length) return;
	let fields;
	try {
		fields = await marketoFieldMap(ctx);
	} catch (error) {
		for (const p of list) p.outcome.json = { markersUpdated: false, markerError: (error as Error).message };
		return;
	}
	const updates = list.map((p, key) => ({
		key,
		leadId: p.outcome.ref.marketoId!,
		values: markerValues(fields, { dynamicsId: p.targetId, table: p.table, createdOn: p.createdon, synced: p.synced, isDeleted: false }),
	}));
	let results;
	try {
		results = await updatePersonsById(ctx, updates);
	} catch (error) {
		for (const p of list) p.outcome.json = { markersUpdated: false, markerError: (error as Error).message };
		return;
	}
	list.forEach((p, key) => {
		const r = results.get(key);
		p.outcome.json = r?.status === 'updated' ? { markersUpdated: true } : { markersUpdated: false, markerError: reasonsText(r?.reasons, r?.status) };
	});
}
