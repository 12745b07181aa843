import { fingerprint, sameValue, type SyncState } from './syncState';

export type SystemName = 'marketo' | 'dynamics';

export type ConflictPolicy =
	| { kind: 'entityDefault' }
	| { kind: 'systemWins'; system: SystemName }
	| { kind: 'mostRecent' }
	| { kind: 'perField'; owners: Record<string, SystemName>; fallback: SystemName };

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
	/** The values both systems hold after the writes: the next sync state. */
	merged: Record<string, unknown>;
	collisions: Collision[];
	/** Fields that changed on one side only and were merged. */
	merged1Side: { marketo: string[]; dynamics: string[] };
}

/** The native rule: Marketo wins for leads, Dynamics for contacts and every one-way entity. */
export function defaultWinner(entity: string): SystemName {
	return entity === 'lead' ? 'marketo' : 'dynamics';
}

/**
 * Three-way merge of one record. `base` is the last synced state (absent on the first sync);
 * a field changed on one side since then is taken from that side; changed on both sides to
 * different values is a collision decided by `policy`. Fields listed in `oneWay` only move
 * Dynamics → Marketo.
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
}): Resolution {
	const result: Resolution = { toMarketo: {}, toDynamics: {}, merged: {}, collisions: [], merged1Side: { marketo: [], dynamics: [] } };
	const oneWay = new Set(input.oneWay ?? []);
	for (const field of input.fields) {
		const m = input.marketo[field];
		const d = input.dynamics[field];
		const hasM = Object.prototype.hasOwnProperty.call(input.marketo, field);
		const hasD = Object.prototype.hasOwnProperty.call(input.dynamics, field);
		if (!hasM && !hasD) continue;
		if (hasM && hasD && sameValue(m, d)) {
			result.merged[field] = d;
			continue;
		}
		if (oneWay.has(field) || input.entity !== 'lead' && input.entity !== 'contact') {
			if (hasD) {
				result.toMarketo[field] = d ?? null;
				result.merged[field] = d;
			}
			continue;
		}
		const baseFp = input.base?.f[field];
		const mChanged = hasM && (baseFp === undefined || fingerprint(m) !== baseFp);
		const dChanged = hasD && (baseFp === undefined || fingerprint(d) !== baseFp);
		if (!hasD || (mChanged && !dChanged)) {
			result.toDynamics[field] = m ?? null;
			result.merged[field] = m;
			result.merged1Side.marketo.push(field);
		} else if (!hasM || (dChanged && !mChanged)) {
			result.toMarketo[field] = d ?? null;
			result.merged[field] = d;
			result.merged1Side.dynamics.push(field);
		} else {
			const { winner, reason } = decide(field, input);
			const value = winner === 'marketo' ? m : d;
			if (winner === 'marketo') result.toDynamics[field] = value ?? null;
			else result.toMarketo[field] = value ?? null;
			result.merged[field] = value;
			result.collisions.push({ field, marketoValue: m ?? null, dynamicsValue: d ?? null, winner, reason });
		}
	}
	return result;
}

function decide(
	field: string,
	input: { entity: string; policy: ConflictPolicy; marketoModifiedAt?: string; dynamicsModifiedAt?: string },
): { winner: SystemName; reason: string } {
	const policy = input.policy;
	switch (policy.kind) {
		case 'systemWins':
			return { winner: policy.system, reason: `${label(policy.system)} always wins` };
		case 'perField': {
			const owner = policy.owners[field];
			return owner
				? { winner: owner, reason: `${label(owner)} owns ${field}` }
				: { winner: policy.fallback, reason: `no owner for ${field}; ${label(policy.fallback)} wins` };
		}
		case 'mostRecent': {
			const m = Date.parse(input.marketoModifiedAt ?? '');
			const d = Date.parse(input.dynamicsModifiedAt ?? '');
			if (Number.isFinite(m) && Number.isFinite(d) && m !== d) {
				return m > d ? { winner: 'marketo', reason: 'Marketo changed it last' } : { winner: 'dynamics', reason: 'Dynamics changed it last' };
			}
			const fallback = defaultWinner(input.entity);
			return { winner: fallback, reason: `same or unknown change time; ${label(fallback)} wins for ${input.entity}s` };
		}
		default: {
			const winner = defaultWinner(input.entity);
			return { winner, reason: `${label(winner)} wins for ${input.entity}s (native rule)` };
		}
	}
}

function label(system: SystemName): string {
	return system === 'marketo' ? 'Marketo' : 'Dynamics';
}
