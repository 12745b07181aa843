/* eslint-disable n8n-nodes-base/node-filename-against-convention -- v2 node layout: the description lives in actions/, the node file spreads it */
import { NodeConnectionTypes, type INodeTypeDescription } from 'n8n-workflow';

import { readmeSection } from '../../descriptions';

import * as account from './account.operation';
import { optionsProperty, recordTypeProperty } from './common.descriptions';
import * as customTable from './customTable.operation';
import * as fromInput from './fromInput.operation';
import * as opportunity from './opportunity.operation';
import * as systemUser from './systemUser.operation';
import * as team from './team.operation';

export const versionDescription: INodeTypeDescription = {
	displayName: 'Sync Records to Marketo',
	name: 'syncRecords',
	group: ['output'],
	version: 1,
	description:
		'One-way sync of Dynamics 365 accounts, users, teams, opportunities (with contact roles) and custom tables into Marketo companies, sales persons, opportunities, roles and custom objects',
	documentationUrl: readmeSection('sync-records-to-marketo'),
	defaults: { name: 'Sync Records to Marketo' },
	inputs: [NodeConnectionTypes.Main],
	outputs: [NodeConnectionTypes.Main],
	credentials: [
		{ name: 'marketoApi', displayName: 'Marketo credential', required: true },
		{ name: 'microsoftDynamicsApi', displayName: 'Dynamics 365 credential', required: true },
	],
	properties: [
		recordTypeProperty,
		...account.description,
		...customTable.description,
		...fromInput.description,
		...opportunity.description,
		...systemUser.description,
		...team.description,
		optionsProperty,
	],
};
