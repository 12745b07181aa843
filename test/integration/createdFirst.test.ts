import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DeletePerson } from '../../nodes/DeletePerson/DeletePerson.node';
import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { ResolveConflict } from '../../nodes/ResolveConflict/ResolveConflict.node';
import { SyncRecords } from '../../nodes/SyncRecords/SyncRecords.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { TestEngine } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import { LANE_CREDENTIALS, laneErrors, personLaneNodes } from '../harness/personLane';
import type { Simulators } from '../helpers/simulators';

/**
 * A contact that an opportunity names reaches Marketo through two lanes of the template: Sync
 * Records creates its person first when the role needs it, and the person lane (Resolve Conflict →
 * Upsert into Dynamics → Upsert into Marketo) syncs the contact itself. The real Dynamics 365
 * Triggers feed both, in n8n's real engine against the simulators; the simulators' counters say
 * what each lane cost.
 */
jest.setTimeout(60_000);

describe('a person two lanes need: created once, in sync, found without a look-up', () => {
	let sims: Simulators;
	let engine: TestEngine;

	simulatorSuite(() => new TestEngine({ dynamicsTrigger: new DynamicsTrigger(), resolveConflict: new ResolveConflict(), upsertPerson: new UpsertPerson(), syncRecords: new SyncRecords(), deletePerson: new DeletePerson() }), (suite) => ({ sims, engine } = suite));

	const trigger = (table: string) => engine.poller({ name: `${table} trigger`, type: 'dynamicsTrigger', parameters: { table }, credentials: LANE_CREDENTIALS });
	const input = (items: INodeExecutionData[] | null) => ({ input: (items ?? []).map((i) => i.json as IDataObject) });

	async function personLane(items: INodeExecutionData[] | null) {
		const result = await engine.run(personLaneNodes(), input(items));
		expect(result.error).toBeUndefined();
		expect(laneErrors(result)).toEqual([]);
		return result.output('Resolve', 0).map((i) => i.json as IDataObject);
	}

	async function syncRecords(items: INodeExecutionData[] | null) {
		const result = await engine.run([{ name: 'Sync', type: 'syncRecords', parameters: { recordType: 'fromInput' } as never, credentials: LANE_CREDENTIALS, onError: 'continueErrorOutput' }], input(items));
		expect(result.error).toBeUndefined();
		expect(result.output('Sync', 1).map((i) => i.json)).toEqual([]);
		return result.output('Sync', 0).map((i) => i.json as IDataObject);
	}

	/** Marketo person calls since the counters were reset: look-ups (GET) and writes (POST) of leads. */
	const personCalls = () => {
		const byRoute = sims.marketo.stats().byRoute;
		return { lookUps: byRoute['GET /rest/v1/leads.json'] ?? 0, writes: byRoute['POST /rest/v1/leads.json'] ?? 0 };
	};
	const personOf = (contactId: string) => [...sims.marketo.store.leads.values()].find((l) => l.microsoftId === contactId);
	const seller = () => sims.dataverse.addInteractiveUser('sam.seller@contoso.test', { firstname: 'Sam', lastname: 'Seller' });
	const contact = (first: string, extra: IDataObject = {}) =>
		sims.dataverse.create('contact', { firstname: first, lastname: 'Buyer', emailaddress1: `${first.toLowerCase()}@buyer.test`, ...extra }).contactid as string;
	const opportunity = (name: string, contactId: string, owner: string) =>
		sims.dataverse.create('opportunity', { name, estimatedvalue: 1000, _customerid_value: contactId, '_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact' }, owner).opportunityid as string;

	test('opportunity first: the contact\'s person is created with labels and a sync state the person lane then finds in sync', async () => {
		const cara = contact('Cara', { preferredcontactmethodcode: 2 });
		opportunity('Deal', cara, seller());
		const contacts = trigger('contact');
		const opportunities = trigger('opportunity');

		const [synced] = await syncRecords(await opportunities.poll());
		expect(synced.createdFirst).toEqual(expect.arrayContaining([expect.objectContaining({ object: 'person', dynamicsId: cara, status: 'created' })]));
		// Choices arrive as their labels, as the person lane sends them (not the numbers 0 and 2).
		expect(personOf(cara)).toMatchObject({ microsoftType: 'Contact', firstName: 'Cara', leadStatus: 'Active', microsoftPreferredContactMethod: 'Email' });

		sims.marketo.resetCounters();
		const decisions = await personLane(await contacts.poll());
		expect(decisions).toEqual([expect.objectContaining({ dynamicsId: cara, marketoId: personOf(cara)!.id, action: 'none' })]);
		expect(personCalls()).toEqual({ lookUps: 1, writes: 0 });
	});

	test('contacts first: the roles of their opportunities find the persons the person lane just wrote, with no look-up', async () => {
		const dana = contact('Dana');
		const eli = contact('Eli');
		const owner = seller();
		await personLane(await trigger('contact').poll());
		opportunity('Deal D', dana, owner);
		opportunity('Deal E', eli, owner);

		sims.marketo.resetCounters();
		const synced = await syncRecords(await trigger('opportunity').poll());
		expect(synced.map((s) => s.roles)).toEqual([
			[expect.objectContaining({ contactId: dana, leadId: personOf(dana)!.id, status: 'created' })],
			[expect.objectContaining({ contactId: eli, leadId: personOf(eli)!.id, status: 'created' })],
		]);
		expect(personCalls()).toEqual({ lookUps: 0, writes: 0 });
	});

	test('a person deleted by Delete Person is forgotten: the next role looks it up again and recreates it', async () => {
		const fay = contact('Fay');
		await personLane(await trigger('contact').poll());
		const first = personOf(fay)!.id;
		const result = await engine.run(
			[{ name: 'Delete', type: 'deletePerson', parameters: { direction: 'dynamicsToMarketo', policy: 'delete' } as never, credentials: LANE_CREDENTIALS, onError: 'continueErrorOutput' }],
			{ input: [{ table: 'contact', id: fay, operation: 'deleted', modifiedon: null, modifiedBy: null, fields: {}, syncFilter: null, changeDetection: 'changeTracking' }] },
		);
		expect(result.output('Delete', 1).map((i) => i.json)).toEqual([]);
		expect(personOf(fay)).toBeUndefined();

		opportunity('Deal F', fay, seller());
		sims.marketo.resetCounters();
		const [synced] = await syncRecords(await trigger('opportunity').poll());
		const again = personOf(fay)!.id;
		expect(again).not.toBe(first);
		expect(synced.roles).toEqual([expect.objectContaining({ contactId: fay, leadId: again, status: 'created' })]);
		expect(personCalls()).toEqual({ lookUps: 1, writes: 1 });
	});

	test('a person deleted in the Marketo UI meanwhile: its remembered id is refused, the person is found again (created) and the role written', async () => {
		const gil = contact('Gil');
		await personLane(await trigger('contact').poll());
		const gone = personOf(gil)!.id as number;
		sims.marketo.uiDeleteLead(gone);
		opportunity('Deal G', gil, seller());
		sims.marketo.resetCounters();
		const [synced] = await syncRecords(await trigger('opportunity').poll());
		const again = personOf(gil)!.id;
		expect(again).not.toBe(gone);
		expect(synced).toMatchObject({ status: 'created', roles: [expect.objectContaining({ contactId: gil, leadId: again, status: 'created' })] });
		expect(synced.warnings).toBeUndefined();
		expect(sims.marketo.store.objects('opportunityRoles')).toEqual([expect.objectContaining({ leadId: again, role: 'Potential Customer' })]);
		// The refused role, one look-up and one creation of the person, the role again.
		expect(personCalls()).toEqual({ lookUps: 1, writes: 1 });
		expect(sims.marketo.stats().byRoute['POST /rest/v1/opportunities/roles.json']).toBe(2);
	});
});
