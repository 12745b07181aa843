import type { IDataObject } from 'n8n-workflow';

import { typeLabel } from '../../../mapping/defaultMappings';
import type { PersonTask } from './task';

/** The output item of a synced person: what happened, both ids, and whether the link was written. */
export function syncResult(t: PersonTask): IDataObject {
	return {
		status: t.status,
		marketoId: t.leadId,
		dynamicsId: t.dynamicsId,
		personType: typeLabel(t.table),
		...(t.outcome.ref.email ? { email: t.outcome.ref.email } : {}),
		...(t.existing ? { linkedBy: t.existing.linkedBy } : {}),
		...(t.status === 'exists' ? { reason: `The person already has a Dynamics ${t.table}: nothing was changed` } : {}),
		...(t.deletedId ? { reason: `The previously linked Dynamics record ${t.deletedId} was deleted; a new ${t.table} was created` } : {}),
		...(t.status === 'created' && t.owner ? { ownerId: t.owner } : {}),
		...(t.markersUpdated !== undefined ? { markersUpdated: t.markersUpdated } : {}),
		...(t.markerError ? { markerError: t.markerError } : {}),
	};
}
