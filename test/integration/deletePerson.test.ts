import type { IDataObject } from 'n8n-workflow';

import { DeletePerson } from '../../nodes/DeletePerson/DeletePerson.node';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import { DYN_CLIENT, MKTO_CLIENT, type Simulators } from '../helpers/simulators';

/**
 * Delete Person in n8n's real engine against the simulators: both directions, every policy,
 * already-gone records, batches over 300, bad input.
 */
describe('Delete Person node', () => {
	let sims: Simulators;
	let engine: TestEngine;

	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };
	const run = async (parameters: IDataObject, input: IDataObject[], onError: NodeSpec['onError'] = 'continueErrorOutput') => {
		const result = await engine.run([{ name: 'Delete', type: 'deletePerson', parameters: parameters as NodeSpec['parameters'], credentials, onError }], { input });
		const text = JSON.stringify(result.run.data.resultData);
		for (const secret of [DYN_CLIENT.clientSecret, MKTO_CLIENT.clientSecret]) expect(text).not.toContain(secret);
		return { result, ok: result.output('Delete', 0), failed: result.output('Delete', 1) };
	};
	const guid = (n: number) => `0000${n.toString(16).padStart(4, '0')}-aaaa-4bbb-8ccc-${n.toString(16).padStart(12, '0')}`;
	/** A deleted item of the Dynamics 365 Trigger. */
	const dynamicsDeleted = (table: 'lead' | 'contact', id: string): IDataObject => ({ table, id, operation: 'deleted', modifiedon: null, modifiedBy: null, fields: {}, syncFilter: null, changeDetection: 'changeTracking' });
	/** A deleted item of the Marketo Trigger. */
	const marketoDeleted = (leadId: number, microsoftId: string | null = null): IDataObject => ({ leadId, operation: 'deleted', changedFields: {}, activityDate: '2025-03-01T10:00:00Z', current: null, microsoftId, sources: ['Marketo UI'] });
	const mkLead = (id: number) => sims.marketo.store.getLead(id) as unknown as IDataObject | undefined;
	const mkCreate = (fields: IDataObject) => sims.marketo.uiCreateLead(fields) as unknown as IDataObject & { id: number };
	const dvCreate = (table: string, row: IDataObject) => sims.dataverse.create(table, row) as IDataObject;

	simulatorSuite(() => new TestEngine({ deletePerson: new DeletePerson() }), (suite) => ({ sims, engine } = suite));

	describe('Dynamics → Marketo', () => {
		test('defaults: the linked person is flagged Microsoft Is Deleted and kept (native)', async () => {
			const person = mkCreate({ email: 'flag@example.test', lastName: 'Flag', microsoftId: guid(1), microsoftType: 'Lead', microsoftIsDeleted: false });
			const bystander = mkCreate({ email: 'other@example.test', lastName: 'Other', microsoftId: guid(2), microsoftType: 'Lead' });
			const { ok, failed } = await run({}, [dynamicsDeleted('lead', guid(1))]);
			expect(failed).toHaveLength(0);
			expect(ok[0].json).toEqual({ status: 'flagged', dynamicsId: guid(1), personType: 'Lead', marketoId: person.id, marketoIds: [person.id] });
			expect(ok[0].pairedItem).toEqual({ item: 0 });
			expect(mkLead(person.id)).toMatchObject({ microsoftIsDeleted: true, email: 'flag@example.test' });
			expect(mkLead(bystander.id)!.microsoftIsDeleted ?? null).toBeNull();
		});

		test('no linked person, or a person linked as the other type: skipped', async () => {
			mkCreate({ email: 'contact@example.test', lastName: 'C', microsoftId: guid(3), microsoftType: 'Contact' });
			const { ok } = await run({}, [dynamicsDeleted('lead', guid(3)), dynamicsDeleted('contact', guid(4))]);
			expect(ok.map((i) => i.json.status)).toEqual(['skipped', 'skipped']);
			expect(String(ok[0].json.reason)).toContain('No Marketo person is linked');
			expect(ok[1].json.marketoIds).toEqual([]);
		});

		test('policy "Delete the Person": the person is deleted; a repeated delete event is alreadyDeleted', async () => {
			const person = mkCreate({ email: 'gone@example.test', lastName: 'Gone', microsoftId: guid(5), microsoftType: 'Contact' });
			const { ok, failed } = await run({ policy: 'delete' }, [dynamicsDeleted('contact', guid(5)), dynamicsDeleted('contact', guid(5))]);
			expect(failed).toHaveLength(0);
			expect(ok.map((i) => i.json.status)).toEqual(['deleted', 'alreadyDeleted']);
			expect(ok[0].json).toMatchObject({ marketoId: person.id, dynamicsId: guid(5), personType: 'Contact' });
			expect(mkLead(person.id)).toBeUndefined();
			// The next run finds nobody linked any more: still a success.
			const again = await run({ policy: 'delete' }, [dynamicsDeleted('contact', guid(5))]);
			expect(again.ok[0].json.status).toBe('skipped');
			expect(again.failed).toHaveLength(0);
		});

		test('350 deletes: look-ups, flags and deletes go to Marketo in calls of at most 300', async () => {
			const persons = Array.from({ length: 350 }, (_, n) => mkCreate({ email: `d${n}@example.test`, lastName: `D ${n}`, microsoftId: guid(100 + n), microsoftType: 'Lead' }));
			sims.marketo.resetCounters();
			const flagged = await run({}, persons.map((_, n) => dynamicsDeleted('lead', guid(100 + n))));
			expect(flagged.ok).toHaveLength(350);
			expect(flagged.ok.every((i) => i.json.status === 'flagged')).toBe(true);
			expect(persons.every((p) => mkLead(p.id)!.microsoftIsDeleted === true)).toBe(true);
			let routes = sims.marketo.stats().byRoute;
			expect(routes['GET /rest/v1/leads.json']).toBe(2);
			expect(routes['POST /rest/v1/leads.json']).toBe(2);
			sims.marketo.resetCounters();
			const deleted = await run({ policy: 'delete' }, persons.map((_, n) => dynamicsDeleted('lead', guid(100 + n))));
			expect(deleted.ok.every((i) => i.json.status === 'deleted')).toBe(true);
			expect(deleted.ok[349].pairedItem).toEqual({ item: 349 });
			routes = sims.marketo.stats().byRoute;
			expect(routes['POST /rest/v1/leads/delete.json']).toBe(2);
			expect(sims.marketo.store.leads.size).toBe(0);
		});

		test('a bad record ID goes to the error output naming item and field; the others are handled', async () => {
			const person = mkCreate({ email: 'ok@example.test', lastName: 'Ok', microsoftId: guid(6), microsoftType: 'Lead' });
			const { ok, failed } = await run({}, [{ table: 'lead', id: "x' or 1 eq 1", operation: 'deleted' }, dynamicsDeleted('lead', guid(6)), { table: 'lead', operation: 'deleted' }]);
			expect(ok.map((i) => [i.pairedItem, i.json.status])).toEqual([[{ item: 1 }, 'flagged']]);
			expect(failed.map((i) => [i.pairedItem, i.json.error])).toEqual([
				[{ item: 0 }, `Item 1 (Dynamics ID x' or 1 eq 1): "x' or 1 eq 1" is not a Dynamics record ID (GUID)`],
				[{ item: 2 }, 'Item 3: No Dynamics record ID: the deleted record cannot be identified'],
			]);
			expect((failed[0].json.details as IDataObject).field).toBe('dynamicsId');
			expect(mkLead(person.id)!.microsoftIsDeleted).toBe(true);
		});
	});

	describe('Marketo → Dynamics', () => {
		const toDynamics = (extra: IDataObject = {}) => ({ direction: 'marketoToDynamics', ...extra });

		test('defaults: a Marketo delete is ignored (native) and Dynamics is not touched', async () => {
			const row = dvCreate('lead', { lastname: 'Stays', emailaddress1: 'stays@example.test' });
			sims.dataverse.resetCounters();
			const { ok } = await run(toDynamics(), [marketoDeleted(42, row.leadid as string)]);
			expect(ok[0].json).toEqual({ status: 'ignored', reason: 'Marketo deletes are not carried to Dynamics (policy "Ignore", as the native sync does)', marketoId: 42 });
			expect(sims.dataverse.store.get('lead', row.leadid as string)).toBeDefined();
			expect(sims.dataverse.stats().calls).toBe(0);
		});

		test('policy "Delete in Dynamics 365": lead and contact deleted; already gone is a success', async () => {
			const lead = dvCreate('lead', { lastname: 'L', emailaddress1: 'l@example.test' });
			const contact = dvCreate('contact', { lastname: 'C', emailaddress1: 'c@example.test' });
			const gone = dvCreate('lead', { lastname: 'G', emailaddress1: 'g@example.test' });
			sims.dataverse.delete('lead', gone.leadid as string);
			const { ok, failed } = await run(toDynamics({ policy: 'deleteInDynamics' }), [
				marketoDeleted(1, lead.leadid as string),
				{ ...marketoDeleted(2, contact.contactid as string), current: { microsoftType: 'Contact' } },
				marketoDeleted(3, gone.leadid as string),
			]);
			expect(failed).toHaveLength(0);
			expect(ok.map((i) => i.json)).toEqual([
				{ status: 'deleted', marketoId: 1, dynamicsId: lead.leadid, personType: 'Lead' },
				{ status: 'deleted', marketoId: 2, dynamicsId: contact.contactid, personType: 'Contact' },
				{ status: 'alreadyDeleted', marketoId: 3, dynamicsId: gone.leadid, reason: 'The Dynamics record was already deleted' },
			]);
			expect(sims.dataverse.store.get('lead', lead.leadid as string)).toBeUndefined();
			expect(sims.dataverse.store.get('contact', contact.contactid as string)).toBeUndefined();
		});

		test('the Microsoft ID is read from the person while Marketo still has it; unknown means skipped', async () => {
			const contact = dvCreate('contact', { lastname: 'Read', emailaddress1: 'read@example.test' });
			const person = mkCreate({ email: 'read@example.test', lastName: 'Read', microsoftId: contact.contactid, microsoftType: 'Contact' });
			const { ok } = await run(toDynamics({ policy: 'deleteInDynamics' }), [{ leadId: person.id }, marketoDeleted(777)]);
			expect(ok[0].json).toEqual({ status: 'deleted', marketoId: person.id, dynamicsId: contact.contactid, personType: 'Contact' });
			expect(ok[1].json).toEqual({ status: 'skipped', reason: 'No Dynamics record is linked to this person (Microsoft ID unknown)', marketoId: 777 });
			expect(sims.dataverse.store.get('contact', contact.contactid as string)).toBeUndefined();
		});

		test('a bad Microsoft ID or lead ID goes to the error output; without it the node fails with the item index', async () => {
			const row = dvCreate('lead', { lastname: 'Kept', emailaddress1: 'kept@example.test' });
			const { ok, failed } = await run(toDynamics({ policy: 'deleteInDynamics' }), [marketoDeleted(5, 'nope'), { leadId: 'x1' }, marketoDeleted(6, row.leadid as string)]);
			expect(ok.map((i) => [i.pairedItem, i.json.status])).toEqual([[{ item: 2 }, 'deleted']]);
			expect(failed.map((i) => i.json.error)).toEqual(['Item 1 (Marketo lead 5, Dynamics ID nope): "nope" is not a Dynamics record ID (GUID)', 'Item 2: "x1" is not a Marketo lead ID (a positive whole number)']);
			expect(failed.map((i) => (i.json.details as IDataObject).field)).toEqual(['dynamicsId', 'leadId']);
			const stopped = await run(toDynamics({ policy: 'deleteInDynamics' }), [marketoDeleted(7, 'nope')], 'stopWorkflow');
			expect(stopped.result.error?.message).toBe('Item 1 (Marketo lead 7, Dynamics ID nope): "nope" is not a Dynamics record ID (GUID)');
		});
	});
});
