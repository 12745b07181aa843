import { N8nInstance } from './n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';

const PACKAGE = 'n8n-nodes-marketo-dynamics-sync';
const accountsWorkflow = {
	id: 'e2eAccountsPoll01',
	name: 'E2E: Dynamics accounts',
	nodes: [
		{
			id: '6f0f3b8e-0000-4000-8000-000000000001',
			name: 'Dynamics 365 Trigger',
			type: `n8n-nodes-marketo-dynamics-sync.dynamicsTrigger`,
			typeVersion: 1,
			position: [0, 0],
			parameters: { table: 'account', fields: ['name', 'modifiedon'] },
			credentials: { microsoftDynamicsApi: { id: 'dyncred0000000001', name: 'Dynamics (simulator)' } },
		},
	],
	connections: {},
	settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all' },
	active: false,
};

const NODE_NAMES = ['dynamicsTrigger', 'marketoTrigger', 'upsertPerson', 'syncPerson', 'resolveConflict', 'deletePerson', 'syncRecords', 'syncStatus'];
// Triggers and the status page's webhook take no input, so n8n offers no AI-agent tool of them.
const WITHOUT_TOOL = new Set(['dynamicsTrigger', 'marketoTrigger', 'syncStatus']);

/**
 * The packed package in a real n8n 2.41.1: installed like a community package, its nodes known
 * under the package name, both credential tests passing against the simulators, one node run.
 */
jest.setTimeout(600_000);

describe('real n8n 2.41.1 with the packed package', () => {
	let sims: Simulators;
	let n8n: N8nInstance;

	beforeAll(async () => {
		sims = await startSimulators();
		n8n = new N8nInstance('foundation');
		n8n.install(N8nInstance.packOnce());
		n8n.importCredentials([
			{ id: 'dyncred0000000001', name: 'Dynamics (simulator)', type: 'microsoftDynamicsApi', data: sims.dynamicsCredentials },
			{ id: 'mktcred0000000001', name: 'Marketo (simulator)', type: 'marketoApi', data: sims.marketoCredentials },
		]);
		// A published workflow whose Dynamics 365 Trigger polls accounts: n8n polls once at activation.
		for (let i = 0; i < 25; i++) sims.dataverse.create('account', { name: `E2E account ${i}` });
		n8n.importAndPublish(accountsWorkflow);
		await n8n.start();
		await n8n.setupOwner();
	}, 900_000);

	afterAll(async () => {
		await n8n?.stop();
		await sims?.stop();
		n8n?.cleanup();
	});

	test('n8n knows every node of the package as <package>.<name>', async () => {
		const types = (await n8n.get('/types/nodes.json')) as Array<{ name: string }>;
		const ours = types.map((t) => t.name).filter((name) => name.startsWith(`${PACKAGE}.`));
		// Action nodes (usableAsTool) also appear as AI-agent tools, "<name>Tool".
		const expected = NODE_NAMES.flatMap((n) => (WITHOUT_TOOL.has(n) ? [n] : [n, `${n}Tool`]));
		expect(ours.sort()).toEqual(expected.map((n) => `${PACKAGE}.${n}`).sort());
	});

	test('the published Dynamics 365 Trigger runs in n8n and emits the initial copy', async () => {
		let executions: Array<{ id: string; status: string }> = [];
		for (let attempt = 0; attempt < 60 && executions.length === 0; attempt++) {
			const res = await n8n.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: accountsWorkflow.id }))}`);
			executions = (res.json?.data?.results ?? []).filter((e: { status: string }) => e.status !== 'running' && e.status !== 'new');
			if (executions.length === 0) await new Promise((r) => setTimeout(r, 1000));
		}
		expect(executions.map((e) => e.status)).toContain('success');
		const run = await n8n.rest('GET', `/executions/${executions[0].id}`);
		// The execution data holds the 25 accounts the trigger read from the simulator.
		const data = String(run.json?.data?.data ?? '');
		for (const name of ['E2E account 0', 'E2E account 24']) expect(data).toContain(name);
		expect(sims.dataverse.stats().byUser[sims.dataverse.syncUserId]).toBeGreaterThan(0);
	});

	test('the Dynamics credential test passes (MSAL token from the Entra simulator, WhoAmI)', async () => {
		const result = await n8n.testCredential('dyncred0000000001', 'Dynamics (simulator)', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		expect(result).toMatchObject({ status: 'OK' });
		expect(sims.entra.tokensIssued()).toBeGreaterThan(0);
	});

	test('the Marketo credential test passes (identity token, one REST call)', async () => {
		const result = await n8n.testCredential('mktcred0000000001', 'Marketo (simulator)', 'marketoApi', sims.marketoCredentials);
		expect(result).toMatchObject({ status: 'OK' });
	});

	test('a wrong Dynamics client secret fails with an explanation, without echoing the secret', async () => {
		const data = { ...sims.dynamicsCredentials, clientSecret: 'wrong-secret-e2e-7781' };
		const result = await n8n.testCredential('dyncred0000000001', 'Dynamics (simulator)', 'microsoftDynamicsApi', data);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/client secret is wrong/i);
		expect(JSON.stringify(result)).not.toContain('wrong-secret-e2e-7781');
	});

	test('a wrong Marketo secret fails with an explanation', async () => {
		const data = { ...sims.marketoCredentials, clientSecret: 'wrong-mkto-secret-e2e' };
		const result = await n8n.testCredential('mktcred0000000001', 'Marketo (simulator)', 'marketoApi', data);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/client ID or secret/i);
		expect(JSON.stringify(result)).not.toContain('wrong-mkto-secret-e2e');
	});

	test('a plain-http non-loopback environment URL is refused with a clear message', async () => {
		const data = { ...sims.dynamicsCredentials, environmentUrl: 'http://contoso.crm.dynamics.com' };
		const result = await n8n.testCredential('dyncred0000000001', 'Dynamics (simulator)', 'microsoftDynamicsApi', data);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/must use https/);
	});
});
