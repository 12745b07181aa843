import { createHash, randomUUID } from 'node:crypto';

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
