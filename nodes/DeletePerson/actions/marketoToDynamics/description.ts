import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

import { personTableOptions } from '../../../descriptions';
import { failureLogCollection } from '../common.descriptions';

/** The parameters that matter only when Marketo deletes are carried to Dynamics. */
const whenDeleting = { show: { policy: ['deleteInDynamics'] } };

const properties: INodeProperties[] = [
	{
		displayName: 'When Deleted in Marketo',
		name: 'policy',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Delete in Dynamics 365',
				value: 'deleteInDynamics',
				description: 'Delete the linked Dynamics lead or contact too (the native Dynamics sync cannot do this)',
			},
			{ name: 'Ignore', value: 'ignore', description: 'Leave the Dynamics record alone, as the native sync does' },
		],
		default: 'ignore',
		description: 'What happens to the Dynamics record of a person deleted in Marketo',
	},
	{
		displayName: 'Marketo Lead ID',
		name: 'leadId',
		type: 'string',
		default: '={{ $json.leadId ?? $json.id }}',
		placeholder: 'e.g. 1234',
		description: 'ID of the deleted Marketo person. The default reads it from the deleted items of the Marketo Trigger.',
	},
	{
		displayName: 'Dynamics Record ID',
		name: 'dynamicsId',
		type: 'string',
		default: '={{ $json.microsoftId ?? $json.current?.microsoftId ?? "" }}',
		displayOptions: whenDeleting,
		description:
			"ID (GUID) of the person's Dynamics record (its Microsoft ID). When it is empty, it is read from the person in Marketo, which works while the person still exists there.",
	},
	{
		displayName: 'Table',
		name: 'table',
		type: 'options',
		noDataExpression: true,
		options: personTableOptions({}, [{ name: 'From Microsoft Type', value: 'auto', description: "The person's Microsoft Type; both tables are tried when it is unknown" }]),
		default: 'auto',
		displayOptions: whenDeleting,
		description: 'Which Dynamics table the record is in',
	},
	{ ...failureLogCollection, displayOptions: whenDeleting },
];

export const description = updateDisplayOptions({ show: { direction: ['marketoToDynamics'] } }, properties);
