import type { IDataObject } from 'n8n-workflow';

import { ResolveConflict } from '../../nodes/ResolveConflict/ResolveConflict.node';
import { UpsertPerson } from '../../nodes/UpsertPerson/UpsertPerson.node';
import { fingerprint, parseSyncState } from '../../nodes/conflict/syncState';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { clearDescribeCache } from '../../nodes/transport/marketoApi';
import { TestEngine } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import type { Simulators } from '../helpers/simulators';

/**
 * Resolve Conflict in n8n's real engine against the Dataverse and Marketo simulators: Dynamics 365
 * Trigger and Marketo Trigger items in, decisions out. The decisions are then written by the real
 * Upsert Lead/Contact nodes, wired as the template wires them (Resolve Conflict → Upsert into
 * Dynamics → Upsert into Marketo), to show that the loop closes (the echo yields "none") and that a
 * rejected write never moves the sync state.
 */
// The transport keeps Marketo's budget (100 calls / 20 s) across the whole file: later tests may wait for it.
jest.setTimeout(45_000);

describe('Resolve Conflict', () => {
	let sims: Simulators;
	let engine: TestEngine;

	simulatorSuite(() => new TestEngine({ resolveConflict: new ResolveConflict(), upsertPerson: new UpsertPerson() }), (suite) => ({ sims, engine } = suite));

	async function resolve(input: IDataObject[], parameters: IDataObject = {}) {
		const result = await engine.run(
			[
				{
					name: 'Resolve',
					type: 'resolveConflict',
					parameters: { operation: 'resolve', ...parameters } as never,
					credentials: { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } },
					onError: 'continueErrorOutput',
				},
			],
			{ input },
		);
		expect(result.error).toBeUndefined();
		return { ok: result.output('Resolve', 0).map((i) => i.json as IDataObject), errors: result.output('Resolve', 1).map((i) => i.json as IDataObject), result };
	}

	/** A Dynamics 365 Trigger item for the record as it is now. */
	function dynamicsItem(table: 'lead' | 'contact', id: string, operation = 'updated'): IDataObject {
		const row = sims.dataverse.store.get(table, id)!;
		const fields: IDataObject = {};
		for (const [key, value] of Object.entries(row)) if (key !== `${table}id` && !key.includes('@')) fields[key] = value as IDataObject[string];
		const filter = row.new_synctomkto;
		return { table, id, operation, modifiedon: row.modifiedon as string, modifiedBy: null, fields, syncFilter: filter === false ? false : filter === true ? true : null, changeDetection: 'changeTracking' };
	}

	/** A Marketo Trigger item for a person. */
	function marketoItem(leadId: number, changedFields: string[] = []): IDataObject {
		const lead = sims.marketo.store.getLead(leadId)!;
		return { leadId, operation: 'updated', changedFields, current: { ...lead } as IDataObject, activityDate: lead.updatedAt as string };
	}

	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };
	/**
	 * Resolves the items and writes the decisions with the real Upsert nodes, wired as the template:
	 * Resolve Conflict → Upsert into Dynamics → Upsert into Marketo (each with its error output).
	 */
	async function pipeline(input: IDataObject[], parameters: IDataObject = {}) {
		const nodes = [
			{ name: 'Resolve', type: 'resolveConflict', parameters: { operation: 'resolve', ...parameters } as never, credentials, onError: 'continueErrorOutput' as const },
			{ name: 'To Dynamics', type: 'upsertPerson', parameters: { target: 'dynamics' } as never, credentials, onError: 'continueErrorOutput' as const },
			{ name: 'To Marketo', type: 'upsertPerson', parameters: { target: 'marketo' } as never, credentials, onError: 'continueErrorOutput' as const },
		];
		const result = await engine.run(nodes, { input });
		expect(result.error).toBeUndefined();
		const json = (node: string, output: number) => result.output(node, output).map((i) => i.json as IDataObject);
		return {
			decisions: json('Resolve', 0),
			dynamics: json('To Dynamics', 0),
			marketo: json('To Marketo', 0),
			errors: [...json('Resolve', 1), ...json('To Dynamics', 1), ...json('To Marketo', 1)],
		};
	}

	/**
	 * The same, wired as workflows saved before the upserts were chained: Resolve Conflict feeds
	 * both side by side (Marketo first on the canvas, as lane 1 was).
	 */
	async function sideBySide(input: IDataObject[]) {
		const nodes = [
			{ name: 'Resolve', type: 'resolveConflict', parameters: { operation: 'resolve' } as never, credentials, onError: 'continueErrorOutput' as const },
			{ name: 'To Marketo', type: 'upsertPerson', parameters: { target: 'marketo' } as never, credentials, onError: 'continueErrorOutput' as const },
			{ name: 'To Dynamics', type: 'upsertPerson', parameters: { target: 'dynamics' } as never, credentials, onError: 'continueErrorOutput' as const },
		];
		const main = (node: string) => ({ node, type: 'main' as never, index: 0 });
		const result = await engine.run(nodes, { input, connections: { Start: { main: [[main('Resolve')]] }, Resolve: { main: [[main('To Marketo'), main('To Dynamics')]] } } });
		expect(result.error).toBeUndefined();
		const json = (node: string, output: number) => result.output(node, output).map((i) => i.json as IDataObject);
		return { marketo: json('To Marketo', 0), dynamics: json('To Dynamics', 0), errors: [...json('Resolve', 1), ...json('To Dynamics', 1), ...json('To Marketo', 1)] };
	}

	/** "Dynamics Sync Error" activities on a person. */
	const reports = (leadId: number) => {
		const type = sims.marketo.store.customActivityTypes.get('dynamicsSyncError');
		return type ? sims.marketo.store.activities.filter((a) => a.leadId === leadId && a.typeId === type.id).length : 0;
	};

	/**
	 * A Dynamics record and its Marketo person holding the same values, synced once by the node
	 * itself (the first sync fills what one side lacks and stores the state).
	 */
	async function linkedPair(table: 'lead' | 'contact', values: { firstname: string; lastname: string; emailaddress1: string; telephone1?: string; jobtitle?: string }) {
		const row = sims.dataverse.create(table, { ...values, ...(table === 'lead' ? { subject: 'Interested' } : {}) });
		const id = row[`${table}id`] as string;
		const marketoValues: IDataObject = { firstName: values.firstname, lastName: values.lastname, email: values.emailaddress1 };
		if (values.telephone1) marketoValues.phone = values.telephone1;
		if (values.jobtitle) marketoValues.title = values.jobtitle;
		if (table === 'lead') marketoValues.microsoftTopic = 'Interested';
		const person = sims.marketo.uiCreateLead({ ...marketoValues, microsoftId: id, microsoftType: table === 'lead' ? 'Lead' : 'Contact' });
		const first = await pipeline([dynamicsItem(table, id)]);
		expect(first.decisions[0]).toMatchObject({ action: 'writeMarketo', collisions: [], toDynamics: {} });
		expect(first.errors).toEqual([]);
		return { id, leadId: person.id };
	}

	test('collision on a lead: Marketo wins, Dynamics gets Marketo\'s value, the collision is reported', async () => {
		const { id, leadId } = await linkedPair('lead', { firstname: 'Ann', lastname: 'Lee', emailaddress1: 'ann@example.com' });
		sims.dataverse.update('lead', id, { firstname: 'Anne' });
		sims.marketo.uiUpdateLead(leadId, { firstName: 'Annie' });

		const { ok, errors } = await resolve([dynamicsItem('lead', id)]);
		expect(errors).toEqual([]);
		expect(ok).toHaveLength(1);
		const decision = ok[0];
		expect(decision).toMatchObject({ entity: 'lead', source: 'dynamics', dynamicsId: id, marketoId: leadId, action: 'writeDynamics', toDynamics: { firstname: 'Annie' } });
		expect(decision.collisions).toEqual([
			{ field: 'firstName', dynamicsField: 'firstname', marketoValue: 'Annie', dynamicsValue: 'Anne', winner: 'marketo', reason: expect.stringContaining('Marketo wins for leads') },
		]);
		expect((decision.toMarketo as IDataObject).firstName).toBeUndefined();
		const state = parseSyncState(decision.syncState)!;
		expect(state.f.firstName).toBe(fingerprint('Annie'));
		// Before Dynamics has Annie, the state may not say so: nothing to store in Marketo yet.
		expect(decision.toMarketo).toEqual({});

		const written = await pipeline([dynamicsItem('lead', id)]);
		expect(written.errors).toEqual([]);
		expect(parseSyncState(sims.marketo.store.getLead(leadId)!.microsoftSyncState)!.f.firstName).toBe(fingerprint('Annie'));
		expect(sims.dataverse.store.get('lead', id)!.firstname).toBe('Annie');
		expect(sims.marketo.store.getLead(leadId)!.firstName).toBe('Annie');
		// The sync's own write comes back from both triggers: nothing to do.
		const echo = await resolve([dynamicsItem('lead', id), marketoItem(leadId, ['microsoftSyncState'])]);
		expect(echo.ok.map((o) => o.action)).toEqual(['none', 'none']);
		expect(echo.ok[0].reason).toMatch(/echo/);
	});

	test('collision on a contact: Dynamics wins, Marketo gets Dynamics\' value (change arriving from Marketo)', async () => {
		const { id, leadId } = await linkedPair('contact', { firstname: 'Bo', lastname: 'Berg', emailaddress1: 'bo@example.com' });
		sims.dataverse.update('contact', id, { lastname: 'Bergström' });
		sims.marketo.uiUpdateLead(leadId, { lastName: 'Berg-Marketo' });

		const { ok } = await resolve([marketoItem(leadId, ['lastName'])]);
		expect(ok[0]).toMatchObject({ entity: 'contact', source: 'marketo', dynamicsId: id, marketoId: leadId, action: 'writeMarketo', toDynamics: {} });
		expect((ok[0].toMarketo as IDataObject).lastName).toBe('Bergström');
		expect(ok[0].collisions).toEqual([expect.objectContaining({ field: 'lastName', winner: 'dynamics', marketoValue: 'Berg-Marketo', dynamicsValue: 'Bergström' })]);

		await pipeline([marketoItem(leadId, ['lastName'])]);
		expect(sims.marketo.store.getLead(leadId)!.lastName).toBe('Bergström');
		const echo = await resolve([marketoItem(leadId, ['lastName'])]);
		expect(echo.ok[0].action).toBe('none');
	});

	test('non-colliding changes on both sides both survive', async () => {
		const { id, leadId } = await linkedPair('contact', { firstname: 'Cy', lastname: 'Cole', emailaddress1: 'cy@example.com', telephone1: '555-0100', jobtitle: 'Buyer' });
		sims.dataverse.update('contact', id, { telephone1: '555-0199' });
		sims.marketo.uiUpdateLead(leadId, { title: 'Head of Buying' });

		const { ok } = await resolve([dynamicsItem('contact', id)]);
		expect(ok[0].action).toBe('writeBoth');
		expect(ok[0].collisions).toEqual([]);
		expect(ok[0].toDynamics).toEqual({ jobtitle: 'Head of Buying' });
		// Marketo may get the phone before Dynamics has the title: that state keeps the title's old base.
		const early = parseSyncState((ok[0].toMarketo as IDataObject).microsoftSyncState)!;
		expect(Object.keys(ok[0].toMarketo as IDataObject)).toEqual(['phone', 'microsoftSyncState']);
		expect([early.f.phone, early.f.title]).toEqual([fingerprint('555-0199'), fingerprint('Buyer')]);
		expect(ok[0].merged).toMatchObject({ phone: '555-0199', title: 'Head of Buying', firstName: 'Cy' });

		const written = await pipeline([dynamicsItem('contact', id)]);
		expect(written.errors).toEqual([]);
		expect(written.marketo).toHaveLength(1);
		const row = sims.dataverse.store.get('contact', id)!;
		const lead = sims.marketo.store.getLead(leadId)!;
		expect([row.telephone1, row.jobtitle]).toEqual(['555-0199', 'Head of Buying']);
		expect([lead.phone, lead.title]).toEqual(['555-0199', 'Head of Buying']);
		// One Marketo write stored fields and the state of both sides.
		expect(parseSyncState(lead.microsoftSyncState)!.f).toEqual(parseSyncState(ok[0].syncState)!.f);
		expect((await resolve([dynamicsItem('contact', id)])).ok[0].action).toBe('none');
	});

	describe('a rejected write keeps its value where the user put it, is reported on every try, and is never reverted', () => {
		const long = 'Senior Vice President of International Strategic Partnerships, '.padEnd(206, 'x');
		const person = (leadId: number) => sims.marketo.store.getLead(leadId)!;
		const state = (leadId: number) => parseSyncState(person(leadId).microsoftSyncState)!;

		test('Dynamics rejects a Marketo title (plain lead); a later Dynamics phone change arrives without the title going back', async () => {
			const { id, leadId } = await linkedPair('lead', { firstname: 'Ola', lastname: 'Ort', emailaddress1: 'ola@example.com', jobtitle: 'Buyer' });
			sims.marketo.uiUpdateLead(leadId, { title: long });
			const first = await pipeline([marketoItem(leadId, ['title'])]);
			expect(first.errors.map((e) => e.error)).toEqual([expect.stringContaining('Dynamics column "jobtitle" is too long (206 characters; Dynamics allows 100)')]);
			expect(first.errors[0].details).toMatchObject({ field: 'jobtitle', marketoId: leadId, dynamicsId: id, activityLogged: true });
			expect(sims.dataverse.store.get('lead', id)!.jobtitle).toBe('Buyer');
			expect(state(leadId).f.title).toBe(fingerprint('Buyer'));
			expect(reports(leadId)).toBe(1);

			sims.dataverse.update('lead', id, { telephone1: '+31 20 000 0001' });
			const second = await pipeline([dynamicsItem('lead', id)]);
			expect(second.errors.map((e) => e.error)).toEqual([expect.stringContaining('"jobtitle" is too long')]);
			expect(person(leadId)).toMatchObject({ phone: '+31 20 000 0001', title: long });
			expect(sims.dataverse.store.get('lead', id)!.jobtitle).toBe('Buyer');
			expect(state(leadId).f).toMatchObject({ phone: fingerprint('+31 20 000 0001'), title: fingerprint('Buyer') });
			expect(reports(leadId)).toBe(2);
		});

		test('Dynamics rejects one column (checked before the write, or by Dataverse itself): the record\'s other columns are still written', async () => {
			const { id, leadId } = await linkedPair('lead', { firstname: 'Tor', lastname: 'Tell', emailaddress1: 'tor@example.com', jobtitle: 'Buyer' });
			sims.marketo.uiUpdateLead(leadId, { title: long, phone: '+31 20 000 0004' });
			const first = await pipeline([marketoItem(leadId, ['title', 'phone'])]);
			expect(first.errors.map((e) => e.error)).toEqual([expect.stringContaining('"jobtitle" is too long (206 characters; Dynamics allows 100); the record\'s other columns were written, jobtitle kept its Dynamics value')]);
			expect(sims.dataverse.store.get('lead', id)).toMatchObject({ telephone1: '+31 20 000 0004', jobtitle: 'Buyer' });
			expect(state(leadId).f).toMatchObject({ phone: fingerprint('+31 20 000 0004'), title: fingerprint('Buyer') });

			// Dataverse's own check: the last name a lead requires, emptied in Marketo.
			sims.marketo.uiUpdateLead(leadId, { lastName: null, city: 'Zwolle' });
			sims.dataverse.resetCounters();
			const second = await pipeline([marketoItem(leadId, ['lastName', 'city'])]);
			expect(second.errors.map((e) => e.error)).toEqual([expect.stringMatching(/"jobtitle" is too long.*; Dynamics rejected the lead \(column "lastname"\).*the record's other columns were written, jobtitle, lastname kept their Dynamics value/)]);
			expect(sims.dataverse.stats().byRoute['POST /$batch']).toBe(2);
			expect(sims.dataverse.store.get('lead', id)).toMatchObject({ address1_city: 'Zwolle', lastname: 'Tell' });
			expect(person(leadId)).toMatchObject({ city: 'Zwolle', title: long });
			expect(state(leadId).f).toMatchObject({ city: fingerprint('Zwolle'), lastName: fingerprint('Tell'), title: fingerprint('Buyer') });
			// One report per try of the record, naming both columns.
			expect(reports(leadId)).toBe(2);
		});

		test('a lead collision whose winner (Marketo) Dynamics rejects: both values stay, tried and reported again with the next change', async () => {
			const { id, leadId } = await linkedPair('lead', { firstname: 'Per', lastname: 'Pal', emailaddress1: 'per@example.com', jobtitle: 'Buyer' });
			sims.dataverse.update('lead', id, { jobtitle: 'Title set in Dynamics' });
			sims.marketo.uiUpdateLead(leadId, { title: long });
			const first = await pipeline([dynamicsItem('lead', id)]);
			expect(first.decisions[0].collisions).toEqual([expect.objectContaining({ field: 'title', winner: 'marketo' })]);
			expect(first.errors).toHaveLength(1);
			expect(sims.dataverse.store.get('lead', id)!.jobtitle).toBe('Title set in Dynamics');
			expect(state(leadId).f.title).toBe(fingerprint('Buyer'));

			sims.dataverse.update('lead', id, { telephone1: '+31 20 000 0002' });
			const second = await pipeline([dynamicsItem('lead', id)]);
			expect(second.errors).toHaveLength(1);
			expect(person(leadId)).toMatchObject({ phone: '+31 20 000 0002', title: long });
			expect(sims.dataverse.store.get('lead', id)!.jobtitle).toBe('Title set in Dynamics');
			expect(reports(leadId)).toBe(2);
		});

		test('a contact collision whose winner (Dynamics) Marketo rejects: the other fields still reach Marketo, the e-mail is reported each time', async () => {
			const { id, leadId } = await linkedPair('contact', { firstname: 'Rut', lastname: 'Rask', emailaddress1: 'rut@example.com' });
			sims.dataverse.update('contact', id, { emailaddress1: 'jörg@beispiel.de' });
			sims.marketo.uiUpdateLead(leadId, { email: 'rut.marketo@example.com' });
			const first = await pipeline([dynamicsItem('contact', id)]);
			expect(first.decisions[0].collisions).toEqual([expect.objectContaining({ field: 'email', winner: 'dynamics' })]);
			expect(first.errors.map((e) => e.error)).toEqual([expect.stringContaining('Marketo field "email": "jörg@beispiel.de" contains characters Marketo does not accept')]);
			expect(person(leadId).email).toBe('rut.marketo@example.com');
			expect(state(leadId).f.email).toBe(fingerprint('rut@example.com'));
			expect(reports(leadId)).toBe(1);

			sims.dataverse.update('contact', id, { telephone1: '+31 20 000 0003' });
			sims.marketo.resetCounters();
			const second = await pipeline([dynamicsItem('contact', id)]);
			expect(second.errors.map((e) => e.error)).toEqual([expect.stringContaining("the person's other fields were written, email kept its Marketo value")]);
			expect(second.marketo[0]).toMatchObject({ status: 'updated', notWritten: ['email'] });
			expect(person(leadId)).toMatchObject({ phone: '+31 20 000 0003', email: 'rut.marketo@example.com' });
			expect(sims.dataverse.store.get('contact', id)!.emailaddress1).toBe('jörg@beispiel.de');
			expect(state(leadId).f).toMatchObject({ phone: fingerprint('+31 20 000 0003'), email: fingerprint('rut@example.com') });
			expect(reports(leadId)).toBe(2);
		});

		test('Marketo itself rejects one field of a person: the person is written again without it, its state keeps that field\'s base', async () => {
			const { id, leadId } = await linkedPair('contact', { firstname: 'Uma', lastname: 'Udd', emailaddress1: 'uma@example.com', telephone1: '1' });
			sims.dataverse.update('contact', id, { telephone1: '+31 20 000 0005', address1_city: 'Zwolle' });
			// Marketo's answer for the first write: the person skipped for its phone (1003), nothing written.
			sims.marketo.server.faults.add({
				pathIncludes: '/rest/v1/leads.json',
				method: 'POST',
				responseCount: 1,
				response: { status: 200, body: { requestId: 'r', success: true, result: [{ status: 'skipped', reasons: [{ code: '1003', message: "Value for field 'phone' is not valid" }] }] } },
			});
			sims.marketo.resetCounters();
			const { errors, marketo } = await pipeline([dynamicsItem('contact', id)]);
			expect(errors.map((e) => e.error)).toEqual([expect.stringContaining("Marketo rejected the person: Value for field 'phone' is not valid (1003); the person's other fields were written, phone kept its Marketo value")]);
			expect(marketo[0]).toMatchObject({ status: 'updated', notWritten: ['phone'] });
			expect(person(leadId)).toMatchObject({ city: 'Zwolle', phone: '1' });
			expect(state(leadId).f).toMatchObject({ city: fingerprint('Zwolle'), phone: fingerprint('1') });
			expect(reports(leadId)).toBe(1);
			// The next try writes the phone (Marketo takes it this time).
			sims.dataverse.update('contact', id, { jobtitle: 'Buyer' });
			await pipeline([dynamicsItem('contact', id)]);
			expect(person(leadId)).toMatchObject({ phone: '+31 20 000 0005', title: 'Buyer' });
		});

		test('Marketo rejects after Dynamics took its write: the state moves only for what both hold, and nothing is reverted later', async () => {
			const { id, leadId } = await linkedPair('lead', { firstname: 'Sam', lastname: 'Sol', emailaddress1: 'sam@example.com' });
			sims.marketo.uiUpdateLead(leadId, { title: 'Title set in Marketo' });
			sims.dataverse.update('lead', id, { emailaddress1: 'jörg@beispiel.de' });
			const first = await pipeline([dynamicsItem('lead', id)]);
			expect(first.dynamics[0].dynamicsWrite).toMatchObject({ status: 'updated' });
			expect(sims.dataverse.store.get('lead', id)!.jobtitle).toBe('Title set in Marketo');
			expect(first.errors).toHaveLength(1);
			expect(person(leadId).email).toBe('sam@example.com');
			expect(state(leadId).f).toMatchObject({ email: fingerprint('sam@example.com'), title: fingerprint('Title set in Marketo') });

			sims.marketo.uiUpdateLead(leadId, { city: 'Zwolle' });
			const second = await pipeline([marketoItem(leadId, ['city'])]);
			expect(second.errors).toHaveLength(1);
			expect(sims.dataverse.store.get('lead', id)).toMatchObject({ address1_city: 'Zwolle', emailaddress1: 'jörg@beispiel.de', jobtitle: 'Title set in Marketo' });
			expect(person(leadId)).toMatchObject({ email: 'sam@example.com', title: 'Title set in Marketo', city: 'Zwolle' });
			expect(state(leadId).f.email).toBe(fingerprint('sam@example.com'));
			expect(reports(leadId)).toBe(2);
		});
	});

	test('workflows saved with both upserts side by side: Upsert into Dynamics writes each person to Dynamics, then once to Marketo; the other upsert leaves them', async () => {
		const long = 'Head of '.padEnd(150, 'x');
		const { id, leadId } = await linkedPair('contact', { firstname: 'Vi', lastname: 'Vik', emailaddress1: 'vi@example.com', jobtitle: 'Buyer' });
		sims.marketo.uiUpdateLead(leadId, { title: 'Head of Buying' });
		sims.dataverse.update('contact', id, { telephone1: '555-0101' });
		sims.marketo.resetCounters();
		const ok = await sideBySide([dynamicsItem('contact', id)]);
		expect(ok.errors).toEqual([]);
		expect(ok.marketo[0]).toMatchObject({ status: 'skipped', reason: expect.stringContaining('Written by "To Dynamics"') });
		expect(sims.marketo.stats().byRoute['POST /rest/v1/leads.json']).toBe(1);
		expect(sims.dataverse.store.get('contact', id)!.jobtitle).toBe('Head of Buying');
		const person = sims.marketo.store.getLead(leadId)!;
		expect(person.phone).toBe('555-0101');
		expect(parseSyncState(person.microsoftSyncState)!.f).toMatchObject({ title: fingerprint('Head of Buying'), phone: fingerprint('555-0101') });

		sims.marketo.uiUpdateLead(leadId, { title: long });
		const rejected = await sideBySide([marketoItem(leadId, ['title'])]);
		expect(rejected.errors.map((e) => e.error)).toEqual([expect.stringContaining('"jobtitle" is too long')]);
		expect(parseSyncState(sims.marketo.store.getLead(leadId)!.microsoftSyncState)!.f.title).toBe(fingerprint('Head of Buying'));
		expect(sims.marketo.store.getLead(leadId)!.title).toBe(long);
		expect(sims.dataverse.store.get('contact', id)!.jobtitle).toBe('Head of Buying');
	});

	test('echo: a change equal to the stored state yields none, from either side', async () => {
		const { id, leadId } = await linkedPair('lead', { firstname: 'Di', lastname: 'Dahl', emailaddress1: 'di@example.com' });
		const { ok } = await resolve([dynamicsItem('lead', id), marketoItem(leadId, ['firstName'])]);
		expect(ok.map((o) => o.action)).toEqual(['none', 'none']);
		expect(ok.map((o) => o.toMarketo)).toEqual([{}, {}]);
		expect(ok.map((o) => o.toDynamics)).toEqual([{}, {}]);
	});

	test('a first sync of an existing pair stores the state once, then goes quiet', async () => {
		const row = sims.dataverse.create('lead', { firstname: 'Eve', lastname: 'Ek', emailaddress1: 'eve@example.com', subject: 'Demo' });
		const person = sims.marketo.uiCreateLead({ firstName: 'Eve', lastName: 'Ek', email: 'eve@example.com', microsoftId: row.leadid, microsoftType: 'Lead', microsoftTopic: 'Demo', city: 'Oslo' });
		const first = await resolve([dynamicsItem('lead', row.leadid as string)]);
		// Dynamics lacks the city, Marketo lacks Dynamics' defaults (consent flags, status): each side fills the other.
		expect(first.ok[0]).toMatchObject({ action: 'writeBoth', toDynamics: { address1_city: 'Oslo' }, collisions: [] });
		expect(first.ok[0].toMarketo).toMatchObject({ doNotCall: false, leadStatus: 0 });
		await pipeline([dynamicsItem('lead', row.leadid as string)]);
		expect(sims.dataverse.store.get('lead', row.leadid as string)!.address1_city).toBe('Oslo');
		const second = await resolve([dynamicsItem('lead', row.leadid as string), marketoItem(person.id)]);
		expect(second.ok.map((o) => o.action)).toEqual(['none', 'none']);
	});

	test('a Dynamics record without a Marketo person is created in Marketo; a Marketo-only person is skipped', async () => {
		const row = sims.dataverse.create('lead', { firstname: 'Fay', lastname: 'Fox', emailaddress1: 'fay@example.com', subject: 'Webinar' });
		const loner = sims.marketo.uiCreateLead({ firstName: 'Gus', lastName: 'Gray', email: 'gus@example.com' });
		const { ok } = await resolve([dynamicsItem('lead', row.leadid as string), marketoItem(loner.id, ['firstName'])]);

		expect(ok[0]).toMatchObject({ action: 'createInMarketo', entity: 'lead', dynamicsId: row.leadid, marketoId: null });
		const toMarketo = ok[0].toMarketo as IDataObject;
		expect(toMarketo).toMatchObject({ firstName: 'Fay', lastName: 'Fox', email: 'fay@example.com', microsoftTopic: 'Webinar', microsoftId: row.leadid, microsoftType: 'Lead' });
		expect(parseSyncState(toMarketo.microsoftSyncState)!.f.email).toBe(fingerprint('fay@example.com'));

		expect(ok[1]).toMatchObject({ action: 'skip', source: 'marketo', marketoId: loner.id, dynamicsId: null });
		expect(ok[1].reason).toBe('not in Dynamics: use Sync Person to Microsoft');
	});

	test('sync filter No: skipped from either side, the Marketo person left as it is', async () => {
		const { id, leadId } = await linkedPair('contact', { firstname: 'Hal', lastname: 'Hill', emailaddress1: 'hal@example.com' });
		sims.dataverse.update('contact', id, { new_synctomkto: false, firstname: 'Halvard' });
		const fromTrigger = dynamicsItem('contact', id);
		expect(fromTrigger.syncFilter).toBe(false);
		const plainRow = { ...dynamicsItem('contact', id), syncFilter: null };
		const { ok } = await resolve([fromTrigger, plainRow, marketoItem(leadId, ['firstName'])]);
		expect(ok.map((o) => o.action)).toEqual(['skip', 'skip', 'skip']);
		for (const o of ok) expect(o.reason).toMatch(/sync filter \(new_synctomkto\).* is No/);
		expect(sims.marketo.store.getLead(leadId)!.firstName).toBe('Hal');

		// No → Yes: syncs again at once.
		sims.dataverse.update('contact', id, { new_synctomkto: true });
		const again = await resolve([dynamicsItem('contact', id)]);
		expect(again.ok[0]).toMatchObject({ action: 'writeMarketo' });
		expect((again.ok[0].toMarketo as IDataObject).firstName).toBe('Halvard');
	});

	test.each([
		['T/T: keeps syncing', true, true],
		['F/F: keeps not syncing', false, false],
		['loser F + winner T: the winner syncs', false, true],
		['loser T + winner F: the winner does not sync', true, false],
	])('Dynamics merge %s (the winner\'s filter decides)', async (_label, loserSyncs, winnerSyncs) => {
		const winner = await linkedPair('lead', { firstname: 'Win', lastname: 'Ner', emailaddress1: 'winner@example.com' });
		const loser = await linkedPair('lead', { firstname: 'Lou', lastname: 'Ser', emailaddress1: 'loser@example.com' });
		sims.dataverse.update('lead', winner.id, { new_synctomkto: winnerSyncs, jobtitle: 'After merge' });
		sims.dataverse.update('lead', loser.id, { new_synctomkto: loserSyncs });
		sims.dataverse.merge('lead', winner.id, loser.id);

		const { ok } = await resolve([dynamicsItem('lead', loser.id), dynamicsItem('lead', winner.id), marketoItem(loser.leadId)]);
		expect(ok[0]).toMatchObject({ action: 'mergedAway', dynamicsId: loser.id, marketoId: loser.leadId, mergedInto: winner.id, winnerSyncs });
		expect(ok[0].toMarketo).toEqual({ microsoftIsDeleted: true });
		// The same verdict when the loser's person changes in Marketo.
		expect(ok[2]).toMatchObject({ action: 'mergedAway', source: 'marketo', mergedInto: winner.id, winnerSyncs });
		if (winnerSyncs) {
			expect(ok[1]).toMatchObject({ action: 'writeMarketo', marketoId: winner.leadId });
			expect((ok[1].toMarketo as IDataObject).title).toBe('After merge');
		} else {
			expect(ok[1]).toMatchObject({ action: 'skip' });
			expect(ok[1].reason).toMatch(/sync filter/);
		}
	});

	test('most recent change wins and per-field owners, when chosen', async () => {
		const { id, leadId } = await linkedPair('lead', { firstname: 'Ida', lastname: 'Isaksen', emailaddress1: 'ida@example.com', telephone1: '1' });
		sims.marketo.uiUpdateLead(leadId, { firstName: 'Ida M', phone: '2' });
		sims.dataverse.advanceClock(60_000);
		sims.dataverse.update('lead', id, { firstname: 'Ida D', telephone1: '3' });

		const mostRecent = await resolve([dynamicsItem('lead', id)], { leadRule: 'mostRecent' });
		expect(mostRecent.ok[0].collisions).toEqual([
			expect.objectContaining({ field: 'firstName', winner: 'dynamics', reason: expect.stringContaining('Dynamics changed it last') }),
			expect.objectContaining({ field: 'phone', winner: 'dynamics' }),
		]);
		expect(mostRecent.ok[0].toMarketo).toMatchObject({ firstName: 'Ida D', phone: '3' });

		const perField = await resolve([dynamicsItem('lead', id)], { leadRule: 'perField', fieldOwners: { owner: [{ field: 'phone', system: 'dynamics' }] } });
		expect(perField.ok[0].toMarketo).toMatchObject({ phone: '3' });
		expect(perField.ok[0].toDynamics).toEqual({ firstname: 'Ida M' });
	});

	test('only the selected fields are compared', async () => {
		const { id, leadId } = await linkedPair('contact', { firstname: 'Jo', lastname: 'Juul', emailaddress1: 'jo@example.com' });
		sims.marketo.uiUpdateLead(leadId, { firstName: 'Joanna', lastName: 'Juul-Berg' });
		const { ok } = await resolve([marketoItem(leadId, ['firstName', 'lastName'])], { fieldSelection: 'selected', fields: ['lastName'] });
		expect(ok[0].toDynamics).toEqual({ lastname: 'Juul-Berg' });
		expect(Object.keys(ok[0].merged as IDataObject)).toEqual(['lastName']);
		void id;
	});

	test.each([
		['version 2: the shared Extra Field Mappings', 2, { extraMappings: { mapping: [{ marketo: 'region', dynamics: 'new_region' }, { marketo: 'crmScore', dynamics: 'new_score', direction: 'toMarketo' }] } }],
		['version 1 (saved workflows): its Additional Fields', 1, { additionalFields: { field: [{ marketoField: 'region', dynamicsColumn: 'new_region' }, { marketoField: 'crmScore', dynamicsColumn: 'new_score', direction: 'toMarketo' }] } }],
	])('extra field pairs, %s: both ways, or Dynamics to Marketo only', async (_label, typeVersion, options) => {
		for (const logicalName of ['new_region', 'new_score']) sims.dataverse.store.addColumn('lead', { logicalName, type: 'String', maxLength: 100 });
		for (const name of ['region', 'crmScore']) sims.marketo.store.addLeadField({ name, dataType: 'string', length: 255 });
		clearMetadataCache();
		clearDescribeCache();
		const { id, leadId } = await linkedPair('lead', { firstname: 'Oda', lastname: 'Olsen', emailaddress1: 'oda@example.com' });
		sims.dataverse.update('lead', id, { new_score: '7' });
		sims.marketo.uiUpdateLead(leadId, { region: 'North', crmScore: '99' });
		const result = await engine.run([{ name: 'Resolve', type: 'resolveConflict', typeVersion, parameters: { operation: 'resolve', options } as never, credentials, onError: 'continueErrorOutput' }], {
			input: [marketoItem(leadId, ['region', 'crmScore'])],
		});
		expect(result.error).toBeUndefined();
		expect(result.output('Resolve', 1)).toEqual([]);
		const [decision] = result.output('Resolve', 0).map((i) => i.json as IDataObject);
		// Marketo's region goes to Dynamics; the one-way score is Dynamics' and never written there.
		expect(decision.toDynamics).toEqual({ new_region: 'North' });
		expect(decision.toMarketo).toMatchObject({ crmScore: '7' });
	});

	test('bad items go to the error output, named; the rest goes through', async () => {
		const { id } = await linkedPair('lead', { firstname: 'Kim', lastname: 'Kro', emailaddress1: 'kim@example.com' });
		const { ok, errors, result } = await resolve([{ table: 'account', id, fields: {} }, { something: 'else' }, dynamicsItem('lead', id)]);
		expect(errors.map((e) => e.error)).toEqual([
			expect.stringMatching(/^Item 1: .*"account" records sync one way with Sync Records to Marketo/),
			expect.stringMatching(/^Item 2: cannot tell where this change comes from/),
		]);
		expect(result.output('Resolve', 1).map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(errors.map((e) => e.details)).toEqual([
			{ source: 'input', itemIndex: 0 },
			{ field: 'id', source: 'input', itemIndex: 1 },
		]);
		expect(ok).toHaveLength(1);
		expect(ok[0].action).toBe('none');
	});

	test('without "continue on error", a bad item stops the node with an error naming it', async () => {
		const result = await engine.run(
			[
				{
					name: 'Resolve',
					type: 'resolveConflict',
					parameters: { operation: 'resolve' },
					credentials: { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } },
				},
			],
			{ input: [{ table: 'lead', id: 'nope', fields: {} }] },
		);
		expect(result.error?.message).toBe('Item 1: "nope" is not a Dynamics lead ID (GUID expected in field "id")');
	});

	test('without the sync state field in Marketo, each item says which field to create', async () => {
		const row = sims.dataverse.create('lead', { firstname: 'Lia', lastname: 'Lund', emailaddress1: 'lia@example.com' });
		sims.marketo.store.removeLeadField('microsoftSyncState');
		const { ok, errors } = await resolve([dynamicsItem('lead', row.leadid as string)]);
		expect(ok).toEqual([]);
		expect(errors[0].error).toMatch(new RegExp(`^Item 1 \\(Dynamics lead ${row.leadid}\\): Marketo has no person field "microsoftSyncState"`));
	});

	test('a Marketo failure reaches the error output, naming the item', async () => {
		const row = sims.dataverse.create('contact', { firstname: 'Mo', lastname: 'Moe', emailaddress1: 'mo@example.com' });
		sims.marketo.server.faults.add({
			pathIncludes: '/rest/v1/leads.json',
			responseCount: 1,
			response: { status: 200, body: { requestId: 'f', success: false, errors: [{ code: '603', message: 'Access denied' }] } },
		});
		const { ok, errors } = await resolve([dynamicsItem('contact', row.contactid as string)]);
		expect(ok).toEqual([]);
		expect(errors[0].error).toMatch(new RegExp(`^Item 1 \\(Dynamics contact ${row.contactid}\\): Could not look up the Marketo persons: Marketo: Access denied \\(603\\)`));
	});

	test('more than 300 changes: persons are looked up in batches of 300', async () => {
		const items: IDataObject[] = [];
		for (let i = 0; i < 310; i++) {
			const row = sims.dataverse.create('contact', { firstname: `P${i}`, lastname: 'Bulk', emailaddress1: `p${i}@example.com` });
			if (i % 2 === 0) sims.marketo.uiCreateLead({ firstName: `P${i}`, lastName: 'Bulk', email: `p${i}@example.com`, microsoftId: row.contactid, microsoftType: 'Contact' });
			items.push(dynamicsItem('contact', row.contactid as string));
		}
		sims.marketo.resetCounters();
		const { ok } = await resolve(items);
		expect(ok).toHaveLength(310);
		expect(ok.filter((o) => o.action === 'createInMarketo')).toHaveLength(155);
		// Existing pairs, never synced: Marketo gets what only Dynamics has, and the state.
		const existing = ok.filter((o) => o.action === 'writeMarketo');
		expect(existing).toHaveLength(155);
		for (const o of existing) expect(o.toMarketo).toMatchObject({ unsubscribed: false, microsoftSyncState: o.syncState });
		const leadQueries = Object.entries(sims.marketo.stats().byRoute).filter(([route]) => /leads/.test(route) && !/describe/.test(route));
		expect(leadQueries.reduce((n, [, count]) => n + count, 0)).toBe(2);
	}, 60_000);
});
