import type { IDataObject, INodeExecutionData, IPollFunctions } from 'n8n-workflow';

import { readCursor, settingsFingerprint, writeCursor } from '../../change-feed/cursor';
import { PollBudget } from '../../change-feed/limits';
import { TriggerJournal } from '../../journal/journal';
import { notePoll, noteResync, statusOf } from '../../journal/status';
import type { ChangeDetection, DynamicsTriggerItem } from '../../persons/itemShapes';
import { asNodeError } from '../../transport/context';
import { clearMetadataCache, whoAmI } from '../../transport/dataverseApi';
import { readTrackedChanges, type FetchResult } from './changeTracking';
import { noteConnections } from './connections';
import { planFields, type FieldPlan } from './fields';
import { laterOf, reconcileItem, toItems, type ItemContext } from './items';
import { readByModifiedDate } from './modifiedOn';
import { isSchemaDrift, resyncReason } from './resync';
import { sampleRows } from './sample';
import { laneOf, loadTable, readSettings } from './settings';
import { freshCursor, type DynamicsCursor } from './state';

/**
 * One poll of the Dynamics 365 Trigger. Active polls continue from the stored cursor and store the new
 * one only after every request succeeded (an error leaves it as it was, and n8n records a failed
 * execution). Manual polls ("Fetch test event") return a small sample and never touch the cursor.
 */
export async function pollDynamicsTable(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
	const settings = readSettings(this);
	const table = await loadTable(this, settings.tableName);
	let plan = await planFields(this, table, settings.picked, settings.filterField);
	const effectiveMode: ChangeDetection = settings.detection === 'modifiedOn' || !table.changeTracking ? 'modifiedOn' : 'changeTracking';
	const itemContext = (p: FieldPlan, mode: ChangeDetection, syncUserId?: string): ItemContext => ({
		table: table.logicalName,
		primaryId: table.primaryId,
		mode,
		filterColumn: p.filterColumn,
		syncUserId,
		missingFields: p.missing,
	});

	if (this.getMode() === 'manual') {
		const sample = await sampleRows(this, table.entitySet, plan.select, itemContext(plan, effectiveMode));
		return sample.length ? [this.helpers.returnJsonArray(sample)] : null;
	}

	const staticData = this.getWorkflowStaticData('node');
	const fingerprint = settingsFingerprint({
		table: table.logicalName,
		fields: settings.picked,
		filter: settings.filterField,
		detection: settings.detection,
	});
	const trigger = this.getNode().name;
	statusOf(this, trigger, laneOf(table.logicalName));
	// Batches n8n did not finish (crash, lost worker, Marketo's daily quota) are read again from where they started.
	const journal = new TriggerJournal(this, staticData, fingerprint, trigger);
	const plan0 = journal.plan();
	if (plan0.kind === 'wait') {
		journal.save();
		return null;
	}
	const syncUserId = settings.includeOwnChanges ? undefined : await whoAmI(this);
	const budget = new PollBudget(this);
	const stored = readCursor<DynamicsCursor>(staticData, fingerprint);
	const rewound = plan0.kind === 'rewind' ? ({ ...(plan0.from as unknown as DynamicsCursor), excludedIds: stored?.excludedIds ?? [] } as DynamicsCursor) : undefined;

	// Continues from the stored cursor (or the journal's rewind point), or starts over (first run, other settings, changed columns).
	const read = async (fields: FieldPlan): Promise<{ start: DynamicsCursor; result: FetchResult }> => {
		let start = rewound ?? stored ?? freshCursor(effectiveMode);
		const reason = resyncReason(start, fields, effectiveMode);
		if (reason) {
			start = { ...freshCursor(effectiveMode, { reason, startedAt: new Date().toISOString() }, start.excludedIds), seenUntil: start.seenUntil };
		}
		const fetchPlan = {
			table: table.logicalName,
			entitySet: table.entitySet,
			primaryId: table.primaryId,
			hasVersionNumber: fields.hasVersionNumber,
			select: fields.select,
			pageSize: settings.pageSize,
			cap: settings.cap,
		};
		const result =
			start.mode === 'changeTracking' ? await readTrackedChanges(this, fetchPlan, start, budget) : await readByModifiedDate(this, fetchPlan, start, budget);
		return { start, result };
	};
	let fetched: { start: DynamicsCursor; result: FetchResult };
	try {
		fetched = await read(plan);
	} catch (error) {
		if (!isSchemaDrift(error)) throw asNodeError(this, error);
		// A column was removed since the metadata was cached: look again, then resync without it.
		clearMetadataCache();
		plan = await planFields(this, table, settings.picked, settings.filterField);
		fetched = await read(plan);
	}
	const { start, result } = fetched;

	const items: DynamicsTriggerItem[] = [];
	let excludedIds = result.cursor.excludedIds;
	let seenUntil = start.seenUntil;
	for (const batch of result.batches) {
		const converted = toItems(batch, itemContext(plan, result.cursor.mode, syncUserId), { seenUntil: start.seenUntil, excludedIds });
		items.push(...converted.items);
		excludedIds = converted.excludedIds;
		for (const row of batch.rows) seenUntil = laterOf(seenUntil, row.modifiedon);
	}
	const resyncDone = result.batches.find((b) => b.initialCopy && b.resync)?.resync;
	if (resyncDone && result.cursor.phase === 'changes' && laneOf(table.logicalName) === 'dynamicsToMarketoPersons') {
		// Rows deleted while the table could not be followed (expired token) never come as deletes:
		// with the resync's last page goes one item that has Delete Person reconcile the table.
		items.push(reconcileItem(table.logicalName, result.cursor.mode, resyncDone));
	}
	noteConnections(staticData, table.logicalName, table.primaryId, result.batches, items);
	writeCursor(staticData, fingerprint, { ...result.cursor, seenUntil, excludedIds, select: plan.select });
	const resyncRead = result.batches.find((b) => b.resync)?.resync;
	noteResync(
		this,
		trigger,
		result.cursor.resync ? { since: result.cursor.resync.startedAt, reason: result.cursor.resync.reason } : null,
		resyncRead ? { since: resyncRead.startedAt, reason: resyncRead.reason } : undefined,
	);
	const rowsRead = result.batches.reduce((n, b) => n + b.rows.length + b.deleted.length, 0);
	const backlog = result.cursor.phase === 'initialCopy' || rowsRead + settings.pageSize > settings.cap;
	if (!items.length) {
		journal.save();
		notePoll(this, trigger, { backlog });
		return null;
	}
	const output = this.helpers.returnJsonArray(items);
	// The journal keeps where this batch was read from (not the excluded-id memory: that only grows).
	const from: IDataObject = { ...start };
	delete from.excludedIds;
	if (journal.emit(output, from, plan0.kind === 'rewind' ? plan0.tries : 0, backlog)) return null;
	return [output];
}
