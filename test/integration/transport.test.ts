import { TestEngine, type NodeSpec } from '../harness/engine';
import { TransportProbe } from '../harness/probeNode';
import { startSimulators, type Simulators } from '../helpers/simulators';
import { clearTokenCache } from '../../nodes/transport/entraToken';
import { REQUEST_TIMEOUT_ENV } from '../../nodes/transport/retry';

/**
 * The shared transport inside n8n's real engine (WorkflowExecute + n8n's request helpers) against
 * the simulators over loopback sockets: auth, refresh, limits and retries.
 */
describe('transport in the real engine', () => {
	let sims: Simulators;
	let engine: TestEngine;

	const probe = (call: string, arg: object = {}): NodeSpec => ({
		name: 'Probe',
		type: 'transportProbe',
		parameters: { call, arg: JSON.stringify(arg) },
		credentials: { microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' }, marketoApi: { id: 'mkto', name: 'Marketo' } },
	});

	async function runProbe(call: string, arg: object = {}) {
		const result = await engine.run([probe(call, arg)]);
		if (result.error) throw result.error;
		return result.output('Probe')[0].json as Record<string, any>;
	}

	beforeAll(async () => {
		sims = await startSimulators();
	});

	afterAll(async () => {
		await sims.stop();
	});

	beforeEach(() => {
		clearTokenCache();
		engine = new TestEngine({ transportProbe: new TransportProbe() });
		engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
		sims.dataverse.server.faults.clear();
		sims.marketo.server.faults.clear();
	});

	test('Dataverse: MSAL token through n8n helpers, WhoAmI answers the application user', async () => {
		const out = await runProbe('whoAmI');
		expect(out.userId).toBe(sims.dataverse.syncUserId);
		expect(engine.credentials.preAuthCalls.microsoftDynamicsApi).toBe(1);
		// The token was stored on the credential, as n8n persists it.
		expect(String(engine.credentials.store.get('dyn')?.data.accessToken ?? '')).not.toBe('');
	});

	test('Dataverse: the stored token and the MSAL cache are reused across executions', async () => {
		const before = sims.entra.tokensIssued();
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		expect(sims.entra.tokensIssued() - before).toBe(1);
	});

	test('Dataverse: a 401 gets exactly one token refresh, then the call succeeds', async () => {
		await runProbe('whoAmI');
		sims.dataverse.server.faults.add({ pathIncludes: '/WhoAmI', responseCount: 1, response: { status: 401, body: { error: { code: '0x80072560', message: 'Bad token' } } } });
		const out = await runProbe('dataverseGet', { path: 'WhoAmI' });
		expect(out.status).toBe(200);
		expect(engine.credentials.preAuthCalls.microsoftDynamicsApi).toBe(2);
	});

	test('Dataverse: 429 with Retry-After is honoured and the call then succeeds', async () => {
		await runProbe('whoAmI');
		const injectedBefore = sims.dataverse.server.faults.injected.response;
		sims.dataverse.server.faults.add({
			pathIncludes: '/WhoAmI',
			responseCount: 2,
			response: {
				status: 429,
				headers: { 'retry-after': '1' },
				body: { error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } },
			},
		});
		const started = Date.now();
		const out = await runProbe('dataverseGet', { path: 'WhoAmI' });
		expect(out.status).toBe(200);
		// Two answers said "Retry-After: 1": the transport waited both out before succeeding.
		expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
		expect(sims.dataverse.server.faults.injected.response - injectedBefore).toBe(2);
	});

	test('Dataverse: 503 and a connection reset are retried', async () => {
		await runProbe('whoAmI');
		sims.dataverse.server.faults.add({ pathIncludes: '/WhoAmI', responseCount: 1, response: { status: 503, body: { error: { code: '', message: 'Service Unavailable' } } } });
		sims.dataverse.server.faults.add({ pathIncludes: '/WhoAmI', resetCount: 1 });
		const out = await runProbe('dataverseGet', { path: 'WhoAmI' });
		expect(out.status).toBe(200);
		expect(sims.dataverse.server.faults.injected.reset).toBeGreaterThanOrEqual(1);
	});

	/** Runs `fn` with the request timeout lowered to `ms` (as the fault suite sets it for n8n). */
	async function withRequestTimeout<T>(ms: number, fn: () => Promise<T>): Promise<T> {
		const before = process.env[REQUEST_TIMEOUT_ENV];
		process.env[REQUEST_TIMEOUT_ENV] = String(ms);
		try {
			return await fn();
		} finally {
			if (before === undefined) delete process.env[REQUEST_TIMEOUT_ENV];
			else process.env[REQUEST_TIMEOUT_ENV] = before;
		}
	}

	/** Waits until the held answers are due, so the simulator can tell whether the client had left. */
	async function heldAnswersDue(faults: { injected: { held: number; heldPastClient: number } }, held: number): Promise<void> {
		const deadline = Date.now() + 10_000;
		while (faults.injected.heldPastClient < held && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
	}

	test('Dataverse: a create whose answer comes after the request timeout is retried and exists once', async () => {
		await runProbe('whoAmI');
		const faults = sims.dataverse.server.faults;
		const before = { ...faults.injected };
		const patches = () => sims.dataverse.stats().byRoute['PATCH /leads(:id)'] ?? 0;
		const patchesBefore = patches();
		// The simulator writes the lead at once but answers 4 s later; the client gives up after 1.5 s.
		faults.add({ pathIncludes: '/leads(', method: 'PATCH', holdCount: 1, holdMs: 4000 });
		const id = '6f1c2d3e-4a5b-4c6d-8e7f-000000000a01';
		const out = await withRequestTimeout(1500, async () => await runProbe('dataverseCreate', { entitySet: 'leads', id, body: { lastname: 'Held Answer', emailaddress1: 'held.answer@example.test' } }));
		expect(out.id).toBe(id);
		await heldAnswersDue(faults, before.heldPastClient + 1);
		expect(faults.injected.held - before.held).toBe(1);
		// The client had left when the answer was due: the timeout fired, and the create was repeated.
		expect(faults.injected.heldPastClient - before.heldPastClient).toBe(1);
		expect(patches() - patchesBefore).toBe(2);
		expect(sims.dataverse.store.all('lead').filter((r: any) => r.emailaddress1 === 'held.answer@example.test')).toHaveLength(1);
	}, 30_000);

	test('Dataverse: an error answer becomes a node error with Dataverse code and message', async () => {
		const result = await engine.run([probe('dataverseGet', { path: 'leads(00000000-0000-4000-8000-000000000001)' })]);
		expect(result.error?.message).toMatch(/^Dataverse: .*Does Not Exist/);
		expect((result.error as any).description).toMatch(/HTTP 404, error code 0x80040217/);
	});

	test('Dataverse: paging follows nextLink until all rows are read', async () => {
		sims.dataverse.seedRows('account', 120, (i) => ({ name: `Paged account ${i}` }));
		const out = await runProbe('dataverseAll', { entitySet: 'accounts', select: ['name'], pageSize: 50 });
		expect(out.rows.filter((r: any) => String(r.name).startsWith('Paged account')).length).toBe(120);
	});

	test('Marketo: token fetched once, reused, refreshed on 602 (HTTP 200 envelope)', async () => {
		await runProbe('marketoGet', { path: '/v1/leads/describe.json' });
		expect(engine.credentials.preAuthCalls.marketoApi).toBe(1);
		await runProbe('marketoGet', { path: '/v1/leads/describe.json' });
		expect(engine.credentials.preAuthCalls.marketoApi).toBe(1);
		sims.marketo.expireTokens();
		const out = await runProbe('marketoGet', { path: '/v1/leads/describe.json' });
		expect(out.success).toBe(true);
		expect(engine.credentials.preAuthCalls.marketoApi).toBe(2);
	});

	test('Marketo: 606 backs off and succeeds; 604 is retried', async () => {
		const injectedBefore = sims.marketo.server.faults.injected.response;
		sims.marketo.server.faults.add({
			pathIncludes: '/rest/v1/leads/describe.json',
			responseCount: 1,
			response: { status: 200, body: { requestId: 'x', success: false, errors: [{ code: '606', message: "Max rate limit '100' exceeded with in '20' secs" }] } },
		});
		sims.marketo.server.faults.add({
			pathIncludes: '/rest/v1/leads/describe.json',
			responseCount: 1,
			response: { status: 200, body: { requestId: 'y', success: false, errors: [{ code: '604', message: 'Request timed out' }] } },
		});
		const out = await runProbe('marketoGet', { path: '/v1/leads/describe.json' });
		expect(out.success).toBe(true);
		expect(sims.marketo.server.faults.injected.response - injectedBefore).toBe(2);
	}, 30_000);

	test('Marketo: a person write whose answer comes after the request timeout is retried and lands once', async () => {
		const faults = sims.marketo.server.faults;
		const before = { ...faults.injected };
		const posts = () => sims.marketo.stats().byRoute['POST /rest/v1/leads.json'] ?? 0;
		const postsBefore = posts();
		faults.add({ pathIncludes: '/rest/v1/leads.json', method: 'POST', holdCount: 1, holdMs: 4000 });
		const out = await withRequestTimeout(1500, async () => await runProbe('marketoSync', { records: [{ email: 'held.person@example.test', lastName: 'Held' }] }));
		// The first call created the person; its repeat found it by email and updated it.
		expect(out.results).toEqual([{ status: 'updated', id: expect.any(Number) }]);
		await heldAnswersDue(faults, before.heldPastClient + 1);
		expect(faults.injected.held - before.held).toBe(1);
		expect(faults.injected.heldPastClient - before.heldPastClient).toBe(1);
		expect(posts() - postsBefore).toBe(2);
		expect(sims.marketo.store.findLeadsByEmail('held.person@example.test')).toHaveLength(1);
	}, 30_000);

	test('Marketo: 607 stops with a clear quota error', async () => {
		sims.marketo.server.faults.add({
			pathIncludes: '/rest/v1/leads/describe.json',
			responseCount: 1,
			response: { status: 200, body: { requestId: 'z', success: false, errors: [{ code: '607', message: 'Daily quota reached' }] } },
		});
		const result = await engine.run([probe('marketoGet', { path: '/v1/leads/describe.json' })]);
		expect(result.error?.message).toBe('Marketo: Daily quota reached (607)');
	});

	test('Marketo: 650 records are written in 3 calls with per-record results in order', async () => {
		const before = sims.marketo.stats().byRoute['POST /rest/v1/leads.json'] ?? 0;
		const records = Array.from({ length: 650 }, (_, i) => ({ email: `batch${i}@example.test`, lastName: `Batch ${i}` }));
		records[5] = { email: 'not-an-émail@example.test', lastName: 'Bad' };
		const out = await runProbe('marketoSync', { records });
		expect(out.results).toHaveLength(650);
		expect(out.results[5].status).toBe('skipped');
		expect(out.results.filter((r: any) => r.status === 'created')).toHaveLength(649);
		expect((sims.marketo.stats().byRoute['POST /rest/v1/leads.json'] ?? 0) - before).toBe(3);
	});

	test('Marketo: a lookup longer than 8 KB of URI goes as POST _method=GET', async () => {
		// The simulator answers a GET over 8 KB with 414; one call in total means the transport sent
		// the query as a POST _method=GET body straight away (counted as GET by the simulator).
		await runProbe('marketoSync', { records: Array.from({ length: 150 }, (_, i) => ({ email: `lookup${i}@example.test`, lastName: `Lookup ${i}` })) });
		const before = sims.marketo.stats().byRoute['GET /rest/v1/leads.json'] ?? 0;
		const padded = Array.from({ length: 300 }, (_, i) => (i < 150 ? `lookup${i}@example.test` : `someone-with-a-rather-long-mailbox-name-${i}@subdomain.example.test`));
		expect(Buffer.byteLength(padded.join(','))).toBeGreaterThan(8000);
		const fields = ['email', 'firstName', 'lastName', 'microsoftId', 'microsoftType', 'phone', 'company'];
		const out = await runProbe('marketoLeadsBy', { filterType: 'email', values: padded, fields });
		expect(out.leads.length).toBe(150);
		expect((sims.marketo.stats().byRoute['GET /rest/v1/leads.json'] ?? 0) - before).toBe(1);
	});
});
