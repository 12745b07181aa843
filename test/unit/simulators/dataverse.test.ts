import { DataverseSimulator } from '../../../simulators/dataverse';
import { encodeUnsignedJwt, EntraSimulator } from '../../../simulators/entra';

const sim = new DataverseSimulator();
let url = '';
let api = '';

beforeAll(async () => {
	url = await sim.start();
	api = `${url}/api/data/v9.2`;
});
afterAll(() => sim.stop());
beforeEach(() => sim.reset());

type Json = Record<string, any>;

function token(claims: Json = {}): string {
	const now = Math.floor(Date.now() / 1000);
	return encodeUnsignedJwt({ aud: url, appid: 'dyn-client', tid: 'tenant1', oid: 'sp-1', iat: now, nbf: now, exp: now + 3600, uti: Math.random().toString(36), ...claims });
}

interface Reply {
	status: number;
	headers: Headers;
	body: Json;
	text: string;
}

async function call(method: string, path: string, opts: { body?: unknown; headers?: Record<string, string>; auth?: string | null } = {}): Promise<Reply> {
	const headers: Record<string, string> = { accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0', 'If-None-Match': 'null', ...opts.headers };
	if (opts.auth !== null) headers.authorization = `Bearer ${opts.auth ?? token()}`;
	if (opts.body !== undefined) headers['content-type'] ??= 'application/json';
	const res = await fetch(path.startsWith('http') ? path : `${api}/${path}`, {
		method,
		headers,
		body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
	});
	const text = await res.text();
	let body: Json = {};
	try {
		body = text ? (JSON.parse(text) as Json) : {};
	} catch {
		body = {};
	}
	return { status: res.status, headers: res.headers, body, text };
}

const idFrom = (reply: Reply) => /\(([0-9a-f-]{36})\)$/.exec(reply.headers.get('odata-entityid') ?? '')![1];

describe('authentication', () => {
	it('answers 401 with a Bearer challenge for missing, garbled, wrong-audience and expired tokens', async () => {
		const missing = await call('GET', 'WhoAmI', { auth: null });
		expect(missing.status).toBe(401);
		expect(missing.headers.get('www-authenticate')).toBe(`Bearer authorization_uri=https://login.microsoftonline.com/common/oauth2/authorize, resource_id=${url}/`);
		expect(missing.body.error.code).toBe('');

		const garbled = await call('GET', 'WhoAmI', { auth: 'not-a-jwt' });
		expect(garbled.status).toBe(401);
		expect(garbled.headers.get('www-authenticate')).toContain('error=invalid_token');

		const wrongAudience = await call('GET', 'WhoAmI', { auth: token({ aud: 'https://other.crm.dynamics.com' }) });
		expect(wrongAudience.status).toBe(401);
		expect(wrongAudience.body.error.message).toContain("audience 'https://other.crm.dynamics.com'");

		const trailingSlash = await call('GET', 'WhoAmI', { auth: token({ aud: `${url.toUpperCase().replace('HTTP', 'http')}/` }) });
		expect(trailingSlash.status).toBe(200);

		const fresh = token({ iat: 1 });
		expect((await call('GET', 'WhoAmI', { auth: fresh })).status).toBe(200);
		sim.advanceClock(2 * 3600_000);
		const expired = await call('GET', 'WhoAmI', { auth: fresh });
		expect(expired.status).toBe(401);
		expect(expired.body.error.message).toContain('expired');
		expect((await call('GET', 'WhoAmI', { auth: token({ iat: 2 }) })).status).toBe(200);
	});

	it('revokeTokens(): tokens issued so far answer 401 before their expiry, at once or at a chosen request', async () => {
		const early = token({ iat: Math.floor(Date.now() / 1000) - 5 });
		expect((await call('GET', 'WhoAmI', { auth: early })).status).toBe(200);
		sim.server.faults.add({ pathIncludes: '/leads', afterCount: 1, revokeTokensCount: 1 });
		expect((await call('GET', 'leads', { auth: early })).status).toBe(200); // skipped by afterCount
		const revoked = await call('GET', 'leads', { auth: early });
		expect(revoked.status).toBe(401);
		expect(revoked.headers.get('www-authenticate')).toContain('error=invalid_token');
		expect(sim.server.faults.injected.revoked).toBe(1);
		expect((await call('GET', 'WhoAmI', { auth: early })).status).toBe(401);
		// A token issued after the revocation works.
		await new Promise((r) => setTimeout(r, 1000));
		expect((await call('GET', 'WhoAmI', { auth: token() })).status).toBe(200);
	});

	it('answers 403 when no (enabled) systemuser matches the token', async () => {
		const stranger = await call('GET', 'WhoAmI', { auth: token({ appid: 'unknown-app' }) });
		expect(stranger.status).toBe(403);
		expect(stranger.body).toEqual({ error: { code: '0x80072560', message: 'The user is not a member of the organization.' } });

		const disabledId = sim.addApplicationUser('disabled-app', { disabled: true });
		const disabled = await call('GET', 'WhoAmI', { auth: token({ appid: 'disabled-app' }) });
		expect(disabled.status).toBe(403);
		expect(disabled.body.error.code).toBe('0x80072560');
		expect(disabled.body.error.message).toContain(`SystemUserId=${disabledId}`);
	});

	it('maps app tokens to the application user and user tokens to domainname = upn (WhoAmI)', async () => {
		const app = await call('GET', 'WhoAmI');
		expect(app.status).toBe(200);
		expect(app.headers.get('odata-version')).toBe('4.0');
		expect(app.body).toEqual({
			'@odata.context': `${api}/$metadata#Microsoft.Dynamics.CRM.WhoAmIResponse`,
			BusinessUnitId: sim.businessUnitId,
			UserId: sim.syncUserId,
			OrganizationId: sim.organizationId,
		});
		const human = await call('GET', 'WhoAmI', { auth: token({ upn: 'ADMIN@contoso.test', appid: 'some-public-client' }) });
		expect(human.body.UserId).toBe(sim.humanUserId);
	});

	it('accepts a token minted by the Entra simulator for this environment', async () => {
		const entra = new EntraSimulator();
		const entraUrl = await entra.start();
		try {
			entra.addApp({ clientId: 'dyn-client', clientSecret: 's', tenantId: 'tenant1' });
			const res = await fetch(`${entraUrl}/tenant1/oauth2/v2.0/token`, {
				method: 'POST',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'dyn-client', client_secret: 's', scope: `${url}/.default` }),
			});
			const { access_token } = (await res.json()) as { access_token: string };
			const who = await call('GET', 'WhoAmI', { auth: access_token });
			expect(who.body.UserId).toBe(sim.syncUserId);
		} finally {
			await entra.stop();
		}
	});
});

describe('create, read, update, delete', () => {
	it('creates with 204 + OData-EntityId, or 201 + the selected columns with return=representation', async () => {
		const created = await call('POST', 'leads', { body: { firstname: 'Ada', lastname: 'Lovelace', emailaddress1: 'ada@example.com' } });
		expect(created.status).toBe(204);
		expect(created.text).toBe('');
		const id = idFrom(created);
		expect(created.headers.get('odata-entityid')).toBe(`${api}/leads(${id})`);

		const rep = await call('POST', 'leads?$select=fullname,statecode', { body: { firstname: 'Grace', lastname: 'Hopper' }, headers: { Prefer: 'return=representation' } });
		expect(rep.status).toBe(201);
		expect(rep.headers.get('odata-entityid')).toBeNull();
		expect(rep.body['@odata.context']).toBe(`${api}/$metadata#leads(fullname,statecode)/$entity`);
		expect(Object.keys(rep.body)).toEqual(['@odata.context', '@odata.etag', 'fullname', 'statecode', 'leadid']);
		expect(rep.body.fullname).toBe('Grace Hopper');
		expect(rep.body.statecode).toBe(0);

		const got = await call('GET', `leads(${id})?$select=lastname,createdon,_modifiedby_value,_ownerid_value,versionnumber`);
		expect(got.status).toBe(200);
		expect(got.body.lastname).toBe('Lovelace');
		expect(got.body.createdon).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
		expect(got.body._modifiedby_value).toBe(sim.syncUserId);
		expect(got.body._ownerid_value).toBe(sim.syncUserId);
		expect(got.body['@odata.etag']).toBe(`W/"${got.body.versionnumber}"`);
	});

	it('answers 404 / 400 for missing and malformed keys', async () => {
		const missing = await call('GET', 'leads(00000000-0000-0000-0000-000000000001)');
		expect(missing.status).toBe(404);
		expect(missing.body).toEqual({ error: { code: '0x80040217', message: 'lead With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist' } });
		const malformed = await call('GET', 'leads(not-a-guid)');
		expect(malformed.status).toBe(400);
		expect(malformed.body.error.code).toBe('0x80060888');
		const unknownSet = await call('GET', 'gadgets');
		expect(unknownSet.status).toBe(404);
		expect(unknownSet.body.error.message).toBe("Resource not found for the segment 'gadgets'.");
	});

	it('follows Dataverse update / upsert / conditional semantics', async () => {
		const id = '5e5e5e5e-0000-4000-8000-000000000001';
		const updateMissing = await call('PATCH', `leads(${id})`, { body: { lastname: 'X' }, headers: { 'If-Match': '*' } });
		expect(updateMissing.status).toBe(404);
		expect(updateMissing.body.error.message).toBe(`lead With Id = ${id} Does Not Exist`);

		const upsertCreate = await call('PATCH', `leads(${id})`, { body: { lastname: 'Upserted' }, headers: { Prefer: 'return=representation' } });
		expect(upsertCreate.status).toBe(201);
		expect(upsertCreate.body.leadid).toBe(id);
		const upsertUpdate = await call('PATCH', `leads(${id})`, { body: { firstname: 'Now' }, headers: { Prefer: 'return=representation' } });
		expect(upsertUpdate.status).toBe(200);
		expect(upsertUpdate.body.fullname).toBe('Now Upserted');
		const plain = await call('PATCH', `leads(${id})`, { body: { jobtitle: 'CTO' } });
		expect(plain.status).toBe(204);
		expect(plain.headers.get('odata-entityid')).toBe(`${api}/leads(${id})`);

		const createOnly = await call('PATCH', `leads(${id})`, { body: { lastname: 'Dup' }, headers: { 'If-None-Match': '*' } });
		expect(createOnly.status).toBe(412);
		expect(createOnly.body).toEqual({ error: { code: '0x80040237', message: 'A record with matching key values already exists.' } });

		const current = await call('GET', `leads(${id})?$select=lastname`);
		const stale = await call('PATCH', `leads(${id})`, { body: { lastname: 'Stale' }, headers: { 'If-Match': 'W/"1"' } });
		expect(stale.status).toBe(412);
		expect(stale.body.error.code).toBe('0x80060882');
		const fresh = await call('PATCH', `leads(${id})`, { body: { lastname: 'Fresh' }, headers: { 'If-Match': current.body['@odata.etag'] } });
		expect(fresh.status).toBe(204);
		const notModified = await call('GET', `leads(${id})?$select=lastname`, { headers: { 'If-None-Match': (await call('GET', `leads(${id})`)).body['@odata.etag'] } });
		expect(notModified.status).toBe(304);

		expect((await call('DELETE', `leads(${id})`)).status).toBe(204);
		expect((await call('DELETE', `leads(${id})`)).status).toBe(404);
	});

	it('stamps _modifiedby_value with the caller so sync writes are distinguishable from people', async () => {
		const human = sim.create('contact', { lastname: 'Person' });
		expect(human._modifiedby_value).toBe(sim.humanUserId);
		await call('PATCH', `contacts(${human.contactid})`, { body: { jobtitle: 'Engineer' }, headers: { 'If-Match': '*' } });
		const afterSync = sim.store.get('contact', human.contactid as string)!;
		expect(afterSync._modifiedby_value).toBe(sim.syncUserId);
		expect(afterSync._createdby_value).toBe(sim.humanUserId);
		expect(afterSync.versionnumber).toBeGreaterThan(human.versionnumber as number);
		const other = sim.addInteractiveUser('sales.rep@contoso.test');
		expect(sim.update('contact', human.contactid as string, { jobtitle: 'Lead' }, other)._modifiedby_value).toBe(other);
	});

	it('serves choices and multi-select choices as Dataverse does: option sets through metadata casts, labels only when asked', async () => {
		sim.store.addColumn('lead', {
			logicalName: 'new_interests',
			type: 'MultiSelectPicklist',
			options: [
				{ value: 100000000, label: 'Webinars' },
				{ value: 100000001, label: 'Events' },
			],
		});
		const meta = await call('GET', "EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM.MultiSelectPicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)");
		expect(meta.status).toBe(200);
		expect(meta.body.value.map((a: Json) => a.LogicalName)).toEqual(['new_interests']);
		expect(meta.body.value[0].OptionSet.Options.map((o: Json) => [o.Value, o.Label.UserLocalizedLabel.Label])).toEqual([
			[100000000, 'Webinars'],
			[100000001, 'Events'],
		]);
		const base = await call('GET', "EntityDefinitions(LogicalName='lead')/Attributes?$select=LogicalName,AttributeType,AttributeTypeName&$filter=LogicalName eq 'new_interests'");
		expect(base.body.value[0]).toMatchObject({ AttributeType: 'Virtual', AttributeTypeName: { Value: 'MultiSelectPicklistType' } });

		const created = await call('POST', 'leads', { body: { lastname: 'Multi', new_interests: '100000001,100000000', leadsourcecode: 8 } });
		const id = idFrom(created);
		const plain = await call('GET', `leads(${id})?$select=new_interests,leadsourcecode`, { headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' } });
		expect(plain.body.new_interests).toBe('100000001,100000000');
		expect(plain.body.leadsourcecode).toBe(8);
		expect(plain.body['leadsourcecode@OData.Community.Display.V1.FormattedValue']).toBeUndefined();
		const labelled = await call('GET', `leads(${id})?$select=new_interests,leadsourcecode`, { headers: { Prefer: 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"' } });
		expect(labelled.body['leadsourcecode@OData.Community.Display.V1.FormattedValue']).toBe('Web');
		expect(labelled.body['new_interests@OData.Community.Display.V1.FormattedValue']).toBe('Events; Webinars');

		const bad = await call('PATCH', `leads(${id})`, { body: { new_interests: '100000001,7' }, headers: { 'If-Match': '*' } });
		expect(bad.status).toBe(400);
		expect(bad.body.error.message).toMatch(/new_interests.*outside the valid range/);
	});

	it('binds lookups with @odata.bind and reports lookup annotations', async () => {
		const account = await call('POST', 'accounts', { body: { name: 'Contoso Ltd' } });
		const accountId = idFrom(account);
		const contact = await call('POST', 'contacts', {
			body: { lastname: 'Bind', 'parentcustomerid_account@odata.bind': `/accounts(${accountId})`, 'ownerid@odata.bind': `/systemusers(${sim.humanUserId})` },
		});
		const contactId = idFrom(contact);
		const got = await call('GET', `contacts(${contactId})?$select=_parentcustomerid_value,_ownerid_value,preferredcontactmethodcode`, {
			headers: { Prefer: 'odata.include-annotations="*"' },
		});
		expect(got.body._parentcustomerid_value).toBe(accountId);
		expect(got.body['_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
		expect(got.body['_parentcustomerid_value@Microsoft.Dynamics.CRM.associatednavigationproperty']).toBe('parentcustomerid_account');
		expect(got.body['_parentcustomerid_value@OData.Community.Display.V1.FormattedValue']).toBe('Contoso Ltd');
		expect(got.body._ownerid_value).toBe(sim.humanUserId);
		expect(got.body['_ownerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('systemuser');
		expect(got.body['preferredcontactmethodcode@OData.Community.Display.V1.FormattedValue']).toBe('Any');
		expect(got.headers.get('preference-applied')).toBe('odata.include-annotations="*"');

		const opp = await call('POST', 'opportunities', { body: { name: 'Deal', 'customerid_contact@odata.bind': `/contacts(${contactId})` } });
		const oppId = idFrom(opp);
		await call('PATCH', `opportunities(${oppId})`, { body: { 'customerid_account@odata.bind': `accounts(${accountId})` }, headers: { 'If-Match': '*' } });
		const after = await call('GET', `opportunities(${oppId})?$select=_customerid_value`, { headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' } });
		expect(after.body._customerid_value).toBe(accountId);
		expect(after.body['_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('account');
		expect(after.body['_customerid_value@OData.Community.Display.V1.FormattedValue']).toBeUndefined();

		const dangling = await call('POST', 'contacts', { body: { lastname: 'X', 'parentcustomerid_account@odata.bind': '/accounts(00000000-0000-0000-0000-0000000000aa)' } });
		expect(dangling.status).toBe(404);
		expect(dangling.body.error.message).toBe('account With Id = 00000000-0000-0000-0000-0000000000aa Does Not Exist');
		const direct = await call('POST', 'contacts', { body: { lastname: 'X', _parentcustomerid_value: accountId } });
		expect(direct.status).toBe(400);
		expect(direct.body.error.message).toBe('CRM do not support direct update of Entity Reference properties, Use Navigation properties instead.');
	});
});

describe('validation errors', () => {
	it.each([
		['a missing required column', { firstname: 'No Last' }, '0x80040203', "'lastname'"],
		[
			'an over-long value',
			{ lastname: 'x'.repeat(51) },
			'0x80044331',
			"A validation error occurred. The length of the 'lastname' attribute of the 'lead' entity exceeded the maximum allowed length of '50'.",
		],
		[
			'a wrong JSON type',
			{ lastname: 'T', mkt_relativescore: 'abc' },
			'0x80048d19',
			"Error identified in Payload provided by the user for Entity :'leads', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ----> InnerException : Microsoft.OData.ODataException: Cannot convert the literal 'abc' to the expected type 'Edm.Int32'.",
		],
		['an unknown property', { lastname: 'T', foo: 1 }, '0x80048d19', "The property 'foo' does not exist on type 'Microsoft.Dynamics.CRM.lead'."],
		['a malformed email', { lastname: 'T', emailaddress1: 'not-an-email' }, '0x80040203', "'emailaddress1'"],
		['an option outside the option set', { lastname: 'T', leadsourcecode: 99 }, '0x8004431a', 'Accepted Values: 1,2,3,4,5,6,7,8,9,10'],
	])('rejects %s with the Dataverse error body', async (_name, body, code, message) => {
		const res = await call('POST', 'leads', { body });
		expect(res.status).toBe(400);
		expect(res.body.error.code).toBe(code);
		expect(res.body.error.message).toContain(message);
		expect(sim.store.count('lead')).toBe(0);
	});

	it('rejects nulling a required column on update', async () => {
		const lead = sim.create('lead', { lastname: 'Keep' });
		const res = await call('PATCH', `leads(${lead.leadid})`, { body: { lastname: null }, headers: { 'If-Match': '*' } });
		expect(res.status).toBe(400);
		expect(res.body.error.message).toContain("'lastname'");
		expect(sim.store.get('lead', lead.leadid as string)!.lastname).toBe('Keep');
	});
});

describe('$filter, $select, $orderby, paging', () => {
	beforeEach(() => {
		sim.create('lead', { firstname: 'Pat', lastname: "O'Brien", emailaddress1: 'pat@example.com', revenue: 500, donotemail: true });
		sim.create('lead', { firstname: 'Kim', lastname: 'Smith', emailaddress1: 'kim@example.com', revenue: 1500 });
		sim.create('lead', { firstname: 'Lee', lastname: 'x', emailaddress1: 'lee@other.org' });
		sim.create('lead', { firstname: 'Sam', lastname: 'y' });
	});

	const names = (r: Reply) => (r.body.value as Json[]).map((v) => v.lastname).sort();

	it('escapes quotes by doubling them and never lets a value break out of its literal', async () => {
		const obrien = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent("lastname eq 'O''Brien'")}`);
		expect(obrien.status).toBe(200);
		expect(names(obrien)).toEqual(["O'Brien"]);
		// escaped injection attempt: the whole text is one literal → matches nothing
		const escaped = "x' or lastname ne 'y".replace(/'/g, "''");
		const injection = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent(`lastname eq '${escaped}'`)}`);
		expect(injection.status).toBe(200);
		expect(injection.body.value).toEqual([]);
		// unescaped, the literal is left unterminated → syntax error instead of extra rows
		const broken = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent("lastname eq 'x' or lastname ne 'y")}`);
		expect(broken.status).toBe(400);
		expect(broken.body.error.code).toBe('0x80060888');
		expect(broken.body.error.message).toMatch(/unterminated string literal/);
	});

	it.each([
		["startswith(emailaddress1,'PAT')", ["O'Brien"]],
		["contains(emailaddress1,'@example.') and not (lastname eq 'Smith')", ["O'Brien"]],
		['revenue gt 600', ['Smith']],
		['revenue ge 500 and revenue le 1500', ["O'Brien", 'Smith']],
		['revenue eq null', ['x', 'y']],
		['donotemail eq true', ["O'Brien"]],
		["(lastname eq 'x' or lastname eq 'y') and emailaddress1 ne null", ['x']],
		["endswith(emailaddress1,'.org')", ['x']],
		[`Microsoft.Dynamics.CRM.In(PropertyName='lastname',PropertyValues=["x","Smith"])`, ['Smith', 'x']],
		['createdon gt 2000-01-01T00:00:00Z', ["O'Brien", 'Smith', 'x', 'y']],
	])('filters %s', async (filter, expected) => {
		const res = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent(filter)}`);
		expect(res.status).toBe(200);
		expect(names(res)).toEqual(expected);
	});

	it('filters lookups by unquoted GUID and rejects a quoted GUID as Dataverse does', async () => {
		const ok = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent(`_ownerid_value eq ${sim.humanUserId}`)}`);
		expect(ok.body.value).toHaveLength(4);
		const quoted = await call('GET', `leads?$filter=${encodeURIComponent(`_ownerid_value eq '${sim.humanUserId}'`)}`);
		expect(quoted.status).toBe(400);
		expect(quoted.body.error.message).toBe(
			"A binary operator with incompatible types was detected. Found operand types 'Edm.Guid' and 'Edm.String' for operator kind 'Equal'.",
		);
	});

	it('rejects unknown properties in $filter and $select, including a removed column', async () => {
		const filter = await call('GET', `leads?$filter=${encodeURIComponent("nope eq 'a'")}`);
		expect(filter.status).toBe(400);
		expect(filter.body).toEqual({ error: { code: '0x80060888', message: "Could not find a property named 'nope' on type 'Microsoft.Dynamics.CRM.lead'." } });
		expect((await call('GET', 'leads?$select=jobtitle')).status).toBe(200);
		sim.store.removeColumn('lead', 'jobtitle');
		const removed = await call('GET', 'leads?$select=lastname,jobtitle');
		expect(removed.status).toBe(400);
		expect(removed.body.error).toEqual({ code: '0x80060888', message: "Could not find a property named 'jobtitle' on type 'Microsoft.Dynamics.CRM.lead'." });
		sim.store.addColumn('lead', { logicalName: 'new_score', type: 'Integer', displayName: 'Score' });
		const added = await call('POST', 'leads', { body: { lastname: 'New', new_score: 7 } });
		expect((await call('GET', `leads(${idFrom(added)})?$select=new_score`)).body.new_score).toBe(7);
	});

	it('pages with odata.maxpagesize and opaque nextLinks, in a stable order', async () => {
		sim.seedRows('lead', 21);
		const seen: string[] = [];
		let res = await call('GET', 'leads?$select=lastname&$count=true', { headers: { Prefer: 'odata.maxpagesize=10' } });
		expect(res.headers.get('preference-applied')).toBe('odata.maxpagesize=10');
		expect(res.body['@odata.count']).toBe(25);
		const sizes: number[] = [];
		for (;;) {
			sizes.push(res.body.value.length);
			seen.push(...(res.body.value as Json[]).map((v) => v.leadid as string));
			const next = res.body['@odata.nextLink'] as string | undefined;
			if (!next) break;
			expect(next).toContain('$skiptoken=');
			expect(next).toContain('$select=lastname');
			res = await call('GET', next, { headers: { Prefer: 'odata.maxpagesize=10' } });
		}
		expect(sizes).toEqual([10, 10, 5]);
		expect(new Set(seen).size).toBe(25);
		expect(seen).toEqual([...seen].sort());

		const top = await call('GET', 'leads?$select=lastname&$top=3&$orderby=lastname desc');
		expect(top.body.value.map((v: Json) => v.lastname)).toEqual(['y', 'x', 'Smith']);
		expect(top.body['@odata.nextLink']).toBeUndefined();

		const ordered: string[] = [];
		let page = await call('GET', `leads?$select=firstname&$orderby=firstname asc&$filter=${encodeURIComponent("startswith(firstname,'Lead')")}`, { headers: { Prefer: 'odata.maxpagesize=8' } });
		for (;;) {
			ordered.push(...(page.body.value as Json[]).map((v) => v.firstname as string));
			if (!page.body['@odata.nextLink']) break;
			page = await call('GET', page.body['@odata.nextLink'], { headers: { Prefer: 'odata.maxpagesize=8' } });
		}
		expect(ordered).toHaveLength(21);
		expect(ordered).toEqual([...ordered].sort((a, b) => (a.toLowerCase() < b.toLowerCase() ? -1 : 1)));
	});

	it('keeps equality lookups right through updates, deletes and rolled-back writes', async () => {
		const byEmail = async (email: string) =>
			(await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent(`emailaddress1 eq '${email}'`)}`)).body.value.map((v: Json) => v.lastname);
		expect(await byEmail('KIM@example.com')).toEqual(['Smith']);
		const kim = sim.store.all('lead', (l) => l.lastname === 'Smith')[0];
		sim.update('lead', kim.leadid as string, { emailaddress1: 'kim@new.example.com' });
		expect(await byEmail('kim@example.com')).toEqual([]);
		expect(await byEmail('kim@new.example.com')).toEqual(['Smith']);
		sim.store.begin();
		sim.update('lead', kim.leadid as string, { emailaddress1: 'temp@example.com' });
		sim.store.rollback();
		expect(await byEmail('temp@example.com')).toEqual([]);
		expect(await byEmail('kim@new.example.com')).toEqual(['Smith']);
		sim.delete('lead', kim.leadid as string);
		expect(await byEmail('kim@new.example.com')).toEqual([]);
		const owned = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent(`_ownerid_value eq ${sim.humanUserId} and lastname eq 'x'`)}`);
		expect(owned.body.value.map((v: Json) => v.lastname)).toEqual(['x']);
	});

	it('caps page size and @odata.count at 5000', async () => {
		sim.seedRows('account', 5003);
		const res = await call('GET', 'accounts?$select=name&$count=true', { headers: { Prefer: 'odata.maxpagesize=9000,odata.include-annotations="*"' } });
		expect(res.body.value).toHaveLength(5000);
		expect(res.body['@odata.count']).toBe(5000);
		expect(res.body['@Microsoft.Dynamics.CRM.totalrecordcountlimitexceeded']).toBe(true);
		expect(res.body['@odata.nextLink']).toBeDefined();
	});
});

describe('change tracking', () => {
	const track = { Prefer: 'odata.track-changes,odata.maxpagesize=3' };

	async function initialSync(path = 'leads?$select=firstname,lastname') {
		let res = await call('GET', path, { headers: track });
		const rows: Json[] = [];
		for (;;) {
			expect(res.status).toBe(200);
			rows.push(...(res.body.value as Json[]));
			if (!res.body['@odata.nextLink']) break;
			expect(res.body['@odata.deltaLink']).toBeUndefined();
			res = await call('GET', res.body['@odata.nextLink'], { headers: track });
		}
		return { rows, last: res };
	}

	it('returns all rows then only changes: updates/creates first, then deletes (also for created-then-deleted rows)', async () => {
		const a = sim.create('lead', { firstname: 'A', lastname: 'One' });
		const b = sim.create('lead', { firstname: 'B', lastname: 'Two' });
		sim.seedRows('lead', 5);
		const { rows, last } = await initialSync();
		expect(rows).toHaveLength(7);
		expect(last.headers.get('preference-applied')).toBe('odata.maxpagesize=3,odata.track-changes');
		const deltaLink = last.body['@odata.deltaLink'] as string;
		expect(deltaLink).toMatch(new RegExp(`^${api.replace(/[.]/g, '\\.')}/leads\\?\\$select=firstname,lastname&\\$deltatoken=`));

		sim.update('lead', a.leadid as string, { firstname: 'A2' });
		sim.delete('lead', b.leadid as string);
		const c = sim.create('lead', { lastname: 'Created' });
		const ghost = sim.create('lead', { lastname: 'Ghost' });
		sim.delete('lead', ghost.leadid as string);

		const delta = await call('GET', deltaLink, { headers: { Prefer: 'odata.track-changes' } });
		expect(delta.status).toBe(200);
		expect(delta.body['@odata.context']).toBe(`${api}/$metadata#leads(firstname,lastname)/$delta`);
		const value = delta.body.value as Json[];
		expect(value.map((v) => v.leadid ?? v.id)).toEqual([a.leadid, c.leadid, b.leadid, ghost.leadid]);
		expect(value[0]).toMatchObject({ firstname: 'A2', lastname: 'One' });
		expect(value[0]['@odata.etag']).toMatch(/^W\/"\d+"$/);
		expect(value[2]).toEqual({ '@odata.context': `${api}/$metadata#leads/$deletedEntity`, id: b.leadid, reason: 'deleted' });
		expect(value[3].reason).toBe('deleted');

		const quiet = await call('GET', delta.body['@odata.deltaLink'], { headers: { Prefer: 'odata.track-changes' } });
		expect(quiet.body.value).toEqual([]);
		expect(quiet.body['@odata.deltaLink']).toBeDefined();
	});

	it('keeps an initial load in tracking mode across nextLinks (the paging cookie says istracking)', async () => {
		sim.seedRows('lead', 5);
		const first = await call('GET', 'leads?$select=lastname', { headers: track });
		expect(first.body['@odata.nextLink']).toContain('istracking%3D%22True%22');
		const second = await call('GET', first.body['@odata.nextLink'], { headers: { Prefer: 'odata.maxpagesize=3' } });
		expect(second.body.value).toHaveLength(2);
		expect(second.body['@odata.deltaLink']).toContain('$deltatoken=');
	});

	it('pages a large delta with maxpagesize and puts the deltaLink on the last page', async () => {
		const { last } = await initialSync();
		sim.seedRows('lead', 7);
		let res = await call('GET', last.body['@odata.deltaLink'], { headers: track });
		const got: string[] = [];
		for (;;) {
			got.push(...(res.body.value as Json[]).map((v) => v.leadid as string));
			if (!res.body['@odata.nextLink']) break;
			res = await call('GET', res.body['@odata.nextLink'], { headers: track });
		}
		expect(got).toHaveLength(7);
		expect(res.body['@odata.deltaLink']).toBeDefined();
	});

	it('refuses query options with track-changes and ignores the preference on untracked tables', async () => {
		const filtered = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent("lastname eq 'x'")}`, { headers: track });
		expect(filtered.status).toBe(400);
		expect(filtered.body.error.message).toBe('The "$filter" query parameter isn\'t supported when Change Tracking is enabled.');
		expect((await call('GET', 'leads?$top=2', { headers: track })).body.error.message).toContain('"$top"');

		sim.create('new_project', { new_name: 'Apollo' });
		const untracked = await call('GET', 'new_projects?$select=new_name', { headers: track });
		expect(untracked.status).toBe(200);
		expect(untracked.headers.get('preference-applied')).toBe('odata.maxpagesize=3');
		expect(untracked.body['@odata.deltaLink']).toBeUndefined();
		expect(untracked.body.value).toHaveLength(1);
	});

	it('expires delta tokens after ExpireChangeTrackingInDays and on expireDeltaTokens()', async () => {
		const expired = { error: { code: '0x80044352', message: 'ExpiredVersionStamp: Version stamp associated with the client has expired. Please perform a full sync.' } };
		const first = (await initialSync()).last.body['@odata.deltaLink'] as string;
		sim.advanceClock(6 * 86_400_000);
		const stillFine = await call('GET', first);
		expect(stillFine.status).toBe(200);
		sim.advanceClock(2 * 86_400_000);
		const old = await call('GET', first);
		expect(old.status).toBe(400);
		expect(old.body).toEqual(expired);

		const second = (await initialSync()).last.body['@odata.deltaLink'] as string;
		expect((await call('GET', second)).status).toBe(200);
		sim.expireDeltaTokens();
		expect((await call('GET', second)).body).toEqual(expired);
		const third = (await initialSync()).last.body['@odata.deltaLink'] as string;
		expect((await call('GET', third)).status).toBe(200);
	});
});

describe('connections and merge', () => {
	it('writes two connection rows (master + reciprocal) and deletes both', async () => {
		const contact = sim.create('contact', { lastname: 'Stakeholder' });
		const opp = sim.create('opportunity', { name: 'Big deal' });
		const res = await call('POST', 'connections', {
			body: {
				'record1id_opportunity@odata.bind': `/opportunities(${opp.opportunityid})`,
				'record2id_contact@odata.bind': `/contacts(${contact.contactid})`,
				'record2roleid@odata.bind': `/connectionroles(${sim.connectionRoleIds.stakeholder})`,
			},
		});
		expect(res.status).toBe(204);
		const masterId = idFrom(res);
		const rows = sim.store.all('connection');
		expect(rows).toHaveLength(2);
		const master = rows.find((r) => r.connectionid === masterId)!;
		const reciprocal = rows.find((r) => r.connectionid !== masterId)!;
		expect(master).toMatchObject({
			ismaster: true,
			_record1id_value: opp.opportunityid,
			_record2id_value: contact.contactid,
			_record2roleid_value: sim.connectionRoleIds.stakeholder,
			_record1roleid_value: null,
			_relatedconnectionid_value: reciprocal.connectionid,
			record1objecttypecode: 3,
			record2objecttypecode: 2,
		});
		expect(reciprocal).toMatchObject({
			ismaster: false,
			_record1id_value: contact.contactid,
			_record2id_value: opp.opportunityid,
			_record1roleid_value: sim.connectionRoleIds.stakeholder,
			_record2roleid_value: null,
			_relatedconnectionid_value: masterId,
		});
		const read = await call('GET', `connections?$select=_record1id_value,ismaster&$filter=${encodeURIComponent('ismaster eq true')}`, {
			headers: { Prefer: 'odata.include-annotations="Microsoft.Dynamics.CRM.lookuplogicalname"' },
		});
		expect(read.body.value).toHaveLength(1);
		expect(read.body.value[0]['_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname']).toBe('opportunity');

		expect((await call('DELETE', `connections(${reciprocal.connectionid})`)).status).toBe(204);
		expect(sim.store.count('connection')).toBe(0);

		const pair = sim.connect({ table: 'opportunity', id: opp.opportunityid as string }, { table: 'contact', id: contact.contactid as string }, sim.connectionRoleIds.decisionMaker);
		expect(sim.store.get('connection', pair.reciprocal)!._record1roleid_value).toBe(sim.connectionRoleIds.decisionMaker);
		sim.delete('contact', contact.contactid as string);
		expect(sim.store.count('connection')).toBe(0);
	});

	it('runs the Merge action: subordinate deactivated and merged, winner updated, children re-parented, both in the delta', async () => {
		const winner = sim.create('contact', { firstname: 'Win', lastname: 'Ner', new_synctomkto: true });
		const loser = sim.create('contact', { firstname: 'Lo', lastname: 'Ser', emailaddress1: 'loser@example.com' });
		const opp = sim.create('opportunity', { name: 'Child', _customerid_value: loser.contactid });
		const initial = await call('GET', 'contacts?$select=lastname', { headers: { Prefer: 'odata.track-changes' } });
		const res = await call('POST', 'Merge', {
			body: {
				Target: { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: winner.contactid },
				Subordinate: { '@odata.type': 'Microsoft.Dynamics.CRM.contact', contactid: loser.contactid },
				UpdateContent: { '@odata.type': 'Microsoft.Dynamics.CRM.contact', emailaddress1: 'loser@example.com' },
				PerformParentingChecks: false,
			},
		});
		expect(res.status).toBe(204);
		const w = sim.store.get('contact', winner.contactid as string)!;
		const l = sim.store.get('contact', loser.contactid as string)!;
		expect(w.emailaddress1).toBe('loser@example.com');
		expect(w._modifiedby_value).toBe(sim.syncUserId);
		expect(l).toMatchObject({ statecode: 1, statuscode: 2, merged: true, _masterid_value: winner.contactid });
		expect(sim.store.get('opportunity', opp.opportunityid as string)).toMatchObject({
			_customerid_value: winner.contactid,
			'_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
		});
		const delta = await call('GET', initial.body['@odata.deltaLink']);
		expect((delta.body.value as Json[]).map((v) => v.contactid).sort()).toEqual([winner.contactid, loser.contactid].sort());

		const leadWinner = sim.create('lead', { lastname: 'W' });
		const leadLoser = sim.create('lead', { lastname: 'L' });
		sim.merge('lead', leadWinner.leadid as string, leadLoser.leadid as string);
		expect(sim.store.get('lead', leadLoser.leadid as string)).toMatchObject({ statecode: 2, merged: true, _masterid_value: leadWinner.leadid });
		const missing = await call('POST', 'Merge', {
			body: {
				Target: { '@odata.type': 'Microsoft.Dynamics.CRM.lead', leadid: leadWinner.leadid },
				Subordinate: { '@odata.type': 'Microsoft.Dynamics.CRM.lead', leadid: '00000000-0000-0000-0000-00000000dead' },
			},
		});
		expect(missing.status).toBe(404);
	});
});

describe('$batch', () => {
	const CRLF = '\r\n';
	function part(method: string, path: string, body?: unknown, contentId?: string, headers: string[] = []): string {
		const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
		if (contentId) lines.push(`Content-ID: ${contentId}`);
		lines.push('', `${method} ${path} HTTP/1.1`);
		if (body !== undefined) lines.push('Content-Type: application/json; type=entry');
		lines.push(...headers, '');
		if (body !== undefined) lines.push(JSON.stringify(body));
		return lines.join(CRLF);
	}
	function changeset(boundary: string, parts: string[]): string {
		return [`Content-Type: multipart/mixed; boundary=${boundary}`, '', ...parts.map((p) => `--${boundary}${CRLF}${p}`), `--${boundary}--`].join(CRLF);
	}
	function batch(parts: string[]): string {
		return parts.map((p) => `--batch_AAA${CRLF}${p}`).join(CRLF) + `${CRLF}--batch_AAA--${CRLF}`;
	}
	async function send(body: string, prefer?: string) {
		const headers: Record<string, string> = { 'content-type': 'multipart/mixed; boundary="batch_AAA"' };
		if (prefer) headers.Prefer = prefer;
		const res = await fetch(`${api}/$batch`, { method: 'POST', headers: { ...headers, authorization: `Bearer ${token()}` }, body });
		return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
	}
	const statuses = (text: string) => [...text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1]));

	it('commits a change set with Content-ID references atomically', async () => {
		const res = await send(
			batch([
				changeset('changeset_1', [
					part('POST', `${api}/accounts`, { name: 'Batch Account' }, '1'),
					part('POST', '/api/data/v9.2/contacts', { lastname: 'Batch Contact', 'parentcustomerid_account@odata.bind': '$1' }, '2'),
					part('PATCH', '$1', { accountnumber: 'B-1' }, '3'),
				]),
				part('GET', `accounts?$select=name,accountnumber`),
			]),
		);
		expect(res.status).toBe(200);
		expect(res.contentType).toMatch(/^multipart\/mixed; boundary=batchresponse_[0-9a-f-]{36}$/);
		expect(res.text).toMatch(/Content-Type: multipart\/mixed; boundary=changesetresponse_/);
		expect(statuses(res.text)).toEqual([204, 204, 204, 200]);
		expect(res.text).toContain('HTTP/1.1 204 No Content');
		expect(res.text).toContain('Content-ID: 2');
		const account = sim.store.all('account')[0];
		expect(account.accountnumber).toBe('B-1');
		expect(sim.store.all('contact')[0]._parentcustomerid_value).toBe(account.accountid);
		expect(res.text).toContain('"accountnumber":"B-1"');
		expect(sim.stats().operations).toBe(4);
		expect(sim.stats().byRoute['POST /$batch']).toBe(1);
	});

	it('rolls back the whole change set on a failure and stops the batch (400)', async () => {
		const res = await send(
			batch([
				part('POST', 'leads', { lastname: 'Before' }),
				changeset('changeset_2', [part('POST', 'accounts', { name: 'Rolled back' }, '1'), part('POST', 'leads', { lastname: 'x'.repeat(60) }, '2')]),
				part('POST', 'leads', { lastname: 'Never' }),
			]),
		);
		expect(res.status).toBe(400);
		expect(statuses(res.text)).toEqual([204, 400]);
		expect(res.text).toContain('"code":"0x80044331"');
		expect(sim.store.count('account')).toBe(0);
		expect(sim.store.all('lead').map((l) => l.lastname)).toEqual(['Before']);
	});

	it('keeps going with odata.continue-on-error, one part per failure', async () => {
		const res = await send(
			batch([part('POST', 'leads', { lastname: 'One' }), part('POST', 'leads', { lastname: 'Bad', foo: 1 }), part('POST', 'leads', { lastname: 'Three' })]),
			'odata.continue-on-error',
		);
		expect(res.status).toBe(200);
		expect(statuses(res.text)).toEqual([204, 400, 204]);
		expect(res.text).toContain("The property 'foo' does not exist on type 'Microsoft.Dynamics.CRM.lead'");
		expect(sim.store.all('lead').map((l) => l.lastname).sort()).toEqual(['One', 'Three']);
	});

	it('refuses more than 1000 operations in one batch', async () => {
		const res = await send(batch(Array.from({ length: 1001 }, () => part('GET', 'WhoAmI'))));
		expect(res.status).toBe(400);
		expect(JSON.parse(res.text).error.message).toBe('Number of requests in a batch exceeded the limit of 1000.');
		expect(sim.stats().operations).toBe(0);
	});

	it('rejects GET inside a change set and forward Content-ID references', async () => {
		const get = await send(batch([changeset('changeset_3', [part('GET', 'leads')])]));
		expect(get.status).toBe(400);
		expect(get.text).toContain("An invalid HTTP method 'GET' was detected for a request in a change set.");
		const forward = await send(
			batch([changeset('changeset_4', [part('POST', 'contacts', { lastname: 'Early', 'parentcustomerid_account@odata.bind': '$2' }, '1'), part('POST', 'accounts', { name: 'Late' }, '2')])]),
		);
		expect(forward.status).toBe(400);
		expect(forward.text).toContain("Content-ID Reference: '$2' does not exist in the batch context.");
		expect(sim.store.count('contact') + sim.store.count('account')).toBe(0);
	});
});

describe('service protection limits', () => {
	it('answers 429 with Retry-After once the 300 s request window is full, per user', async () => {
		sim.setLimits({ requestsPer300s: 5 });
		for (let i = 0; i < 5; i++) expect((await call('GET', 'WhoAmI')).status).toBe(200);
		const limited = await call('GET', 'WhoAmI');
		expect(limited.status).toBe(429);
		expect(limited.body).toEqual({ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 5 over time window of 300 seconds.' } });
		const retryAfter = Number(limited.headers.get('retry-after'));
		expect(retryAfter).toBeGreaterThan(250);
		expect(retryAfter).toBeLessThanOrEqual(301);
		// another user has its own window
		expect((await call('GET', 'WhoAmI', { auth: token({ upn: 'admin@contoso.test' }) })).status).toBe(200);
		sim.advanceClock(301_000);
		expect((await call('GET', 'WhoAmI')).status).toBe(200);
		const stats = sim.stats();
		expect(stats.limitHits['429']).toBe(1);
		expect(stats.byUser[sim.syncUserId]).toBe(6);
		expect(stats.byUser[sim.humanUserId]).toBe(1);
		expect(stats.byRoute['GET /WhoAmI']).toBe(8);
	});

	it('counts every inner $batch operation against the window', async () => {
		sim.setLimits({ requestsPer300s: 3 });
		const body = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary', '', 'GET WhoAmI HTTP/1.1', '', ''].join('\r\n');
		const multi = `--b${'\r\n'}${body}\r\n--b\r\n${body}\r\n--b\r\n${body}\r\n--b\r\n${body}\r\n--b--\r\n`;
		const res = await fetch(`${api}/$batch`, { method: 'POST', headers: { authorization: `Bearer ${token()}`, 'content-type': 'multipart/mixed; boundary=b' }, body: multi });
		expect(res.status).toBe(200);
		expect(sim.stats().operations).toBe(4);
		expect((await call('GET', 'WhoAmI')).status).toBe(429);
	});

	it('answers 429 0x80072326 beyond the concurrent request limit', async () => {
		sim.setLimits({ concurrentRequests: 2 });
		sim.setLatency(400);
		const replies = await Promise.all(Array.from({ length: 6 }, () => call('GET', 'WhoAmI')));
		const limited = replies.filter((r) => r.status === 429);
		expect(replies.filter((r) => r.status === 200)).toHaveLength(2);
		expect(limited).toHaveLength(4);
		expect(limited[0].body.error).toEqual({ code: '0x80072326', message: 'Number of concurrent requests exceeded the limit of 2.' });
		expect(Number(limited[0].headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
		expect(sim.stats().limitHits['0x80072326']).toBe(4);
		expect(sim.stats().peakConcurrency).toBeGreaterThanOrEqual(2);
	});
});

describe('metadata', () => {
	it('lists entity definitions with labels, filtered on ChangeTrackingEnabled', async () => {
		const res = await call(
			'GET',
			`EntityDefinitions?$select=LogicalName,EntitySetName,DisplayName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsCustomEntity&$filter=${encodeURIComponent('ChangeTrackingEnabled eq true')}`,
		);
		expect(res.status).toBe(200);
		expect(res.body['@odata.context']).toBe(`${api}/$metadata#EntityDefinitions(LogicalName,EntitySetName,DisplayName,PrimaryIdAttribute,PrimaryNameAttribute,ChangeTrackingEnabled,IsCustomEntity)`);
		const names = (res.body.value as Json[]).map((e) => e.LogicalName).sort();
		expect(names).toEqual(['account', 'connection', 'contact', 'lead', 'opportunity', 'systemuser', 'team']);
		const lead = (res.body.value as Json[]).find((e) => e.LogicalName === 'lead')!;
		expect(lead).toMatchObject({ EntitySetName: 'leads', PrimaryIdAttribute: 'leadid', PrimaryNameAttribute: 'fullname', IsCustomEntity: false });
		expect(lead.DisplayName.UserLocalizedLabel.Label).toBe('Lead');
		expect(typeof lead.MetadataId).toBe('string');
		expect(lead.ObjectTypeCode).toBeUndefined();

		const custom = await call('GET', `EntityDefinitions(LogicalName='new_project')?$select=LogicalName,EntitySetName,ChangeTrackingEnabled,IsCustomEntity`);
		expect(custom.body).toMatchObject({ LogicalName: 'new_project', EntitySetName: 'new_projects', ChangeTrackingEnabled: false, IsCustomEntity: true });
		expect((await call('GET', `EntityDefinitions(LogicalName='nope')`)).status).toBe(404);
	});

	it('describes attributes with their type, required level, length and validity', async () => {
		const res = await call(
			'GET',
			`EntityDefinitions(LogicalName='lead')/Attributes?$select=LogicalName,DisplayName,AttributeType,RequiredLevel,MaxLength,IsValidForRead,IsValidForCreate,IsValidForUpdate,AttributeOf`,
		);
		expect(res.status).toBe(200);
		const attributes = new Map((res.body.value as Json[]).map((a) => [a.LogicalName as string, a]));
		const byName = { get: (name: string): Json => attributes.get(name) ?? {} };
		expect(byName.get('lastname')).toMatchObject({
			'@odata.type': '#Microsoft.Dynamics.CRM.StringAttributeMetadata',
			AttributeType: 'String',
			RequiredLevel: { Value: 'ApplicationRequired' },
			MaxLength: 50,
			IsValidForCreate: true,
			AttributeOf: null,
		});
		expect(byName.get('lastname').DisplayName.UserLocalizedLabel.Label).toBe('Last Name');
		expect(byName.get('statecode')).toMatchObject({ AttributeType: 'State', IsValidForCreate: false });
		expect(byName.get('ownerid')).toMatchObject({ '@odata.type': '#Microsoft.Dynamics.CRM.LookupAttributeMetadata', AttributeType: 'Owner' });
		expect(byName.get('parentaccountid').AttributeType).toBe('Lookup');
		expect(byName.get('revenue').AttributeType).toBe('Money');
		expect(byName.get('new_synctomkto').AttributeType).toBe('Boolean');
		expect(byName.get('fullname')).toMatchObject({ IsValidForCreate: false, IsValidForUpdate: false });
		expect(byName.get('parentaccountidname')).toMatchObject({ AttributeOf: 'parentaccountid' });
		expect(byName.get('parentaccountidname').MaxLength).toBe(100);
		expect(byName.get('lastname').Targets).toBeUndefined();

		const customer = await call('GET', `EntityDefinitions(LogicalName='contact')/Attributes(LogicalName='parentcustomerid')?$select=LogicalName,AttributeType`);
		expect(customer.body).toMatchObject({ LogicalName: 'parentcustomerid', AttributeType: 'Customer' });

		const filtered = await call('GET', `EntityDefinitions(LogicalName='lead')/Attributes?$select=LogicalName&$filter=${encodeURIComponent("AttributeType eq Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist' and AttributeOf eq null")}`);
		expect((filtered.body.value as Json[]).map((a) => a.LogicalName).sort()).toEqual(['leadqualitycode', 'leadsourcecode', 'preferredcontactmethodcode']);
	});

	it('expands option sets on the PicklistAttributeMetadata cast', async () => {
		const res = await call('GET', `EntityDefinitions(LogicalName='lead')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet($select=Options)`);
		expect(res.status).toBe(200);
		const source = (res.body.value as Json[]).find((a) => a.LogicalName === 'leadsourcecode')!;
		expect(source['@odata.type']).toBe('#Microsoft.Dynamics.CRM.PicklistAttributeMetadata');
		expect(source.OptionSet.Options[0].Value).toBe(1);
		expect(source.OptionSet.Options[0].Label.UserLocalizedLabel.Label).toBe('Advertisement');
		expect(source.OptionSet.Options).toHaveLength(10);
		expect((res.body.value as Json[]).every((a) => a['@odata.type'] === '#Microsoft.Dynamics.CRM.PicklistAttributeMetadata')).toBe(true);

		sim.store.addColumn('lead', { logicalName: 'new_tier', type: 'Picklist', options: [{ value: 100000000, label: 'Gold' }] });
		const tier = await call('GET', `EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='new_tier')/Microsoft.Dynamics.CRM.PicklistAttributeMetadata?$select=LogicalName&$expand=OptionSet`);
		expect(tier.body.OptionSet.Options[0].Label.UserLocalizedLabel.Label).toBe('Gold');
		sim.store.removeColumn('lead', 'new_tier');
		expect((await call('GET', `EntityDefinitions(LogicalName='lead')/Attributes(LogicalName='new_tier')`)).status).toBe(404);
	});
});

describe('admin API and bulk seeding', () => {
	async function admin(method: string, path: string, body?: unknown) {
		const res = await fetch(`${url}/__sim/${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await res.text();
		return { status: res.status, body: text ? (JSON.parse(text) as Json) : {} };
	}

	it('drives the simulator over HTTP without auth', async () => {
		const principals = await admin('GET', 'principals');
		expect(principals.body).toMatchObject({ syncUserId: sim.syncUserId, humanUserId: sim.humanUserId, connectionRoles: { stakeholder: sim.connectionRoleIds.stakeholder } });
		const created = await admin('POST', 'ui/lead', { lastname: 'Admin Made', emailaddress1: 'made@example.com' });
		expect(created.status).toBe(201);
		expect(created.body._modifiedby_value).toBe(sim.humanUserId);
		const bad = await admin('POST', 'ui/lead', { firstname: 'no last name' });
		expect(bad.status).toBe(400);
		expect(bad.body.error.code).toBe('0x80040203');
		const patched = await admin('PATCH', `ui/lead/${created.body.leadid}`, { jobtitle: 'Boss' });
		expect(patched.body.jobtitle).toBe('Boss');
		const listed = await admin('GET', 'tables/lead?lastname=admin%20made');
		expect(listed.body.count).toBe(1);
		expect((await admin('GET', `tables/lead/${created.body.leadid}`)).body.jobtitle).toBe('Boss');
		await admin('POST', 'seed/contact', { count: 3, template: { lastname: 'Seeded {i}', emailaddress1: 'c{i}@example.com' } });
		expect(sim.store.all('contact').map((c) => c.lastname)).toEqual(['Seeded 0', 'Seeded 1', 'Seeded 2']);
		const app = await admin('POST', 'users/application', { clientId: 'second-app' });
		expect((await call('GET', 'WhoAmI', { auth: token({ appid: 'second-app' }) })).body.UserId).toBe(app.body.systemuserid);

		await admin('PUT', 'faults', [{ pathIncludes: '/leads', responseCount: 1, response: { status: 503, body: { error: { code: '', message: 'down' } } } }]);
		expect((await call('GET', 'leads')).status).toBe(503);
		expect((await call('GET', 'leads')).status).toBe(200);
		await admin('POST', 'reset-counters');
		await admin('PUT', 'limits', { requestsPer300s: 1 });
		expect((await call('GET', 'WhoAmI')).status).toBe(429);
		const stats = await admin('GET', 'stats');
		expect(stats.body.limitHits['429']).toBe(1);
		await admin('POST', 'reset');
		expect(sim.store.count('lead')).toBe(0);
		expect((await call('GET', 'WhoAmI')).status).toBe(200);
	});

	it('seeds a large table quickly and serves filtered queries over it', async () => {
		const started = Date.now();
		sim.seedRows('lead', 100_000, (i) => ({ lastname: `L${i}`, emailaddress1: `l${i}@example.com` }));
		expect(Date.now() - started).toBeLessThan(8000);
		expect(sim.store.count('lead')).toBe(100_000);
		const res = await call('GET', `leads?$select=lastname&$filter=${encodeURIComponent("emailaddress1 eq 'l99999@example.com'")}`);
		expect(res.body.value.map((v: Json) => v.lastname)).toEqual(['L99999']);
		const page = await call('GET', 'leads?$select=lastname', { headers: { Prefer: 'odata.maxpagesize=5000' } });
		expect(page.body.value).toHaveLength(5000);
		const next = await call('GET', page.body['@odata.nextLink'], { headers: { Prefer: 'odata.maxpagesize=5000' } });
		expect(next.body.value[0].lastname).toBe('L5000');
	});
});
