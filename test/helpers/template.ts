import * as fs from 'node:fs';
import * as path from 'node:path';

export const TEMPLATE_PATH = path.join(__dirname, '..', '..', 'templates', 'marketo-dynamics-sync.json');
/** The error workflow the sync template names in its settings. */
export const ALERTS_TEMPLATE_PATH = path.join(__dirname, '..', '..', 'templates', 'marketo-dynamics-sync-alerts.json');

export interface TemplateWorkflow {
	id: string;
	settings: Record<string, unknown>;
	nodes: Array<{ name: string; type: string; disabled?: boolean; parameters: Record<string, unknown>; credentials?: Record<string, unknown> }>;
	[key: string]: unknown;
}

/**
 * The shipped template with the given credential ids filled in, as an admin would after import;
 * the sample custom-table trigger (disabled in the template) switched on for the simulators.
 */
export function templateFor(dynamicsCredentialId: string, marketoCredentialId: string): TemplateWorkflow {
	const workflow = JSON.parse(fs.readFileSync(TEMPLATE_PATH, 'utf8')) as TemplateWorkflow;
	// The template names credentials by placeholder id or (nodes with both) by null id and name.
	const ids: Record<string, string> = { microsoftDynamicsApi: dynamicsCredentialId, marketoApi: marketoCredentialId };
	for (const node of workflow.nodes) {
		for (const [type, ref] of Object.entries(node.credentials ?? {})) (ref as { id: string | null }).id = ids[type] ?? null;
		if (node.parameters.table === 'new_project') delete node.disabled;
	}
	return workflow;
}

/** The alerts (error) workflow, as shipped. */
export function alertsTemplate(): TemplateWorkflow {
	return JSON.parse(fs.readFileSync(ALERTS_TEMPLATE_PATH, 'utf8')) as TemplateWorkflow;
}
