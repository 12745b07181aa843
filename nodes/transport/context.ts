import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type ILoadOptionsFunctions, type IPollFunctions, type JsonObject } from 'n8n-workflow';

/** Any n8n context that may call the APIs: node executions, pollers and editor dropdowns. */
export type ApiContext = IExecuteFunctions | IPollFunctions | ILoadOptionsFunctions;

export interface FullResponse {
	statusCode: number;
	headers: Record<string, string | string[] | undefined>;
	body: unknown;
}

/**
 * Credential options that make n8n fetch a new token before the request: an empty expirable
 * field makes it run the credential's preAuthentication and store the result.
 */
export async function freshTokenOptions(ctx: ApiContext, type: 'microsoftDynamicsApi' | 'marketoApi') {
	const data = (await ctx.getCredentials(type)) as IDataObject;
	const ref = ctx.getNode().credentials?.[type];
	return {
		credentialsDecrypted: { id: ref?.id ?? '', name: ref?.name ?? '', type, data: { ...data, accessToken: '' } },
	};
}

/** n8n errors pass through; anything else is wrapped so the editor shows HTTP context. */
export function asNodeError(ctx: ApiContext, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeApiError(ctx.getNode(), error as JsonObject, { itemIndex });
}
