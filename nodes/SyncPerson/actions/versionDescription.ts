/* eslint-disable n8n-nodes-base/node-filename-against-convention -- v2 node layout: the description lives in actions/, the node file spreads it */
import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import { readmeSection } from '../../descriptions';

import * as sync from './sync.operation';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Sync Person to Microsoft',
	name: 'syncPerson',
	group: ['output'],
	version: 1,
	description: "Create the Marketo person's lead or contact in Microsoft Dynamics 365 when it has none, like Marketo's flow action of the same name",
	documentationUrl: readmeSection('sync-person-to-microsoft'),
	defaults: { name: 'Sync Person to Microsoft' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{ name: 'marketoApi', displayName: 'Marketo credential', required: true },
		{ name: 'microsoftDynamicsApi', displayName: 'Dynamics 365 credential', required: true },
	],
	properties: [...sync.description],
};
