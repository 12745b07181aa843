/**
 * Who wins a collision (a field changed in both systems since the last sync): the policy a node is
 * set to, and the native rule it falls back to.
 */

export type SystemName = 'marketo' | 'dynamics';

export type ConflictPolicy =
	| { kind: 'entityDefault' }
	| { kind: 'systemWins'; system: SystemName }
	| { kind: 'mostRecent' }
	/** `fallback` decides fields without an owner; absent = the entity's native rule. */
	| { kind: 'perField'; owners: Record<string, SystemName>; fallback?: SystemName };

/** Entities whose fields move both ways; every other entity moves Dynamics → Marketo only. */
export const TWO_WAY_ENTITIES = new Set(['lead', 'contact']);

/** The native rule: Marketo wins for leads, Dynamics for contacts and every one-way entity. */
export function defaultWinner(entity: string): SystemName {
	return entity === 'lead' ? 'marketo' : 'dynamics';
}

function systemLabel(system: SystemName): string {
	return system === 'marketo' ? 'Marketo' : 'Dynamics';
}

/** The winner of one collision on `field`, and why (the reason the collision report shows). */
export function decide(
	field: string,
	input: { entity: string; policy: ConflictPolicy; marketoModifiedAt?: string; dynamicsModifiedAt?: string },
): { winner: SystemName; reason: string } {
	const policy = input.policy;
	const native = defaultWinner(input.entity);
	switch (policy.kind) {
		case 'systemWins':
			return { winner: policy.system, reason: `changed in both systems; ${systemLabel(policy.system)} always wins` };
		case 'perField': {
			const owner = policy.owners[field];
			if (owner) return { winner: owner, reason: `changed in both systems; ${systemLabel(owner)} owns ${field}` };
			const fallback = policy.fallback ?? native;
			return { winner: fallback, reason: `changed in both systems; no owner set for ${field}, so ${systemLabel(fallback)} wins` };
		}
		case 'mostRecent': {
			const m = Date.parse(input.marketoModifiedAt ?? '');
			const d = Date.parse(input.dynamicsModifiedAt ?? '');
			if (Number.isFinite(m) && Number.isFinite(d) && m !== d) {
				return m > d
					? { winner: 'marketo', reason: 'changed in both systems; Marketo changed it last' }
					: { winner: 'dynamics', reason: 'changed in both systems; Dynamics changed it last' };
			}
			return { winner: native, reason: `changed in both systems at the same or an unknown time; ${systemLabel(native)} wins for ${input.entity}s` };
		}
		default:
			return { winner: native, reason: `changed in both systems; ${systemLabel(native)} wins for ${input.entity}s (native rule)` };
	}
}
