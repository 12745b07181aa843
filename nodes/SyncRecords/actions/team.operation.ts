import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { executeSync } from '../helpers/execute';

const properties: INodeProperties[] = [
	{
		displayName:
			'Each Dynamics team becomes a Marketo sales person (External Sales Person ID = team ID, last name = team name). Marketo has no team object, but Dynamics records can be owned by a team: this keeps their owner link.',
		name: 'noticeTeam',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { recordType: ['team'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await executeSync.call(this, items, 'team');
}
