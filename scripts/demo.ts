// `npm run demo`: the sync working end to end on this machine. Starts the Entra ID, Dataverse and
// Marketo simulators with a realistic sample, a real n8n 2.41.1 with this package, imports the
// credentials and the template, publishes it, and prints what synced each cycle. Ctrl-C stops all.
import { N8nInstance } from '../test/e2e/n8nHost';
import { startSimulators } from '../test/helpers/simulators';
import { DEMO_SIZE, seedSample, syncSnapshot } from '../test/helpers/sampleData';
import { alertsTemplate, templateFor } from '../test/helpers/template';

const N8N_PORT = Number(process.env.N8N_PORT ?? 5678);
const OWNER = { email: 'owner@example.test', password: 'E2e-Password-1' };

async function main() {
	const sims = await startSimulators({
		entra: Number(process.env.ENTRA_PORT ?? 4010),
		dataverse: Number(process.env.DATAVERSE_PORT ?? 4020),
		marketo: Number(process.env.MARKETO_PORT ?? 4030),
	});
	let n8n: N8nInstance | undefined = undefined;
	let stopping = false;
	const stop = async (code = 0) => {
		if (stopping) return;
		stopping = true;
		process.stdout.write('\nStopping n8n and the simulators…\n');
		await n8n?.stop();
		await sims.stop();
		n8n?.cleanup();
		process.exit(code);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());

	const seeded = seedSample(sims, DEMO_SIZE);
	process.stdout.write(
		`Simulators: Entra ID ${sims.entra.url}, Dataverse ${sims.dataverse.url}, Marketo ${sims.marketo.url}\n` +
			`Sample: ${DEMO_SIZE.leads} leads, ${DEMO_SIZE.contacts} contacts, ${DEMO_SIZE.accounts} accounts, ${DEMO_SIZE.opportunities} opportunities (contact customers, 2 stakeholders each), ` +
			`${DEMO_SIZE.users} users + 1 team, ${DEMO_SIZE.projects} projects (custom table), ${DEMO_SIZE.marketoOnly} Marketo-only persons\n`,
	);

	n8n = new N8nInstance('demo');
	n8n.install(N8nInstance.packOnce());
	n8n.importCredentials([
		{ id: 'demoDynamicsCred1', name: 'Dynamics 365 (simulator)', type: 'microsoftDynamicsApi', data: sims.dynamicsCredentials },
		{ id: 'demoMarketoCred01', name: 'Marketo (simulator)', type: 'marketoApi', data: sims.marketoCredentials },
	]);
	// The error workflow first: the sync names it in its settings.
	const alerts = alertsTemplate();
	n8n.importAndPublish(alerts);
	const workflow = templateFor('demoDynamicsCred1', 'demoMarketoCred01');
	// DEMO_SAVE_ALL=1 keeps successful executions too, to look at every run in the editor.
	if (process.env.DEMO_SAVE_ALL) workflow.settings.saveDataSuccessExecution = 'all';
	n8n.importAndPublish(workflow);
	await n8n.start(N8N_PORT);
	await n8n.setupOwner();
	process.stdout.write(
		`\nn8n is running: http://127.0.0.1:${N8N_PORT}/workflow/${workflow.id}  (log in as ${OWNER.email} / ${OWNER.password})\n` +
			`The sync polls every minute. Every few cycles this demo edits records in both systems as a person would.\n\n`,
	);

	const failedRunsAlerted = async () => {
		const res = await n8n!.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: alerts.id }))}`);
		return ((res.json?.data?.results ?? []) as unknown[]).length;
	};
	const failedRuns = async (workflowId: string) => {
		const res = await n8n!.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId }))}`);
		return ((res.json?.data?.results ?? []) as Array<{ status: string }>).filter((e) => e.status === 'error').length;
	};
	let previous = syncSnapshot(sims);
	let cycle = 0;
	const tick = async () => {
		cycle++;
		const now = syncSnapshot(sims);
		const delta = (key: keyof typeof now) => `${now[key]}${now[key] !== previous[key] ? ` (${now[key] - previous[key] >= 0 ? '+' : ''}${now[key] - previous[key]})` : ''}`;
		process.stdout.write(
			`[${new Date().toISOString().slice(11, 19)}] cycle ${cycle}  Dynamics → Marketo: leads ${delta('marketoLeadsFromDynamics')}, contacts ${delta('marketoContactsFromDynamics')}, ` +
				`flagged deleted ${delta('marketoFlaggedDeleted')}, companies ${delta('companies')}, sales persons ${delta('salesPersons')}, opportunities ${delta('opportunities')}, ` +
				`roles ${delta('opportunityRoles')}, projects ${delta('customObjects')}  |  Marketo → Dynamics: new leads ${delta('dynamicsLeadsBySync')}` +
				`  |  runs with failed records ${await failedRuns(workflow.id).catch(() => '?')}, alerts ${await failedRunsAlerted().catch(() => '?')}\n`,
		);
		previous = now;
		if (cycle % 4 === 0) {
			const i = cycle;
			sims.dataverse.update('lead', seeded.leadIds[i % seeded.leadIds.length], { jobtitle: `Head of Demo ${i}` });
			sims.marketo.uiCreateLead({ email: `new-visitor-${i}@visitor.test`, firstName: 'New', lastName: `Visitor ${i}` });
			process.stdout.write(`  (edited lead ${seeded.leadIds[i % seeded.leadIds.length]} in Dynamics; a visitor filled a form in Marketo)\n`);
		}
		if (cycle === 8) {
			// A value Dynamics rejects (last name over 50 characters): one failed record, a failed run to open, an alert.
			const [personId] = sims.marketo.store.findLeadIds('microsoftId', seeded.contactIds[1]);
			if (personId !== undefined) {
				sims.marketo.uiUpdateLead(personId, { lastName: 'Van Oldenbarnevelt-Hohenzollern-Sigmaringen-Bourbon' });
				process.stdout.write(`  (gave Marketo person ${personId} a last name Dynamics rejects: watch "runs with failed records")\n`);
			}
		}
	};
	setInterval(() => void tick(), 15_000);
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
