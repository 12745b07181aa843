import { NodeApiError, NodeOperationError, type IExecuteFunctions, type ILoadOptionsFunctions, type IPollFunctions, type JsonObject } from 'n8n-workflow';

/** Any n8n context that may call the APIs: node executions, pollers and editor dropdowns. */
export type ApiContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

export interface FullResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

/** n8n errors pass through; anything else is wrapped so the editor shows HTTP context. */
export function asNodeError(ctx: ApiContext, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeApiError(ctx.getNode(), error as JsonObject, { itemIndex });
}
