import type { IConnections, IDataObject, INode, Workflow } from 'n8n-workflow';

import { SyncRecords } from '../../nodes/SyncRecords/SyncRecords.node';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import type { Simulators } from '../helpers/simulators';

/** The engine, with the workflow's static data kept between executions as an active workflow keeps it. */
class PublishedWorkflowEngine extends TestEngine {
	readonly staticData: IDataObject = {};

	override workflow(nodes: NodeSpec[], connections: IConnections): Workflow {
		return super.workflow(nodes, connections, this.staticData);
	}
}

const ANNOTATION = '@Microsoft.Dynamics.CRM.lookuplogicalname';

/**
 * Sync Records to Marketo in n8n's real engine against the Dataverse and Marketo simulators.
 * Assertions read the simulators' stores: what Marketo holds after each execution.
 */
// The transport keeps Marketo's budget (100 calls / 20 s) across the whole file: later tests may wait for it.
jest.setTimeout(45_000);

describe('Sync Records to Marketo', () => {
	let sims: Simulators;
	let engine: PublishedWorkflowEngine;

	simulatorSuite(() => new PublishedWorkflowEngine({ syncRecords: new SyncRecords() }), (suite) => ({ sims, engine } = suite));

	const objects = (type: string) => sims.marketo.store.objects(type) as IDataObject[];
	const dv = () => sims.dataverse;

	async function sync(input: IDataObject[], parameters: IDataObject = {}) {
		const result = await engine.run(
			[
				{
					name: 'Sync',
					type: 'syncRecords',
					parameters: { recordType: 'fromInput', ...parameters } as INode['parameters'],
					credentials: { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } },
					onError: 'continueErrorOutput',
				},
			],
			{ input },
		);
		expect(result.error).toBeUndefined();
		return {
			ok: result.output('Sync', 0).map((i) => i.json as IDataObject),
			errors: result.output('Sync', 1).map((i) => i.json as IDataObject),
			result,
		};
	}

	/** A Dynamics 365 Trigger item for a row as it is now (lookups with their table annotation). */
	function item(table: string, id: string, operation = 'updated'): IDataObject {
		if (operation === 'deleted') return { table, id, operation, modifiedon: null, modifiedBy: null, fields: {}, syncFilter: null };
		const store = dv().store;
		const def = store.definition(table);
		const raw = store.raw(table, id)!;
		const fields: IDataObject = {};
		for (const [key, value] of Object.entries(store.get(table, id)!)) {
			if (key === def.primaryIdAttribute || key.includes('@')) continue;
			fields[key] = value as IDataObject[string];
			const lookup = /^_(.+)_value$/.exec(key);
			if (lookup && typeof value === 'string') {
				const target = store.lookupTarget(def, raw, lookup[1]);
				if (target) fields[`${key}${ANNOTATION}`] = target;
			}
		}
		const filter = fields.new_synctomkto;
		return { table, id, operation, modifiedon: fields.modifiedon, modifiedBy: null, fields, syncFilter: filter === false ? false : filter === true ? true : null };
	}

	const user = (first: string, last: string) => {
		const id = dv().addInteractiveUser(`${first.toLowerCase()}.${last.toLowerCase()}@contoso.test`, { firstname: first, lastname: last });
		dv().update('systemuser', id, { title: 'Account Executive', address1_telephone1: '+1 555 0100' });
		return id;
	};
	const team = (name: string) => dv().create('team', { name }).teamid as string;
	const account = (name: string, extra: IDataObject = {}, owner?: string) => dv().create('account', { name, address1_city: 'Utrecht', websiteurl: 'https://example.com', ...extra }, owner).accountid as string;
	const contact = (first: string, last: string, extra: IDataObject = {}) => dv().create('contact', { firstname: first, lastname: last, emailaddress1: `${first.toLowerCase()}@example.com`, ...extra }).contactid as string;
	const opportunity = (name: string, customer: { table: 'account' | 'contact'; id: string }, owner?: string) =>
		dv().create('opportunity', { name, estimatedvalue: 25000, closeprobability: 40, _customerid_value: customer.id, [`_customerid_value${ANNOTATION}`]: customer.table }, owner).opportunityid as string;
	const personOf = (contactId: string) => [...sims.marketo.store.leads.values()].find((l) => l.microsoftId === contactId);

	test('account → company, with its owner as sales person (created first); update and delete follow', async () => {
		const jane = user('Jane', 'Doe');
		const acc = account('Contoso Ltd', { accountnumber: 'C-1', numberofemployees: 250, revenue: 1000000 }, jane);

		const { ok, errors } = await sync([item('account', acc)], { recordType: 'account' });
		expect(errors).toEqual([]);
		expect(ok[0]).toMatchObject({ recordType: 'account', dynamicsId: acc, marketoObject: 'company', status: 'created', key: { externalCompanyId: acc, externalSalesPersonId: jane } });
		expect(ok[0].createdFirst).toEqual([expect.objectContaining({ object: 'salesPerson', dynamicsId: jane, status: 'created' })]);
		expect(objects('companies')).toEqual([
			expect.objectContaining({ externalCompanyId: acc, company: 'Contoso Ltd', billingCity: 'Utrecht', microsoftAccountNumber: 'C-1', numberOfEmployees: 250, annualRevenue: 1000000, website: 'https://example.com', externalSalesPersonId: jane }),
		]);
		expect(objects('salespersons')).toEqual([expect.objectContaining({ externalSalesPersonId: jane, firstName: 'Jane', lastName: 'Doe', email: 'jane.doe@contoso.test' })]);

		dv().update('account', acc, { name: 'Contoso International' });
		const updated = await sync([item('account', acc)], { recordType: 'account' });
		expect(updated.ok[0]).toMatchObject({ status: 'updated' });
		expect(updated.ok[0].createdFirst).toBeUndefined();
		expect(objects('companies')[0].company).toBe('Contoso International');

		dv().delete('account', acc);
		const deleted = await sync([item('account', acc, 'deleted')], { recordType: 'account' });
		expect(deleted.ok[0]).toMatchObject({ status: 'deleted', operation: 'deleted' });
		expect(objects('companies')).toEqual([]);
	});

	test('sync filter No: the account is skipped and its company left as it is', async () => {
		const acc = account('Filtered Co');
		await sync([item('account', acc)], { recordType: 'account' });
		dv().update('account', acc, { new_synctomkto: false, name: 'Filtered Co (renamed)' });
		const { ok } = await sync([item('account', acc)], { recordType: 'account' });
		expect(ok[0]).toMatchObject({ status: 'skipped', reason: expect.stringMatching(/sync filter \(new_synctomkto\) is No/) });
		expect(objects('companies')[0].company).toBe('Filtered Co');
	});

	test('systemuser → sales person; a deleted user keeps its sales person', async () => {
		const jane = user('Jane', 'Doe');
		const { ok } = await sync([item('systemuser', jane)], { recordType: 'systemuser' });
		expect(ok[0]).toMatchObject({ status: 'created', marketoObject: 'salesPerson', key: { externalSalesPersonId: jane } });
		expect(objects('salespersons')).toEqual([
			expect.objectContaining({ externalSalesPersonId: jane, email: 'jane.doe@contoso.test', firstName: 'Jane', lastName: 'Doe', title: 'Account Executive', phone: '+1 555 0100' }),
		]);
		const deleted = await sync([item('systemuser', jane, 'deleted')], { recordType: 'systemuser' });
		expect(deleted.ok[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('Marketo refuses to delete') });
		expect(objects('salespersons')).toHaveLength(1);
	});

	test('team → sales person (last name = team name); a team-owned account gets the team as owner', async () => {
		const teamId = team('Enterprise Sales');
		const acc = account('Fabrikam', {}, undefined);
		dv().update('account', acc, { _ownerid_value: teamId });
		const direct = await sync([item('team', teamId)], { recordType: 'team' });
		expect(direct.ok[0]).toMatchObject({ status: 'created', recordType: 'team', key: { externalSalesPersonId: teamId } });
		expect(objects('salespersons')).toEqual([expect.objectContaining({ externalSalesPersonId: teamId, lastName: 'Enterprise Sales' })]);

		const owned = await sync([item('account', acc)], { recordType: 'account' });
		expect(owned.ok[0]).toMatchObject({ status: 'created', key: { externalSalesPersonId: teamId } });
		expect(objects('companies')[0].externalSalesPersonId).toBe(teamId);
	});

	test('opportunity with a contact as Potential Customer: a role for the contact, the company is the contact\'s account', async () => {
		const owner = user('Sam', 'Seller');
		const acc = account('Northwind');
		const ann = contact('Ann', 'Archer', { _parentcustomerid_value: acc, [`_parentcustomerid_value${ANNOTATION}`]: 'account' });
		const bob = contact('Bob', 'Loner');
		const withAccount = opportunity('Big deal', { table: 'contact', id: ann }, owner);
		const noAccount = opportunity('Small deal', { table: 'contact', id: bob }, owner);

		const { ok, errors } = await sync([item('opportunity', withAccount), item('opportunity', noAccount)], { recordType: 'opportunity' });
		expect(errors).toEqual([]);
		const opps = objects('opportunities');
		expect(opps.find((o) => o.externalOpportunityId === withAccount)).toMatchObject({ name: 'Big deal', amount: 25000, probability: 40, externalCompanyId: acc, externalSalesPersonId: owner });
		expect(opps.find((o) => o.externalOpportunityId === noAccount)).toMatchObject({ name: 'Small deal', externalCompanyId: null });
		// The referenced company, sales person and contact persons were created first.
		expect(objects('companies').map((c) => c.externalCompanyId)).toEqual([acc]);
		// The company's owner (the user who created the account) came along.
		expect(objects('salespersons').map((s) => s.externalSalesPersonId).sort()).toEqual([owner, dv().humanUserId].sort());
		const annPerson = personOf(ann)!;
		const bobPerson = personOf(bob)!;
		expect(annPerson).toMatchObject({ firstName: 'Ann', lastName: 'Archer', email: 'ann@example.com', microsoftType: 'Contact' });
		expect(objects('opportunityRoles')).toEqual(
			expect.arrayContaining([
				expect.objectContaining({ externalOpportunityId: withAccount, leadId: annPerson.id, role: 'Potential Customer', isPrimary: true }),
				expect.objectContaining({ externalOpportunityId: noAccount, leadId: bobPerson.id, role: 'Potential Customer', isPrimary: true }),
			]),
		);
		expect(objects('opportunityRoles')).toHaveLength(2);
		expect(ok[0]).toMatchObject({ status: 'created', key: { externalOpportunityId: withAccount, externalCompanyId: acc } });
		expect(ok[0].roles).toEqual([expect.objectContaining({ contactId: ann, leadId: annPerson.id, role: 'Potential Customer', status: 'created' })]);
		expect((ok[0].createdFirst as IDataObject[]).map((c) => c.object).sort()).toEqual(['company', 'person', 'salesPerson']);

		// The customer becomes an account: the contact's role goes, the company follows.
		dv().update('opportunity', withAccount, { _customerid_value: acc, [`_customerid_value${ANNOTATION}`]: 'account' });
		const changed = await sync([item('opportunity', withAccount)], { recordType: 'opportunity' });
		expect(changed.ok[0]).toMatchObject({ status: 'updated', roles: [], removedRoles: [expect.objectContaining({ leadId: annPerson.id, role: 'Potential Customer', status: 'deleted' })] });
		expect(objects('opportunityRoles').filter((r) => r.externalOpportunityId === withAccount)).toEqual([]);
	});

	test('opportunity with an account as Potential Customer: the account only, no role', async () => {
		const acc = account('Adventure Works');
		const opp = opportunity('Account deal', { table: 'account', id: acc });
		const { ok } = await sync([item('opportunity', opp)], { recordType: 'opportunity' });
		expect(ok[0]).toMatchObject({ status: 'created', roles: [], key: { externalCompanyId: acc } });
		expect(objects('opportunities')[0]).toMatchObject({ externalOpportunityId: opp, externalCompanyId: acc });
		expect(objects('opportunityRoles')).toEqual([]);
	});

	/** Marketo calls per route since `before` (a stats().byRoute snapshot). */
	const callsSince = (before: Record<string, number>) =>
		Object.fromEntries(Object.entries(sims.marketo.stats().byRoute).map(([route, n]) => [route, n - (before[route] ?? 0)]).filter(([, n]) => n));

	test('a stakeholder of an opportunity Marketo has does not rewrite the opportunity; the opportunity\'s own change still arrives', async () => {
		const acc = account('Northwind');
		const opp = opportunity('Northwind deal', { table: 'account', id: acc });
		await sync([item('opportunity', opp)], { recordType: 'opportunity' });
		const cara = contact('Cara', 'Stake');
		const c1 = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: cara }, dv().connectionRoleIds.stakeholder);
		// Changed in Dynamics, but not delivered yet: only the opportunity lane may write it.
		dv().update('opportunity', opp, { name: 'Northwind deal (renamed)' });
		const before = { ...sims.marketo.stats().byRoute };
		const { ok, errors } = await sync([item('connection', c1.forward)], { recordType: 'opportunity' });
		expect(errors).toEqual([]);
		expect(ok[0]).toMatchObject({ status: 'created', key: { externalOpportunityId: opp, contactId: cara, role: 'Stakeholder' } });
		expect(callsSince(before)['POST /rest/v1/opportunities.json']).toBeUndefined();
		expect(objects('opportunities')).toEqual([expect.objectContaining({ externalOpportunityId: opp, name: 'Northwind deal' })]);
		expect(objects('opportunityRoles')).toEqual([expect.objectContaining({ externalOpportunityId: opp, leadId: personOf(cara)!.id, role: 'Stakeholder' })]);

		const renamed = await sync([item('opportunity', opp)], { recordType: 'opportunity' });
		expect(renamed.ok[0]).toMatchObject({ status: 'updated' });
		expect(objects('opportunities')).toEqual([expect.objectContaining({ externalOpportunityId: opp, name: 'Northwind deal (renamed)' })]);
		expect(objects('opportunityRoles')).toHaveLength(1);
	});

	test("an opportunity whose company is created first: the account's and the opportunity's owners take one look-up and one write", async () => {
		const ann = user('Ann', 'Accounts');
		const otto = user('Otto', 'Opportunities');
		const acc = account('Fabrikam', {}, ann);
		const opp = opportunity('Fabrikam deal', { table: 'account', id: acc }, otto);
		const before = { ...sims.marketo.stats().byRoute };
		const { ok, errors } = await sync([item('opportunity', opp)], { recordType: 'opportunity' });
		expect(errors).toEqual([]);
		expect(ok[0]).toMatchObject({ status: 'created', key: { externalCompanyId: acc, externalSalesPersonId: otto } });
		expect(objects('companies')).toEqual([expect.objectContaining({ externalCompanyId: acc, externalSalesPersonId: ann })]);
		expect(objects('salespersons').map((p) => p.externalSalesPersonId).sort()).toEqual([ann, otto].sort());
		const calls = callsSince(before);
		expect([calls['GET /rest/v1/salespersons.json'], calls['POST /rest/v1/salespersons.json']]).toEqual([1, 1]);
	});

	test("records an earlier execution created for a reference are not looked up or sent again with the same values; a changed value is", async () => {
		const ann = user('Ann', 'Owner');
		const acc = account('Wingtip', {}, ann);
		const opp = opportunity('Wingtip deal', { table: 'account', id: acc }, ann);
		// The opportunity's execution creates the account's company and the owner's sales person first.
		await sync([item('opportunity', opp)], { recordType: 'opportunity' });
		expect(objects('companies')).toEqual([expect.objectContaining({ externalCompanyId: acc, company: 'Wingtip', externalSalesPersonId: ann })]);
		const before = { ...sims.marketo.stats().byRoute };
		// Then the users' and the accounts' triggers deliver the same records.
		const sameUser = await sync([item('systemuser', ann)], { recordType: 'systemuser' });
		const sameAccount = await sync([item('account', acc)], { recordType: 'account' });
		expect(sameUser.ok[0]).toMatchObject({ status: 'updated', reason: expect.stringContaining('already in Marketo with these values') });
		expect(sameAccount.ok[0]).toMatchObject({ status: 'updated', reason: expect.stringContaining('already in Marketo with these values'), key: { externalCompanyId: acc, externalSalesPersonId: ann } });
		expect(callsSince(before)).toEqual({});

		dv().update('account', acc, { name: 'Wingtip Toys' });
		const renamed = await sync([item('account', acc)], { recordType: 'account' });
		expect(renamed.ok[0]).toMatchObject({ status: 'updated', reason: '' });
		expect(objects('companies')).toEqual([expect.objectContaining({ externalCompanyId: acc, company: 'Wingtip Toys' })]);
	});

	test('a company Sync Records deleted is written again when its account comes back with the same values', async () => {
		const acc = account('Phoenix');
		await sync([item('account', acc)], { recordType: 'account' });
		const fields = item('account', acc);
		await sync([item('account', acc, 'deleted')], { recordType: 'account' });
		expect(objects('companies')).toEqual([]);
		const back = await sync([fields], { recordType: 'account' });
		expect(back.ok[0]).toMatchObject({ status: 'created' });
		expect(objects('companies')).toEqual([expect.objectContaining({ externalCompanyId: acc, company: 'Phoenix' })]);
	});

	test('Marketo object describes are asked once per instance, also by executions that run at the same time', async () => {
		const accounts = [account('Litware'), account('Proseware')];
		const before = { ...sims.marketo.stats().byRoute };
		const runs = await Promise.all(accounts.map((acc) => sync([item('account', acc)], { recordType: 'account' })));
		expect(runs.map((r) => r.ok[0]?.status)).toEqual(['created', 'created']);
		await sync([item('account', accounts[0])], { recordType: 'account' });
		expect(callsSince(before)['GET /rest/v1/companies/describe.json']).toBe(1);
	});

	test('a person created meanwhile by the person lane (1005) is used, and no role is removed for it', async () => {
		const acc = account('Race Corp');
		const opp = opportunity('Race deal', { table: 'account', id: acc });
		const cara = contact('Cara', 'Racer');
		const dan = contact('Dan', 'Racer');
		const roles = dv().connectionRoleIds;
		const c1 = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: cara }, roles.stakeholder);
		dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: dan }, roles.decisionMaker);
		await sync([item('opportunity', opp)], { recordType: 'opportunity' });
		expect(objects('opportunityRoles')).toHaveLength(2);
		// The person look-up misses (as if the person lane created Cara a moment later): the create
		// answers 1005; the node must find the person then, and keep both roles.
		sims.marketo.server.faults.add({
			pathIncludes: 'filterType=microsoftId',
			responseCount: 1,
			response: { status: 200, body: { requestId: 'race#1', success: true, result: [] } },
		});
		const { ok, errors } = await sync([item('connection', c1.forward)], { recordType: 'opportunity' });
		expect(errors).toEqual([]);
		expect(ok[0]).toMatchObject({ status: expect.stringMatching(/created|updated/) });
		expect(objects('opportunityRoles')).toHaveLength(2);
		sims.marketo.server.faults.clear();
	});

	test('two stakeholders → two roles (reciprocal rows ignored); a removed stakeholder loses its role', async () => {
		const acc = account('Tailspin');
		const opp = opportunity('Stakeholder deal', { table: 'account', id: acc });
		const cara = contact('Cara', 'Decider');
		const dan = contact('Dan', 'Influencer');
		const eve = contact('Eve', 'Colleague');
		const roles = dv().connectionRoleIds;
		const c1 = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: cara }, roles.decisionMaker);
		const c2 = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: dan }, roles.stakeholder);
		const c3 = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: eve }, roles.salesTeamMember);
		const connectionItems = dv()
			.store.all('connection')
			.map((row) => item('connection', row.connectionid as string));
		expect(connectionItems).toHaveLength(6);

		const { ok, errors } = await sync(connectionItems, { recordType: 'opportunity' });
		expect(errors).toEqual([]);
		const byId = new Map(ok.map((o) => [o.dynamicsId, o]));
		expect(byId.get(c1.forward)).toMatchObject({ status: 'created', marketoObject: 'opportunityRole', key: { role: 'Decision Maker', contactId: cara } });
		expect(byId.get(c2.forward)).toMatchObject({ status: 'created', key: { role: 'Stakeholder', contactId: dan } });
		for (const reciprocal of [c1.reciprocal, c2.reciprocal, c3.reciprocal]) expect(byId.get(reciprocal)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('reciprocal') });
		expect(byId.get(c3.forward)).toMatchObject({ status: 'skipped', reason: expect.stringContaining('not a Stakeholder role') });
		// The opportunity did not exist in Marketo yet: it was created first.
		expect(objects('opportunities')).toEqual([expect.objectContaining({ externalOpportunityId: opp, externalCompanyId: acc })]);
		const caraId = personOf(cara)!.id;
		const danId = personOf(dan)!.id;
		expect(
			objects('opportunityRoles')
				.map((r) => `${r.leadId}:${r.role}`)
				.sort(),
		).toEqual([`${caraId}:Decision Maker`, `${danId}:Stakeholder`].sort());
		expect(personOf(eve)).toBeUndefined();

		// Deleted in Dynamics: the trigger reports the ids of both rows, with what it last read of them (lastSeen); the role goes.
		const lastSeen = (id: string) => {
			const row = item('connection', id).fields as IDataObject;
			return { ismaster: row.ismaster, _record1id_value: row._record1id_value, [`_record1id_value${ANNOTATION}`]: row[`_record1id_value${ANNOTATION}`] };
		};
		const deletedItems = [c1.forward, c1.reciprocal].map((id) => ({ ...item('connection', id, 'deleted'), lastSeen: lastSeen(id) }));
		dv().delete('connection', c1.forward);
		const removed = await sync(deletedItems, { recordType: 'opportunity' });
		expect(removed.ok[0]).toMatchObject({ status: 'deleted', removedRoles: [expect.objectContaining({ leadId: caraId, role: 'Decision Maker', status: 'deleted' })] });
		expect(removed.ok[1]).toMatchObject({ status: 'skipped' });
		expect(objects('opportunityRoles').map((r) => `${r.leadId}:${r.role}`)).toEqual([`${danId}:Stakeholder`]);

		// Deactivated: the role goes as well.
		dv().update('connection', c2.forward, { statecode: 1, statuscode: 2 });
		const deactivated = await sync([item('connection', c2.forward)], { recordType: 'opportunity' });
		expect(deactivated.ok[0]).toMatchObject({ status: 'deleted' });
		expect(objects('opportunityRoles')).toEqual([]);
	});

	test('a stakeholder whose contact is not synced (filter No) gets no person and no role', async () => {
		const acc = account('Wingtip');
		const opp = opportunity('Filtered stakeholder', { table: 'account', id: acc });
		const nora = contact('Nora', 'Nosync', { new_synctomkto: false });
		const c = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: nora }, dv().connectionRoleIds.decisionMaker);
		const { ok, errors } = await sync([item('connection', c.forward)], { recordType: 'opportunity' });
		expect(errors).toEqual([]);
		expect(ok[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('sync filter new_synctomkto is No') });
		expect(personOf(nora)).toBeUndefined();
		expect(objects('opportunityRoles')).toEqual([]);
		expect(objects('opportunities')).toHaveLength(1);
	});

	test('custom table → custom object, linked to the contact\'s person; deletes follow', async () => {
		const fay = contact('Fay', 'Founder');
		const project = dv().create('new_project', { new_name: 'Migration', new_budget: 12000, new_status: 100000001, _new_contactid_value: fay }).new_projectid as string;
		const parameters = {
			recordType: 'customTable',
			table: 'new_project',
			customObject: 'dynamicsProject_c',
			keyField: 'externalProjectId',
			customFields: {
				field: [
					{ marketoField: 'name', dynamicsColumn: 'new_name' },
					{ marketoField: 'budget', dynamicsColumn: 'new_budget' },
					{ marketoField: 'status', dynamicsColumn: 'new_status' },
				],
			},
			customLinks: { personField: 'leadId', personColumn: '_new_contactid_value' },
		};
		const { ok, errors } = await sync([item('new_project', project)], parameters);
		expect(errors).toEqual([]);
		expect(ok[0]).toMatchObject({ status: 'created', recordType: 'custom', marketoObject: 'dynamicsProject_c', key: { externalProjectId: project } });
		const person = personOf(fay)!;
		expect(objects('customobjects/dynamicsProject_c')).toEqual([expect.objectContaining({ externalProjectId: project, name: 'Migration', budget: 12000, status: '100000001', leadId: person.id })]);

		const deleted = await sync([item('new_project', project, 'deleted')], parameters);
		expect(deleted.ok[0]).toMatchObject({ status: 'deleted' });
		expect(objects('customobjects/dynamicsProject_c')).toEqual([]);
	});

	test('a record Marketo refuses fails alone, on the error output, naming record and field', async () => {
		const good = dv().create('new_project', { new_name: 'Good', new_budget: 1 }).new_projectid as string;
		const bad = dv().create('new_project', { new_name: 'Bad', new_budget: 2 }).new_projectid as string;
		const input = [item('new_project', good), item('new_project', bad)];
		(input[1].fields as IDataObject).new_budget = 'lots';
		const { ok, errors, result } = await sync(input, {
			recordType: 'customTable',
			table: 'new_project',
			customObject: 'dynamicsProject_c',
			keyField: 'externalProjectId',
			customFields: { field: [{ marketoField: 'name', dynamicsColumn: 'new_name' }, { marketoField: 'budget', dynamicsColumn: 'new_budget' }] },
		});
		expect(ok).toEqual([expect.objectContaining({ dynamicsId: good, status: 'created' })]);
		expect(errors).toHaveLength(1);
		expect(errors[0].error).toBe(`Dynamics new_project ${bad}: Marketo field "budget" expects a number, got lots (from Dynamics column "new_budget")`);
		// The same small details as every node's failures: field, where, the record, the item.
		expect(errors[0].details).toEqual({ field: 'budget', source: 'input', table: 'new_project', dynamicsId: bad, itemIndex: 1 });
		expect(result.output('Sync', 1)[0].pairedItem).toEqual({ item: 1 });
		expect(objects('customobjects/dynamicsProject_c').map((o) => o.name)).toEqual(['Good']);
	});

	test('a first full sync with mixed record types in the wrong order succeeds in one execution', async () => {
		const owner = user('Olga', 'Owner');
		const teamId = team('Inside Sales');
		const acc = account('Litware', {}, owner);
		const teamAcc = account('Team Account');
		dv().update('account', teamAcc, { _ownerid_value: teamId });
		const gil = contact('Gil', 'Buyer', { _parentcustomerid_value: acc, [`_parentcustomerid_value${ANNOTATION}`]: 'account' });
		const hugo = contact('Hugo', 'Stake');
		const opp1 = opportunity('Contact-led deal', { table: 'contact', id: gil }, owner);
		const opp2 = opportunity('Account-led deal', { table: 'account', id: teamAcc }, owner);
		const conn = dv().connect({ table: 'opportunity', id: opp2 }, { table: 'contact', id: hugo }, dv().connectionRoleIds.decisionMaker);
		const project = dv().create('new_project', { new_name: 'Rollout', _new_contactid_value: gil }).new_projectid as string;

		// Reverse dependency order: projects, roles, opportunities, accounts, teams, users.
		const input = [
			item('new_project', project),
			item('connection', conn.forward),
			item('connection', conn.reciprocal),
			item('opportunity', opp1),
			item('opportunity', opp2),
			item('account', acc),
			item('account', teamAcc),
			item('team', teamId),
			item('systemuser', owner),
		];
		const { ok, errors } = await sync(input, {
			recordType: 'fromInput',
			table: 'new_project',
			customObject: 'dynamicsProject_c',
			keyField: 'externalProjectId',
			customFields: { field: [{ marketoField: 'name', dynamicsColumn: 'new_name' }] },
			customLinks: { personField: 'leadId', personColumn: 'new_contactid' },
		});
		expect(errors).toEqual([]);
		expect(ok).toHaveLength(input.length);
		// One output per input, in input order.
		expect(ok.map((o) => o.dynamicsId)).toEqual([project, conn.forward, conn.reciprocal, opp1, opp2, acc, teamAcc, teamId, owner]);
		expect(ok.map((o) => o.status)).toEqual(['created', 'created', 'skipped', 'created', 'created', 'created', 'created', 'created', 'created']);
		expect(objects('salespersons').map((s) => s.externalSalesPersonId).sort()).toEqual([owner, teamId].sort());
		expect(objects('companies').map((c) => c.externalCompanyId).sort()).toEqual([acc, teamAcc].sort());
		expect(objects('companies').find((c) => c.externalCompanyId === teamAcc)!.externalSalesPersonId).toBe(teamId);
		expect(objects('opportunities').find((o) => o.externalOpportunityId === opp1)!.externalCompanyId).toBe(acc);
		const roles = objects('opportunityRoles').map((r) => `${r.externalOpportunityId}:${r.leadId}:${r.role}`).sort();
		expect(roles).toEqual([`${opp1}:${personOf(gil)!.id}:Potential Customer`, `${opp2}:${personOf(hugo)!.id}:Decision Maker`].sort());
		expect(objects('customobjects/dynamicsProject_c')).toEqual([expect.objectContaining({ externalProjectId: project, name: 'Rollout', leadId: personOf(gil)!.id })]);
	});

	test('more than 300 records are written in batches of at most 300', async () => {
		dv().seedRows('account', 350, (i) => ({ name: `Bulk account ${i}` }));
		const ids = dv().store.all('account').map((r) => r.accountid as string);
		sims.marketo.resetCounters();
		const { ok, errors } = await sync(
			ids.map((id) => item('account', id)),
			{ recordType: 'account' },
		);
		expect(errors).toEqual([]);
		expect(ok.filter((o) => o.status === 'created')).toHaveLength(350);
		expect(objects('companies')).toHaveLength(350);
		const companyWrites = Object.entries(sims.marketo.stats().byRoute).filter(([route]) => /companies/.test(route) && /POST/.test(route) && !/describe|_method/.test(route));
		expect(companyWrites.reduce((n, [, count]) => n + count, 0)).toBe(2);
	}, 60_000);

	test('leads and contacts are not this node\'s job; bad items are named on the error output', async () => {
		const c = contact('Ivy', 'Person');
		const { ok, errors } = await sync([item('contact', c), { table: 'invoice', id: c, fields: {} }, { table: 'account', id: 'not-a-guid', fields: {} }]);
		expect(ok[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('Resolve Conflict') });
		expect(errors.map((e) => e.error)).toEqual([
			expect.stringMatching(/^Item 2: no mapping for Dynamics table "invoice"/),
			expect.stringMatching(/^Item 3: "not-a-guid" is not a Dynamics account ID/),
		]);
	});
});
