/* eslint-disable n8n-nodes-base/node-filename-against-convention -- v2 node layout: the description lives in actions/, the node file spreads it */
import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import { readmeSection } from '../../descriptions';

import * as dynamicsToMarketo from './dynamicsToMarketo.operation';
import * as marketoToDynamics from './marketoToDynamics.operation';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Delete Person',
	name: 'deletePerson',
	group: ['output'],
	version: 1,
	description: 'Carry a deleted lead or contact over to the other system, by policy: flag, delete or ignore',
	documentationUrl: readmeSection('delete-person'),
	defaults: { name: 'Delete Person' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{ name: 'marketoApi', displayName: 'Marketo credential', required: true },
		// Marketo → Dynamics writes to Dynamics; Dynamics → Marketo reads it only to reconcile after a full
		// copy (which linked rows still exist). One entry per credential type: n8n looks up the first by name.
		{ name: 'microsoftDynamicsApi', displayName: 'Dynamics 365 credential', required: false },
	],
	properties: [
		{
			displayName: 'Direction',
			name: 'direction',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Dynamics 365 → Marketo',
					value: 'dynamicsToMarketo',
					action: 'Carry a Dynamics delete over to Marketo',
					description: 'A lead or contact was deleted in Dynamics (e.g. deleted items of the Dynamics 365 Trigger)',
				},
				{
					name: 'Marketo → Dynamics 365',
					value: 'marketoToDynamics',
					action: 'Carry a Marketo delete over to Dynamics',
					description: 'A person was deleted in Marketo (e.g. deleted items of the Marketo Trigger)',
				},
			],
			default: 'dynamicsToMarketo',
			description: 'Where the delete happened, and so which system this node changes',
		},
		...dynamicsToMarketo.description,
		...marketoToDynamics.description,
	],
};
