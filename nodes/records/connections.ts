import type { IDataObject } from 'n8n-workflow';

import { lookupId, lookupTable } from './dataverseRows';
import type { SyncTask } from './types';
import { isPlainObject } from './values';

/** Connection columns that say who is connected to whom, in which role. */
export const CONNECTION_COLUMNS = [
	'_record1id_value',
	'_record2id_value',
	'_record1roleid_value',
	'_record2roleid_value',
	'record1objecttypecode',
	'record2objecttypecode',
	'ismaster',
	'statecode',
];
const OBJECT_TYPE_CODES: Record<number, string> = { 1: 'account', 2: 'contact', 3: 'opportunity', 4: 'lead' };

/** The table on one side of a connection (annotation first, then the object type code). */
export function connectionSide(row: IDataObject, side: 1 | 2): { id?: string; table?: string } {
	const id = lookupId(row, `record${side}id`);
	const table = lookupTable(row, `record${side}id`) ?? OBJECT_TYPE_CODES[Number(row[`record${side}objecttypecode`])];
	return { id, table };
}

/** The stakeholder role of a connection: the contact's side (record2), else record1's. */
export function connectionRoleId(row: IDataObject): string | undefined {
	return lookupId(row, 'record2roleid') ?? lookupId(row, 'record1roleid');
}

export function isActive(row: IDataObject): boolean {
	return row.statecode === undefined || row.statecode === null || Number(row.statecode) === 0;
}

export function isMaster(row: IDataObject): boolean {
	return row.ismaster === true || String(row.ismaster).toLowerCase() === 'true';
}

/** The stakeholder a connection adds to (or removes from) an opportunity. */
export interface Stakeholder {
	opportunityId: string;
	removed: boolean;
	contactId?: string;
	role?: string;
}

const RECIPROCAL = 'reciprocal row of a connection (is master = No): the master row carries the stakeholder';

/**
 * What a connection means for Marketo: a stakeholder of an opportunity, or why it is none (a
 * skip reason, or `failed` for a deleted connection the trigger never read). `row` is the live
 * row; a deleted one is placed from the trigger's `lastSeen`.
 */
export function placeConnection(task: SyncTask, row: IDataObject, stakeholderRoles: Map<string, string>): Stakeholder | { failed?: true; reason: string } {
	if (task.operation === 'deleted') {
		const lastSeen = isPlainObject(task.json.lastSeen) ? (task.json.lastSeen as IDataObject) : undefined;
		const from = lastSeen ? connectionSide(lastSeen, 1) : undefined;
		if (!lastSeen || !from) {
			return {
				failed: true,
				reason:
					'deleted in Dynamics, but its opportunity is unknown (no "lastSeen" on the item: the Dynamics 365 Trigger on table connection never read this connection): ' +
					'its role, if it had one, stays in Marketo until the opportunity syncs again (Remove Roles Not in Dynamics)',
			};
		}
		if (!isMaster(lastSeen)) return { reason: RECIPROCAL };
		if (from.table === 'opportunity' && from.id) return { opportunityId: from.id, removed: true };
		return { reason: `not a stakeholder of an opportunity (connected a ${from.table ?? 'record'})` };
	}
	const from = connectionSide(row, 1);
	const to = connectionSide(row, 2);
	const role = stakeholderRoles.get(connectionRoleId(row) ?? '');
	if (!isMaster(row)) return { reason: RECIPROCAL };
	if (from.table !== 'opportunity' || to.table !== 'contact' || !from.id || !to.id) {
		return { reason: `not a stakeholder of an opportunity (connects a ${from.table ?? 'record'} to a ${to.table ?? 'record'})` };
	}
	if (!role) return { reason: 'the connection role is not a Stakeholder role (category 1000)' };
	return { opportunityId: from.id, removed: !isActive(row), contactId: to.id, role };
}
