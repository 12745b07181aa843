/* eslint-disable n8n-nodes-base/node-filename-against-convention -- v2 node layout: the description lives in actions/, the node file spreads it */
import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import { readmeSection } from '../../descriptions';

import * as resolve from './resolve.operation';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Resolve Conflict',
	name: 'resolveConflict',
	group: ['transform'],
	// 2: the extra field pairs are the shared Extra Field Mappings (1 keeps its Additional Fields).
	version: [1, 2],
	defaultVersion: 2,
	subtitle: '={{"Leads: " + {"native":"Marketo wins","marketoWins":"Marketo wins","dynamicsWins":"Dynamics wins","mostRecent":"most recent","perField":"per field"}[$parameter["leadRule"]] + " · Contacts: " + {"native":"Dynamics wins","marketoWins":"Marketo wins","dynamicsWins":"Dynamics wins","mostRecent":"most recent","perField":"per field"}[$parameter["contactRule"]]}}',
	description:
		'Decides what to write when a Marketo person and its Dynamics 365 lead or contact changed: merges one-sided changes, settles collisions by rule, ignores the sync\'s own writes',
	documentationUrl: readmeSection('resolve-conflict'),
	defaults: { name: 'Resolve Conflict' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{ name: 'marketoApi', displayName: 'Marketo credential', required: true },
		{ name: 'microsoftDynamicsApi', displayName: 'Dynamics 365 credential', required: true },
	],
	properties: [
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Resolve',
					value: 'resolve',
					action: 'Resolve a lead or contact change',
					description: 'Compare an incoming change with the other system and the last synced state, and say what to write',
				},
			],
			default: 'resolve',
		},
		...resolve.description,
	],
};
