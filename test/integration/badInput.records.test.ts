import type { IConnections, IDataObject, INodeExecutionData, INodeParameters, Workflow } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { MarketoTrigger } from '../../nodes/MarketoTrigger/MarketoTrigger.node';
import { SyncRecords } from '../../nodes/SyncRecords/SyncRecords.node';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { clearTokenCache } from '../../nodes/transport/entraToken';
import { clearDescribeCache } from '../../nodes/transport/marketoApi';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { DYN_CLIENT, MKTO_CLIENT, startSimulators, type Simulators } from '../helpers/simulators';
import { checkDataverseFilter, checkMarketoQuery, fails, report, SYNCED, tableRow, valuesOf, writeReport, type Expected } from './badInput.helpers';

/**
 * The bad-input suite for Sync Records and the two triggers, in n8n's real engine against the
 * simulators: hostile account records beside good ones (every bad one named on the error output,
 * every good one written, no query naming anything but input values), and hostile values held by
 * Dynamics and Marketo emitted by the triggers exactly once, as they are.
 */
jest.setTimeout(120_000);

const TEN_K = 'x'.repeat(10_000);
const guid = (n: number) => `0000${n.toString(16).padStart(4, '0')}-2222-4333-8444-${n.toString(16).padStart(12, '0')}`;

/** Static data kept between executions, as an active workflow keeps it. */
class PublishedWorkflowEngine extends TestEngine {
	readonly staticData: IDataObject = {};

	override workflow(nodes: NodeSpec[], connections: IConnections): Workflow {
		return super.workflow(nodes, connections, this.staticData);
	}
}

const ACCOUNT_CASES: Array<{ name: string; item: (id: string) => IDataObject; expected: Expected }> = [
	{ name: "apostrophe in account name (O'Brien & Sons)", item: (id) => account(id, { name: "O'Brien & Sons" }), expected: SYNCED },
	{ name: 'comma and semicolon in account name', item: (id) => account(id, { name: 'Smith, Jones; Partners' }), expected: SYNCED },
	{ name: 'OData injection in account name', item: (id) => account(id, { name: "x' or name ne 'x" }), expected: SYNCED },
	{ name: 'emoji and right-to-left text in account name', item: (id) => account(id, { name: '🚀 شركة' }), expected: SYNCED },
	{ name: '10,000-character account name', item: (id) => account(id, { name: TEN_K }), expected: fails('company') },
	{ name: 'wrong type: text for employee count', item: (id) => account(id, { name: 'Employees', numberofemployees: 'many' }), expected: fails('numberOfEmployees') },
	{ name: 'invalid GUID as account ID', item: () => account('not-a-guid', { name: 'BadId' }), expected: fails('id') },
	{ name: 'OData injection as account ID', item: () => account("x' or accountid ne null", { name: 'InjectId' }), expected: fails('id') },
	{ name: 'missing table', item: (id) => ({ id, operation: 'updated', fields: { name: 'NoTable' } }), expected: fails('table') },
	{ name: 'unknown table', item: (id) => ({ table: "account' or 1 eq 1", id, operation: 'updated', fields: { name: 'Table' } }), expected: fails('table') },
];

function account(id: string, fields: IDataObject): IDataObject {
	return { table: 'account', id, operation: 'updated', modifiedon: '2025-03-01T10:00:00Z', modifiedBy: null, fields: { address1_city: 'Utrecht', ...fields }, syncFilter: null };
}

describe('Bad input: Sync Records and the triggers', () => {
	let sims: Simulators;
	const problems: string[] = [];

	beforeAll(async () => {
		sims = await startSimulators();
	});

	afterAll(async () => {
		await sims.stop();
		writeReport();
	});

	beforeEach(() => {
		problems.length = 0;
		clearTokenCache();
		clearMetadataCache();
		clearDescribeCache();
		sims.marketo.reset();
		sims.dataverse.reset();
	});

	afterEach(() => {
		expect(problems).toEqual([]);
	});

	const expectNoSecrets = (text: string) => {
		for (const secret of [DYN_CLIENT.clientSecret, MKTO_CLIENT.clientSecret]) expect(text).not.toContain(secret);
		expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
	};

	test('Sync Records: hostile account records beside good ones', async () => {
		const engine = new PublishedWorkflowEngine({ syncRecords: new SyncRecords() });
		engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
		// Companies already in Marketo that a split or injected query would reach.
		const input = ACCOUNT_CASES.flatMap((c, n) => [c.item(guid(n * 2)), account(guid(n * 2 + 1), { name: `Good ${n}` })]);
		const result = await engine.run(
			[{ name: 'Sync', type: 'syncRecords', parameters: { recordType: 'fromInput' } as INodeParameters, credentials: { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } }, onError: 'continueErrorOutput' }],
			{ input },
		);
		expect(result.error).toBeUndefined();
		expectNoSecrets(JSON.stringify(result.run.data.resultData) + engine.logText);
		const ok = result.output('Sync', 0);
		const failed = result.output('Sync', 1);
		const at = (list: INodeExecutionData[], i: number) => list.filter((x) => (x.pairedItem as { item: number }).item === i);
		for (let i = 0; i < input.length; i++) if (at(ok, i).length + at(failed, i).length !== 1) problems.push(`item ${i}: ${at(ok, i).length} outputs, ${at(failed, i).length} errors`);
		const companies = sims.marketo.store.objects('companies') as IDataObject[];
		const goodSynced = ACCOUNT_CASES.filter((_, n) => companies.some((c) => c.externalCompanyId === guid(n * 2 + 1) && c.company === `Good ${n}`)).length;
		ACCOUNT_CASES.forEach((c, n) => {
			const entry = { ok: at(ok, n * 2)[0], failed: at(failed, n * 2)[0] };
			const said = `${c.name}: got ${JSON.stringify(entry.failed?.json ?? entry.ok?.json).slice(0, 300)}`;
			if ('synced' in c.expected) {
				const company = companies.find((x) => x.externalCompanyId === guid(n * 2));
				if (entry.failed || company?.company !== (c.item(guid(n * 2)).fields as IDataObject).name) problems.push(said);
			} else if ('field' in c.expected) {
				const error = String(entry.failed?.json.error ?? '');
				const field = ((entry.failed?.json.details ?? {}) as IDataObject).field;
				// The message names the record (its ID or item number) and the field.
				if (!entry.failed || field !== c.expected.field || !error.includes(`"${c.expected.field}"`) || error.length > 600) problems.push(`${said} (field ${c.expected.field} expected)`);
			}
			report.push(tableRow('Sync Records to Marketo', c.name, c.expected, entry.failed ?? { json: { status: entry.ok?.json.status } }, `${goodSynced}/${ACCOUNT_CASES.length}`));
		});
		expect(goodSynced).toBe(ACCOUNT_CASES.length);
		const intended = valuesOf(input);
		const queryProblems = [...sims.dataverse.stats().queries.map((q) => checkDataverseFilter(q, intended)), ...sims.marketo.stats().queries.map((q) => checkMarketoQuery(q, intended))].filter(Boolean);
		expect(queryProblems).toEqual([]);
	});

	const HOSTILE_VALUES: Array<{ name: string; lastname: string; email: string }> = [
		{ name: 'apostrophe and ampersand', lastname: "O'Brien & Co", email: "o'brien@bad.test" },
		{ name: 'OData injection', lastname: "y' or lastname ne 'y", email: 'inject@bad.test' },
		{ name: 'comma and semicolon', lastname: 'Smith, John; Jr', email: 'comma@bad.test' },
		{ name: 'emoji', lastname: '🚀 Rocket 👩‍💻', email: 'emoji@bad.test' },
		{ name: 'right-to-left script', lastname: 'محمد', email: 'rtl@bad.test' },
		{ name: 'control characters', lastname: 'Tab\tNl\nEnd', email: 'ctrl@bad.test' },
		{ name: 'longest last name Dynamics holds (50)', lastname: 'L'.repeat(50), email: 'long@bad.test' },
	];

	test('Dynamics 365 Trigger: hostile values held by Dynamics are emitted once each, as they are', async () => {
		const engine = new TestEngine({ dynamicsTrigger: new DynamicsTrigger() });
		engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		const rows = HOSTILE_VALUES.map((v) => sims.dataverse.create('lead', { lastname: v.lastname, emailaddress1: v.email }, sims.dataverse.humanUserId) as IDataObject);
		const unicodeMail = sims.dataverse.create('lead', { lastname: 'Jörg', emailaddress1: 'jörg@bad.test' }, sims.dataverse.humanUserId) as IDataObject;
		const poller = engine.poller({ name: 'Dynamics', type: 'dynamicsTrigger', parameters: { table: 'lead' }, credentials: { microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } } });
		const items: IDataObject[] = [];
		for (let i = 0; i < 5; i++) items.push(...((await poller.poll()) ?? []).map((x) => x.json));
		expectNoSecrets(JSON.stringify(items) + engine.logText);
		for (const [row, value] of [...rows.map((r, i) => [r, HOSTILE_VALUES[i]] as const), [unicodeMail, { name: 'non-ASCII email', lastname: 'Jörg', email: 'jörg@bad.test' }] as const]) {
			const emitted = items.filter((i) => i.id === row.leadid);
			const fields = (emitted[0]?.fields ?? {}) as IDataObject;
			if (emitted.length !== 1 || fields.lastname !== value.lastname || fields.emailaddress1 !== value.email) problems.push(`${value.name}: emitted ${JSON.stringify(emitted).slice(0, 200)}`);
			report.push(tableRow('Dynamics 365 Trigger', value.name, SYNCED, { json: { status: emitted.length === 1 && fields.lastname === value.lastname ? 'emitted once, value as stored' : `emitted ${emitted.length} times` } }, 'n/a (one table)'));
		}
	});

	test('Marketo Trigger: hostile values changed in Marketo are emitted once each, as they are', async () => {
		const engine = new TestEngine({ marketoTrigger: new MarketoTrigger() });
		engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
		const people = HOSTILE_VALUES.map((v, i) => sims.marketo.uiCreateLead({ email: `person${i}@ok.test`, lastName: 'Before' }));
		const poller = engine.poller({ name: 'Marketo', type: 'marketoTrigger', parameters: { events: ['leadChanges', 'newLeads', 'deletedLeads'] }, credentials: { marketoApi: { id: 'mkto', name: 'Marketo' } } });
		expect(await poller.poll()).toBeNull(); // takes a position
		HOSTILE_VALUES.forEach((v, i) => sims.marketo.uiUpdateLead(people[i].id, { lastName: v.lastname, email: v.email }));
		const items: IDataObject[] = [];
		for (let i = 0; i < 3; i++) items.push(...((await poller.poll()) ?? []).map((x) => x.json));
		expectNoSecrets(JSON.stringify(items) + engine.logText);
		HOSTILE_VALUES.forEach((v, i) => {
			const emitted = items.filter((x) => x.leadId === people[i].id);
			const current = (emitted[0]?.current ?? {}) as IDataObject;
			if (emitted.length !== 1 || current.lastName !== v.lastname || current.email !== v.email) problems.push(`${v.name}: emitted ${JSON.stringify(emitted).slice(0, 300)}`);
			report.push(tableRow('Marketo Trigger', v.name, SYNCED, { json: { status: emitted.length === 1 && current.lastName === v.lastname ? 'emitted once, value as stored' : `emitted ${emitted.length} times` } }, 'n/a (one feed)'));
		});
	});
});
