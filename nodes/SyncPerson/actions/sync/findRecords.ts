import type { CrmPort } from '../../../crm';
import { MARKER_FIELDS, type PersonTable } from '../../../mapping/defaultMappings';
import { failureFrom, normaliseGuid, PERSON_TABLE_NAMES, tableFromType } from '../../../persons';
import type { PersonTask, SyncSettings } from './task';

/** The record id the person's Microsoft ID names, if any. */
const linkedId = (t: PersonTask) => normaliseGuid(t.person![MARKER_FIELDS.id]);

/**
 * A person's CRM record: the one its Microsoft ID points to, when it still exists; else (with
 * "Link Record With Same Email") the oldest lead or contact with the person's email, the "Sync As"
 * table first. A Microsoft ID whose record is gone is kept as `deletedId`.
 */
export async function findExistingRecords(crm: CrmPort, tasks: PersonTask[], settings: SyncSettings): Promise<void> {
	try {
		await findByMicrosoftId(crm, tasks);
		for (const t of tasks) {
			const id = linkedId(t);
			if (id && !t.existing) {
				t.deletedId = id;
				t.outcome.ref.dynamicsId = id;
			}
		}
		if (settings.linkByEmail) await findByEmail(crm, tasks, settings.syncAs);
	} catch (error) {
		for (const t of tasks) if (!t.existing) t.outcome.failure = failureFrom(error, 'dynamics');
	}
}

/** Live rows of the linked ids, one read per table (a typed link is looked for in its table only). */
async function findByMicrosoftId(crm: CrmPort, tasks: PersonTask[]): Promise<void> {
	for (const table of PERSON_TABLE_NAMES) {
		const group = tasks.filter((t) => {
			const type = tableFromType(t.person![MARKER_FIELDS.type]);
			return linkedId(t) && (type ? type === table : true);
		});
		if (!group.length) continue;
		const live = await crm.readPersons(table, group.map((t) => linkedId(t)!), crm.factColumns(table));
		for (const t of group) {
			const id = linkedId(t)!;
			const row = live.get(id);
			if (!t.existing && row) t.existing = { table, id, createdOn: crm.rowFacts(table, row).createdAt, linkedBy: 'microsoftId' };
		}
	}
}

/** The oldest record with the person's email, other than the deleted one it pointed to. */
async function findByEmail(crm: CrmPort, tasks: PersonTask[], syncAs: PersonTable): Promise<void> {
	const order: PersonTable[] = syncAs === 'contact' ? ['contact', 'lead'] : ['lead', 'contact'];
	for (const table of order) {
		const group = tasks.filter((t) => !t.existing && typeof t.person!.email === 'string' && t.person!.email);
		if (!group.length) continue;
		const key = crm.primaryKey(table);
		const found = await crm.findPersons(table, crm.emailColumn(table), group.map((t) => String(t.person!.email)), crm.factColumns(table));
		for (const t of group) {
			const rows = (found.get(String(t.person!.email).toLowerCase()) ?? []).filter((r) => String(r[key]).toLowerCase() !== t.deletedId);
			if (!rows.length) continue;
			t.existing = { table, id: String(rows[0][key]).toLowerCase(), createdOn: crm.rowFacts(table, rows[0]).createdAt, linkedBy: 'email' };
			t.deletedId = undefined;
		}
	}
}
