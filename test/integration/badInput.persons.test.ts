import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DeletePerson } from '../../nodes/DeletePerson/DeletePerson.node';
import { ResolveConflict } from '../../nodes/ResolveConflict/ResolveConflict.node';
import { SyncPerson } from '../../nodes/SyncPerson/SyncPerson.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { clearTokenCache } from '../../nodes/transport/entraToken';
import { clearDescribeCache } from '../../nodes/transport/marketoApi';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { DYN_CLIENT, MKTO_CLIENT, startSimulators, type Simulators } from '../helpers/simulators';
import { checkDataverseFilter, checkMarketoQuery, fails, report, SKIPPED, SYNCED, tableRow, valuesOf, writeReport, type Expected } from './badInput.helpers';

/**
 * The bad-input suite for the person nodes (Upsert both ways, Sync Person, Delete Person both ways,
 * Resolve Conflict) in n8n's real engine against the simulators: hostile and malformed records,
 * each beside a well-formed one. Every bad record ends on the error output naming record and
 * field; every good one is written; every query the simulators received names only input values.
 */
jest.setTimeout(120_000);

const TEN_K = 'x'.repeat(10_000);
const guid = (n: number) => `0000${n.toString(16).padStart(4, '0')}-1111-4222-8333-${n.toString(16).padStart(12, '0')}`;

/** A hostile person as Dynamics columns, with what each direction must make of it. */
interface PersonCase {
	name: string;
	fields: IDataObject;
	/** The Dynamics record ID the item carries (default: a fresh valid GUID). */
	id?: IDataObject[string];
	toMarketo: Expected;
	toDynamics: Expected;
}

const PERSON_CASES: PersonCase[] = [
	{ name: "apostrophe in name and email (O'Brien)", fields: { lastname: "O'Brien", emailaddress1: "o'brien@bad.test" }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'double quotes in name', fields: { lastname: 'Say "Hi"', emailaddress1: 'quote@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'comma in name', fields: { lastname: 'Smith, John', emailaddress1: 'comma-name@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'semicolon in name', fields: { lastname: 'Semi;Colon', emailaddress1: 'semi-name@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'ampersand in name and email', fields: { lastname: 'Fish & Chips', emailaddress1: 'fish&chips@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'OData injection in name', fields: { lastname: "y' or lastname ne 'y", emailaddress1: 'inject-name@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'OData injection in email', fields: { lastname: 'Inject', emailaddress1: "y' or emailaddress1 ne 'y@bad.test" }, toMarketo: fails('email'), toDynamics: fails('emailaddress1') },
	{ name: 'OData operators and $-options as text', fields: { lastname: 'eq ne or and not null $filter=1 $top=1', emailaddress1: 'operators@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'URL-special characters (%27 %2C # ? / + = &)', fields: { lastname: '%27%2C#?/+=&x', emailaddress1: 'pct%27+tag@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'comma in email (two recipients)', fields: { lastname: 'CommaMail', emailaddress1: 'b,y@bad.test' }, toMarketo: fails('email'), toDynamics: fails('emailaddress1') },
	{ name: 'semicolon in email (two recipients)', fields: { lastname: 'SemiMail', emailaddress1: 'b;y@bad.test' }, toMarketo: fails('email'), toDynamics: fails('emailaddress1') },
	{ name: 'emoji and accents in names', fields: { firstname: 'Zoë', lastname: '🚀 Rocket 👩‍💻', emailaddress1: 'emoji@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'right-to-left script', fields: { lastname: 'محمد', emailaddress1: 'rtl@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'non-ASCII email (Marketo rejects it)', fields: { lastname: 'Jörg', emailaddress1: 'jörg@bad.test' }, toMarketo: fails('email'), toDynamics: SYNCED },
	{ name: 'internationalised email domain', fields: { lastname: 'Idn', emailaddress1: 'idn@bücher.test' }, toMarketo: fails('email'), toDynamics: SYNCED },
	{ name: 'control characters (NUL, tab, newline)', fields: { lastname: 'Nul\u0000Tab\tNl\n', emailaddress1: 'ctrl@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: '10,000-character last name', fields: { lastname: TEN_K, emailaddress1: 'long-name@bad.test' }, toMarketo: fails('lastName'), toDynamics: fails('lastname') },
	{ name: '10,000-character email', fields: { lastname: 'LongMail', emailaddress1: `${TEN_K}@bad.test` }, toMarketo: fails('email', /is too long \(10009 characters; Marketo allows 255\)/), toDynamics: fails('emailaddress1', /is too long/) },
	{ name: 'null last name (required in Dynamics)', fields: { lastname: null, emailaddress1: 'null-last@bad.test' }, toMarketo: SYNCED, toDynamics: fails('lastname') },
	{ name: 'empty last name (required in Dynamics)', fields: { lastname: '', emailaddress1: 'empty-last@bad.test' }, toMarketo: SYNCED, toDynamics: fails('lastname') },
	{ name: 'empty email', fields: { lastname: 'NoMail', emailaddress1: '' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'email padded with spaces', fields: { lastname: 'Padded', emailaddress1: '  padded@bad.test  ' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'wrong type: text for a yes/no field', fields: { lastname: 'Bool', emailaddress1: 'bool@bad.test', donotphone: 'maybe' }, toMarketo: fails('doNotCall'), toDynamics: fails('donotphone') },
	{ name: 'wrong type: object as last name', fields: { lastname: { nested: 1 }, emailaddress1: 'object@bad.test' }, toMarketo: fails('lastName'), toDynamics: fails('lastname') },
	{ name: 'wrong type: array as email', fields: { lastname: 'Array', emailaddress1: ['array@bad.test'] }, toMarketo: fails('email'), toDynamics: fails('emailaddress1') },
	{ name: 'wrong type: number as last name', fields: { lastname: 12345, emailaddress1: 'number@bad.test' }, toMarketo: SYNCED, toDynamics: SYNCED },
	{ name: 'company over Dynamics max length (101 > 100)', fields: { lastname: 'Company', emailaddress1: 'company@bad.test', companyname: 'C'.repeat(101) }, toMarketo: SYNCED, toDynamics: fails('companyname') },
	{ name: 'first name over Dynamics max length (51 > 50)', fields: { firstname: 'F'.repeat(51), lastname: 'First', emailaddress1: 'first@bad.test' }, toMarketo: SYNCED, toDynamics: fails('firstname') },
	{ name: 'invalid GUID as record ID', id: 'not-a-guid', fields: { lastname: 'BadId', emailaddress1: 'bad-id@bad.test' }, toMarketo: fails('leadid'), toDynamics: fails('microsoftId') },
	{ name: 'OData injection as record ID', id: "x' or leadid ne null or 'a' eq 'a", fields: { lastname: 'InjectId', emailaddress1: 'inject-id@bad.test' }, toMarketo: fails('leadid'), toDynamics: fails('microsoftId') },
	{ name: 'GUID in braces with a trailing filter', id: `{${guid(9999)}}) or (1 eq 1`, fields: { lastname: 'Braces', emailaddress1: 'braces@bad.test' }, toMarketo: fails('leadid'), toDynamics: fails('microsoftId') },
	{ name: '10,000-character record ID', id: TEN_K, fields: { lastname: 'LongId', emailaddress1: 'long-id@bad.test' }, toMarketo: fails('leadid'), toDynamics: fails('microsoftId') },
];

/** Persons already in both systems whose values a query built from split or unescaped input would hit. */
const BYSTANDERS = [
	{ lastname: 'y', emailaddress1: 'y@bad.test' },
	{ lastname: 'Bystander B', emailaddress1: 'b@bad.test' },
	{ lastname: 'Smith', emailaddress1: 'smith@bad.test' },
	{ lastname: 'Obrien', emailaddress1: 'obrien@bad.test' },
];

describe('Bad input: person nodes', () => {
	let sims: Simulators;
	let engine: TestEngine;
	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };

	beforeAll(async () => {
		sims = await startSimulators();
	});

	afterAll(async () => {
		await sims.stop();
		writeReport();
	});

	beforeEach(() => {
		clearTokenCache();
		clearMetadataCache();
		clearDescribeCache();
		sims.marketo.reset();
		sims.dataverse.reset();
		engine = new TestEngine({ upsertPerson: new UpsertPerson(), syncPerson: new SyncPerson(), deletePerson: new DeletePerson(), resolveConflict: new ResolveConflict() });
		engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
	});

	/** Runs one node with the error output connected; no secret or token in the execution data or log. */
	const run = async (type: string, parameters: IDataObject, input: IDataObject[]) => {
		const spec: NodeSpec = { name: 'Node', type, parameters: parameters as NodeSpec['parameters'], credentials, onError: 'continueErrorOutput' };
		const result = await engine.run([spec], { input });
		expect(result.error).toBeUndefined();
		const text = JSON.stringify(result.run.data.resultData) + engine.logText;
		for (const secret of [DYN_CLIENT.clientSecret, MKTO_CLIENT.clientSecret]) expect(text).not.toContain(secret);
		expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
		const byItem = new Map<number, { ok?: INodeExecutionData; failed?: INodeExecutionData }>();
		for (const [key, output] of [['ok', 0], ['failed', 1]] as const) {
			for (const item of result.output('Node', output)) {
				const index = (item.pairedItem as { item: number }).item;
				const entry = byItem.get(index) ?? {};
				expect(entry[key]).toBeUndefined(); // one outcome per item, never two
				entry[key] = item;
				byItem.set(index, entry);
			}
		}
		// Every item is either synced or reported: none lost, none both.
		for (let i = 0; i < input.length; i++) {
			const entry = byItem.get(i);
			expect([i, entry && (entry.ok ? 1 : 0) + (entry.failed ? 1 : 0)]).toEqual([i, 1]);
		}
		return byItem;
	};

	/** No filtered read either simulator answered named anything but values of the input. */
	const expectOnlyIntendedQueries = (input: unknown[]) => {
		const intended = valuesOf(input);
		const problems = [
			...sims.dataverse.stats().queries.map((q) => checkDataverseFilter(q, intended)),
			...sims.marketo.stats().queries.map((q) => checkMarketoQuery(q, intended)),
		].filter(Boolean);
		expect(problems).toEqual([]);
	};

	/** One hostile item's outcome against what it should be: its error names the item and the field, or it went through. */
	const problems: string[] = [];
	const expectOutcome = (entry: { ok?: INodeExecutionData; failed?: INodeExecutionData } | undefined, index: number, expected: Expected, name: string, itemNumber = index + 1): void => {
		const failed = entry?.failed?.json;
		const said = `${name}: got ${JSON.stringify(failed ?? entry?.ok?.json).slice(0, 300)}`;
		if ('synced' in expected) {
			if (failed || !/^(created|updated)$/.test(String(entry?.ok?.json.status))) problems.push(said);
			return;
		}
		if ('skipped' in expected) {
			if (failed || entry?.ok?.json.status !== 'skipped' || !entry.ok.json.reason) problems.push(said);
			return;
		}
		if (!failed) {
			problems.push(said);
			return;
		}
		if ((failed.details as IDataObject | undefined)?.field !== expected.field) problems.push(`${said} (field ${expected.field} expected)`);
		if (expected.message && !expected.message.test(String(failed.error))) problems.push(`${said} (message ${String(expected.message)} expected)`);
		if (!new RegExp(`^Item ${itemNumber}\\b`).test(String(failed.error))) problems.push(`${said} (does not name item ${itemNumber})`);
		// A clear message: short enough to read, the hostile value cut short.
		if (String(failed.error).length > 600) problems.push(`${name}: error of ${String(failed.error).length} characters: ${String(failed.error).slice(0, 200)}`);
	};
	beforeEach(() => {
		problems.length = 0;
	});
	afterEach(() => {
		expect(problems).toEqual([]);
	});

	test('a credential URL other than https (loopback excepted) stops the node with a clear message before anything is sent', async () => {
		const cases: Array<[string, string, Record<string, unknown>, RegExp]> = [
			['Marketo REST Base URL over http', 'mkto', { ...sims.marketoCredentials, restBaseUrl: 'http://123-abc-456.mktorest.com' }, /REST Base URL must use https/],
			['Dynamics Environment URL over http', 'dyn', { ...sims.dynamicsCredentials, environmentUrl: 'http://contoso.crm.dynamics.com' }, /Environment URL must use https/],
			['Entra authority host over http', 'dyn', { ...sims.dynamicsCredentials, authorityHost: 'http://login.example.com' }, /Authority host must use https/],
			['Dynamics Environment URL as file://', 'dyn', { ...sims.dynamicsCredentials, environmentUrl: 'file:///etc/passwd' }, /Environment URL must use https/],
		];
		for (const [name, id, data, message] of cases) {
			engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
			engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
			engine.credentials.set(id, id === 'dyn' ? 'microsoftDynamicsApi' : 'marketoApi', data as never);
			clearTokenCache();
			const before = sims.entra.stats().calls + sims.marketo.stats().calls;
			const target = id === 'dyn' ? { target: 'dynamics', personType: 'lead' } : {};
			const input = id === 'dyn' ? [{ lastName: 'Http', email: 'http@ok.test' }] : [{ table: 'lead', id: guid(1), operation: 'created', fields: { lastname: 'Http', emailaddress1: 'http@ok.test' } }];
			const result = await engine.run([{ name: 'Node', type: 'upsertPerson', parameters: target as NodeSpec['parameters'], credentials, onError: 'stopWorkflow' }], { input });
			expect([name, result.error?.message]).toEqual([name, expect.stringMatching(message)]);
			expect([name, sims.entra.stats().calls + sims.marketo.stats().calls]).toEqual([name, before]);
			report.push({ input: name, node: 'Upsert Lead/Contact (credential)', expected: 'node stops: URL must use https', got: String(result.error?.message).slice(0, 160), neighbours: 'n/a (nothing sent)' });
		}
	});

	const bystanderRows = () => BYSTANDERS.map((b) => sims.dataverse.create('lead', { ...b }) as IDataObject);
	const bystanderPersons = () => BYSTANDERS.map((b) => sims.marketo.uiCreateLead({ lastName: b.lastname, email: b.emailaddress1 }));

	test('Upsert Lead/Contact → Marketo: every hostile record beside a good one', async () => {
		const persons = bystanderPersons();
		const input = PERSON_CASES.flatMap((c, n) => [
			{ table: 'lead', id: c.id === undefined ? guid(n * 2) : c.id, operation: 'created', modifiedon: '2025-03-01T10:00:00Z', fields: c.fields },
			{ table: 'lead', id: guid(n * 2 + 1), operation: 'created', modifiedon: '2025-03-01T10:00:00Z', fields: { lastname: `Good ${n}`, emailaddress1: `good${n}@ok.test` } },
		]);
		const byItem = await run('upsertPerson', {}, input);
		const goodSynced = PERSON_CASES.filter((_, n) => byItem.get(n * 2 + 1)?.ok?.json.status === 'created').length;
		PERSON_CASES.forEach((c, n) => {
			const entry = byItem.get(n * 2);
			expectOutcome(entry, n * 2, c.toMarketo, c.name);
			if ('synced' in c.toMarketo) {
				const lead = sims.marketo.store.getLead(entry!.ok!.json.marketoId as number)!;
				const expectedLast = c.fields.lastname === null || c.fields.lastname === '' ? null : String(c.fields.lastname);
				expect([c.name, lead.lastName ?? null, lead.microsoftId]).toEqual([c.name, expectedLast, guid(n * 2)]);
			}
			report.push(tableRow('Upsert Lead/Contact → Marketo', c.name, c.toMarketo, entry?.failed ?? entry?.ok, `${goodSynced}/${PERSON_CASES.length}`));
		});
		expect(goodSynced).toBe(PERSON_CASES.length);
		// The persons already there are untouched: no write matched more than its own record.
		for (const p of persons) expect({ ...sims.marketo.store.getLead(p.id), microsoftId: sims.marketo.store.getLead(p.id)!.microsoftId ?? null }).toMatchObject({ lastName: p.lastName, email: p.email, microsoftId: null });
		const expectedLeads = persons.length + PERSON_CASES.length + PERSON_CASES.filter((c) => 'synced' in c.toMarketo).length;
		expect(sims.marketo.store.leads.size).toBe(expectedLeads);
		expectOnlyIntendedQueries(input);
	});

	test('Upsert Lead/Contact → Dynamics: every hostile record beside a good one', async () => {
		const rows = bystanderRows();
		const input = PERSON_CASES.flatMap((c, n) => [
			{
				firstName: c.fields.firstname,
				lastName: c.fields.lastname,
				email: c.fields.emailaddress1,
				company: c.fields.companyname,
				doNotCall: c.fields.donotphone,
				...(c.id !== undefined ? { microsoftId: c.id, microsoftType: 'Lead' } : {}),
			},
			{ lastName: `Good ${n}`, email: `good${n}@ok.test` },
		]);
		const byItem = await run('upsertPerson', { target: 'dynamics', personType: 'lead' }, input);
		const goodSynced = PERSON_CASES.filter((_, n) => byItem.get(n * 2 + 1)?.ok?.json.status === 'created').length;
		PERSON_CASES.forEach((c, n) => {
			const entry = byItem.get(n * 2);
			expectOutcome(entry, n * 2, c.toDynamics, c.name);
			if ('synced' in c.toDynamics) {
				const row = sims.dataverse.store.get('lead', entry!.ok!.json.dynamicsId as string)!;
				expect([c.name, row.lastname]).toEqual([c.name, String(c.fields.lastname)]);
			}
			report.push(tableRow('Upsert Lead/Contact → Dynamics', c.name, c.toDynamics, entry?.failed ?? entry?.ok, `${goodSynced}/${PERSON_CASES.length}`));
		});
		expect(goodSynced).toBe(PERSON_CASES.length);
		for (const row of rows) expect(sims.dataverse.store.get('lead', row.leadid as string)).toMatchObject({ lastname: row.lastname, emailaddress1: row.emailaddress1, modifiedon: row.modifiedon });
		expect(sims.dataverse.stats().queries.length).toBeGreaterThan(0);
		expectOnlyIntendedQueries(input);
	});

	/** Hostile values Marketo itself holds (it refuses the others on entry), and malformed lead IDs. */
	const SYNC_PERSON_CASES: Array<{ name: string; person?: IDataObject; item?: IDataObject; expected: Expected }> = [
		{ name: "apostrophe in name and email (O'Brien)", person: { lastName: "O'Brien", email: "o'brien@bad.test" }, expected: SYNCED },
		{ name: 'comma in name', person: { lastName: 'Smith, John', email: 'comma-name@bad.test' }, expected: SYNCED },
		{ name: 'OData injection in name', person: { lastName: "y' or lastname ne 'y", email: 'inject-name@bad.test' }, expected: SYNCED },
		{ name: 'ampersand and plus in email', person: { lastName: 'Amp', email: 'fish&chips+tag@bad.test' }, expected: SYNCED },
		{ name: 'emoji in names', person: { firstName: '👩‍💻', lastName: '🚀 Rocket', email: 'emoji@bad.test' }, expected: SYNCED },
		{ name: '255-character last name (over Dynamics 50)', person: { lastName: 'L'.repeat(255), email: 'long@bad.test' }, expected: fails('lastname') },
		{ name: 'no last name (required in Dynamics)', person: { firstName: 'Only', email: 'nolast@bad.test' }, expected: fails('lastname') },
		{ name: 'lead ID as text', item: { leadId: 'abc' }, expected: fails('leadId') },
		{ name: 'lead ID with a comma list', item: { leadId: '1,2' }, expected: fails('leadId') },
		{ name: 'lead ID negative', item: { leadId: -1 }, expected: fails('leadId') },
		{ name: 'lead ID fractional', item: { leadId: 1.5 }, expected: fails('leadId') },
		{ name: 'lead ID unknown', item: { leadId: 987654 }, expected: fails('leadId') },
		{ name: 'lead ID as an object', item: { leadId: { id: 1 } }, expected: fails('leadId') },
		{ name: 'lead ID 10,000 digits', item: { leadId: '9'.repeat(10_000) }, expected: fails('leadId') },
	];

	test('Sync Person to Microsoft: hostile persons and malformed lead IDs beside good ones', async () => {
		bystanderRows();
		const input: IDataObject[] = [];
		SYNC_PERSON_CASES.forEach((c, n) => {
			const hostile = c.person ? { leadId: sims.marketo.uiCreateLead(c.person).id } : c.item!;
			const good = sims.marketo.uiCreateLead({ lastName: `Good ${n}`, email: `good${n}@ok.test` });
			input.push(hostile, { leadId: good.id });
		});
		const byItem = await run('syncPerson', {}, input);
		const goodSynced = SYNC_PERSON_CASES.filter((_, n) => byItem.get(n * 2 + 1)?.ok?.json.status === 'created').length;
		SYNC_PERSON_CASES.forEach((c, n) => {
			const entry = byItem.get(n * 2);
			expectOutcome(entry, n * 2, c.expected, c.name);
			if (c.person && 'synced' in c.expected) {
				expect([c.name, sims.dataverse.store.get('lead', entry!.ok!.json.dynamicsId as string)!.lastname]).toEqual([c.name, c.person.lastName]);
			}
			report.push(tableRow('Sync Person to Microsoft', c.name, c.expected, entry?.failed ?? entry?.ok, `${goodSynced}/${SYNC_PERSON_CASES.length}`));
		});
		expect(goodSynced).toBe(SYNC_PERSON_CASES.length);
		const people = [...sims.marketo.store.leads.values()];
		expectOnlyIntendedQueries([...input, ...people.map((p) => [p.email, p.id])]);
	});

	/** Malformed deleted items of either trigger. */
	const BAD_IDS: Array<{ name: string; id: IDataObject[string] }> = [
		{ name: 'invalid GUID', id: 'not-a-guid' },
		{ name: 'OData injection as ID', id: "x' or 1 eq 1 or 'a' eq 'a" },
		{ name: 'GUID with a trailing filter', id: `${guid(7)}) or (1 eq 1` },
		{ name: 'comma-joined GUIDs', id: `${guid(7)},${guid(8)}` },
		{ name: 'empty ID', id: '' },
		{ name: 'null ID', id: null },
		{ name: 'number as ID', id: 42 },
		{ name: '10,000-character ID', id: TEN_K },
	];

	test('Delete Person, Dynamics → Marketo: malformed record IDs beside good deletes', async () => {
		const input: IDataObject[] = [];
		const flagged: number[] = [];
		BAD_IDS.forEach((c, n) => {
			const person = sims.marketo.uiCreateLead({ lastName: `Linked ${n}`, email: `linked${n}@ok.test`, microsoftId: guid(100 + n), microsoftType: 'Lead' });
			flagged.push(person.id);
			input.push({ table: 'lead', id: c.id, operation: 'deleted', fields: {} }, { table: 'lead', id: guid(100 + n), operation: 'deleted', fields: {} });
		});
		// Persons a split or injected query would reach.
		const others = [7, 8].map((n) => sims.marketo.uiCreateLead({ lastName: `Other ${n}`, email: `other${n}@ok.test`, microsoftId: guid(n), microsoftType: 'Lead' }));
		const byItem = await run('deletePerson', {}, input);
		const goodDone = BAD_IDS.filter((_, n) => byItem.get(n * 2 + 1)?.ok?.json.status === 'flagged').length;
		BAD_IDS.forEach((c, n) => {
			const entry = byItem.get(n * 2);
			expectOutcome(entry, n * 2, fails('dynamicsId'), c.name);
			report.push(tableRow('Delete Person (Dynamics → Marketo)', c.name, fails('dynamicsId'), entry?.failed, `${goodDone}/${BAD_IDS.length}`));
		});
		expect(goodDone).toBe(BAD_IDS.length);
		for (const id of flagged) expect(sims.marketo.store.getLead(id)!.microsoftIsDeleted).toBe(true);
		for (const o of others) expect(sims.marketo.store.getLead(o.id)!.microsoftIsDeleted ?? false).toBe(false);
		expectOnlyIntendedQueries(input);
	});

	test('Delete Person, Marketo → Dynamics: malformed Microsoft IDs and lead IDs beside good deletes', async () => {
		const input: IDataObject[] = [];
		const deleted: string[] = [];
		const cases: Array<{ name: string; item: IDataObject }> = [...BAD_IDS.map((c) => ({ name: `Microsoft ID: ${c.name}`, item: { leadId: 5000, operation: 'deleted', current: null, microsoftId: c.id } })), { name: 'lead ID as text', item: { leadId: "1' or 1 eq 1", operation: 'deleted', current: null, microsoftId: null } }];
		cases.forEach((c, n) => {
			const row = sims.dataverse.create('lead', { lastname: `Gone ${n}`, emailaddress1: `gone${n}@ok.test` }) as IDataObject;
			deleted.push(row.leadid as string);
			input.push(c.item, { leadId: 6000 + n, operation: 'deleted', current: null, microsoftId: row.leadid, sources: ['Marketo UI'] });
		});
		const keep = bystanderRows();
		const byItem = await run('deletePerson', { direction: 'marketoToDynamics', policy: 'deleteInDynamics' }, input);
		const goodDone = cases.filter((_, n) => byItem.get(n * 2 + 1)?.ok?.json.status === 'deleted').length;
		cases.forEach((c, n) => {
			const entry = byItem.get(n * 2);
			// No Microsoft ID and no such person in Marketo: nothing to delete, said so on the item.
			const expected = typeof c.item.leadId === 'string' ? fails('leadId') : c.item.microsoftId === null || c.item.microsoftId === '' ? SKIPPED : fails('dynamicsId');
			expectOutcome(entry, n * 2, expected, c.name);
			report.push(tableRow('Delete Person (Marketo → Dynamics)', c.name, expected, entry?.failed ?? entry?.ok, `${goodDone}/${cases.length}`));
		});
		expect(goodDone).toBe(cases.length);
		for (const id of deleted) expect(sims.dataverse.store.get('lead', id)).toBeUndefined();
		for (const row of keep) expect(sims.dataverse.store.get('lead', row.leadid as string)).toBeDefined();
		expectOnlyIntendedQueries(input);
	});

	test('Resolve Conflict: malformed trigger items beside good ones; hostile values decided as they are', async () => {
		const hostile = sims.dataverse.create('lead', { lastname: "y' or lastname ne 'y", emailaddress1: "o'brien@bad.test", firstname: '🚀' }) as IDataObject;
		const good = sims.dataverse.create('lead', { lastname: 'Good', emailaddress1: 'good@ok.test' }) as IDataObject;
		bystanderRows();
		const dynamicsItem = (id: IDataObject[string], fields: IDataObject = {}): IDataObject => ({ table: 'lead', id, operation: 'updated', modifiedon: '2025-03-01T10:00:00Z', modifiedBy: null, fields, syncFilter: null, changeDetection: 'changeTracking' });
		const cases: Array<{ name: string; item: IDataObject; expected: Expected }> = [
			{ name: 'hostile values (quote, injection, emoji) in a Dynamics item', item: dynamicsItem(hostile.leadid, { lastname: hostile.lastname, emailaddress1: hostile.emailaddress1, firstname: '🚀' }), expected: SYNCED },
			{ name: 'Dynamics item: invalid GUID', item: dynamicsItem('not-a-guid', { lastname: 'X' }), expected: fails('id') },
			{ name: 'Dynamics item: OData injection as ID', item: dynamicsItem("x' or 1 eq 1", { lastname: 'X' }), expected: fails('id') },
			{ name: 'Dynamics item: missing ID', item: dynamicsItem(undefined, { lastname: 'X' }), expected: fails('id') },
			{ name: 'Marketo item: lead ID as text', item: { leadId: 'abc', operation: 'updated', changedFields: [], current: { id: 'abc', lastName: 'X' } }, expected: fails('leadId') },
			{ name: 'Marketo item: comma-joined lead IDs', item: { leadId: '1,2', operation: 'updated', changedFields: [], current: { lastName: 'X' } }, expected: fails('leadId') },
			{ name: 'neither a Dynamics nor a Marketo item', item: { hello: 'world' }, expected: fails('id') },
		];
		const input = cases.flatMap((c) => [c.item, dynamicsItem(good.leadid, { lastname: 'Good', emailaddress1: 'good@ok.test' })]);
		const result = await engine.run([{ name: 'Node', type: 'resolveConflict', parameters: { operation: 'resolve' }, credentials, onError: 'continueErrorOutput' }], { input });
		expect(result.error).toBeUndefined();
		const ok = result.output('Node', 0);
		const failed = result.output('Node', 1);
		const outcome = (i: number) => ({ ok: ok.find((x) => (x.pairedItem as { item: number }).item === i), failed: failed.find((x) => (x.pairedItem as { item: number }).item === i) });
		expect(ok.length + failed.length).toBe(input.length);
		const goodDone = cases.filter((_, n) => outcome(n * 2 + 1).ok !== undefined).length;
		cases.forEach((c, n) => {
			const entry = outcome(n * 2);
			if ('synced' in c.expected) {
				if (entry.failed || !entry.ok) problems.push(`${c.name}: ${JSON.stringify(entry.failed?.json)}`);
				else expect(JSON.stringify(entry.ok.json)).toContain(JSON.stringify(hostile.lastname).slice(1, -1));
			} else {
				// Resolve Conflict counts items from 1.
				expectOutcome(entry, n * 2, c.expected, c.name);
			}
			report.push(tableRow('Resolve Conflict', c.name, c.expected, entry.failed ?? { json: { ...entry.ok!.json, status: `decided: ${String(entry.ok!.json.action)}` } }, `${goodDone}/${cases.length}`));
		});
		expect(goodDone).toBe(cases.length);
		expectOnlyIntendedQueries(input);
	});
});
