/**
 * Marketo Trigger in n8n's real engine (PollContext, static data) against the Marketo simulator over
 * loopback sockets.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { MarketoTrigger } from '../../nodes/MarketoTrigger/MarketoTrigger.node';
import { MarketoSimulator } from '../../simulators/marketo';
import { TestEngine } from '../harness/engine';

const CREDENTIAL_ID = 'marketo-credential';
const CLIENT = { clientId: 'mkto-client', clientSecret: 'mkto-secret' };

let mk: MarketoSimulator;
let engine: TestEngine;

beforeAll(async () => {
	mk = new MarketoSimulator(CLIENT);
	await mk.start(0);
	engine = new TestEngine({ marketoTrigger: new MarketoTrigger() });
	engine.credentials.set(CREDENTIAL_ID, 'marketoApi', { restBaseUrl: mk.url, ...CLIENT, callsPer20Seconds: 100, concurrentCalls: 10 });
});

afterAll(async () => {
	await mk?.stop();
});

beforeEach(() => {
	mk.reset();
});

function trigger(parameters: INodeParameters = {}) {
	return engine.poller({
		name: 'Marketo',
		type: 'marketoTrigger',
		parameters: { events: ['leadChanges', 'newLeads', 'deletedLeads'], ...parameters },
		credentials: { marketoApi: { id: CREDENTIAL_ID, name: 'Marketo' } },
	});
}

function json(items: INodeExecutionData[] | null): IDataObject[] {
	return (items ?? []).map((i) => i.json);
}

function snapshot(state: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(state)) as IDataObject;
}

/** People that exist before the trigger starts (no activities in the feed). */
function seedPeople(count: number): number[] {
	const { firstId, lastId } = mk.store.seedLeads(count, { email: 'person{{n}}@example.com', firstName: 'First{{n}}', lastName: 'Last{{n}}' });
	return Array.from({ length: lastId - firstId + 1 }, (_, i) => firstId + i);
}

/** A write through the REST API, as the sync (or another integration) makes it. */
async function apiUpdate(input: IDataObject[]): Promise<void> {
	const tokenResponse = await fetch(`${mk.url}/identity/oauth/token?grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}`);
	const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
	const response = await fetch(`${mk.url}/rest/v1/leads.json`, {
		method: 'POST',
		headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
		body: JSON.stringify({ action: 'updateOnly', lookupField: 'id', input }),
	});
	const body = (await response.json()) as { success: boolean; result: Array<{ status: string }> };
	expect(body.success).toBe(true);
	expect(body.result.every((r) => r.status === 'updated')).toBe(true);
}

describe('Marketo Trigger', () => {
	test('the first poll only takes a position; later changes come with old, new and current values', async () => {
		const [ada, bo] = seedPeople(2);
		const p = trigger();

		expect(await p.poll()).toBeNull();
		const cursor = p.state.cursor as IDataObject;
		expect(typeof cursor.leadChangesToken).toBe('string');
		expect(typeof cursor.deletedLeadsToken).toBe('string');

		expect(await p.poll()).toBeNull();

		mk.uiUpdateLead(ada, { firstName: 'Ada', title: 'CTO' });
		const items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			leadId: ada,
			operation: 'updated',
			changedFields: {
				firstName: { oldValue: 'First1', newValue: 'Ada' },
				title: { oldValue: null, newValue: 'CTO' },
			},
			sources: ['Marketo UI'],
			microsoftId: null,
		});
		expect(items[0].current).toMatchObject({ id: ada, firstName: 'Ada', lastName: 'Last1', title: 'CTO', email: 'person1@example.com' });
		expect(typeof items[0].activityDate).toBe('string');
		expect(items[0]).not.toHaveProperty('primaryAttributeValue');
		expect(items.some((i) => i.leadId === bo)).toBe(false);

		expect(await p.poll()).toBeNull();
	});

	test('several activities of one person in one poll become one item; a field changed back drops out', async () => {
		const [ada, bo] = seedPeople(2);
		const p = trigger();
		await p.poll();

		mk.uiUpdateLead(ada, { firstName: 'A1' });
		mk.uiUpdateLead(ada, { firstName: 'A2', lastName: 'Lovelace' });
		mk.uiUpdateLead(ada, { phone: '+1 555 0101' });
		mk.uiUpdateLead(bo, { city: 'Utrecht' });
		mk.uiUpdateLead(bo, { city: null });

		const items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ leadId: ada, operation: 'updated' });
		expect(items[0].changedFields).toEqual({
			firstName: { oldValue: 'First1', newValue: 'A2' },
			lastName: { oldValue: 'Last1', newValue: 'Lovelace' },
			phone: { oldValue: null, newValue: '+1 555 0101' },
		});
		expect(items[0].current).toMatchObject({ firstName: 'A2', lastName: 'Lovelace', phone: '+1 555 0101' });
	});

	test('new and deleted people', async () => {
		const [gone] = seedPeople(1);
		const p = trigger();
		await p.poll();

		const created = mk.uiCreateLead({ email: 'new@example.com', firstName: 'Nova', lastName: 'Person' });
		mk.uiUpdateLead(created.id, { title: 'Buyer' });
		mk.uiDeleteLead(gone);

		const items = json(await p.poll());
		expect(items).toHaveLength(2);
		const newcomer = items.find((i) => i.leadId === created.id)!;
		expect(newcomer).toMatchObject({
			operation: 'created',
			changedFields: expect.objectContaining({
				email: { oldValue: null, newValue: 'new@example.com' },
				firstName: { oldValue: null, newValue: 'Nova' },
				title: { oldValue: null, newValue: 'Buyer' },
			}),
			current: expect.objectContaining({ id: created.id, email: 'new@example.com', title: 'Buyer' }),
		});
		const deleted = items.find((i) => i.leadId === gone)!;
		expect(deleted).toMatchObject({ operation: 'deleted', microsoftId: null, current: null, changedFields: {}, primaryAttributeValue: 'First1 Last1' });

		expect(await p.poll()).toBeNull();
	});

	test('changes made through the API (the sync\'s own writes) are skipped by default', async () => {
		const [ada, bo] = seedPeople(2);
		const p = trigger();
		await p.poll();

		await apiUpdate([{ id: ada, firstName: 'From the sync', microsoftId: '00000000-0000-4000-8000-000000000001' }]);
		expect(await p.poll()).toBeNull();

		// A person's change right after still comes, with the link the sync wrote.
		await apiUpdate([{ id: bo, title: 'API title' }]);
		mk.uiUpdateLead(ada, { title: 'UI title' });
		const items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({
			leadId: ada,
			changedFields: { title: { oldValue: null, newValue: 'UI title' } },
			microsoftId: '00000000-0000-4000-8000-000000000001',
			current: expect.objectContaining({ firstName: 'From the sync', microsoftId: '00000000-0000-4000-8000-000000000001' }),
		});
		expect(items[0].changedFields).not.toHaveProperty('firstName');
	});

	test('API changes come through when the option is off, or when they belong to another API user', async () => {
		const [ada] = seedPeople(1);
		const all = trigger({ options: { skipApiChanges: false } });
		const otherUser = trigger({ options: { apiUser: 'other-integration@example.com' } });
		const sameUser = trigger({ options: { apiUser: 'sync@example.com' } });
		await Promise.all([all.poll(), otherUser.poll(), sameUser.poll()]);

		await apiUpdate([{ id: ada, firstName: 'From the API' }]);
		const expected = { leadId: ada, changedFields: { firstName: { oldValue: 'First1', newValue: 'From the API' } }, sources: ['Web service API'] };
		expect(json(await all.poll())).toEqual([expect.objectContaining(expected)]);
		expect(json(await otherUser.poll())).toEqual([expect.objectContaining(expected)]);
		expect(await sameUser.poll()).toBeNull();
	});

	test('the per-poll cap spreads a burst over polls: every person once, nothing lost', async () => {
		const people = seedPeople(12);
		const p = trigger({ options: { maxActivitiesPerPoll: 5 } });
		await p.poll();
		for (const id of people) mk.uiUpdateLead(id, { title: `Title ${id}` });

		const polls = [json(await p.poll()), json(await p.poll()), json(await p.poll())];
		expect(polls.map((x) => x.length)).toEqual([5, 5, 2]);
		const leadIds = polls.flat().map((i) => i.leadId);
		expect(leadIds).toEqual(people);
		expect(polls.flat().every((i) => (i.current as IDataObject).title === `Title ${String(i.leadId)}`)).toBe(true);
		expect(await p.poll()).toBeNull();
	});

	test('a failure in the middle of a poll keeps the position; the next poll delivers the same changes', async () => {
		const [ada] = seedPeople(1);
		const p = trigger();
		await p.poll();
		mk.uiUpdateLead(ada, { title: 'Before the failure' });

		const before = snapshot(p.state);
		// The lead changes page succeeds, the current-values lookup fails.
		mk.server.faults.add({ pathIncludes: '/rest/v1/leads.json', responseCount: 1, response: { status: 200, body: { requestId: 'x', success: false, errors: [{ code: '1003', message: 'Injected failure' }] } } });
		await expect(p.poll()).rejects.toThrow(/Injected failure/);
		expect(snapshot(p.state)).toEqual(before);

		const items = json(await p.poll());
		expect(items).toEqual([expect.objectContaining({ leadId: ada, changedFields: { title: { oldValue: null, newValue: 'Before the failure' } } })]);
	});

	test('"Fetch test event" returns a sample and never moves the position', async () => {
		const [ada, bo] = seedPeople(2);
		const p = trigger();

		mk.uiUpdateLead(ada, { title: 'Sampled' });
		const sample = json(await p.poll('manual'));
		expect(sample).toEqual([expect.objectContaining({ leadId: ada, operation: 'updated', current: expect.objectContaining({ title: 'Sampled' }) })]);
		expect(p.state).toEqual({});

		await p.poll();
		const cursor = snapshot(p.state);
		mk.uiUpdateLead(bo, { title: 'After seeding' });
		expect((await p.poll('manual'))!.length).toBeGreaterThan(0);
		expect(snapshot(p.state)).toEqual(cursor);
		expect(json(await p.poll())).toEqual([expect.objectContaining({ leadId: bo })]);
	});

	test('only the chosen events and fields come out; unknown fields are reported', async () => {
		const [ada, bo] = seedPeople(2);
		const p = trigger({ events: ['leadChanges'], fields: ['title', 'noSuchField'] });
		await p.poll();
		expect(p.state.cursor).toEqual({ leadChangesToken: expect.any(String) });

		mk.uiUpdateLead(ada, { firstName: 'Not watched' });
		mk.uiUpdateLead(bo, { title: 'Watched' });
		mk.uiCreateLead({ email: 'ignored@example.com', title: 'New person' });
		mk.uiDeleteLead(ada);
		const items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ leadId: bo, operation: 'updated', changedFields: { title: { oldValue: null, newValue: 'Watched' } }, missingFields: ['noSuchField'] });
	});

	test('"Start From" makes the first position earlier: changes since then come on the next poll', async () => {
		const [ada] = seedPeople(1);
		const startFrom = new Date(Date.now() - 60_000).toISOString();
		mk.uiUpdateLead(ada, { title: 'Before activation' });
		const p = trigger({ options: { startFrom } });
		expect(await p.poll()).toBeNull();
		expect(json(await p.poll())).toEqual([expect.objectContaining({ leadId: ada, changedFields: { title: { oldValue: null, newValue: 'Before activation' } } })]);

		const invalid = trigger({ options: { startFrom: 'not a date' } });
		await expect(invalid.poll()).rejects.toThrow(/Start From "not a date" is not a date/);
	});

	test('no event chosen is a clear error', async () => {
		await expect(trigger({ events: [] }).poll()).rejects.toThrow(/No event chosen/);
	});
});
