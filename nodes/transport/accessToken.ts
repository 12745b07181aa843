import { createHash } from 'node:crypto';
import type { ICredentialDataDecryptedObject, IHttpRequestOptions } from 'n8n-workflow';

import type { ApiContext, FullResponse } from './context';

export type TokenCredentialType = 'microsoftDynamicsApi' | 'marketoApi';

/**
 * How often one call may have its token rejected and go on with a new one. One is the rule; more
 * cover a refresh that came back with a token that dies at once (Marketo re-issues its current
 * token with whatever life it has left, and a token can be revoked again between two calls).
 */
export const MAX_TOKEN_REFRESHES_PER_CALL = 3;

/**
 * One refresh per rejected token, shared by every call in this process that sent it. Keyed by a
 * hash of the rejected token (tokens are unique, so no credential key is needed): `done` settles
 * with the token the refresh brought, or undefined when the sign-in failed.
 */
interface Refresh {
	done: Promise<string | undefined>;
	/** When the refresh started, on `sequence`: calls that sent the token before that share it. */
	started: number;
	/** Set once a different token replaced the rejected one. */
	replacement?: string;
}

const refreshes = new Map<string, Refresh>();
/** Enough for every credential of a busy instance; the oldest entries go first. */
const MAX_REMEMBERED = 500;
/** Orders sends and refreshes (a counter, not the clock: two events in one millisecond stay ordered). */
let sequence = 0;
/** A call waits this long at most for another call's refresh, then refreshes itself. */
const REFRESH_WAIT_MS = 180_000;

function fingerprint(token: string): string {
	return createHash('sha256').update(token).digest('base64url');
}

/**
 * Whether an API rejected this token in this process. MSAL's cache would hand the same token out
 * again until its expiry: the Entra sign-in asks MSAL for a new one then (entraToken.ts).
 */
export function wasRejected(token: string | undefined): boolean {
	return !!token && refreshes.has(fingerprint(token));
}

/** The newest token known to have replaced `token` (following replacements of replacements). */
function newestFor(token: string): string {
	let current = token;
	for (let hops = 0; hops < 10; hops++) {
		const next = refreshes.get(fingerprint(current))?.replacement;
		if (!next || next === current) break;
		current = next;
	}
	return current;
}

async function settled(refresh: Refresh): Promise<string | undefined> {
	let timer: NodeJS.Timeout | undefined;
	const gaveUp = new Promise<undefined>((resolve) => {
		timer = setTimeout(() => resolve(undefined), REFRESH_WAIT_MS);
		timer.unref?.();
	});
	try {
		return await Promise.race([refresh.done, gaveUp]);
	} finally {
		clearTimeout(timer);
	}
}

/** Forgets every rejection (tests). */
export function clearRejectedTokens(): void {
	refreshes.clear();
}

/**
 * One API call's access token. n8n keeps the token in the credential's hidden expirable field and
 * runs the credential's preAuthentication (MSAL or Marketo Identity) only while that field is empty;
 * it stores what preAuthentication returns. So each request passes the credential data itself and
 * knows which token it carried. After the API rejects it, `rejected()` makes the next `prepare()`:
 * - reuse the token that already replaced it (another call refreshed first), waiting for a
 *   refresh of that same token still under way; or
 * - send the retry with the field emptied, so n8n fetches a new token and stores it for every
 *   later execution; the calls that sent the same token meanwhile wait for it and retry with it.
 */
export class CallToken {
	/** The token the last request carried ('' before the first request, or when sign-in failed). */
	private sent = '';
	/** When the last request was sent, on `sequence`. */
	private sentAt = 0;
	private rejectedToken?: string;
	private data?: ICredentialDataDecryptedObject;
	/** The refresh this call took on, for the token it sent that was refused. */
	private refresh?: { rejected: string; settle: (token: string | undefined) => void };

	constructor(
		private readonly ctx: ApiContext,
		private readonly type: TokenCredentialType,
	) {}

	/** The API refused the token of the last request (Dataverse 401, Marketo 601/602). */
	rejected(): void {
		this.rejectedToken = this.sent;
	}

	/**
	 * Chooses the token for the next request. Call it before taking a slot from the pacer (a call
	 * waiting for another's refresh holds no slot), and `abandon()` if no request follows.
	 */
	async prepare(): Promise<void> {
		this.abandon();
		const data = { ...(await this.ctx.getCredentials(this.type)) };
		const stored = String(data.accessToken ?? '');
		const rejected = this.rejectedToken;
		this.rejectedToken = undefined;
		if (rejected === undefined) {
			// A token this process saw rejected may still be what this execution read: skip it.
			data.accessToken = stored ? newestFor(stored) : '';
		} else if (!rejected) {
			data.accessToken = ''; // the sign-in itself failed last time: try it again
		} else {
			data.accessToken = await this.tokenReplacing(rejected);
		}
		this.data = data;
	}

	/**
	 * The token to send after `rejected` was refused: the one that already replaced it, or the
	 * result of a refresh that started after this call sent it; otherwise '' (this call refreshes).
	 */
	private async tokenReplacing(rejected: string): Promise<string> {
		const key = fingerprint(rejected);
		for (;;) {
			const known = refreshes.get(key);
			if (known?.replacement) return newestFor(known.replacement);
			if (!known || known.started < this.sentAt) break; // none, or an older one this call outlived
			const result = await settled(known);
			if (result) return newestFor(result);
			if (refreshes.get(key) === known) break; // it failed: try once more, here
		}
		let settle!: (token: string | undefined) => void;
		const entry: Refresh = { done: new Promise((resolve) => (settle = resolve)), started: ++sequence };
		remember(key, entry);
		this.refresh = {
			rejected,
			settle: (token) => {
				if (token && token !== rejected) entry.replacement = token;
				settle(token);
			},
		};
		return '';
	}

	/** Ends a refresh this call took on without sending (so the calls waiting for it go on). */
	abandon(): void {
		this.refresh?.settle(undefined);
		this.refresh = undefined;
	}

	/** Sends the request with the prepared token (n8n's preAuthentication fills an empty one). */
	async send(options: IHttpRequestOptions): Promise<FullResponse> {
		if (!this.data) await this.prepare();
		const data = this.data!;
		this.data = undefined;
		const refresh = this.refresh;
		this.refresh = undefined;
		const ref = this.ctx.getNode().credentials?.[this.type];
		this.sentAt = ++sequence;
		try {
			return (await this.ctx.helpers.httpRequestWithAuthentication.call(this.ctx, this.type, options, {
				credentialsDecrypted: { id: ref?.id ?? '', name: ref?.name ?? '', type: this.type, data },
			})) as FullResponse;
		} finally {
			// n8n writes the token preAuthentication fetched into `data` before sending.
			this.sent = String(data.accessToken ?? '');
			refresh?.settle(this.sent || undefined);
			// The sign-in failed: the next attempt of this call looks for a refresh again (another
			// call may have taken it on meanwhile).
			if (refresh && !this.sent) this.rejectedToken = refresh.rejected;
		}
	}
}

function remember(key: string, entry: Refresh): void {
	refreshes.delete(key);
	refreshes.set(key, entry);
	while (refreshes.size > MAX_REMEMBERED) refreshes.delete(refreshes.keys().next().value as string);
}
