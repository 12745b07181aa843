import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestHelper,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

import { acquireDynamicsToken, type DynamicsCredentials } from '../nodes/transport/entraToken';
import { baseUrlOf, parseSecureUrl } from '../nodes/transport/urls';
import { unreachable } from './connection';

/** Environment URLs that answered in this process (see preAuthentication). */
const reachableEnvironments = new Set<string>();

const dynamicsBaseUrl = (environmentUrl: unknown) => baseUrlOf(parseSecureUrl(environmentUrl, 'Environment URL'));

export class MicrosoftDynamicsApi implements ICredentialType {
	name = 'microsoftDynamicsApi';

	displayName = 'Microsoft Dynamics 365 API';

	icon = 'file:microsoftDynamics.svg' as const;

	documentationUrl = 'https://github.com/n8n-nodes-marketo-dynamics-sync/n8n-nodes-marketo-dynamics-sync#microsoft-dynamics-365-api';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment URL',
			name: 'environmentUrl',
			type: 'string',
			default: '',
			placeholder: 'https://yourorg.crm.dynamics.com',
			required: true,
			description:
				'The Dataverse environment URL, as shown in Power Platform admin center → Environments → Environment URL. Must be https.',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'options',
			options: [
				{
					name: 'Client Credentials (Application User)',
					value: 'clientCredentials',
					description: 'Recommended: an app registration with an application user in Dataverse; no password, no MFA issues',
				},
				{
					name: 'Username and Password (ROPC)',
					value: 'ropc',
					description:
						'The legacy "resource owner password" connection: a dedicated sync user without MFA. Deprecated by Microsoft.',
				},
			],
			default: 'clientCredentials',
		},
		{
			displayName: 'Tenant ID',
			name: 'tenantId',
			type: 'string',
			default: '',
			placeholder: '00000000-0000-0000-0000-000000000000',
			required: true,
			description: 'Directory (tenant) ID of the app registration in Microsoft Entra ID',
		},
		{
			displayName: 'Client ID',
			name: 'clientId',
			type: 'string',
			default: '',
			required: true,
			description: 'Application (client) ID of the app registration',
		},
		// One field per authentication: client credentials cannot work without a secret, while the
		// password flow may use a public client that has none (n8n marks "required" per field).
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: "The secret's Value (not its Secret ID) from the app registration's Certificates & secrets page",
			displayOptions: { show: { authentication: ['clientCredentials'] } },
		},
		{
			displayName: 'Client Secret',
			name: 'clientSecret',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description:
				"The secret's Value from the app registration's Certificates & secrets page. Leave empty when the app registration is a public client (Allow public client flows).",
			displayOptions: { show: { authentication: ['ropc'] } },
		},
		{
			displayName: 'Username',
			name: 'username',
			type: 'string',
			default: '',
			placeholder: 'marketo.sync@contoso.com',
			description: 'The sync user, as user@domain.com or DOMAIN\\user. The account must not require MFA.',
			displayOptions: { show: { authentication: ['ropc'] } },
		},
		{
			displayName: 'Password',
			name: 'password',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			displayOptions: { show: { authentication: ['ropc'] } },
		},
		{
			displayName: 'Authority Host',
			name: 'authorityHost',
			type: 'string',
			default: 'https://login.microsoftonline.com',
			description:
				'Microsoft Entra ID sign-in host. Change only for sovereign clouds (e.g. https://login.microsoftonline.us).',
		},
		{
			displayName: 'Access Token',
			name: 'accessToken',
			type: 'hidden',
			typeOptions: { expirable: true, password: true },
			default: '',
		},
	];

	/**
	 * Fetches a token with MSAL (network through n8n's helper); n8n stores it and calls again on 401.
	 * The sign-in never contacts the environment, so the environment URL is tried alongside it
	 * (any HTTP answer will do): an unreachable one is reported with its host, where n8n itself would
	 * only say "ECONNREFUSED" or "ENOTFOUND" after the test request.
	 */
	async preAuthentication(this: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject) {
		const c = credentials as unknown as DynamicsCredentials;
		const http: IHttpRequestHelper['helpers']['httpRequest'] = async (options) => await this.helpers.httpRequest(options);
		// The environment's root, not the Web API: no API call is spent (nor counted against the
		// user's request limits), and once an environment answered, later token refreshes skip it.
		const environment = `${dynamicsBaseUrl(c.environmentUrl)}/`;
		const probe = reachableEnvironments.has(environment)
			? Promise.resolve(undefined)
			: unreachable(
					http,
					environment,
					'the Dynamics 365 environment',
					'Check the Environment URL (Power Platform admin center → Environments → Environment URL) and that n8n can reach it.',
				);
		const [token, unreachableMessage] = await Promise.allSettled([acquireDynamicsToken(async (options) => await http(options), c), probe]);
		if (unreachableMessage.status === 'fulfilled' && unreachableMessage.value) throw new Error(unreachableMessage.value);
		if (unreachableMessage.status === 'fulfilled') reachableEnvironments.add(environment);
		if (token.status === 'rejected') throw token.reason;
		return { accessToken: token.value };
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
			baseURL: '={{$credentials.environmentUrl.replace(/\\/+$/, "")}}',
			url: '/api/data/v9.2/WhoAmI',
			headers: { Accept: 'application/json', 'OData-MaxVersion': '4.0', 'OData-Version': '4.0' },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'Dataverse rejected the token: check that the Environment URL is this environment\'s URL (https://<org>.crm.dynamics.com) and that the app registration belongs to the same tenant',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'Signed in, but this identity is not a user of the environment: create an application user for the client ID in Power Platform admin center (Environments → Settings → Users + permissions → Application users) and give it a security role',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'The Environment URL answered, but not as a Dataverse Web API: check the URL',
				},
			},
		],
	};
}
