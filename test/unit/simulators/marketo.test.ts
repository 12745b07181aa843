import { MarketoSimulator } from '../../../simulators/marketo';

type Json = Record<string, any>;

describe('Marketo simulator', () => {
	const sim = new MarketoSimulator();
	let base = '';
	let token = '';

	const tokenUrl = (id = 'mkto-client', secret = 'mkto-secret') =>
		`${base}/identity/oauth/token?grant_type=client_credentials&client_id=${id}&client_secret=${secret}`;

	async function getToken(): Promise<string> {
		const res = await fetch(tokenUrl());
		expect(res.status).toBe(200);
		return ((await res.json()) as Json).access_token;
	}

	async function api(
		method: string,
		path: string,
		body?: unknown,
		opts: { token?: string | null; headers?: Record<string, string>; raw?: string } = {},
	): Promise<{ status: number; json: Json; text: string }> {
		const headers: Record<string, string> = { ...(opts.headers ?? {}) };
		const t = opts.token === undefined ? token : opts.token;
		if (t) headers.authorization = `Bearer ${t}`;
		let payload: string | undefined = opts.raw;
		if (body !== undefined) {
			payload = JSON.stringify(body);
			headers['content-type'] ??= 'application/json';
		}
		const res = await fetch(`${base}${path}`, { method, headers, body: payload });
		const text = await res.text();
		let json: Json = {};
		try {
			json = JSON.parse(text);
		} catch {
			/* plain text answers (413/414) */
		}
		return { status: res.status, json, text };
	}

	const syncLeads = (input: unknown[], extra: Json = {}) => api('POST', '/rest/v1/leads.json', { ...extra, input });

	beforeAll(async () => {
		base = await sim.start(0);
		token = await getToken();
	});
	afterAll(() => sim.stop());
	beforeEach(() => {
		sim.reset();
		sim.store.now = () => Date.now();
	});

	// ---------------------------------------------------------------- identity & auth

	test('identity re-issues the same token until expiry; bad credentials are a 401', async () => {
		const first = (await (await fetch(tokenUrl())).json()) as Json;
		const second = (await (await fetch(tokenUrl(), { method: 'POST' })).json()) as Json;
		expect(first.access_token).toMatch(/^[0-9a-f-]{36}:ab$/);
		expect(second.access_token).toBe(first.access_token);
		expect(first.token_type).toBe('bearer');
		expect(first.scope).toBe('sync@example.com');
		expect(second.expires_in).toBeLessThanOrEqual(3600);
		expect(second.expires_in).toBeGreaterThan(3500);

		// form-encoded POST body works too
		const form = await fetch(`${base}/identity/oauth/token`, {
			method: 'POST',
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
			body: 'grant_type=client_credentials&client_id=mkto-client&client_secret=mkto-secret',
		});
		expect(((await form.json()) as Json).access_token).toBe(first.access_token);

		const bad = await fetch(tokenUrl('mkto-client', 'wrong'));
		expect(bad.status).toBe(401);
		expect(await bad.json()).toEqual({ error: 'unauthorized', error_description: 'Bad client credentials' });
		// identity calls don't use the quota
		expect(sim.stats().quotaUsed).toBe(0);
		expect(sim.stats().byRoute['GET /identity/oauth/token']).toBeGreaterThanOrEqual(2);
	});

	test('601 without a bearer header (access_token param not accepted), 602 after expiry', async () => {
		const missing = await api('GET', '/rest/v1/leads/describe.json', undefined, { token: null });
		expect(missing.status).toBe(200);
		expect(missing.json.success).toBe(false);
		expect(missing.json.errors).toEqual([{ code: '601', message: 'Access token invalid' }]);
		expect(missing.json.requestId).toMatch(/^[0-9a-f]+#[0-9a-f]+$/);

		const viaParam = await api('GET', `/rest/v1/leads/describe.json?access_token=${token}`, undefined, { token: null });
		expect(viaParam.json.errors[0].code).toBe('601');

		const unknown = await api('GET', '/rest/v1/leads/describe.json', undefined, { token: 'nope:ab' });
		expect(unknown.json.errors[0].code).toBe('601');

		sim.expireTokens();
		const expired = await api('GET', '/rest/v1/leads/describe.json');
		expect(expired.json.errors).toEqual([{ code: '602', message: 'Access token expired' }]);
		// rejected auth does not consume quota
		expect(sim.stats().quotaUsed).toBe(0);

		const fresh = await getToken();
		expect(fresh).not.toBe(token);
		token = fresh;
		const ok = await api('GET', '/rest/v1/leads/describe.json');
		expect(ok.json.success).toBe(true);
		const email = ok.json.result.find((f: Json) => f.rest.name === 'email');
		expect(email).toMatchObject({ dataType: 'email', length: 255, rest: { name: 'email', readOnly: false } });
	});

	test('revokeTokens(): every issued token answers 601 (also as a fault at a chosen request); identity issues a new one', async () => {
		expect((await api('GET', '/rest/v1/leads/describe.json')).json.success).toBe(true);
		sim.server.faults.add({ pathIncludes: '/rest/v1/leads/describe.json', revokeTokensCount: 1 });
		const revoked = await api('GET', '/rest/v1/leads/describe.json');
		expect(revoked.json.errors).toEqual([{ code: '601', message: 'Access token invalid' }]);
		expect(sim.server.faults.injected.revoked).toBe(1);
		const fresh = await getToken();
		expect(fresh).not.toBe(token);
		token = fresh;
		expect((await api('GET', '/rest/v1/leads/describe.json')).json.success).toBe(true);
		sim.revokeTokens();
		expect((await api('GET', '/rest/v1/leads/describe.json')).json.errors[0].code).toBe('601');
		token = await getToken();
	});

	test('envelope errors: invalid JSON 609, wrong content type 612, wrong method 605, unknown resource 610', async () => {
		const badJson = await api('POST', '/rest/v1/leads.json', undefined, { raw: '{"input": [', headers: { 'content-type': 'application/json' } });
		expect(badJson.status).toBe(200);
		expect(badJson.json).toMatchObject({ success: false, errors: [{ code: '609' }] });

		const form = await api('POST', '/rest/v1/leads.json', undefined, { raw: 'a=b', headers: { 'content-type': 'text/plain' } });
		expect(form.json.errors[0].code).toBe('612');

		const wrongMethod = await api('GET', '/rest/v1/leads/delete.json');
		expect(wrongMethod.json.errors[0]).toEqual({ code: '605', message: 'HTTP Method not supported' });

		const unknown = await api('GET', '/rest/v1/nothing.json');
		expect(unknown.json.errors[0].code).toBe('610');

		const noInput = await api('POST', '/rest/v1/leads.json', { action: 'createOnly' });
		expect(noInput.json.errors[0].code).toBe('701');
		// 605 is not counted; 609/612/610/701 are
		expect(sim.stats().quotaUsed).toBe(4);
	});

	test('413 for a body over 1 MB, 414 for a URI over 8 KB', async () => {
		const big = { input: [{ email: 'a@example.com', personNotes: 'x'.repeat(1024 * 1024) }] };
		const r413 = await api('POST', '/rest/v1/leads.json', big);
		expect(r413.status).toBe(413);

		const values = Array.from({ length: 500 }, (_, i) => `user${i}@example.com`).join(',');
		const r414 = await api('GET', `/rest/v1/leads.json?filterType=email&filterValues=${values}`);
		expect(r414.status).toBe(414);

		// the documented workaround: POST ?_method=GET with a form-encoded body
		await syncLeads([{ email: 'user7@example.com', firstName: 'Seven' }]);
		const viaPost = await api('POST', '/rest/v1/leads.json?_method=GET', undefined, {
			raw: new URLSearchParams({ filterType: 'email', filterValues: values.split(',').slice(0, 300).join(','), fields: 'firstName' }).toString(),
			headers: { 'content-type': 'application/x-www-form-urlencoded' },
		});
		expect(viaPost.status).toBe(200);
		expect(viaPost.json.result).toEqual([{ id: 1, firstName: 'Seven' }]);
	});

	// ---------------------------------------------------------------- leads

	test('sync leads: per-record statuses and reasons in input order', async () => {
		const first = await syncLeads([
			{ email: 'ann@example.com', firstName: 'Ann', leadScore: 5 },
			{ email: 'bob@example.com', firstName: 'Bob', microsoftId: '0f1e2d3c-0000-0000-0000-000000000001' },
		]);
		expect(first.json.result).toEqual([
			{ id: 1, status: 'created' },
			{ id: 2, status: 'created' },
		]);

		const mixed = await syncLeads([
			{ email: 'ANN@example.com', lastName: 'Lee' }, // case-insensitive match → updated
			{ email: 'carl@example.com', noSuchField: 'x' },
			{ email: 'dora@example.com', leadScore: 'high' },
			{ email: 'eve@exämple.com' },
			{ email: 'fay@example.com', microsoftType: 'x'.repeat(21) },
			{ firstName: 'No email' },
			{ email: 'gus@example.com', unsubscribed: 'maybe' },
		]);
		const r = mixed.json.result;
		expect(r[0]).toEqual({ id: 1, status: 'updated' });
		expect(r[1]).toEqual({ status: 'skipped', reasons: [{ code: '1006', message: "Field 'noSuchField' not found" }] });
		expect(r[2].reasons[0].code).toBe('1001');
		expect(r[3].reasons[0].code).toBe('1003');
		expect(r[4].reasons[0].code).toBe('1003');
		expect(r[4].reasons[0].message).toMatch(/microsoftType/);
		expect(r[5].reasons[0].code).toBe('1003');
		expect(r[6].reasons[0].code).toBe('1001');
		expect(sim.store.getLead(1)).toMatchObject({ email: 'ANN@example.com', lastName: 'Lee', leadScore: 5 });

		const createOnly = await syncLeads([{ email: 'bob@example.com' }, { email: 'hal@example.com' }], { action: 'createOnly' });
		expect(createOnly.json.result).toEqual([
			{ status: 'skipped', reasons: [{ code: '1005', message: 'Lead already exists' }] },
			{ id: 3, status: 'created' },
		]);

		const updateOnly = await syncLeads([{ email: 'zed@example.com', firstName: 'Z' }, { id: 2, title: 'CEO' }], {
			action: 'updateOnly',
		});
		expect(updateOnly.json.result[0]).toEqual({ status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] });
		expect(updateOnly.json.result[1].reasons[0].code).toBe('1003'); // id with lookupField email

		const byId = await syncLeads([{ id: 2, title: 'CEO' }], { action: 'updateOnly', lookupField: 'id' });
		expect(byId.json.result).toEqual([{ id: 2, status: 'updated' }]);

		const byCustom = await syncLeads([{ microsoftId: '0F1E2D3C-0000-0000-0000-000000000001', city: 'Oslo' }], { lookupField: 'microsoftId' });
		expect(byCustom.json.result).toEqual([{ id: 2, status: 'updated' }]);

		const dup = await syncLeads([{ email: 'hal@example.com', firstName: 'Twin' }], { action: 'createDuplicate' });
		expect(dup.json.result).toEqual([{ id: 4, status: 'created' }]);
		const ambiguous = await syncLeads([{ email: 'hal@example.com', title: 'x' }]);
		expect(ambiguous.json.result[0].reasons[0].code).toBe('1007');

		const badLookup = await syncLeads([{ firstName: 'x' }], { lookupField: 'firstName' });
		expect(badLookup.json).toMatchObject({ success: false, errors: [{ code: '1011' }] });

		// activities: New Lead + one Change Data Value per changed field, Source "Web service API"
		const acts = sim.store.activities.filter((a) => a.leadId === 1);
		expect(acts.map((a) => [a.typeId, a.field])).toEqual([
			[12, undefined],
			[13, 'email'],
			[13, 'lastName'],
		]);
		expect(acts[1]).toMatchObject({ newValue: 'ANN@example.com', oldValue: 'ann@example.com' });
		expect(acts[2]).toMatchObject({ newValue: 'Lee', oldValue: null });
		expect(sim.store.getLead(2)?.title).toBe('CEO');
		expect(sim.store.getLead(2)?.city).toBe('Oslo');
	});

	test('sync leads rejects more than 300 records', async () => {
		const input = Array.from({ length: 301 }, (_, i) => ({ email: `p${i}@example.com` }));
		const res = await syncLeads(input);
		expect(res.status).toBe(200);
		expect(res.json.success).toBe(false);
		expect(res.json.errors[0].code).toBe('1003');
		expect(res.json.errors[0].message).toMatch(/301/);
		expect(sim.store.leads.size).toBe(0);
		const ok = await syncLeads(input.slice(0, 300));
		expect(ok.json.result).toHaveLength(300);
		expect(ok.json.result.every((r: Json) => r.status === 'created')).toBe(true);
	});

	test('get leads by filter: fields, omitted nulls, paging, unsupported filter, get by id, delete, merge', async () => {
		await syncLeads([
			{ email: 'a@example.com', firstName: 'A', externalCompanyId: 'C1' },
			{ email: 'b@example.com', externalCompanyId: 'C1' },
			{ email: 'c@example.com', externalCompanyId: 'C1' },
		]);
		const page1 = await api('GET', '/rest/v1/leads.json?filterType=externalCompanyId&filterValues=C1&fields=email,firstName&batchSize=2');
		expect(page1.json.result).toEqual([
			{ id: 1, email: 'a@example.com', firstName: 'A' },
			{ id: 2, email: 'b@example.com' },
		]);
		expect(page1.json.moreResult).toBe(true);
		const page2 = await api(
			'GET',
			`/rest/v1/leads.json?filterType=externalCompanyId&filterValues=C1&fields=email&batchSize=2&nextPageToken=${encodeURIComponent(page1.json.nextPageToken)}`,
		);
		expect(page2.json.result).toEqual([{ id: 3, email: 'c@example.com' }]);

		const none = await api('GET', '/rest/v1/leads.json?filterType=email&filterValues=nobody@example.com');
		expect(none.json).toMatchObject({ success: true, result: [] });
		const unsupported = await api('GET', '/rest/v1/leads.json?filterType=firstName&filterValues=A');
		expect(unsupported.json.errors[0].code).toBe('1011');

		const one = await api('GET', '/rest/v1/lead/2.json?fields=email,externalCompanyId');
		expect(one.json.result).toEqual([{ id: 2, email: 'b@example.com', externalCompanyId: 'C1' }]);
		expect(sim.stats().byRoute['GET /rest/v1/lead/:id.json']).toBe(1);

		const del = await api('POST', '/rest/v1/leads/delete.json', { input: [{ id: 3 }, { id: 99 }] });
		expect(del.json.result).toEqual([
			{ id: 3, status: 'deleted' },
			{ id: 99, status: 'skipped', reasons: [{ code: '1004', message: 'Lead not found' }] },
		]);

		const merge = await api('POST', '/rest/v1/leads/1/merge.json?leadId=2');
		expect(merge.json.success).toBe(true);
		expect(sim.store.getLead(2)).toBeUndefined();
		// merges delete the losers without Delete Lead activities
		expect(sim.store.activities.filter((a) => a.typeId === 37).map((a) => a.leadId)).toEqual([3]);
	});

	// ---------------------------------------------------------------- limits

	test('606 once the 20-second window is full; rejected calls use no window or quota', async () => {
		sim.setLimits({ callsPer20Seconds: 4 });
		const codes: string[] = [];
		for (let i = 0; i < 6; i++) {
			const r = await api('GET', '/rest/v1/leads/describe2.json');
			codes.push(r.json.success ? 'ok' : r.json.errors[0].code);
			if (!r.json.success) expect(r.json.errors[0].message).toBe("Max rate limit '4' exceeded with in '20' secs");
		}
		expect(codes).toEqual(['ok', 'ok', 'ok', 'ok', '606', '606']);
		const stats = sim.stats();
		expect(stats.limitHits['606']).toBe(2);
		expect(stats.quotaUsed).toBe(4);
		expect(stats.callsInWindow).toBe(4);
		// raising the limit frees slots at once; the earlier calls stay in the window
		sim.setLimits({ callsPer20Seconds: 5 });
		expect((await api('GET', '/rest/v1/leads/describe2.json')).json.success).toBe(true);
		expect((await api('GET', '/rest/v1/leads/describe2.json')).json.errors[0].code).toBe('606');
	});

	test('615 when more calls are in flight than the concurrency limit (latency fault)', async () => {
		sim.setLimits({ concurrentCalls: 2 });
		sim.server.faults.set([{ pathIncludes: '/rest/v1/leads/describe.json', latencyMs: 400 }]);
		const started = Date.now();
		const results = await Promise.all(Array.from({ length: 5 }, () => api('GET', '/rest/v1/leads/describe.json')));
		expect(Date.now() - started).toBeGreaterThanOrEqual(350);
		const ok = results.filter((r) => r.json.success).length;
		const rejected = results.filter((r) => r.json.errors?.[0]?.code === '615');
		expect(ok).toBe(2);
		expect(rejected).toHaveLength(3);
		expect(rejected[0].json.errors[0].message).toBe('Concurrent access limit reached');
		const stats = sim.stats();
		expect(stats.limitHits['615']).toBe(3);
		expect(stats.peakConcurrency).toBe(5);
		expect(stats.quotaUsed).toBe(2);
		expect(sim.limits.inFlight).toBe(0);
	});

	test('607 once the daily quota is used', async () => {
		sim.setLimits({ dailyQuota: 3 });
		for (let i = 0; i < 3; i++) expect((await api('GET', '/rest/v1/leads/partitions.json')).json.success).toBe(true);
		const over = await api('GET', '/rest/v1/leads/partitions.json');
		expect(over.json.errors).toEqual([{ code: '607', message: 'Daily quota reached' }]);
		expect(sim.stats().limitHits['607']).toBe(1);
		expect(sim.stats().quotaUsed).toBe(3);
		// identity still works (not counted)
		expect((await fetch(tokenUrl())).status).toBe(200);
	});

	// ---------------------------------------------------------------- change feeds

	test('leadchanges: paging across pages, moreResult, requested fields only, UI vs API source', async () => {
		const pt = await api('GET', `/rest/v1/activities/pagingtoken.json?sinceDatetime=${encodeURIComponent('2020-01-01T00:00:00+01:00')}`);
		expect(pt.json.success).toBe(true);
		expect(typeof pt.json.nextPageToken).toBe('string');

		await syncLeads(Array.from({ length: 5 }, (_, i) => ({ email: `l${i}@example.com`, firstName: `F${i}` })));
		await syncLeads([{ email: 'l0@example.com', firstName: 'Changed' }, { email: 'l1@example.com', title: 'Only title' }]);
		sim.uiUpdateLead(2, { firstName: 'ByHuman', city: 'Paris' });

		const missingFields = await api('GET', `/rest/v1/activities/leadchanges.json?nextPageToken=${encodeURIComponent(pt.json.nextPageToken)}`);
		expect(missingFields.json.errors[0].code).toBe('701');

		const items: Json[] = [];
		const pages: Json[] = [];
		let next = pt.json.nextPageToken as string;
		for (let guard = 0; guard < 20; guard++) {
			const r = await api('GET', `/rest/v1/activities/leadchanges.json?nextPageToken=${encodeURIComponent(next)}&fields=firstName&batchSize=3`);
			expect(r.json.success).toBe(true);
			expect(typeof r.json.nextPageToken).toBe('string');
			pages.push(r.json);
			items.push(...r.json.result);
			next = r.json.nextPageToken;
			if (!r.json.moreResult) break;
		}
		expect(pages.length).toBeGreaterThanOrEqual(3);
		expect(pages[0].moreResult).toBe(true);
		expect(pages[pages.length - 1].moreResult).toBe(false);
		// 5 New Lead + firstName change by API + firstName change by UI; title/city changes are not returned
		expect(items.map((i) => i.activityTypeId)).toEqual([12, 12, 12, 12, 12, 13, 13]);
		expect(items[0].fields).toEqual([{ id: expect.any(Number), name: 'firstName', newValue: 'F0', oldValue: null }]);
		expect(items[5]).toMatchObject({ leadId: 1, fields: [{ name: 'firstName', newValue: 'Changed', oldValue: 'F0' }] });
		expect(items[5].attributes).toEqual(expect.arrayContaining([{ name: 'Source', value: 'Web service API' }]));
		expect(items[6]).toMatchObject({ leadId: 2, fields: [{ name: 'firstName', newValue: 'ByHuman', oldValue: 'F1' }] });
		expect(items[6].attributes).toEqual(expect.arrayContaining([{ name: 'Source', value: 'Marketo UI' }]));
		expect(items[6].marketoGUID).toBe(String(items[6].id));
		expect(items[6].activityDate).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);

		// the final token is a cursor: nothing new → empty page; a new change shows up next time
		const idle = await api('GET', `/rest/v1/activities/leadchanges.json?nextPageToken=${encodeURIComponent(next)}&fields=firstName`);
		expect(idle.json).toMatchObject({ result: [], moreResult: false });
		sim.uiUpdateLead(3, { firstName: 'Later' });
		const later = await api('GET', `/rest/v1/activities/leadchanges.json?nextPageToken=${encodeURIComponent(idle.json.nextPageToken)}&fields=firstName,email`);
		expect(later.json.result).toHaveLength(1);
		expect(later.json.result[0].fields[0]).toMatchObject({ name: 'firstName', newValue: 'Later' });

		// a short page can still have moreResult true (scan window smaller than the filtered log)
		sim.store.activityScanLimit = 2;
		const short = await api('GET', `/rest/v1/activities/leadchanges.json?nextPageToken=${encodeURIComponent(pt.json.nextPageToken)}&fields=city`);
		expect(short.json.result.map((i: Json) => [i.activityTypeId, i.fields])).toEqual([
			[12, []],
			[12, []],
		]);
		expect(short.json.moreResult).toBe(true);

		const badDate = await api('GET', '/rest/v1/activities/pagingtoken.json?sinceDatetime=yesterday');
		expect(badDate.json.success).toBe(false);
		expect(badDate.json.errors[0].code).toBe('704');
	});

	test('deletedleads: API and UI deletes as type 37, pruned after 14 days', async () => {
		const pt = await api('GET', `/rest/v1/activities/pagingtoken.json?sinceDatetime=${new Date(Date.now() - 60_000).toISOString()}`);
		await syncLeads([
			{ email: 'x@example.com', firstName: 'Xena', lastName: 'Warrior' },
			{ email: 'y@example.com', firstName: 'Yuri' },
		]);
		await api('POST', '/rest/v1/leads/delete.json', { input: [{ id: 1 }] });
		sim.uiDeleteLead(2);
		const r = await api('GET', `/rest/v1/activities/deletedleads.json?nextPageToken=${encodeURIComponent(pt.json.nextPageToken)}`);
		expect(r.json.result).toEqual([
			expect.objectContaining({ leadId: 1, activityTypeId: 37, primaryAttributeValue: 'Xena Warrior', attributes: [] }),
			expect.objectContaining({ leadId: 2, activityTypeId: 37, primaryAttributeValue: 'Yuri', attributes: [] }),
		]);
		expect(r.json.moreResult).toBe(false);
		// the deleted person's history no longer shows in leadchanges
		const changes = await api('GET', `/rest/v1/activities/leadchanges.json?nextPageToken=${encodeURIComponent(pt.json.nextPageToken)}&fields=email`);
		expect(changes.json.result).toEqual([]);

		const realNow = Date.now();
		sim.store.now = () => realNow + 15 * 86_400_000;
		const pruned = await api('GET', `/rest/v1/activities/deletedleads.json?nextPageToken=${encodeURIComponent(pt.json.nextPageToken)}`);
		expect(pruned.json.result).toEqual([]);
	});

	// ---------------------------------------------------------------- custom activities

	test('custom activities: added vs skipped with errors (missing lead, unapproved type)', async () => {
		const types = await api('GET', '/rest/v1/activities/external/types.json');
		const syncError = types.json.result.find((t: Json) => t.apiName === 'dynamicsSyncError');
		expect(syncError).toMatchObject({ status: 'approved', name: 'Dynamics Sync Error', primaryAttribute: { apiName: 'recordId' } });
		expect(syncError.id).toBeGreaterThanOrEqual(100000);

		await syncLeads([{ email: 'err@example.com' }]);
		const add = await api('POST', '/rest/v1/activities/external.json', {
			input: [
				{
					leadId: 1,
					activityDate: '2024-05-01T10:00:00Z',
					activityTypeId: syncError.id,
					primaryAttributeValue: 'lead-123',
					attributes: [
						{ apiName: 'direction', value: 'toDynamics' },
						{ name: 'Error Message', value: 'Field too long' },
					],
				},
				{ leadId: 999, activityDate: '2024-05-01T10:00:00Z', activityTypeId: syncError.id, primaryAttributeValue: 'x', attributes: [] },
			],
		});
		expect(add.json.result[0]).toMatchObject({ status: 'added', marketoGUID: expect.any(String) });
		expect(add.json.result[1]).toEqual({ status: 'skipped', errors: [{ code: '1004', message: 'Lead not found' }] });
		expect(add.json.result[1].reasons).toBeUndefined();

		// a draft type cannot take activities until approved
		const created = await api('POST', '/rest/v1/activities/external/type.json', {
			apiName: 'syncNote',
			name: 'Sync Note',
			triggerName: 'Gets Sync Note',
			filterName: 'Got Sync Note',
			primaryAttribute: { apiName: 'note', name: 'Note' },
		});
		expect(created.json.result[0].status).toBe('draft');
		const draftId = sim.store.customActivityTypes.get('syncNote')!.id;
		const one = { leadId: 1, activityDate: '2024-05-01T10:00:00Z', activityTypeId: draftId, primaryAttributeValue: 'n', attributes: [] };
		const beforeApprove = await api('POST', '/rest/v1/activities/external.json', { input: [one] });
		expect(beforeApprove.json.result[0].status).toBe('skipped');
		await api('POST', '/rest/v1/activities/external/type/syncNote/approve.json', {});
		const afterApprove = await api('POST', '/rest/v1/activities/external.json', { input: [one] });
		expect(afterApprove.json.result[0].status).toBe('added');

		const listed = await api('GET', `/rest/v1/activities.json?nextPageToken=${encodeURIComponent((await api('GET', '/rest/v1/activities/pagingtoken.json?sinceDatetime=2024-01-01T00:00:00Z')).json.nextPageToken)}&activityTypeIds=${syncError.id}`);
		expect(listed.json.result).toHaveLength(1);
		expect(listed.json.result[0]).toMatchObject({ leadId: 1, primaryAttributeValue: 'lead-123' });
		expect(listed.json.result[0].attributes).toEqual(
			expect.arrayContaining([expect.objectContaining({ apiName: 'direction', value: 'toDynamics' })]),
		);
	});

	// ---------------------------------------------------------------- generic objects

	test('opportunity roles need an existing opportunity and lead; compound query via _method=GET', async () => {
		await syncLeads([{ email: 'buyer@example.com' }]);
		const role = { externalOpportunityId: 'OPP-1', leadId: 1, role: 'Decision Maker', isPrimary: true };

		const early = await api('POST', '/rest/v1/opportunities/roles.json', { input: [role] });
		expect(early.json.result).toEqual([{ seq: 0, status: 'skipped', reasons: [{ code: '1013', message: 'Object not found' }] }]);

		const noName = await api('POST', '/rest/v1/opportunities.json', { input: [{ externalOpportunityId: 'OPP-0' }] });
		expect(noName.json.result[0]).toMatchObject({ seq: 0, status: 'skipped' });
		const opp = await api('POST', '/rest/v1/opportunities.json', { input: [{ externalOpportunityId: 'OPP-1', name: 'Big deal', amount: '1000.5' }] });
		expect(opp.json.result[0]).toMatchObject({ seq: 0, status: 'created', marketoGUID: expect.stringMatching(/^[0-9a-f-]{36}$/) });

		const roles = await api('POST', '/rest/v1/opportunities/roles.json', {
			input: [role, { ...role }, { ...role, leadId: 42, role: 'Influencer' }],
		});
		expect(roles.json.result[0]).toMatchObject({ seq: 0, status: 'created' });
		expect(roles.json.result[1]).toEqual({ seq: 1, status: 'skipped', reasons: [{ code: '1036', message: 'Duplicate object found in input' }] });
		expect(roles.json.result[2].reasons[0].code).toBe('1013');

		const update = await api('POST', '/rest/v1/opportunities/roles.json', { input: [{ ...role, isPrimary: false }] });
		expect(update.json.result[0]).toMatchObject({ status: 'updated', marketoGUID: roles.json.result[0].marketoGUID });
		expect(sim.store.objects('opportunityRoles')).toEqual([expect.objectContaining({ isPrimary: false, leadId: 1 })]);

		const q = await api('POST', '/rest/v1/opportunities/roles.json?_method=GET', {
			filterType: 'dedupeFields',
			fields: ['marketoGuid', 'externalOpportunityId', 'leadId', 'role', 'isPrimary'],
			input: [
				{ externalOpportunityId: 'OPP-1', leadId: 1, role: 'Decision Maker' },
				{ externalOpportunityId: 'OPP-1', leadId: 1, role: 'Nobody' },
			],
		});
		expect(q.json.success).toBe(true);
		expect(q.json.result).toEqual([
			{
				seq: 0,
				marketoGUID: roles.json.result[0].marketoGUID,
				externalOpportunityId: 'OPP-1',
				leadId: 1,
				role: 'Decision Maker',
				isPrimary: false,
			},
		]);
		const compoundByGet = await api('GET', '/rest/v1/opportunities/roles.json?filterType=dedupeFields&filterValues=OPP-1');
		expect(compoundByGet.json.success).toBe(false);
		const byLead = await api('GET', '/rest/v1/opportunities/roles.json?filterType=leadId&filterValues=1');
		expect(byLead.json.result).toHaveLength(1);

		const oppQuery = await api('GET', '/rest/v1/opportunities.json?filterType=externalOpportunityId&filterValues=OPP-1&fields=name,amount');
		expect(oppQuery.json.result).toEqual([{ seq: 0, marketoGUID: expect.any(String), name: 'Big deal', amount: 1000.5 }]);
	});

	test('companies, sales persons and custom objects share the sync/delete/describe interface', async () => {
		const d = await api('GET', '/rest/v1/companies/describe.json');
		expect(d.json.result[0]).toMatchObject({ idField: 'id', dedupeFields: ['externalCompanyId'] });

		const sync = await api('POST', '/rest/v1/companies.json', {
			input: [
				{ externalCompanyId: 'ACME', company: 'Acme', industry: '', numberOfEmployees: 10 },
				{ externalCompanyId: 'acme', company: 'Acme again' },
				{ company: 'No key' },
			],
		});
		expect(sync.json.result[0]).toEqual({ seq: 0, status: 'created', id: 1 });
		expect(sync.json.result[1].reasons[0].code).toBe('1036');
		expect(sync.json.result[2].status).toBe('skipped');
		expect(sim.store.objects('companies')[0]).toMatchObject({ company: 'Acme', industry: null, numberOfEmployees: 10 });

		const createOnly = await api('POST', '/rest/v1/companies.json', { action: 'createOnly', input: [{ externalCompanyId: 'ACME' }] });
		expect(createOnly.json.result[0].status).toBe('skipped');
		const updateOnly = await api('POST', '/rest/v1/companies.json', { action: 'updateOnly', input: [{ externalCompanyId: 'NOPE' }] });
		expect(updateOnly.json.result[0].reasons[0].code).toBe('1013');

		await api('POST', '/rest/v1/salespersons.json', { input: [{ externalSalesPersonId: 'SP1', email: 'rep@example.com' }] });
		await syncLeads([{ email: 'owned@example.com', externalSalesPersonId: 'SP1' }]);
		const inUse = await api('POST', '/rest/v1/salespersons/delete.json', { input: [{ externalSalesPersonId: 'SP1' }] });
		expect(inUse.json.result[0].reasons[0].code).toBe('1022');

		const del = await api('POST', '/rest/v1/companies/delete.json', { input: [{ externalCompanyId: 'ACME' }, { externalCompanyId: 'X' }] });
		expect(del.json.result).toEqual([
			{ seq: 0, id: 1, status: 'deleted' },
			{ seq: 1, status: 'skipped', reasons: [{ code: '1013', message: 'Record not found' }] },
		]);

		const list = await api('GET', '/rest/v1/customobjects.json');
		expect(list.json.result.map((t: Json) => t.name)).toEqual(['dynamicsProject_c']);
		const proj = await api('POST', '/rest/v1/customobjects/dynamicsProject_c.json', {
			input: [
				{ externalProjectId: 'P1', name: 'Rollout', budget: 5000, leadId: 1 },
				{ externalProjectId: 'P2', name: 'Orphan', leadId: 777 },
			],
		});
		expect(proj.json.result[0].status).toBe('created');
		expect(proj.json.result[1].reasons[0].code).toBe('1013');
		const unknown = await api('POST', '/rest/v1/customobjects/nope_c.json', { input: [{}] });
		expect(unknown.json.success).toBe(false);
	});

	// ---------------------------------------------------------------- admin API

	test('admin API: stats, seed, UI edits, objects, activities, faults, limits', async () => {
		const admin = async (method: string, path: string, body?: unknown) => {
			const res = await fetch(`${base}/__sim${path}`, {
				method,
				headers: body === undefined ? {} : { 'content-type': 'application/json' },
				body: body === undefined ? undefined : JSON.stringify(body),
			});
			return { status: res.status, json: (await res.json()) as any };
		};
		const seeded = await admin('POST', '/seed/leads', { count: 2000, template: { email: 'bulk{{n}}@example.com', leadScore: '{{n}}' } });
		expect(seeded.json).toEqual({ created: 2000, firstId: 1, lastId: 2000 });
		expect(sim.store.getLead(1500)).toMatchObject({ email: 'bulk1500@example.com', leadScore: 1500 });
		expect(sim.store.activities).toHaveLength(0);
		expect((await admin('GET', '/leads?email=BULK7@example.com')).json).toEqual([expect.objectContaining({ id: 7 })]);

		const created = await admin('POST', '/ui/leads', { email: 'ui@example.com', firstName: 'Ui' });
		expect(created.status).toBe(201);
		await admin('PATCH', `/ui/leads/${created.json.id}`, { firstName: 'Edited' });
		const acts = await admin('GET', `/activities?leadId=${created.json.id}`);
		expect(acts.json.map((a: Json) => [a.activityTypeId, a.source])).toEqual([
			[12, 'Marketo UI'],
			[13, 'Marketo UI'],
		]);
		await admin('DELETE', `/ui/leads/${created.json.id}`);
		expect((await admin('GET', `/leads/${created.json.id}`)).status).toBe(404);
		expect((await admin('GET', '/activities?activityTypeId=37')).json).toHaveLength(1);

		await api('POST', '/rest/v1/companies.json', { input: [{ externalCompanyId: 'C9' }] });
		expect((await admin('GET', '/objects/companies')).json).toEqual([expect.objectContaining({ externalCompanyId: 'C9' })]);
		expect((await admin('GET', '/objects/customobjects/dynamicsProject_c')).json).toEqual([]);

		await admin('PUT', '/faults', [{ pathIncludes: '/rest/v1/leads/describe.json', response: { status: 503, body: 'down' }, responseCount: 1 }]);
		expect((await api('GET', '/rest/v1/leads/describe.json')).status).toBe(503);
		expect((await api('GET', '/rest/v1/leads/describe.json')).status).toBe(200);
		await admin('PUT', '/limits', { callsPer20Seconds: 1 });
		expect((await api('GET', '/rest/v1/leads/describe.json')).json.errors[0].code).toBe('606');
		await admin('POST', '/expire-tokens');
		expect((await api('GET', '/rest/v1/leads/describe.json')).json.errors[0].code).toBe('602');
		token = await getToken();

		const stats = (await admin('GET', '/stats')).json;
		expect(stats).toMatchObject({ recordsWritten: 1, limitHits: { '606': 1 } });
		expect(stats.byRoute['GET /rest/v1/leads/describe.json']).toBe(4);
		expect(stats.calls).toBeGreaterThanOrEqual(6);
		await admin('POST', '/reset-counters');
		expect((await admin('GET', '/stats')).json).toMatchObject({ calls: 0, recordsWritten: 0, limitHits: {} });
		await admin('POST', '/reset');
		expect(sim.store.leads.size).toBe(0);
	});
});
