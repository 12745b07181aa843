import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { router } from './actions/router';
import { versionDescription } from './actions/versionDescription';
import { loadOptions } from './methods';

export class DeletePerson implements INodeType {
	description: INodeTypeDescription = {
		...versionDescription,
		icon: { light: 'file:deletePerson.svg', dark: 'file:deletePerson.dark.svg' },
		subtitle: '={{ $parameter["direction"] === "marketoToDynamics" ? "Marketo → Dynamics" : "Dynamics → Marketo" }}',
		usableAsTool: true,
	};

	methods = { loadOptions };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
