import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

import { syncFilterOption } from '../../../descriptions';
import { fieldMapperProperty, upsertOptions } from '../descriptions';

const properties: INodeProperties[] = [
	fieldMapperProperty(
		'Fields',
		"Which Marketo person fields to write. \"Map Automatically\" applies Marketo's native Dynamics mapping: items from the Dynamics 365 Trigger (Dynamics column names) are translated to Marketo fields, items that already use Marketo names pass through. \"Map Each Field Below\" starts with the same default mapping as expressions you can change.",
		'getMarketoColumns',
		{ singular: 'field', plural: 'fields' },
	),
	{
		displayName: 'Find Person By',
		name: 'lookupField',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Automatic',
				value: 'auto',
				description:
					'Items with a Marketo lead ID: that person. Items with a Dynamics ID: the person linked to that record (Microsoft ID), or else an unlinked person with the same email, which gets linked. Other items: email.',
			},
			{ name: 'Email', value: 'email', description: 'The person with the same email address' },
			{ name: 'Microsoft ID', value: 'microsoftId', description: 'The person linked to the same Dynamics record' },
			{ name: 'Other Field', value: 'other', description: 'A searchable Marketo field of your choice' },
		],
		default: 'auto',
		description: 'How to find the Marketo person to update; a person is created when none is found',
	},
	{
		displayName: 'Lookup Field Name or ID',
		name: 'customLookupField',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getMarketoLeadFields' },
		default: '',
		displayOptions: { show: { lookupField: ['other'] } },
		description:
			'Marketo field used to find the person. It must be searchable (email, or a custom text, email or integer field) and every item must have a value for it. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	upsertOptions('With Person Type "Detect From Each Item": the type used when an item does not say whether it is a lead or a contact', [syncFilterOption]),
];

export const description = updateDisplayOptions({ show: { target: ['marketo'] } }, properties);
