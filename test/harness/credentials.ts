import {
	ICredentialsHelper,
	type ICredentialDataDecryptedObject,
	type ICredentials,
	type ICredentialType,
	type IHttpRequestHelper,
	type IHttpRequestOptions,
	type INode,
	type INodeCredentialsDetails,
	type INodeProperties,
	type IRequestOptionsSimplified,
	type Workflow,
} from 'n8n-workflow';

import { MarketoApi } from '../../credentials/MarketoApi.credentials';
import { MicrosoftDynamicsApi } from '../../credentials/MicrosoftDynamicsApi.credentials';

export const credentialTypes: Record<string, ICredentialType> = {
	microsoftDynamicsApi: new MicrosoftDynamicsApi(),
	marketoApi: new MarketoApi(),
};

/**
 * The credential store of a test: the same contract n8n's CredentialsHelper keeps (preAuthentication
 * when the expirable field is empty or the token expired, result persisted, generic authenticate
 * resolved from `{{$credentials.x}}`), without a database.
 */
export class TestCredentialsHelper extends ICredentialsHelper {
	/** Stored credential data by credential id. */
	readonly store = new Map<string, { type: string; data: ICredentialDataDecryptedObject }>();
	/** How often each type's preAuthentication ran (token fetches). */
	readonly preAuthCalls: Record<string, number> = {};

	set(id: string, type: string, data: ICredentialDataDecryptedObject) {
		this.store.set(id, { type, data: { ...data } });
	}

	getParentTypes(): string[] {
		return [];
	}

	isCredentialUsableByNode(): boolean {
		return true;
	}

	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		requestOptions: IHttpRequestOptions | IRequestOptionsSimplified,
	): Promise<IHttpRequestOptions> {
		const type = credentialTypes[typeName];
		const options = requestOptions as IHttpRequestOptions;
		const auth = type.authenticate;
		if (typeof auth === 'function') return await auth(credentials, options);
		if (auth && typeof auth === 'object' && auth.type === 'generic') {
			for (const [outer, values] of Object.entries(auth.properties)) {
				const target = ((options as unknown as Record<string, Record<string, unknown>>)[outer] ??= {});
				for (const [key, template] of Object.entries(values as Record<string, string>)) {
					target[key] = resolveTemplate(template, credentials);
				}
			}
		}
		return options;
	}

	async preAuthentication(
		helpers: IHttpRequestHelper,
		credentials: ICredentialDataDecryptedObject,
		typeName: string,
		node: INode,
		credentialsExpired: boolean,
	): Promise<ICredentialDataDecryptedObject | undefined> {
		const type = credentialTypes[typeName];
		const expirable = type.properties.find((p) => p.type === 'hidden' && p.typeOptions?.expirable);
		if (!expirable || typeof type.preAuthentication !== 'function') return undefined;
		if (credentials[expirable.name] !== '' && !credentialsExpired) return undefined;
		this.preAuthCalls[typeName] = (this.preAuthCalls[typeName] ?? 0) + 1;
		const output = await type.preAuthentication.call(helpers, credentials);
		if (output[expirable.name] === undefined) return undefined;
		const ref = node.credentials?.[typeName];
		if (!ref) return undefined;
		const stored = this.store.get(ref.id ?? '');
		if (stored) stored.data = { ...stored.data, ...output } as ICredentialDataDecryptedObject;
		return Object.assign(credentials, output);
	}

	async runPreAuthentication(helpers: IHttpRequestHelper, credentials: ICredentialDataDecryptedObject, typeName: string) {
		const type = credentialTypes[typeName];
		return type.preAuthentication ? ((await type.preAuthentication.call(helpers, credentials)) as ICredentialDataDecryptedObject) : undefined;
	}

	async getCredentials(): Promise<ICredentials> {
		throw new Error('not used in tests');
	}

	async getDecrypted(
		_additionalData: unknown,
		nodeCredentials: INodeCredentialsDetails,
		type: string,
	): Promise<ICredentialDataDecryptedObject> {
		const stored = this.store.get(nodeCredentials.id ?? '');
		if (!stored || stored.type !== type) throw new Error(`No test credential "${nodeCredentials.id}" of type ${type}`);
		// Defaults first, as n8n applies them.
		const defaults: ICredentialDataDecryptedObject = {};
		for (const property of credentialTypes[type].properties) defaults[property.name] = property.default as never;
		return { ...defaults, ...stored.data };
	}

	async updateCredentials(nodeCredentials: INodeCredentialsDetails, type: string, data: ICredentialDataDecryptedObject) {
		this.store.set(nodeCredentials.id ?? '', { type, data: { ...data } });
	}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(type: string): INodeProperties[] {
		return credentialTypes[type].properties;
	}
}

function resolveTemplate(template: string, credentials: ICredentialDataDecryptedObject): string {
	if (!template.startsWith('=')) return template;
	return template.slice(1).replace(/\{\{\s*\$credentials\.(\w+)\s*\}\}/g, (_m, key: string) => String(credentials[key] ?? ''));
}

export type { Workflow };
