import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions } from './methods';

export class SyncRecords implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		icon: { light: 'file:syncRecords.svg', dark: 'file:syncRecords.dark.svg' },
		subtitle: '={{ {"account":"Accounts → companies","customTable":"Custom table → custom objects","fromInput":"Mixed records","opportunity":"Opportunities and roles","systemuser":"Users → sales persons","team":"Teams → sales persons"}[$parameter["recordType"]] }}',
		usableAsTool: true,
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
