/**
 * Access tokens that die before the sync expects it (revoked, expired mid-run, rejected inside a
 * $batch, rejected under several calls at once), in n8n's real engine against the simulators: each
 * rejection leads to one refresh that really brings a new token, and a retry; no call fails.
 */
import type { IDataObject } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { MarketoTrigger } from '../../nodes/MarketoTrigger/MarketoTrigger.node';
import { clearRejectedTokens } from '../../nodes/transport/accessToken';
import { dataverseRequest } from '../../nodes/transport/dataverse';
import { clearMetadataCache, executeBatch } from '../../nodes/transport/dataverseApi';
import { clearTokenCache } from '../../nodes/transport/entraToken';
import { marketoRequest } from '../../nodes/transport/marketo';
import { getLeadsBy } from '../../nodes/transport/marketoApi';
import type { SimResponse } from '../../simulators/common/http';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { probeNodeType } from '../harness/probeNode';
import { startSimulators, TENANT, type Simulators } from '../helpers/simulators';

/** Test-only node: the transport calls each case needs, from a real execution context. */
const tokenProbe = probeNodeType('tokenProbe', {
	dataverseGet: async (ctx, arg) => ({ statuses: [(await dataverseRequest(ctx, { method: 'GET', path: String(arg.path) })).statusCode] }),
	// Several calls of one execution in flight at once, all carrying the same token.
	dataverseParallel: async (ctx, arg) => {
		const responses = await Promise.all((arg.paths as string[]).map(async (path) => await dataverseRequest(ctx, { method: 'GET', path })));
		return { statuses: responses.map((r) => r.statusCode) };
	},
	dataverseBatch: async (ctx, arg) => {
		const results = await executeBatch(ctx, (arg.leads as IDataObject[]).map((body) => ({ method: 'POST' as const, path: 'leads', body })));
		return { statuses: results.map((r) => r.status) };
	},
	marketoParallel: async (ctx, arg) => {
		const envelopes = await Promise.all(Array.from({ length: Number(arg.count) }, async () => await marketoRequest(ctx, { method: 'GET', path: '/v1/leads/describe.json' })));
		return { successes: envelopes.map((e) => e.success) };
	},
	marketoLeadsBy: async (ctx, arg) => ({ leads: await getLeadsBy(ctx, String(arg.filterType), arg.values as string[], arg.fields as string[]) }),
});

const DYN = { microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };
const MKTO = { marketoApi: { id: 'mkto', name: 'Marketo' } };
const ROPC_USER = { username: 'sync.user@contoso.test', password: 'Sync-User-Password-1' };

let sims: Simulators;
let engine: TestEngine;

function probe(call: string, arg: object, credentials: NodeSpec['credentials'] = { ...DYN, ...MKTO }): NodeSpec {
	return { name: 'Probe', type: 'tokenProbe', parameters: { call, arg: JSON.stringify(arg) }, credentials };
}

async function runProbe(call: string, arg: object = {}, credentials?: NodeSpec['credentials']): Promise<IDataObject> {
	const result = await engine.run([probe(call, arg, credentials)]);
	if (result.error) throw result.error;
	return result.output('Probe')[0].json;
}

const storedToken = (id: string) => String(engine.credentials.store.get(id)?.data.accessToken ?? '');
const dataverse401s = () => sims.dataverse.stats().errors['401'] ?? 0;
const marketoError = (code: string, message: string): SimResponse => ({ status: 200, body: { requestId: `t#${code}`, success: false, errors: [{ code, message }] } });

beforeAll(async () => {
	sims = await startSimulators();
	sims.entra.addUser({ ...ROPC_USER, tenantId: TENANT });
	sims.dataverse.addInteractiveUser(ROPC_USER.username, { firstname: 'Sync', lastname: 'User' });
});

afterAll(async () => {
	await sims.stop();
});

beforeEach(() => {
	clearTokenCache();
	clearRejectedTokens();
	clearMetadataCache();
	engine = new TestEngine({ tokenProbe, dynamicsTrigger: new DynamicsTrigger(), marketoTrigger: new MarketoTrigger() });
	engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
	engine.credentials.set('dyn-ropc', 'microsoftDynamicsApi', { ...sims.dynamicsCredentials, authentication: 'ropc', ...ROPC_USER });
	engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
	sims.dataverse.server.faults.clear();
	sims.marketo.server.faults.clear();
	sims.entra.server.faults.clear();
	sims.marketo.store.activityScanLimit = 1000;
});

describe('Dataverse 401: one refresh past MSAL\'s cache, then a retry', () => {
	test('first call of an execution: the stored token was revoked before its expiry (client credentials)', async () => {
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		const revoked = storedToken('dyn');
		sims.dataverse.revokeTokens();
		const issued = sims.entra.tokensIssued();
		const rejected = dataverse401s();

		const out = await runProbe('dataverseGet', { path: 'WhoAmI' });

		expect(out.statuses).toEqual([200]);
		expect(dataverse401s() - rejected).toBe(1);
		// MSAL still held the revoked token in its cache: a new one came from Entra.
		expect(sims.entra.tokensIssued() - issued).toBe(1);
		expect(storedToken('dyn')).not.toBe(revoked);
		expect(storedToken('dyn')).not.toBe('');
	});

	test('first call of an execution: the stored token was revoked before its expiry (ROPC)', async () => {
		const ropc = { microsoftDynamicsApi: { id: 'dyn-ropc', name: 'Dynamics ROPC' } };
		await runProbe('dataverseGet', { path: 'WhoAmI' }, ropc);
		const revoked = storedToken('dyn-ropc');
		sims.dataverse.revokeTokens();
		const grants = { ...sims.entra.stats().byGrant };

		const out = await runProbe('dataverseGet', { path: 'WhoAmI' }, ropc);

		expect(out.statuses).toEqual([200]);
		expect(storedToken('dyn-ropc')).not.toBe(revoked);
		// The refresh token bought the new access token (no second password sign-in).
		expect((sims.entra.stats().byGrant.refresh_token ?? 0) - (grants.refresh_token ?? 0)).toBe(1);
		expect(sims.entra.stats().byGrant.password ?? 0).toBe(grants.password ?? 0);
	});

	test('mid-paging in the Dynamics Trigger\'s initial copy: the token is revoked before page 2', async () => {
		sims.dataverse.seedRows('lead', 12, (i) => ({ firstname: 'Paged', lastname: `Lead ${i}`, emailaddress1: `paged${i}@tokens.test` }));
		const wanted = sims.dataverse.store.all('lead').filter((r) => String(r.emailaddress1).endsWith('@tokens.test')).map((r) => String(r.leadid));
		const trigger = engine.poller({ name: 'Dynamics', type: 'dynamicsTrigger', parameters: { table: 'lead', options: { pageSize: 5 } }, credentials: DYN });
		// Page 2 is the first request following an @odata.nextLink ($skiptoken).
		sims.dataverse.server.faults.add({ pathIncludes: 'skiptoken=', revokeTokensCount: 1 });
		const issued = sims.entra.tokensIssued();

		const seen: string[] = [];
		for (let polls = 0; polls < 10 && (trigger.state.cursor as IDataObject | undefined)?.phase !== 'changes'; polls++) {
			for (const item of (await trigger.poll()) ?? []) seen.push(String(item.json.id));
		}

		expect(sims.dataverse.server.faults.injected.revoked).toBeGreaterThanOrEqual(1);
		expect((trigger.state.cursor as IDataObject).phase).toBe('changes');
		const copied = seen.filter((id) => wanted.includes(id));
		expect(copied.sort()).toEqual([...wanted].sort());
		expect(new Set(copied).size).toBe(copied.length);
		// The first token, then exactly one after the revocation.
		expect(sims.entra.tokensIssued() - issued).toBe(2);
	});

	test('inside a $batch: the batch request answers 401, is sent again with a new token, each create lands once', async () => {
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		sims.dataverse.server.faults.add({ pathIncludes: '$batch', revokeTokensCount: 1 });
		const issued = sims.entra.tokensIssued();
		const leads = [0, 1, 2].map((i) => ({ lastname: `Batch ${i}`, emailaddress1: `batch${i}@tokens.test` }));

		const out = await runProbe('dataverseBatch', { leads });

		expect(out.statuses).toEqual([204, 204, 204]);
		expect(sims.entra.tokensIssued() - issued).toBe(1);
		for (const lead of leads) {
			expect(sims.dataverse.store.all('lead').filter((r) => r.emailaddress1 === lead.emailaddress1)).toHaveLength(1);
		}
	});

	test('concurrent calls sharing one token: one refresh for all, each call retried once', async () => {
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		sims.dataverse.revokeTokens();
		const issued = sims.entra.tokensIssued();
		const preAuth = engine.credentials.preAuthCalls.microsoftDynamicsApi ?? 0;
		const rejected = dataverse401s();
		const paths = ['WhoAmI', 'leads?$top=1', 'contacts?$top=1', 'accounts?$top=1', 'systemusers?$top=1', 'WhoAmI'];

		// Six calls in one execution and six in another, started together.
		const [one, two] = await Promise.all([runProbe('dataverseParallel', { paths }), runProbe('dataverseParallel', { paths })]);

		expect(one.statuses).toEqual(paths.map(() => 200));
		expect(two.statuses).toEqual(paths.map(() => 200));
		expect(sims.entra.tokensIssued() - issued).toBe(1);
		expect((engine.credentials.preAuthCalls.microsoftDynamicsApi ?? 0) - preAuth).toBe(1);
		// Every call was refused once with the revoked token, and no retry was refused.
		expect(dataverse401s() - rejected).toBe(12);
	});

	test('concurrent calls whose shared refresh meets an Entra connection reset: the token request is sent again, all calls succeed', async () => {
		await runProbe('dataverseGet', { path: 'WhoAmI' });
		sims.dataverse.revokeTokens();
		sims.entra.server.faults.add({ pathIncludes: '/oauth2/v2.0/token', resetCount: 1 });
		const issued = sims.entra.tokensIssued();
		const paths = ['WhoAmI', 'leads?$top=1', 'contacts?$top=1', 'accounts?$top=1'];

		const out = await runProbe('dataverseParallel', { paths });

		expect(out.statuses).toEqual(paths.map(() => 200));
		expect(sims.entra.server.faults.injected.reset).toBe(1);
		// The reset token request issued nothing; its repeat issued the only new token.
		expect(sims.entra.tokensIssued() - issued).toBe(1);
	});
});

describe('Marketo 601 and 602: one refresh, then a retry', () => {
	test('mid-run, tokens expire (602) and the refreshed token is refused once (601): the lookup still succeeds', async () => {
		// The fault lab's "token expiry mid-run": its two failed records were a person lookup whose
		// retry after the 602 refresh met the 601 that followed.
		const person = sims.marketo.uiCreateLead({ email: 'token.lookup@tokens.test', firstName: 'Token', lastName: 'Lookup' });
		await runProbe('marketoLeadsBy', { filterType: 'email', values: ['token.lookup@tokens.test'], fields: ['email'] });
		sims.marketo.expireTokens();
		sims.marketo.server.faults.add({ pathIncludes: '/rest/', afterCount: 1, response: marketoError('601', 'Access token invalid'), responseCount: 1 });

		const out = await runProbe('marketoLeadsBy', { filterType: 'email', values: ['token.lookup@tokens.test'], fields: ['email'] });

		expect(out.leads).toEqual([expect.objectContaining({ id: person.id, email: 'token.lookup@tokens.test' })]);
		expect(sims.marketo.server.faults.injected.response).toBeGreaterThanOrEqual(1);
	});

	test('mid-paging in the Marketo Trigger: page 2 meets 602, its retry meets 601 (token revoked): every change arrives', async () => {
		const { firstId } = sims.marketo.store.seedLeads(7, { email: 'paging{{n}}@tokens.test', firstName: 'Paging{{n}}', lastName: 'Person' });
		const people = Array.from({ length: 7 }, (_, i) => firstId + i);
		const trigger = engine.poller({ name: 'Marketo', type: 'marketoTrigger', parameters: { events: ['leadChanges'] }, credentials: MKTO });
		await trigger.poll(); // takes a position
		for (const id of people) sims.marketo.uiUpdateLead(id, { title: `Title ${id}` });
		sims.marketo.store.activityScanLimit = 3; // pages of at most 3 activities, more following
		const feed = '/activities/leadchanges.json';
		sims.marketo.server.faults.set([
			{ pathIncludes: feed, afterCount: 2, revokeTokensCount: 1 },
			{ pathIncludes: feed, afterCount: 1, response: marketoError('602', 'Access token expired'), responseCount: 1 },
		]);

		const items = (await trigger.poll()) ?? [];

		expect(sims.marketo.server.faults.injected.revoked).toBeGreaterThanOrEqual(1);
		expect(items.map((i) => i.json.leadId).sort()).toEqual([...people].sort());
	});

	test('concurrent calls sharing one expired token: one refresh for all, each call retried once', async () => {
		await runProbe('marketoParallel', { count: 1 });
		sims.marketo.expireTokens();
		const preAuth = engine.credentials.preAuthCalls.marketoApi ?? 0;
		const describes = () => sims.marketo.stats().byRoute['GET /rest/v1/leads/describe.json'] ?? 0;
		const before = describes();

		const [one, two] = await Promise.all([runProbe('marketoParallel', { count: 5 }), runProbe('marketoParallel', { count: 5 })]);

		expect(one.successes).toEqual([true, true, true, true, true]);
		expect(two.successes).toEqual([true, true, true, true, true]);
		expect((engine.credentials.preAuthCalls.marketoApi ?? 0) - preAuth).toBe(1);
		// Ten calls, each refused once and retried once.
		expect(describes() - before).toBe(20);
	});
});
