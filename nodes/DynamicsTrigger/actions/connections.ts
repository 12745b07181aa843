import type { IDataObject } from 'n8n-workflow';

import { connectionSide, isMaster } from '../../records/connections';
import type { DynamicsTriggerItem } from '../../persons/itemShapes';
import type { RowBatch } from './items';

/** How many connections the trigger remembers (the oldest go first). */
export const MAX_REMEMBERED_CONNECTIONS = 20_000;
const MEMORY_KEY = 'connectionSides';
const ANNOTATION = '@Microsoft.Dynamics.CRM.lookuplogicalname';

/**
 * Dataverse reports a deleted connection as a bare id (change tracking's RemovedOrDeletedEntity),
 * and both of its rows are gone: only the trigger, which read every connection row before, can say
 * which record it hung off. It keeps "connection id → master?, record1 table, record1 id" in its
 * OWN static data and hands that to a deleted item as `lastSeen`, so Sync Records can remove the
 * stakeholder's role.
 *
 * Why here and not in Sync Records: n8n 2.41 saves the poller's whole in-memory static data on
 * every emit (trigger-execution-context.factory.js `__emit` → `saveStaticData(workflow)`), over
 * what an execution saved (execution-lifecycle-hooks.js `workflowExecuteAfter`): an execution
 * node's static data does not survive the next poll; the trigger's own does.
 *
 * Deleted ids stay remembered (a re-read batch after a crash must still resolve them); GUIDs are
 * not reused, and the cap bounds the memory.
 */
export function noteConnections(staticData: IDataObject, table: string, primaryId: string, batches: RowBatch[], items: DynamicsTriggerItem[]): void {
	if (table !== 'connection') return;
	const memory = ((staticData[MEMORY_KEY] as Record<string, string> | undefined) ?? {}) as Record<string, string>;
	for (const batch of batches) {
		for (const row of batch.rows) {
			const id = String(row[primaryId] ?? '').toLowerCase();
			if (!id) continue;
			const side = connectionSide(row, 1);
			// Re-inserted so the most recently seen come last (trimmed from the front).
			delete memory[id];
			memory[id] = `${isMaster(row) ? 1 : 0}|${side.table ?? ''}|${side.id ?? ''}`;
		}
	}
	const keys = Object.keys(memory);
	for (let i = 0; i < keys.length - MAX_REMEMBERED_CONNECTIONS; i++) delete memory[keys[i]];
	staticData[MEMORY_KEY] = memory;

	for (const item of items) {
		if (item.operation !== 'deleted') continue;
		const known = memory[item.id.toLowerCase()];
		if (known === undefined) continue;
		const [master, record1Table, record1Id] = known.split('|');
		item.lastSeen = {
			ismaster: master === '1',
			_record1id_value: record1Id || null,
			...(record1Table ? { [`_record1id_value${ANNOTATION}`]: record1Table } : {}),
		};
	}
}
