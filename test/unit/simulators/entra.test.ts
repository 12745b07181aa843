import { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
import { decodeJwt, EntraSimulator, fromBase64url } from '../../../simulators/entra';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ENV = 'https://org.crm.dynamics.com';

describe('Entra ID token endpoint simulator', () => {
	const entra = new EntraSimulator();
	let url = '';

	beforeAll(async () => {
		url = await entra.start();
		entra.addApp({ clientId: 'dyn-client', clientSecret: 's3cret', tenantId: TENANT });
		entra.addApp({ clientId: 'public-app', tenantId: TENANT, publicClient: true });
		entra.addUser({ username: 'sync@contoso.test', password: 'P@ss', tenantId: TENANT, objectId: '11111111-2222-3333-4444-555555555555' });
		entra.addUser({ username: 'mfa@contoso.test', password: 'P@ss', tenantId: TENANT, mfaRequired: true });
	});
	afterAll(() => entra.stop());

	async function token(form: Record<string, string>, tenant = TENANT, headers: Record<string, string> = {}) {
		const res = await fetch(`${url}/${tenant}/oauth2/v2.0/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
			body: new URLSearchParams(form),
		});
		return { status: res.status, body: (await res.json()) as Record<string, any> };
	}

	const cc = (extra: Record<string, string> = {}) => ({
		grant_type: 'client_credentials',
		client_id: 'dyn-client',
		client_secret: 's3cret',
		scope: `${ENV}/.default`,
		...extra,
	});

	const ropc = (extra: Record<string, string> = {}) => ({
		grant_type: 'password',
		client_id: 'dyn-client',
		client_secret: 's3cret',
		username: 'sync@contoso.test',
		password: 'P@ss',
		scope: `${ENV}/user_impersonation openid profile offline_access`,
		client_info: '1',
		...extra,
	});

	it('issues a client-credentials token whose JWT names the environment, the app and the tenant', async () => {
		const before = entra.tokensIssued();
		const { status, body } = await token(cc());
		expect(status).toBe(200);
		expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, ext_expires_in: 3600, scope: `${ENV}/.default` });
		expect(body.refresh_token).toBeUndefined();
		expect(body.id_token).toBeUndefined();
		expect(body.access_token.split('.')).toHaveLength(3);
		const jwt = decodeJwt(body.access_token)!;
		expect(jwt.payload).toMatchObject({ aud: ENV, appid: 'dyn-client', tid: TENANT, idtyp: 'app' });
		expect(jwt.payload.upn).toBeUndefined();
		expect(typeof jwt.payload.oid).toBe('string');
		expect((jwt.payload.exp as number) - (jwt.payload.iat as number)).toBe(3600);
		expect(entra.tokensIssued()).toBe(before + 1);
	});

	it('takes the audience from a loopback environment URL scope', async () => {
		const { body } = await token(cc({ scope: 'http://127.0.0.1:4321/.default' }));
		expect(decodeJwt(body.access_token)!.payload.aud).toBe('http://127.0.0.1:4321');
	});

	it('issues ROPC tokens with refresh_token, id_token and client_info MSAL can build an account from', async () => {
		const { status, body } = await token(ropc());
		expect(status).toBe(200);
		expect(body.token_type).toBe('Bearer');
		expect(typeof body.refresh_token).toBe('string');
		const access = decodeJwt(body.access_token)!.payload;
		expect(access).toMatchObject({ aud: ENV, appid: 'dyn-client', tid: TENANT, upn: 'sync@contoso.test', oid: '11111111-2222-3333-4444-555555555555', scp: 'user_impersonation' });
		const [header, payload, signature] = body.id_token.split('.');
		expect(JSON.parse(fromBase64url(header).toString())).toMatchObject({ typ: 'JWT' });
		expect(signature).toBe('');
		const id = JSON.parse(fromBase64url(payload).toString());
		expect(id).toMatchObject({ aud: 'dyn-client', tid: TENANT, oid: '11111111-2222-3333-4444-555555555555', preferred_username: 'sync@contoso.test', name: 'Sync', iss: `${url}/${TENANT}/v2.0` });
		expect(typeof id.sub).toBe('string');
		expect(id.exp - id.iat).toBe(3600);
		expect(JSON.parse(fromBase64url(body.client_info).toString())).toEqual({ uid: '11111111-2222-3333-4444-555555555555', utid: TENANT });
	});

	it('redeems a refresh token and rejects an unknown one', async () => {
		const first = await token(ropc());
		const refreshed = await token({ grant_type: 'refresh_token', client_id: 'dyn-client', client_secret: 's3cret', refresh_token: first.body.refresh_token, scope: `${ENV}/.default` });
		expect(refreshed.status).toBe(200);
		expect(decodeJwt(refreshed.body.access_token)!.payload.upn).toBe('sync@contoso.test');
		expect(refreshed.body.refresh_token).not.toBe(first.body.refresh_token);
		const bad = await token({ grant_type: 'refresh_token', client_id: 'dyn-client', client_secret: 's3cret', refresh_token: 'nope' });
		expect(bad.status).toBe(400);
		expect(bad.body.error).toBe('invalid_grant');
		expect(bad.body.error_codes).toEqual([9002313]);
	});

	it.each([
		['unknown tenant', cc(), 'contoso-missing', 400, 'invalid_request', 90002, "Tenant 'contoso-missing' not found"],
		['unknown app', cc({ client_id: 'who-is-this' }), TENANT, 400, 'unauthorized_client', 700016, "Application with identifier 'who-is-this' was not found in the directory"],
		['bad secret', cc({ client_secret: 'wrong' }), TENANT, 401, 'invalid_client', 7000215, 'Invalid client secret provided.'],
		['missing secret', cc({ client_secret: '' }), TENANT, 401, 'invalid_client', 7000218, "'client_assertion' or 'client_secret'"],
		['scope without /.default', cc({ scope: `${ENV}/user_impersonation` }), TENANT, 400, 'invalid_scope', 1002012, 'Client credential flows must have a scope value with /.default'],
		['bad password', ropc({ password: 'nope' }), TENANT, 400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'],
		['unknown user', ropc({ username: 'ghost@contoso.test' }), TENANT, 400, 'invalid_grant', 50126, 'invalid username or password'],
		[
			'MFA-required user',
			ropc({ username: 'mfa@contoso.test' }),
			TENANT,
			400,
			'invalid_grant',
			50076,
			"Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '00000007-0000-0000-c000-000000000000'.",
		],
		['unsupported grant', { grant_type: 'authorization_code', client_id: 'dyn-client' }, TENANT, 400, 'unsupported_grant_type', 70003, "unsupported grant type 'authorization_code'"],
		['missing grant_type', { client_id: 'dyn-client' }, TENANT, 400, 'invalid_request', 900144, "parameter: 'grant_type'"],
	])('answers %s like Entra', async (_name, form, tenant, status, error, code, text) => {
		const res = await token(form as Record<string, string>, tenant, { 'client-request-id': 'corr-123' });
		expect(res.status).toBe(status);
		expect(res.body.error).toBe(error);
		expect(res.body.error_codes).toEqual([code]);
		expect(res.body.error_description).toMatch(new RegExp(`^AADSTS${code}: `));
		expect(res.body.error_description).toContain(text);
		expect(res.body.correlation_id).toBe('corr-123');
		expect(res.body.trace_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(res.body.timestamp).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}Z$/);
	});

	it('refuses a secret from a public client and accepts ROPC without one', async () => {
		const ok = await token(ropc({ client_id: 'public-app', client_secret: '' }));
		expect(ok.status).toBe(200);
		const withSecret = await token(ropc({ client_id: 'public-app', client_secret: 'x' }));
		expect(withSecret.body.error_codes).toEqual([700025]);
	});

	it('serves the OpenID configuration and instance discovery documents', async () => {
		const config = (await (await fetch(`${url}/${TENANT}/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
		expect(config.token_endpoint).toBe(`${url}/${TENANT}/oauth2/v2.0/token`);
		expect(config.issuer).toBe(`${url}/${TENANT}/v2.0`);
		expect(config.authorization_endpoint).toBe(`${url}/${TENANT}/oauth2/v2.0/authorize`);
		expect(config.jwks_uri).toBe(`${url}/${TENANT}/discovery/v2.0/keys`);
		const missing = await fetch(`${url}/nobody/v2.0/.well-known/openid-configuration`);
		expect(missing.status).toBe(400);
		const discovery = (await (
			await fetch(`${url}/common/discovery/instance?api-version=1.1&authorization_endpoint=${encodeURIComponent(`https://login.sim.test/${TENANT}/oauth2/v2.0/authorize`)}`)
		).json()) as { tenant_discovery_endpoint: string; metadata: Array<{ aliases: string[] }> };
		expect(discovery.tenant_discovery_endpoint).toBe(`${url}/${TENANT}/v2.0/.well-known/openid-configuration`);
		expect(discovery.metadata[0].aliases).toContain('login.sim.test');
	});

	it('works with @azure/msal-node: client credentials (cached) and ROPC + silent refresh', async () => {
		const authorityMetadata = JSON.stringify({
			authorization_endpoint: `${url}/${TENANT}/oauth2/v2.0/authorize`,
			token_endpoint: `${url}/${TENANT}/oauth2/v2.0/token`,
			issuer: `${url}/${TENANT}/v2.0`,
			jwks_uri: `${url}/${TENANT}/discovery/v2.0/keys`,
		});
		const auth = { authority: `https://login.sim.test/${TENANT}`, knownAuthorities: ['login.sim.test'], authorityMetadata };
		const cca = new ConfidentialClientApplication({ auth: { clientId: 'dyn-client', clientSecret: 's3cret', ...auth } });
		const before = entra.tokensIssued();
		const first = await cca.acquireTokenByClientCredential({ scopes: [`${ENV}/.default`] });
		const second = await cca.acquireTokenByClientCredential({ scopes: [`${ENV}/.default`] });
		expect(decodeJwt(first!.accessToken)!.payload.aud).toBe(ENV);
		expect(second!.fromCache).toBe(true);
		expect(entra.tokensIssued()).toBe(before + 1);

		const pca = new PublicClientApplication({ auth: { clientId: 'public-app', ...auth } });
		const user = await pca.acquireTokenByUsernamePassword({ scopes: [`${ENV}/user_impersonation`], username: 'sync@contoso.test', password: 'P@ss' });
		expect(user!.account!.username).toBe('sync@contoso.test');
		expect(user!.account!.homeAccountId).toBe(`11111111-2222-3333-4444-555555555555.${TENANT}`);
		const silent = await pca.acquireTokenSilent({ account: user!.account!, scopes: [`${ENV}/user_impersonation`] });
		expect(silent.fromCache).toBe(true);
		const refreshed = await pca.acquireTokenSilent({ account: user!.account!, scopes: [`${ENV}/user_impersonation`], forceRefresh: true });
		expect(refreshed.fromCache).toBe(false);
		await expect(
			pca.acquireTokenByUsernamePassword({ scopes: [`${ENV}/user_impersonation`], username: 'mfa@contoso.test', password: 'P@ss' }),
		).rejects.toMatchObject({ errorCode: 'invalid_grant' });
	});

	it('reports stats and lets drivers add apps over the admin API', async () => {
		const add = await fetch(`${url}/__sim/apps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ clientId: 'late-app', clientSecret: 'x', tenantId: TENANT }) });
		expect(add.status).toBe(204);
		const { status } = await token(cc({ client_id: 'late-app', client_secret: 'x' }));
		expect(status).toBe(200);
		const stats = (await (await fetch(`${url}/__sim/stats`)).json()) as { tokensIssued: number; byRoute: Record<string, number>; byGrant: Record<string, number> };
		expect(stats.tokensIssued).toBe(entra.tokensIssued());
		expect(stats.byGrant.client_credentials).toBeGreaterThan(0);
		expect(stats.byRoute['POST /{tenant}/oauth2/v2.0/token']).toBeGreaterThan(0);
	});
});
