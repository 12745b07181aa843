import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions } from './methods';

export class SyncPerson implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		icon: { light: 'file:syncPerson.svg', dark: 'file:syncPerson.dark.svg' },
		subtitle: '={{ "as " + ($parameter["syncAs"] === "contact" ? "contact" : "lead") + ($parameter["updateIfExists"] ? ", update if it exists" : "") }}',
		usableAsTool: true,
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
