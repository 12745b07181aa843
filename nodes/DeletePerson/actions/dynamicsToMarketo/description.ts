import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

import { personTableOptions } from '../../../descriptions';
import { failureLogCollection } from '../common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName: 'Dynamics Record ID',
		name: 'dynamicsId',
		type: 'string',
		default: '={{ $json.id ?? $json.leadid ?? $json.contactid }}',
		placeholder: 'e.g. 7d3c…-…',
		description: 'ID (GUID) of the deleted Dynamics lead or contact. The default reads it from the deleted items of the Dynamics 365 Trigger.',
	},
	{
		displayName: 'Table',
		name: 'table',
		type: 'options',
		noDataExpression: true,
		options: personTableOptions({ contact: 'Only persons linked as contacts (Microsoft Type "Contact")', lead: 'Only persons linked as leads (Microsoft Type "Lead")' }, [
			{ name: 'From the Item', value: 'auto', description: "The item's table (lead or contact); any person linked to the ID when the item does not say" },
		]),
		default: 'auto',
		description: 'Which kind of Dynamics record was deleted',
	},
	{
		displayName: 'When Deleted in Dynamics',
		name: 'policy',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Delete the Person', value: 'delete', description: 'Delete the linked Marketo person (its activity history goes too)' },
			{
				name: 'Flag as Deleted',
				value: 'flag',
				description: 'Set "Microsoft Is Deleted" to true on the linked person and keep it, as the native sync does',
			},
		],
		default: 'flag',
		description: 'What happens to the Marketo person linked to the deleted record',
	},
	failureLogCollection,
];

export const description = updateDisplayOptions({ show: { direction: ['dynamicsToMarketo'] } }, properties);
