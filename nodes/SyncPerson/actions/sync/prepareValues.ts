import type { ChoiceLabels, CrmColumn, CrmPort } from '../../../crm';
import type { PersonTable } from '../../../mapping/defaultMappings';
import { dynamicsValuesFromItem, failureFrom } from '../../../persons';
import type { PersonTask, SyncSettings } from './task';

/**
 * The CRM values of each person (default mapping plus extras) in the table it is written to,
 * validated per person: a bad value fails that person, naming the column.
 */
export async function prepareValues(crm: CrmPort, tasks: PersonTask[], settings: SyncSettings): Promise<void> {
	const columns = new Map<PersonTable, Map<string, CrmColumn>>();
	const choices = new Map<PersonTable, ChoiceLabels>();
	for (const t of tasks) {
		if (t.outcome.failure) continue;
		const table = t.existing?.table ?? t.table;
		t.table = table;
		try {
			if (!columns.has(table)) columns.set(table, await crm.columns(table));
			const mappings = settings.mappingsOf(table);
			if (!choices.has(table) && crm.needsChoiceLabels([t.person!], mappings, columns.get(table)!)) choices.set(table, await crm.choiceLabels(table));
			// Marketo leaves empty fields out of its answers: only the values the person has are written.
			const person = Object.fromEntries(Object.entries(t.person!).filter(([k, v]) => k !== 'id' && v !== null && v !== undefined && v !== ''));
			const { values, synced } = dynamicsValuesFromItem(person, table, mappings, columns.get(table)!, false, choices.get(table));
			t.values = values;
			t.synced = synced;
		} catch (error) {
			t.outcome.failure = failureFrom(error);
		}
	}
}
