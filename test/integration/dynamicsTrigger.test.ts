/**
 * Dynamics 365 Trigger in n8n's real engine (PollContext, static data) against the Dataverse and
 * Entra simulators over loopback sockets.
 */
import type { IDataObject, INodeExecutionData, INodeParameters } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { DataverseSimulator } from '../../simulators/dataverse';
import { EntraSimulator } from '../../simulators/entra';
import { TestEngine } from '../harness/engine';

const CREDENTIAL_ID = 'dynamics-credential';

let entra: EntraSimulator;
let dv: DataverseSimulator;
let engine: TestEngine;

beforeAll(async () => {
	entra = new EntraSimulator();
	dv = new DataverseSimulator();
	await entra.start(0);
	await dv.start(0);
	entra.addApp({ clientId: 'dyn-client', clientSecret: 'dyn-secret', tenantId: 'tenant1' });
	engine = new TestEngine({ dynamicsTrigger: new DynamicsTrigger() });
	engine.credentials.set(CREDENTIAL_ID, 'microsoftDynamicsApi', {
		environmentUrl: dv.url,
		authentication: 'clientCredentials',
		tenantId: 'tenant1',
		clientId: 'dyn-client',
		clientSecret: 'dyn-secret',
		authorityHost: entra.url,
	});
});

afterAll(async () => {
	await Promise.all([dv?.stop(), entra?.stop()]);
});

beforeEach(() => {
	dv.reset();
	// Table metadata (change tracking flags, columns) is cached per environment: start each test fresh.
	clearMetadataCache();
});

function trigger(parameters: INodeParameters, staticData: IDataObject = {}) {
	return engine.poller(
		{ name: 'Dynamics', type: 'dynamicsTrigger', parameters, credentials: { microsoftDynamicsApi: { id: CREDENTIAL_ID, name: 'Dynamics' } } },
		staticData,
	);
}

function json(items: INodeExecutionData[] | null): IDataObject[] {
	return (items ?? []).map((i) => i.json);
}

function ids(items: INodeExecutionData[] | null): string[] {
	return json(items).map((i) => String(i.id));
}

function snapshot(state: IDataObject): IDataObject {
	return JSON.parse(JSON.stringify(state)) as IDataObject;
}

/** Reads the whole initial copy (at most `maxPolls` polls) and returns every item. */
async function drainInitialCopy(p: ReturnType<typeof trigger>, maxPolls = 20): Promise<IDataObject[]> {
	const all: IDataObject[] = [];
	for (let i = 0; i < maxPolls; i++) {
		all.push(...json(await p.poll()));
		if ((p.state.cursor as IDataObject | undefined)?.phase === 'changes') return all;
	}
	throw new Error('initial copy did not finish');
}

function seedLeads(count: number): string[] {
	dv.seedRows('lead', count, (i) => ({ firstname: 'Seed', lastname: `Lead ${i}`, emailaddress1: `lead${i}@example.com` }));
	return dv.store.all('lead').map((r) => String(r.leadid));
}

describe('Dynamics 365 Trigger: change tracking', () => {
	test('the initial copy is spread over polls by the cap: every row exactly once, then only changes', async () => {
		const all = seedLeads(250);
		const p = trigger({ table: 'lead', options: { maxRecordsPerPoll: 100, pageSize: 100 } });

		const first = await p.poll();
		const second = await p.poll();
		const third = await p.poll();
		expect(first).toHaveLength(100);
		expect(second).toHaveLength(100);
		expect(third).toHaveLength(50);
		const union = [...ids(first), ...ids(second), ...ids(third)];
		expect(new Set(union).size).toBe(250);
		expect(union.sort()).toEqual([...all].sort());
		expect(json(first).every((i) => i.operation === 'created' && i.table === 'lead' && i.changeDetection === 'changeTracking')).toBe(true);
		expect((p.state.cursor as IDataObject).phase).toBe('changes');
		expect(String((p.state.cursor as IDataObject).link)).toContain('$deltatoken=');

		// The default lead fields (native mapping + markers), small items.
		const item = json(first).find((i) => i.id === all[0])!;
		expect(item).toMatchObject({ table: 'lead', id: all[0], operation: 'created', modifiedBy: dv.humanUserId, syncFilter: null });
		const fields = item.fields as IDataObject;
		expect(fields).toMatchObject({ firstname: 'Seed', lastname: 'Lead 0', emailaddress1: 'lead0@example.com', _ownerid_value: dv.humanUserId, new_synctomkto: null });
		expect(Object.keys(fields)).toEqual(expect.arrayContaining(['createdon', 'modifiedon', '_modifiedby_value', 'companyname', 'leadsourcecode']));
		expect(fields).not.toHaveProperty('fullname');
		expect(fields).not.toHaveProperty('leadid');

		expect(await p.poll()).toBeNull();
	});

	test('later polls return only what changed: update, create and delete by a person', async () => {
		const [a, b, c] = seedLeads(3);
		const p = trigger({ table: 'lead' });
		expect(await drainInitialCopy(p)).toHaveLength(3);

		dv.advanceClock(2000);
		dv.update('lead', a, { firstname: 'Changed' });
		const created = dv.create('lead', { lastname: 'Newcomer', emailaddress1: 'new@example.com' });
		dv.delete('lead', b);

		const items = json(await p.poll());
		expect(items).toHaveLength(3);
		const byId = new Map(items.map((i) => [i.id, i]));
		expect(byId.get(a)).toMatchObject({ operation: 'updated', modifiedBy: dv.humanUserId, fields: expect.objectContaining({ firstname: 'Changed', lastname: 'Lead 0' }) });
		expect(byId.get(created.leadid as string)).toMatchObject({ operation: 'created', fields: expect.objectContaining({ lastname: 'Newcomer' }) });
		expect(byId.get(b)).toMatchObject({ operation: 'deleted', fields: {}, modifiedon: null });
		expect(byId.has(c)).toBe(false);

		expect(await p.poll()).toBeNull();
	});

	test('changes made by the sync user are not echoed; a person\'s change is', async () => {
		const [a] = seedLeads(2);
		const p = trigger({ table: 'lead' });
		await drainInitialCopy(p);

		dv.advanceClock(2000);
		dv.update('lead', a, { jobtitle: 'Written by the sync' }, dv.syncUserId);
		expect(await p.poll()).toBeNull();

		dv.update('lead', a, { jobtitle: 'Written by a person' });
		const items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ id: a, operation: 'updated', modifiedBy: dv.humanUserId, fields: expect.objectContaining({ jobtitle: 'Written by a person' }) });
	});

	test('"Include Changes Made by This Credential" lets the sync user\'s changes through', async () => {
		const [a] = seedLeads(1);
		const p = trigger({ table: 'lead', options: { includeOwnChanges: true } });
		await drainInitialCopy(p);
		dv.advanceClock(2000);
		dv.update('lead', a, { jobtitle: 'Written by the sync' }, dv.syncUserId);
		const items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ id: a, modifiedBy: dv.syncUserId, fields: expect.objectContaining({ jobtitle: 'Written by the sync' }) });
	});

	test('sync filter: absent, empty and Yes sync; No skips; No→Yes starts syncing as created; Yes→No stops updates', async () => {
		const empty = dv.create('lead', { lastname: 'Empty' }).leadid as string;
		const yes = dv.create('lead', { lastname: 'Yes', new_synctomkto: true }).leadid as string;
		const no = dv.create('lead', { lastname: 'No', new_synctomkto: false }).leadid as string;
		const p = trigger({ table: 'lead' });

		const initial = await drainInitialCopy(p);
		expect(initial.map((i) => i.id).sort()).toEqual([empty, yes].sort());
		expect(initial.find((i) => i.id === empty)!.syncFilter).toBeNull();
		expect(initial.find((i) => i.id === yes)!.syncFilter).toBe(true);

		dv.advanceClock(2000);
		dv.update('lead', no, { jobtitle: 'still excluded' });
		expect(await p.poll()).toBeNull();

		// No → Yes: created at once in Marketo (StartSync).
		dv.advanceClock(2000);
		dv.update('lead', no, { new_synctomkto: true });
		let items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ id: no, operation: 'created', startSync: true, syncFilter: true });

		// Yes → No: no more updates, nothing deleted.
		dv.advanceClock(2000);
		dv.update('lead', yes, { new_synctomkto: false });
		expect(await p.poll()).toBeNull();
		dv.update('lead', yes, { jobtitle: 'edited while excluded' });
		expect(await p.poll()).toBeNull();

		// Back to Yes: syncing starts again with the current values.
		dv.advanceClock(2000);
		dv.update('lead', yes, { new_synctomkto: true });
		items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ id: yes, operation: 'created', startSync: true, fields: expect.objectContaining({ jobtitle: 'edited while excluded' }) });

		// A plain update of a syncing record is an update, not a start.
		dv.advanceClock(2000);
		dv.update('lead', empty, { jobtitle: 'normal edit' });
		items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ id: empty, operation: 'updated', syncFilter: null });
		expect(items[0]).not.toHaveProperty('startSync');
	});

	test('sync filter field left empty: every record syncs; a table without the field syncs everything', async () => {
		const no = dv.create('lead', { lastname: 'No', new_synctomkto: false }).leadid as string;
		const p = trigger({ table: 'lead', syncFilterField: '' });
		const items = await drainInitialCopy(p);
		expect(items.map((i) => i.id)).toEqual([no]);
		expect(items[0].syncFilter).toBeNull();

		// systemuser has no new_synctomkto column: the filter is absent, so every user comes out.
		const users = await drainInitialCopy(trigger({ table: 'systemuser' }));
		expect(users.map((u) => u.id)).toEqual(expect.arrayContaining([dv.syncUserId, dv.humanUserId]));
		expect(users.every((u) => u.syncFilter === null)).toBe(true);
		expect(users.find((u) => u.id === dv.humanUserId)!.fields).toMatchObject({ fullname: 'Alex Admin', internalemailaddress: 'admin@contoso.test' });
	});

	test('an expired delta token starts a full resync that is reported on every item, then changes continue', async () => {
		const contacts = ['Ada', 'Bo', 'Cy'].map((name) => dv.create('contact', { firstname: name, lastname: 'Contact' }).contactid as string);
		const p = trigger({ table: 'contact' });
		expect(await drainInitialCopy(p)).toHaveLength(3);

		dv.expireDeltaTokens();
		dv.advanceClock(2000);
		dv.update('contact', contacts[0], { jobtitle: 'changed while expired' });

		const items = json(await p.poll());
		const marker = items.pop()!;
		expect(marker).toMatchObject({ table: 'contact', id: '', operation: 'deleted', reconcile: true, resync: true });
		expect(String(marker.notice)).toMatch(/Full resync of contact finished \(the change-tracking token expired/);
		expect(items.map((i) => i.id).sort()).toEqual([...contacts].sort());
		for (const item of items) {
			expect(item).toMatchObject({ operation: 'created', resync: true });
			expect(String(item.notice)).toMatch(/Full resync of contact: the change-tracking token expired/);
		}
		expect(items.find((i) => i.id === contacts[0])!.fields).toMatchObject({ jobtitle: 'changed while expired' });
		expect((p.state.cursor as IDataObject).phase).toBe('changes');
		expect((p.state.cursor as IDataObject).resync).toBeUndefined();

		expect(await p.poll()).toBeNull();
		dv.advanceClock(2000);
		dv.update('contact', contacts[1], { jobtitle: 'after the resync' });
		const after = json(await p.poll());
		expect(after).toHaveLength(1);
		expect(after[0]).toMatchObject({ id: contacts[1], operation: 'updated' });
		expect(after[0]).not.toHaveProperty('resync');
	});

	test('a failure in the middle of a poll leaves the cursor as it was; the next poll has no gap and no duplicate', async () => {
		const all = seedLeads(250);
		const p = trigger({ table: 'lead', options: { maxRecordsPerPoll: 200, pageSize: 50 } });

		const before = snapshot(p.state);
		dv.server.faults.add({ pathIncludes: '/leads', afterCount: 1, responseCount: 1, response: { status: 400, body: { error: { code: '0x1', message: 'Injected failure' } } } });
		await expect(p.poll()).rejects.toThrow(/Injected failure/);
		expect(snapshot(p.state)).toEqual(before);

		const first = ids(await p.poll());
		const second = ids(await p.poll());
		expect(first).toHaveLength(200);
		expect(second).toHaveLength(50);
		expect(new Set([...first, ...second]).size).toBe(250);
		expect([...first, ...second].sort()).toEqual([...all].sort());

		// The same during the change phase: a failed delta read is retried whole on the next poll.
		dv.advanceClock(2000);
		dv.update('lead', all[7], { firstname: 'After failure' });
		const cursor = snapshot(p.state);
		dv.server.faults.add({ pathIncludes: '/leads', responseCount: 1, response: { status: 400, body: { error: { code: '0x1', message: 'Injected failure' } } } });
		await expect(p.poll()).rejects.toThrow(/Injected failure/);
		expect(snapshot(p.state)).toEqual(cursor);
		const retried = json(await p.poll());
		expect(retried).toHaveLength(1);
		expect(retried[0]).toMatchObject({ id: all[7], operation: 'updated', fields: expect.objectContaining({ firstname: 'After failure' }) });
	});

	test('"Fetch test event" returns a small sample and never touches the cursor', async () => {
		seedLeads(12);
		const p = trigger({ table: 'lead', options: { maxRecordsPerPoll: 5 } });

		const sample = json(await p.poll('manual'));
		expect(sample).toHaveLength(5);
		expect(sample[0]).toMatchObject({ table: 'lead', operation: 'created', changeDetection: 'changeTracking' });
		expect(p.state).toEqual({});

		await p.poll();
		const cursor = snapshot(p.state);
		expect(await p.poll('manual')).toHaveLength(5);
		expect(snapshot(p.state)).toEqual(cursor);
		// The active copy goes on exactly where it was.
		const rest = [...ids(await p.poll()), ...ids(await p.poll())];
		expect(rest).toHaveLength(7);
	});

	test('changing the table or fields restarts from a fresh copy; a removed column is skipped and reported', async () => {
		seedLeads(2);
		dv.create('contact', { lastname: 'Only contact' });
		const staticData: IDataObject = {};
		const leads = trigger({ table: 'lead', fields: ['lastname', 'jobtitle'] }, staticData);
		const copied = await drainInitialCopy(leads);
		expect(copied).toHaveLength(2);
		expect(Object.keys(copied[0].fields as IDataObject).sort()).toEqual([
			'_modifiedby_value',
			'_modifiedby_value@Microsoft.Dynamics.CRM.lookuplogicalname',
			// Display labels (FormattedValue) come with the row: choices reach Marketo as labels.
			'_modifiedby_value@OData.Community.Display.V1.FormattedValue',
			'createdon',
			'createdon@OData.Community.Display.V1.FormattedValue',
			'jobtitle',
			'lastname',
			'modifiedon',
			'modifiedon@OData.Community.Display.V1.FormattedValue',
			'new_synctomkto',
		]);

		// Same node, other table: the old cursor does not apply.
		const contacts = trigger({ table: 'contact' }, staticData);
		const contactItems = json(await contacts.poll());
		expect(contactItems).toHaveLength(1);
		expect(contactItems[0]).toMatchObject({ table: 'contact', operation: 'created' });

		// A picked column deleted in Dynamics: the trigger reads on without it, says so, and resyncs.
		const again = trigger({ table: 'lead', fields: ['lastname', 'jobtitle'] }, {});
		await drainInitialCopy(again);
		dv.store.removeColumn('lead', 'jobtitle');
		const afterRemoval = json(await again.poll());
		// The resync's last page closes with the item that has Delete Person reconcile the table.
		expect(afterRemoval.pop()).toMatchObject({ table: 'lead', id: '', operation: 'deleted', reconcile: true, resync: true });
		expect(afterRemoval).toHaveLength(2);
		for (const item of afterRemoval) {
			expect(item).toMatchObject({ resync: true, missingFields: ['jobtitle'] });
			expect(String(item.notice)).toMatch(/jobtitle no longer exist/);
			expect(item.fields).not.toHaveProperty('jobtitle');
		}
		expect(await again.poll()).toBeNull();
	});
});

describe('Dynamics 365 Trigger: other tables', () => {
	test('a custom table without change tracking is read by modified date with overlap de-duplication', async () => {
		dv.seedRows('new_project', 250, (i) => ({ new_name: `Project ${i}` }));
		const all = dv.store.all('new_project').map((r) => String(r.new_projectid));
		const p = trigger({ table: 'new_project', options: { maxRecordsPerPoll: 100 } });

		// All 250 rows share one modified second: the overlap set keeps them apart across polls.
		const polls = [await p.poll(), await p.poll(), await p.poll()];
		expect(polls.map((x) => x?.length)).toEqual([100, 100, 50]);
		const union = polls.flatMap(ids);
		expect(new Set(union).size).toBe(250);
		expect(union.sort()).toEqual([...all].sort());
		expect(json(polls[0]).every((i) => i.operation === 'created' && i.changeDetection === 'modifiedOn')).toBe(true);
		expect(await p.poll()).toBeNull();

		dv.advanceClock(2000);
		dv.update('new_project', all[3], { new_budget: 1234 });
		let items = json(await p.poll());
		expect(items).toHaveLength(1);
		expect(items[0]).toMatchObject({ id: all[3], operation: 'updated', fields: expect.objectContaining({ new_budget: 1234, new_name: 'Project 3' }) });
		// The watermark second is read again, but what was output is not repeated...
		expect(await p.poll()).toBeNull();
		// ...while a row saved later in that same second still comes.
		const late = dv.create('new_project', { new_name: 'Late arrival' }).new_projectid as string;
		items = json(await p.poll());
		expect(items.map((i) => i.id)).toEqual([late]);
		expect(items[0].operation).toBe('created');

		// Deletes cannot be seen without change tracking.
		dv.advanceClock(2000);
		dv.delete('new_project', all[0]);
		expect(await p.poll()).toBeNull();
	});

	test('modified-date mode: a bulk change of thousands of rows in one second is read through without repeats', async () => {
		dv.seedRows('new_project', 2600, (i) => ({ new_name: `Bulk ${i}` }));
		const all = dv.store.all('new_project').map((r) => String(r.new_projectid));
		const p = trigger({ table: 'new_project', options: { maxRecordsPerPoll: 1000, pageSize: 500 } });

		const polls: string[][] = [];
		for (let i = 0; i < 6 && (p.state.cursor as IDataObject | undefined)?.phase !== 'changes'; i++) polls.push(ids(await p.poll()));
		expect(polls.map((x) => x.length)).toEqual([1000, 1000, 600]);
		const union = polls.flat();
		expect(new Set(union).size).toBe(2600);
		expect(union.sort()).toEqual([...all].sort());
		// The cursor is small again once that second is read through.
		expect((p.state.cursor as IDataObject).boundaryIds).toEqual([]);
		expect(JSON.stringify(p.state).length).toBeLessThan(10_000);

		expect(await p.poll()).toBeNull();
		dv.advanceClock(2000);
		dv.update('new_project', all[2500], { new_budget: 99 });
		expect(ids(await p.poll())).toEqual([all[2500]]);
	});

	test('Change Detection "Modified On Date" works on a tracked table too', async () => {
		const [a] = seedLeads(3);
		const p = trigger({ table: 'lead', options: { changeDetection: 'modifiedOn' } });
		const initial = await drainInitialCopy(p);
		expect(initial).toHaveLength(3);
		expect(initial[0].changeDetection).toBe('modifiedOn');
		dv.advanceClock(2000);
		dv.update('lead', a, { jobtitle: 'x' });
		dv.update('lead', a, { jobtitle: 'y' }, dv.syncUserId);
		expect(await p.poll()).toBeNull();
		dv.update('lead', a, { jobtitle: 'z' });
		expect(json(await p.poll())).toEqual([expect.objectContaining({ id: a, operation: 'updated', fields: expect.objectContaining({ jobtitle: 'z' }) })]);
	});

	test('connection rows keep both sides with their table names (stakeholders)', async () => {
		const account = dv.create('account', { name: 'Contoso' }).accountid as string;
		const contact = dv.create('contact', { lastname: 'Stake', _parentcustomerid_value: account, '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account' })
			.contactid as string;
		const opportunity = dv.create('opportunity', {
			name: 'Big deal',
			'customerid_account@odata.bind': `/accounts(${account})`,
		}).opportunityid as string;
		const { forward, reciprocal } = dv.connect({ table: 'opportunity', id: opportunity }, { table: 'contact', id: contact }, dv.connectionRoleIds.stakeholder);

		const items = await drainInitialCopy(trigger({ table: 'connection' }));
		expect(items.map((i) => i.id).sort()).toEqual([forward, reciprocal].sort());
		const master = items.find((i) => (i.fields as IDataObject).ismaster === true)!;
		expect(master.id).toBe(forward);
		expect(master.fields).toMatchObject({
			_record1id_value: opportunity,
			'_record1id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'opportunity',
			_record2id_value: contact,
			'_record2id_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'contact',
			_record2roleid_value: dv.connectionRoleIds.stakeholder,
		});
		const other = items.find((i) => i.id === reciprocal)!;
		expect((other.fields as IDataObject).ismaster).toBe(false);

		// The opportunity's potential customer comes with its table name too.
		const opportunities = await drainInitialCopy(trigger({ table: 'opportunity' }));
		expect(opportunities[0].fields).toMatchObject({
			name: 'Big deal',
			_customerid_value: account,
			'_customerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account',
		});
		// And the contact's parent account.
		const contactItems = await drainInitialCopy(trigger({ table: 'contact' }));
		expect(contactItems[0].fields).toMatchObject({ _parentcustomerid_value: account, '_parentcustomerid_value@Microsoft.Dynamics.CRM.lookuplogicalname': 'account' });
	});

	test('account, team and systemuser changes come through', async () => {
		const account = dv.create('account', { name: 'Fabrikam', websiteurl: 'https://fabrikam.example' }).accountid as string;
		const team = dv.create('team', { name: 'Sales EMEA', _businessunitid_value: dv.businessUnitId }).teamid as string;
		const accounts = trigger({ table: 'account' });
		const teams = trigger({ table: 'team' });
		const users = trigger({ table: 'systemuser' });
		expect((await drainInitialCopy(accounts))[0]).toMatchObject({ id: account, fields: expect.objectContaining({ name: 'Fabrikam', websiteurl: 'https://fabrikam.example' }) });
		expect((await drainInitialCopy(teams)).map((t) => t.id)).toContain(team);
		await drainInitialCopy(users);

		dv.advanceClock(2000);
		dv.update('account', account, { telephone1: '+1 555 0100' });
		dv.update('team', team, { description: 'Europe' });
		dv.update('systemuser', dv.humanUserId, { title: 'Head of Sales' });
		expect(json(await accounts.poll())).toEqual([expect.objectContaining({ id: account, operation: 'updated', fields: expect.objectContaining({ telephone1: '+1 555 0100' }) })]);
		expect(json(await teams.poll())).toEqual([expect.objectContaining({ id: team, operation: 'updated', fields: expect.objectContaining({ description: 'Europe' }) })]);
		expect(json(await users.poll())).toEqual([expect.objectContaining({ id: dv.humanUserId, operation: 'updated', fields: expect.objectContaining({ title: 'Head of Sales' }) })]);
	});

	test('an unknown table fails with a message naming it', async () => {
		await expect(trigger({ table: 'no_such_table' }).poll()).rejects.toThrow(/Table "no_such_table" cannot be watched/);
	});
});
