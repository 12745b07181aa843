import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { crmOf } from '../../crm';
import { emitOutcomes, failureLogSettings, logFailedOutcomes, marketoFieldMap, type ItemOutcome } from '../../persons';
import { findExistingRecords } from './sync/findRecords';
import { prepareValues } from './sync/prepareValues';
import { readMarketoPersons } from './sync/readPersons';
import { syncResult } from './sync/result';
import { itemTask, syncSettings, type PersonTask } from './sync/task';
import { writeLinks } from './sync/writeLinks';
import { writeRecords } from './sync/writeRecords';

export { description } from './sync/description';

/**
 * Sync Person to Microsoft: reads each person from Marketo, finds its CRM record (the Microsoft ID
 * on the person when that record is still there, else a lead or contact with the same email),
 * creates the lead or contact when there is none, optionally updates it when there is one, and
 * writes the link (Microsoft ID, Type, Created Date, Sync State) back onto the person.
 */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const settings = syncSettings(this);
	const crm = crmOf(this);
	const outcomes: ItemOutcome[] = [];
	const tasks: PersonTask[] = [];
	items.forEach((item, index) => {
		const { outcome, task } = itemTask(this, index, item.json, crm, settings.syncAs);
		outcomes.push(outcome);
		if (task) tasks.push(task);
	});

	if (tasks.length) {
		const fields = await marketoFieldMap(this);
		await readMarketoPersons(this, tasks, fields, settings);
		const found = tasks.filter((t) => t.person);
		await findExistingRecords(crm, found, settings);
		await prepareValues(crm, found.filter((t) => !t.existing || settings.updateIfExists), settings);
		await writeRecords(this, crm, tasks, settings.updateIfExists);
		await writeLinks(this, tasks, fields);
		for (const t of tasks) if (t.status) t.outcome.json = syncResult(t);
	}

	await logFailedOutcomes(this, outcomes, failureLogSettings(settings.options), 'Marketo to Dynamics');
	return emitOutcomes(this, outcomes);
}
