import { NodeConnectionTypes, type INodeExecutionData, type INodeType, type INodeTypeDescription, type IPollFunctions } from 'n8n-workflow';

import { marketoTriggerProperties } from './actions/description';
import { pollMarketoActivities } from './actions/poll';
import { loadOptions } from './methods';

export class MarketoTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Marketo Trigger',
		name: 'marketoTrigger',
		icon: { light: 'file:marketoTrigger.svg', dark: 'file:marketoTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["events"].join(", ")}}',
		description: 'Starts the workflow when people are created, changed or deleted in Adobe Marketo Engage',
		defaults: { name: 'Marketo Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'marketoApi', required: true }],
		properties: marketoTriggerProperties,
	};

	methods = { loadOptions };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollMarketoActivities.call(this);
	}
}
