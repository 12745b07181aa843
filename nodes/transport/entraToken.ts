import { createHash } from 'node:crypto';
import type { IDataObject, IHttpRequestHelper, IHttpRequestOptions } from 'n8n-workflow';

import {
	ConfidentialClientApplication,
	PublicClientApplication,
	type AuthenticationResult,
	type INetworkModule,
	type NetworkRequestOptions,
	type NetworkResponse,
} from '../../vendor/msal-node';
import { wasRejected } from './accessToken';
import { networkErrorCode, redact } from './errors';
import { backoffDelay, wait } from './retry';
import { baseUrlOf, parseSecureUrl } from './urls';

export type DynamicsAuthentication = 'clientCredentials' | 'ropc';

export interface DynamicsCredentials {
	environmentUrl: string;
	authentication: DynamicsAuthentication;
	tenantId: string;
	clientId: string;
	clientSecret?: string;
	username?: string;
	password?: string;
	authorityHost?: string;
}

type HttpRequest = IHttpRequestHelper['helpers']['httpRequest'];

/**
 * MSAL's network calls go through n8n's request helper so proxy and egress settings apply.
 * The app is cached across executions while the helper belongs to one execution, so the
 * helper in use is swapped in before each token call (any execution's helper behaves the same).
 */
class N8nNetworkClient implements INetworkModule {
	http?: HttpRequest;

	async sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
		return await this.send<T>('GET', url, options, timeout);
	}

	async sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
		return await this.send<T>('POST', url, options);
	}

	private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number) {
		if (!this.http) throw new Error('No HTTP helper available for token requests');
		const request: IHttpRequestOptions = {
			method,
			url,
			headers: options?.headers ?? {},
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			timeout: timeout ?? 30_000,
		};
		if (options?.body !== undefined) request.body = options.body;
		const response = await this.withRetries(request);
		let body = response.body;
		if (typeof body === 'string') {
			try {
				body = JSON.parse(body);
			} catch {
				// MSAL expects an object; keep the text for its error message
				body = { error: 'invalid_response', error_description: (body as string).slice(0, 500) };
			}
		}
		const headers: Record<string, string> = {};
		for (const [key, value] of Object.entries(response.headers ?? {})) headers[key] = String(value);
		return { status: response.statusCode, headers, body: body as T };
	}

	/**
	 * A token request lost to the network or answered 5xx is sent again (with backoff) before MSAL
	 * sees it: msal-common 16 (protocol/Token) turns a failed request into a bare `network_error`, and
	 * msal-node retries only managed-identity requests.
	 */
	private async withRetries(request: IHttpRequestOptions) {
		let failure: unknown;
		for (let attempt = 0; ; attempt++) {
			let response: { body: unknown; headers: IDataObject; statusCode: number } | undefined;
			try {
				response = (await this.http!(request)) as typeof response;
			} catch (error) {
				failure = error;
			}
			const last = attempt >= TOKEN_REQUEST_RETRIES;
			if (response && (last || !TRANSIENT_STATUSES.has(response.statusCode))) return response;
			if (!response && (last || !networkErrorCode(failure))) break;
			await wait(backoffDelay(attempt));
		}
		throw failure; // MSAL makes its network_error of it
	}
}

const TOKEN_REQUEST_RETRIES = 3;
const TRANSIENT_STATUSES = new Set([500, 502, 503, 504]);

interface CachedApp {
	app: ConfidentialClientApplication | PublicClientApplication;
	network: N8nNetworkClient;
}

/** One MSAL app per credential (keyed by what identifies it), so its token cache outlives executions. */
const apps = new Map<string, CachedApp>();

function appKey(c: DynamicsCredentials, authorityBase: string): string {
	const secretHash = createHash('sha256')
		.update(`${c.clientSecret ?? ''}\u0000${c.password ?? ''}`)
		.digest('hex');
	return [authorityBase, c.tenantId, c.clientId, c.authentication, c.username ?? '', secretHash].join('|');
}

export function dynamicsScope(environmentUrl: string): string {
	return `${baseUrlOf(parseSecureUrl(environmentUrl, 'Environment URL'))}/.default`;
}

function getApp(c: DynamicsCredentials): CachedApp {
	const authorityUrl = parseSecureUrl(c.authorityHost || 'https://login.microsoftonline.com', 'Authority host');
	const authorityBase = baseUrlOf(authorityUrl);
	const key = appKey(c, authorityBase);
	const cached = apps.get(key);
	if (cached) return cached;

	const tenant = encodeURIComponent(c.tenantId.trim());
	// MSAL insists on an https authority. The endpoints below are given explicitly (no discovery
	// call), so a loopback http authority host (the simulator) keeps its real scheme there.
	const authority = `https://${authorityUrl.host}/${tenant}`;
	const network = new N8nNetworkClient();
	const auth = {
		clientId: c.clientId.trim(),
		authority,
		knownAuthorities: [authorityUrl.host],
		authorityMetadata: JSON.stringify({
			authorization_endpoint: `${authorityBase}/${tenant}/oauth2/v2.0/authorize`,
			token_endpoint: `${authorityBase}/${tenant}/oauth2/v2.0/token`,
			end_session_endpoint: `${authorityBase}/${tenant}/oauth2/v2.0/logout`,
			issuer: `${authorityBase}/${tenant}/v2.0`,
			jwks_uri: `${authorityBase}/${tenant}/discovery/v2.0/keys`,
		}),
		cloudDiscoveryMetadata: JSON.stringify({
			tenant_discovery_endpoint: `${authorityBase}/${tenant}/v2.0/.well-known/openid-configuration`,
			metadata: [{ preferred_network: authorityUrl.host, preferred_cache: authorityUrl.host, aliases: [authorityUrl.host] }],
		}),
	};
	const system = { networkClient: network };
	const app =
		c.authentication === 'ropc' && !c.clientSecret
			? new PublicClientApplication({ auth, system })
			: new ConfidentialClientApplication({ auth: { ...auth, clientSecret: c.clientSecret ?? '' }, system });
	const entry = { app, network };
	apps.set(key, entry);
	return entry;
}

/** Forgets cached MSAL apps (tests). */
export function clearTokenCache(): void {
	apps.clear();
}

/**
 * Acquires a Dataverse access token with MSAL. MSAL's cache is reused while its token is good; once
 * Dataverse has rejected the cached token (revoked before its expiry), MSAL is asked past its cache:
 * `skipCache` for client credentials, `forceRefresh` (the refresh token) for ROPC, whose password
 * sign-in always goes to the network (msal-node 7: ClientCredentialClient.acquireToken goes straight
 * to the token endpoint on `skipCache`; CommonSilentFlowRequest.forceRefresh skips cached tokens).
 */
export async function acquireDynamicsToken(http: HttpRequest, c: DynamicsCredentials): Promise<string> {
	validateCredentials(c);
	const scopes = [dynamicsScope(c.environmentUrl)];
	const { app, network } = getApp(c);
	network.http = http;
	let result: AuthenticationResult | null = null;
	let failure: string | undefined;
	try {
		if (c.authentication === 'ropc') {
			const account = (await app.getTokenCache().getAllAccounts()).find(
				(a) => a.username.toLowerCase() === (c.username ?? '').trim().toLowerCase(),
			);
			result = null;
			if (account) {
				try {
					result = await app.acquireTokenSilent({ account, scopes });
					if (wasRejected(result?.accessToken)) result = await app.acquireTokenSilent({ account, scopes, forceRefresh: true });
				} catch {
					result = null; // refresh token gone or revoked: sign in again below
				}
			}
			if (!result || wasRejected(result.accessToken)) {
				result = await app.acquireTokenByUsernamePassword({
					scopes,
					username: (c.username ?? '').trim(),
					password: c.password ?? '',
				});
			}
		} else {
			const confidential = app as ConfidentialClientApplication;
			result = await confidential.acquireTokenByClientCredential({ scopes });
			if (wasRejected(result?.accessToken)) result = await confidential.acquireTokenByClientCredential({ scopes, skipCache: true });
		}
	} catch (error) {
		failure = describeEntraError(error, c);
	}
	if (failure) throw new Error(failure);
	if (!result?.accessToken) throw new Error('Microsoft Entra ID returned no access token');
	return result.accessToken;
}

function validateCredentials(c: DynamicsCredentials) {
	parseSecureUrl(c.environmentUrl, 'Environment URL');
	if (!c.tenantId?.trim()) throw new Error('Tenant ID is empty: use the Directory (tenant) ID of the app registration');
	if (!c.clientId?.trim()) throw new Error('Client ID is empty: use the Application (client) ID of the app registration');
	if (c.authentication === 'ropc') {
		if (!c.username?.trim()) throw new Error('Username is empty: the resource owner password flow needs user@domain.com or DOMAIN\\user');
		if (!c.password) throw new Error('Password is empty: the resource owner password flow needs the sync user\'s password');
	} else if (!c.clientSecret) {
		throw new Error('Client secret is empty: client credentials need the secret\'s Value from Certificates & secrets');
	}
}

/** Turns AADSTS codes into advice an admin can act on; never echoes a secret. */
export function describeEntraError(error: unknown, c: Pick<DynamicsCredentials, 'clientSecret' | 'password'>): string {
	const e = error as { errorCode?: string; errorMessage?: string; message?: string; subError?: string };
	const raw = `${e.errorMessage ?? ''} ${e.message ?? ''}`;
	const code = /AADSTS(\d+)/.exec(raw)?.[1];
	const hints: Record<string, string> = {
		'7000215': 'the client secret is wrong or expired (use the secret\'s Value, not its Secret ID)',
		'7000222': 'the client secret has expired: create a new one under Certificates & secrets',
		'700016': 'no application with this client ID exists in the tenant (check the Application (client) ID and the tenant ID)',
		'90002': 'the tenant was not found (check the Directory (tenant) ID)',
		'50126': 'the username or password is wrong',
		'50076': 'the user must use multi-factor authentication, which the password flow cannot do: exclude the sync user from MFA or use client credentials (application user)',
		'50079': 'the user must register for multi-factor authentication, which the password flow cannot do: use client credentials (application user)',
		'50158': 'an external security challenge (conditional access) blocks the password flow: use client credentials',
		'65001': 'admin consent is missing for Dynamics CRM "user_impersonation" on this app registration',
		'50034': 'the user does not exist in this tenant',
		'53003': 'a conditional access policy blocked the sign-in',
	};
	const hint = code ? hints[code] : undefined;
	const detail = redact(raw.trim().split(/\r?\n/)[0] ?? '', [c.clientSecret, c.password]);
	if (hint) return `Microsoft Entra ID refused the sign-in: ${hint} (AADSTS${code})`;
	if (/ENOTFOUND|ECONNREFUSED|ECONNRESET|EAI_AGAIN|getaddrinfo/i.test(raw) || e.errorCode === 'network_error') {
		return `Cannot reach the authority host to get a token: ${detail}`;
	}
	return `Microsoft Entra ID refused the sign-in: ${detail || e.errorCode || 'unknown error'}`;
}
