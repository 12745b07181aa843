import type { IDataObject } from 'n8n-workflow';

import { excludedByFilter } from '../mapping/syncFilter';
import type { ApiContext } from '../transport/context';
import { syncCompanies } from './companies';
import { syncCustomObjects } from './customObjects';
import { Dependencies } from './dependencies';
import { syncOpportunityTasks } from './opportunityTasks';
import { parseTask } from './parse';
import { phase, report, type SyncRun } from './run';
import { syncSalesPersons } from './salesPersons';
import { syncConnections } from './stakeholders';
import { SYNC_ORDER, type RecordKind, type SyncSettings, type SyncTask, type TaskOutcome } from './types';
import { errorMessage } from './values';

/** The tasks to sync: one per record (the last item of a record is its newest state), persons and filtered rows reported. */
function tasksToSync(run: SyncRun, items: IDataObject[]): SyncTask[] {
	const { settings } = run;
	const parsed: SyncTask[] = [];
	items.forEach((item, i) => {
		try {
			parsed.push(parseTask(item, i, settings));
		} catch (error) {
			run.outcomes[i] = { error: errorMessage(error) };
		}
	});
	const last = new Map<string, SyncTask>();
	for (const task of parsed) last.set(`${task.kind}|${task.id}`, task);
	const tasks: SyncTask[] = [];
	for (const task of parsed) {
		const newest = last.get(`${task.kind}|${task.id}`)!;
		if (newest !== task) {
			report(run, task, { reason: `a later item (${newest.index + 1}) carries a newer state of the same record` });
		} else if (task.kind === 'person') {
			report(run, task, { reason: 'leads and contacts sync both ways: use Resolve Conflict and Upsert Lead/Contact' });
		} else if (task.operation !== 'deleted' && settings.syncFilterField && excludedByFilter(task.json, task.fields, settings.syncFilterField)) {
			report(run, task, { reason: `the sync filter (${settings.syncFilterField}) is No: not synced, the Marketo record is left as it is` });
		} else {
			tasks.push(task);
		}
	}
	return tasks.sort((a, b) => SYNC_ORDER[a.kind] - SYNC_ORDER[b.kind] || a.index - b.index);
}

/**
 * Syncs Dynamics rows one way into Marketo, in Marketo's link order whatever the input order:
 * sales persons, companies, opportunities, opportunity roles, custom objects. Returns one outcome
 * per input item, in input order.
 */
export async function syncRecords(ctx: ApiContext, items: IDataObject[], settings: SyncSettings): Promise<TaskOutcome[]> {
	const run: SyncRun = { ctx, settings, deps: new Dependencies(ctx, settings), outcomes: new Array(items.length), reconciled: new Map() };
	const tasks = tasksToSync(run, items);
	const of = (...kinds: RecordKind[]) => tasks.filter((t) => kinds.includes(t.kind));
	await phase(run, of('systemuser', 'team'), syncSalesPersons);
	await phase(run, of('account'), syncCompanies);
	await phase(run, of('opportunity'), syncOpportunityTasks);
	await phase(run, of('connection'), syncConnections);
	await phase(run, of('custom'), syncCustomObjects);
	return run.outcomes;
}
