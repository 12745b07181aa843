import type { INodeProperties } from 'n8n-workflow';

import { DEFAULT_ACTIVITIES_PER_POLL, MAX_ACTIVITIES_PER_POLL } from './defaults';

/** The Marketo Trigger's parameters. */
export const marketoTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'The first run only notes the current moment; each later run outputs what happened since, one item per person with the changed fields and the person\'s current values.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		// Not "Events": the node creator turns a trigger's "Events" options into actions and lists the
		// node as plain "Marketo"; this way it is "Marketo Trigger", like "Dynamics 365 Trigger".
		displayName: 'Events to Watch',
		name: 'events',
		type: 'multiOptions',
		required: true,
		default: ['leadChanges', 'newLeads', 'deletedLeads'],
		description: 'What to watch for',
		options: [
			{ name: 'Deleted Leads', value: 'deletedLeads', description: 'A person was deleted in Marketo' },
			{ name: 'Lead Changes', value: 'leadChanges', description: 'A watched field of a person changed' },
			{ name: 'New Leads', value: 'newLeads', description: 'A person was created in Marketo' },
		],
	},
	{
		displayName: 'Field Names or IDs',
		name: 'fields',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getMarketoLeadFields' },
		default: [],
		description:
			'The person fields whose changes start the workflow; they are also read as current values. Leave empty for the fields the Marketo sync exchanges with Dynamics 365 by default. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Activities Per Run',
				name: 'maxActivitiesPerPoll',
				type: 'number',
				default: DEFAULT_ACTIVITIES_PER_POLL,
				typeOptions: { minValue: 1, maxValue: MAX_ACTIVITIES_PER_POLL },
				description:
					'The most activities one run reads from each feed (changes, deletes). More are picked up by the next runs, without gaps, so a burst of changes never makes one run too big.',
			},
			{
				displayName: 'Only Skip Changes by API User',
				name: 'apiUser',
				type: 'string',
				default: '',
				placeholder: 'sync-user@example.com',
				description:
					'Email of the API user this credential belongs to (Marketo Admin → Users & Roles). When set (and Skip Changes Made Through the API is on), only API changes Marketo attributes to this user are skipped, so other integrations\' changes still come through.',
			},
			{
				displayName: 'Skip Changes Made Through the API',
				name: 'skipApiChanges',
				type: 'boolean',
				default: true,
				description:
					'Whether to leave out changes Marketo records as made through the API ("Web service API"). On by default, so updates written by the sync are not sent back to Dynamics. Marketo does not say which integration made an API change, so other API integrations\' changes are skipped too, unless an API user is given.',
			},
			{
				displayName: 'Start From',
				name: 'startFrom',
				type: 'dateTime',
				default: '',
				description: 'Where the first run starts reading. Leave empty to start from the moment the workflow is activated.',
			},
		],
	},
];
