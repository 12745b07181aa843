// The one entry point to @azure/msal-node. `npm run build` bundles this file (and msal with it)
// into dist/vendor/msal-node.js so the published package carries no runtime dependencies.
export { ConfidentialClientApplication, PublicClientApplication } from '@azure/msal-node';
export type {
	AccountInfo,
	AuthenticationResult,
	Configuration,
	INetworkModule,
	NetworkRequestOptions,
	NetworkResponse,
} from '@azure/msal-node';
