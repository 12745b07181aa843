import { N8nInstance } from './n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';
import { alertsTemplate, templateFor } from '../helpers/template';

/** Waits until `check` holds (polled every 2 s); the sync's triggers poll once a minute. */
export async function eventually(what: string, check: () => boolean, timeoutMs = 200_000): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (check()) return;
		await new Promise((r) => setTimeout(r, 2000));
	}
	throw new Error(`timed out waiting for: ${what}`);
}

export interface TemplateRun {
	sims: Simulators;
	n8n: N8nInstance;
	/** The sync workflow's id in n8n. */
	workflowId: string;
	stop(): Promise<void>;
}

/**
 * The shipped sync template (and its alerts workflow) as a user runs it: the packed package
 * installed into a real n8n 2.41.1, both credentials imported (pointing at the simulators), both
 * workflows published, n8n started with an owner. `seed` fills the simulators before n8n starts.
 */
export async function startTemplateRun(name: string, seed: (sims: Simulators) => void = () => {}): Promise<TemplateRun> {
	const sims = await startSimulators();
	seed(sims);
	const n8n = new N8nInstance(name);
	const dynamicsCredential = 'tmplDynamicsCred1';
	const marketoCredential = 'tmplMarketoCred01';
	n8n.install(N8nInstance.packOnce());
	n8n.importCredentials([
		{ id: dynamicsCredential, name: 'Dynamics 365', type: 'microsoftDynamicsApi', data: sims.dynamicsCredentials },
		{ id: marketoCredential, name: 'Marketo', type: 'marketoApi', data: sims.marketoCredentials },
	]);
	n8n.importAndPublish(alertsTemplate());
	const workflow = templateFor(dynamicsCredential, marketoCredential);
	n8n.importAndPublish(workflow);
	await n8n.start();
	await n8n.setupOwner();
	return {
		sims,
		n8n,
		workflowId: workflow.id,
		async stop() {
			await n8n.stop();
			await sims.stop();
			n8n.cleanup();
		},
	};
}
