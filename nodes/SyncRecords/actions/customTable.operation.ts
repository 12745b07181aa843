import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { executeSync } from '../helpers/execute';
import { customTableProperties } from './common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName:
			'Each row of the chosen Dynamics custom table becomes a Marketo custom object, keyed by the row ID. A deleted row deletes its object.',
		name: 'noticeCustomTable',
		type: 'notice',
		default: '',
	},
	...customTableProperties(['customTable']),
];

export const description = updateDisplayOptions({ show: { recordType: ['customTable'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await executeSync.call(this, items, 'customTable');
}
