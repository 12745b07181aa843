import { createRequire } from 'node:module';

import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { DeletePerson } from '../../nodes/DeletePerson/DeletePerson.node';
import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { clearTokenCache } from '../../nodes/transport/entraToken';
import { clearDescribeCache } from '../../nodes/transport/marketoApi';
import { TestEngine } from '../harness/engine';
import { startSimulators, type Simulators } from '../helpers/simulators';

/**
 * A resync is a reconciliation: a lead deleted in Dynamics while the trigger's change-tracking
 * token was expired never comes as a delete item. The Dynamics 365 Trigger (real PollContext) closes
 * the resync with a reconcile item; as the template wires it ("Deleted in Dynamics?" IF on
 * `$json.operation` equals "deleted"), it goes to Delete Person (Dynamics → Marketo, real engine),
 * which flags the Marketo persons whose Dynamics row is gone and leaves the others untouched.
 */
describe('Resync reconciliation: Dynamics 365 Trigger → Deleted in Dynamics? → Delete Person', () => {
	let sims: Simulators;
	let engine: TestEngine;
	const credentials = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };

	/** What the nodes wrote to n8n's log (`this.logger` is n8n's Logger from its DI container). */
	const logLines: string[] = [];
	const capture = (level: string) => (message: string) => logLines.push(`${level} ${message}`);

	beforeAll(async () => {
		sims = await startSimulators();
		const logger = { error: capture('error'), warn: capture('warn'), info: capture('info'), debug: capture('debug'), scoped: () => logger };
		// n8n-core resolves its Logger from its own copy of @n8n/di and @n8n/backend-common.
		const fromCore = (name: string) => createRequire(require.resolve('n8n-core'))(name) as IDataObject;
		const { Container } = fromCore('@n8n/di') as { Container: { set: (type: unknown, value: unknown) => void } };
		Container.set(fromCore('@n8n/backend-common').Logger, logger);
	});
	afterAll(async () => {
		await sims.stop();
	});
	beforeEach(() => {
		clearTokenCache();
		clearMetadataCache();
		clearDescribeCache();
		sims.marketo.reset();
		sims.dataverse.reset();
		engine = new TestEngine({ dynamicsTrigger: new DynamicsTrigger(), deletePerson: new DeletePerson() });
		engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
	});

	const json = (items: INodeExecutionData[] | null): IDataObject[] => (items ?? []).map((i) => i.json);
	const mkLead = (id: number) => sims.marketo.store.getLead(id) as unknown as IDataObject;
	const linkedPerson = (email: string, microsoftId: string, type: 'Lead' | 'Contact') =>
		sims.marketo.uiCreateLead({ email, lastName: email.split('@')[0], microsoftId, microsoftType: type, microsoftIsDeleted: false }) as unknown as IDataObject & { id: number };

	/** The template's "Deleted in Dynamics?" IF: `{{ $json.operation }}` equals "deleted" (true branch). */
	const deletedBranch = (items: IDataObject[]) => items.filter((i) => i.operation === 'deleted');

	const deletePerson = async (input: IDataObject[], parameters: IDataObject = {}) => {
		const result = await engine.run([{ name: 'Flag deleted persons in Marketo', type: 'deletePerson', parameters: { direction: 'dynamicsToMarketo', ...parameters } as never, credentials, onError: 'continueErrorOutput' }], { input });
		return { ok: json(result.output('Flag deleted persons in Marketo', 0)), failed: json(result.output('Flag deleted persons in Marketo', 1)) };
	};

	test('a lead deleted while the change-tracking token was expired ends flagged; persons whose rows exist are untouched', async () => {
		const dv = sims.dataverse;
		const kept = dv.create('lead', { lastname: 'Kept', emailaddress1: 'kept@example.test' }).leadid as string;
		const doomed = dv.create('lead', { lastname: 'Doomed', emailaddress1: 'doomed@example.test' }).leadid as string;
		const contact = dv.create('contact', { lastname: 'Contact', emailaddress1: 'contact@example.test' }).contactid as string;
		const keptPerson = linkedPerson('kept@example.test', kept, 'Lead');
		const doomedPerson = linkedPerson('doomed@example.test', doomed, 'Lead');
		// A contact's person: a lead reconciliation must not judge it by the lead table.
		const contactPerson = linkedPerson('contact@example.test', contact, 'Contact');
		// Other Marketo persons (not linked) are never touched either.
		const unlinked = sims.marketo.uiCreateLead({ email: 'marketo-only@example.test', lastName: 'Only' }) as unknown as { id: number };

		const trigger = engine.poller({ name: 'Dynamics 365 Trigger (leads)', type: 'dynamicsTrigger', parameters: { table: 'lead' }, credentials: { microsoftDynamicsApi: credentials.microsoftDynamicsApi } }, {});
		for (let i = 0; i < 10 && (trigger.state.cursor as IDataObject | undefined)?.phase !== 'changes'; i++) await trigger.poll();
		expect((trigger.state.cursor as IDataObject).phase).toBe('changes');

		// The sync was off longer than Dynamics keeps changes; meanwhile the lead was deleted.
		dv.expireDeltaTokens();
		dv.advanceClock(2000);
		dv.delete('lead', doomed);

		const resync = json(await trigger.poll());
		expect(resync.filter((i) => i.operation === 'created').map((i) => i.id)).toEqual([kept]);
		const toDelete = deletedBranch(resync);
		expect(toDelete).toEqual([expect.objectContaining({ table: 'lead', reconcile: true, resync: true })]);

		const { ok, failed } = await deletePerson(toDelete);
		expect(failed).toEqual([]);
		expect(ok).toEqual([
			{ status: 'reconciled', table: 'lead', personType: 'Lead', linkedPersons: 2, missingInDynamics: 1, flagged: 1, dynamicsIds: [doomed], marketoIds: [doomedPerson.id] },
		]);
		expect(mkLead(doomedPerson.id)).toMatchObject({ microsoftIsDeleted: true, email: 'doomed@example.test' });
		expect(mkLead(keptPerson.id).microsoftIsDeleted).toBe(false);
		expect(mkLead(contactPerson.id).microsoftIsDeleted).toBe(false);
		expect(mkLead(unlinked.id).microsoftIsDeleted ?? null).toBeNull();
		// In n8n's log: the resync (trigger) and what the reconciliation did (Delete Person).
		expect(logLines.join('\n')).toMatch(/full resync started \(the change-tracking token expired/);
		expect(logLines.join('\n')).toMatch(/full resync since .* complete/);
		expect(logLines.join('\n')).toMatch(/reconciled lead after a full copy of the Dynamics table: 2 linked person\(s\), 1 no longer in Dynamics, flagged 1/);

		// Run again (a journal replay of the same batch): nothing new to flag, still a success.
		const again = await deletePerson(toDelete);
		expect(again.ok[0]).toMatchObject({ status: 'reconciled', linkedPersons: 2, missingInDynamics: 0, flagged: 0 });
	});

	test('policy "Delete the Person" deletes the person of the vanished row; one $batch checks hundreds of links', async () => {
		const dv = sims.dataverse;
		dv.seedRows('lead', 400, (i) => ({ lastname: `Lead ${i}`, emailaddress1: `lead${i}@example.test` }));
		const rows = dv.store.all('lead');
		const persons = rows.map((r) => linkedPerson(String(r.emailaddress1), String(r.leadid), 'Lead'));
		const gone = String(rows[123].leadid);
		dv.delete('lead', gone);
		dv.resetCounters();

		const { ok, failed } = await deletePerson([{ table: 'lead', id: '', operation: 'deleted', reconcile: true }], { policy: 'delete' });
		expect(failed).toEqual([]);
		expect(ok[0]).toMatchObject({ status: 'reconciled', linkedPersons: 400, missingInDynamics: 1, deleted: 1, dynamicsIds: [gone], marketoIds: [persons[123].id] });
		expect(sims.marketo.store.getLead(persons[123].id)).toBeUndefined();
		expect(sims.marketo.store.getLead(persons[122].id)).toBeDefined();
		// 400 ids in 50-id GET parts: one $batch, not eight queries.
		expect(dv.stats().calls).toBeLessThanOrEqual(2);
	});

	test('without the Dynamics credential the reconciliation fails on the error output, naming what is missing', async () => {
		const result = await engine.run(
			[{ name: 'Delete', type: 'deletePerson', parameters: { direction: 'dynamicsToMarketo' }, credentials: { marketoApi: credentials.marketoApi }, onError: 'continueErrorOutput' }],
			{ input: [{ table: 'lead', id: '', operation: 'deleted', reconcile: true }] },
		);
		const failed = json(result.output('Delete', 1));
		expect(failed).toHaveLength(1);
		expect(String(failed[0].error)).toMatch(/needs the Dynamics 365 credential/);
	});
});
