/** Marketo Identity: client_credentials tokens, re-issued unchanged until they expire. */
import { randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse } from '../common/http';

interface IssuedToken {
	clientId: string;
	expiresAt: number;
}

export type TokenCheck = 'ok' | 'invalid' | 'expired';

export class TokenStore {
	private readonly tokens = new Map<string, IssuedToken>();
	private readonly current = new Map<string, string>();

	constructor(private readonly now: () => number = Date.now) {}

	/** The client's live token (same one until expiry) and its remaining seconds. */
	issue(clientId: string, ttlSeconds: number): { token: string; expiresIn: number } {
		const now = this.now();
		const existing = this.current.get(clientId);
		if (existing) {
			const t = this.tokens.get(existing);
			if (t && t.expiresAt > now) {
				return { token: existing, expiresIn: Math.max(0, Math.ceil((t.expiresAt - now) / 1000)) };
			}
		}
		const token = `${randomUUID()}:ab`;
		this.tokens.set(token, { clientId, expiresAt: now + ttlSeconds * 1000 });
		this.current.set(clientId, token);
		return { token, expiresIn: ttlSeconds };
	}

	check(token: string | undefined): TokenCheck {
		if (!token) return 'invalid';
		const t = this.tokens.get(token);
		if (!t) return 'invalid';
		return t.expiresAt > this.now() ? 'ok' : 'expired';
	}

	/** Every issued token now answers 602; the next Identity call issues a fresh one. */
	expireAll(): void {
		const now = this.now();
		for (const t of this.tokens.values()) if (t.expiresAt > now) t.expiresAt = now;
	}

	/** Every issued token becomes unknown (601 Access token invalid); the next Identity call issues a fresh one. */
	revokeAll(): void {
		this.tokens.clear();
		this.current.clear();
	}

	clear(): void {
		this.tokens.clear();
		this.current.clear();
	}
}

/** Reads the Bearer token from the Authorization header (the access_token parameter is not accepted). */
export function bearerToken(req: SimRequest): string | undefined {
	const header = req.headers.authorization;
	if (!header) return undefined;
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
	return m ? m[1] : undefined;
}

export interface IdentityConfig {
	clientId: string;
	clientSecret: string;
	tokenTtlSeconds: number;
	apiUserEmail: string;
}

/** GET|POST /identity/oauth/token: params in the query, or form-encoded in a POST body. */
export function handleIdentity(req: SimRequest, tokens: TokenStore, cfg: IdentityConfig): SimResponse {
	const path = req.path.replace(/\/+$/, '');
	if (path !== '/identity/oauth/token') {
		return { status: 404, body: { error: 'not_found', error_description: 'Not Found' } };
	}
	if (req.method !== 'GET' && req.method !== 'POST') {
		return { status: 405, body: { error: 'method_not_allowed', error_description: `Request method '${req.method}' not supported` } };
	}
	const params = new URLSearchParams(req.url.search);
	const ct = String(req.headers['content-type'] ?? '');
	if (req.method === 'POST' && req.rawBody.length > 0 && ct.includes('application/x-www-form-urlencoded')) {
		for (const [k, v] of new URLSearchParams(req.rawBody.toString('utf8'))) if (!params.has(k)) params.set(k, v);
	}
	const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' };
	const grant = params.get('grant_type');
	if (!grant) {
		return { status: 400, headers: noStore, body: { error: 'invalid_request', error_description: 'Missing grant type' } };
	}
	if (grant !== 'client_credentials') {
		return { status: 400, headers: noStore, body: { error: 'unsupported_grant_type', error_description: `Unsupported grant type: ${grant}` } };
	}
	if (params.get('client_id') !== cfg.clientId || params.get('client_secret') !== cfg.clientSecret) {
		return { status: 401, headers: noStore, body: { error: 'unauthorized', error_description: 'Bad client credentials' } };
	}
	const { token, expiresIn } = tokens.issue(cfg.clientId, cfg.tokenTtlSeconds);
	return {
		status: 200,
		headers: noStore,
		body: { access_token: token, token_type: 'bearer', expires_in: expiresIn, scope: cfg.apiUserEmail },
	};
}
