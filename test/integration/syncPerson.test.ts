import type { IDataObject } from 'n8n-workflow';

import { SyncPerson } from '../../nodes/SyncPerson/SyncPerson.node';
import { parseSyncState } from '../../nodes/conflict/syncState';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import { DYN_CLIENT, MKTO_CLIENT, type Simulators } from '../helpers/simulators';

/**
 * Sync Person to Microsoft (seed 003's flow action) in n8n's real engine against the simulators:
 * create when missing, no-op when it exists, force update, owner, contact, deleted-then-recreated.
 */
describe('Sync Person to Microsoft node', () => {
	let sims: Simulators;
	let engine: TestEngine;

	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };
	const run = async (parameters: IDataObject, input: IDataObject[], onError: NodeSpec['onError'] = 'continueErrorOutput') => {
		const result = await engine.run([{ name: 'Sync', type: 'syncPerson', parameters: parameters as NodeSpec['parameters'], credentials, onError }], { input });
		const text = JSON.stringify(result.run.data.resultData);
		for (const secret of [DYN_CLIENT.clientSecret, MKTO_CLIENT.clientSecret]) expect(text).not.toContain(secret);
		expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
		return { result, ok: result.output('Sync', 0), failed: result.output('Sync', 1) };
	};
	/** What the Marketo Trigger emits for a person. */
	const trigger = (leadId: number): IDataObject => ({ leadId, operation: 'updated', changedFields: {}, activityDate: '2025-03-01T10:00:00Z', current: { id: leadId }, microsoftId: null, sources: ['Marketo UI'] });
	const mkLead = (id: number) => sims.marketo.store.getLead(id)! as unknown as IDataObject;
	const mkCreate = (fields: IDataObject) => sims.marketo.uiCreateLead(fields) as unknown as IDataObject & { id: number };
	const dvRow = (table: string, id: string) => sims.dataverse.store.get(table, id);
	const dvCreate = (table: string, row: IDataObject) => sims.dataverse.create(table, row) as IDataObject;
	const errorActivities = (leadId: number) => {
		const type = sims.marketo.store.customActivityTypes.get('dynamicsSyncError')!;
		return sims.marketo.store.activities.filter((a) => a.leadId === leadId && a.typeId === type.id);
	};

	simulatorSuite(() => new TestEngine({ syncPerson: new SyncPerson() }), (suite) => ({ sims, engine } = suite));

	test('defaults: a Marketo-only person becomes a Dynamics lead and is linked to it', async () => {
		const lead = mkCreate({ email: 'new@example.test', firstName: 'Nia', lastName: 'New', company: 'Acme', title: 'CTO', rating: 'Hot' });
		const { ok, failed } = await run({}, [trigger(lead.id)]);
		expect(failed).toHaveLength(0);
		expect(ok).toHaveLength(1);
		expect(ok[0].pairedItem).toEqual({ item: 0 });
		expect(ok[0].json).toMatchObject({ status: 'created', marketoId: lead.id, personType: 'Lead', email: 'new@example.test', markersUpdated: true });
		const dynamicsId = ok[0].json.dynamicsId as string;
		const row = dvRow('lead', dynamicsId)!;
		expect(row).toMatchObject({ firstname: 'Nia', lastname: 'New', emailaddress1: 'new@example.test', companyname: 'Acme', jobtitle: 'CTO', leadqualitycode: 1 });
		const person = mkLead(lead.id);
		expect(person).toMatchObject({ microsoftId: dynamicsId, microsoftType: 'Lead', microsoftIsDeleted: false });
		expect(Date.parse(String(person.microsoftCreatedDate))).toBe(Date.parse(String(row.createdon)));
		expect(Object.keys(parseSyncState(person.microsoftSyncState)!.f).sort()).toEqual(['company', 'email', 'firstName', 'lastName', 'rating', 'title']);
		expect(sims.dataverse.store.count('lead')).toBe(1);
	});

	test('a person whose Microsoft ID points to a live record: status exists, nothing written anywhere', async () => {
		const row = dvCreate('lead', { firstname: 'Old', lastname: 'Existing', emailaddress1: 'exists@example.test' });
		const lead = mkCreate({ email: 'exists@example.test', firstName: 'Changed', lastName: 'Existing', microsoftId: row.leadid, microsoftType: 'Lead' });
		sims.marketo.resetCounters();
		sims.dataverse.resetCounters();
		const { ok } = await run({}, [trigger(lead.id)]);
		expect(ok[0].json).toMatchObject({ status: 'exists', dynamicsId: row.leadid, linkedBy: 'microsoftId', personType: 'Lead' });
		expect(String(ok[0].json.reason)).toContain('nothing was changed');
		expect(dvRow('lead', row.leadid as string)!.firstname).toBe('Old');
		expect(sims.marketo.stats().byRoute['POST /rest/v1/leads.json']).toBeUndefined();
		expect(Object.keys(sims.dataverse.stats().byRoute).filter((r) => /PATCH|POST/.test(r))).toEqual([]);
	});

	test('a Dynamics record with the same email counts as existing: it is linked, not duplicated', async () => {
		const contact = dvCreate('contact', { lastname: 'Match', emailaddress1: 'match@example.test' });
		const lead = mkCreate({ email: 'match@example.test', lastName: 'Match' });
		const { ok } = await run({}, [trigger(lead.id)]);
		expect(ok[0].json).toMatchObject({ status: 'exists', dynamicsId: contact.contactid, linkedBy: 'email', personType: 'Contact', markersUpdated: true });
		expect(mkLead(lead.id)).toMatchObject({ microsoftId: contact.contactid, microsoftType: 'Contact', microsoftIsDeleted: false });
		expect(sims.dataverse.store.count('lead')).toBe(0);
	});

	test('"Update If It Exists" updates the Dynamics record with the person\'s values (force sync)', async () => {
		const row = dvCreate('lead', { firstname: 'Old', lastname: 'Force', emailaddress1: 'force@example.test', jobtitle: 'Intern' });
		const lead = mkCreate({ email: 'force@example.test', firstName: 'New', lastName: 'Force', title: 'Director', microsoftId: row.leadid, microsoftType: 'Lead' });
		const { ok } = await run({ updateIfExists: true }, [trigger(lead.id)]);
		expect(ok[0].json).toMatchObject({ status: 'updated', dynamicsId: row.leadid, linkedBy: 'microsoftId', markersUpdated: true });
		expect(dvRow('lead', row.leadid as string)).toMatchObject({ firstname: 'New', jobtitle: 'Director', lastname: 'Force' });
		expect(Object.keys(parseSyncState(mkLead(lead.id).microsoftSyncState)!.f)).toEqual(expect.arrayContaining(['firstName', 'title']));
	});

	test('owner and "Sync As: Contact": a contact owned by the chosen user is created', async () => {
		const lead = mkCreate({ email: 'owned@example.test', firstName: 'Otto', lastName: 'Owned' });
		const { ok } = await run({ syncAs: 'contact', owner: sims.dataverse.humanUserId }, [trigger(lead.id)]);
		expect(ok[0].json).toMatchObject({ status: 'created', personType: 'Contact', ownerId: sims.dataverse.humanUserId });
		const row = dvRow('contact', ok[0].json.dynamicsId as string)!;
		expect(row).toMatchObject({ lastname: 'Owned', emailaddress1: 'owned@example.test', _ownerid_value: sims.dataverse.humanUserId });
		expect(mkLead(lead.id).microsoftType).toBe('Contact');
		expect(sims.dataverse.store.count('lead')).toBe(0);
	});

	test('deleted in Dynamics, then Sync Person: a new lead is created and linked (row 59)', async () => {
		const row = dvCreate('lead', { lastname: 'Phoenix', emailaddress1: 'phoenix@example.test' });
		const lead = mkCreate({ email: 'phoenix@example.test', lastName: 'Phoenix', microsoftId: row.leadid, microsoftType: 'Lead' });
		sims.dataverse.delete('lead', row.leadid as string);
		const { ok } = await run({}, [trigger(lead.id)]);
		expect(ok[0].json).toMatchObject({ status: 'created', personType: 'Lead' });
		expect(ok[0].json.reason).toBe(`The previously linked Dynamics record ${row.leadid} was deleted; a new lead was created`);
		const newId = ok[0].json.dynamicsId as string;
		expect(newId).not.toBe(row.leadid);
		expect(dvRow('lead', newId)!.lastname).toBe('Phoenix');
		expect(mkLead(lead.id).microsoftId).toBe(newId);
		// Running it again is a no-op now.
		const again = await run({}, [trigger(lead.id)]);
		expect(again.ok[0].json).toMatchObject({ status: 'exists', dynamicsId: newId });
	});

	test('two runs racing for the same new person create one lead (overlapping polls, retried runs)', async () => {
		const lead = mkCreate({ email: 'racer@example.test', firstName: 'Ray', lastName: 'Racer' });
		// Slow answers keep both runs between their look-up and their create at the same time.
		sims.dataverse.setLatency(300);
		try {
			const [first, second] = await Promise.all([run({}, [trigger(lead.id)]), run({}, [trigger(lead.id)])]);
			expect([...first.failed, ...second.failed]).toEqual([]);
			const ids = [first.ok[0].json.dynamicsId, second.ok[0].json.dynamicsId];
			expect(ids[0]).toBe(ids[1]);
			expect(sims.dataverse.store.all('lead').filter((r) => (r as IDataObject).emailaddress1 === 'racer@example.test')).toHaveLength(1);
			expect(mkLead(lead.id).microsoftId).toBe(ids[0]);
			// Deleted in Dynamics later: Sync Person creates it again under the same id.
			sims.dataverse.delete('lead', ids[0] as string);
			const again = await run({}, [trigger(lead.id)]);
			expect(again.ok[0].json).toMatchObject({ status: 'created', dynamicsId: ids[0] });
		} finally {
			sims.dataverse.setLatency(0);
		}
	});

	test('a person found by email when no lead ID is given', async () => {
		const lead = mkCreate({ email: 'byemail@example.test', lastName: 'ByEmail' });
		const { ok } = await run({ leadId: '' }, [{ email: 'byemail@example.test' }]);
		expect(ok[0].json).toMatchObject({ status: 'created', marketoId: lead.id });
	});

	test('a mixed batch: bad ids and Dynamics validation failures on the error output (logged on the person), the rest synced', async () => {
		const noLastName = mkCreate({ email: 'nolast@example.test', firstName: 'Only' });
		const tooLong = mkCreate({ email: 'long@example.test', lastName: 'Long', company: 'C'.repeat(120) });
		const good = mkCreate({ email: 'good@example.test', lastName: 'Good' });
		const { ok, failed } = await run({}, [{ leadId: 'abc' }, { leadId: 99999 }, trigger(noLastName.id), trigger(tooLong.id), trigger(good.id)]);
		expect(ok.map((i) => [i.pairedItem, i.json.status])).toEqual([[{ item: 4 }, 'created']]);
		expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(failed[0].json.error).toBe('Item 1: "abc" is not a Marketo lead ID (a positive whole number)');
		expect(failed[1].json.error).toBe('Item 2 (Marketo lead 99999): Marketo has no person with lead ID 99999');
		expect(failed[2].json.error).toMatch(new RegExp(`^Item 3 \\(Marketo lead ${noLastName.id}, email nolast@example\\.test\\): Dynamics rejected the new lead \\(column "lastname"\\)`));
		expect(failed[3].json.error).toBe(`Item 4 (Marketo lead ${tooLong.id}, email long@example.test): Dynamics column "companyname" is too long (120 characters; Dynamics allows 100)`);
		expect(failed.map((i) => (i.json.details as IDataObject).field)).toEqual(['leadId', 'leadId', 'lastname', 'companyname']);
		expect((failed[2].json.details as IDataObject).activityLogged).toBe(true);
		expect(errorActivities(noLastName.id)).toHaveLength(1);
		expect(errorActivities(tooLong.id)).toHaveLength(1);
		expect(errorActivities(tooLong.id)[0].attrs?.find((a) => a.apiName === 'field')?.value).toBe('companyname');
		expect(errorActivities(good.id)).toHaveLength(0);
		expect(mkLead(noLastName.id).microsoftId ?? null).toBeNull();
		expect(sims.dataverse.store.count('lead')).toBe(1);
	});

	test('320 persons: read and linked back in Marketo calls of at most 300', async () => {
		const leads = Array.from({ length: 320 }, (_, n) => mkCreate({ email: `p${n}@example.test`, lastName: `Person ${n}` }));
		sims.marketo.resetCounters();
		const { ok, failed } = await run({}, leads.map((l) => trigger(l.id)));
		expect(failed).toHaveLength(0);
		expect(ok).toHaveLength(320);
		expect(ok.every((i) => i.json.status === 'created' && i.json.markersUpdated === true)).toBe(true);
		expect(ok[319].pairedItem).toEqual({ item: 319 });
		expect(sims.dataverse.store.count('lead')).toBe(320);
		const routes = sims.marketo.stats().byRoute;
		expect(routes['GET /rest/v1/leads.json']).toBe(2);
		expect(routes['POST /rest/v1/leads.json']).toBe(2);
		expect(leads.every((l) => typeof mkLead(l.id).microsoftId === 'string')).toBe(true);
	});

	test('120 linked persons: their Dynamics records are found in one Dataverse call', async () => {
		const rows = Array.from({ length: 120 }, (_, n) => dvCreate('lead', { lastname: `Linked ${n}`, emailaddress1: `linked${n}@example.test` }));
		const leads = rows.map((row, n) => mkCreate({ email: `linked${n}@example.test`, lastName: `Linked ${n}`, microsoftId: row.leadid, microsoftType: 'Lead', microsoftIsDeleted: false }));
		sims.marketo.resetCounters();
		sims.dataverse.resetCounters();
		const { ok, failed } = await run({}, leads.map((l) => trigger(l.id)));
		expect(failed).toHaveLength(0);
		expect(ok.map((i) => [i.json.status, i.json.dynamicsId, i.json.linkedBy])).toEqual(rows.map((row) => ['exists', row.leadid, 'microsoftId']));
		// One read however many ids (50-id filters as parts of one $batch), nothing written.
		const personRoutes = Object.entries(sims.dataverse.stats().byRoute).filter(([route]) => /leads|contacts|\$batch/.test(route));
		expect(Object.fromEntries(personRoutes)).toEqual({ 'POST /$batch': 1, '$batch GET /leads': 3 });
		expect(sims.marketo.stats().byRoute['GET /rest/v1/leads.json']).toBe(1);
		expect(sims.marketo.stats().byRoute['POST /rest/v1/leads.json']).toBeUndefined();
	});

	test('without the error output a bad lead ID fails the node with its item index', async () => {
		const good = mkCreate({ email: 'fine@example.test', lastName: 'Fine' });
		const { result } = await run({}, [trigger(good.id), { leadId: -4 }], 'stopWorkflow');
		expect(result.error?.message).toBe('Item 2: "-4" is not a Marketo lead ID (a positive whole number)');
		expect(sims.dataverse.store.count('lead')).toBe(1);
	});
});
