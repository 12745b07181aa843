import type { INodeProperties } from 'n8n-workflow';

import { extraMappingsOption, mappingDirectionField, syncFilterOption } from '../../descriptions';

/**
 * Version 1's extra field pairs (`additionalFields.field[{marketoField, dynamicsColumn, direction}]`),
 * kept so workflows saved with it load and behave as before; version 2 uses the shared Extra Field
 * Mappings of the other person nodes. Both are read (helpers/settings.ts).
 */
const additionalFieldsV1: INodeProperties = {
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
				mappingDirectionField,
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
					description: 'The Marketo person field. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
			],
		},
	],
};

const syncStateFieldOption: INodeProperties = {
	displayName: 'Sync State Field',
	name: 'syncStateField',
	type: 'string',
	default: 'microsoftSyncState',
	description: 'Marketo person field (Text Area) where the node keeps what was last synced, so it can tell which side changed and ignore its own writes',
};

/** The Options collection of one node version (the `@version` rule picks the one shown). */
const optionsOf = (fieldPairs: INodeProperties, versions: number[]): INodeProperties => ({
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	displayOptions: { show: { '@version': versions } },
	options: [fieldPairs, syncFilterOption, syncStateFieldOption],
});

export const optionsProperties: INodeProperties[] = [optionsOf(additionalFieldsV1, [1]), optionsOf(extraMappingsOption, [2])];
