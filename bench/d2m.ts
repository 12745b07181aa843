// `npm run bench:d2m`: the initial sync Dynamics → Marketo of 100,000 leads through the template.
import { log, runMain, saveFigures } from './lib/harness';
import { describeInitialSync, runInitialSync } from './lib/initialSync';

import { D2M_RECORDS_DEFAULT } from './lib/sizes';

export const D2M_RECORDS = Number(process.env.BENCH_D2M_RECORDS ?? D2M_RECORDS_DEFAULT);

runMain(async () => {
	const figures = await runInitialSync('d2m', D2M_RECORDS, { budgetPer20s: Number(process.env.BENCH_BUDGET ?? 100) });
	log(`d2m: ${describeInitialSync(figures)}`);
	saveFigures('d2m', figures);
});
