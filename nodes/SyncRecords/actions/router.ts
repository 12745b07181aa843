import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData } from 'n8n-workflow';

import * as account from './account.operation';
import * as customTable from './customTable.operation';
import * as fromInput from './fromInput.operation';
import * as opportunity from './opportunity.operation';
import * as systemUser from './systemUser.operation';
import * as team from './team.operation';

const operations = { account, customTable, fromInput, opportunity, systemuser: systemUser, team } as const;

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const recordType = this.getNodeParameter('recordType', 0) as keyof typeof operations;
	const operation = operations[recordType];
	if (!operation) throw new NodeOperationError(this.getNode(), `The record type "${String(recordType)}" is not supported`);
	return [await operation.execute.call(this, items)];
}
