import { NodeConnectionTypes, type INodeExecutionData, type INodeType, type INodeTypeDescription, type IPollFunctions } from 'n8n-workflow';

import { readmeSection } from '../descriptions';

import { dynamicsTriggerProperties } from './actions/description';
import { pollDynamicsTable } from './actions/poll';
import { loadOptions } from './methods';

export class DynamicsTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Dynamics 365 Trigger',
		name: 'dynamicsTrigger',
		icon: { light: 'file:dynamicsTrigger.svg', dark: 'file:dynamicsTrigger.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{"Changes in " + $parameter["table"]}}',
		description: 'Starts the workflow when records are created, updated or deleted in a Microsoft Dynamics 365 table',
		documentationUrl: readmeSection('dynamics-365-trigger'),
		defaults: { name: 'Dynamics 365 Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'microsoftDynamicsApi', displayName: 'Dynamics 365 credential', required: true }],
		properties: dynamicsTriggerProperties,
	};

	methods = { loadOptions };

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		return await pollDynamicsTable.call(this);
	}
}
