import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { MarketoTrigger } from '../../nodes/MarketoTrigger/MarketoTrigger.node';
import { ResolveConflict } from '../../nodes/ResolveConflict/ResolveConflict.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { TestEngine } from '../harness/engine';
import { laneErrors, LANE_CREDENTIALS, personLaneNodes } from '../harness/personLane';
import { simulatorSuite } from '../harness/simulatorSuite';
import type { Simulators } from '../helpers/simulators';

/**
 * What one batch of 300 changed persons costs per lane, counted by the simulators (their call
 * counters), with the real triggers feeding the lanes as the template wires them: Resolve Conflict →
 * Upsert into Dynamics → Upsert into Marketo. Field lists and metadata are cached per process, so
 * they are left out of the per-batch figures (warmed once before counting).
 */
jest.setTimeout(120_000);

const PERSONS = 300;

describe('calls per 300 changed persons, per lane', () => {
	let sims: Simulators;
	let engine: TestEngine;
	const credentials = LANE_CREDENTIALS;

	simulatorSuite(() => new TestEngine({ resolveConflict: new ResolveConflict(), upsertPerson: new UpsertPerson(), marketoTrigger: new MarketoTrigger(), dynamicsTrigger: new DynamicsTrigger() }), (suite) => ({ sims, engine } = suite));

	/** The person lane after a trigger, as in the template. */
	async function lane(items: INodeExecutionData[]) {
		const result = await engine.run(personLaneNodes(), { input: items.map((i) => i.json as IDataObject) });
		expect(result.error).toBeUndefined();
		expect(laneErrors(result).map((e) => e.error)).toEqual([]);
		return result;
	}

	/** Data calls of one simulator since its last reset (tokens, field lists and metadata aside). */
	const dataCalls = (byRoute: Record<string, number>) =>
		Object.fromEntries(Object.entries(byRoute).filter(([route]) => !/identity|oauth|token|describe|EntityDefinitions|\$metadata|WhoAmI|activities\/types/i.test(route)));

	test('Dynamics → Marketo: 1 Marketo read + 1 Marketo write; Marketo → Dynamics: the trigger\'s feed, 1 Dataverse read, 1 Dataverse $batch write, 1 Marketo write', async () => {
		const ids: string[] = [];
		for (let i = 0; i < PERSONS; i++) ids.push(String(sims.dataverse.create('lead', { firstname: `P${i}`, lastname: 'Batch', emailaddress1: `p${i}@batch.test`, subject: 'Bulk' }).leadid));
		const dynamicsTrigger = engine.poller({ name: 'Dynamics', type: 'dynamicsTrigger', parameters: { table: 'lead' }, credentials });
		const marketoTrigger = engine.poller({ name: 'Marketo', type: 'marketoTrigger', parameters: { events: ['leadChanges', 'newLeads'] }, credentials });
		await marketoTrigger.poll(); // sets its cursor
		// The initial copy creates the persons (and warms the caches).
		const initial = (await dynamicsTrigger.poll()) ?? [];
		expect(initial).toHaveLength(PERSONS);
		await lane(initial);
		expect(sims.marketo.store.findLeadIds('lastName', 'Batch')).toHaveLength(PERSONS);
		await lane((await marketoTrigger.poll()) ?? []); // the API's own New Lead activities: skipped by the trigger

		// 300 persons changed in Dynamics.
		for (const id of ids) sims.dataverse.update('lead', id, { jobtitle: 'Changed in Dynamics' });
		const fromDynamics = (await dynamicsTrigger.poll()) ?? [];
		expect(fromDynamics).toHaveLength(PERSONS);
		sims.marketo.resetCounters();
		sims.dataverse.resetCounters();
		await lane(fromDynamics);
		expect(dataCalls(sims.marketo.stats().byRoute)).toEqual({ 'GET /rest/v1/leads.json': 1, 'POST /rest/v1/leads.json': 1 });
		expect(dataCalls(sims.dataverse.stats().byRoute)).toEqual({});
		const [first] = sims.marketo.store.findLeadIds('microsoftId', ids[0]);
		expect(sims.marketo.store.getLead(first)?.title).toBe('Changed in Dynamics');

		// 300 persons changed in Marketo.
		for (const id of ids) {
			const [leadId] = sims.marketo.store.findLeadIds('microsoftId', id);
			sims.marketo.uiUpdateLead(leadId, { city: 'Zwolle' });
		}
		sims.marketo.resetCounters();
		const fromMarketo = (await marketoTrigger.poll()) ?? [];
		expect(fromMarketo).toHaveLength(PERSONS);
		const feed = dataCalls(sims.marketo.stats().byRoute);
		sims.marketo.resetCounters();
		sims.dataverse.resetCounters();
		await lane(fromMarketo);
		// The trigger's feed: paging token, activity pages, and the changed persons' values (read once, used by Resolve Conflict).
		expect(feed).toEqual({ 'GET /rest/v1/activities/leadchanges.json': expect.any(Number), 'GET /rest/v1/leads.json': 1 });
		expect(dataCalls(sims.marketo.stats().byRoute)).toEqual({ 'POST /rest/v1/leads.json': 1 });
		expect(dataCalls(sims.dataverse.stats().byRoute)).toEqual({ 'POST /$batch': 2, '$batch GET /leads': 6, '$batch PATCH /leads(:id)': PERSONS });
		expect(sims.dataverse.store.get('lead', ids[PERSONS - 1])?.address1_city).toBe('Zwolle');
	});
});
