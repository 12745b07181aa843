import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import * as sync from './sync.operation';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	return [await sync.execute.call(this, this.getInputData())];
}
