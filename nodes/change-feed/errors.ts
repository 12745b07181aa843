import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

/**
 * An error as n8n should show it: errors the transport already shaped (NodeApiError with the HTTP
 * status and the API's code) pass unchanged; anything else (network failures) is wrapped.
 */
export function asNodeError(node: INode, error: unknown): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeApiError(node, error as JsonObject, { message: (error as Error)?.message });
}
