import { randomUUID } from 'node:crypto';
import type { IDataObject } from 'n8n-workflow';

import type { CrmPersonWrite, CrmPort } from '../../../crm';
import { failureFrom, fieldFromMessage, PERSON_TABLE_NAMES } from '../../../persons';
import { marketoFieldOf, type Pending } from './prepare';

/**
 * Writes every pending record: finds those without an id by the match column, updates what exists
 * and creates the rest (one $batch per 300); a record that vanished is matched and written again.
 * Dataverse rejects a whole record for one bad column: a Resolve Conflict item's other columns
 * still belong in Dynamics, so they are written again without it (one more $batch, only then).
 */
export async function writeToDynamics(crm: CrmPort, pending: Pending[], matchColumn: string, owner: string | undefined): Promise<void> {
	await resolveByMatch(crm, pending.filter((p) => !p.targetId), matchColumn);
	const stale = await write(crm, pending, owner);
	if (stale.length) {
		await resolveByMatch(crm, stale, matchColumn);
		await write(crm, stale, owner);
	}
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
	if (partial.length) await write(crm, partial, owner);
}

/** Finds records by the match column (per table, escaped by the CRM); the oldest match wins. */
async function resolveByMatch(crm: CrmPort, list: Pending[], matchColumn: string): Promise<void> {
	if (!matchColumn) return;
	for (const table of PERSON_TABLE_NAMES) {
		const group = list.filter((p) => p.table === table && p.matchValue);
		if (!group.length) continue;
		let found: Map<string, IDataObject[]>;
		try {
			found = await crm.findPersons(table, matchColumn, group.map((p) => p.matchValue!));
		} catch (error) {
			for (const p of group) p.outcome.failure = failureFrom(error, 'dynamics');
			continue;
		}
		const key = crm.primaryKey(table);
		for (const p of group) {
			const rows = (found.get(p.matchValue!.toLowerCase()) ?? []).filter((r) => String(r[key]).toLowerCase() !== p.staleId);
			if (!rows.length) continue;
			p.targetId = String(rows[0][key]).toLowerCase();
			p.matchedBy = matchColumn;
			if (rows.length > 1) p.otherMatches = rows.length - 1;
		}
	}
}

/** Creates or updates every pending record that has not failed; returns those whose record vanished. */
async function write(crm: CrmPort, list: Pending[], owner: string | undefined): Promise<Pending[]> {
	const active = list.filter((p) => !p.outcome.failure && !p.status);
	const writes: CrmPersonWrite[] = active.map((p, key) => {
		if (p.targetId) return { key, kind: 'update', table: p.table, id: p.targetId, body: p.values };
		const body: IDataObject = Object.fromEntries(Object.entries(p.values).filter(([, v]) => v !== null));
		return { key, kind: 'create', table: p.table, id: randomUUID(), body, ...(owner ? { ownerId: owner } : {}) };
	});
	const results = await crm.writePersons(writes);
	const stale: Pending[] = [];
	writes.forEach((w, key) => {
		const p = active[key];
		const r = results.get(key)!;
		if (r.ok) {
			p.status = w.kind === 'create' ? 'created' : 'updated';
			p.targetId = w.id;
			p.createdon = r.createdOn ?? (w.kind === 'create' ? new Date().toISOString() : undefined);
			return;
		}
		if (r.notFound && w.kind === 'update' && !p.staleId) {
			p.staleId = w.id;
			p.targetId = undefined;
			p.matchedBy = undefined;
			stale.push(p);
			return;
		}
		const field = fieldFromMessage(r.message ?? '');
		p.outcome.failure = {
			message: `${crm.name} rejected the ${p.table}${field ? ` (column "${field}")` : ''}: ${r.message ?? `HTTP ${r.status}`}`,
			field,
			code: r.code || String(r.status),
			source: 'dynamics',
			details: { httpStatus: r.status, ...(p.targetId ? { dynamicsId: p.targetId } : {}) },
		};
	});
	return stale;
}
