import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import * as dynamicsToMarketo from './dynamicsToMarketo.operation';
import * as marketoToDynamics from './marketoToDynamics.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const direction = this.getNodeParameter('direction', 0) as string;
	switch (direction) {
		case 'dynamicsToMarketo':
			return [await dynamicsToMarketo.execute.call(this, items)];
		case 'marketoToDynamics':
			return [await marketoToDynamics.execute.call(this, items)];
		default:
			throw new NodeOperationError(this.getNode(), `The direction "${direction}" is not supported`);
	}
}
