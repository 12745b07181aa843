/**
 * The daily digest of the alerts workflow (templates/marketo-dynamics-sync-alerts.json) in a real
 * n8n 2.41.1 running the sync and status page templates against the simulators: with one record
 * Dynamics rejects, the digest read from the status page (at n8n's own address, on the free port this
 * test runs n8n on, with the page's Access Key) reaches the alert node naming that record and field.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { parseExecutionData, SyncLab, sleep } from '../faults/lab';
import { alertsTemplate } from '../helpers/template';


const STATUS_TEMPLATE = path.join(__dirname, '..', '..', 'templates', 'marketo-dynamics-sync-status.json');
const ACCESS_KEY = 'digest-e2e-access-key';
const DIGEST_NODE = 'Daily digest text';
const ALERT_NODE = 'Send the alert (replace me)';

jest.setTimeout(600_000);

describe('Daily digest of the alerts workflow in real n8n', () => {
	const statusWorkflow = JSON.parse(fs.readFileSync(STATUS_TEMPLATE, 'utf8')) as Record<string, any>;
	const statusNode = statusWorkflow.nodes.find((n: any) => n.type.endsWith('.syncStatus'));
	statusNode.parameters.options = { ...statusNode.parameters.options, accessKey: ACCESS_KEY };
	const statusPath = String(statusNode.parameters.path);

	// The shipped alerts workflow with what a test needs and an admin would do: the digest every
	// minute instead of every morning, and the status page's Access Key in its `key` parameter.
	const alerts = alertsTemplate() as unknown as Record<string, any>;
	const node = (name: string) => alerts.nodes.find((n: any) => n.name === name);
	node('Every morning').parameters.rule = { interval: [{ field: 'minutes', minutesInterval: 1 }] };
	const keyParameter = node('Read the sync status').parameters.queryParameters.parameters.find((p: any) => p.name === 'key');
	keyParameter.value = ACCESS_KEY;

	const lab = new SyncLab({ name: 'digest', extraWorkflows: [statusWorkflow, alerts] });
	const statusJson = async (key = ACCESS_KEY) => fetch(`http://127.0.0.1:${lab.n8n.port}/webhook/${statusPath}?format=json&key=${encodeURIComponent(key)}`);

	beforeAll(async () => {
		await lab.start();
		await lab.initialCopy();
	});

	afterAll(async () => {
		await lab.stop();
		lab.cleanup();
	});

	/** The first digest run of the alerts workflow that started after `since`, as n8n saved it. */
	async function digestRunAfter(since: number, timeoutMs: number): Promise<{ status: string; runData: Record<string, any> }> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId: alerts.id }));
		const seen = new Set<string>();
		for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(3000)) {
			const list = await lab.n8n.rest('GET', `/executions?limit=50&filter=${filter}`);
			const results: any[] = list.json?.data?.results ?? [];
			const finished = results
				.filter((e) => !seen.has(String(e.id)) && e.status !== 'running' && e.status !== 'new' && Date.parse(e.startedAt) > since)
				.sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
			for (const execution of finished) {
				seen.add(String(execution.id));
				const full = await lab.n8n.rest('GET', `/executions/${execution.id}`);
				const raw = full.json?.data?.data;
				if (typeof raw !== 'string') continue;
				const runData = parseExecutionData(raw)?.resultData?.runData ?? {};
				// The error path ('When the sync fails') runs in this workflow too: only the digest counts.
				if (runData['Every morning']) return { status: String(full.json.data.status), runData };
			}
		}
		throw new Error(`no digest run of the alerts workflow within ${timeoutMs / 1000} s`);
	}

	test('sends the failed-record count and the failed record with its field through the alert node', async () => {
		// The page is locked: without its key the digest could not read it.
		expect((await statusJson('wrong key')).status).toBe(403);

		// A person change Dynamics rejects (last name over its 50 characters): one failed record in lane 2.
		const leadId = String((lab.sims.dataverse.store.all('lead') as any[]).find((r) => r.emailaddress1 === 'lead3@prospect.test').leadid);
		const [personId] = lab.marketoPersonsFor(leadId);
		lab.sims.marketo.uiUpdateLead(personId, { lastName: 'L'.repeat(60) });

		let status: any;
		for (const deadline = Date.now() + 120_000; Date.now() < deadline; await sleep(2000)) {
			status = await (await statusJson()).json();
			if (status.failedNow >= 1) break;
		}
		expect(status.failedNow).toBe(1);
		const failed = status.lanes.find((l: any) => l.lane === 'marketoToDynamicsPersons').failed[0];
		expect(failed.field).toBe('lastname');
		const failedSeenAt = Date.now();

		// The next digest (the schedule fires once a minute) reads that state through n8n's own address.
		const digest = await digestRunAfter(failedSeenAt, 100_000);
		const readError = digest.runData['Read the sync status']?.[0]?.error;
		expect(readError?.message ?? null).toBeNull();
		expect(digest.status).toBe('success');
		const sent = digest.runData[ALERT_NODE]?.[0]?.data?.main?.[0] ?? [];
		expect(sent).toHaveLength(1);
		expect(digest.runData[DIGEST_NODE]?.[0]?.data?.main?.[0]).toHaveLength(1);
		const { subject, message } = sent[0].json;
		expect(subject).toBe('Marketo ⇄ Dynamics 365 sync, daily: 1 failed record(s)');
		const failedLine = String(message)
			.split('\n')
			.find((line) => line.includes(` ${failed.field} (`));
		expect(failedLine).toBeDefined();
		expect(failedLine).toContain(`- ${failed.record} lastname (${failed.code}): `);
		expect(failedLine).toMatch(/, \d+ tries$/);
		expect(message).toContain('1 failing');
	});
});
