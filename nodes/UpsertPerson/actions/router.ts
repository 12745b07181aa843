import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import * as toDynamics from './toDynamics.operation';
import * as toMarketo from './toMarketo.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const target = this.getNodeParameter('target', 0) as string;
	switch (target) {
		case 'marketo':
			return [await toMarketo.execute.call(this, items)];
		case 'dynamics':
			return [await toDynamics.execute.call(this, items)];
		default:
			throw new NodeOperationError(this.getNode(), `The target "${target}" is not supported`);
	}
}
