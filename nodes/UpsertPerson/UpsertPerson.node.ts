import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions, resourceMapping } from './methods';

export class UpsertPerson implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		icon: { light: 'file:upsertPerson.svg', dark: 'file:upsertPerson.dark.svg' },
		subtitle: '={{ $parameter["target"] === "dynamics" ? "to Dynamics 365" : "to Marketo" }}',
		usableAsTool: true,
	};

	methods = { loadOptions, resourceMapping };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
