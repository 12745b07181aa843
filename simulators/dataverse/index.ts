import type { QueryRecord } from '../common/counters';
import { SimServer, sleep, type SimRequest, type SimResponse } from '../common/http';
import type { FaultSpec } from '../common/faults';
import { decodeJwt } from '../entra/jwt';
import { buildBatchResponse, parseBatch, type BatchItem, type BatchRequestPart, type BatchResponseItem, type BatchResponsePart } from './batch';
import { DataverseError, payloadError, propertyNotFound, queryError, recordNotFound } from './errors';
import { ServiceProtection } from './limits';
import { csdl, handleMetadata } from './metadata';
import { parseExpand, parseSelect, runCollectionQuery, serializeWithExpand, typeNameOf } from './query';
import { isLookup, propertyName, type ColumnInput, type TableDef } from './schema';
import { Annotations, contextFragment, etagOf, parsePrefer, serializeRow } from './serialize';
import { DataverseStore, isoSeconds, type Row } from './store';
import { createRecord, deleteRecord, GUID_RE, mergeRecords, parseEntityReference, ROOT_BUSINESS_UNIT_ID, updateRecord, type WriteContext } from './writes';

export { DataverseStore, isoSeconds, type Row } from './store';
export { DataverseError } from './errors';
export { compileFilter, odataString } from './filter';
export type { AttributeDef, AttributeType, ColumnInput, TableDef } from './schema';
export { parseBatch, buildBatchResponse } from './batch';

/**
 * Microsoft Dataverse Web API simulator (the Dynamics 365 back end): OData v4 at `<url>/api/data/v9.2/`,
 * bearer tokens from the Entra simulator (decoded, not verified), change tracking, $batch, service
 * protection limits, metadata, and a `/__sim/` admin API for out-of-process drivers.
 */

export interface DataverseSimulatorOptions {
	/** Per user, default 6000 (429 beyond). */
	requestsPer300s?: number;
	/** Per user, default 52 (429 beyond). */
	concurrentRequests?: number;
	/** Default 7 (Organization.ExpireChangeTrackingInDays). */
	expireChangeTrackingInDays?: number;
	/** Default true: a sync application user, a human user and the connection roles. */
	seedDefaults?: boolean;
	/** Time every API request spends "in flight" (ms, default 0); makes concurrency limits observable. */
	latencyMs?: number;
	/** When set, tokens must carry this tid (default: any tenant). Also used in the 401 challenge. */
	tenantId?: string;
	/** Authority named in the 401 WWW-Authenticate challenge (default https://login.microsoftonline.com). */
	authorityUrl?: string;
	/** Reject type-specific properties (MaxLength, Targets…) in $select on the base Attributes collection, as real Dataverse does. Default false. */
	strictMetadata?: boolean;
}

export const SYNC_CLIENT_ID = 'dyn-client';
export const SYNC_USER_ID = 'a5c0de01-5e7a-4c3b-9f00-00000000a001';
export const HUMAN_USER_ID = 'a5c0de01-5e7a-4c3b-9f00-00000000a002';
export const ORGANIZATION_ID = '0e9a0000-0000-4000-8000-00000000e001';
export const BUSINESS_UNIT_ID = ROOT_BUSINESS_UNIT_ID;
export const CONNECTION_ROLE_IDS = {
	stakeholder: 'c0de0000-0000-4000-8000-00000000c001',
	decisionMaker: 'c0de0000-0000-4000-8000-00000000c002',
	salesTeamMember: 'c0de0000-0000-4000-8000-00000000c003',
} as const;

const JSON_TYPE = 'application/json; odata.metadata=minimal';
const MAX_BATCH_OPERATIONS = 1000;

interface Dispatch {
	method: string;
	/** Decoded path below /api/data/v9.x/ */
	resource: string;
	rawQuery: string;
	params: URLSearchParams;
	headers: Record<string, string | undefined>;
	rawBody: string;
	userId: string;
	apiBase: string;
	resolveReference?: WriteContext['resolveReference'];
	inBatch: boolean;
}

interface DispatchResult extends SimResponse {
	/** The entity a request created or addressed (for $batch Content-ID references). */
	entity?: { table: string; id: string };
}

export class DataverseSimulator {
	readonly server: SimServer;
	readonly store: DataverseStore;
	readonly syncUserId = SYNC_USER_ID;
	readonly humanUserId = HUMAN_USER_ID;
	readonly organizationId = ORGANIZATION_ID;
	readonly businessUnitId = BUSINESS_UNIT_ID;
	readonly connectionRoleIds = CONNECTION_ROLE_IDS;
	private clockOffsetMs = 0;
	private readonly protection: ServiceProtection;
	private operations = 0;
	private byUser: Record<string, number> = {};
	private readonly tokenDeadlines = new Map<string, number>();
	/** Tokens issued (iat, sim clock) before this second are revoked; see revokeTokens(). */
	private revokedBeforeSec = 0;
	private latencyMs: number;
	private readonly expireDays: number;
	private readonly options: DataverseSimulatorOptions;

	constructor(opts: DataverseSimulatorOptions = {}) {
		this.options = opts;
		this.expireDays = opts.expireChangeTrackingInDays ?? 7;
		this.latencyMs = opts.latencyMs ?? 0;
		this.store = new DataverseStore(() => this.now());
		this.protection = new ServiceProtection(
			{ requestsPer300s: opts.requestsPer300s ?? 6000, concurrentRequests: opts.concurrentRequests ?? 52 },
			() => this.now(),
		);
		this.server = new SimServer('Dataverse', (req) => this.handle(req));
		this.server.faults.onRevokeTokens = () => this.revokeTokens();
		if (opts.seedDefaults ?? true) this.seedDefaults();
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

	/** The simulator's clock (Date.now() moved by advanceClock). */
	now(): number {
		return Date.now() + this.clockOffsetMs;
	}

	// ------------------------------------------------------------ principals

	private seedDefaults(): void {
		const put = (table: string, row: Row) => this.store.put(table, { _createdby_value: HUMAN_USER_ID, _modifiedby_value: HUMAN_USER_ID, ...row });
		put('systemuser', {
			systemuserid: SYNC_USER_ID,
			firstname: '#',
			lastname: 'Dynamics Sync',
			domainname: `${SYNC_CLIENT_ID}@contoso.test`,
			internalemailaddress: `${SYNC_CLIENT_ID}@contoso.test`,
			applicationid: SYNC_CLIENT_ID,
			accessmode: 4,
			_businessunitid_value: BUSINESS_UNIT_ID,
		});
		put('systemuser', {
			systemuserid: HUMAN_USER_ID,
			firstname: 'Alex',
			lastname: 'Admin',
			domainname: 'admin@contoso.test',
			internalemailaddress: 'admin@contoso.test',
			title: 'CRM Administrator',
			_businessunitid_value: BUSINESS_UNIT_ID,
		});
		put('connectionrole', { connectionroleid: CONNECTION_ROLE_IDS.stakeholder, name: 'Stakeholder', category: 1000 });
		put('connectionrole', { connectionroleid: CONNECTION_ROLE_IDS.decisionMaker, name: 'Decision Maker', category: 1000 });
		put('connectionrole', { connectionroleid: CONNECTION_ROLE_IDS.salesTeamMember, name: 'Sales Team Member', category: 1001 });
	}

	/** Adds an application user (S2S): a systemuser whose applicationid is the Entra client id. */
	addApplicationUser(clientId: string, opts: { disabled?: boolean } = {}): string {
		const existing = this.store.all('systemuser', (u) => typeof u.applicationid === 'string' && u.applicationid.toLowerCase() === clientId.toLowerCase())[0];
		if (existing) {
			this.store.put('systemuser', { ...this.store.raw('systemuser', existing.systemuserid as string), isdisabled: !!opts.disabled });
			return existing.systemuserid as string;
		}
		const row = this.store.put('systemuser', {
			firstname: '#',
			lastname: clientId,
			domainname: `${clientId}@contoso.test`,
			internalemailaddress: `${clientId}@contoso.test`,
			applicationid: clientId,
			accessmode: 4,
			isdisabled: !!opts.disabled,
			_businessunitid_value: BUSINESS_UNIT_ID,
			_createdby_value: HUMAN_USER_ID,
			_modifiedby_value: HUMAN_USER_ID,
		});
		return row.systemuserid as string;
	}

	/** Adds an interactive user (ROPC tokens map to it through domainname = upn). */
	addInteractiveUser(domainname: string, opts: { firstname?: string; lastname?: string; disabled?: boolean } = {}): string {
		const local = domainname.split('@')[0];
		const row = this.store.put('systemuser', {
			firstname: opts.firstname ?? local.split(/[._]/)[0],
			lastname: opts.lastname ?? (local.split(/[._]/)[1] ?? local),
			domainname,
			internalemailaddress: domainname,
			isdisabled: !!opts.disabled,
			_businessunitid_value: BUSINESS_UNIT_ID,
			_createdby_value: HUMAN_USER_ID,
			_modifiedby_value: HUMAN_USER_ID,
		});
		return row.systemuserid as string;
	}

	// ------------------------------------------------------------ acting as a person in the Dynamics UI

	private uiContext(asUserId?: string): WriteContext {
		return { store: this.store, userId: (asUserId ?? HUMAN_USER_ID).toLowerCase(), mode: 'ui' };
	}

	create(table: string, row: Record<string, unknown>, asUserId?: string): Record<string, unknown> {
		const def = this.store.definition(table);
		const created = createRecord(this.uiContext(asUserId), def, row);
		return this.store.get(def.logicalName, created[def.primaryIdAttribute] as string)!;
	}

	update(table: string, id: string, changes: Record<string, unknown>, asUserId?: string): Record<string, unknown> {
		const def = this.store.definition(table);
		updateRecord(this.uiContext(asUserId), def, id, changes);
		return this.store.get(def.logicalName, id)!;
	}

	delete(table: string, id: string, asUserId?: string): void {
		deleteRecord(this.uiContext(asUserId), this.store.definition(table), id);
	}

	merge(table: 'lead' | 'contact' | 'account', winnerId: string, loserId: string, asUserId?: string): void {
		mergeRecords(this.uiContext(asUserId), table, winnerId, loserId);
	}

	connect(
		record1: { table: string; id: string },
		record2: { table: string; id: string },
		roleId: string,
		asUserId?: string,
	): { forward: string; reciprocal: string } {
		const def = this.store.definition('connection');
		const row = createRecord(this.uiContext(asUserId), def, {
			_record1id_value: record1.id,
			'_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname': record1.table,
			_record2id_value: record2.id,
			'_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': record2.table,
			_record2roleid_value: roleId,
		});
		return { forward: row.connectionid as string, reciprocal: row._relatedconnectionid_value as string };
	}

	// ------------------------------------------------------------ test controls

	setChangeTracking(table: string, enabled: boolean): void {
		this.store.definition(table).changeTrackingEnabled = enabled;
	}

	/** Every delta token issued so far answers ExpiredVersionStamp. */
	expireDeltaTokens(): void {
		this.store.minValidTokenVersion = this.store.nextVersion();
	}

	advanceClock(ms: number): void {
		this.clockOffsetMs += ms;
	}

	/**
	 * Dataverse stops accepting every access token issued so far, before its expiry (an admin
	 * revoked the sessions, the app user was reset, continuous access evaluation): each answers 401
	 * from now on; tokens issued afterwards work.
	 */
	revokeTokens(): void {
		const sim = this.now();
		for (const token of this.tokenDeadlines.keys()) this.tokenDeadlines.set(token, sim);
		this.revokedBeforeSec = Math.floor(sim / 1000);
	}

	setLimits(l: { requestsPer300s?: number; concurrentRequests?: number }): void {
		if (l.requestsPer300s !== undefined) this.protection.limits.requestsPer300s = l.requestsPer300s;
		if (l.concurrentRequests !== undefined) this.protection.limits.concurrentRequests = l.concurrentRequests;
	}

	/** Time each API request stays in flight (ms). */
	setLatency(ms: number): void {
		this.latencyMs = Math.max(0, ms);
	}

	seedRows(table: string, count: number, template?: (i: number) => Record<string, unknown>): void {
		const def = this.store.definition(table);
		const stamp = isoSeconds(this.now());
		const user = HUMAN_USER_ID;
		const owned = def.properties.has('_ownerid_value');
		const make = template ?? defaultTemplate(def.logicalName);
		this.store.bulkInsert(def.logicalName, count, (i) => {
			const row: Row = owned
				? { createdon: stamp, modifiedon: stamp, _createdby_value: user, _modifiedby_value: user, _ownerid_value: user }
				: { createdon: stamp, modifiedon: stamp, _createdby_value: user, _modifiedby_value: user };
			const values = make(i);
			for (const key in values) row[key] = values[key];
			return row;
		});
	}

	stats(): {
		calls: number;
		operations: number;
		peakConcurrency: number;
		limitHits: Record<string, number>;
		byRoute: Record<string, number>;
		byUser: Record<string, number>;
		errors: Record<string, number>;
		inFlight: number;
		queries: QueryRecord[];
	} {
		const c = this.server.counters;
		return {
			calls: c.calls,
			operations: this.operations,
			peakConcurrency: c.peakConcurrency,
			limitHits: { ...c.limitHits },
			byRoute: { ...c.byRoute },
			byUser: { ...this.byUser },
			errors: { ...c.errors },
			inFlight: c.inFlight,
			queries: [...c.queries],
		};
	}

	resetCounters(): void {
		this.server.counters.reset();
		this.operations = 0;
		this.byUser = {};
	}

	/** Back to the initial state: data, schema, counters, limits, faults, clock. */
	reset(): void {
		this.store.clear();
		this.store.resetSchema();
		if (this.options.seedDefaults ?? true) this.seedDefaults();
		this.resetCounters();
		this.protection.reset();
		this.setLimits({ requestsPer300s: this.options.requestsPer300s ?? 6000, concurrentRequests: this.options.concurrentRequests ?? 52 });
		this.latencyMs = this.options.latencyMs ?? 0;
		this.server.faults.clear();
		this.clockOffsetMs = 0;
		this.tokenDeadlines.clear();
		this.revokedBeforeSec = 0;
	}

	// ------------------------------------------------------------ HTTP

	private async handle(req: SimRequest): Promise<SimResponse> {
		return lowerCaseHeaders(req.path.startsWith('/__sim/') ? this.admin(req) : await this.api(req));
	}

	private async api(req: SimRequest): Promise<SimResponse> {
		const api = /^\/api\/data\/(v\d+\.\d+)(?:\/(.*))?$/i.exec(req.path);
		const resource = api ? safeDecode(api[2] ?? '') : req.path;
		const end = this.server.counters.begin(routeKey(req.method, resource));
		try {
			if (!api) throw new DataverseError(404, '', `Resource not found for the segment '${req.path}'.`);
			const apiBase = `${this.url}/api/data/${api[1]}`;
			const userId = this.authenticate(req);
			let batch: BatchItem[] | undefined;
			let operations = 1;
			const isBatch = resource === '$batch';
			if (isBatch) {
				if (req.method !== 'POST') throw methodNotAllowed(req.method);
				batch = parseBatch(header(req.headers['content-type']), req.rawBody);
				operations = batch.reduce((n, item) => n + (item.kind === 'request' ? 1 : item.requests.length), 0);
				if (operations > MAX_BATCH_OPERATIONS) {
					throw new DataverseError(400, '0x80060891', `Number of requests in a batch exceeded the limit of ${MAX_BATCH_OPERATIONS}.`);
				}
			}
			const retryMs = this.protection.windowRetryAfterMs(userId);
			if (retryMs > 0) {
				this.limitHit('0x80072322');
				throw new DataverseError(
					429,
					'0x80072322',
					`Number of requests exceeded the limit of ${this.protection.limits.requestsPer300s} over time window of 300 seconds.`,
					{ 'Retry-After': String(Math.ceil(retryMs / 1000)) },
				);
			}
			if (!this.protection.enter(userId)) {
				this.limitHit('0x80072326');
				throw new DataverseError(429, '0x80072326', `Number of concurrent requests exceeded the limit of ${this.protection.limits.concurrentRequests}.`, {
					'Retry-After': '1',
				});
			}
			try {
				this.protection.record(userId, operations);
				this.operations += operations;
				this.byUser[userId] = (this.byUser[userId] ?? 0) + operations;
				if (this.latencyMs > 0) await sleep(this.latencyMs);
				const headers = this.rateHeaders(userId);
				if (batch) return this.withHeaders(this.executeBatch(batch, req, userId, apiBase), headers);
				const result = this.dispatch({
					method: req.method,
					resource,
					rawQuery: req.url.search.replace(/^\?/, ''),
					params: req.url.searchParams,
					headers: flattenHeaders(req.headers),
					rawBody: req.rawBody.toString('utf8'),
					userId,
					apiBase,
					inBatch: false,
				});
				if (result.status >= 400) this.server.counters.error(errorCodeOf(result));
				return this.withHeaders(result, headers);
			} finally {
				this.protection.leave(userId);
			}
		} catch (error) {
			if (error instanceof DataverseError) {
				this.server.counters.error(error.code || error.status);
				return errorResponse(error);
			}
			throw error;
		} finally {
			end();
		}
	}

	private limitHit(code: string) {
		this.server.counters.hit('429');
		this.server.counters.hit(code);
	}

	private rateHeaders(userId: string): Record<string, string> {
		return {
			'x-ms-ratelimit-burst-remaining-xrm-requests': String(this.protection.remaining(userId)),
			'x-ms-ratelimit-time-remaining-xrm-requests': '1200000.00',
		};
	}

	private withHeaders(response: SimResponse, headers: Record<string, string>): SimResponse {
		return { ...response, headers: { ...headers, ...(response.headers ?? {}) } };
	}

	private challenge(error?: string): string {
		const authority = (this.options.authorityUrl ?? 'https://login.microsoftonline.com').replace(/\/+$/, '');
		const tenant = this.options.tenantId ?? 'common';
		const base = `Bearer authorization_uri=${authority}/${tenant}/oauth2/authorize, resource_id=${this.url}/`;
		return error ? `Bearer error=invalid_token, error_description="${error}", ${base.slice('Bearer '.length)}` : base;
	}

	private unauthorized(message: string, tokenError?: string): DataverseError {
		return new DataverseError(401, '', message, { 'WWW-Authenticate': this.challenge(tokenError) });
	}

	/** Validates the bearer token and maps it to a systemuser id. */
	private authenticate(req: SimRequest): string {
		const auth = header(req.headers.authorization);
		if (!auth || !/^Bearer\s+\S/i.test(auth)) {
			throw this.unauthorized('Authorization failed: the request does not carry a bearer token in the Authorization header.');
		}
		const token = auth.replace(/^Bearer\s+/i, '').trim();
		const decoded = decodeJwt(token);
		if (!decoded) throw this.unauthorized('Bearer error=invalid_token, error_description=Error during token validation!', 'Error during token validation!');
		const p = decoded.payload;
		const aud = typeof p.aud === 'string' ? p.aud.replace(/\/+$/, '').toLowerCase() : '';
		if (aud !== this.url.toLowerCase()) {
			throw this.unauthorized(
				`Bearer error=invalid_token, error_description=The audience '${String(p.aud)}' of the access token is not valid for the environment '${this.url}'.`,
				'Error during token validation!',
			);
		}
		if (this.options.tenantId && String(p.tid ?? '').toLowerCase() !== this.options.tenantId.toLowerCase()) {
			throw this.unauthorized(`Bearer error=invalid_token, error_description=The access token was issued by a different tenant '${String(p.tid)}'.`, 'Error during token validation!');
		}
		if (typeof p.exp !== 'number' || this.tokenExpired(token, p.exp) || (typeof p.iat === 'number' && p.iat < this.revokedBeforeSec)) {
			throw this.unauthorized('Bearer error=invalid_token, error_description=The access token has expired.', 'Error during token validation!');
		}
		const upn = typeof p.upn === 'string' ? p.upn : typeof p.unique_name === 'string' && !p.appid ? p.unique_name : undefined;
		let user: Row | undefined;
		if (upn) {
			const wanted = upn.toLowerCase();
			user = this.store.all('systemuser', (u) => typeof u.domainname === 'string' && u.domainname.toLowerCase() === wanted)[0];
		} else if (typeof p.appid === 'string' || typeof p.azp === 'string') {
			const wanted = String(p.appid ?? p.azp).toLowerCase();
			user = this.store.all('systemuser', (u) => typeof u.applicationid === 'string' && u.applicationid.toLowerCase() === wanted)[0];
		}
		if (!user) throw new DataverseError(403, '0x80072560', 'The user is not a member of the organization.');
		if (user.isdisabled === true) {
			throw new DataverseError(
				403,
				'0x80072560',
				`The user with SystemUserId=${String(user.systemuserid)} in OrganizationContext=${ORGANIZATION_ID} is disabled. Disabled users cannot access the system. Consider enabling this user. Additionally, users are disabled if they don't have a license.`,
			);
		}
		return user.systemuserid as string;
	}

	/** Expiry on the simulator clock: a token expires once its lifetime has passed on that clock since it was first seen. */
	private tokenExpired(token: string, exp: number): boolean {
		const sim = this.now();
		let deadline = this.tokenDeadlines.get(token);
		if (deadline === undefined) {
			deadline = exp * 1000 + this.clockOffsetMs;
			if (this.tokenDeadlines.size > 10_000) {
				for (const [key, value] of this.tokenDeadlines) if (value <= sim) this.tokenDeadlines.delete(key);
			}
			this.tokenDeadlines.set(token, deadline);
		}
		return sim >= deadline;
	}

	// ------------------------------------------------------------ routing

	private writeContext(d: Dispatch): WriteContext {
		return { store: this.store, userId: d.userId, mode: 'api', resolveReference: d.resolveReference };
	}

	private dispatch(d: Dispatch): DispatchResult {
		try {
			const result = this.route(d);
			const filter = d.params.get('$filter');
			if (d.method === 'GET' && filter !== null) {
				const value = (result.body as { value?: unknown[] } | undefined)?.value;
				this.server.counters.query({ route: `GET ${d.resource}`, filter, matched: Array.isArray(value) ? value.length : 0 });
			}
			return result;
		} catch (error) {
			if (error instanceof DataverseError) return errorResponse(error);
			throw error;
		}
	}

	private route(d: Dispatch): DispatchResult {
		const segments = d.resource.split('/');
		const first = segments[0];
		if (first === '') {
			if (d.method !== 'GET') throw methodNotAllowed(d.method);
			return json(200, {
				'@odata.context': `${d.apiBase}/$metadata`,
				value: [...this.store.schema.values()].map((t) => ({ name: t.entitySetName, kind: 'EntitySet', url: t.entitySetName })),
			});
		}
		if (first === '$metadata') {
			return { status: 200, headers: { 'Content-Type': 'application/xml', 'OData-Version': '4.0' }, body: csdl(this.store) };
		}
		if (first === '$batch') throw queryError('Batch requests cannot be nested.');
		if (first === 'WhoAmI' || first === 'WhoAmI()') {
			if (d.method !== 'GET') throw methodNotAllowed(d.method);
			return json(200, {
				'@odata.context': `${d.apiBase}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
				BusinessUnitId: BUSINESS_UNIT_ID,
				UserId: d.userId,
				OrganizationId: ORGANIZATION_ID,
			});
		}
		if (first === 'Merge' || first === 'Microsoft.Dynamics.CRM.Merge') return this.mergeAction(d);
		if (first.startsWith('EntityDefinitions')) {
			if (d.method !== 'GET') throw methodNotAllowed(d.method);
			const body = handleMetadata({ store: this.store, apiBase: d.apiBase, segments, params: d.params, strict: !!this.options.strictMetadata });
			return json(200, body);
		}
		const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/.exec(first);
		const def = m ? this.store.byEntitySet(m[1]) : undefined;
		if (!m || !def) throw queryError(`Resource not found for the segment '${m ? m[1] : first}'.`, 404);
		if (m[2] === undefined) return this.collection(d, def, segments.slice(1));
		const id = parseKey(def, m[2]);
		return this.single(d, def, id, segments.slice(1));
	}

	private parseBody(d: Dispatch, def: TableDef | undefined): unknown {
		if (d.rawBody.trim() === '') return undefined;
		try {
			return JSON.parse(d.rawBody);
		} catch (error) {
			throw payloadError(def?.entitySetName ?? '', `Invalid JSON. ${(error as Error).message}`);
		}
	}

	private collection(d: Dispatch, def: TableDef, rest: string[]): DispatchResult {
		if (rest[0] === '$count') {
			if (d.method !== 'GET') throw methodNotAllowed(d.method);
			return { status: 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, body: String(Math.min(this.store.count(def.logicalName), 5000)) };
		}
		if (rest.length) throw queryError(`Resource not found for the segment '${rest[0]}'.`, 404);
		const prefer = parsePrefer(d.headers.prefer);
		if (d.method === 'GET') {
			const out = runCollectionQuery({
				store: this.store,
				def,
				params: d.params,
				rawQuery: d.rawQuery,
				prefer,
				apiBase: d.apiBase,
				resourcePath: def.entitySetName,
				expireChangeTrackingInDays: this.expireDays,
			});
			const headers: Record<string, string> = {};
			if (out.preferenceApplied.length) headers['Preference-Applied'] = out.preferenceApplied.join(',');
			return json(200, out.body, headers);
		}
		if (d.method === 'POST') {
			const body = this.parseBody(d, def);
			const row = createRecord(this.writeContext(d), def, body);
			const id = row[def.primaryIdAttribute] as string;
			const entityUrl = `${d.apiBase}/${def.entitySetName}(${id})`;
			if (prefer.returnRepresentation) {
				const select = parseSelect(def, d.params.get('$select'));
				const annotations = new Annotations(prefer.includeAnnotations);
				return {
					...json(201, { '@odata.context': `${d.apiBase}/$metadata#${contextFragment(def, select)}/$entity`, ...serializeRow(this.store, def, row, select, annotations) }, {
						'Preference-Applied': 'return=representation',
						ETag: etagOf(row),
					}),
					entity: { table: def.logicalName, id },
				};
			}
			return { status: 204, headers: { 'OData-Version': '4.0', 'OData-EntityId': entityUrl }, entity: { table: def.logicalName, id } };
		}
		throw methodNotAllowed(d.method);
	}

	private single(d: Dispatch, def: TableDef, id: string, rest: string[]): DispatchResult {
		const prefer = parsePrefer(d.headers.prefer);
		const annotations = new Annotations(prefer.includeAnnotations);
		const entityUrl = `${d.apiBase}/${def.entitySetName}(${id})`;
		const entity = { table: def.logicalName, id };
		if (rest.length > 0) return this.singleProperty(d, def, id, rest, annotations);
		if (d.method === 'GET') {
			const row = this.store.raw(def.logicalName, id);
			if (!row) throw recordNotFound(def.logicalName, id);
			const select = parseSelect(def, d.params.get('$select'));
			const expand = parseExpand(this.store, def, d.params.get('$expand'));
			const ifNoneMatch = d.headers['if-none-match'];
			if (ifNoneMatch && ifNoneMatch !== 'null' && ifNoneMatch === etagOf(row) && expand.length === 0 && !annotations.any) {
				return { status: 304, headers: { 'OData-Version': '4.0' } };
			}
			const headers: Record<string, string> = { ETag: etagOf(row) };
			if (prefer.includeAnnotations) headers['Preference-Applied'] = `odata.include-annotations="${prefer.includeAnnotations}"`;
			return {
				...json(200, { '@odata.context': `${d.apiBase}/$metadata#${contextFragment(def, select)}/$entity`, ...serializeWithExpand(this.store, def, row, select, annotations, expand) }, headers),
				entity,
			};
		}
		if (d.method === 'PATCH') {
			const body = this.parseBody(d, def);
			const ifMatch = d.headers['if-match'];
			const ifNoneMatch = d.headers['if-none-match'];
			const existing = this.store.raw(def.logicalName, id);
			const ctx = this.writeContext(d);
			let created = false;
			if (ifNoneMatch === '*') {
				if (existing) throw new DataverseError(412, '0x80040237', 'A record with matching key values already exists.');
				createRecord(ctx, def, body, id);
				created = true;
			} else if (ifMatch) {
				if (!existing) throw recordNotFound(def.logicalName, id);
				if (ifMatch !== '*' && ifMatch !== etagOf(existing)) throw versionMismatch();
				updateRecord(ctx, def, id, body);
			} else if (existing) {
				updateRecord(ctx, def, id, body);
			} else {
				createRecord(ctx, def, body, id);
				created = true;
			}
			const row = this.store.raw(def.logicalName, id)!;
			if (prefer.returnRepresentation) {
				const select = parseSelect(def, d.params.get('$select'));
				return {
					...json(created ? 201 : 200, { '@odata.context': `${d.apiBase}/$metadata#${contextFragment(def, select)}/$entity`, ...serializeRow(this.store, def, row, select, annotations) }, {
						'Preference-Applied': 'return=representation',
						ETag: etagOf(row),
					}),
					entity,
				};
			}
			return { status: 204, headers: { 'OData-Version': '4.0', 'OData-EntityId': entityUrl }, entity };
		}
		if (d.method === 'DELETE') {
			const existing = this.store.raw(def.logicalName, id);
			if (!existing) throw recordNotFound(def.logicalName, id);
			const ifMatch = d.headers['if-match'];
			if (ifMatch && ifMatch !== '*' && ifMatch !== etagOf(existing)) throw versionMismatch();
			deleteRecord(this.writeContext(d), def, id);
			return { status: 204, headers: { 'OData-Version': '4.0' } };
		}
		throw methodNotAllowed(d.method);
	}

	/** `leads(id)/firstname`, `leads(id)/parentaccountid`, `leads(id)/parentaccountid/$ref`. */
	private singleProperty(d: Dispatch, def: TableDef, id: string, rest: string[], annotations: Annotations): DispatchResult {
		const row = this.store.raw(def.logicalName, id);
		if (!row) throw recordNotFound(def.logicalName, id);
		const name = rest[0];
		const nav = def.navigation.get(name);
		if (rest[1] === '$ref') {
			if (!nav) throw propertyNotFound(name, typeNameOf(def));
			if (d.method === 'DELETE') {
				updateRecord(this.writeContext(d), def, id, { [`${name}@odata.bind`]: null });
				return { status: 204, headers: { 'OData-Version': '4.0' } };
			}
			if (d.method === 'PUT') {
				const body = this.parseBody(d, def) as Record<string, unknown> | undefined;
				const ref = body?.['@odata.id'];
				if (typeof ref !== 'string') throw payloadError(def.entitySetName, "The '@odata.id' annotation is missing.");
				updateRecord(this.writeContext(d), def, id, { [`${name}@odata.bind`]: ref });
				return { status: 204, headers: { 'OData-Version': '4.0' } };
			}
			throw methodNotAllowed(d.method);
		}
		if (rest.length > 1 && rest[1] !== '$value') throw queryError(`Resource not found for the segment '${rest[1]}'.`, 404);
		if (nav) {
			if (d.method !== 'GET') throw methodNotAllowed(d.method);
			const target = this.store.lookupTarget(def, row, nav.attribute.logicalName);
			const targetId = row[propertyName(nav.attribute)];
			const targetDef = target ? this.store.tryDefinition(target) : undefined;
			const targetRow = targetDef && typeof targetId === 'string' ? this.store.raw(targetDef.logicalName, targetId) : undefined;
			if (!targetDef || !targetRow || (nav.target !== '*' && nav.target !== target)) return { status: 204, headers: { 'OData-Version': '4.0' } };
			const select = parseSelect(targetDef, d.params.get('$select'));
			return json(200, { '@odata.context': `${d.apiBase}/$metadata#${contextFragment(targetDef, select)}/$entity`, ...serializeRow(this.store, targetDef, targetRow, select, annotations) });
		}
		const a = def.properties.get(name);
		if (!a) throw propertyNotFound(name, typeNameOf(def));
		if (d.method === 'GET') {
			const value = this.store.value(def, row, name);
			if (rest[1] === '$value') return { status: value === null ? 204 : 200, headers: { 'Content-Type': 'text/plain', 'OData-Version': '4.0' }, body: value === null ? undefined : String(value) };
			return json(200, { '@odata.context': `${d.apiBase}/$metadata#${def.entitySetName}(${id})/${name}`, value });
		}
		if (d.method === 'PUT' || d.method === 'DELETE') {
			if (isLookup(a)) throw new DataverseError(400, '0x80048d19', 'CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.');
			const body = d.method === 'PUT' ? (this.parseBody(d, def) as Record<string, unknown> | undefined) : { value: null };
			if (!body || !('value' in body)) throw payloadError(def.entitySetName, "The property 'value' is missing.");
			updateRecord(this.writeContext(d), def, id, { [name]: body.value });
			return { status: 204, headers: { 'OData-Version': '4.0' } };
		}
		throw methodNotAllowed(d.method);
	}

	private mergeAction(d: Dispatch): DispatchResult {
		if (d.method !== 'POST') throw methodNotAllowed(d.method);
		const body = this.parseBody(d, undefined) as Record<string, unknown> | undefined;
		const target = body?.Target as Record<string, unknown> | undefined;
		const subordinate = body?.Subordinate as Record<string, unknown> | undefined;
		if (!target || typeof target !== 'object') throw payloadError('', "The parameter 'Target' in the request payload is not a valid parameter for the operation 'Merge'.");
		if (!subordinate || typeof subordinate !== 'object') throw payloadError('', "The parameter 'Subordinate' in the request payload is not a valid parameter for the operation 'Merge'.");
		const table = String(target['@odata.type'] ?? '')
			.replace(/^#/, '')
			.replace(/^Microsoft\.Dynamics\.CRM\./, '');
		const def = this.store.tryDefinition(table);
		if (!def) throw payloadError('', "The '@odata.type' annotation of the 'Target' parameter is missing or names an unknown entity type.");
		const subordinateType = String(subordinate['@odata.type'] ?? `Microsoft.Dynamics.CRM.${table}`)
			.replace(/^#/, '')
			.replace(/^Microsoft\.Dynamics\.CRM\./, '');
		if (subordinateType !== def.logicalName) throw new DataverseError(400, '0x80040203', 'The target and the subordinate must be records of the same entity type.');
		const winner = target[def.primaryIdAttribute];
		const loser = subordinate[def.primaryIdAttribute];
		if (typeof winner !== 'string' || !GUID_RE.test(winner)) throw payloadError('', `The 'Target' parameter must carry '${def.primaryIdAttribute}'.`);
		if (typeof loser !== 'string' || !GUID_RE.test(loser)) throw payloadError('', `The 'Subordinate' parameter must carry '${def.primaryIdAttribute}'.`);
		const content = body?.UpdateContent as Record<string, unknown> | undefined;
		const update = content ? Object.fromEntries(Object.entries(content).filter(([k]) => k !== '@odata.type')) : undefined;
		mergeRecords(this.writeContext(d), def.logicalName, winner, loser, update);
		return { status: 204, headers: { 'OData-Version': '4.0' } };
	}

	// ------------------------------------------------------------ $batch

	private executeBatch(items: BatchItem[], req: SimRequest, userId: string, apiBase: string): SimResponse {
		const prefer = parsePrefer(header(req.headers.prefer));
		for (const item of items) {
			if (item.kind !== 'changeset') continue;
			for (const part of item.requests) {
				if (part.method === 'GET') {
					throw queryError(
						"An invalid HTTP method 'GET' was detected for a request in a change set. Requests in change sets only support the HTTP methods 'POST', 'PUT', 'DELETE', and 'PATCH'.",
					);
				}
			}
		}
		const refs = new Map<string, { table: string; id: string }>();
		const out: BatchResponseItem[] = [];
		let failed = false;
		const run = (part: BatchRequestPart): BatchResponsePart => {
			const result = this.runBatchPart(part, refs, userId, apiBase);
			if (part.contentId !== undefined && result.entity && result.status < 400) refs.set(part.contentId, result.entity);
			if (result.status >= 400) this.server.counters.error(errorCodeOf(result));
			return toBatchPart(result, part.contentId);
		};
		for (const item of items) {
			if (item.kind === 'request') {
				const part = run(item.request);
				out.push({ kind: 'response', part });
				if (part.status >= 400) {
					failed = true;
					if (!prefer.continueOnError) break;
				}
				continue;
			}
			this.store.begin();
			const parts: BatchResponsePart[] = [];
			let failure: BatchResponsePart | undefined;
			const added: string[] = [];
			for (const request of item.requests) {
				const part = run(request);
				if (part.status >= 400) {
					failure = part;
					break;
				}
				if (request.contentId !== undefined) added.push(request.contentId);
				parts.push(part);
			}
			if (failure) {
				this.store.rollback();
				for (const id of added) refs.delete(id);
				out.push({ kind: 'response', part: failure });
				failed = true;
				if (!prefer.continueOnError) break;
			} else {
				this.store.commit();
				out.push({ kind: 'changeset', parts });
			}
		}
		const { contentType, body } = buildBatchResponse(out);
		const headers: Record<string, string> = { 'Content-Type': contentType, 'OData-Version': '4.0' };
		if (prefer.continueOnError) headers['Preference-Applied'] = 'odata.continue-on-error';
		return { status: failed && !prefer.continueOnError ? 400 : 200, headers, body };
	}

	private runBatchPart(part: BatchRequestPart, refs: Map<string, { table: string; id: string }>, userId: string, apiBase: string): DispatchResult {
		const resolveReference = (ref: string) => refs.get(ref.replace(/^\$/, ''));
		let url = part.url;
		try {
			const refMatch = /^\$(\w+)(.*)$/.exec(url);
			if (refMatch) {
				const target = refs.get(refMatch[1]);
				if (!target) throw queryError(`Content-ID Reference: '$${refMatch[1]}' does not exist in the batch context.`);
				const def = this.store.definition(target.table);
				url = `${def.entitySetName}(${target.id})${refMatch[2]}`;
			}
			const pathAndQuery = url.replace(/^https?:\/\/[^/]+/i, '');
			const q = pathAndQuery.indexOf('?');
			const path = (q >= 0 ? pathAndQuery.slice(0, q) : pathAndQuery).replace(/^\/?api\/data\/v\d+\.\d+\/?/i, '').replace(/^\//, '');
			const rawQuery = q >= 0 ? pathAndQuery.slice(q + 1) : '';
			const resource = safeDecode(path);
			this.server.counters.byRoute[`$batch ${routeKey(part.method, resource)}`] = (this.server.counters.byRoute[`$batch ${routeKey(part.method, resource)}`] ?? 0) + 1;
			return this.dispatch({
				method: part.method,
				resource,
				rawQuery,
				params: new URLSearchParams(rawQuery),
				headers: part.headers,
				rawBody: part.body,
				userId,
				apiBase,
				resolveReference,
				inBatch: true,
			});
		} catch (error) {
			if (error instanceof DataverseError) return errorResponse(error);
			throw error;
		}
	}

	// ------------------------------------------------------------ admin API

	private admin(req: SimRequest): SimResponse {
		try {
			return this.adminRoute(req);
		} catch (error) {
			if (error instanceof DataverseError) return errorResponse(error);
			return { status: 400, body: { error: { code: '', message: (error as Error).message } } };
		}
	}

	private adminRoute(req: SimRequest): SimResponse {
		const parts = req.path.split('/').filter(Boolean).slice(1).map(safeDecode);
		const body = (parseLoose(req.rawBody) ?? {}) as Record<string, unknown>;
		const method = req.method;
		const [head, a, b] = parts;
		const ok = (value: unknown = { ok: true }) => ({ status: 200, body: value });
		if (head === 'stats' && method === 'GET') return ok(this.stats());
		if (head === 'reset-counters' && method === 'POST') {
			this.resetCounters();
			return ok();
		}
		if (head === 'reset' && method === 'POST') {
			this.reset();
			return ok();
		}
		if (head === 'faults') {
			if (method === 'PUT' || method === 'POST') {
				const specs = parseLoose(req.rawBody);
				this.server.faults.set((Array.isArray(specs) ? specs : []) as FaultSpec[]);
				return ok(this.server.faults.list());
			}
			if (method === 'DELETE') {
				this.server.faults.clear();
				return ok();
			}
			if (method === 'GET') return ok(this.server.faults.list());
		}
		if (head === 'limits' && (method === 'PUT' || method === 'POST')) {
			this.setLimits(body as { requestsPer300s?: number; concurrentRequests?: number });
			if (typeof body.latencyMs === 'number') this.setLatency(body.latencyMs);
			return ok({ ...this.protection.limits, latencyMs: this.latencyMs });
		}
		if (head === 'latency' && (method === 'PUT' || method === 'POST')) {
			this.setLatency(Number(body.ms ?? body.latencyMs ?? 0));
			return ok({ latencyMs: this.latencyMs });
		}
		if (head === 'expire-delta-tokens' && method === 'POST') {
			this.expireDeltaTokens();
			return ok();
		}
		if (head === 'revoke-tokens' && method === 'POST') {
			this.revokeTokens();
			return ok();
		}
		if (head === 'clock' && method === 'POST') {
			this.advanceClock(Number(body.advanceMs ?? 0));
			return ok({ now: new Date(this.now()).toISOString() });
		}
		if (head === 'change-tracking' && method === 'POST') {
			this.setChangeTracking(String(body.table), body.enabled !== false);
			return ok();
		}
		if (head === 'tables' && a && method === 'GET') {
			const def = this.store.definition(a);
			if (b) {
				const row = this.store.get(def.logicalName, b);
				return row ? ok(row) : { status: 404, body: recordNotFound(def.logicalName, b).toBody() };
			}
			const filters = [...req.url.searchParams.entries()];
			const rows = this.store.all(def.logicalName, (row) =>
				filters.every(([field, value]) => {
					const v = row[field];
					if (value === 'null') return v === null || v === undefined;
					return typeof v === 'string' ? v.toLowerCase() === value.toLowerCase() : String(v) === value;
				}),
			);
			return ok({ value: rows, count: rows.length });
		}
		if (head === 'ui') {
			const asUserId = typeof body.asUserId === 'string' ? body.asUserId : (req.url.searchParams.get('asUserId') ?? undefined);
			if (a === 'merge' && method === 'POST') {
				this.merge(String(body.table) as 'lead', String(body.winnerId), String(body.loserId), asUserId);
				return ok();
			}
			if (a === 'connect' && method === 'POST') {
				const r1 = body.record1 as { table: string; id: string };
				const r2 = body.record2 as { table: string; id: string };
				return ok(this.connect(r1, r2, String(body.roleId), asUserId));
			}
			if (a && !b && method === 'POST') {
				const { asUserId: _ignored, ...row } = body;
				return { status: 201, body: this.create(a, row, asUserId) };
			}
			if (a && b && method === 'PATCH') {
				const { asUserId: _ignored, ...changes } = body;
				return ok(this.update(a, b, changes, asUserId));
			}
			if (a && b && method === 'DELETE') {
				this.delete(a, b, asUserId);
				return { status: 204 };
			}
		}
		if (head === 'seed' && a && method === 'POST') {
			const count = Number(body.count ?? 0);
			const template = body.template as Record<string, unknown> | undefined;
			this.seedRows(a, count, template ? (i) => fillTemplate(template, i) : undefined);
			return ok({ table: a, count: this.store.count(a) });
		}
		if (head === 'users' && a === 'application' && method === 'POST') {
			return ok({ systemuserid: this.addApplicationUser(String(body.clientId), { disabled: !!body.disabled }) });
		}
		if (head === 'users' && a === 'interactive' && method === 'POST') {
			return ok({ systemuserid: this.addInteractiveUser(String(body.domainname), { disabled: !!body.disabled }) });
		}
		if (head === 'principals' && method === 'GET') {
			return ok({
				syncUserId: this.syncUserId,
				syncClientId: SYNC_CLIENT_ID,
				humanUserId: this.humanUserId,
				organizationId: ORGANIZATION_ID,
				businessUnitId: BUSINESS_UNIT_ID,
				connectionRoles: { ...CONNECTION_ROLE_IDS },
			});
		}
		if (head === 'columns' && a) {
			if (method === 'POST' || method === 'PUT') {
				this.store.addColumn(a, body as unknown as ColumnInput);
				return ok();
			}
			if (method === 'DELETE' && b) {
				this.store.removeColumn(a, b);
				return ok();
			}
		}
		return { status: 404, body: { error: { code: '', message: `Unknown simulator admin route ${method} ${req.path}` } } };
	}
}

// ------------------------------------------------------------------ helpers

function defaultTemplate(table: string): (i: number) => Record<string, unknown> {
	switch (table) {
		case 'lead':
			return (i) => ({ firstname: `Lead${i}`, lastname: `Seed${i}`, emailaddress1: `lead${i}@example.com`, companyname: `Company ${i % 1000}` });
		case 'contact':
			return (i) => ({ firstname: `Contact${i}`, lastname: `Seed${i}`, emailaddress1: `contact${i}@example.com` });
		case 'account':
			return (i) => ({ name: `Account ${i}` });
		case 'opportunity':
			return (i) => ({ name: `Opportunity ${i}` });
		case 'systemuser':
			return (i) => ({ firstname: 'User', lastname: `${i}`, domainname: `user${i}@contoso.test`, _businessunitid_value: BUSINESS_UNIT_ID });
		case 'team':
			return (i) => ({ name: `Team ${i}`, _businessunitid_value: BUSINESS_UNIT_ID });
		case 'new_project':
			return (i) => ({ new_name: `Project ${i}` });
		case 'connectionrole':
			return (i) => ({ name: `Role ${i}` });
		default:
			return () => ({});
	}
}

function fillTemplate(template: Record<string, unknown>, i: number): Record<string, unknown> {
	const out: Record<string, unknown> = {};
	for (const [key, value] of Object.entries(template)) out[key] = typeof value === 'string' ? value.replace(/\{i\}/g, String(i)) : value;
	return out;
}

function parseKey(def: TableDef, key: string): string {
	let value = key.trim();
	const named = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$/.exec(value);
	if (named) {
		if (named[1] !== def.primaryIdAttribute || def.logicalName === 'systemuser' || def.logicalName === 'team') {
			throw queryError(`The key '${named[1]}' is not a valid key of the entity '${def.logicalName}'. Only the primary key and defined alternate keys can be used.`);
		}
		value = named[2].trim();
	}
	value = value.replace(/^\{|\}$/g, '');
	if (!GUID_RE.test(value)) throw queryError('Bad Request - Error in query syntax.');
	return value.toLowerCase();
}

function versionMismatch(): DataverseError {
	return new DataverseError(412, '0x80060882', "The version of the existing record doesn't match the RowVersion property provided.");
}

function methodNotAllowed(method: string): DataverseError {
	return new DataverseError(405, '0x80060888', `The requested resource does not support http method '${method}'.`);
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): SimResponse {
	return { status, headers: { 'Content-Type': JSON_TYPE, 'OData-Version': '4.0', ...headers }, body };
}

function errorResponse(error: DataverseError): SimResponse {
	return json(error.status, error.toBody(), error.headers);
}

function errorCodeOf(response: SimResponse): string | number {
	const body = response.body as { error?: { code?: string } } | undefined;
	return body?.error?.code || response.status;
}

function toBatchPart(result: SimResponse, contentId: string | undefined): BatchResponsePart {
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = value;
	let body: string | undefined;
	if (result.body !== undefined && result.body !== null) {
		body = typeof result.body === 'string' ? result.body : Buffer.isBuffer(result.body) ? result.body.toString('utf8') : JSON.stringify(result.body);
	}
	return { status: result.status, headers, body, contentId };
}

/** One spelling per header name (SimServer adds a lower-case content-type when none is set). */
function lowerCaseHeaders(response: SimResponse): SimResponse {
	if (!response.headers) return response;
	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(response.headers)) headers[name.toLowerCase()] = value;
	return { ...response, headers };
}

function header(value: string | string[] | undefined): string | undefined {
	return Array.isArray(value) ? value.join(', ') : value;
}

function flattenHeaders(headers: SimRequest['headers']): Record<string, string | undefined> {
	const out: Record<string, string | undefined> = {};
	for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = header(value);
	return out;
}

function safeDecode(text: string): string {
	try {
		return decodeURIComponent(text);
	} catch {
		return text;
	}
}

function parseLoose(raw: Buffer): unknown {
	if (!raw.length) return undefined;
	try {
		return JSON.parse(raw.toString('utf8'));
	} catch {
		return undefined;
	}
}

/** "GET /leads(:id)": the route with keys replaced, for byRoute counters. */
export function routeKey(method: string, resource: string): string {
	const path = resource.replace(/\(([^)]+)\)/g, '(:id)');
	return `${method} /${path}`;
}

/** For tests: a parsed entity reference helper. */
export function entityReference(store: DataverseStore, value: string): { table: string; id: string } {
	return parseEntityReference({ store, userId: SYNC_USER_ID, mode: 'api' }, value);
}
