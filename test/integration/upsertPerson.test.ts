import { ExecutionLifecycleHooks, LoadOptionsContext } from 'n8n-core';
import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions, ResourceMapperField } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { parseSyncState } from '../../nodes/conflict/syncState';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import { DYN_CLIENT, MKTO_CLIENT, type Simulators } from '../helpers/simulators';

/**
 * Upsert Lead/Contact in n8n's real engine against the Dataverse, Entra and Marketo simulators
 * over loopback sockets: both targets, every status, batching, bad input, escaping, activity log.
 */
describe('Upsert Lead/Contact node', () => {
	let sims: Simulators;
	let engine: TestEngine;

	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };
	const node = (parameters: IDataObject, onError: NodeSpec['onError'] = 'continueErrorOutput'): NodeSpec => ({
		name: 'Upsert',
		type: 'upsertPerson',
		parameters: parameters as NodeSpec['parameters'],
		credentials,
		onError,
	});
	const run = async (parameters: IDataObject, input: IDataObject[], onError: NodeSpec['onError'] = 'continueErrorOutput') => {
		const result = await engine.run([node(parameters, onError)], { input });
		// No secret or token ever reaches the execution data (outputs, errors).
		const text = JSON.stringify(result.run.data.resultData);
		for (const secret of [DYN_CLIENT.clientSecret, MKTO_CLIENT.clientSecret]) expect(text).not.toContain(secret);
		expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9]/);
		return { result, ok: result.output('Upsert', 0), failed: result.output('Upsert', 1) };
	};

	const guid = (n: number) => `0000${n.toString(16).padStart(4, '0')}-1111-4222-8333-${n.toString(16).padStart(12, '0')}`;
	/** An item as the Dynamics 365 Trigger emits it. */
	const dynamicsItem = (table: 'lead' | 'contact', id: string, fields: IDataObject, operation = 'created'): IDataObject => ({
		table,
		id,
		operation,
		modifiedon: '2025-03-01T10:00:00Z',
		modifiedBy: null,
		fields,
		syncFilter: null,
		changeDetection: 'changeTracking',
	});
	/** A Resolve Conflict "createInMarketo" item for Dynamics lead `n`. */
	const createInMarketoItem = (n: number, email: string) => ({
		entity: 'lead',
		source: 'dynamics',
		dynamicsId: guid(n),
		marketoId: null,
		action: 'createInMarketo',
		reason: 'no Marketo person is linked to this Dynamics lead yet',
		toMarketo: { email, lastName: `New ${n}`, microsoftId: guid(n), microsoftType: 'Lead' },
		toDynamics: {},
		merged: {},
		collisions: [],
	});
	/** An item as the Marketo Trigger emits it. */
	const marketoItem = (lead: IDataObject, operation = 'updated'): IDataObject => ({
		leadId: lead.id,
		operation,
		changedFields: {},
		activityDate: '2025-03-01T10:00:00Z',
		current: operation === 'deleted' ? null : lead,
		microsoftId: lead.microsoftId ?? null,
		sources: ['Marketo UI'],
	});
	const mkLead = (id: number) => sims.marketo.store.getLead(id)! as unknown as IDataObject;
	const mkByEmail = (email: string) => sims.marketo.store.findLeadsByEmail(email);
	const mkCreate = (fields: IDataObject) => sims.marketo.uiCreateLead(fields) as unknown as IDataObject & { id: number };
	const dvRow = (table: string, id: string) => sims.dataverse.store.get(table, id);
	const dvCreate = (table: string, row: IDataObject) => sims.dataverse.create(table, row) as IDataObject;
	const errorActivities = (leadId: number) => {
		const type = sims.marketo.store.customActivityTypes.get('dynamicsSyncError')!;
		return sims.marketo.store.activities.filter((a) => a.leadId === leadId && a.typeId === type.id);
	};
	const attr = (activity: { attrs?: Array<{ apiName?: string; value: unknown }> }, name: string) => activity.attrs?.find((a) => a.apiName === name)?.value;

	simulatorSuite(() => new TestEngine({ upsertPerson: new UpsertPerson() }), (suite) => ({ sims, engine } = suite));

	afterEach(() => {
		// No secret ever reaches an output item or the engine's log.
		const text = JSON.stringify(engine.logText);
		for (const secret of [DYN_CLIENT.clientSecret, MKTO_CLIENT.clientSecret]) expect(text).not.toContain(secret);
	});

	/** Runs one of the node's editor methods (dropdowns, field mapper) in n8n-core's LoadOptionsContext. */
	const editorCall = async <T>(parameters: IDataObject, call: (ctx: ILoadOptionsFunctions) => Promise<T>): Promise<T> => {
		const workflow = engine.workflow([node(parameters)], {});
		const hooks = new ExecutionLifecycleHooks('internal', 'exec-editor', { id: 'wf-test' } as never);
		const ctx = new LoadOptionsContext(workflow, workflow.getNode('Upsert')!, engine.additionalData(hooks), 'parameters.columns');
		return await call(ctx);
	};

	describe('editor', () => {
		test('the field mapper loads live fields and preselects the native default mapping', async () => {
			const methods = new UpsertPerson().methods;
			const marketo = await editorCall({ target: 'marketo', personType: 'lead' }, (ctx) => methods.resourceMapping.getMarketoColumns.call(ctx));
			const byId = new Map<string, ResourceMapperField>(marketo.fields.map((f) => [f.id, f]));
			expect(byId.get('firstName')).toMatchObject({ removed: false, defaultValue: '={{ $json.fields?.firstname ?? $json.firstname ?? $json.current?.firstName ?? $json.firstName }}', type: 'string' });
			expect(byId.get('company')).toMatchObject({ removed: false, defaultValue: '={{ $json.fields?.companyname ?? $json.companyname ?? $json.current?.company ?? $json.company }}' });
			expect(byId.get('doNotCall')).toMatchObject({ removed: false, type: 'boolean' });
			expect(byId.get('website')).toMatchObject({ removed: true });
			expect(byId.get('website')!.defaultValue).toBeUndefined();
			expect(byId.has('id')).toBe(false);
			expect(byId.has('createdAt')).toBe(false);
			const dynamics = await editorCall({ target: 'dynamics', personType: 'contact' }, (ctx) => methods.resourceMapping.getDynamicsColumns.call(ctx));
			const columns = new Map<string, ResourceMapperField>(dynamics.fields.map((f) => [f.id, f]));
			expect(columns.get('mkt_leadscore')).toMatchObject({ removed: false, type: 'number', defaultValue: '={{ $json.current?.leadScore ?? $json.leadScore ?? $json.fields?.mkt_leadscore ?? $json.mkt_leadscore }}' });
			expect(columns.get('emailaddress1')).toMatchObject({ removed: false, defaultMatch: true });
			// Dynamics → Marketo-only fields (status) and lookups are not offered for writing.
			expect(columns.has('statecode')).toBe(false);
			expect(columns.has('parentcustomerid')).toBe(false);
			const types: INodePropertyOptions[] = await editorCall({}, (ctx) => methods.loadOptions.getCustomActivityTypes.call(ctx));
			expect(types.map((t) => t.value)).toContain('dynamicsSyncError');
			const owners: INodePropertyOptions[] = await editorCall({ target: 'dynamics' }, (ctx) => methods.loadOptions.getOwners.call(ctx));
			expect(owners[0].value).toBe('');
			expect(owners.map((o) => o.value)).toContain(sims.dataverse.humanUserId);
		});
	});

	describe('to Marketo', () => {
		test('defaults: Dynamics Trigger leads are created with the default mapping and every marker', async () => {
			const id = guid(1);
			const { ok, failed, result } = await run({}, [
				dynamicsItem('lead', id, {
					firstname: 'Ada',
					lastname: 'Lovelace',
					emailaddress1: 'ada@example.test',
					jobtitle: 'Analyst',
					companyname: 'Engines Ltd',
					donotphone: true,
					createdon: '2025-02-01T08:30:00Z',
					new_synctomkto: null,
				}),
			]);
			expect(result.error).toBeUndefined();
			expect(failed).toHaveLength(0);
			expect(ok).toHaveLength(1);
			expect(ok[0].json).toMatchObject({ status: 'created', dynamicsId: id, personType: 'Lead', email: 'ada@example.test', lookupField: 'microsoftId' });
			expect(ok[0].pairedItem).toEqual({ item: 0 });
			const person = mkLead(ok[0].json.marketoId as number);
			expect(person).toMatchObject({
				firstName: 'Ada',
				lastName: 'Lovelace',
				email: 'ada@example.test',
				title: 'Analyst',
				company: 'Engines Ltd',
				doNotCall: true,
				microsoftId: id,
				microsoftType: 'Lead',
				microsoftCreatedDate: '2025-02-01T08:30:00Z',
				microsoftIsDeleted: false,
			});
			const state = parseSyncState(person.microsoftSyncState);
			expect(state).toBeDefined();
			expect(Object.keys(state!.f).sort()).toEqual(['company', 'doNotCall', 'email', 'firstName', 'lastName', 'title']);
		});

		test('Map Automatically: a multi-select choice from the Dynamics Trigger arrives as its labels joined with ";", a single choice as its label, without metadata calls', async () => {
			sims.dataverse.store.addColumn('lead', {
				logicalName: 'new_interests',
				type: 'MultiSelectPicklist',
				displayName: 'Interests',
				options: [
					{ value: 100000000, label: 'Webinars' },
					{ value: 100000001, label: 'Events' },
					{ value: 100000002, label: 'Newsletters' },
				],
			});
			sims.marketo.store.addLeadField({ name: 'interests', dataType: 'string', length: 2000 });
			const id = String(sims.dataverse.create('lead', { lastname: 'Multi', emailaddress1: 'multi@example.test', leadsourcecode: 8, new_interests: '100000000,100000002' }).leadid);
			// The real trigger, so the item carries what Dataverse sends (FormattedValue annotations).
			const triggerEngine = new TestEngine({ upsertPerson: new UpsertPerson(), dynamicsTrigger: new DynamicsTrigger() });
			triggerEngine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
			const trigger = triggerEngine.poller({ name: 'Dynamics', type: 'dynamicsTrigger', parameters: { table: 'lead', fields: ['lastname', 'emailaddress1', 'leadsourcecode', 'new_interests'] }, credentials });
			const polled = ((await trigger.poll()) ?? []).filter((i) => i.json.id === id).map((i) => i.json as IDataObject);
			expect(polled).toHaveLength(1);
			sims.dataverse.resetCounters();
			const { ok, failed } = await run({ options: { extraMappings: { mapping: [{ marketo: 'interests', dynamics: 'new_interests' }] } } }, polled);
			expect(failed).toHaveLength(0);
			expect(ok[0].json).toMatchObject({ status: 'created', dynamicsId: id });
			expect(mkLead(ok[0].json.marketoId as number)).toMatchObject({ interests: 'Webinars;Newsletters', leadSource: 'Web' });
			// The labels come with the row: this lane reads no Dataverse metadata for them.
			expect(sims.dataverse.stats().calls).toBe(0);
		});

		test('a second run updates the same person (found by Microsoft ID), with a new sync state', async () => {
			const id = guid(2);
			const first = await run({}, [dynamicsItem('lead', id, { lastname: 'Hopper', emailaddress1: 'grace@example.test' })]);
			const marketoId = first.ok[0].json.marketoId as number;
			const stateBefore = mkLead(marketoId).microsoftSyncState;
			const second = await run({}, [dynamicsItem('lead', id, { lastname: 'Hopper-Murray', emailaddress1: 'grace@example.test' }, 'updated')]);
			expect(second.ok[0].json).toMatchObject({ status: 'updated', marketoId, lookupField: 'microsoftId' });
			expect(mkLead(marketoId).lastName).toBe('Hopper-Murray');
			expect(mkLead(marketoId).microsoftSyncState).not.toBe(stateBefore);
			expect(sims.marketo.store.leads.size).toBe(1);
		});

		test('an unlinked Marketo person with the same email is linked, not duplicated', async () => {
			const existing = mkCreate({ email: 'linda@example.test', firstName: 'Linda', leadScore: 40 });
			const id = guid(3);
			const { ok } = await run({}, [dynamicsItem('contact', id, { firstname: 'Linda', lastname: 'Lamport', emailaddress1: 'linda@example.test' })]);
			expect(ok[0].json).toMatchObject({ status: 'updated', marketoId: existing.id, personType: 'Contact', lookupField: 'email' });
			expect(sims.marketo.store.leads.size).toBe(1);
			expect(mkLead(existing.id)).toMatchObject({ microsoftId: id, microsoftType: 'Contact', lastName: 'Lamport', leadScore: 40 });
		});

		test('records excluded by the sync filter are skipped; deleted items are left to Delete Person', async () => {
			const { ok, failed } = await run({}, [
				dynamicsItem('lead', guid(4), { lastname: 'Filtered', emailaddress1: 'f@example.test', new_synctomkto: false }),
				dynamicsItem('lead', guid(5), {}, 'deleted'),
				dynamicsItem('lead', guid(6), { lastname: 'Kept', emailaddress1: 'kept@example.test', new_synctomkto: true }),
			]);
			expect(failed).toHaveLength(0);
			expect(ok.map((i) => i.json.status)).toEqual(['skipped', 'skipped', 'created']);
			expect(ok[0].json.reason).toContain('new_synctomkto');
			expect(ok[1].json.reason).toContain('Delete Person');
			expect(ok.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
			expect(mkByEmail('f@example.test')).toHaveLength(0);
			expect(mkByEmail('kept@example.test')).toHaveLength(1);
		});

		test('650 items go to Marketo in batches of at most 300 (3 upsert calls)', async () => {
			sims.marketo.resetCounters();
			const input = Array.from({ length: 650 }, (_, n) => dynamicsItem('lead', guid(1000 + n), { lastname: `Bulk ${n}`, emailaddress1: `bulk${n}@example.test` }));
			const { ok, failed } = await run({}, input);
			expect(failed).toHaveLength(0);
			expect(ok).toHaveLength(650);
			expect(ok.every((i) => i.json.status === 'created')).toBe(true);
			expect(ok[649].pairedItem).toEqual({ item: 649 });
			expect(sims.marketo.store.leads.size).toBe(650);
			const routes = sims.marketo.stats().byRoute;
			expect(routes['POST /rest/v1/leads.json']).toBe(3);
			// Linked-person look-ups are batched too: ≤300 Microsoft IDs per call.
			expect(routes['GET /rest/v1/leads.json']).toBeLessThanOrEqual(6);
		});

		test('a mixed batch: bad records go to the error output naming record and field, the rest is synced', async () => {
			const { ok, failed } = await run({ personType: 'contact' }, [
				dynamicsItem('contact', guid(20), { lastname: 'Valid', emailaddress1: 'valid@example.test' }),
				dynamicsItem('contact', 'not-a-guid', { lastname: 'BadId', emailaddress1: 'badid@example.test' }),
				dynamicsItem('contact', guid(22), { lastname: 'Jürgen', emailaddress1: 'jürgen@example.test' }),
				dynamicsItem('contact', guid(23), { lastname: 'x'.repeat(300), emailaddress1: 'long@example.test' }),
				dynamicsItem('contact', guid(24), { lastname: 'Score', emailaddress1: 'score@example.test', mkt_leadscore: 'high' }),
				dynamicsItem('contact', guid(25), { lastname: 'AlsoValid', emailaddress1: 'valid2@example.test' }),
			]);
			expect(ok.map((i) => [i.pairedItem, i.json.status])).toEqual([
				[{ item: 0 }, 'created'],
				[{ item: 5 }, 'created'],
			]);
			expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 1 }, { item: 2 }, { item: 3 }, { item: 4 }]);
			const errors = failed.map((i) => String(i.json.error));
			expect(errors[0]).toMatch(/^Item 2 .*"contactid" must be a Dynamics record ID \(GUID\), got "not-a-guid"/);
			expect(errors[1]).toMatch(/^Item 3 \(Dynamics ID 00000016-.*email jürgen@example\.test\): Marketo field "email".*ASCII/);
			expect(errors[2]).toMatch(/^Item 4 .*Marketo field "lastName" is too long \(300 characters; Marketo allows 255\)/);
			expect(errors[3]).toMatch(/^Item 5 .*Marketo field "leadScore" expects a whole number, got high/);
			expect(failed.map((i) => (i.json.details as IDataObject).field)).toEqual(['contactid', 'email', 'lastName', 'leadScore']);
			expect(mkByEmail('valid@example.test')).toHaveLength(1);
			expect(mkByEmail('valid2@example.test')).toHaveLength(1);
			expect(sims.marketo.store.leads.size).toBe(2);
		});

		test("Marketo's own per-record rejections map back to their items (1007: two persons share the email)", async () => {
			mkCreate({ email: 'twin@example.test', firstName: 'One' });
			mkCreate({ email: 'twin@example.test', firstName: 'Two' });
			const { ok, failed } = await run({ personType: 'lead', lookupField: 'email' }, [
				{ email: 'solo@example.test', lastName: 'Solo' },
				{ email: 'twin@example.test', lastName: 'Twin' },
			]);
			expect(ok.map((i) => [i.pairedItem, i.json.status, i.json.lookupField])).toEqual([[{ item: 0 }, 'created', 'email']]);
			expect(failed).toHaveLength(1);
			expect(failed[0].pairedItem).toEqual({ item: 1 });
			expect(failed[0].json.error).toBe('Item 2 (email twin@example.test): Marketo rejected the person: Multiple leads match the lookup criteria (1007)');
			expect(failed[0].json.details).toMatchObject({ field: 'email', code: '1007', source: 'marketo' });
		});

		test('without the error output the node fails on the bad record, after writing the good ones', async () => {
			const { result } = await run({}, [
				dynamicsItem('lead', guid(30), { lastname: 'Good', emailaddress1: 'good@example.test' }),
				dynamicsItem('lead', guid(31), { lastname: 'Bad', emailaddress1: 'bad@@example' }),
			], 'stopWorkflow');
			expect(result.error?.message).toMatch(/Item 2 .*Marketo field "email".*not a valid email address/);
			expect((result.error as unknown as { context?: IDataObject }).context?.itemIndex).toBe(1);
			expect(mkByEmail('good@example.test')).toHaveLength(1);
		});

		test('"Map Each Field Below": the preselected expressions read Dynamics Trigger and Marketo Trigger items alike', async () => {
			const lead = mkCreate({ email: 'map@example.test', firstName: 'Old' });
			const expression = (dynamics: string, marketo: string) => `={{ $json.fields?.${dynamics} ?? $json.${dynamics} ?? $json.current?.${marketo} ?? $json.${marketo} }}`;
			const { ok, failed } = await run(
				{
					personType: 'lead',
					columns: {
						mappingMode: 'defineBelow',
						value: { firstName: expression('firstname', 'firstName'), email: expression('emailaddress1', 'email'), city: 'Utrecht' },
						matchingColumns: [],
						schema: [],
					},
				},
				[marketoItem({ ...mkLead(lead.id), firstName: 'New' }), dynamicsItem('lead', guid(60), { firstname: 'Dyn', lastname: 'Row', emailaddress1: 'dyn@example.test' })],
			);
			expect(failed).toHaveLength(0);
			expect(ok[0].json).toMatchObject({ status: 'updated', marketoId: lead.id, lookupField: 'id' });
			expect(mkLead(lead.id)).toMatchObject({ firstName: 'New', city: 'Utrecht', email: 'map@example.test' });
			expect(ok[1].json).toMatchObject({ status: 'created', dynamicsId: guid(60), lookupField: 'microsoftId' });
			// Only the mapped fields are written (lastName is not in this mapping), plus the markers.
			const created = mkLead(ok[1].json.marketoId as number);
			expect(created).toMatchObject({ firstName: 'Dyn', email: 'dyn@example.test', city: 'Utrecht', microsoftId: guid(60), microsoftType: 'Lead' });
			expect(created.lastName ?? null).toBeNull();
		});

		test('Resolve Conflict items: toMarketo is written with its own sync state; nothing to write means skipped', async () => {
			const lead = mkCreate({ email: 'rc@example.test', lastName: 'Before', microsoftId: guid(40), microsoftType: 'Lead' });
			const state = JSON.stringify({ v: 1, at: '2025-03-01T00:00:00.000Z', f: { lastName: 'abc' } });
			const { ok } = await run({}, [
				{ entity: 'lead', source: 'dynamics', dynamicsId: guid(40), marketoId: lead.id, action: 'writeMarketo', reason: 'Dynamics has changes', toMarketo: { lastName: 'After', microsoftSyncState: state }, toDynamics: {}, merged: {}, collisions: [], syncState: state },
				{ entity: 'lead', source: 'dynamics', dynamicsId: guid(40), marketoId: lead.id, action: 'none', reason: 'both systems already agree', toMarketo: {}, toDynamics: {}, merged: {}, collisions: [], syncState: state },
			]);
			expect(ok.map((i) => i.json.status)).toEqual(['updated', 'skipped']);
			expect(ok[1].json.reason).toContain('nothing to write to Marketo');
			expect(mkLead(lead.id)).toMatchObject({ lastName: 'After', microsoftSyncState: state });
		});

		test('Resolve Conflict "createInMarketo" items: no second Microsoft ID look-up, an unlinked person with the email is still linked', async () => {
			const existing = mkCreate({ email: 'known@example.test', firstName: 'Known' });
			sims.marketo.resetCounters();
			const { ok, failed } = await run({}, [createInMarketoItem(50, 'fresh@example.test'), createInMarketoItem(51, 'known@example.test')]);
			expect(failed).toHaveLength(0);
			expect(ok.map((i) => i.json.status)).toEqual(['created', 'updated']);
			expect(ok[1].json).toMatchObject({ marketoId: existing.id, lookupField: 'email' });
			expect(mkLead(existing.id)).toMatchObject({ microsoftId: guid(51), lastName: 'New 51' });
			// One look-up by email (to link), one upsert per lookup field; none by Microsoft ID.
			const routes = sims.marketo.stats().byRoute;
			expect(routes['GET /rest/v1/leads.json']).toBe(1);
			expect(routes['POST /rest/v1/leads.json']).toBe(2);
		});

		test('"createInMarketo" items with emails new to Marketo cost one call per 300 (created where the email is new); a taken email is checked, not overwritten', async () => {
			const linkedElsewhere = mkCreate({ email: 'taken@example.test', firstName: 'Other', microsoftId: guid(999), microsoftType: 'Lead' });
			sims.marketo.resetCounters();
			const fresh = Array.from({ length: 300 }, (_, n) => createInMarketoItem(n + 1, `new${n + 1}@example.test`));
			const first = await run({}, fresh);
			expect(first.failed).toHaveLength(0);
			expect(first.ok.every((i) => i.json.status === 'created')).toBe(true);
			expect(sims.marketo.stats().byRoute['GET /rest/v1/leads.json'] ?? 0).toBe(0);
			expect(sims.marketo.stats().byRoute['POST /rest/v1/leads.json']).toBe(1);
			expect(mkByEmail('new300@example.test').map((l) => l.microsoftId)).toEqual([guid(300)]);

			// The email belongs to a person linked to another Dynamics record: that person keeps its
			// link and values; this record gets its own person (as the look-up path always did).
			const second = await run({}, [createInMarketoItem(400, 'taken@example.test')]);
			expect(second.failed).toHaveLength(0);
			expect(second.ok[0].json).toMatchObject({ status: 'created', lookupField: 'microsoftId' });
			expect(mkLead(linkedElsewhere.id)).toMatchObject({ microsoftId: guid(999), firstName: 'Other' });
			expect(mkByEmail('taken@example.test').map((l) => l.microsoftId).sort()).toEqual([guid(400), guid(999)].sort());
		});
	});

	describe('to Dynamics', () => {
		const toDynamics = (extra: IDataObject = {}) => ({ target: 'dynamics', ...extra });

		test('Marketo persons become Dynamics leads; the id, type, created date and sync state are written back', async () => {
			const lead = mkCreate({ email: 'new@example.test', firstName: 'Nina', lastName: 'New', company: 'Acme', leadSource: 'Web' });
			const { ok, failed } = await run(toDynamics(), [marketoItem(mkLead(lead.id))]);
			expect(failed).toHaveLength(0);
			expect(ok[0].json).toMatchObject({ status: 'created', personType: 'Lead', marketoId: lead.id, matchedBy: 'none', markersUpdated: true });
			const dynamicsId = ok[0].json.dynamicsId as string;
			const row = dvRow('lead', dynamicsId)!;
			// "Web" is a choice label in Marketo; Dynamics gets its number.
			expect(row).toMatchObject({ firstname: 'Nina', lastname: 'New', emailaddress1: 'new@example.test', companyname: 'Acme', leadsourcecode: 8 });
			const person = mkLead(lead.id);
			expect(person).toMatchObject({ microsoftId: dynamicsId, microsoftType: 'Lead', microsoftIsDeleted: false });
			expect(Date.parse(String(person.microsoftCreatedDate))).toBe(Date.parse(String(row.createdon)));
			expect(Object.keys(parseSyncState(person.microsoftSyncState)!.f)).toEqual(expect.arrayContaining(['firstName', 'lastName', 'email', 'company']));
		});

		test('an item with a Microsoft ID updates that record; a contact is detected from Microsoft Type', async () => {
			const contact = dvCreate('contact', { firstname: 'Carl', lastname: 'Contact', emailaddress1: 'carl@example.test' });
			const contactId = contact.contactid as string;
			const lead = mkCreate({ email: 'carl@example.test', firstName: 'Carlos', lastName: 'Contact', microsoftId: contactId, microsoftType: 'Contact' });
			const { ok } = await run(toDynamics(), [marketoItem(mkLead(lead.id))]);
			expect(ok[0].json).toMatchObject({ status: 'updated', dynamicsId: contactId, personType: 'Contact', matchedBy: 'id' });
			expect(dvRow('contact', contactId)!.firstname).toBe('Carlos');
			expect(sims.dataverse.store.count('lead')).toBe(0);
		});

		test("match on email is exact and escaped: o'brien@x.test matches exactly one record", async () => {
			const obrien = dvCreate('lead', { lastname: "O'Brien", emailaddress1: "o'brien@x.test" });
			const other = dvCreate('lead', { lastname: 'Obrien', emailaddress1: 'obrien@x.test' });
			const lead = mkCreate({ email: "o'brien@x.test", firstName: 'Pat', lastName: "O'Brien" });
			const { ok, failed } = await run(toDynamics({ personType: 'lead' }), [marketoItem(mkLead(lead.id))]);
			expect(failed).toHaveLength(0);
			expect(ok[0].json).toMatchObject({ status: 'updated', dynamicsId: obrien.leadid, matchedBy: 'emailaddress1' });
			expect(ok[0].json.otherMatches).toBeUndefined();
			expect(dvRow('lead', obrien.leadid as string)!.firstname).toBe('Pat');
			expect(dvRow('lead', other.leadid as string)!.firstname ?? null).toBeNull();
			expect(sims.dataverse.store.count('lead')).toBe(2);
		});

		test('an injection-like match value matches nothing and creates a new record', async () => {
			const smith = dvCreate('lead', { lastname: 'Smith', emailaddress1: 'smith@x.test' });
			// Watch the $filter Dataverse receives.
			const filters: string[] = [];
			const sim = sims.dataverse as unknown as { handle(req: { url: URL }): unknown };
			const handle = sim.handle;
			sim.handle = function (this: unknown, req: { url: URL }) {
				const filter = req.url.searchParams.get('$filter');
				if (filter) filters.push(filter);
				return handle.call(this, req);
			};
			let result;
			try {
				result = await run(toDynamics({ personType: 'lead', matchColumn: 'lastname' }), [
					{ lastName: "Smith' or lastname ne 'zzz", firstName: 'Eve', email: 'eve@x.test' },
				]);
			} finally {
				sim.handle = handle;
			}
			const { ok, failed } = result;
			expect(filters).toEqual(["lastname eq 'Smith'' or lastname ne ''zzz'"]);
			expect(failed).toHaveLength(0);
			expect(ok[0].json).toMatchObject({ status: 'created', matchedBy: 'none' });
			expect(ok[0].json.dynamicsId).not.toBe(smith.leadid);
			expect(dvRow('lead', smith.leadid as string)!.firstname ?? null).toBeNull();
			expect(dvRow('lead', ok[0].json.dynamicsId as string)!.lastname).toBe("Smith' or lastname ne 'zzz");
		});

		test('validation failures: error output names record and field, the activity is logged on the person, the rest goes through', async () => {
			const tooLong = mkCreate({ email: 'toolong@example.test', lastName: 'L'.repeat(60) });
			const noLastName = mkCreate({ email: 'nolast@example.test', firstName: 'Only' });
			const good = mkCreate({ email: 'good@example.test', lastName: 'Good' });
			sims.dataverse.resetCounters();
			const { ok, failed } = await run(toDynamics({ personType: 'lead' }), [tooLong, noLastName, good].map((l) => marketoItem(mkLead(l.id))));
			// The two valid-looking records went in one $batch, each part on its own (continue-on-error).
			const routes = sims.dataverse.stats().byRoute;
			expect(routes['POST /$batch']).toBe(1);
			expect(routes['$batch PATCH /leads(:id)']).toBe(2);
			expect(ok).toHaveLength(1);
			expect(ok[0].json).toMatchObject({ status: 'created', marketoId: good.id });
			expect(ok[0].pairedItem).toEqual({ item: 2 });
			expect(failed.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
			expect(failed[0].json.error).toBe(`Item 1 (Marketo lead ${tooLong.id}, email toolong@example.test): Dynamics column "lastname" is too long (60 characters; Dynamics allows 50)`);
			// Dataverse's own validation: the required last name is missing.
			expect(failed[1].json.error).toMatch(new RegExp(`^Item 2 \\(Marketo lead ${noLastName.id}, email nolast@example\\.test\\): Dynamics rejected the lead \\(column "lastname"\\): .*required attribute 'lastname'`));
			expect(failed[1].json.details).toMatchObject({ field: 'lastname', source: 'dynamics', activityLogged: true, httpStatus: 400 });
			for (const [lead, field] of [[tooLong, 'lastname'], [noLastName, 'lastname']] as const) {
				const activities = errorActivities(lead.id);
				expect(activities).toHaveLength(1);
				expect(attr(activities[0], 'field')).toBe(field);
				expect(attr(activities[0], 'direction')).toBe('Marketo to Dynamics');
				expect(String(attr(activities[0], 'errorMessage'))).toContain('lastname');
			}
			expect(errorActivities(good.id)).toHaveLength(0);
			expect(sims.dataverse.store.count('lead')).toBe(1);
		});

		test('a linked record deleted in Dynamics is created again; Microsoft Is Deleted persons are skipped', async () => {
			const gone = dvCreate('lead', { lastname: 'Gone', emailaddress1: 'gone@example.test' });
			sims.dataverse.delete('lead', gone.leadid as string);
			const relinked = mkCreate({ email: 'gone@example.test', lastName: 'Gone', microsoftId: gone.leadid, microsoftType: 'Lead' });
			const flagged = mkCreate({ email: 'flagged@example.test', lastName: 'Flagged', microsoftId: guid(50), microsoftType: 'Lead', microsoftIsDeleted: true });
			const { ok } = await run(toDynamics(), [marketoItem(mkLead(relinked.id)), marketoItem(mkLead(flagged.id))]);
			expect(ok[0].json).toMatchObject({ status: 'created', reason: `The linked Dynamics record ${gone.leadid} no longer exists` });
			expect(ok[0].json.dynamicsId).not.toBe(gone.leadid);
			expect(mkLead(relinked.id).microsoftId).toBe(ok[0].json.dynamicsId);
			expect(ok[1].json).toMatchObject({ status: 'skipped' });
			expect(String(ok[1].json.reason)).toContain('Microsoft Is Deleted');
		});

		test('Resolve Conflict items, with no Marketo write after this node: Dynamics first, then one Marketo write with the accepted state', async () => {
			const row = dvCreate('lead', { lastname: 'Base', emailaddress1: 'base@example.test' });
			const lead = mkCreate({ email: 'base@example.test', lastName: 'Changed', microsoftId: row.leadid, microsoftType: 'Lead' });
			const base = JSON.stringify({ v: 1, at: '2025-03-01T00:00:00.000Z', f: { lastName: 'abc' } });
			const state = JSON.stringify({ v: 1, at: '2025-03-02T00:00:00.000Z', f: { lastName: 'xyz' } });
			const item = { entity: 'lead', source: 'marketo', dynamicsId: row.leadid, marketoId: lead.id, action: 'writeDynamics', reason: 'Marketo has changes', toMarketo: {}, toDynamics: { lastname: 'Changed' }, merged: {}, collisions: [], syncState: state, baseSyncState: base, syncStateField: 'microsoftSyncState' };
			sims.marketo.resetCounters();
			const { ok, failed } = await run(toDynamics(), [item]);
			expect(failed).toHaveLength(0);
			expect(ok.map((i) => i.json)).toEqual([expect.objectContaining({ status: 'updated', marketoId: lead.id, dynamicsId: row.leadid })]);
			expect(dvRow('lead', row.leadid as string)!.lastname).toBe('Changed');
			expect(sims.marketo.stats().byRoute['POST /rest/v1/leads.json']).toBe(1);
			expect(mkLead(lead.id).microsoftSyncState).toBe(state);

			// Rejected by Dynamics: reported; the Marketo write keeps the old base (here: nothing to store).
			const rejected = { ...item, toDynamics: { lastname: 'L'.repeat(60) }, toMarketo: { phone: '1', microsoftSyncState: base } };
			const second = await run(toDynamics(), [rejected]);
			expect(second.failed.map((i) => i.json.error)).toEqual([expect.stringContaining('Dynamics column "lastname" is too long')]);
			expect(second.ok.map((i) => i.json)).toEqual([expect.objectContaining({ status: 'updated', marketoId: lead.id })]);
			expect(second.ok[0].pairedItem).toEqual({ item: 0 });
			expect(mkLead(lead.id)).toMatchObject({ phone: '1', microsoftSyncState: base });
			expect(errorActivities(lead.id)).toHaveLength(1);
		});

		test('owner of new records is bound to the chosen Dynamics user', async () => {
			const { ok } = await run(toDynamics({ personType: 'contact', options: { owner: sims.dataverse.humanUserId } }), [{ email: 'owned@example.test', lastName: 'Owned' }]);
			expect(ok[0].json.status).toBe('created');
			expect(dvRow('contact', ok[0].json.dynamicsId as string)!._ownerid_value).toBe(sims.dataverse.humanUserId);
		});
	});
});
