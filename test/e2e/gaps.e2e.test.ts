import { eventually, startTemplateRun, type TemplateRun } from './templateRun';
import type { Simulators } from '../helpers/simulators';
import { seedSample } from '../helpers/sampleData';

/**
 * Issue 12's gaps in real n8n 2.41.1 with the shipped template: a removed stakeholder loses its
 * role (n8n's own static-data handling, no stand-in), and a qualified lead leaves one person.
 */
jest.setTimeout(900_000);

describe('the sync template in real n8n: stakeholder removed, qualify', () => {
	let sims: Simulators;
	let seeded: ReturnType<typeof seedSample>;

	let run: TemplateRun;

	beforeAll(async () => {
		run = await startTemplateRun('gaps', (s) => {
			seeded = seedSample(s, { leads: 3, contacts: 4, accounts: 2, opportunities: 1, users: 1, projects: 0, marketoOnly: 0 });
		});
		({ sims } = run);
	}, 900_000);

	afterAll(async () => {
		await run?.stop();
	});

	const personIdsOf = (dynamicsId: string) => sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
	const rolesOf = (opportunityId: string) =>
		((sims.marketo.store as any).objects('opportunityRoles') as Array<Record<string, unknown>>)
			.filter((r) => String(r.externalOpportunityId).toLowerCase() === opportunityId.toLowerCase())
			.map((r) => `${r.leadId}:${r.role}`)
			.sort();
	const stakeholdersOf = (opportunityId: string) =>
		sims.dataverse.store.all('connection').filter((c: any) => c.ismaster && c._record1id_value === opportunityId && c._record2id_value);

	test('an opportunity with two stakeholders loses one: Marketo ends with exactly the remaining roles', async () => {
		const opp = seeded.opportunityIds[0];
		const stakeholders = stakeholdersOf(opp);
		expect(stakeholders).toHaveLength(2);
		await eventually('initial copy of the opportunity roles', () => rolesOf(opp).length >= 2 && stakeholders.every((c: any) => personIdsOf(c._record2id_value).length === 1));
		const before = rolesOf(opp);
		const [removed, kept] = stakeholders as any[];
		const removedPerson = personIdsOf(removed._record2id_value)[0];
		const keptPerson = personIdsOf(kept._record2id_value)[0];
		expect(before.some((r) => r.startsWith(`${removedPerson}:`))).toBe(true);

		sims.dataverse.delete('connection', removed.connectionid);
		const expected = before.filter((r) => !r.startsWith(`${removedPerson}:`));
		await eventually('the removed stakeholder loses its role', () => JSON.stringify(rolesOf(opp)) === JSON.stringify(expected));
		expect(expected.some((r) => r.startsWith(`${keptPerson}:`))).toBe(true);
		// Stays so over another poll cycle.
		await new Promise((r) => setTimeout(r, 65_000));
		expect(rolesOf(opp)).toEqual(expected);
	});

	test('qualify: one person, of type Contact, linked to the contact, with its Marketo id kept', async () => {
		const leadId = seeded.leadIds[0];
		await eventually('the lead in Marketo', () => personIdsOf(leadId).length === 1);
		const [personId] = personIdsOf(leadId);
		const lead = sims.dataverse.store.get('lead', leadId) as Record<string, unknown>;
		const email = String(lead.emailaddress1);

		// The out-of-box Qualify: a contact with the lead's e-mail and Originating Lead, then the lead set to Qualified.
		const contactId = String(
			sims.dataverse.create('contact', {
				firstname: lead.firstname,
				lastname: lead.lastname,
				emailaddress1: email,
				'originatingleadid@odata.bind': `/leads(${leadId})`,
			}).contactid,
		);
		sims.dataverse.update('lead', leadId, { statecode: 1, statuscode: 3 });

		await eventually('the person follows the contact', () => personIdsOf(contactId).length === 1);
		await new Promise((r) => setTimeout(r, 65_000));
		expect(personIdsOf(contactId)).toEqual([personId]);
		expect(sims.marketo.store.getLead(personId)?.microsoftType).toBe('Contact');
		expect(personIdsOf(leadId)).toEqual([]);
		const withEmail = [...sims.marketo.store.leads.values()].filter((l: any) => String(l.email).toLowerCase() === email.toLowerCase());
		expect(withEmail).toHaveLength(1);
	});
});
