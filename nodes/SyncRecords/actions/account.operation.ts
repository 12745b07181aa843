import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { executeSync } from '../helpers/execute';

const properties: INodeProperties[] = [
	{
		displayName:
			"Each Dynamics account becomes a Marketo company (External Company ID = account ID) with the native field mapping; its owner becomes the company's sales person, created first if Marketo lacks it. A deleted account deletes its company.",
		name: 'noticeAccount',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { recordType: ['account'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await executeSync.call(this, items, 'account');
}
