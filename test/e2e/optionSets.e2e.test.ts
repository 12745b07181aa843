import { N8nInstance } from './n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';
import { alertsTemplate, templateFor } from '../helpers/template';

/** Waits until `check` holds (polled every 2 s); the sync's triggers poll once a minute. */
async function eventually(what: string, check: () => boolean, timeoutMs = 180_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (check()) return;
		await new Promise((r) => setTimeout(r, 2000));
	}
	throw new Error(`timed out waiting for: ${what}`);
}

/**
 * Choice columns in the shipped template, in real n8n 2.41.1 with the packed package: a Dynamics
 * lead's leadsourcecode 8 reaches Marketo as leadSource "Web" and statecode 0 as leadStatus "Open"
 * (their labels); a label a Marketo user picks reaches Dynamics as its choice value.
 */
jest.setTimeout(600_000);

describe('option sets in the sync template (real n8n)', () => {
	let sims: Simulators;
	let n8n: N8nInstance;
	let leadId: string;

	beforeAll(async () => {
		sims = await startSimulators();
		leadId = String(sims.dataverse.create('lead', { firstname: 'Olga', lastname: 'Options', emailaddress1: 'olga@options.test', subject: 'Choices', leadsourcecode: 8 }).leadid);
		n8n = new N8nInstance('optionsets');
		n8n.install(N8nInstance.packOnce());
		n8n.importCredentials([
			{ id: 'tmplDynamicsCred1', name: 'Dynamics 365', type: 'microsoftDynamicsApi', data: sims.dynamicsCredentials },
			{ id: 'tmplMarketoCred01', name: 'Marketo', type: 'marketoApi', data: sims.marketoCredentials },
		]);
		n8n.importAndPublish(alertsTemplate());
		n8n.importAndPublish(templateFor('tmplDynamicsCred1', 'tmplMarketoCred01'));
		await n8n.start();
		await n8n.setupOwner();
	}, 900_000);

	afterAll(async () => {
		await n8n?.stop();
		await sims?.stop();
		n8n?.cleanup();
	});

	const personOf = (dynamicsId: string) => {
		const [id] = sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
		return id === undefined ? undefined : ({ ...sims.marketo.store.getLead(id)!, id } as Record<string, unknown> & { id: number });
	};

	test('Dynamics choices arrive as labels; a Marketo label comes back as the choice value', async () => {
		await eventually('the lead in Marketo', () => personOf(leadId) !== undefined);
		const person = personOf(leadId)!;
		expect(person.leadSource).toBe('Web');
		expect(person.leadStatus).toBe('Open');

		sims.marketo.uiUpdateLead(person.id, { leadSource: 'Seminar' });
		await eventually('the Marketo label as a Dynamics choice value', () => sims.dataverse.store.get('lead', leadId)?.leadsourcecode === 6);
		expect(personOf(leadId)?.leadSource).toBe('Seminar');
	});
});
