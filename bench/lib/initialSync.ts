// One initial sync Dynamics → Marketo through the bench copy of the template in real n8n, measured.
import {
	benchCredentials,
	benchTemplate,
	containedN8nEnv,
	countLookupsByFilterType,
	dataverseCounters,
	log,
	marketoCounters,
	seedDynamicsLeads,
	startN8nWith,
	startSimulators,
	watchProgress,
	type TemplateTuning,
} from './harness';

export interface InitialSyncFigures {
	records: number;
	synced: number;
	complete: boolean;
	/** Marketo calls per 20 s the credential may use (its share of the instance's 100). */
	budgetPer20s: number;
	/** budget × 300 records per call / 20 s. */
	ceilingRecordsPerSecond: number;
	/** First to last Marketo person created (simulator store, sampled every 200 ms). */
	writeWindowSeconds: number;
	recordsPerSecond: number;
	ratioToCeiling: number;
	/** From n8n ready (workflow published) to the last person in Marketo. */
	wallSeconds: number;
	marketoRestCalls: number;
	marketoCallsPer300: number;
	marketoWriteCallsPer300: number;
	marketoCallsByRoute: Record<string, number>;
	marketoLookupsByFilterType: Record<string, number>;
	r606: number;
	r615: number;
	dataverseRequests: number;
	peakRssMiB: number;
	/** n8n's RSS when it reported ready (workflow active, before the sync's work). */
	baselineRssMiB: number;
	tuning: TemplateTuning;
}

// Feed ≈ what Marketo's budget drains: about 2 calls per 300 persons (Resolve Conflict's look-up, then
// one write that creates where the email is new) at 5 calls/s ≈ 750/s; 6 polls × 5,000 a minute = 500/s
// plus what the first polls find, so executions never pile up in n8n's memory (see bench/README.md).
export const BENCH_TUNING: TemplateTuning = {
	maxRecordsPerPoll: Number(process.env.BENCH_RECORDS_PER_RUN ?? 5_000),
	pageSize: 5_000,
	pollsPerMinute: Number(process.env.BENCH_POLLS_PER_MINUTE ?? 6),
};

export async function runInitialSync(name: string, records: number, opts: { tuning?: TemplateTuning; budgetPer20s?: number; timeoutMs?: number } = {}): Promise<InitialSyncFigures> {
	const tuning = opts.tuning ?? BENCH_TUNING;
	const budget = opts.budgetPer20s ?? 100;
	const sims = await startSimulators();
	const lookups = countLookupsByFilterType(sims);
	try {
		const seededAt = Date.now();
		seedDynamicsLeads(sims, records);
		log(`${name}: seeded ${records.toLocaleString('en-US')} Dynamics leads in ${((Date.now() - seededAt) / 1000).toFixed(1)} s`);
		const workflow = benchTemplate(tuning);
		const run = await startN8nWith(name, sims, [workflow], benchCredentials(sims, { callsPer20Seconds: budget, concurrentCalls: 10 }), containedN8nEnv());
		const readyAt = Date.now();
		const baselineRssMiB = run.rss.currentMiB;
		log(`${name}: n8n ready (pid ${run.pid}), template published; waiting for the initial copy`);
		try {
			const progress = await watchProgress(`${name} persons in Marketo`, () => sims.marketo.store.leads.size, records, {
				timeoutMs: opts.timeoutMs ?? 30 * 60_000,
				stallMs: 180_000,
				onTick: () => {
					const m = marketoCounters(sims);
					const routes = Object.entries(m.byRoute)
						.filter(([, n]) => n >= 5)
						.map(([route, n]) => `${route.replace(/^(GET|POST) \/rest\/v1\//, '$1 ')} ${n}`)
						.join(', ');
					log(`  n8n RSS ${run.rss.currentMiB.toFixed(0)} MiB, Marketo calls ${m.rest} (${routes})`);
				},
			});
			// Let in-flight executions finish their last calls before the counters are read.
			await new Promise((r) => setTimeout(r, 3000));
			const m = marketoCounters(sims);
			const d = dataverseCounters(sims);
			const peakRssMiB = run.rss.stop();
			const synced = progress.value;
			const windowS = progress.firstAt && progress.lastAt ? Math.max(0.001, (progress.lastAt - progress.firstAt) / 1000) : NaN;
			const ceiling = (budget * 300) / 20;
			const rps = synced / windowS;
			return {
				records,
				synced,
				complete: progress.reached,
				budgetPer20s: budget,
				ceilingRecordsPerSecond: ceiling,
				writeWindowSeconds: windowS,
				recordsPerSecond: rps,
				ratioToCeiling: rps / ceiling,
				wallSeconds: ((progress.lastAt ?? progress.endedAt) - readyAt) / 1000,
				marketoRestCalls: m.rest,
				marketoCallsPer300: m.rest / (synced / 300),
				marketoWriteCallsPer300: m.writes / (synced / 300),
				marketoCallsByRoute: m.byRoute,
				marketoLookupsByFilterType: lookups,
				r606: m.r606,
				r615: m.r615,
				dataverseRequests: d.calls,
				peakRssMiB,
				baselineRssMiB,
				tuning,
			};
		} finally {
			await run.stop();
		}
	} finally {
		await sims.stop();
	}
}

export function describeInitialSync(f: InitialSyncFigures): string {
	return (
		`${f.synced.toLocaleString('en-US')}/${f.records.toLocaleString('en-US')} records, ${f.recordsPerSecond.toFixed(0)} rec/s over ${f.writeWindowSeconds.toFixed(1)} s ` +
		`(${f.ratioToCeiling.toFixed(2)} of ${f.ceilingRecordsPerSecond}), wall ${f.wallSeconds.toFixed(1)} s, ${f.marketoCallsPer300.toFixed(2)} Marketo calls/300 ` +
		`(${f.marketoWriteCallsPer300.toFixed(2)} writes), 606: ${f.r606}, 615: ${f.r615}, peak RSS ${f.peakRssMiB.toFixed(0)} MiB`
	);
}
