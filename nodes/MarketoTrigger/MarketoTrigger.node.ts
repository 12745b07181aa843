import { NodeConnectionTypes, type INodeExecutionData, type INodeType, type INodeTypeDescription, type IPollFunctions } from 'n8n-workflow';

import { readmeSection } from '../descriptions';

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
		// Reads like the Dynamics 365 Trigger's "Changes in lead": the events in words ("New, changed
		// persons"), not their values.
		subtitle:
			'={{ [["newLeads", "new"], ["leadChanges", "changed"], ["deletedLeads", "deleted"]].filter(e => ($parameter["events"] ?? []).includes(e[0])).map(e => e[1]).join(", ").replace(/^./, c => c.toUpperCase()) + " persons" }}',
		description: 'Starts the workflow when people are created, changed or deleted in Adobe Marketo Engage',
		documentationUrl: readmeSection('marketo-trigger'),
		defaults: { name: 'Marketo Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'marketoApi', displayName: 'Marketo credential', required: true }],
		properties: marketoTriggerProperties,
	};

	methods = { loadOptions };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollMarketoActivities.call(this);
	}
}
