import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions } from './methods';

export class ResolveConflict implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		icon: { light: 'file:resolveConflict.svg', dark: 'file:resolveConflict.dark.svg' },
		subtitle: versionDescription.subtitle,
		usableAsTool: true,
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
