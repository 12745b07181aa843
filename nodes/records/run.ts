import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import type { CreatedFirst, Dependencies } from './dependencies';
import type { RoleReport } from './roles';
import type { RecordKind, RecordOutput, SyncSettings, SyncTask, TaskOutcome } from './types';
import { errorMessage } from './values';

/** One execution of Sync Records: what every phase reads and where it puts its outcomes. */
export interface SyncRun {
	ctx: ApiContext;
	deps: Dependencies;
	settings: SyncSettings;
	/** One outcome per input item, by item index. */
	outcomes: TaskOutcome[];
	/** Opportunities whose roles this execution has reconciled, with the report. */
	reconciled: Map<string, RoleReport>;
}

const MARKETO_OBJECT: Record<RecordKind, string> = {
	systemuser: 'salesPerson',
	team: 'salesPerson',
	account: 'company',
	person: 'person',
	opportunity: 'opportunity',
	connection: 'opportunityRole',
	custom: 'customObject',
};

function recordName(task: SyncTask): string {
	return `Dynamics ${task.table} ${task.id}`;
}

/** Records a task's outcome: an output item, or for `failed` an error naming the record. */
export function report(run: Pick<SyncRun, 'outcomes' | 'settings'>, task: SyncTask, values: Partial<RecordOutput>): void {
	const output: RecordOutput = {
		recordType: task.kind,
		table: task.table,
		dynamicsId: task.id,
		operation: task.operation,
		marketoObject: task.kind === 'custom' ? (run.settings.custom?.apiName ?? 'customObject') : MARKETO_OBJECT[task.kind],
		status: 'skipped',
		reason: '',
		...values,
	};
	if (output.status === 'failed') run.outcomes[task.index] = { error: `${recordName(task)}: ${output.reason}`, table: task.table, dynamicsId: task.id };
	else run.outcomes[task.index] = { output };
}

/** Runs one phase; an API failure fails the phase's tasks that have no outcome yet, naming each. */
export async function phase(run: SyncRun, tasks: SyncTask[], sync: (run: SyncRun, tasks: SyncTask[]) => Promise<void>): Promise<void> {
	if (!tasks.length) return;
	try {
		await sync(run, tasks);
	} catch (error) {
		for (const task of tasks) {
			if (!run.outcomes[task.index]) run.outcomes[task.index] = { error: `${recordName(task)}: ${errorMessage(error)}`, api: true, table: task.table, dynamicsId: task.id };
		}
	}
}

/** Referenced records created first, for the tasks that referred to them. */
export function createdFor(deps: Dependencies, ids: Array<string | null | undefined>): CreatedFirst[] {
	const wanted = new Set(ids.filter((id): id is string => !!id));
	return deps.createdFirst.filter((c) => wanted.has(c.dynamicsId));
}

/** The optional parts of an output: warnings and the records created first for it. */
export function extras(warnings: string[], created: CreatedFirst[]): IDataObject {
	return { ...(warnings.length ? { warnings } : {}), ...(created.length ? { createdFirst: created } : {}) };
}

/** Live (created/updated) and deleted tasks apart. */
export function byOperation(tasks: SyncTask[]): { live: SyncTask[]; deleted: SyncTask[] } {
	return { live: tasks.filter((t) => t.operation !== 'deleted'), deleted: tasks.filter((t) => t.operation === 'deleted') };
}
