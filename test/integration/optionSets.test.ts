import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { MarketoTrigger } from '../../nodes/MarketoTrigger/MarketoTrigger.node';
import { ResolveConflict } from '../../nodes/ResolveConflict/ResolveConflict.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { clearDescribeCache } from '../../nodes/transport/marketoApi';
import { TestEngine } from '../harness/engine';
import { laneErrors, LANE_CREDENTIALS, personLaneNodes } from '../harness/personLane';
import { simulatorSuite } from '../harness/simulatorSuite';
import type { Simulators } from '../helpers/simulators';

/**
 * Choice columns travel as their labels: Dynamics → Marketo as the FormattedValue Dataverse sends
 * (leadsourcecode 8 → leadSource "Web", statecode 0 → leadStatus "Open"); Marketo → Dynamics as the
 * choice value from the column's option-set metadata. The real triggers feed the lanes as the
 * template wires them (Resolve Conflict → Upsert into Dynamics → Upsert into Marketo).
 */
jest.setTimeout(120_000);

describe('option sets travel as labels, both ways', () => {
	let sims: Simulators;
	let engine: TestEngine;
	const credentials = LANE_CREDENTIALS;

	simulatorSuite(() => new TestEngine({ resolveConflict: new ResolveConflict(), upsertPerson: new UpsertPerson(), marketoTrigger: new MarketoTrigger(), dynamicsTrigger: new DynamicsTrigger() }), (suite) => ({ sims, engine } = suite));

	async function lane(items: INodeExecutionData[], resolveOptions: IDataObject = {}) {
		return await engine.run(personLaneNodes(resolveOptions), { input: items.map((i) => i.json as IDataObject) });
	}
	const errors = laneErrors;

	test('Dynamics → Marketo labels; a Marketo label comes back as its choice value; an unknown label is an error naming record and field', async () => {
		const lead = sims.dataverse.create('lead', { firstname: 'Olga', lastname: 'Options', emailaddress1: 'olga@options.test', subject: 'Choices', leadsourcecode: 8 });
		const id = String(lead.leadid);
		const dynamicsTrigger = engine.poller({ name: 'Dynamics', type: 'dynamicsTrigger', parameters: { table: 'lead' }, credentials });
		const marketoTrigger = engine.poller({ name: 'Marketo', type: 'marketoTrigger', parameters: { events: ['leadChanges', 'newLeads'] }, credentials });
		await marketoTrigger.poll(); // sets its cursor

		const initial = await lane((await dynamicsTrigger.poll()) ?? []);
		expect(errors(initial)).toEqual([]);
		const [leadId] = sims.marketo.store.findLeadIds('microsoftId', id);
		expect(sims.marketo.store.getLead(leadId)).toMatchObject({ leadSource: 'Web', leadStatus: 'Open' });
		await lane((await marketoTrigger.poll()) ?? []); // the sync's own write: an echo

		// A Marketo user picks another label: Dynamics gets its number, and the next Dynamics poll is an echo.
		sims.marketo.uiUpdateLead(leadId, { leadSource: 'Trade Show' });
		const fromMarketo = await lane((await marketoTrigger.poll()) ?? []);
		expect(errors(fromMarketo)).toEqual([]);
		expect(sims.dataverse.store.get('lead', id)?.leadsourcecode).toBe(7);
		expect(sims.marketo.store.getLead(leadId)?.leadSource).toBe('Trade Show');

		// A Dynamics user changes the choice: the new label arrives.
		sims.dataverse.update('lead', id, { leadsourcecode: 5 });
		const fromDynamics = await lane((await dynamicsTrigger.poll()) ?? []);
		expect(errors(fromDynamics)).toEqual([]);
		expect(sims.marketo.store.getLead(leadId)?.leadSource).toBe('Public Relations');

		// An unknown label: reported on the error output with the record and the field, nothing written.
		sims.marketo.uiUpdateLead(leadId, { leadSource: 'Carrier Pigeon' });
		const unknown = await lane((await marketoTrigger.poll()) ?? []);
		const failed = errors(unknown);
		expect(failed).toHaveLength(1);
		expect(String(failed[0].error)).toMatch(/leadsourcecode/);
		expect(String(failed[0].error)).toMatch(/Carrier Pigeon/);
		expect(String(failed[0].error)).toContain(id);
		expect(sims.dataverse.store.get('lead', id)?.leadsourcecode).toBe(5);
		expect(sims.marketo.store.getLead(leadId)?.leadSource).toBe('Carrier Pigeon');
	});

	test('a multi-select choice travels as labels joined with ";" and comes back as comma-separated values', async () => {
		sims.dataverse.store.addColumn('lead', {
			logicalName: 'new_interests',
			type: 'MultiSelectPicklist',
			displayName: 'Interests',
			options: [
				{ value: 100000000, label: 'Webinars' },
				{ value: 100000001, label: 'Events' },
				{ value: 100000002, label: 'Newsletters' },
			],
		});
		sims.marketo.store.addLeadField({ name: 'interests', dataType: 'string', length: 2000 });
		clearMetadataCache();
		clearDescribeCache();
		const extra = { additionalFields: { field: [{ marketoField: 'interests', dynamicsColumn: 'new_interests' }] } };
		const id = String(sims.dataverse.create('lead', { firstname: 'Mia', lastname: 'Multi', emailaddress1: 'mia@options.test', new_interests: '100000000,100000002' }).leadid);
		const dynamicsTrigger = engine.poller({ name: 'Dynamics', type: 'dynamicsTrigger', parameters: { table: 'lead', fields: ['firstname', 'lastname', 'emailaddress1', 'new_interests'] }, credentials });
		const marketoTrigger = engine.poller({ name: 'Marketo', type: 'marketoTrigger', parameters: { events: ['leadChanges', 'newLeads'], fields: ['email', 'interests'] }, credentials });
		await marketoTrigger.poll();

		const copied = ((await dynamicsTrigger.poll()) ?? []).filter((i) => i.json.id === id);
		expect(copied).toHaveLength(1);
		expect(errors(await lane(copied, extra))).toEqual([]);
		const [leadId] = sims.marketo.store.findLeadIds('microsoftId', id);
		expect(sims.marketo.store.getLead(leadId)?.interests).toBe('Webinars;Newsletters');
		await lane((await marketoTrigger.poll()) ?? [], extra);

		sims.marketo.uiUpdateLead(leadId, { interests: 'Events; Webinars' });
		expect(errors(await lane((await marketoTrigger.poll()) ?? [], extra))).toEqual([]);
		expect(sims.dataverse.store.get('lead', id)?.new_interests).toBe('100000001,100000000');

		sims.marketo.uiUpdateLead(leadId, { interests: 'Events;Carrier Pigeon' });
		const failed = errors(await lane((await marketoTrigger.poll()) ?? [], extra));
		expect(failed).toHaveLength(1);
		expect(String(failed[0].error)).toMatch(/new_interests.*Carrier Pigeon/);
		expect(String(failed[0].error)).toContain(id);
		expect(sims.dataverse.store.get('lead', id)?.new_interests).toBe('100000001,100000000');
	});
});
