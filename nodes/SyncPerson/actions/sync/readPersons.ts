import type { IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../../mapping/defaultMappings';
import { failureFrom, findMarketoBy, PERSON_TABLE_NAMES, toLeadId } from '../../../persons';
import type { MarketoField } from '../../../transport/marketoApi';
import type { PersonTask, SyncSettings } from './task';

/**
 * Reads the persons from Marketo by lead ID (or, without one, by email: exactly one person must
 * have it), ≤300 per call, with the link markers and every mapped field this instance has.
 */
export async function readMarketoPersons(ctx: IExecuteFunctions, tasks: PersonTask[], fields: Map<string, MarketoField>, settings: SyncSettings): Promise<void> {
	const mapped = PERSON_TABLE_NAMES.flatMap((table) => settings.mappingsOf(table).map((m) => m.marketo));
	const wanted = [...new Set(['id', 'email', ...Object.values(MARKER_FIELDS), ...mapped])].filter((f) => fields.has(f));
	const byId = tasks.filter((t) => t.leadId !== undefined);
	const byEmail = tasks.filter((t) => t.leadId === undefined);
	try {
		const found = await findMarketoBy(ctx, 'id', byId.map((t) => t.leadId!), wanted.filter((f) => f !== 'id'));
		for (const t of byId) {
			const person = found.get(String(t.leadId))?.[0];
			if (person) t.person = person;
			else t.outcome.failure = { message: `Marketo has no person with lead ID ${t.leadId}`, field: 'leadId', code: '1004', source: 'marketo' };
		}
		const foundByEmail = await findMarketoBy(ctx, 'email', byEmail.map((t) => t.email!), wanted.filter((f) => f !== 'email'));
		for (const t of byEmail) {
			const persons = foundByEmail.get(t.email!.toLowerCase()) ?? [];
			if (persons.length === 1) {
				t.person = persons[0];
				t.leadId = toLeadId(persons[0].id);
				t.outcome.ref.marketoId = t.leadId;
			} else {
				t.outcome.failure = {
					message: persons.length ? `${persons.length} Marketo persons have the email ${t.email}: give the lead ID` : `Marketo has no person with the email ${t.email}`,
					field: 'email',
					code: persons.length ? '1007' : '1004',
					source: 'marketo',
				};
			}
		}
	} catch (error) {
		for (const t of tasks) if (!t.person && !t.outcome.failure) t.outcome.failure = failureFrom(error, 'marketo');
	}
	for (const t of tasks) {
		if (t.person && typeof t.person.email === 'string') t.outcome.ref.email = t.person.email;
	}
}
