import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { SimServer, type SimRequest, type SimResponse } from '../common/http';
import type { FaultSpec } from '../common/faults';
import { base64url, encodeUnsignedJwt } from './jwt';

export { base64url, decodeJwt, encodeUnsignedJwt, fromBase64url } from './jwt';

/**
 * Microsoft Entra ID (Azure AD) token endpoint simulator: the v2.0 token endpoint with the
 * client_credentials, password (ROPC) and refresh_token grants, the OpenID configuration and the
 * instance discovery document MSAL may ask for. Tokens are unsigned JWTs (`header.payload.`).
 */

export interface EntraApp {
	clientId: string;
	clientSecret?: string;
	tenantId: string;
	publicClient?: boolean;
}

export interface EntraUser {
	username: string;
	password: string;
	tenantId: string;
	mfaRequired?: boolean;
	objectId?: string;
	/** Display name for the id_token / access token (default: derived from the username). */
	displayName?: string;
}

export interface EntraSimulatorOptions {
	/** Lifetime of access tokens (default 3600). */
	tokenTtlSeconds?: number;
	/** Lifetime of refresh tokens (default 90 days, like Entra's inactivity window). */
	refreshTokenTtlSeconds?: number;
}

interface RefreshGrant {
	clientId: string;
	tenantId: string;
	username: string;
	scopes: string[];
	expiresAt: number;
}

/** The Dynamics CRM first-party app id, which Entra names in MFA errors for Dataverse resources. */
const DYNAMICS_CRM_APP_ID = '00000007-0000-0000-c000-000000000000';
const OIDC_SCOPES = new Set(['openid', 'profile', 'offline_access', 'email']);

export class EntraSimulator {
	readonly server: SimServer;
	private readonly apps = new Map<string, EntraApp>();
	private readonly users: EntraUser[] = [];
	private readonly refreshTokens = new Map<string, RefreshGrant>();
	private issued = 0;
	private readonly byGrant: Record<string, number> = {};
	private clockOffsetMs = 0;
	private readonly ttl: number;
	private readonly refreshTtl: number;

	constructor(opts: EntraSimulatorOptions = {}) {
		this.ttl = opts.tokenTtlSeconds ?? 3600;
		this.refreshTtl = opts.refreshTokenTtlSeconds ?? 90 * 24 * 3600;
		this.server = new SimServer('Entra', (req) => this.handle(req));
	}

	get url(): string {
		return this.server.url;
	}

	start(port?: number): Promise<string> {
		return this.server.start(port);
	}

	stop(): Promise<void> {
		return this.server.stop();
	}

	addApp(app: EntraApp): void {
		this.apps.set(app.clientId.toLowerCase(), { ...app });
	}

	addUser(user: EntraUser): void {
		const existing = this.users.findIndex(
			(u) => u.username.toLowerCase() === user.username.toLowerCase() && u.tenantId === user.tenantId,
		);
		if (existing >= 0) this.users.splice(existing, 1);
		this.users.push({ ...user });
	}

	tokensIssued(): number {
		return this.issued;
	}

	/** Moves the simulator's clock (iat/exp of new tokens, refresh-token expiry). */
	advanceClock(ms: number): void {
		this.clockOffsetMs += ms;
	}

	now(): number {
		return Date.now() + this.clockOffsetMs;
	}

	stats() {
		return { tokensIssued: this.issued, byGrant: { ...this.byGrant }, ...this.server.counters.snapshot() };
	}

	private tenants(): Set<string> {
		const set = new Set<string>();
		for (const app of this.apps.values()) set.add(app.tenantId.toLowerCase());
		for (const user of this.users) set.add(user.tenantId.toLowerCase());
		return set;
	}

	private async handle(req: SimRequest): Promise<SimResponse> {
		if (req.path.startsWith('/__sim/')) return this.admin(req);
		const segments = req.path.split('/').filter(Boolean);
		const route = routeName(req.method, segments);
		const end = this.server.counters.begin(route);
		try {
			const response = this.route(req, segments);
			if (response.status >= 400) {
				const body = response.body as { error_codes?: number[] } | undefined;
				this.server.counters.error(body?.error_codes?.[0] ?? response.status);
			}
			return response;
		} finally {
			end();
		}
	}

	private route(req: SimRequest, segments: string[]): SimResponse {
		const ctx = this.errorContext(req);
		if (req.method === 'GET' && segments[0] === 'common' && segments[1] === 'discovery' && segments[2] === 'instance') {
			return this.instanceDiscovery(req);
		}
		if (segments.length === 4 && segments[1] === 'oauth2' && segments[2] === 'v2.0' && segments[3] === 'token') {
			if (req.method !== 'POST') return aadError(ctx, 405, 'invalid_request', 900561, "The endpoint only accepts POST requests. Received a GET request.");
			return this.token(req, segments[0], ctx);
		}
		if (req.method === 'GET' && segments.length === 4 && segments[1] === 'v2.0' && segments[2] === '.well-known' && segments[3] === 'openid-configuration') {
			return this.openIdConfiguration(segments[0], ctx);
		}
		if (req.method === 'GET' && segments.length === 4 && segments[1] === 'discovery' && segments[2] === 'v2.0' && segments[3] === 'keys') {
			return json(200, { keys: [] });
		}
		return { status: 404, headers: { 'content-type': 'text/html; charset=utf-8' }, body: '<html><body>404 Not Found</body></html>' };
	}

	// ---------------------------------------------------------------- token endpoint

	private token(req: SimRequest, tenantSegment: string, ctx: ErrorContext): SimResponse {
		const contentType = String(req.headers['content-type'] ?? '');
		const form = contentType.includes('application/x-www-form-urlencoded')
			? new URLSearchParams(req.rawBody.toString('utf8'))
			: new URLSearchParams();
		const grantType = form.get('grant_type');
		if (!grantType) return missingParameter(ctx, 'grant_type');

		let clientId = form.get('client_id') ?? undefined;
		let clientSecret = form.get('client_secret') ?? undefined;
		const basic = parseBasicAuth(req.headers.authorization);
		if (basic) {
			clientId ??= basic.user;
			clientSecret ??= basic.password;
		}
		if (grantType !== 'client_credentials' && grantType !== 'password' && grantType !== 'refresh_token') {
			return aadError(ctx, 400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grantType}'.`);
		}
		if (!clientId) return missingParameter(ctx, 'client_id');

		const tenantKey = tenantSegment.toLowerCase();
		const isMultiTenantAlias = tenantKey === 'common' || tenantKey === 'organizations';
		if (!isMultiTenantAlias && !this.tenants().has(tenantKey)) {
			return aadError(
				ctx,
				400,
				'invalid_request',
				90002,
				`Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
			);
		}

		if (grantType === 'client_credentials') {
			if (isMultiTenantAlias) {
				return aadError(ctx, 400, 'invalid_request', 50059, 'No tenant-identifying information found in either the request or implied by any provided credentials.');
			}
			const app = this.findApp(clientId, tenantKey);
			if (!app) return appNotFound(ctx, clientId, tenantSegment);
			const secretError = this.checkSecret(ctx, app, clientSecret, true);
			if (secretError) return secretError;
			const scopeParam = form.get('scope');
			if (!scopeParam) return missingParameter(ctx, 'scope');
			const scopes = splitScopes(scopeParam);
			const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
			const bad = resourceScopes.find((s) => !s.endsWith('/.default'));
			if (bad || resourceScopes.length === 0) {
				return aadError(
					ctx,
					400,
					'invalid_scope',
					1002012,
					`The provided value for scope ${bad ?? scopeParam} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
				);
			}
			return this.issue(ctx, { app, tenantId: app.tenantId, scopes: resourceScopes, grant: grantType, form });
		}

		if (grantType === 'password') {
			const username = form.get('username');
			const password = form.get('password');
			if (!username) return missingParameter(ctx, 'username');
			if (!password) return missingParameter(ctx, 'password');
			const scopeParam = form.get('scope');
			if (!scopeParam) return missingParameter(ctx, 'scope');
			const user = this.users.find(
				(u) => u.username.toLowerCase() === username.toLowerCase() && (isMultiTenantAlias || u.tenantId.toLowerCase() === tenantKey),
			);
			const tenantId = user?.tenantId ?? tenantSegment;
			const app = this.findApp(clientId, user ? user.tenantId.toLowerCase() : tenantKey);
			if (!app) return appNotFound(ctx, clientId, tenantSegment);
			const secretError = this.checkSecret(ctx, app, clientSecret, false);
			if (secretError) return secretError;
			if (!user || user.password !== password) {
				return aadError(ctx, 400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
			}
			const scopes = splitScopes(scopeParam);
			if (user.mfaRequired) {
				return aadError(
					ctx,
					400,
					'invalid_grant',
					50076,
					`Due to a configuration change made by your administrator, or because you moved to a new location, you must use multi-factor authentication to access '${resourceAppId(scopes)}'.`,
					{
						suberror: 'basic_action',
						claims: '{"access_token":{"capolids":{"essential":true,"values":["00000000-0000-0000-0000-00000000mfa1"]}}}',
					},
				);
			}
			return this.issue(ctx, { app, tenantId, user, scopes, grant: grantType, form });
		}

		// refresh_token
		const refreshToken = form.get('refresh_token');
		if (!refreshToken) return missingParameter(ctx, 'refresh_token');
		const grant = this.refreshTokens.get(refreshToken);
		if (!grant) return aadError(ctx, 400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.');
		const app = this.findApp(clientId, grant.tenantId.toLowerCase());
		if (!app) return appNotFound(ctx, clientId, tenantSegment);
		if (app.clientId.toLowerCase() !== grant.clientId.toLowerCase()) {
			return aadError(ctx, 400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.');
		}
		const secretError = this.checkSecret(ctx, app, clientSecret, false);
		if (secretError) return secretError;
		if (grant.expiresAt <= this.now()) {
			this.refreshTokens.delete(refreshToken);
			return aadError(
				ctx,
				400,
				'invalid_grant',
				700082,
				`The refresh token has expired due to inactivity. The token was issued on ${new Date(grant.expiresAt - this.refreshTtl * 1000).toISOString()} and was inactive for ${Math.round(this.refreshTtl / 86400)}.00:00:00.`,
			);
		}
		const user = this.users.find((u) => u.username.toLowerCase() === grant.username.toLowerCase() && u.tenantId === grant.tenantId);
		if (!user) return aadError(ctx, 400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.');
		const scopeParam = form.get('scope');
		const scopes = scopeParam ? splitScopes(scopeParam) : grant.scopes;
		return this.issue(ctx, { app, tenantId: grant.tenantId, user, scopes, grant: grantType, form });
	}

	private findApp(clientId: string, tenantKey: string): EntraApp | undefined {
		const app = this.apps.get(clientId.toLowerCase());
		if (!app) return undefined;
		if (tenantKey !== 'common' && tenantKey !== 'organizations' && app.tenantId.toLowerCase() !== tenantKey) return undefined;
		return app;
	}

	private checkSecret(ctx: ErrorContext, app: EntraApp, secret: string | undefined, secretRequired: boolean): SimResponse | undefined {
		if (app.publicClient) {
			if (secret !== undefined && secret !== '') {
				return aadError(ctx, 400, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.");
			}
			if (secretRequired) {
				return aadError(ctx, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
			}
			return undefined;
		}
		if (secret === undefined || secret === '') {
			return aadError(ctx, 401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.");
		}
		if (secret !== app.clientSecret) {
			return aadError(
				ctx,
				401,
				'invalid_client',
				7000215,
				`Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
			);
		}
		return undefined;
	}

	private issue(
		ctx: ErrorContext,
		args: { app: EntraApp; tenantId: string; user?: EntraUser; scopes: string[]; grant: string; form: URLSearchParams },
	): SimResponse {
		const { app, tenantId, user, scopes, grant, form } = args;
		const nowSec = Math.floor(this.now() / 1000);
		const exp = nowSec + this.ttl;
		const resourceScopes = scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase()));
		const oidcRequested = scopes.filter((s) => OIDC_SCOPES.has(s.toLowerCase())).map((s) => s.toLowerCase());
		const audience = audienceOf(resourceScopes);
		const appObjectId = stableGuid(`sp:${app.clientId}`);
		const oid = user ? (user.objectId ?? stableGuid(`user:${user.tenantId}:${user.username.toLowerCase()}`)) : appObjectId;
		const accessPayload: Record<string, unknown> = {
			aud: audience,
			iss: `https://sts.windows.net/${tenantId}/`,
			iat: nowSec,
			nbf: nowSec,
			exp,
			appid: app.clientId,
			appidacr: app.publicClient ? '0' : '1',
			idp: `https://sts.windows.net/${tenantId}/`,
			oid,
			sub: user ? stableGuid(`sub:${oid}:${app.clientId}`) : appObjectId,
			tid: tenantId,
			uti: base64url(randomBytes(16)),
			ver: '1.0',
		};
		if (user) {
			const name = user.displayName ?? displayNameOf(user.username);
			accessPayload.upn = user.username;
			accessPayload.unique_name = user.username;
			accessPayload.name = name;
			accessPayload.scp = resourceScopes.map((s) => lastSegment(s)).map((s) => (s === '.default' ? 'user_impersonation' : s)).join(' ') || 'user_impersonation';
			accessPayload.amr = ['pwd'];
		} else {
			accessPayload.idtyp = 'app';
			accessPayload.roles = [];
		}
		const body: Record<string, unknown> = {
			token_type: 'Bearer',
			scope: [...resourceScopes, ...oidcRequested.filter((s) => user && s !== 'email')].join(' '),
			expires_in: this.ttl,
			ext_expires_in: this.ttl,
			access_token: encodeUnsignedJwt(accessPayload, { kid: 'sim-key', x5t: 'sim-key' }),
		};
		if (user) {
			if (oidcRequested.includes('offline_access') || grant === 'refresh_token') {
				const refresh = `0.sim.${base64url(randomBytes(24))}`;
				this.refreshTokens.set(refresh, {
					clientId: app.clientId,
					tenantId,
					username: user.username,
					scopes,
					expiresAt: this.now() + this.refreshTtl * 1000,
				});
				body.refresh_token = refresh;
			}
			if (oidcRequested.includes('openid') || grant === 'refresh_token') {
				body.id_token = encodeUnsignedJwt({
					aud: app.clientId,
					iss: `${this.url}/${tenantId}/v2.0`,
					iat: nowSec,
					nbf: nowSec,
					exp,
					name: user.displayName ?? displayNameOf(user.username),
					oid,
					preferred_username: user.username,
					sub: stableGuid(`sub:${oid}:${app.clientId}`),
					tid: tenantId,
					uti: base64url(randomBytes(16)),
					ver: '2.0',
				});
			}
			if (form.get('client_info') === '1' || oidcRequested.includes('openid') || grant === 'refresh_token') {
				body.client_info = base64url(JSON.stringify({ uid: oid, utid: tenantId }));
			}
		}
		this.issued++;
		this.byGrant[grant] = (this.byGrant[grant] ?? 0) + 1;
		return json(200, body, {
			'cache-control': 'no-store, no-cache',
			pragma: 'no-cache',
			'x-ms-request-id': ctx.traceId,
			'client-request-id': ctx.correlationId,
		});
	}

	// ---------------------------------------------------------------- discovery

	private openIdConfiguration(tenantSegment: string, ctx: ErrorContext): SimResponse {
		const tenantKey = tenantSegment.toLowerCase();
		const known = this.tenants().has(tenantKey);
		if (!known && tenantKey !== 'common' && tenantKey !== 'organizations' && tenantKey !== 'consumers') {
			return aadError(
				ctx,
				400,
				'invalid_tenant',
				90002,
				`Tenant '${tenantSegment}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
			);
		}
		const issuerTenant = known ? tenantSegment : '{tenantid}';
		const base = `${this.url}/${tenantSegment}`;
		return json(200, {
			token_endpoint: `${base}/oauth2/v2.0/token`,
			token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
			jwks_uri: `${base}/discovery/v2.0/keys`,
			response_modes_supported: ['query', 'fragment', 'form_post'],
			subject_types_supported: ['pairwise'],
			id_token_signing_alg_values_supported: ['RS256'],
			response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
			scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
			issuer: `${this.url}/${issuerTenant}/v2.0`,
			request_uri_parameter_supported: false,
			userinfo_endpoint: `${this.url}/oidc/userinfo`,
			authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
			device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
			http_logout_supported: true,
			frontchannel_logout_supported: true,
			end_session_endpoint: `${base}/oauth2/v2.0/logout`,
			claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
			kerberos_endpoint: `${base}/kerberos`,
			tenant_region_scope: 'NA',
			cloud_instance_name: 'microsoftonline.com',
			cloud_graph_host_name: 'graph.windows.net',
			msgraph_host: 'graph.microsoft.com',
			rbac_url: 'https://pas.windows.net',
		});
	}

	private instanceDiscovery(req: SimRequest): SimResponse {
		const endpoint = req.url.searchParams.get('authorization_endpoint');
		let tenant = 'common';
		const hosts = new Set<string>([new URL(this.url).host]);
		if (endpoint) {
			try {
				const parsed = new URL(endpoint);
				tenant = parsed.pathname.split('/').filter(Boolean)[0] ?? 'common';
				hosts.add(parsed.host);
			} catch {
				// fall through with the defaults
			}
		}
		const aliases = [...hosts];
		return json(200, {
			tenant_discovery_endpoint: `${this.url}/${tenant}/v2.0/.well-known/openid-configuration`,
			'api-version': '1.1',
			metadata: [{ preferred_network: aliases[aliases.length - 1], preferred_cache: aliases[aliases.length - 1], aliases }],
		});
	}

	// ---------------------------------------------------------------- admin

	private admin(req: SimRequest): SimResponse {
		const path = req.path;
		const body = (req.json ?? {}) as Record<string, unknown>;
		if (req.method === 'GET' && path === '/__sim/stats') return json(200, this.stats());
		if (req.method === 'POST' && path === '/__sim/reset-counters') {
			this.server.counters.reset();
			this.issued = 0;
			for (const key of Object.keys(this.byGrant)) delete this.byGrant[key];
			return { status: 204 };
		}
		if (req.method === 'PUT' && path === '/__sim/faults') {
			this.server.faults.set((Array.isArray(req.json) ? req.json : []) as FaultSpec[]);
			return json(200, this.server.faults.list());
		}
		if (req.method === 'DELETE' && path === '/__sim/faults') {
			this.server.faults.clear();
			return { status: 204 };
		}
		if (req.method === 'POST' && path === '/__sim/apps') {
			if (typeof body.clientId !== 'string' || typeof body.tenantId !== 'string') return json(400, { error: 'clientId and tenantId are required' });
			this.addApp(body as unknown as EntraApp);
			return { status: 204 };
		}
		if (req.method === 'POST' && path === '/__sim/users') {
			if (typeof body.username !== 'string' || typeof body.password !== 'string' || typeof body.tenantId !== 'string') {
				return json(400, { error: 'username, password and tenantId are required' });
			}
			this.addUser(body as unknown as EntraUser);
			return { status: 204 };
		}
		if (req.method === 'POST' && path === '/__sim/clock') {
			this.advanceClock(Number(body.advanceMs ?? 0));
			return json(200, { now: new Date(this.now()).toISOString() });
		}
		if (req.method === 'POST' && path === '/__sim/revoke-refresh-tokens') {
			this.refreshTokens.clear();
			return { status: 204 };
		}
		return json(404, { error: `unknown admin route ${req.method} ${path}` });
	}

	private errorContext(req: SimRequest): ErrorContext {
		const requested = req.headers['client-request-id'];
		return {
			traceId: randomUUID(),
			correlationId: typeof requested === 'string' && requested ? requested : randomUUID(),
			now: this.now(),
			baseUrl: this.url,
		};
	}
}

interface ErrorContext {
	traceId: string;
	correlationId: string;
	now: number;
	baseUrl: string;
}

function aadError(
	ctx: ErrorContext,
	status: number,
	error: string,
	code: number,
	description: string,
	extra: Record<string, unknown> = {},
): SimResponse {
	const timestamp = entraTimestamp(ctx.now);
	return json(
		status,
		{
			error,
			error_description: `AADSTS${code}: ${description} Trace ID: ${ctx.traceId} Correlation ID: ${ctx.correlationId} Timestamp: ${timestamp}`,
			error_codes: [code],
			timestamp,
			trace_id: ctx.traceId,
			correlation_id: ctx.correlationId,
			error_uri: `${ctx.baseUrl}/error?code=${code}`,
			...extra,
		},
		{ 'cache-control': 'no-store, no-cache', pragma: 'no-cache', 'x-ms-request-id': ctx.traceId },
	);
}

function missingParameter(ctx: ErrorContext, name: string): SimResponse {
	return aadError(ctx, 400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`);
}

function appNotFound(ctx: ErrorContext, clientId: string, tenant: string): SimResponse {
	return aadError(
		ctx,
		400,
		'unauthorized_client',
		700016,
		`Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
	);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
	return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body };
}

/** "2026-01-01 10:00:00Z", the format Entra uses in error bodies. */
function entraTimestamp(ms: number): string {
	return new Date(ms).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, 'Z');
}

function splitScopes(scope: string): string[] {
	return scope.split(/\s+/).filter(Boolean);
}

/** The resource a set of scopes targets: the origin of the first URL-shaped scope. */
export function audienceOf(resourceScopes: string[]): string {
	for (const scope of resourceScopes) {
		if (!scope.includes('://')) continue;
		try {
			return new URL(scope).origin;
		} catch {
			// not a URL; keep looking
		}
	}
	const first = resourceScopes[0];
	if (first) return first.replace(/\/[^/]*$/, '') || first;
	return 'https://graph.microsoft.com';
}

function resourceAppId(scopes: string[]): string {
	const resource = audienceOf(scopes.filter((s) => !OIDC_SCOPES.has(s.toLowerCase())));
	return resource === 'https://graph.microsoft.com' ? '00000003-0000-0000-c000-000000000000' : DYNAMICS_CRM_APP_ID;
}

function lastSegment(scope: string): string {
	const index = scope.lastIndexOf('/');
	return index >= 0 ? scope.slice(index + 1) : scope;
}

function displayNameOf(username: string): string {
	const local = username.split('@')[0].split('\\').pop() ?? username;
	return local
		.split(/[._-]+/)
		.filter(Boolean)
		.map((p) => p[0].toUpperCase() + p.slice(1))
		.join(' ');
}

/** A GUID derived from a string, so object ids stay the same across restarts. */
export function stableGuid(seed: string): string {
	const hex = createHash('sha256').update(seed).digest('hex');
	return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
	if (!header || !/^basic /i.test(header)) return undefined;
	const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
	const index = decoded.indexOf(':');
	if (index < 0) return undefined;
	return { user: decodeURIComponent(decoded.slice(0, index)), password: decodeURIComponent(decoded.slice(index + 1)) };
}

function routeName(method: string, segments: string[]): string {
	if (segments[1] === 'oauth2') return `${method} /{tenant}/oauth2/v2.0/token`;
	if (segments[1] === 'v2.0') return `${method} /{tenant}/v2.0/.well-known/openid-configuration`;
	if (segments[0] === 'common' && segments[1] === 'discovery') return `${method} /common/discovery/instance`;
	if (segments[1] === 'discovery') return `${method} /{tenant}/discovery/v2.0/keys`;
	return `${method} /${segments.join('/')}`;
}
