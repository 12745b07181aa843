import type { IExecuteFunctions } from 'n8n-workflow';

import type { CrmPersonWrite, CrmPort } from '../../../crm';
import { fieldFromMessage } from '../../../persons';
import { createdRowId } from '../../../persons/ids';
import type { PersonTask } from './task';

/**
 * Creates the missing records (under an id derived from the Marketo person, so a racing second
 * create is refused and counts as done) and, with "Update If It Exists", updates the existing ones.
 */
export async function writeRecords(ctx: IExecuteFunctions, crm: CrmPort, tasks: PersonTask[], updateIfExists: boolean): Promise<void> {
	const instance = String((await ctx.getCredentials('marketoApi')).restBaseUrl ?? '');
	const writes: CrmPersonWrite[] = [];
	const byKey = new Map<number, PersonTask>();
	for (const t of tasks) {
		if (t.outcome.failure || !t.person) continue;
		if (t.existing) {
			t.table = t.existing.table;
			t.dynamicsId = t.existing.id;
			t.createdOn = t.existing.createdOn;
			t.outcome.ref.dynamicsId = t.existing.id;
			if (!updateIfExists) {
				t.status = 'exists';
				continue;
			}
		}
		const key = writes.length;
		byKey.set(key, t);
		if (t.existing) writes.push({ key, kind: 'update', table: t.table, id: t.existing.id, body: t.values ?? {} });
		else writes.push({ key, kind: 'create', table: t.table, id: createdRowId(instance, t.leadId, t.table), body: { ...(t.values ?? {}) }, ownerId: t.owner });
	}
	if (!writes.length) return;
	const results = await crm.writePersons(writes);
	for (const w of writes) {
		const t = byKey.get(w.key)!;
		const r = results.get(w.key)!;
		if (r.ok) {
			t.status = w.kind === 'create' ? 'created' : 'updated';
			t.dynamicsId = w.id;
			t.outcome.ref.dynamicsId = w.id;
			t.createdOn = r.createdOn ?? t.createdOn ?? (w.kind === 'create' ? new Date().toISOString() : undefined);
			continue;
		}
		const field = fieldFromMessage(r.message ?? '');
		t.outcome.failure = {
			message: `${crm.name} rejected the ${w.kind === 'create' ? 'new' : 'updated'} ${t.table}${field ? ` (column "${field}")` : ''}: ${r.message ?? `HTTP ${r.status}`}`,
			field,
			code: r.code || String(r.status),
			source: 'dynamics',
			details: { httpStatus: r.status },
		};
	}
}
