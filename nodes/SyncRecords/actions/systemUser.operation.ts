import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { executeSync } from '../helpers/execute';

const properties: INodeProperties[] = [
	{
		displayName:
			'Each Dynamics user becomes a Marketo sales person (External Sales Person ID = user ID): email, first and last name, title, phone. A deleted user keeps its sales person, because Marketo refuses to delete one still linked to records.',
		name: 'noticeSystemUser',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { recordType: ['systemuser'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await executeSync.call(this, items, 'systemuser');
}
