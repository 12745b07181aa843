import { DataverseSimulator } from '../../simulators/dataverse';
import { EntraSimulator } from '../../simulators/entra';
import { MarketoSimulator } from '../../simulators/marketo';
import { seedSample, syncSnapshot } from '../helpers/sampleData';
import { TENANT, type Simulators } from '../helpers/simulators';
import { templateFor } from '../helpers/template';
import { N8nInstance } from './n8nHost';

/** Recognisable secrets: if any of these shows up anywhere, it leaked. */
const DYN_SECRET = 'SECRET-dyn-client-7f3a';
const MKTO_SECRET = 'SECRET-mkto-client-9c1e';
const ROPC_PASSWORD = 'SECRET-ropc-password-4b2d';
const WRONG_SECRET = 'SECRET-wrong-value-0d9e';
const SECRETS = [DYN_SECRET, MKTO_SECRET, ROPC_PASSWORD, WRONG_SECRET];
const ROPC_USER = 'sync.user@contoso.test';

/** Waits until `check` holds (polled every 2 s). */
async function eventually(what: string, check: () => boolean | Promise<boolean>, state: () => unknown = () => '', timeoutMs = 240_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return;
		await new Promise((r) => setTimeout(r, 2000));
	}
	throw new Error(`timed out waiting for: ${what} (${JSON.stringify(state())})`);
}

/**
 * No secret leaks, in a real n8n 2.41.1 with the packed package (debug logging): the whole sync
 * template runs every node (triggers, upserts both ways, Sync Person, Resolve Conflict, Delete
 * Person, Sync Records), with records that fail onto error outputs, and both credential tests run
 * passing and failing. The credentials carry recognisable secret values; none of them, and no
 * access token, may appear in execution data, REST responses or n8n's log.
 */
jest.setTimeout(600_000);

describe('secrets never leak (real n8n)', () => {
	let sims: Simulators;
	let n8n: N8nInstance;
	const responses: string[] = [];
	/** Every saved execution's data (items, error outputs, errors), by execution id. */
	const executionData = new Map<string, string>();
	let dynamicsCredentials: Record<string, string>;
	let marketoCredentials: Record<string, string | number>;
	let seeded: ReturnType<typeof seedSample>;
	let workflowId = '';

	beforeAll(async () => {
		const entra = new EntraSimulator();
		const dataverse = new DataverseSimulator({ strictMetadata: true });
		const marketo = new MarketoSimulator({ clientId: 'mkto-client', clientSecret: MKTO_SECRET });
		await entra.start(0);
		await dataverse.start(0);
		await marketo.start(0);
		entra.addApp({ clientId: 'dyn-client', clientSecret: DYN_SECRET, tenantId: TENANT });
		entra.addUser({ username: ROPC_USER, password: ROPC_PASSWORD, tenantId: TENANT });
		dataverse.addInteractiveUser(ROPC_USER);
		dynamicsCredentials = { environmentUrl: dataverse.url, authentication: 'clientCredentials', tenantId: TENANT, clientId: 'dyn-client', clientSecret: DYN_SECRET, authorityHost: entra.url };
		marketoCredentials = { restBaseUrl: marketo.url, clientId: 'mkto-client', clientSecret: MKTO_SECRET, callsPer20Seconds: 100, concurrentCalls: 10 };
		sims = {
			entra,
			dataverse,
			marketo,
			dynamicsCredentials,
			marketoCredentials,
			stop: async () => {
				await Promise.all([entra.stop(), dataverse.stop(), marketo.stop()]);
			},
		};
		seeded = seedSample(sims, { leads: 20, contacts: 15, accounts: 5, opportunities: 3, users: 2, projects: 3, marketoOnly: 0 });
		// A record the sync must refuse, so error outputs and the failure lane run too: a non-ASCII
		// email Marketo rejects (a Marketo person too long for Dynamics follows later).
		dataverse.create('lead', { lastname: 'Jörg', emailaddress1: 'jörg@bad.test' });

		n8n = new N8nInstance('secrets');
		n8n.install(N8nInstance.packOnce());
		n8n.importCredentials([
			{ id: 'secretDynamicsCred', name: 'Dynamics 365', type: 'microsoftDynamicsApi', data: dynamicsCredentials },
			{ id: 'secretMarketoCred1', name: 'Marketo', type: 'marketoApi', data: marketoCredentials },
		]);
		const workflow = templateFor('secretDynamicsCred', 'secretMarketoCred1');
		// Keep every execution, successful ones too, so their data can be searched.
		workflow.settings = { ...workflow.settings, saveDataSuccessExecution: 'all', saveDataErrorExecution: 'all' };
		workflowId = workflow.id;
		n8n.importAndPublish(workflow);
		await n8n.start(undefined, { N8N_LOG_LEVEL: 'debug' });
		await n8n.setupOwner();
	}, 900_000);

	afterAll(async () => {
		await n8n?.stop();
		await sims?.stop();
		n8n?.cleanup();
	});

	const rest = async (method: string, route: string, body?: unknown) => {
		const res = await n8n.rest(method, route, body);
		responses.push(JSON.stringify(res.json));
		return res;
	};

	test('every node runs: the template syncs, and bad records reach the error outputs', async () => {
		const snapshot = () => syncSnapshot(sims);
		// The initial copy: Dynamics 365 Trigger, Resolve Conflict, Upsert (leads, contacts), Sync Records.
		await eventually('initial copy', () => {
			const s = snapshot();
			return s.companies === 5 && s.opportunities === 3 && s.marketoLeadsFromDynamics >= 20 && s.marketoContactsFromDynamics >= 15;
		}, snapshot);
		// Changes after the Marketo Trigger took its position: Sync Person, Delete Person, Marketo → Dynamics.
		const contactId = seeded.contactIds[2];
		const [contactPerson] = sims.marketo.store.findLeadIds('microsoftId', contactId);
		sims.dataverse.delete('contact', contactId);
		const [linkedPerson] = sims.marketo.store.findLeadIds('microsoftId', seeded.contactIds[4]);
		sims.marketo.uiUpdateLead(linkedPerson, { phone: '+31 70 555 0101' });
		sims.marketo.uiCreateLead({ email: 'late.visitor@visitor.test', firstName: 'Late', lastName: 'Visitor' });
		sims.marketo.uiCreateLead({ email: 'toolong@bad.test', lastName: 'L'.repeat(120) });
		const state = () => ({
			visitor: sims.dataverse.store.all('lead').some((r) => r.emailaddress1 === 'late.visitor@visitor.test'),
			flagged: sims.marketo.store.getLead(contactPerson)?.microsoftIsDeleted === true,
			phone: sims.dataverse.store.get('contact', seeded.contactIds[4])?.telephone1 === '+31 70 555 0101',
		});
		await eventually('changes both ways', () => Object.values(state()).every(Boolean), state);
		let executions: Array<{ id: string; status: string }> = [];
		let listed: unknown;
		await eventually('saved executions, a failed one among them', async () => {
			// Every page (at most 100 executions each), newest first.
			executions = [];
			let cursor: string | undefined;
			do {
				const res = await rest('GET', `/executions?limit=100&filter=${encodeURIComponent(JSON.stringify({ workflowId }))}${cursor ? `&cursor=${cursor}` : ''}`);
				listed = { status: res.status, body: JSON.stringify(res.json).slice(0, 300) };
				executions.push(...(res.json?.data?.results ?? []).filter((e: { status: string }) => e.status !== 'running' && e.status !== 'new'));
				cursor = res.json?.data?.nextCursor ?? undefined;
			} while (cursor);
			for (const e of executions) {
				if (!executionData.has(e.id)) executionData.set(e.id, JSON.stringify((await n8n.rest('GET', `/executions/${e.id}`)).json));
			}
			const all = [...executionData.values()].join('\n');
			// The refused records are on error outputs: Marketo's and Dynamics' rejections, field named.
			return all.includes('ASCII only') && all.includes('is too long (120 characters');
		}, () => ({ statuses: executions.map((e) => e.status), listed }));
		expect(executions.length).toBeGreaterThan(0);
	});

	test('both credential tests, passing and failing, answer without the secret', async () => {
		const ok = await n8n.testCredential('secretDynamicsCred', 'Dynamics 365', 'microsoftDynamicsApi', dynamicsCredentials);
		responses.push(JSON.stringify(ok));
		expect(ok.status).toBe('OK');
		const ropc = await n8n.testCredential('secretDynamicsCred', 'Dynamics 365', 'microsoftDynamicsApi', { ...dynamicsCredentials, authentication: 'ropc', username: ROPC_USER, password: ROPC_PASSWORD });
		responses.push(JSON.stringify(ropc));
		expect(ropc.status).toBe('OK');
		const wrongDynamics = await n8n.testCredential('secretDynamicsCred', 'Dynamics 365', 'microsoftDynamicsApi', { ...dynamicsCredentials, clientSecret: WRONG_SECRET });
		responses.push(JSON.stringify(wrongDynamics));
		expect(wrongDynamics.status).toBe('Error');
		const wrongPassword = await n8n.testCredential('secretDynamicsCred', 'Dynamics 365', 'microsoftDynamicsApi', { ...dynamicsCredentials, authentication: 'ropc', username: ROPC_USER, password: WRONG_SECRET });
		responses.push(JSON.stringify(wrongPassword));
		expect(wrongPassword.status).toBe('Error');
		const mkto = await n8n.testCredential('secretMarketoCred1', 'Marketo', 'marketoApi', marketoCredentials);
		responses.push(JSON.stringify(mkto));
		expect(mkto.status).toBe('OK');
		const wrongMarketo = await n8n.testCredential('secretMarketoCred1', 'Marketo', 'marketoApi', { ...marketoCredentials, clientSecret: WRONG_SECRET });
		responses.push(JSON.stringify(wrongMarketo));
		expect(wrongMarketo.status).toBe('Error');
	});

	test('URLs other than https (loopback excepted) are refused with a clear message, before any secret is sent', async () => {
		const before = sims.entra.stats().calls;
		const dynamics = await n8n.testCredential('secretDynamicsCred', 'Dynamics 365', 'microsoftDynamicsApi', { ...dynamicsCredentials, environmentUrl: 'http://contoso.crm.dynamics.com' });
		const authority = await n8n.testCredential('secretDynamicsCred', 'Dynamics 365', 'microsoftDynamicsApi', { ...dynamicsCredentials, authorityHost: 'http://login.example.com' });
		const marketo = await n8n.testCredential('secretMarketoCred1', 'Marketo', 'marketoApi', { ...marketoCredentials, restBaseUrl: 'http://123-abc-456.mktorest.com' });
		const ftp = await n8n.testCredential('secretMarketoCred1', 'Marketo', 'marketoApi', { ...marketoCredentials, restBaseUrl: 'ftp://123-abc-456.mktorest.com' });
		responses.push(JSON.stringify([dynamics, authority, marketo, ftp]));
		expect(dynamics).toMatchObject({ status: 'Error', message: expect.stringMatching(/Environment URL must use https/) });
		expect(authority).toMatchObject({ status: 'Error', message: expect.stringMatching(/Authority host must use https/) });
		expect(marketo).toMatchObject({ status: 'Error', message: expect.stringMatching(/REST Base URL must use https/) });
		expect(ftp).toMatchObject({ status: 'Error', message: expect.stringMatching(/REST Base URL must use https/) });
		// Nothing went to the sign-in service for the refused URLs.
		expect(sims.entra.stats().calls).toBe(before);
	});

	test('no secret and no access token in execution data, REST responses or the n8n log', async () => {
		const log = n8n.log;
		expect(log).toMatch(/debug/i); // the log really is at debug level
		const places: Array<[string, string]> = [
			['REST responses', responses.join('\n')],
			['execution data', [...executionData.values()].join('\n')],
			['n8n log', log],
		];
		const leaks: string[] = [];
		for (const [where, text] of places) {
			for (const secret of SECRETS) if (text.includes(secret)) leaks.push(`${secret.slice(0, 24)} in ${where}`);
			// Entra access tokens are JWTs naming the app (appid) and tenant (tid); n8n's own session JWTs do not.
			for (const jwt of text.match(/eyJ[A-Za-z0-9_-]{8,}\.(eyJ[A-Za-z0-9_-]{8,})/g) ?? []) {
				const payload = Buffer.from(jwt.split('.')[1], 'base64url').toString('utf8');
				if (payload.includes('"tid"') || payload.includes('"appid"')) leaks.push(`a Microsoft access token in ${where}`);
			}
			const bearer = /Bearer\s+[A-Za-z0-9._-]{12,}/.exec(text);
			if (bearer) leaks.push(`"${bearer[0].slice(0, 20)}..." in ${where}`);
			const token = /"access_token"\s*:\s*"[^"]{8,}/.exec(text);
			if (token) leaks.push(`an access_token in ${where}`);
		}
		expect(leaks).toEqual([]);
		expect(responses.length).toBeGreaterThan(5);
		expect(executionData.size).toBeGreaterThan(0);
	});
});
