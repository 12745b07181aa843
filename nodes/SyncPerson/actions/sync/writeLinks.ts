import type { IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../../mapping/defaultMappings';
import { markerValues, normaliseGuid, tableFromType, updatePersonsById } from '../../../persons';
import { reasonsText } from '../../../records/values';
import type { MarketoField } from '../../../transport/marketoApi';
import type { PersonTask } from './task';

/** A record left as it was needs a new link only when the person does not point to it yet. */
function needsLink(t: PersonTask): boolean {
	if (!t.status || t.leadId === undefined) return false;
	if (t.status !== 'exists') return true;
	const p = t.person!;
	return normaliseGuid(p[MARKER_FIELDS.id]) !== t.dynamicsId || tableFromType(p[MARKER_FIELDS.type]) !== t.table || p[MARKER_FIELDS.isDeleted] === true;
}

/**
 * Writes the link (Microsoft ID, Type, Created Date, Is Deleted, and the sync state of the values
 * just written) onto the persons whose record was created, updated or newly linked, ≤300 per call.
 */
export async function writeLinks(ctx: IExecuteFunctions, tasks: PersonTask[], fields: Map<string, MarketoField>): Promise<void> {
	const list = tasks.filter(needsLink);
	if (!list.length) return;
	const updates = list.map((t, key) => ({
		key,
		leadId: t.leadId!,
		values: markerValues(fields, {
			dynamicsId: t.dynamicsId,
			table: t.table,
			createdOn: t.createdOn,
			isDeleted: false,
			synced: t.status === 'exists' ? undefined : t.synced,
		}),
	}));
	try {
		const results = await updatePersonsById(ctx, updates);
		list.forEach((t, key) => {
			const r = results.get(key);
			t.markersUpdated = r?.status === 'updated';
			if (!t.markersUpdated) t.markerError = reasonsText(r?.reasons, r?.status);
		});
	} catch (error) {
		for (const t of list) {
			t.markersUpdated = false;
			t.markerError = (error as Error).message;
		}
	}
}
