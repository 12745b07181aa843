import * as net from 'node:net';

import { TestEngine } from '../harness/engine';
import { startSimulators, TENANT, type Simulators } from '../helpers/simulators';
import { clearTokenCache } from '../../nodes/transport/entraToken';

/**
 * Credential tests as n8n's credentials tester runs them (RoutingNode on a temporary node, the
 * credential's preAuthentication, then its test request and rules), against the simulators.
 */
describe('credential tests', () => {
	let sims: Simulators;
	let engine: TestEngine;

	beforeAll(async () => {
		sims = await startSimulators();
		sims.entra.addUser({ username: 'sync@contoso.test', password: 'Pa55word!', tenantId: TENANT });
		sims.entra.addUser({ username: 'mfa@contoso.test', password: 'Pa55word!', tenantId: TENANT, mfaRequired: true });
		sims.dataverse.addInteractiveUser('sync@contoso.test');
		sims.entra.addApp({ clientId: 'orphan-app', clientSecret: 'orphan-secret', tenantId: TENANT });
		sims.entra.addApp({ clientId: 'public-app', tenantId: TENANT, publicClient: true });
	});

	afterAll(async () => {
		await sims.stop();
	});

	beforeEach(() => {
		clearTokenCache();
		engine = new TestEngine({});
	});

	const dynamics = (overrides: Record<string, string> = {}) => ({ ...sims.dynamicsCredentials, ...overrides });

	test('client credentials: OK', async () => {
		expect(await engine.testCredential('microsoftDynamicsApi', dynamics())).toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	test('wrong client secret: says so, without the secret', async () => {
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ clientSecret: 'WrongSecret-9911' }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/client secret is wrong or expired .*AADSTS7000215/);
		expect(result.message).not.toContain('WrongSecret-9911');
	});

	test('unknown tenant and unknown client ID are named', async () => {
		expect((await engine.testCredential('microsoftDynamicsApi', dynamics({ tenantId: 'no-such-tenant' }))).message).toMatch(/tenant was not found/);
		expect((await engine.testCredential('microsoftDynamicsApi', dynamics({ clientId: 'no-such-app' }))).message).toMatch(/no application with this client ID/);
	});

	test('an app without an application user in the environment: explains what to create', async () => {
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ clientId: 'orphan-app', clientSecret: 'orphan-secret' }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/create an application user/);
	});

	test('a token for another environment URL: points at the environment URL', async () => {
		const otherHost = sims.dataverse.url.replace('127.0.0.1', 'localhost');
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ environmentUrl: otherHost }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/Environment URL/);
	});

	test('ROPC with a confidential app: OK (WhoAmI answers the interactive user)', async () => {
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ authentication: 'ropc', username: 'sync@contoso.test', password: 'Pa55word!' }));
		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	test('ROPC with a public client (no secret): OK', async () => {
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ authentication: 'ropc', clientId: 'public-app', clientSecret: '', username: 'sync@contoso.test', password: 'Pa55word!' }));
		expect(result).toEqual({ status: 'OK', message: 'Connection successful!' });
	});

	test('ROPC with a user who needs MFA: says MFA is the problem', async () => {
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ authentication: 'ropc', username: 'mfa@contoso.test', password: 'Pa55word!' }));
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/multi-factor authentication/);
	});

	test('ROPC with a wrong password: says so, without the password', async () => {
		const result = await engine.testCredential('microsoftDynamicsApi', dynamics({ authentication: 'ropc', username: 'sync@contoso.test', password: 'Nope-4455' }));
		expect(result.message).toMatch(/username or password is wrong/);
		expect(result.message).not.toContain('Nope-4455');
	});

	test('plain http outside loopback is refused for both URLs', async () => {
		expect((await engine.testCredential('microsoftDynamicsApi', dynamics({ environmentUrl: 'http://contoso.crm.dynamics.com' }))).message).toMatch(
			/Environment URL must use https/,
		);
		expect((await engine.testCredential('microsoftDynamicsApi', dynamics({ authorityHost: 'http://login.example.com' }))).message).toMatch(
			/Authority host must use https/,
		);
		expect((await engine.testCredential('marketoApi', { ...sims.marketoCredentials, restBaseUrl: 'http://123-abc-456.mktorest.com' })).message).toMatch(
			/REST Base URL must use https/,
		);
	});

	test('Marketo: OK, and a wrong secret is explained without the secret', async () => {
		expect(await engine.testCredential('marketoApi', sims.marketoCredentials)).toEqual({ status: 'OK', message: 'Connection successful!' });
		const result = await engine.testCredential('marketoApi', { ...sims.marketoCredentials, clientSecret: 'BadMkto-1234' });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/refused the client ID or secret/);
		expect(result.message).not.toContain('BadMkto-1234');
	});

	/** A loopback port nothing listens on (connections to it are refused). */
	async function closedPort(): Promise<number> {
		return await new Promise((resolve) => {
			const server = net.createServer().listen(0, '127.0.0.1', () => {
				const { port } = server.address() as net.AddressInfo;
				server.close(() => resolve(port));
			});
		});
	}

	test('a wrong Marketo REST Base URL: the message names the URL and the HTTP status, never [object Object]', async () => {
		// Another server (here the Dataverse simulator) answers the identity call with its own JSON error.
		const result = await engine.testCredential('marketoApi', { ...sims.marketoCredentials, restBaseUrl: sims.dataverse.url });
		expect(result.status).toBe('Error');
		expect(result.message).toContain(`${sims.dataverse.url}/identity/oauth/token`);
		expect(result.message).toMatch(/HTTP 404/);
		expect(result.message).not.toContain('[object Object]');
	});

	test('an unreachable Marketo host: says it cannot be reached, and where', async () => {
		const url = `http://127.0.0.1:${await closedPort()}`;
		const result = await engine.testCredential('marketoApi', { ...sims.marketoCredentials, restBaseUrl: url });
		expect(result.status).toBe('Error');
		expect(result.message).toContain(`Cannot reach Marketo's identity service at ${url}/identity`);
		expect(result.message).toMatch(/connection was refused/);
	});

	test('an unreachable Dynamics environment URL: says it cannot be reached and which host', async () => {
		const port = await closedPort();
		const refused = await engine.testCredential('microsoftDynamicsApi', dynamics({ environmentUrl: `http://127.0.0.1:${port}` }));
		expect(refused).toEqual({
			status: 'Error',
			message: expect.stringMatching(new RegExp(`^Cannot reach the Dynamics 365 environment at 127\\.0\\.0\\.1:${port}: the connection was refused\\. Check the Environment URL`)),
		});
		// ".invalid" never resolves (RFC 2606).
		const unknownHost = await engine.testCredential('microsoftDynamicsApi', dynamics({ environmentUrl: 'https://no-such-org.crm.invalid' }));
		expect(unknownHost.message).toMatch(/^Cannot reach the Dynamics 365 environment at no-such-org\.crm\.invalid: its host name does not resolve/);
	});
});
