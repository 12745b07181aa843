import { clearMetadataCache } from '../../nodes/transport/dataverseApi';
import { clearTokenCache } from '../../nodes/transport/entraToken';
import { clearDescribeCache } from '../../nodes/transport/marketoApi';
import { startSimulators, type Simulators } from '../helpers/simulators';
import type { TestEngine } from './engine';

/**
 * The integration files' setup, once: the simulators start before the file and stop after it;
 * before each test they and the transport's caches (tokens, metadata, describes) are emptied, and a new engine from `makeEngine`
 * gets the test credentials (`dyn`, `mkto`). `use` hands both to the file's variables.
 */
export function simulatorSuite<E extends TestEngine>(makeEngine: () => E, use: (suite: { sims: Simulators; engine: E }) => void): void {
	let sims: Simulators;
	beforeAll(async () => {
		sims = await startSimulators();
	});
	afterAll(async () => {
		await sims.stop();
	});
	beforeEach(() => {
		sims.dataverse.reset();
		sims.marketo.reset();
		clearTokenCache();
		clearMetadataCache();
		clearDescribeCache();
		const engine = makeEngine();
		engine.credentials.set('dyn', 'microsoftDynamicsApi', sims.dynamicsCredentials);
		engine.credentials.set('mkto', 'marketoApi', sims.marketoCredentials);
		use({ sims, engine });
	});
}
