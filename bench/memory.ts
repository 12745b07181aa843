// `npm run bench:memory`: peak RSS of the n8n process for initial syncs of 10k, 100k and 300k leads
// through the same bench copy of the template. `npm run bench` takes the 100k point from bench:d2m.
import { log, runMain, saveFigures } from './lib/harness';
import { describeInitialSync, runInitialSync, type InitialSyncFigures } from './lib/initialSync';

const SIZES = (process.env.BENCH_MEMORY_SIZES ?? '10000,100000,300000').split(',').map(Number).filter((n) => n > 0);

runMain(async () => {
	const runs: InitialSyncFigures[] = [];
	for (const size of SIZES) {
		const figures = await runInitialSync(`memory-${size / 1000}k`, size, { timeoutMs: 40 * 60_000 });
		log(`memory ${size}: ${describeInitialSync(figures)}`);
		runs.push(figures);
		saveFigures(process.env.BENCH_MEMORY_OUT ?? 'memory', { runs });
	}
});
