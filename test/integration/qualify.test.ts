import type { IDataObject } from 'n8n-workflow';

import { ResolveConflict } from '../../nodes/ResolveConflict/ResolveConflict.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { TestEngine } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import type { Simulators } from '../helpers/simulators';

/**
 * Qualify (a Dynamics lead qualified into a contact) through lane 1 as the template wires it:
 * Resolve Conflict → Upsert into Dynamics → Upsert into Marketo, in n8n's real engine against the
 * simulators. Marketo's native sync keeps one person, which follows the contact.
 */
jest.setTimeout(45_000);

describe('Qualify: the lead\'s Marketo person follows the contact', () => {
	let sims: Simulators;
	let engine: TestEngine;

	simulatorSuite(() => new TestEngine({ resolveConflict: new ResolveConflict(), upsertPerson: new UpsertPerson() }), (suite) => ({ sims, engine } = suite));

	/** A Dynamics 365 Trigger item for the record as it is now (lookups in their Web API form). */
	function dynamicsItem(table: 'lead' | 'contact', id: string): IDataObject {
		const row = sims.dataverse.store.get(table, id)!;
		const fields: IDataObject = {};
		for (const [key, value] of Object.entries(row)) if (key !== `${table}id` && !key.includes('@')) fields[key] = value as IDataObject[string];
		return { table, id, operation: 'updated', modifiedon: row.modifiedon as string, modifiedBy: null, fields, syncFilter: null, changeDetection: 'changeTracking' };
	}

	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };
	async function lane1(input: IDataObject[]) {
		const result = await engine.run(
			[
				{ name: 'Resolve', type: 'resolveConflict', parameters: { operation: 'resolve' } as never, credentials, onError: 'continueErrorOutput' },
				{ name: 'To Dynamics', type: 'upsertPerson', parameters: { target: 'dynamics' } as never, credentials, onError: 'continueErrorOutput' },
				{ name: 'To Marketo', type: 'upsertPerson', parameters: { target: 'marketo' } as never, credentials, onError: 'continueErrorOutput' },
			],
			{ input },
		);
		expect(result.error).toBeUndefined();
		const json = (node: string, output: number) => result.output(node, output).map((i) => i.json as IDataObject);
		return { decisions: json('Resolve', 0), errors: [...json('Resolve', 1), ...json('To Dynamics', 1), ...json('To Marketo', 1)] };
	}

	const personIdsOf = (dynamicsId: string) => sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
	const personsWithEmail = (email: string) => [...sims.marketo.store.leads.values()].filter((l) => String(l.email).toLowerCase() === email);

	/** A synced lead, then the out-of-box Qualify: a contact with its e-mail and Originating Lead, the lead set to Qualified. */
	async function qualifiedLead() {
		const leadId = sims.dataverse.create('lead', { firstname: 'Quinn', lastname: 'Lee', emailaddress1: 'quinn@example.com', subject: 'Interested' }).leadid as string;
		const first = await lane1([dynamicsItem('lead', leadId)]);
		expect(first.errors).toEqual([]);
		const [personId] = personIdsOf(leadId);
		expect(personId).toBeDefined();
		const contactId = sims.dataverse.create('contact', { firstname: 'Quinn', lastname: 'Lee', emailaddress1: 'quinn@example.com', 'originatingleadid@odata.bind': `/leads(${leadId})` }).contactid as string;
		sims.dataverse.update('lead', leadId, { statecode: 1, statuscode: 3 });
		return { leadId, contactId, personId };
	}

	function expectOnePersonFollowingTheContact(personId: number, contactId: string, leadId: string) {
		expect(personIdsOf(contactId)).toEqual([personId]);
		expect(personIdsOf(leadId)).toEqual([]);
		expect(sims.marketo.store.getLead(personId)).toMatchObject({ microsoftId: contactId, microsoftType: 'Contact' });
		expect(personsWithEmail('quinn@example.com')).toHaveLength(1);
	}

	test('the contact arrives first, then the qualified lead', async () => {
		const { leadId, contactId, personId } = await qualifiedLead();
		const contact = await lane1([dynamicsItem('contact', contactId)]);
		expect(contact.errors).toEqual([]);
		expect(contact.decisions[0]).toMatchObject({ marketoId: personId, dynamicsId: contactId, reason: expect.stringContaining('qualified from Dynamics lead') });
		const lead = await lane1([dynamicsItem('lead', leadId)]);
		expect(lead.errors).toEqual([]);
		expect(lead.decisions[0]).toMatchObject({ action: 'skip', reason: expect.stringContaining('qualified') });
		expectOnePersonFollowingTheContact(personId, contactId, leadId);
	});

	test('the qualified lead arrives first, then the contact', async () => {
		const { leadId, contactId, personId } = await qualifiedLead();
		const lead = await lane1([dynamicsItem('lead', leadId)]);
		expect(lead.errors).toEqual([]);
		const contact = await lane1([dynamicsItem('contact', contactId)]);
		expect(contact.errors).toEqual([]);
		expectOnePersonFollowingTheContact(personId, contactId, leadId);
	});
});
