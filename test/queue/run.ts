// `npm run test:queue`: the sync template in n8n 2.41.1 queue mode — main (pollers) + 2 workers
// (executions), Postgres and Redis from Debian's packages started for the run — against the
// simulators, then the same sample in one n8n process. Both must reach the expected final state
// (nothing lost or duplicated), and the three queue-mode processes together must keep the Marketo
// credential's budget: no 606/615 from the simulator, whose instance limit is set to that budget.
import { syncSnapshot } from '../helpers/sampleData';
import { RedisClient } from '../../nodes/rate-limiting/redisClient';
import { sleep, SyncLab, type BatchResult, type ExpectedRecord, type LabOptions } from '../faults/lab';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startQueueServices } = require('../../scripts/lib/services') as {
	startQueueServices(): Promise<{ env: Record<string, string>; stop(): Promise<void> }>;
};

/** The Marketo instance limit in the simulator, and the credential's budget: equal, so any excess is a 606. */
const LIMIT = { callsPer20Seconds: 40, concurrentCalls: 6 };
const BATCHES = 2;
/** Leads per batch: the normal batches and the two fault episodes. */
const BATCH_LEADS = 15;

/** Marketo's HTTP-200 error envelope. */
function marketoError(code: string, message: string) {
	return { status: 200, body: { requestId: `fault#${code}`, success: false, errors: [{ code, message }] } };
}

interface Episode {
	name: string;
	/** Runs right after the episode's batch is written. */
	inject(lab: SyncLab, workers: number): Promise<string>;
}

/**
 * After the normal batches, one batch each with a fault the sync must heal by itself: the process
 * running its executions killed mid-execution (a worker in queue mode, the one process otherwise),
 * and Marketo's daily quota (607) for a few answers.
 */
const EPISODES: Episode[] = [
	{
		name: 'executor killed mid-execution',
		inject: async (lab, workers) => {
			// Marketo's reads held so the executions are in flight with nothing written yet.
			lab.sims.marketo.server.faults.set([{ pathIncludes: '/rest/', method: 'GET', latencyMs: 20_000 }]);
			for (const deadline = Date.now() + 90_000; Date.now() < deadline && !(await lab.hasRunningExecution()); ) await sleep(1000);
			await sleep(2000);
			if (workers) {
				await lab.n8n.killWorker(1);
				lab.sims.marketo.server.faults.clear();
				await lab.n8n.startWorker(3); // back to two workers
				return 'worker 1 SIGKILLed, a new worker started';
			}
			await lab.n8n.kill();
			lab.sims.marketo.server.faults.clear();
			await lab.n8n.start(lab.n8n.port);
			await lab.n8n.rest('POST', '/login', { emailOrLdapLoginId: 'owner@example.test', password: 'E2e-Password-1' });
			return 'n8n SIGKILLed and restarted';
		},
	},
	{
		name: 'Marketo 607 (daily quota)',
		inject: async (lab) => {
			lab.sims.marketo.server.faults.set([{ pathIncludes: '/rest/', response: marketoError('607', 'Daily quota reached'), responseCount: 4 }]);
			return '4 × 607';
		},
	},
];

interface EpisodeResult {
	name: string;
	injected: string;
	result: BatchResult;
}

interface RunResult {
	mode: string;
	batches: BatchResult[];
	snapshot: ReturnType<typeof syncSnapshot>;
	marketoCalls: number;
	maxCallsIn20s: number;
	peakConcurrency: number;
	hits606: number;
	hits615: number;
	workerExecutions: number[];
	episodes: EpisodeResult[];
	/** Keys of the shared call budget found in n8n's Redis (queue mode). */
	gateKeys: number;
	seconds: number;
}

/** The shared-budget keys the nodes keep in n8n's Redis: proof the workers paced through it. */
async function sharedBudgetKeys(env: Record<string, string>): Promise<number> {
	const client = new RedisClient({ host: env.QUEUE_BULL_REDIS_HOST, port: Number(env.QUEUE_BULL_REDIS_PORT), password: env.QUEUE_BULL_REDIS_PASSWORD });
	try {
		const keys = await client.command(['KEYS', 'n8n-nodes-marketo-dynamics-sync:pacer:*']);
		return Array.isArray(keys) ? keys.length : 0;
	} finally {
		client.close();
	}
}

async function run(mode: string, options: Omit<LabOptions, 'name' | 'marketoBudget'>, redis?: Record<string, string>): Promise<RunResult> {
	const started = Date.now();
	process.stdout.write(`\n== ${mode}\n`);
	const lab = new SyncLab({ ...options, name: options.workers ? 'queue-mode' : 'queue-single', marketoLimits: LIMIT, marketoBudget: LIMIT });
	let ok = false;
	try {
		await lab.startSimulators();
		let maxCallsIn20s = 0;
		const sampler = setInterval(() => {
			maxCallsIn20s = Math.max(maxCallsIn20s, lab.sims.marketo.limits.callsInWindow());
		}, 200);
		const batches: ExpectedRecord[][] = [];
		const results: BatchResult[] = [];
		const episodes: EpisodeResult[] = [];
		try {
			await lab.startN8n();
			// Batches only after the initial copy: an edit racing the first copy of its record is a
			// collision the sync resolves by rule (Marketo wins leads, Dynamics contacts), not a sync.
			await lab.initialCopy();
			for (let b = 0; b < BATCHES; b++) {
				batches.push(lab.seedBatch({ leads: BATCH_LEADS, contacts: 10, accounts: 3, marketoPersons: 5 }));
				await sleep(20_000);
			}
			for (const batch of batches) {
				const result = await lab.settle(batch, 300_000);
				results.push(result);
				process.stdout.write(`   batch: in ${result.recordsIn}, synced ${result.synced}, reported failed ${result.reportedFailed}, lost ${result.lost}, duplicated ${result.duplicated}\n`);
				for (const r of result.lostRecords) process.stdout.write(`   LOST ${r.kind} ${r.id} ${r.email ?? r.value ?? ''}\n`);
				for (const r of result.duplicatedRecords) process.stdout.write(`   DUPLICATED ${r.kind} ${r.id} ${r.email ?? ''}\n`);
			}
			for (const episode of EPISODES) {
				const batch = lab.seedBatch({ leads: BATCH_LEADS, contacts: 10, accounts: 3, marketoPersons: 5 });
				const injected = await episode.inject(lab, options.workers ?? 0);
				const result = await lab.settle(batch, 360_000);
				lab.sims.marketo.server.faults.clear();
				episodes.push({ name: episode.name, injected, result });
				process.stdout.write(
					`   ${episode.name} (${injected}): in ${result.recordsIn}, synced ${result.synced}, reported failed ${result.reportedFailed}, needing an admin ${result.recordsIn - result.synced}, lost ${result.lost}, duplicated ${result.duplicated}\n`,
				);
				for (const r of result.lostRecords) process.stdout.write(`   LOST ${r.kind} ${r.id} ${r.email ?? r.value ?? ''}\n`);
				for (const r of result.duplicatedRecords) process.stdout.write(`   DUPLICATED ${r.kind} ${r.id} ${r.email ?? ''}\n`);
			}
			// The initial copy of the sample too: every Dynamics lead/contact with a person in Marketo.
			await waitFor(() => syncSnapshot(lab.sims).marketoLeadsFromDynamics >= 20 + (BATCHES + EPISODES.length) * BATCH_LEADS, 120_000);
		} finally {
			clearInterval(sampler);
		}
		const stats = lab.sims.marketo.stats();
		const gateKeys = redis ? await sharedBudgetKeys(redis) : 0;
		// Workers 1 and 2 (worker 3 replaced the killed worker 1).
		const workerExecutions = Array.from({ length: options.workers ?? 0 }, (_, i) => (lab.n8n.workerLog(i + 1).match(/Worker finished execution/g) ?? []).length);
		const result: RunResult = {
			mode,
			batches: results,
			snapshot: syncSnapshot(lab.sims),
			marketoCalls: stats.restCalls,
			maxCallsIn20s,
			peakConcurrency: stats.peakConcurrency,
			hits606: stats.limitHits['606'] ?? 0,
			hits615: stats.limitHits['615'] ?? 0,
			workerExecutions,
			episodes,
			gateKeys,
			seconds: Math.round((Date.now() - started) / 1000),
		};
		ok = true;
		return result;
	} finally {
		await lab.stop();
		if (ok || !process.env.KEEP_N8N) lab.cleanup();
		else process.stdout.write(`(n8n logs kept in ${lab.n8n?.userFolder})\n`);
	}
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!check() && Date.now() < deadline) await sleep(2000);
}

function total(batches: BatchResult[], key: 'recordsIn' | 'synced' | 'reportedFailed' | 'lost' | 'duplicated'): number {
	return batches.reduce((sum, b) => sum + b[key], 0);
}

function table(results: RunResult[]): string {
	const header = [
		'mode',
		'records in',
		'synced',
		'reported failed',
		'lost',
		'duplicated',
		'Marketo persons',
		'companies',
		'Dynamics leads by sync',
		'Marketo calls',
		'max calls / 20 s',
		'peak in flight',
		'606',
		'615',
	];
	const rows = results.map((r) => [
		r.mode,
		String(total(r.batches, 'recordsIn')),
		String(total(r.batches, 'synced')),
		String(total(r.batches, 'reportedFailed')),
		String(total(r.batches, 'lost')),
		String(total(r.batches, 'duplicated')),
		String(r.snapshot.marketoLeadsFromDynamics + r.snapshot.marketoContactsFromDynamics + r.snapshot.marketoOnly),
		String(r.snapshot.companies),
		String(r.snapshot.dynamicsLeadsBySync),
		String(r.marketoCalls),
		`${r.maxCallsIn20s} (limit ${LIMIT.callsPer20Seconds})`,
		`${r.peakConcurrency} (limit ${LIMIT.concurrentCalls})`,
		String(r.hits606),
		String(r.hits615),
	]);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
	return [line(header), `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

function episodeTable(results: RunResult[]): string {
	const header = ['mode', 'episode', 'injected', 'records in', 'synced', 'reported failed', 'needing an admin', 'lost', 'duplicated'];
	const rows = results.flatMap((r) =>
		r.episodes.map((e) => [
			r.mode,
			e.name,
			e.injected,
			String(e.result.recordsIn),
			String(e.result.synced),
			String(e.result.reportedFailed),
			String(e.result.recordsIn - e.result.synced),
			String(e.result.lost),
			String(e.result.duplicated),
		]),
	);
	const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
	const left = (i: number) => i < 3;
	const line = (cells: string[]) => `| ${cells.map((c, i) => (left(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
	return [line(header), `|${widths.map((w, i) => (left(i) ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`, ...rows.map(line)].join('\n');
}

async function main() {
	const started = Date.now();
	let failed = false;
	const results: RunResult[] = [];
	const services = await startQueueServices();
	try {
		results.push(await run('queue: main + 2 workers', { n8nEnv: services.env, workers: 2, workerConcurrency: 3 }, services.env));
	} catch (error) {
		failed = true;
		process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	} finally {
		await services.stop();
	}
	if (!failed && !process.argv.includes('--no-compare')) {
		try {
			results.push(await run('single process', {}));
		} catch (error) {
			failed = true;
			process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
		}
	}
	if (results.length) {
		process.stdout.write(
			`\nQueue mode: ${BATCHES} batches of new and changed records on top of the sample, then ${EPISODES.length} fault episodes with a batch each, Marketo limit and credential budget ${LIMIT.callsPer20Seconds} calls / 20 s, ${LIMIT.concurrentCalls} in flight (${Math.round((Date.now() - started) / 1000)} s)\n\n${table(results)}\n\nFault episodes (needing an admin: records not synced once the sync settled by itself)\n\n${episodeTable(results)}\n`,
		);
		const queue = results[0];
		process.stdout.write(
			`Executions finished per worker (from their logs): ${queue.workerExecutions.join(', ')}; shared-budget keys in Redis: ${queue.gateKeys}\n`,
		);
		const problems: string[] = [];
		for (const r of results) {
			if (total(r.batches, 'lost') || total(r.batches, 'duplicated')) problems.push(`${r.mode}: records lost or duplicated`);
			if (r.hits606 || r.hits615) problems.push(`${r.mode}: Marketo answered 606/615 ${r.hits606}/${r.hits615} times`);
			for (const e of r.episodes) {
				if (e.result.lost || e.result.duplicated || e.result.synced < e.result.recordsIn) problems.push(`${r.mode}, ${e.name}: ${e.result.recordsIn - e.result.synced} record(s) left to an admin, ${e.result.duplicated} duplicated`);
			}
		}
		if (queue.workerExecutions.length === 2 && queue.workerExecutions.some((n) => n === 0)) problems.push('a worker ran no execution');
		if (queue.workerExecutions.length === 2 && queue.gateKeys === 0) problems.push('no shared call budget in Redis: the workers paced on their own');
		if (results.length === 2) {
			const [a, b] = results.map((r) => ({ ...r.snapshot }));
			if (JSON.stringify(a) !== JSON.stringify(b)) problems.push(`final state differs: queue ${JSON.stringify(a)} vs single ${JSON.stringify(b)}`);
		}
		if (problems.length) failed = true;
		process.stdout.write(problems.length ? `FAILED: ${problems.join('; ')}\n` : 'PASSED: same final state as one process, nothing lost or duplicated, no 606/615\n');
	}
	process.exit(failed ? 1 : 0);
}

void main();
