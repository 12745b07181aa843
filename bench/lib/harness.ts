// Shared pieces of the benchmarks: the simulators in this process (real limits), a real n8n 2.41.1
// with the packed package in a child process, the bench copy of the template, RSS sampling of the
// n8n process, and counters read from the simulators while a sync runs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { freePort, N8nInstance } from '../../test/e2e/n8nHost';
import { startSimulators, type Simulators } from '../../test/helpers/simulators';
import { templateFor, type TemplateWorkflow } from '../../test/helpers/template';

export type { Simulators };
export { startSimulators };

/** Raw figures and logs of the latest run (git-ignored); the table goes to bench/results.md. */
export const RESULTS_DIR = path.join(__dirname, '..', 'tmp');

export function log(message: string): void {
	process.stdout.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The packed package: packed once per `npm run bench` (BENCH_TARBALL), or here when run alone. */
export function tarball(): string {
	const given = process.env.BENCH_TARBALL;
	if (given && fs.existsSync(given)) return given;
	const packed = N8nInstance.packOnce();
	process.env.BENCH_TARBALL = packed;
	return packed;
}

/** Peak and sampled resident memory of one process, from /proc (Linux). */
export class RssSampler {
	peakKb = 0;
	private timer?: NodeJS.Timeout;

	constructor(readonly pid: number) {}

	private read(field: 'VmRSS' | 'VmHWM'): number {
		try {
			const status = fs.readFileSync(`/proc/${this.pid}/status`, 'utf8');
			const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
			return match ? Number(match[1]) : 0;
		} catch {
			return 0;
		}
	}

	start(intervalMs = 250): this {
		this.timer = setInterval(() => {
			this.peakKb = Math.max(this.peakKb, this.read('VmRSS'));
		}, intervalMs);
		return this;
	}

	/** The larger of the sampled peak and the kernel's high-water mark (VmHWM), in MiB. */
	stop(): number {
		if (this.timer) clearInterval(this.timer);
		this.peakKb = Math.max(this.peakKb, this.read('VmHWM'), this.read('VmRSS'));
		return this.peakKb / 1024;
	}

	get currentMiB(): number {
		return this.read('VmRSS') / 1024;
	}
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost') as {
	startN8n(userFolder: string, port: number, env?: Record<string, string>, logFile?: string): Promise<unknown>;
};

/**
 * n8n as it would run in a 1 GiB container, for the scenarios that report its RSS: V8 otherwise lets
 * the heap grow towards a share of the machine's 24 GiB before it collects, and RSS then measures that
 * laziness, not the sync. `BENCH_N8N_NODE_OPTIONS` changes it (empty for none).
 */
export function containedN8nEnv(): Record<string, string> {
	return { NODE_OPTIONS: process.env.BENCH_N8N_NODE_OPTIONS ?? '--max-old-space-size=512' };
}

/** N8nInstance.start with extra environment for n8n (BENCH_N8N_LOG_LEVEL=debug to see every poll). */
async function startWithEnv(n8n: N8nInstance, env: Record<string, string>): Promise<void> {
	const port = await freePort();
	const brokerPort = String(await freePort());
	const extra = {
		N8N_RUNNERS_BROKER_PORT: brokerPort,
		// One production execution at a time; later polls queue. Without it, when the Marketo budget drains
		// slower than the triggers feed (a busy machine), executions interleave on the shared budget,
		// none finishes, and they pile up until n8n stalls. This is n8n's own concurrency control setting.
		N8N_CONCURRENCY_PRODUCTION_LIMIT: process.env.BENCH_N8N_CONCURRENCY ?? '1',
		...(process.env.BENCH_N8N_LOG_LEVEL ? { N8N_LOG_LEVEL: process.env.BENCH_N8N_LOG_LEVEL } : {}),
		...env,
	};
	const child = await host.startN8n(n8n.userFolder, port, extra, n8n.logFile);
	Object.assign(n8n, { port, child });
}

/** n8n processes this bench started: stopped on Ctrl-C or SIGTERM too, so none outlives the bench. */
const running = new Set<N8nInstance>();
let handlersInstalled = false;
function stopAllOnSignal(): void {
	if (handlersInstalled) return;
	handlersInstalled = true;
	for (const signal of ['SIGINT', 'SIGTERM'] as const) {
		process.once(signal, () => {
			log(`${signal}: stopping ${running.size} n8n process(es)`);
			void Promise.all([...running].map(async (n8n) => await n8n.stop())).finally(() => process.exit(130));
		});
	}
}

export interface N8nRun {
	n8n: N8nInstance;
	pid: number;
	rss: RssSampler;
	stop(): Promise<void>;
}

/**
 * A fresh n8n with the package, the two credentials and the given workflows imported and published;
 * started after seeding so the first poll sees the data. RSS sampling starts with the process.
 */
export async function startN8nWith(
	name: string,
	sims: Simulators,
	/** Workflows, or functions that build one at import time (a schedule set relative to start-up). */
	workflows: Array<Record<string, unknown> | (() => Record<string, unknown>)>,
	credentials = benchCredentials(sims),
	env: Record<string, string> = {},
): Promise<N8nRun> {
	const n8n = new N8nInstance(`bench-${name}`);
	n8n.install(tarball());
	n8n.importCredentials(credentials);
	for (const given of workflows) {
		const workflow = typeof given === 'function' ? given() : given;
		n8n.importAndPublish(workflow);
	}
	stopAllOnSignal();
	running.add(n8n);
	await startWithEnv(n8n, env);
	const pid = (n8n as unknown as { child: { pid: number } }).child.pid;
	const rss = new RssSampler(pid).start();
	return {
		n8n,
		pid,
		rss,
		async stop() {
			rss.stop();
			await n8n.stop();
			running.delete(n8n);
			if (!process.env.BENCH_KEEP) n8n.cleanup();
		},
	};
}

export const DYN_CRED = 'benchDynamicsCred';
export const MKTO_CRED = 'benchMarketoCred1';

export function benchCredentials(sims: Simulators, marketo: { callsPer20Seconds?: number; concurrentCalls?: number } = {}) {
	return [
		{ id: DYN_CRED, name: 'Dynamics 365 (simulator)', type: 'microsoftDynamicsApi', data: sims.dynamicsCredentials },
		{ id: MKTO_CRED, name: 'Marketo (simulator)', type: 'marketoApi', data: { ...sims.marketoCredentials, ...marketo } },
	];
}

export interface TemplateTuning {
	/** Dynamics 365 Trigger "Records Per Run" (default 5,000; max 50,000). */
	maxRecordsPerPoll?: number;
	/** Dynamics 365 Trigger "Page Size" (default 1,000; max 5,000). */
	pageSize?: number;
	/** Poll times per minute, at evenly spaced seconds (n8n allows several "every minute at second S" times). */
	pollsPerMinute?: number;
}

/** Poll times: one cron per poll, each firing once a minute at its own second (n8n rejects sub-minute crons). */
export function pollTimes(pollsPerMinute: number) {
	const every = Math.floor(60 / pollsPerMinute);
	return { item: Array.from({ length: pollsPerMinute }, (_, k) => ({ mode: 'custom', cronExpression: `${k * every} * * * * *` })) };
}

/**
 * The published template as an admin imports it, with the bench's tuning: the Dynamics triggers'
 * per-run cap, page size and poll times. Everything else is unchanged.
 */
export function benchTemplate(tuning: TemplateTuning = {}): TemplateWorkflow {
	const workflow = templateFor(DYN_CRED, MKTO_CRED);
	for (const node of workflow.nodes) {
		if (node.type.endsWith('.dynamicsTrigger')) {
			// Only the Dynamics triggers feed an initial copy. The Marketo triggers keep one poll a minute:
			// n8n does not stop a poll that starts while the same trigger's last one is still reading, and
			// overlapping reads of the sync's own activities would spend the Marketo budget twice.
			if (tuning.pollsPerMinute && tuning.pollsPerMinute > 1) node.parameters.pollTimes = pollTimes(tuning.pollsPerMinute);
			const options = (node.parameters.options ?? {}) as Record<string, unknown>;
			if (tuning.maxRecordsPerPoll) options.maxRecordsPerPoll = tuning.maxRecordsPerPoll;
			if (tuning.pageSize) options.pageSize = tuning.pageSize;
			node.parameters.options = options;
		}
	}
	return workflow;
}

/** Leads as a person would have entered them in Dynamics (no sync filter set: all sync). */
export function seedDynamicsLeads(sims: Simulators, count: number): void {
	sims.dataverse.seedRows('lead', count, (i) => ({
		firstname: ['Anna', 'Bram', 'Chloé', 'Daan', 'Eva', 'Finn'][i % 6],
		lastname: `Bench ${i}`,
		emailaddress1: `lead${i}@bench.test`,
		companyname: `Prospect ${i % 500}`,
		subject: 'Website enquiry',
		telephone1: `+31 6 ${String(10000000 + i)}`,
		jobtitle: ['Buyer', 'CFO', 'Engineer', 'Office Manager'][i % 4],
		address1_city: ['Amsterdam', 'Rotterdam', 'Utrecht', 'Leiden'][i % 4],
	}));
}

/**
 * Counts Marketo person look-ups by filter type (the simulator's route counter does not split them):
 * wraps the simulator's request handler, which its server calls through the instance.
 */
export function countLookupsByFilterType(sims: Simulators): Record<string, number> {
	const counts: Record<string, number> = {};
	const sim = sims.marketo as unknown as { handle(req: { method: string; path: string; url: URL; rawBody: Buffer }): unknown };
	const original = sim.handle.bind(sim);
	sim.handle = (req) => {
		if (req.path === '/rest/v1/leads.json' && (req.method === 'GET' || req.url.searchParams.get('_method') === 'GET')) {
			const params = req.method === 'GET' ? req.url.searchParams : new URLSearchParams(req.rawBody.toString('utf8'));
			const type = params.get('filterType') ?? '?';
			counts[type] = (counts[type] ?? 0) + 1;
		}
		return original(req);
	};
	return counts;
}

/** Marketo REST calls (identity excluded), 606/615 answers, and sync (write) calls, from the simulator. */
export function marketoCounters(sims: Simulators) {
	const s = sims.marketo.stats();
	const writes = s.byRoute['POST /rest/v1/leads.json'] ?? 0;
	return { rest: s.restCalls, writes, r606: s.limitHits['606'] ?? 0, r615: s.limitHits['615'] ?? 0, byRoute: s.byRoute, quota: s.quotaUsed };
}

export function dataverseCounters(sims: Simulators) {
	const s = sims.dataverse.stats();
	return { calls: s.calls, operations: s.operations, r429: s.limitHits['429'] ?? Object.entries(s.limitHits).reduce((n, [, v]) => n + v, 0), limitHits: s.limitHits, byRoute: s.byRoute, peakConcurrency: s.peakConcurrency };
}

/**
 * Watches a monotonically growing figure (records synced) until it reaches `target` or stalls; notes when
 * it first and last moved, so throughput is measured over the window where writes happen.
 */
export async function watchProgress(
	what: string,
	read: () => number,
	target: number,
	opts: { timeoutMs: number; stallMs?: number; everyMs?: number; onTick?: (value: number) => void },
): Promise<{ reached: boolean; value: number; firstAt?: number; lastAt?: number; startedAt: number; endedAt: number }> {
	const startedAt = Date.now();
	let firstAt: number | undefined;
	let lastAt: number | undefined;
	let last = read();
	let lastReport = 0;
	for (;;) {
		await sleep(opts.everyMs ?? 200);
		const now = Date.now();
		const value = read();
		if (value !== last) {
			firstAt ??= now;
			lastAt = now;
			last = value;
		}
		if (now - lastReport > 15_000) {
			lastReport = now;
			log(`${what}: ${value.toLocaleString('en-US')} / ${target.toLocaleString('en-US')}`);
			opts.onTick?.(value);
		}
		if (value >= target) return { reached: true, value, firstAt, lastAt, startedAt, endedAt: now };
		if (now - startedAt > opts.timeoutMs) return { reached: false, value, firstAt, lastAt, startedAt, endedAt: now };
		if (opts.stallMs && lastAt && now - lastAt > opts.stallMs) return { reached: false, value, firstAt, lastAt, startedAt, endedAt: now };
	}
}

/** Writes one scenario's figures for the table (bench/tmp/<name>.json). */
export function saveFigures(name: string, figures: unknown): string {
	fs.mkdirSync(RESULTS_DIR, { recursive: true });
	const file = path.join(RESULTS_DIR, `${name}.json`);
	fs.writeFileSync(file, `${JSON.stringify({ scenario: name, at: new Date().toISOString(), host: hostInfo(), figures }, null, 2)}\n`);
	return file;
}

export function hostInfo() {
	const cpus = os.cpus();
	return {
		cpu: `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'unknown CPU'}`,
		memoryGiB: Math.round(os.totalmem() / 2 ** 30),
		os: `${os.type()} ${os.release()}`,
		node: process.version,
		n8n: '2.41.1 (Node 24.21.0)',
	};
}

/** Runs a scenario's main when the file is started directly; exits non-zero on failure. */
export function runMain(main: () => Promise<unknown>): void {
	main().then(
		() => process.exit(0),
		(error) => {
			process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
			process.exit(1);
		},
	);
}
