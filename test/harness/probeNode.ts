import { NodeConnectionTypes, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { dataverseRequest } from '../../nodes/transport/dataverse';
import { createRecord, getAll, whoAmI } from '../../nodes/transport/dataverseApi';
import { marketoRequest } from '../../nodes/transport/marketo';
import { getLeadsBy, syncLeads } from '../../nodes/transport/marketoApi';

/**
 * A test-only node that calls the shared transport from a real execution context, so transport
 * behaviour (retries, refresh, pacing) is tested through n8n's own request helpers.
 */
export class TransportProbe implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Transport Probe',
		name: 'transportProbe',
		group: ['transform'],
		version: 1,
		description: 'test only',
		defaults: { name: 'Probe' },
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{ name: 'microsoftDynamicsApi', required: false },
			{ name: 'marketoApi', required: false },
		],
		properties: [
			{ displayName: 'Call', name: 'call', type: 'string', default: 'whoAmI' },
			{ displayName: 'Arg', name: 'arg', type: 'json', default: '{}' },
		],
	};

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const call = this.getNodeParameter('call', 0) as string;
		const arg = JSON.parse(this.getNodeParameter('arg', 0) as string) as IDataObject;
		let json: IDataObject;
		switch (call) {
			case 'whoAmI':
				json = { userId: await whoAmI(this) };
				break;
			case 'dataverseGet': {
				const response = await dataverseRequest(this, { method: 'GET', path: String(arg.path) });
				json = { status: response.statusCode, body: response.body as IDataObject };
				break;
			}
			case 'dataverseCreate':
				json = { id: await createRecord(this, String(arg.entitySet), arg.body as IDataObject, String(arg.id)) };
				break;
			case 'dataverseAll':
				json = { rows: await getAll(this, { entitySet: String(arg.entitySet), select: arg.select as string[], pageSize: Number(arg.pageSize ?? 5000) }) };
				break;
			case 'marketoGet':
				json = { ...(await marketoRequest(this, { method: 'GET', path: String(arg.path), qs: arg.qs as IDataObject as never })) };
				break;
			case 'marketoLeadsBy':
				json = { leads: await getLeadsBy(this, String(arg.filterType), arg.values as string[], arg.fields as string[]) };
				break;
			case 'marketoSync':
				json = { results: (await syncLeads(this, arg.records as IDataObject[])).map((r) => ({ status: r.status, id: r.id ?? null })) };
				break;
			default:
				throw new Error(`unknown probe call ${call}`);
		}
		return [[{ json, pairedItem: { item: 0 } }]];
	}
}
