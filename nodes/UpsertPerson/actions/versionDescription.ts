/* eslint-disable n8n-nodes-base/node-filename-against-convention -- v2 node layout: the description lives in actions/, the node file spreads it */
import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import { personTableOptions, readmeSection } from '../../descriptions';

import * as toDynamics from './toDynamics';
import * as toMarketo from './toMarketo';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Upsert Lead/Contact',
	name: 'upsertPerson',
	group: ['output'],
	version: 1,
	description: 'Create or update persons in Marketo, or leads and contacts in Microsoft Dynamics 365, with the native sync field mapping',
	documentationUrl: readmeSection('upsert-leadcontact'),
	defaults: { name: 'Upsert Lead/Contact' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{ name: 'marketoApi', displayName: 'Marketo credential', required: true },
		{ name: 'microsoftDynamicsApi', displayName: 'Dynamics 365 credential', required: true, displayOptions: { show: { target: ['dynamics'] } } },
	],
	properties: [
		{
			displayName: 'Write To',
			name: 'target',
			type: 'options',
			noDataExpression: true,
			options: [
				{
					name: 'Dynamics 365 (Lead or Contact)',
					value: 'dynamics',
					action: 'Upsert a lead or contact in Dynamics 365',
					description: 'Create or update the Dynamics lead or contact, then link the Marketo person to it',
				},
				{
					name: 'Marketo (Person)',
					value: 'marketo',
					action: 'Upsert a person in Marketo',
					description: 'Create or update the Marketo person and keep its link to the Dynamics record',
				},
			],
			default: 'marketo',
			description: 'The system the records are written to',
		},
		{
			displayName: 'Person Type',
			name: 'personType',
			type: 'options',
			noDataExpression: true,
			options: personTableOptions({ contact: 'Every item is a Dynamics contact (Microsoft Type "Contact")', lead: 'Every item is a Dynamics lead (Microsoft Type "Lead")' }, [
				{ name: 'Detect From Each Item', value: 'auto', description: 'Dynamics rows say it by their ID column (leadid or contactid), Marketo persons by their Microsoft Type' },
			]),
			default: 'auto',
			description: 'Whether the records are leads or contacts: this picks the default field mapping and the Dynamics table',
		},
		...toMarketo.description,
		...toDynamics.description,
	],
};
