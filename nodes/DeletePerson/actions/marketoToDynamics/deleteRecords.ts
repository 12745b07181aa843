import type { CrmPort } from '../../../crm';
import { typeLabel } from '../../../mapping/defaultMappings';
import type { PersonDelete } from './task';

/**
 * Deletes the records (each delete on its own, in as few calls as the CRM allows), one table
 * after the other while the table is unknown: a record that is in neither table was already
 * deleted, which counts as done.
 */
export async function deleteRecords(crm: CrmPort, deletes: PersonDelete[]): Promise<void> {
	let round = deletes.filter((d) => d.dynamicsId && !d.outcome.failure);
	while (round.length) {
		const results = await crm.writePersons(round.map((d, key) => ({ key, kind: 'delete', table: d.tables[0], id: d.dynamicsId! })));
		const next: PersonDelete[] = [];
		round.forEach((d, key) => {
			const r = results.get(key)!;
			const table = d.tables.shift()!;
			if (r.ok) {
				d.status = 'deleted';
				d.table = table;
			} else if (r.notFound) {
				if (d.tables.length) next.push(d);
				else d.status = 'alreadyDeleted';
			} else {
				d.outcome.failure = {
					message: `${crm.name} could not delete the ${table} ${d.dynamicsId}: ${r.message ?? `HTTP ${r.status}`}`,
					field: 'dynamicsId',
					code: r.code || String(r.status),
					source: 'dynamics',
					details: { httpStatus: r.status },
				};
			}
		});
		round = next;
	}
}

/** The output of one carried delete: deleted, already deleted, or skipped (no record known). */
export function deleteResult(d: PersonDelete): void {
	const base = d.leadId !== undefined ? { marketoId: d.leadId } : {};
	if (!d.dynamicsId) {
		d.outcome.json = { status: 'skipped', reason: 'No Dynamics record is linked to this person (Microsoft ID unknown)', ...base };
		return;
	}
	d.outcome.json = {
		status: d.status,
		...base,
		dynamicsId: d.dynamicsId,
		...(d.table ? { personType: typeLabel(d.table) } : {}),
		...(d.status === 'alreadyDeleted' ? { reason: 'The Dynamics record was already deleted' } : {}),
	};
}
