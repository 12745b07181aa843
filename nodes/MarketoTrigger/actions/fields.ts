import type { IPollFunctions } from 'n8n-workflow';

import { DEFAULT_MAPPINGS, MARKER_FIELDS } from '../../mapping/defaultMappings';
import { describeLeads } from '../../transport/marketoApi';

/** Person fields the native sync exchanges with Dynamics (lead and contact mappings). */
const NATIVE_FIELDS = [...new Set([...DEFAULT_MAPPINGS.lead, ...DEFAULT_MAPPINGS.contact].map((m) => m.marketo))];
/** Always part of the current values: identity, timestamps and the sync's markers. */
const CURRENT_EXTRAS = ['id', 'email', 'createdAt', 'updatedAt', ...Object.values(MARKER_FIELDS)];

export interface FieldPlan {
	/** Fields whose changes are watched (Marketo's leadchanges needs at least one). */
	watched: string[];
	/** Fields read for the current values of each changed person. */
	current: string[];
	/** Picked fields Marketo no longer has: skipped and reported on the items. */
	missing: string[];
}

/** The fields to watch and read, checked against Marketo's lead schema (unknown fields would fail the call). */
export async function planFields(ctx: IPollFunctions, picked: string[]): Promise<FieldPlan> {
	const known = new Map((await describeLeads(ctx)).map((f) => [f.name.toLowerCase(), f.name]));
	const resolve = (name: string) => known.get(name.trim().toLowerCase());
	const wanted = picked.length ? picked : NATIVE_FIELDS;
	const watched = [...new Set(wanted.map(resolve).filter((f): f is string => Boolean(f)))];
	const missing = picked.filter((name) => !resolve(name));
	const current = [...new Set([...CURRENT_EXTRAS.map(resolve).filter((f): f is string => Boolean(f)), ...watched])];
	return { watched, current, missing };
}
