import { decide, TWO_WAY_ENTITIES, type ConflictPolicy, type SystemName } from './policy';
import { fingerprint, isEmpty, nextSyncState, sameFingerprints, sameValue, type SyncState } from './syncState';

export interface Collision {
	field: string;
	marketoValue: unknown;
	dynamicsValue: unknown;
	winner: SystemName;
	reason: string;
}

export interface Resolution {
	/** Field → value to write to Marketo. */
	toMarketo: Record<string, unknown>;
	/** Field → value to write to Dynamics (Marketo field names; map them before writing). */
	toDynamics: Record<string, unknown>;
	/** The values both systems hold after the writes, for every field compared. */
	merged: Record<string, unknown>;
	collisions: Collision[];
	/** Fields that changed on one side only and were merged. */
	merged1Side: { marketo: string[]; dynamics: string[] };
	/** The next sync state (previous fingerprints kept for fields not compared this time). */
	state: SyncState;
	/** Whether `state` differs from the stored one, i.e. the state must be written. */
	stateChanged: boolean;
}

/**
 * Three-way merge of one record.
 *
 * - `marketo` / `dynamics` hold each system's current values under the Marketo field name. A field
 *   missing from one of them is unknown on that side and is left alone (neither written nor
 *   compared); its stored fingerprint is kept. Callers pass null for "known to be empty".
 * - `base` is the last synced state. A field changed on one side since then is taken from that
 *   side (merged, never overwritten); changed on both sides to different values is a collision
 *   decided by `policy` and reported.
 * - Without a fingerprint for a field (first sync, or a field added to the mapping), an empty side
 *   takes the other side's value; two different non-empty values are a collision.
 * - Fields in `oneWay`, and every field of an entity other than lead/contact, only move
 *   Dynamics → Marketo: Dynamics always wins.
 */
export function resolveRecord(input: {
	entity: string;
	fields: string[];
	marketo: Record<string, unknown>;
	dynamics: Record<string, unknown>;
	base?: SyncState;
	policy: ConflictPolicy;
	marketoModifiedAt?: string;
	dynamicsModifiedAt?: string;
	oneWay?: string[];
	now?: Date;
}): Resolution {
	const toMarketo: Record<string, unknown> = {};
	const toDynamics: Record<string, unknown> = {};
	const merged: Record<string, unknown> = {};
	const collisions: Collision[] = [];
	const merged1Side: Resolution['merged1Side'] = { marketo: [], dynamics: [] };
	const oneWay = new Set(input.oneWay ?? []);
	const twoWay = TWO_WAY_ENTITIES.has(input.entity);
	const has = (values: Record<string, unknown>, field: string) => Object.prototype.hasOwnProperty.call(values, field);

	for (const field of new Set(input.fields)) {
		const hasM = has(input.marketo, field);
		const hasD = has(input.dynamics, field);
		const m = input.marketo[field] ?? null;
		const d = input.dynamics[field] ?? null;

		if (!twoWay || oneWay.has(field)) {
			// Dynamics → Marketo only: Dynamics' value stands whatever Marketo holds.
			if (!hasD) continue;
			if (!hasM || !sameValue(m, d)) toMarketo[field] = d;
			merged[field] = d;
			continue;
		}
		if (!hasM || !hasD) continue;
		if (sameValue(m, d)) {
			merged[field] = d;
			continue;
		}
		const basePrint = input.base?.f[field];
		let mChanged: boolean;
		let dChanged: boolean;
		if (basePrint === undefined) {
			// No history: an empty side has nothing to defend.
			mChanged = !isEmpty(m);
			dChanged = !isEmpty(d);
		} else {
			mChanged = fingerprint(m) !== basePrint;
			dChanged = fingerprint(d) !== basePrint;
		}
		if (mChanged && !dChanged) {
			toDynamics[field] = m;
			merged[field] = m;
			merged1Side.marketo.push(field);
		} else if (dChanged && !mChanged) {
			toMarketo[field] = d;
			merged[field] = d;
			merged1Side.dynamics.push(field);
		} else {
			const { winner, reason } = decide(field, input);
			const value = winner === 'marketo' ? m : d;
			if (winner === 'marketo') toDynamics[field] = value;
			else toMarketo[field] = value;
			merged[field] = value;
			collisions.push({
				field,
				marketoValue: m,
				dynamicsValue: d,
				winner,
				reason: basePrint === undefined ? `no earlier sync to compare with; ${reason}` : reason,
			});
		}
	}
	const state = nextSyncState(input.base, merged, input.now);
	return { toMarketo, toDynamics, merged, collisions, merged1Side, state, stateChanged: !input.base || !sameFingerprints(input.base, state) };
}
