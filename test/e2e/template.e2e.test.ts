import * as fs from 'node:fs';

import { N8nInstance } from './n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';
import { seedSample, syncSnapshot } from '../helpers/sampleData';
import { TEMPLATE_PATH as TEMPLATE, templateFor } from '../helpers/template';


/** Waits until `check` holds (polled every 2 s); the sync's triggers poll once a minute. */
async function eventually(what: string, check: () => boolean, timeoutMs = 150_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (check()) return;
		await new Promise((r) => setTimeout(r, 2000));
	}
	throw new Error(`timed out waiting for: ${what}`);
}

/**
 * The shipped template, imported and published in a real n8n 2.41.1 with the packed package,
 * against the simulators: the initial copy in every lane, then changes moving both ways.
 */
jest.setTimeout(600_000);

describe('the sync template in real n8n', () => {
	let sims: Simulators;
	let n8n: N8nInstance;
	let seeded: ReturnType<typeof seedSample>;

	beforeAll(async () => {
		sims = await startSimulators();
		seeded = seedSample(sims, { leads: 60, contacts: 50, accounts: 10, opportunities: 6, users: 3, projects: 5, marketoOnly: 4 });
		n8n = new N8nInstance('template');
		n8n.install(N8nInstance.packOnce());
		n8n.importCredentials([
			{ id: 'tmplDynamicsCred1', name: 'Dynamics 365', type: 'microsoftDynamicsApi', data: sims.dynamicsCredentials },
			{ id: 'tmplMarketoCred01', name: 'Marketo', type: 'marketoApi', data: sims.marketoCredentials },
		]);
		const workflow = templateFor('tmplDynamicsCred1', 'tmplMarketoCred01');
		n8n.importWorkflow(workflow);
		n8n.cli(['publish:workflow', `--id=${workflow.id}`]);
		await n8n.start();
		await n8n.setupOwner();
	}, 900_000);

	afterAll(async () => {
		await n8n?.stop();
		await sims?.stop();
		n8n?.cleanup();
	});

	test('template uses only the published package prefix and asks for credentials by type', () => {
		const text = fs.readFileSync(TEMPLATE, 'utf8');
		expect(text).not.toContain('"CUSTOM.');
		const workflow = JSON.parse(text) as { nodes: Array<{ type: string; credentials?: Record<string, unknown> }>; settings: Record<string, unknown> };
		const ours = workflow.nodes.filter((n) => n.type.startsWith('n8n-nodes-marketo-dynamics-sync.'));
		expect(new Set(ours.map((n) => n.type.split('.')[1]))).toEqual(
			new Set(['dynamicsTrigger', 'marketoTrigger', 'upsertPerson', 'syncPerson', 'resolveConflict', 'deletePerson', 'syncRecords']),
		);
		for (const n of ours) expect(Object.keys(n.credentials ?? {}).length).toBeGreaterThan(0);
		expect(workflow.settings.saveDataSuccessExecution).toBe('none');
		// The sample custom table exists only in the simulator: its trigger ships disabled.
		expect(workflow.nodes.filter((n: any) => n.disabled).map((n: any) => n.parameters.table)).toEqual(['new_project']);
	});

	test('initial copy: every lane lands in Marketo, the sync filter keeps "No" rows out', async () => {
		// Sample: 60 leads (2 with sync filter No), 50 contacts (2 with No), 10 accounts, 3 users + 1 team,
		// 6 opportunities (3 with a contact customer) with 2 stakeholders each, 5 projects.
		await eventually('initial copy', () => {
			const s = syncSnapshot(sims);
			return s.marketoLeadsFromDynamics === 58 && s.marketoContactsFromDynamics >= 48 && s.companies === 10 && s.opportunities === 6 && s.customObjects === 5 && s.opportunityRoles >= 12;
		});
		const s = syncSnapshot(sims);
		expect(s.salesPersons).toBeGreaterThanOrEqual(4);
		const filteredLead = sims.dataverse.store.get('lead', seeded.leadIds[29]);
		expect(filteredLead?.new_synctomkto).toBe(false);
		expect(sims.marketo.store.findLeadIds('microsoftId', seeded.leadIds[29])).toEqual([]);
	});

	test('changes move both ways; a new Marketo person reaches Dynamics through Sync Person; a Dynamics delete flags the person', async () => {
		const leadId = seeded.leadIds[3];
		sims.dataverse.update('lead', leadId, { jobtitle: 'Chief Test Officer' });
		const contactId = seeded.contactIds[5];
		const [contactPersonId] = sims.marketo.store.findLeadIds('microsoftId', contactId);
		sims.marketo.uiUpdateLead(contactPersonId, { phone: '+31 70 123 4567' });
		const visitor = sims.marketo.uiCreateLead({ email: 'late.visitor@visitor.test', firstName: 'Late', lastName: 'Visitor' });
		const deletedContact = seeded.contactIds[8];
		const [deletedPersonId] = sims.marketo.store.findLeadIds('microsoftId', deletedContact);
		sims.dataverse.delete('contact', deletedContact);

		await eventually('Dynamics lead change in Marketo', () => {
			const [personId] = sims.marketo.store.findLeadIds('microsoftId', leadId);
			return sims.marketo.store.getLead(personId)?.title === 'Chief Test Officer';
		});
		await eventually('Marketo contact change in Dynamics', () => sims.dataverse.store.get('contact', contactId)?.telephone1 === '+31 70 123 4567');
		await eventually('new Marketo person as a Dynamics lead', () => sims.dataverse.store.all('lead').some((r: any) => r.emailaddress1 === 'late.visitor@visitor.test'));
		await eventually('Dynamics delete flags the Marketo person', () => sims.marketo.store.getLead(deletedPersonId)?.microsoftIsDeleted === true);
		expect(sims.marketo.store.getLead(visitor.id)?.microsoftType).toBe('Lead');
	});
});
