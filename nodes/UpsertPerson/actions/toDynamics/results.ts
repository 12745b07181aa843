import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { parseSyncState } from '../../../conflict/syncState';
import { typeLabel } from '../../../mapping/defaultMappings';
import { marketoFieldMap, markerValues, updatePersonsById } from '../../../persons';
import { keptText, stateToStore } from '../../../persons/pipeline';
import { reasonsText } from '../../../records/values';
import type { Pending } from './prepare';

/**
 * Each written record's outcome. Resolve Conflict items carry their Marketo write on to the next
 * node (one call there with fields, link and state); other items link their person here.
 */
export async function recordResults(ctx: IExecuteFunctions, pending: Pending[]): Promise<void> {
	await linkPersons(ctx, pending.filter((p) => !p.resolved && p.status && p.outcome.ref.marketoId !== undefined));
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

/** Links the Marketo persons to their Dynamics records (Microsoft Id/Type, Created Date, Sync State). */
async function linkPersons(ctx: IExecuteFunctions, list: Pending[]): Promise<void> {
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
