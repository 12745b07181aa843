import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties, type INodePropertyOptions } from 'n8n-workflow';

import { syncFilterOption } from '../../descriptions';
import { emitOutcomes } from '../../persons/outcome';
import { resolveItems } from '../helpers/engine';
import { defaultMappedFields, readSettings } from '../helpers/settings';

const FIELD_OPTIONS: INodePropertyOptions[] = defaultMappedFields()
	.map((m) => ({ name: `${m.marketo} ↔ ${m.dynamics}`, value: m.marketo, description: m.direction === 'toMarketo' ? 'Read-only in Marketo: moves Dynamics → Marketo only' : undefined }))
	.sort((a, b) => a.name.localeCompare(b.name));

const RULE_OPTIONS = (nativeLabel: string): INodePropertyOptions[] => [
	{ name: 'Dynamics Always Wins', value: 'dynamicsWins', description: 'Dynamics 365 keeps its value whenever both systems changed a field' },
	{ name: 'Marketo Always Wins', value: 'marketoWins', description: 'Marketo keeps its value whenever both systems changed a field' },
	{ name: 'Most Recent Change Wins', value: 'mostRecent', description: 'The system that changed the record last keeps its value (ties follow the native rule)' },
	{ name: `Native Rule (${nativeLabel})`, value: 'native', description: "Marketo's own rule: Marketo wins for leads, Dynamics 365 wins for contacts" },
	{ name: 'Per-Field Owner', value: 'perField', description: 'Each field has an owning system, set below; fields without an owner follow the native rule' },
];

const fieldOwners = (displayOptions: INodeProperties['displayOptions']): INodeProperties => ({
	displayName: 'Field Owners',
	name: 'fieldOwners',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Field Owner',
	default: {},
	displayOptions,
	description: 'Which system wins a collision on each field. Fields not listed follow the native rule.',
	options: [
		{
			displayName: 'Owner',
			name: 'owner',
			values: [
				{
					displayName: 'Field Name or ID',
					name: 'field',
					type: 'options',
					options: FIELD_OPTIONS,
					default: 'email',
					description: 'The Marketo field (its Dynamics column is shown next to it). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
				{
					displayName: 'Winning System',
					name: 'system',
					type: 'options',
					options: [
						{ name: 'Dynamics 365', value: 'dynamics' },
						{ name: 'Marketo', value: 'marketo' },
					],
					default: 'dynamics',
					description: 'The system whose value is kept when both changed this field since the last sync',
				},
			],
		},
	],
});

const properties: INodeProperties[] = [
	{
		displayName:
			'Connect a Dynamics 365 Trigger (leads or contacts) or a Marketo Trigger. The node reads the other system itself and outputs, per change, what to write where: feed it to Upsert Lead/Contact.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Fields to Sync',
		name: 'fieldSelection',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'All Default Fields', value: 'all', description: "Every field of Marketo's native lead and contact mapping" },
			{ name: 'Selected Fields', value: 'selected', description: 'Only the fields chosen below' },
		],
		default: 'all',
		description: 'Which fields are compared and merged between the Marketo person and the Dynamics lead or contact',
	},
	{
		displayName: 'Fields',
		name: 'fields',
		type: 'multiOptions',
		options: FIELD_OPTIONS,
		default: ['email', 'firstName', 'lastName'],
		displayOptions: { show: { fieldSelection: ['selected'] } },
		description: 'Fields to compare and merge, shown as Marketo field ↔ Dynamics column',
	},
	{
		displayName: 'Lead Collisions',
		name: 'leadRule',
		type: 'options',
		noDataExpression: true,
		options: RULE_OPTIONS('Marketo Wins'),
		default: 'native',
		description: 'Who wins when the same field of a lead was changed in both systems since the last sync. Fields changed on one side only are always merged.',
	},
	{
		displayName: 'Contact Collisions',
		name: 'contactRule',
		type: 'options',
		noDataExpression: true,
		options: RULE_OPTIONS('Dynamics Wins'),
		default: 'native',
		description: 'Who wins when the same field of a contact was changed in both systems since the last sync. Fields changed on one side only are always merged.',
	},
	// Shown when either rule is "Per-Field Owner" (display rules can't say "or": two exclusive copies).
	fieldOwners({ show: { leadRule: ['perField'] } }),
	fieldOwners({ show: { contactRule: ['perField'] }, hide: { leadRule: ['perField'] } }),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Additional Fields',
				name: 'additionalFields',
				type: 'fixedCollection',
				typeOptions: { multipleValues: true },
				placeholder: 'Add Field Pair',
				default: {},
				description: 'Extra Marketo field ↔ Dynamics column pairs to sync, e.g. custom fields. A pair replaces a default pair that uses the same field or column.',
				options: [
					{
						displayName: 'Field',
						name: 'field',
						values: [
							{
								displayName: 'Direction',
								name: 'direction',
								type: 'options',
								options: [
									{ name: 'Both Ways', value: 'both' },
									{ name: 'Dynamics to Marketo Only', value: 'toMarketo' },
								],
								default: 'both',
								description: 'Whether changes flow both ways or only from Dynamics 365 to Marketo',
							},
							{
								displayName: 'Dynamics Column',
								name: 'dynamicsColumn',
								type: 'string',
								default: '',
								placeholder: 'new_region',
								description: 'Logical name of the column on the Dynamics lead and contact',
							},
							{
								displayName: 'Marketo Field Name or ID',
								name: 'marketoField',
								type: 'options',
								typeOptions: { loadOptionsMethod: 'getMarketoLeadFields' },
								default: '',
								description:
									'The Marketo person field. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
							},
						],
					},
				],
			},
			syncFilterOption,
			{
				displayName: 'Sync State Field',
				name: 'syncStateField',
				type: 'string',
				default: 'microsoftSyncState',
				description:
					'Marketo person field (Text Area) where the node keeps what was last synced, so it can tell which side changed and ignore its own writes',
			},
		],
	},
];

export const description = updateDisplayOptions({ show: { operation: ['resolve'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const outcomes = await resolveItems(
		this,
		items.map((item) => item.json),
		(index) => readSettings(this, index),
	);
	return emitOutcomes(
		this,
		items.map((_, i) => outcomes[i] ?? { ref: { index: i }, failure: { message: `Item ${i + 1}: no result`, source: 'input', named: true } }),
	);
}
