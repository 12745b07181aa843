import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { executeSync } from '../helpers/execute';

const properties: INodeProperties[] = [
	{
		displayName:
			"Opportunities become Marketo opportunities (company from the Potential Customer, sales person from the owner) with their roles: a contact as Potential Customer gets a role and the opportunity takes that contact's account; each stakeholder connection gets a role named after its connection role. Accepts opportunity and connection items; a removed stakeholder loses its role.",
		name: 'noticeOpportunity',
		type: 'notice',
		default: '',
	},
];

export const description = updateDisplayOptions({ show: { recordType: ['opportunity'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return await executeSync.call(this, items, 'opportunity');
}
