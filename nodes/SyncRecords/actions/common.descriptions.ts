import type { INodeProperties } from 'n8n-workflow';

import { syncFilterOption } from '../../descriptions';

const fieldPairs = (name: string, displayName: string, what: string, show: string[]): INodeProperties => ({
	displayName,
	name,
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Field Pair',
	default: {},
	displayOptions: { show: { '/recordType': show } },
	description: `Extra ${what} to sync besides the native default mapping, e.g. custom fields. A pair replaces a default pair that uses the same field or column.`,
	options: [
		{
			displayName: 'Field',
			name: 'field',
			values: [
				{
					displayName: 'Dynamics Column',
					name: 'dynamicsColumn',
					type: 'string',
					default: '',
					placeholder: 'new_segment',
					description: 'Logical name of the Dynamics column to read',
				},
				{
					displayName: 'Marketo Field',
					name: 'marketoField',
					type: 'string',
					default: '',
					placeholder: 'segment',
					description: 'REST API name of the Marketo field to write',
				},
			],
		},
	],
});

/** The custom table → custom object mapping (required for "Custom Table", optional when mixing). */
export const customTableProperties = (show: string[]): INodeProperties[] => [
	{
		displayName: 'Custom Table Name or ID',
		name: 'table',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getDynamicsTables' },
		default: '',
		displayOptions: { show: { recordType: show } },
		description:
			'The Dynamics table whose rows become Marketo custom objects (it should relate to contacts, leads or accounts). Leave empty when mixing record types without a custom table. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Custom Object Name or ID',
		name: 'customObject',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getMarketoCustomObjects' },
		default: '',
		displayOptions: { show: { recordType: show } },
		description:
			'The approved Marketo custom object (API name) that receives the rows. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Key Field Name or ID',
		name: 'keyField',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getCustomObjectFields', loadOptionsDependsOn: ['customObject'] },
		default: '',
		displayOptions: { show: { recordType: show } },
		description:
			"The custom object's dedupe field that receives the Dynamics row ID, so each row updates the same object every time. Choose from the list, or specify an ID using an <a href=\"https://docs.n8n.io/code/expressions/\">expression</a>.",
	},
	{
		displayName: 'Field Mapping',
		name: 'customFields',
		type: 'fixedCollection',
		typeOptions: { multipleValues: true },
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: { recordType: show } },
		description: 'Which Dynamics column fills which custom object field',
		options: [
			{
				displayName: 'Field',
				name: 'field',
				values: [
					{
						displayName: 'Custom Object Field Name or ID',
						name: 'marketoField',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getCustomObjectFields', loadOptionsDependsOn: ['customObject'] },
						default: '',
						description:
							'Field of the Marketo custom object. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
					{
						displayName: 'Dynamics Column Name or ID',
						name: 'dynamicsColumn',
						type: 'options',
						typeOptions: { loadOptionsMethod: 'getDynamicsColumns', loadOptionsDependsOn: ['table'] },
						default: '',
						description:
							'Column of the Dynamics table. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
					},
				],
			},
		],
	},
	{
		displayName: 'Links',
		name: 'customLinks',
		type: 'collection',
		placeholder: 'Add Link',
		default: {},
		displayOptions: { show: { recordType: show } },
		description: 'How a custom object is attached to a Marketo person or company',
		options: [
			{
				displayName: 'Company Link Column',
				name: 'companyColumn',
				type: 'string',
				default: '',
				placeholder: 'new_accountid',
				description: "Dynamics lookup column to an account; its Marketo company's ID goes into the Company Link Field",
			},
			{
				displayName: 'Company Link Field',
				name: 'companyField',
				type: 'string',
				default: '',
				placeholder: 'companyId',
				description: 'Custom object field linked to Company ID',
			},
			{
				displayName: 'Person Link Column',
				name: 'personColumn',
				type: 'string',
				default: '',
				placeholder: 'new_contactid',
				description: "Dynamics lookup column to a contact (or lead); its Marketo person's ID goes into the Person Link Field",
			},
			{
				displayName: 'Person Link Field',
				name: 'personField',
				type: 'string',
				default: '',
				placeholder: 'leadId',
				description: 'Custom object field linked to Lead ID',
			},
		],
	},
];

/** Options shared by every record type (some apply to some types only). */
export const optionsProperty: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [
		fieldPairs('accountFields', 'Additional Account Fields', 'account column → company field pairs', ['account', 'opportunity', 'customTable', 'fromInput']),
		fieldPairs('opportunityFields', 'Additional Opportunity Fields', 'opportunity column → opportunity field pairs', ['opportunity', 'fromInput']),
		{
			displayName: 'Create Missing Persons',
			name: 'createMissingPersons',
			type: 'boolean',
			default: true,
			displayOptions: { show: { '/recordType': ['opportunity', 'customTable', 'fromInput'] } },
			description:
				'Whether to create the Marketo person of a Dynamics contact that an opportunity role or custom object needs but Marketo lacks (contacts whose sync filter is No are never created)',
		},
		{
			displayName: 'Create Missing Referenced Records',
			name: 'createMissing',
			type: 'boolean',
			default: true,
			description:
				"Whether to create, from Dynamics, the sales persons and companies a record refers to when Marketo lacks them, so a first full sync succeeds in one pass. Off: such references are reported and left out.",
		},
		{
			displayName: 'Customer Contact Role',
			name: 'customerRole',
			type: 'string',
			default: 'Potential Customer',
			displayOptions: { show: { '/recordType': ['opportunity', 'fromInput'] } },
			description: "Role name given to the contact in an opportunity's Potential Customer field (stakeholders keep their connection role's name)",
		},
		{
			displayName: 'Remove Roles Not in Dynamics',
			name: 'removeStaleRoles',
			type: 'boolean',
			default: true,
			displayOptions: { show: { '/recordType': ['opportunity', 'fromInput'] } },
			description:
				'Whether to delete Marketo roles of a synced opportunity that Dynamics no longer has (removed stakeholders, a changed Potential Customer)',
		},
		syncFilterOption,
	],
};

export const recordTypeProperty: INodeProperties = {
	displayName: 'Record Type',
	name: 'recordType',
	type: 'options',
	noDataExpression: true,
	options: [
		{
			name: 'Account → Company',
			value: 'account',
			action: 'Sync accounts to companies',
			description: 'Dynamics accounts become Marketo companies, with the owner as sales person',
		},
		{
			name: 'Custom Table → Custom Object',
			value: 'customTable',
			action: 'Sync custom table rows to custom objects',
			description: 'Rows of a Dynamics custom table become Marketo custom objects',
		},
		{
			name: 'From Input Items (Mixed Record Types)',
			value: 'fromInput',
			action: 'Sync mixed records to Marketo',
			description: 'Each item says its table (Dynamics 365 Trigger items); records are synced in dependency order',
		},
		{
			name: 'Opportunity → Opportunity and Roles',
			value: 'opportunity',
			action: 'Sync opportunities and their roles',
			description: 'Dynamics opportunities and stakeholder connections become Marketo opportunities and opportunity roles',
		},
		{
			name: 'Team → Sales Person',
			value: 'team',
			action: 'Sync teams to sales persons',
			description: 'Dynamics teams become Marketo sales persons, so team-owned records keep an owner',
		},
		{
			name: 'User → Sales Person',
			value: 'systemuser',
			action: 'Sync users to sales persons',
			description: 'Dynamics users become Marketo sales persons',
		},
	],
	default: 'fromInput',
};
