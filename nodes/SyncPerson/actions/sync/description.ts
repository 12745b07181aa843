import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

import { extraMappingsOption, failureLogOptions, ownerProperty, personTableOptions, sortedOptions, useDefaultMappingOption } from '../../../descriptions';

/** The Options collection: failure logging, the field mapping, and linking by email. */
const syncOptions = sortedOptions([
	...failureLogOptions,
	extraMappingsOption,
	{
		displayName: 'Link Record With Same Email',
		name: 'linkByEmail',
		type: 'boolean',
		default: true,
		description:
			'Whether a Dynamics lead or contact with the same email as the person counts as its record (it gets linked, nothing is created). Off: only the Microsoft ID on the person counts.',
	},
	useDefaultMappingOption,
]);

const properties: INodeProperties[] = [
	{
		displayName: 'Marketo Lead ID',
		name: 'leadId',
		type: 'string',
		default: '={{ $json.leadId ?? $json.marketoId ?? $json.id }}',
		placeholder: 'e.g. 1234',
		description:
			"ID of the Marketo person to sync. The default reads it from items of the Marketo Trigger or of other nodes of this package. When it is empty, the person is found by the item's email.",
	},
	{
		displayName: 'Sync As',
		name: 'syncAs',
		type: 'options',
		noDataExpression: true,
		options: personTableOptions({
			contact: 'Create a Dynamics contact (without an account)',
			lead: 'Create a Dynamics lead, as the native flow action does by default',
		}),
		default: 'lead',
		description: 'What to create in Dynamics when the person has no record there yet',
	},
	{ ...ownerProperty, description: `${ownerProperty.description} Applies to records this node creates.` },
	{
		displayName: 'Update If It Exists',
		name: 'updateIfExists',
		type: 'boolean',
		default: false,
		description:
			"Whether to update the existing Dynamics record with the person's current Marketo values (a force sync, which the native flow action cannot do). Off: an existing record is left as it is.",
	},
	{ displayName: 'Options', name: 'options', type: 'collection', placeholder: 'Add Option', default: {}, options: syncOptions },
];

export const description = updateDisplayOptions({ show: { '@version': [1] } }, properties);
