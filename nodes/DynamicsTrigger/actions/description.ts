import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_SYNC_FILTER } from '../../mapping/syncFilter';

import { DEFAULT_PAGE_SIZE, DEFAULT_RECORDS_PER_POLL, MAX_RECORDS_PER_POLL } from './defaults';

/** The Dynamics 365 Trigger's parameters. */
export const dynamicsTriggerProperties: INodeProperties[] = [
	{
		displayName:
			'The first run copies the whole table (spread over several runs for large tables); after that only changes come. Changes made with this credential are left out, so the sync does not echo its own writes.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Table Name or ID',
		name: 'table',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getDynamicsTables' },
		default: 'lead',
		required: true,
		description:
			'The Dynamics 365 table to watch: Lead, Contact, Account, Opportunity, User, Team, Connection or a custom table (by its logical name, for example new_project). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Field Names or IDs',
		name: 'fields',
		type: 'multiOptions',
		typeOptions: { loadOptionsMethod: 'getDynamicsColumns', loadOptionsDependsOn: ['table'] },
		default: [],
		description:
			'The fields each record carries. Leave empty for the fields the Marketo sync uses by default (Lead, Contact, Account, Opportunity, User, Team, Connection), or every field for other tables. Choose from the list, or specify IDs using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Sync Filter Field',
		name: 'syncFilterField',
		type: 'string',
		default: DEFAULT_SYNC_FILTER,
		placeholder: DEFAULT_SYNC_FILTER,
		description:
			'Logical name of a Yes/No field that decides which records sync. Empty or Yes: the record syncs. No: it is skipped (a record switched from Yes to No stops syncing and stays in Marketo; switched from No to Yes it comes out as new). Tables without this field sync every record. Leave this empty to sync every record.',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add option',
		default: {},
		options: [
			{
				displayName: 'Change Detection',
				name: 'changeDetection',
				type: 'options',
				default: 'auto',
				description: 'How changed records are found',
				options: [
					{
						name: 'Automatic',
						value: 'auto',
						description: 'Dynamics change tracking when the table has it (finds deleted records too), otherwise the Modified On date',
					},
					{
						name: 'Modified On Date',
						value: 'modifiedOn',
						description: 'Records whose Modified On date is newer than the last run. Deleted records are not found this way.',
					},
				],
			},
			{
				displayName: 'Include Changes Made by This Credential',
				name: 'includeOwnChanges',
				type: 'boolean',
				default: false,
				description:
					'Whether to also output records last changed by the user this credential signs in as (the sync user). Off by default, so updates written by the sync are not sent back to Marketo.',
			},
			{
				displayName: 'Page Size',
				name: 'pageSize',
				type: 'number',
				default: DEFAULT_PAGE_SIZE,
				typeOptions: { minValue: 1, maxValue: 5000 },
				description: 'How many records to ask Dynamics for in one request (at most 5,000)',
			},
			{
				displayName: 'Records Per Run',
				name: 'maxRecordsPerPoll',
				type: 'number',
				default: DEFAULT_RECORDS_PER_POLL,
				typeOptions: { minValue: 1, maxValue: MAX_RECORDS_PER_POLL },
				description:
					'The most records one run outputs. More changes than this are picked up by the next runs, without gaps or duplicates, so a large table never makes one run too big.',
			},
		],
	},
];
