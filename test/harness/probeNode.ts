import { NodeConnectionTypes, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type INodeType, type INodeTypeDescription } from 'n8n-workflow';

import { dataverseRequest } from '../../nodes/transport/dataverse';
import { createRecord, getAll, whoAmI } from '../../nodes/transport/dataverseApi';
import { marketoRequest } from '../../nodes/transport/marketo';
import { getLeadsBy, syncLeads } from '../../nodes/transport/marketoApi';

/** One probe call: the transport functions it runs, from the node's real execution context. */
export type ProbeCall = (ctx: IExecuteFunctions, arg: IDataObject) => Promise<IDataObject>;

/**
 * A test-only node type that runs the named transport calls from a real execution context, so
 * transport behaviour (retries, refresh, pacing) is tested through n8n's own request helpers.
 * Parameters: `call` (the name) and `arg` (JSON).
 */
export function probeNodeType(name: string, calls: Record<string, ProbeCall>): INodeType {
	return {
		description: {
			displayName: 'Transport Probe',
			name,
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
				{ displayName: 'Call', name: 'call', type: 'string', default: '' },
				{ displayName: 'Arg', name: 'arg', type: 'json', default: '{}' },
			],
		} satisfies INodeTypeDescription,
		async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
			const call = this.getNodeParameter('call', 0) as string;
			const run = calls[call];
			if (!run) throw new Error(`unknown probe call ${call}`);
			const json = await run(this, JSON.parse(this.getNodeParameter('arg', 0) as string) as IDataObject);
			return [[{ json, pairedItem: { item: 0 } }]];
		},
	};
}

const transportProbe = probeNodeType('transportProbe', {
	whoAmI: async (ctx) => ({ userId: await whoAmI(ctx) }),
	dataverseGet: async (ctx, arg) => {
		const response = await dataverseRequest(ctx, { method: 'GET', path: String(arg.path) });
		return { status: response.statusCode, body: response.body as IDataObject };
	},
	dataverseCreate: async (ctx, arg) => ({ id: await createRecord(ctx, String(arg.entitySet), arg.body as IDataObject, String(arg.id)) }),
	dataverseAll: async (ctx, arg) => ({ rows: await getAll(ctx, { entitySet: String(arg.entitySet), select: arg.select as string[], pageSize: Number(arg.pageSize ?? 5000) }) }),
	marketoGet: async (ctx, arg) => ({ ...(await marketoRequest(ctx, { method: 'GET', path: String(arg.path), qs: arg.qs as IDataObject as never })) }),
	marketoLeadsBy: async (ctx, arg) => ({ leads: await getLeadsBy(ctx, String(arg.filterType), arg.values as string[], arg.fields as string[]) }),
	marketoSync: async (ctx, arg) => ({ results: (await syncLeads(ctx, arg.records as IDataObject[])).map((r) => ({ status: r.status, id: r.id ?? null })) }),
});

/** The transport tests' probe. */
export class TransportProbe implements INodeType {
	description = transportProbe.description;
	execute = transportProbe.execute;
}
