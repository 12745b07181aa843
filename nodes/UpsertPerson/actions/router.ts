import { NodeOperationError, type IExecuteFunctions, type INodeExecutionData, type IPairedItemData } from 'n8n-workflow';

import { personView } from '../../persons';
import { marketoWriteFollows } from './chain';
import * as toDynamics from './toDynamics';
import * as toMarketo from './toMarketo';

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const target = this.getNodeParameter('target', 0) as string;
	switch (target) {
		case 'marketo':
			return [await toMarketo.execute.call(this, items)];
		case 'dynamics': {
			const written = await toDynamics.execute.call(this, items);
			return [marketoWriteFollows(this) ? written : await finishInMarketo.call(this, written)];
		}
		default:
			throw new NodeOperationError(this.getNode(), `The target "${target}" is not supported`);
	}
}

/**
 * Without a Marketo write after this node (a workflow saved before the template chained the two
 * upserts, or Resolve Conflict → Upsert into Dynamics alone), the Resolve Conflict items this node
 * passes on get their Marketo write here: one call per 300 persons, after the Dynamics write, with
 * the fields, link and the state of what Dynamics accepted.
 */
async function finishInMarketo(this: IExecuteFunctions, written: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const onward = written.filter((item) => personView(item.json).resolved);
	if (!onward.length) return written;
	const itemIndexes = onward.map((item) => (item.pairedItem as IPairedItemData).item);
	const inMarketo = await toMarketo.execute.call(this, onward, itemIndexes);
	return [...written.filter((item) => !personView(item.json).resolved), ...inMarketo];
}
