import type { IDataObject } from 'n8n-workflow';

import { resolveRecord, type Resolution } from '../../conflict/resolve';
import { keepBaseFor, matchesSyncState, parseSyncState, sameFingerprints, serialiseSyncState } from '../../conflict/syncState';
import type { FieldMapping, PersonTable } from '../../mapping/defaultMappings';
import type { ItemOutcome } from '../../persons/outcome';
import type { Change } from './change';
import type { ResolveContext } from './context';
import type { ResolveAction } from '../../persons/itemShapes';
import { decided } from './output';
import { policyFor } from './settings';

/** A Marketo person and the CRM row it is linked to, as both systems hold them now. */
export interface LinkedPair {
	person: IDataObject;
	/** The row's mapped values in Marketo terms. */
	dynamicsValues: Record<string, unknown>;
	mappings: FieldMapping[];
	skipped: string[];
	marketoModifiedAt?: string;
	dynamicsModifiedAt?: string;
	dynamicsId: string;
	warnings: string[];
}

function actionOf(resolution: Resolution, fieldWrites: number, dynamicsWrites: number, crm: string): { action: ResolveAction; reason: string } {
	let result: { action: ResolveAction; reason: string };
	if (fieldWrites && dynamicsWrites) result = { action: 'writeBoth', reason: 'both systems have changes the other lacks' };
	else if (fieldWrites) result = { action: 'writeMarketo', reason: `${crm} has changes Marketo lacks` };
	else if (dynamicsWrites) result = { action: 'writeDynamics', reason: `Marketo has changes ${crm} lacks; the sync state follows once ${crm} accepted them` };
	else if (resolution.stateChanged) result = { action: 'writeMarketo', reason: 'both systems already agree; only the sync state is stored' };
	else result = { action: 'none', reason: 'both systems already agree' };
	const n = resolution.collisions.length;
	if (n) result.reason += `; ${n} collision${n > 1 ? 's' : ''} resolved`;
	return result;
}

/** The three-way merge of a linked pair against the person's stored sync state. */
export function resolvePair(ctx: ResolveContext, change: Change, entity: PersonTable, input: LinkedPair): ItemOutcome {
	const { person, dynamicsValues, mappings } = input;
	const stateField = change.settings.syncStateField;
	const storedText = typeof person[stateField] === 'string' ? (person[stateField] as string) : '';
	const base = parseSyncState(storedText);
	const marketoValues: Record<string, unknown> = {};
	// Marketo leaves empty fields out of its answer: a requested field that is missing is empty.
	for (const m of mappings) marketoValues[m.marketo] = person[m.marketo] ?? null;
	const ids = { dynamicsId: input.dynamicsId, marketoId: Number(person.id) };
	const extras: IDataObject = {
		...(input.skipped.length ? { skippedFields: input.skipped } : {}),
		...(input.warnings.length ? { warnings: input.warnings } : {}),
	};

	// Echo: the incoming side holds exactly what was last synced, so this change is the sync's own write.
	const incoming = change.source === 'dynamics' ? dynamicsValues : marketoValues;
	if (matchesSyncState(incoming, base)) {
		const side = change.source === 'dynamics' ? ctx.crm.name : 'Marketo';
		return decided(change, entity, { ...ids, action: 'none', reason: `echo: the ${side} values equal the last synced state`, syncState: storedText, ...extras });
	}

	const resolution = resolveRecord({
		entity,
		fields: mappings.map((m) => m.marketo),
		marketo: marketoValues,
		dynamics: dynamicsValues,
		base,
		policy: policyFor(change.settings, entity),
		marketoModifiedAt: input.marketoModifiedAt,
		dynamicsModifiedAt: input.dynamicsModifiedAt,
		oneWay: mappings.filter((m) => m.direction === 'toMarketo').map((m) => m.marketo),
	});
	const columnOf = new Map(mappings.map((m) => [m.marketo, m.dynamics]));
	const toDynamics: IDataObject = {};
	for (const [field, value] of Object.entries(resolution.toDynamics)) toDynamics[columnOf.get(field) ?? field] = value as IDataObject[string];
	const toMarketo: IDataObject = { ...(resolution.toMarketo as IDataObject) };
	// toMarketo may be written before (or without) the CRM write: there the fields still to be
	// written to the CRM keep their old base. Upsert into Dynamics swaps in `syncState` once the CRM
	// accepted them, so a rejected value is never described as synced.
	const beforeDynamics = keepBaseFor(resolution.state, base, Object.keys(resolution.toDynamics));
	if (!base || !sameFingerprints(beforeDynamics, base)) toMarketo[stateField] = serialiseSyncState(beforeDynamics);

	return decided(change, entity, {
		...ids,
		...actionOf(resolution, Object.keys(resolution.toMarketo).length, Object.keys(toDynamics).length, ctx.crm.name),
		toMarketo,
		toDynamics,
		merged: resolution.merged as IDataObject,
		collisions: resolution.collisions.map((c) => ({
			field: c.field,
			dynamicsField: columnOf.get(c.field) ?? c.field,
			marketoValue: c.marketoValue as IDataObject[string],
			dynamicsValue: c.dynamicsValue as IDataObject[string],
			winner: c.winner,
			reason: c.reason,
		})),
		syncState: resolution.stateChanged ? serialiseSyncState(resolution.state) : storedText,
		baseSyncState: storedText,
		syncStateField: stateField,
		toDynamicsFields: Object.fromEntries(Object.keys(resolution.toDynamics).map((field) => [columnOf.get(field) ?? field, field])),
		...extras,
	});
}
