/**
 * The triggers' journal (nodes/journal) in n8n's real PollContext against the simulators: a batch
 * whose execution n8n did not finish (crashed, lost with its process, stopped by Marketo's daily
 * quota) is read again by the trigger itself; a finished one never is. n8n's hand-off (__emit with
 * its donePromise) is stood in for by the test, which settles the promise as n8n would.
 */
import type { IDataObject, INodeExecutionData, IRun } from 'n8n-workflow';

import { DynamicsTrigger } from '../../nodes/DynamicsTrigger/DynamicsTrigger.node';
import { MarketoTrigger } from '../../nodes/MarketoTrigger/MarketoTrigger.node';
import { QUOTA_RETRY_ENV } from '../../nodes/journal/outcomes';
import { RECOVERY_GRACE_ENV } from '../../nodes/journal/journal';
import { askReplay, liveStatuses } from '../../nodes/journal/status';
import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { DataverseSimulator } from '../../simulators/dataverse';
import { EntraSimulator } from '../../simulators/entra';
import { MarketoSimulator } from '../../simulators/marketo';
import { TestEngine, type DonePromise } from '../harness/engine';

const DYN_CRED = 'dynamics-credential';
const MKT_CRED = 'marketo-credential';
const MKT_CLIENT = { clientId: 'mkto-client', clientSecret: 'mkto-secret' };

let entra: EntraSimulator;
let dv: DataverseSimulator;
let mk: MarketoSimulator;
let engine: TestEngine;

beforeAll(async () => {
	entra = new EntraSimulator();
	dv = new DataverseSimulator();
	mk = new MarketoSimulator(MKT_CLIENT);
	await Promise.all([entra.start(0), dv.start(0), mk.start(0)]);
	entra.addApp({ clientId: 'dyn-client', clientSecret: 'dyn-secret', tenantId: 'tenant1' });
	engine = new TestEngine({ dynamicsTrigger: new DynamicsTrigger(), marketoTrigger: new MarketoTrigger() });
	engine.credentials.set(DYN_CRED, 'microsoftDynamicsApi', {
		environmentUrl: dv.url,
		authentication: 'clientCredentials',
		tenantId: 'tenant1',
		clientId: 'dyn-client',
		clientSecret: 'dyn-secret',
		authorityHost: entra.url,
	});
	engine.credentials.set(MKT_CRED, 'marketoApi', { restBaseUrl: mk.url, ...MKT_CLIENT, callsPer20Seconds: 100, concurrentCalls: 10 });
});

afterAll(async () => {
	await Promise.all([dv?.stop(), entra?.stop(), mk?.stop()]);
});

beforeEach(() => {
	dv.reset();
	clearMetadataCache();
	delete process.env[QUOTA_RETRY_ENV];
	delete process.env[RECOVERY_GRACE_ENV];
});

interface Emitted {
	items: IDataObject[];
	done?: DonePromise;
}

/** A trigger whose batches go to `emitted`, as n8n's __emit would take them. */
function watched(spec: { name: string; type: string; parameters: IDataObject; credentials: IDataObject }) {
	const emitted: Emitted[] = [];
	const poller = engine.poller(spec as never, {}, {
		emit: (data: INodeExecutionData[][], done) => emitted.push({ items: data[0].map((i) => i.json), done }),
	});
	return { poller, emitted };
}

function dynamicsLeads(name = 'Dynamics: leads') {
	return watched({ name, type: 'dynamicsTrigger', parameters: { table: 'lead' }, credentials: { microsoftDynamicsApi: { id: DYN_CRED, name: 'D' } } });
}

/** The run n8n hands back when the execution ends. */
function run(status: IRun['status'], error?: IDataObject, failedRecords?: IDataObject[]): IRun {
	const runData: IDataObject = failedRecords ? { 'Failed records': [{ data: { main: [failedRecords.map((json) => ({ json }))] } }] } : {};
	return { status, mode: 'trigger', startedAt: new Date(), finished: status === 'success', data: { resultData: { runData, error } } } as unknown as IRun;
}

/** Lets the promise handlers run (n8n settles the donePromise between polls). */
const tick = async () => await new Promise((r) => setImmediate(r));

describe('Journal: batches n8n did not finish are read again by the trigger', () => {
	test('a crashed execution: the next poll sends its records again, with their current values; a finished one is never sent again', async () => {
		const a = String(dv.create('lead', { lastname: 'Alpha', emailaddress1: 'a@example.com' }).leadid);
		const b = String(dv.create('lead', { lastname: 'Beta', emailaddress1: 'b@example.com' }).leadid);
		const { poller, emitted } = dynamicsLeads();

		expect(await poller.poll()).toBeNull(); // emitted, not returned
		expect(emitted).toHaveLength(1);
		expect(emitted[0].items.map((i) => i.id).sort()).toEqual([a, b].sort());
		expect(emitted[0].done).toBeDefined();

		// While the execution runs, polls read on (nothing new) and send nothing again.
		expect(await poller.poll()).toBeNull();
		expect(emitted).toHaveLength(1);

		dv.update('lead', a, { lastname: 'Alpha edited' });
		emitted[0].done!.resolve(run('crashed'));
		await tick();
		expect(await poller.poll()).toBeNull();
		expect(emitted).toHaveLength(2);
		const again = emitted[1].items;
		expect(again.map((i) => i.id).sort()).toEqual([a, b].sort());
		expect((again.find((i) => i.id === a)!.fields as IDataObject).lastname).toBe('Alpha edited');

		emitted[1].done!.resolve(run('success'));
		await tick();
		expect(await poller.poll()).toBeNull();
		expect(await poller.poll()).toBeNull();
		expect(emitted).toHaveLength(2);
		expect((poller.state.journal as IDataObject).entries).toEqual([]);
	});

	test('a run that ended with reported failed records is done: not sent again', async () => {
		dv.create('lead', { lastname: 'Gamma', emailaddress1: 'g@example.com' });
		const { poller, emitted } = dynamicsLeads();
		await poller.poll();
		emitted[0].done!.resolve(run('error', { message: '1 record(s) failed in this run. Open this execution', node: { type: 'n8n-nodes-base.stopAndError' } }));
		await tick();
		await poller.poll();
		expect(emitted).toHaveLength(1);
	});

	test('n8n restarted (the entry was written by another process): after the grace period the batch is read again', async () => {
		const a = String(dv.create('lead', { lastname: 'Delta', emailaddress1: 'd@example.com' }).leadid);
		const { poller, emitted } = dynamicsLeads();
		await poller.poll();
		expect(emitted).toHaveLength(1);
		// What n8n saved before it was killed: the journal entry of a process that is gone.
		const entries = (poller.state.journal as IDataObject).entries as IDataObject[];
		entries[0].instance = 'the n8n process before the kill';
		entries[0].at = Date.now() - 5_000;

		process.env[RECOVERY_GRACE_ENV] = '60000';
		await poller.poll();
		expect(emitted).toHaveLength(1); // still within the grace period: a worker may finish it

		process.env[RECOVERY_GRACE_ENV] = '1000';
		await poller.poll();
		expect(emitted).toHaveLength(2);
		expect(emitted[1].items.map((i) => i.id)).toEqual([a]);
	});

	test("Marketo's daily quota: the trigger waits for the reset, then sends the stopped batch again with what came since", async () => {
		const a = String(dv.create('lead', { lastname: 'Epsilon', emailaddress1: 'e@example.com' }).leadid);
		const { poller, emitted } = dynamicsLeads();
		await poller.poll();
		process.env[QUOTA_RETRY_ENV] = '1500';
		emitted[0].done!.resolve(
			run('error', { message: '1 record(s) failed in this run.' }, [
				{ error: `Marketo rejected lead ${a}: The daily API quota of the Marketo subscription is used up`, details: { code: '607', dynamicsId: a } },
			]),
		);
		await tick();
		const b = String(dv.create('lead', { lastname: 'Zeta', emailaddress1: 'z@example.com' }).leadid);
		await poller.poll();
		expect(emitted).toHaveLength(1); // waiting for the quota: nothing read, nothing sent

		await new Promise((r) => setTimeout(r, 1600));
		await poller.poll();
		expect(emitted).toHaveLength(2);
		expect(emitted[1].items.map((i) => i.id).sort()).toEqual([a, b].sort());
	});

	test('Marketo Trigger: a batch whose execution was lost (rejected) is read again from its paging token', async () => {
		const { firstId } = mk.store.seedLeads(1, { email: 'p{{n}}@example.com', firstName: 'F{{n}}', lastName: 'L{{n}}' });
		const { poller, emitted } = watched({
			name: 'Marketo: person changes',
			type: 'marketoTrigger',
			parameters: { events: ['leadChanges', 'newLeads'] },
			credentials: { marketoApi: { id: MKT_CRED, name: 'M' } },
		});
		expect(await poller.poll()).toBeNull(); // first poll: a position only
		mk.uiUpdateLead(firstId, { title: 'CTO' });
		await poller.poll();
		expect(emitted).toHaveLength(1);
		expect(emitted[0].items.map((i) => i.leadId)).toEqual([firstId]);

		emitted[0].done!.reject(new Error('job stalled more than maxStalledCount'));
		await tick();
		await poller.poll();
		expect(emitted).toHaveLength(2);
		expect(emitted[1].items.map((i) => i.leadId)).toEqual([firstId]);
		expect((emitted[1].items[0].current as IDataObject).title).toBe('CTO');
	});

	test('a failed record is kept once (field, code, tries) until a later batch syncs it; Replay reads it again', async () => {
		const a = String(dv.create('lead', { lastname: 'Eta', emailaddress1: 'eta@example.com' }).leadid);
		const b = String(dv.create('lead', { lastname: 'Theta', emailaddress1: 'theta@example.com' }).leadid);
		const { poller, emitted } = dynamicsLeads('Dynamics: leads (replay)');
		const failure = { error: `Dynamics rejected lead ${a}: lastname is too long`, details: { source: 'dynamics', field: 'lastname', code: '0x80044331', dynamicsId: a } };
		const status = () => liveStatuses().find((s) => s.trigger === 'Dynamics: leads (replay)' && s.workflowId === String(poller.workflow.id))!;

		await poller.poll();
		emitted[0].done!.resolve(run('error', { message: '1 record(s) failed in this run.' }, [failure]));
		await tick();
		expect(Object.keys(status().failed)).toEqual([a]);
		expect(status().failed[a]).toMatchObject({ field: 'lastname', code: '0x80044331', tries: 1 });
		expect(status().syncedByHour[String(Math.floor(Date.now() / 3600_000))]).toBe(1); // b

		// The admin fixed the cause and presses Replay: the trigger reads the batch again.
		expect(status().replayFrom).not.toBeNull();
		expect(askReplay(String(poller.workflow.id))).toBeGreaterThanOrEqual(1);
		await poller.poll();
		expect(emitted).toHaveLength(2);
		expect(emitted[1].items.map((i) => i.id).sort()).toEqual([a, b].sort());
		emitted[1].done!.resolve(run('error', { message: '1 record(s) failed in this run.' }, [failure]));
		await tick();
		expect(status().failed[a].tries).toBe(2); // the same entry, tried again

		askReplay(String(poller.workflow.id));
		await poller.poll();
		expect(emitted).toHaveLength(3);
		emitted[2].done!.resolve(run('success'));
		await tick();
		expect(status().failed).toEqual({});
		expect(status().replayFrom).toBeNull(); // nothing left to replay
		await poller.poll();
		expect(emitted).toHaveLength(3);
	});

	test('a resync (expired change-tracking token) shows on the status while it runs and afterwards', async () => {
		dv.create('lead', { lastname: 'Iota', emailaddress1: 'iota@example.com' });
		const { poller, emitted } = dynamicsLeads('Dynamics: leads (resync)');
		const status = () => liveStatuses().find((s) => s.trigger === 'Dynamics: leads (resync)' && s.workflowId === String(poller.workflow.id))!;
		await poller.poll(); // the initial copy, in one page
		emitted[0].done!.resolve(run('success'));
		await tick();
		expect(status().resync).toBeNull();

		dv.expireDeltaTokens();
		dv.create('lead', { lastname: 'Kappa', emailaddress1: 'kappa@example.com' });
		await poller.poll();
		expect(emitted).toHaveLength(2);
		expect(emitted[1].items.every((i) => i.resync === true)).toBe(true);
		// One page held the whole table: the resync started and completed in this poll.
		expect(status().resyncsDone).toHaveLength(1);
		expect(status().resyncsDone[0].reason).toMatch(/change-tracking token expired/);
	});
});
