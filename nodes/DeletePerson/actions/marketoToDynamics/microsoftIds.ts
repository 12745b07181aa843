import type { IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../../mapping/defaultMappings';
import { failureFrom, findMarketoBy, normaliseGuid, tableFromType } from '../../../persons';
import type { PersonDelete } from './task';

/**
 * Without a Microsoft ID on the item, reads it (and, with Table "From Microsoft Type", the
 * person's type) from the person, which works while Marketo still has it.
 */
export async function readMicrosoftIds(ctx: IExecuteFunctions, deletes: PersonDelete[], tableParam: string): Promise<void> {
	const unknown = deletes.filter((d) => !d.dynamicsId && d.leadId !== undefined);
	if (!unknown.length) return;
	try {
		const found = await findMarketoBy(ctx, 'id', unknown.map((d) => d.leadId!), [MARKER_FIELDS.id, MARKER_FIELDS.type]);
		for (const d of unknown) {
			const person = found.get(String(d.leadId))?.[0];
			const id = normaliseGuid(person?.[MARKER_FIELDS.id]);
			if (!id) continue;
			d.dynamicsId = id;
			d.outcome.ref.dynamicsId = id;
			const type = tableParam === 'auto' ? tableFromType(person?.[MARKER_FIELDS.type]) : undefined;
			if (type) d.tables = [type];
		}
	} catch (error) {
		for (const d of unknown) d.outcome.failure = failureFrom(error, 'marketo');
	}
}
