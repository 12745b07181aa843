import type { IDataObject, IExecuteFunctions, ILoadOptionsFunctions, IPollFunctions } from 'n8n-workflow';

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
