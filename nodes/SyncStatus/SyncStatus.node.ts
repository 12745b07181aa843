import type { IHookFunctions, INodeType, INodeTypeDescription, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { syncStatusProperties } from './actions/description';
import { serveStatusPage } from './actions/page';

export class SyncStatus implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sync Status Page',
		name: 'syncStatus',
		icon: { light: 'file:syncStatus.svg', dark: 'file:syncStatus.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"/webhook/" + $parameter["path"]}}',
		description: 'Serves a web page with the state of the Marketo ⇄ Dynamics 365 sync: lanes, records synced, failed records, 5-day chart',
		defaults: { name: 'Sync Status Page' },
		inputs: [],
		outputs: [],
		webhooks: [
			// As n8n's Form Trigger: 'setup' is the page (GET), 'default' the form's POST (Replay failed records).
			{ name: 'setup', httpMethod: 'GET', responseMode: 'onReceived', path: '={{$parameter["path"]}}', isFullPath: true },
			{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: '={{$parameter["path"]}}', isFullPath: true },
		],
		properties: syncStatusProperties,
	};

	// The page lives in n8n itself: there is no third-party webhook to register or remove.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await serveStatusPage.call(this);
	}
}
