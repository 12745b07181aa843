/**
 * A removed stakeholder loses its opportunity role: Dynamics 365 Trigger (table connection) →
 * Sync Records to Marketo, wired as the template wires them, in n8n's real engine against the
 * simulators, with the workflow's static data handled the way n8n 2.41.1 handles it:
 *
 * - at activation the published workflow (in memory, owned by the poller) gets a copy of the
 *   stored static data, and every poll reads and writes the trigger's part of that copy;
 * - on every emit the poller saves that WHOLE in-memory object over the stored one
 *   (n8n/dist/workflows/triggers/trigger-execution-context.factory.js, `__emit`:
 *   `void this.workflowStaticDataService.saveStaticData(workflow)`, and
 *   workflow-static-data.service.js `saveStaticDataById(workflow.id, workflow.staticData)`);
 * - each execution starts from the stored static data and saves its whole static data when it ends
 *   (execution-lifecycle-hooks.js, `workflowExecuteAfter` → `saveStaticDataById(…, newStaticData)`).
 *
 * So what an execution node (Sync Records) writes into static data is gone at the next emit.
 */
import type { IConnections, IDataObject, INode, Workflow } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { SyncRecords } from '../../nodes/SyncRecords/SyncRecords.node';
import { TestEngine, type NodeSpec } from '../harness/engine';
import { simulatorSuite } from '../harness/simulatorSuite';
import type { Simulators } from '../helpers/simulators';

jest.setTimeout(60_000);

const ANNOTATION = '@Microsoft.Dynamics.CRM.lookuplogicalname';
const clone = (data: IDataObject): IDataObject => JSON.parse(JSON.stringify(data)) as IDataObject;

/** Executions start from the stored static data (the published workflow row). */
class StoredStaticDataEngine extends TestEngine {
	stored: IDataObject = {};
	private execution: IDataObject = {};

	override workflow(nodes: NodeSpec[], connections: IConnections, staticData?: IDataObject): Workflow {
		return super.workflow(nodes, connections, staticData ?? this.execution);
	}

	/** One execution of the trigger's items through Sync Records (mode trigger), saving its static data at the end. */
	async execute(input: IDataObject[]) {
		this.execution = clone(this.stored);
		const result = await this.run(
			[
				{
					name: 'Sync Records to Marketo',
					type: 'syncRecords',
					// As in the template (scripts/build-template.js).
					parameters: { recordType: 'fromInput', table: 'new_project', customObject: 'dynamicsProject_c', keyField: 'externalProjectId' } as INode['parameters'],
					credentials: { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } },
					onError: 'continueErrorOutput',
				},
			],
			{ input, mode: 'trigger' },
		);
		this.stored = clone(this.execution);
		expect(result.error).toBeUndefined();
		return {
			ok: result.output('Sync Records to Marketo', 0).map((i) => i.json as IDataObject),
			errors: result.output('Sync Records to Marketo', 1).map((i) => i.json as IDataObject),
		};
	}
}

describe('stakeholder removed in Dynamics (trigger → Sync Records, n8n static data)', () => {
	let sims: Simulators;
	let engine: StoredStaticDataEngine;

	simulatorSuite(() => new StoredStaticDataEngine({ dynamicsTrigger: new DynamicsTrigger(), syncRecords: new SyncRecords() }), (suite) => ({ sims, engine } = suite));

	const dv = () => sims.dataverse;
	const contact = (first: string) => dv().create('contact', { firstname: first, lastname: 'Stakeholder', emailaddress1: `${first.toLowerCase()}@example.com` }).contactid as string;
	const personOf = (contactId: string) => [...sims.marketo.store.leads.values()].find((l) => l.microsoftId === contactId);
	const roles = () =>
		(sims.marketo.store.objects('opportunityRoles') as IDataObject[])
			.map((r) => `${r.leadId}:${r.role}`)
			.sort();

	/** The activated trigger: its in-memory static data starts as a copy of the stored one. */
	function activate() {
		const poller = engine.poller(
			{ name: 'Dynamics: stakeholders', type: 'dynamicsTrigger', parameters: { table: 'connection' }, credentials: { microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } } },
			clone(engine.stored),
		);
		/** One poll; when it emits, n8n saves the in-memory static data whole, then runs the execution. */
		return async () => {
			const items = await poller.poll();
			if (!items) return undefined;
			engine.stored = clone(poller.workflow.staticData as IDataObject);
			return await engine.execute(items.map((i) => i.json));
		};
	}

	test('an opportunity with two stakeholders loses one: Marketo keeps exactly the remaining role', async () => {
		const account = dv().create('account', { name: 'Tailspin' }).accountid as string;
		const opp = dv().create('opportunity', { name: 'Two stakeholders', _customerid_value: account, [`_customerid_value${ANNOTATION}`]: 'account' }).opportunityid as string;
		const cara = contact('Cara');
		const dan = contact('Dan');
		const roleIds = dv().connectionRoleIds;
		const c1 = dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: cara }, roleIds.decisionMaker);
		dv().connect({ table: 'opportunity', id: opp }, { table: 'contact', id: dan }, roleIds.stakeholder);

		const poll = activate();
		// The initial copy of the connections (both rows of each).
		for (let i = 0; i < 5 && roles().length < 2; i++) {
			const run = await poll();
			if (run) expect(run.errors).toEqual([]);
		}
		const caraId = personOf(cara)!.id;
		const danId = personOf(dan)!.id;
		expect(roles()).toEqual([`${caraId}:Decision Maker`, `${danId}:Stakeholder`].sort());

		// A Dynamics user removes Cara from the opportunity's stakeholders (both rows go).
		dv().delete('connection', c1.forward);
		const run = await poll();
		expect(run).toBeDefined();
		expect(run!.errors).toEqual([]);
		expect(run!.ok.find((o) => o.dynamicsId === c1.forward)).toMatchObject({ status: 'deleted', removedRoles: [expect.objectContaining({ leadId: caraId, role: 'Decision Maker', status: 'deleted' })] });
		expect(roles()).toEqual([`${danId}:Stakeholder`]);
	});

	test('a deleted connection the sync cannot place is reported on the error output, naming it', async () => {
		const unknown = '0b6c3c7e-4f2a-4d55-9a61-3f1f2b7c9d10';
		const run = await engine.execute([{ table: 'connection', id: unknown, operation: 'deleted', modifiedon: null, modifiedBy: null, fields: {}, syncFilter: null }]);
		expect(run.ok).toEqual([]);
		expect(run.errors).toEqual([expect.objectContaining({ error: expect.stringContaining(unknown) })]);
		expect(String(run.errors[0].error)).toMatch(/stakeholder|opportunity/i);
	});
});
