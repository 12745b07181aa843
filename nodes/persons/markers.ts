import type { IDataObject } from 'n8n-workflow';

import { buildSyncState, serialiseSyncState } from '../conflict/syncState';
import { MARKER_FIELDS, typeLabel, type PersonTable } from '../mapping/defaultMappings';
import type { ApiContext } from '../transport/context';
import { syncLeads, type MarketoField, type RecordResult } from '../transport/marketoApi';

export interface LinkFacts {
	dynamicsId?: string;
	table?: PersonTable;
	/** Dynamics createdon of the linked record. */
	createdOn?: unknown;
	/** Marketo field → value both systems hold now (fingerprinted into microsoftSyncState). */
	synced?: Record<string, unknown>;
	isDeleted?: boolean;
	/** An already serialised sync state (from Resolve Conflict), stored as it is. */
	syncStateText?: string;
}

/**
 * The marker fields a linked person carries (Microsoft Id, Type, Created Date, Is Deleted, Sync
 * State), limited to the markers this Marketo instance has: a missing field is left out, never an
 * error.
 */
export function markerValues(fields: Map<string, MarketoField>, facts: LinkFacts): IDataObject {
	const out: IDataObject = {};
	const has = (name: string) => fields.has(name);
	if (facts.dynamicsId && has(MARKER_FIELDS.id)) out[MARKER_FIELDS.id] = facts.dynamicsId;
	if (facts.table && has(MARKER_FIELDS.type)) out[MARKER_FIELDS.type] = typeLabel(facts.table);
	if (facts.createdOn && has(MARKER_FIELDS.createdDate)) {
		const ms = Date.parse(String(facts.createdOn));
		if (Number.isFinite(ms)) out[MARKER_FIELDS.createdDate] = new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
	}
	if (facts.isDeleted !== undefined && has(MARKER_FIELDS.isDeleted)) out[MARKER_FIELDS.isDeleted] = facts.isDeleted;
	if (has(MARKER_FIELDS.syncState)) {
		if (facts.syncStateText) out[MARKER_FIELDS.syncState] = facts.syncStateText;
		else if (facts.synced) out[MARKER_FIELDS.syncState] = serialiseSyncState(buildSyncState(facts.synced));
	}
	return out;
}

export interface MarkerUpdate {
	key: number;
	leadId: number;
	values: IDataObject;
}

/** Updates existing persons by Marketo id (updateOnly, ≤300 per call); one result per update. */
export async function updatePersonsById(ctx: ApiContext, updates: MarkerUpdate[]): Promise<Map<number, RecordResult>> {
	const out = new Map<number, RecordResult>();
	if (!updates.length) return out;
	const results = await syncLeads(
		ctx,
		updates.map((u) => ({ id: u.leadId, ...u.values })),
		{ action: 'updateOnly', lookupField: 'id', linkField: MARKER_FIELDS.id },
	);
	updates.forEach((u, k) => out.set(u.key, results[k]));
	return out;
}
