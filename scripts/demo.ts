// `npm run demo`: the sync working end to end on this machine. Starts the Entra ID, Dataverse and
// Marketo simulators with a realistic sample, a real n8n 2.41.1 with this package, imports the
// credentials and the template, publishes it, and prints what synced each cycle. Ctrl-C stops all.
// Ports: N8N_PORT (default 5678), ENTRA_PORT, DATAVERSE_PORT, MARKETO_PORT (default 4010, 4020,
// 4030). A default port that is taken is replaced by a free one; a port you set must be free.
import * as net from 'node:net';

import { N8nInstance } from '../test/e2e/n8nHost';
import { startSimulators, type Simulators } from '../test/helpers/simulators';
import { DEMO_SIZE, seedSample, syncSnapshot } from '../test/helpers/sampleData';
import { alertsTemplate, templateFor } from '../test/helpers/template';

const OWNER = { email: 'owner@example.test', password: 'E2e-Password-1' };

/** Thrown for what the user can fix (a port, n8n not starting): printed as one message, no stack. */
class DemoError extends Error {}

function portIsFree(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const server = net.createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function anyFreePort(): Promise<number> {
	const server = net.createServer();
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as net.AddressInfo;
	await new Promise((resolve) => server.close(resolve));
	return port;
}

/** The port named by `variable`, else `fallback` when free, else any free port (and says so). */
async function choosePort(variable: string, fallback: number, what: string): Promise<number> {
	const set = process.env[variable];
	if (set) {
		const port = Number(set);
		if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new DemoError(`${variable}=${set} is not a port number.`);
		if (!(await portIsFree(port))) throw new DemoError(`${variable}=${port}: port ${port} is already in use. Pick another, or unset ${variable}.`);
		return port;
	}
	if (await portIsFree(fallback)) return fallback;
	const port = await anyFreePort();
	process.stdout.write(`Port ${fallback} (${what}) is in use, so the demo uses ${port} (set ${variable} to choose).\n`);
	return port;
}

/** n8n's own reason for not starting: the last error-looking lines of its log. */
function n8nReason(log: string): string {
	const lines = log.split('\n').map((l) => l.trim()).filter(Boolean);
	const errors = lines.filter((l) => /error|in use|EADDRINUSE|failed|cannot|denied/i.test(l) && !/^at /.test(l));
	return (errors.length ? errors.slice(-3) : lines.slice(-3)).join('\n  ');
}

const clock = () => new Date().toISOString().slice(11, 19);
const say = (line: string) => process.stdout.write(`${line}\n`);

async function main() {
	const ports = {
		n8n: await choosePort('N8N_PORT', 5678, 'n8n'),
		entra: await choosePort('ENTRA_PORT', 4010, 'Entra ID simulator'),
		dataverse: await choosePort('DATAVERSE_PORT', 4020, 'Dataverse simulator'),
		marketo: await choosePort('MARKETO_PORT', 4030, 'Marketo simulator'),
	};
	const sims = await startSimulators({ entra: ports.entra, dataverse: ports.dataverse, marketo: ports.marketo });
	let n8n: N8nInstance | undefined = undefined;
	let stopping = false;
	const stop = async (code = 0) => {
		if (stopping) return;
		stopping = true;
		say('\nStopping n8n and the simulators…');
		await n8n?.stop();
		await sims.stop();
		n8n?.cleanup();
		process.exit(code);
	};
	process.on('SIGINT', () => void stop());
	process.on('SIGTERM', () => void stop());

	const seeded = seedSample(sims, DEMO_SIZE);
	const notSynced = (table: string) => sims.dataverse.store.all(table).filter((r: any) => r.new_synctomkto === false).length;
	say(`Simulators: Entra ID ${sims.entra.url}, Dataverse ${sims.dataverse.url}, Marketo ${sims.marketo.url}`);
	say(
		`Sample: ${DEMO_SIZE.leads} leads, ${DEMO_SIZE.contacts} contacts, ${DEMO_SIZE.accounts} accounts, ` +
			`${DEMO_SIZE.opportunities} opportunities (2 stakeholders each),`,
	);
	say(`  ${DEMO_SIZE.users} users + 1 team, ${DEMO_SIZE.projects} projects (custom table), ${DEMO_SIZE.marketoOnly} Marketo-only persons.`);
	say(
		`  ${notSynced('lead')} leads and ${notSynced('contact')} contacts have Sync to Marketo = No (new_synctomkto): ` +
			`they stay in Dynamics only.`,
	);

	// Marketo refuses e-mail addresses with accents (1003 "Invalid email address"): the sample has a few.
	const accented = sims.dataverse.store.all('systemuser').filter((u: any) => /[^ -~]/.test(String(u.internalemailaddress ?? u.domainname ?? '')));
	if (accented.length) {
		say(
			`  ${accented.length} users have an e-mail with an accent (${String((accented[0] as any).internalemailaddress ?? (accented[0] as any).domainname)}), ` +
				`which Marketo refuses:`,
		);
		say('  expect one run with failed records and one alert in the first minute.');
	}

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
	try {
		await n8n.start(ports.n8n);
	} catch (error) {
		throw new DemoError(`n8n did not start: ${(error as Error).message}\n  ${n8nReason(n8n.log)}\n  Full log: ${n8n.logFile}`);
	}
	await n8n.setupOwner();
	say(`\nn8n is running: http://127.0.0.1:${ports.n8n}/workflow/${workflow.id}`);
	say(`Log in as ${OWNER.email} / ${OWNER.password}. The sync polls every minute; Ctrl-C stops everything.`);
	say('Each minute this demo edits a lead in Dynamics and a visitor fills a form in Marketo.\n');
	await report(sims, n8n, seeded, workflow.id, alerts.id);
}

/** Every 15 s: what each lane has synced, the edits made and when they arrived, failed runs and alerts. */
async function report(sims: Simulators, n8n: N8nInstance, seeded: ReturnType<typeof seedSample>, workflowId: string, alertsId: string) {
	const executions = async (id: string) => {
		const res = await n8n.rest('GET', `/executions?filter=${encodeURIComponent(JSON.stringify({ workflowId: id }))}`);
		return (res.json?.data?.results ?? []) as Array<{ status: string }>;
	};
	// Only leads the sync copies (Sync to Marketo = Yes) are edited, so every edit should arrive.
	const editable = seeded.leadIds.filter((id) => (sims.dataverse.store.get('lead', id) as any)?.new_synctomkto !== false);
	const pending: Array<{ leadId: string; title: string; at: number }> = [];
	let previous = syncSnapshot(sims);
	let cycle = 0;
	const tick = async () => {
		cycle++;
		const now = syncSnapshot(sims);
		const n = (key: keyof typeof now) => {
			const d = now[key] - previous[key];
			return `${now[key]}${d ? ` (${d > 0 ? '+' : ''}${d})` : ''}`;
		};
		const failed = await executions(workflowId).then((e) => e.filter((x) => x.status === 'error').length).catch(() => '?');
		const alerts = await executions(alertsId).then((e) => e.length).catch(() => '?');
		say(`[${clock()}] cycle ${cycle}`);
		say(`  Dynamics → Marketo: leads ${n('marketoLeadsFromDynamics')}, contacts ${n('marketoContactsFromDynamics')}, flagged deleted ${n('marketoFlaggedDeleted')}`);
		say(`  One-way: companies ${n('companies')}, sales persons ${n('salesPersons')}, opportunities ${n('opportunities')}`);
		say(`           opportunity roles ${n('opportunityRoles')}, projects ${n('customObjects')}`);
		say(`  Marketo → Dynamics: new leads ${n('dynamicsLeadsBySync')}   Runs with failed records: ${failed}, alerts: ${alerts}`);
		previous = now;
		for (const edit of [...pending]) {
			const [personId] = sims.marketo.store.findLeadIds('microsoftId', edit.leadId);
			const person = personId === undefined ? undefined : (sims.marketo.store as any).leads.get(personId);
			if (person?.title === edit.title) {
				const after = Math.round((Date.now() - edit.at) / 1000);
				say(`  Arrived in Marketo: person ${personId} (${String(person.email)}) has title "${edit.title}", ${after} s after the edit.`);
				pending.splice(pending.indexOf(edit), 1);
			}
		}
		if (cycle % 4 === 0) {
			const leadId = editable[(cycle / 4) % editable.length];
			const title = `Head of Demo ${cycle / 4}`;
			sims.dataverse.update('lead', leadId, { jobtitle: title });
			pending.push({ leadId, title, at: Date.now() });
			sims.marketo.uiCreateLead({ email: `new-visitor-${cycle}@visitor.test`, firstName: 'New', lastName: `Visitor ${cycle}` });
			const email = String((sims.dataverse.store.get('lead', leadId) as any)?.emailaddress1 ?? leadId);
			say(`  Edited in Dynamics: lead ${email}, job title → "${title}" (watch for "Arrived in Marketo").`);
			say(`  Filled in a Marketo form: new-visitor-${cycle}@visitor.test (watch "Marketo → Dynamics: new leads").`);
		}
		if (cycle === 8) {
			// A value Dynamics rejects (last name over 50 characters): one failed record, a failed run to open, an alert.
			const [personId] = sims.marketo.store.findLeadIds('microsoftId', seeded.contactIds[1]);
			if (personId !== undefined) {
				sims.marketo.uiUpdateLead(personId, { lastName: 'Van Oldenbarnevelt-Hohenzollern-Sigmaringen-Bourbon' });
				say(`  Gave Marketo person ${personId} a 51-character last name (Dynamics allows 50): watch "Runs with failed records".`);
			}
		}
	};
	setInterval(() => void tick(), 15_000);
}

main().catch((error) => {
	process.stderr.write(error instanceof DemoError ? `\n${error.message}\n` : `${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
