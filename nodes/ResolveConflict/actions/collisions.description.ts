import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { defaultMappedFields } from '../helpers/settings';

/** The default mapping's fields, shown as Marketo field ↔ Dynamics column. */
export const FIELD_OPTIONS: INodePropertyOptions[] = defaultMappedFields()
	.map((m) => ({ name: `${m.marketo} ↔ ${m.dynamics}`, value: m.marketo, description: m.direction === 'toMarketo' ? 'Read-only in Marketo: moves Dynamics → Marketo only' : undefined }))
	.sort((a, b) => a.name.localeCompare(b.name));

const ruleOptions = (nativeLabel: string): INodePropertyOptions[] => [
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

/** Who wins a collision, per person table, and the field owners of the per-field rule. */
export const collisionProperties: INodeProperties[] = [
	{
		displayName: 'Lead Collisions',
		name: 'leadRule',
		type: 'options',
		noDataExpression: true,
		options: ruleOptions('Marketo Wins'),
		default: 'native',
		description: 'Who wins when the same field of a lead was changed in both systems since the last sync. Fields changed on one side only are always merged.',
	},
	{
		displayName: 'Contact Collisions',
		name: 'contactRule',
		type: 'options',
		noDataExpression: true,
		options: ruleOptions('Dynamics Wins'),
		default: 'native',
		description: 'Who wins when the same field of a contact was changed in both systems since the last sync. Fields changed on one side only are always merged.',
	},
	// Shown when either rule is "Per-Field Owner" (display rules can't say "or": two exclusive copies).
	fieldOwners({ show: { leadRule: ['perField'] } }),
	fieldOwners({ show: { contactRule: ['perField'] }, hide: { leadRule: ['perField'] } }),
];
