// `npm run bench`: every benchmark, in three lanes that run side by side (each lane waits on a different
// simulator's limits, not on the CPU), then one table, printed and written to bench/results.md.
// `npm run bench -- --table` only rebuilds the table from bench/tmp/*.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { N8nInstance } from '../test/e2e/n8nHost';
import { hostInfo, log, RESULTS_DIR } from './lib/harness';
import { renderResults } from './lib/table';

const ROOT = path.join(__dirname, '..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { runBenchScript, stopBenchScripts } = require('../scripts/bench-run') as {
	runBenchScript(script: string, env: Record<string, string>, logFile: string): Promise<number>;
	stopBenchScripts(signal?: string): void;
};
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
	process.on(signal, () => {
		stopping = true;
		stopBenchScripts('SIGTERM');
	});
}

interface Step {
	script: string;
	env?: Record<string, string>;
}

/** Lanes run in parallel; steps in a lane one after the other. */
const LANES: Step[][] = [
	// The initial syncs one after the other, two at once would split the CPU between them; the peer
	// first: it is paced by Marketo's budget, not the CPU, while the other lanes do their CPU-heavy copies.
	[
		{ script: 'peer' },
		{ script: 'd2m' },
		{ script: 'memory', env: { BENCH_MEMORY_SIZES: '10000', BENCH_MEMORY_OUT: 'memory-10k' } },
		{ script: 'memory', env: { BENCH_MEMORY_SIZES: '300000', BENCH_MEMORY_OUT: 'memory-300k' } },
	],
	// Bound by Dataverse's 6,000 requests / 300 s after its own initial copy: mostly waiting.
	[{ script: 'm2d' }],
	// A 1,000,000-row copy first, then single polls and one-minute latencies: mostly waiting. Then the
	// call counts per lane (issue 12): a 4,050-record copy and two lanes of 600 changes, polls a minute apart.
	[{ script: 'incremental' }, { script: 'calls' }],
];

async function runStep(step: Step, tarball: string): Promise<number> {
	const name = `${step.script}${step.env?.BENCH_MEMORY_OUT ? `:${step.env.BENCH_MEMORY_OUT}` : ''}`;
	const logFile = path.join(RESULTS_DIR, `${(step.env?.BENCH_MEMORY_OUT ?? step.script).replace(/[^a-z0-9-]/gi, '_')}.log`);
	log(`started ${name} (log: ${path.relative(ROOT, logFile)})`);
	const code = await runBenchScript(step.script, { ...step.env, BENCH_TARBALL: tarball }, logFile);
	log(`${name} finished (exit ${code})`);
	return code;
}

async function main() {
	if (!process.argv.includes('--table')) {
		fs.mkdirSync(RESULTS_DIR, { recursive: true });
		for (const f of fs.readdirSync(RESULTS_DIR)) if (f.endsWith('.json')) fs.rmSync(path.join(RESULTS_DIR, f));
		const started = Date.now();
		const tarball = process.env.BENCH_TARBALL && fs.existsSync(process.env.BENCH_TARBALL) ? process.env.BENCH_TARBALL : N8nInstance.packOnce();
		const only = process.env.BENCH_ONLY?.split(',');
		const lanes = LANES.map((lane) => lane.filter((s) => !only || only.includes(s.script))).filter((lane) => lane.length);
		const codes = await Promise.all(
			lanes.map(async (lane) => {
				const laneCodes: number[] = [];
				for (const step of lane) if (!stopping) laneCodes.push(await runStep(step, tarball));
				return laneCodes;
			}),
		);
		log(`all benchmarks done in ${((Date.now() - started) / 60_000).toFixed(1)} min`);
		if (codes.flat().some((c) => c !== 0)) process.exitCode = 1;
		fs.writeFileSync(path.join(RESULTS_DIR, 'total.json'), JSON.stringify({ minutes: (Date.now() - started) / 60_000, loadAverage: os.loadavg() }));
	}
	const markdown = renderResults(RESULTS_DIR, hostInfo());
	fs.writeFileSync(path.join(__dirname, 'results.md'), markdown);
	process.stdout.write(`\n${markdown}\n`);
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
