import { createHash, randomUUID } from 'node:crypto';

import { dynamicsRules } from '../crm/dynamics';
import type { CrmRules } from '../crm/port';
import { RecordError, shortText, toLeadId } from './records';

/**
 * The id of the Dynamics row Sync Person creates for a Marketo person: derived from the Marketo
 * instance, the lead and the table (a name-based UUID, RFC 4122 version 5 layout), so two runs
 * racing for the same new person (overlapping polls, a retried execution) create one row — the
 * second create is refused with 412 and counts as done — instead of two.
 */
export function createdRowId(instance: string, leadId: number | undefined, table: string): string {
	if (leadId === undefined) return randomUUID();
	const hash = createHash('sha1').update(`marketo-person|${instance.trim().toLowerCase().replace(/\/+$/, '')}|${leadId}|${table}`).digest();
	hash[6] = (hash[6] & 0x0f) | 0x50;
	hash[8] = (hash[8] & 0x3f) | 0x80;
	const hex = hash.subarray(0, 16).toString('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * A Marketo lead ID given as a node parameter: undefined when empty, else the id; anything that is
 * not a positive whole number fails the record, naming `field`.
 */
export function leadIdParameter(raw: string | undefined, field = 'leadId'): number | undefined {
	if (raw === undefined) return undefined;
	const id = toLeadId(raw);
	if (id === undefined) throw new RecordError(`"${shortText(raw)}" is not a Marketo lead ID (a positive whole number)`, field, 'format');
	return id;
}

/**
 * A CRM record ID given as a node parameter: undefined when empty, else the id in the CRM's form;
 * anything that is not one (Dynamics: a GUID) fails the record, naming `field`.
 */
export function recordIdParameter(raw: string | undefined, field = 'dynamicsId', crm: CrmRules = dynamicsRules): string | undefined {
	if (raw === undefined) return undefined;
	const id = crm.rowId(raw);
	if (!id) throw new RecordError(`"${shortText(raw)}" is not a ${crm.name} record ID (${crm.rowIdFormat})`, field, 'format');
	return id;
}
