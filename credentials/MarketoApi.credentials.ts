import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { fetchMarketoToken, type MarketoCredentials } from '../nodes/transport/marketoIdentity';
import { answerSummary, connectionFailure } from './connection';

export class MarketoApi implements ICredentialType {
	name = 'marketoApi';

	displayName = 'Marketo API';

	icon = 'file:marketo.svg' as const;

	documentationUrl = 'https://github.com/n8n-nodes-marketo-dynamics-sync/n8n-nodes-marketo-dynamics-sync#marketo-api';

	properties: INodeProperties[] = [
		{
			displayName: 'REST Base URL',
			name: 'restBaseUrl',
			type: 'string',
			default: '',
			placeholder: 'https://123-ABC-456.mktorest.com',
			required: true,
			description:
				'Admin → Web Services → REST API Endpoint, without the trailing /rest. The identity URL is derived from it.',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'Client ID of the LaunchPoint custom service (Admin → LaunchPoint → View Details)',
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
		},
		{
			displayName: 'Calls per 20 Seconds',
			name: 'callsPer20Seconds',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 100 },
			default: 50,
			description:
				"This integration's share of the instance's 100 calls per 20 seconds. Marketo advises at most 50 for one integration; every node using this credential shares the budget.",
		},
		{
			displayName: 'Concurrent Calls',
			name: 'concurrentCalls',
			type: 'number',
			typeOptions: { minValue: 1, maxValue: 10 },
			default: 5,
			description: "This integration's share of the instance's 10 concurrent calls (Marketo advises at most 5)",
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/** Gets an identity token; n8n stores it, and the transport asks again on 601/602. */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const http: IHttpRequestHelper['helpers']['httpRequest'] = async (options) => await this.helpers.httpRequest(options);
		const accessToken = await fetchMarketoToken(async (options) => await identityRequest(http, options), credentials as unknown as MarketoCredentials);
		return { accessToken };
	}

	// A function rather than a `={{$credentials…}}` template: n8n evaluates templates in its
	// expression isolate, which concurrent polls of one workflow can release under each other.
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return {
			...requestOptions,
			headers: { ...requestOptions.headers, Authorization: `Bearer ${String(credentials.accessToken ?? '')}` },
		};
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: '={{$credentials.restBaseUrl.replace(/\\/+$/, "").replace(/\\/rest$/, "")}}',
			url: '/rest/v1/leads/partitions.json',
		},
		rules: [
			{
				type: 'responseSuccessBody',
				properties: {
					key: 'success',
					value: false,
					message:
						'Marketo refused the call: the API user of this LaunchPoint service needs a role with "Read-Only Lead" (or "Read-Write Lead") permission',
				},
			},
		],
	};
}

/**
 * The identity call, with failures an admin can act on: a wrong REST Base URL answers with some
 * other server's error (its JSON would show as "[object Object]"), so the answer is summed up with
 * the URL that gave it; a failed connection is told in words (see connection.ts).
 */
async function identityRequest(http: IHttpRequestHelper['helpers']['httpRequest'], options: IHttpRequestOptions) {
	const url = String(options.url);
	let response: { statusCode: number; body: unknown };
	try {
		response = (await http(options)) as { statusCode: number; body: unknown };
	} catch (error) {
		throw new Error(connectionFailure(error)); // fetchMarketoToken names the URL
	}
	// 400/401 are Marketo's own answers to a wrong client ID or secret, explained by fetchMarketoToken.
	if (response.statusCode < 300 || response.statusCode === 400 || response.statusCode === 401) return response;
	const said = answerSummary(response.body);
	return { ...response, body: { error_description: `${url}${said ? ` said "${said}"` : ''}` } };
}

