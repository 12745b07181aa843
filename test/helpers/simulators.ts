import { DataverseSimulator } from '../../simulators/dataverse';
import { EntraSimulator } from '../../simulators/entra';
import { MarketoSimulator } from '../../simulators/marketo';

export const TENANT = 'tenant1';
export const DYN_CLIENT = { clientId: 'dyn-client', clientSecret: 'dyn-secret-value-123' };
export const MKTO_CLIENT = { clientId: 'mkto-client', clientSecret: 'mkto-secret-value-456' };

export interface Simulators {
	entra: EntraSimulator;
	dataverse: DataverseSimulator;
	marketo: MarketoSimulator;
	dynamicsCredentials: Record<string, string>;
	marketoCredentials: Record<string, string | number>;
	stop(): Promise<void>;
}

/** Entra ID, Dataverse and Marketo simulators on loopback, wired for the default test credentials. */
export async function startSimulators(ports: { entra?: number; dataverse?: number; marketo?: number } = {}): Promise<Simulators> {
	const entra = new EntraSimulator();
	// strictMetadata: reject metadata selects real Dataverse rejects.
	const dataverse = new DataverseSimulator({ strictMetadata: true });
	const marketo = new MarketoSimulator(MKTO_CLIENT);
	await entra.start(ports.entra ?? 0);
	await dataverse.start(ports.dataverse ?? 0);
	await marketo.start(ports.marketo ?? 0);
	entra.addApp({ ...DYN_CLIENT, tenantId: TENANT });
	return {
		entra,
		dataverse,
		marketo,
		dynamicsCredentials: {
			environmentUrl: dataverse.url,
			authentication: 'clientCredentials',
			tenantId: TENANT,
			clientId: DYN_CLIENT.clientId,
			clientSecret: DYN_CLIENT.clientSecret,
			authorityHost: entra.url,
		},
		marketoCredentials: { restBaseUrl: marketo.url, ...MKTO_CLIENT, callsPer20Seconds: 100, concurrentCalls: 10 },
		async stop() {
			await Promise.all([entra.stop(), dataverse.stop(), marketo.stop()]);
		},
	};
}
