import type { IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../../mapping/defaultMappings';
import { failureFrom, findMarketoBy, tableFromType, textOf, toLeadId } from '../../../persons';
import type { DeletedRecord } from './task';

/**
 * The Marketo persons linked to each deleted record (Microsoft ID, ≤300 per call); with a known
 * table, only persons linked as that table (or untyped).
 */
export async function findLinkedPersons(ctx: IExecuteFunctions, records: DeletedRecord[]): Promise<void> {
	try {
		const found = await findMarketoBy(ctx, MARKER_FIELDS.id, records.map((r) => r.dynamicsId), [MARKER_FIELDS.type, MARKER_FIELDS.isDeleted, 'email']);
		for (const r of records) {
			const linked = found.get(r.dynamicsId) ?? [];
			r.persons = linked.filter((p) => !r.table || !textOf(p[MARKER_FIELDS.type]) || tableFromType(p[MARKER_FIELDS.type]) === r.table);
			const first = r.persons[0];
			if (first) {
				r.outcome.ref.marketoId = toLeadId(first.id);
				r.outcome.ref.email = textOf(first.email);
			}
		}
	} catch (error) {
		for (const r of records) r.outcome.failure = failureFrom(error, 'marketo');
	}
}
