import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { executeSync } from '../helpers/execute';
import { customTableProperties } from './common.descriptions';

const properties: INodeProperties[] = [
	{
		displayName:
			"Every item says its table (Dynamics 365 Trigger items). Users, teams, accounts, opportunities, stakeholder connections and (optionally) one custom table are synced in Marketo's link order, whatever the input order: sales persons, companies, opportunities, roles, custom objects.",
		name: 'noticeFromInput',
		type: 'notice',
		default: '',
	},
	...customTableProperties(['fromInput']),
];

export const description = updateDisplayOptions({ show: { recordType: ['fromInput'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await executeSync.call(this, items, 'fromInput');
}
