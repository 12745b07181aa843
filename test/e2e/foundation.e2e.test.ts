import { N8nInstance } from './n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';

const PACKAGE = 'n8n-nodes-marketo-dynamics-sync';
const NODE_NAMES = ['dynamicsTrigger', 'marketoTrigger', 'upsertPerson', 'syncPerson', 'resolveConflict', 'deletePerson', 'syncRecords'];

/**
 * The packed package in a real n8n 2.41.1: installed like a community package, its nodes known
 * under the package name, both credential tests passing against the simulators, one node run.
 */
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
		expect(ours.sort()).toEqual(NODE_NAMES.map((n) => `${PACKAGE}.${n}`).sort());
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
