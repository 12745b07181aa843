// `npm run bench:m2d`: 20,000 person changes in Marketo into Dynamics leads and contacts, through the
// template in real n8n, measured against the Dataverse service-protection ceiling the simulator enforces.
import {
	benchCredentials,
	benchTemplate,
	containedN8nEnv,
	dataverseCounters,
	log,
	marketoCounters,
	runMain,
	saveFigures,
	seedDynamicsLeads,
	sleep,
	startN8nWith,
	startSimulators,
	watchProgress,
	type Simulators,
} from './lib/harness';
import { BENCH_TUNING } from './lib/initialSync';

const CHANGES = Number(process.env.BENCH_M2D_RECORDS ?? 20_000);
const WINDOW_REQUESTS = 6000;
const WINDOW_S = 300;

/** First-to-last write time a sliding window of 6,000 requests / 300 s allows for `requests` (one per record). */
export function slidingWindowMinimumSeconds(requests: number): number {
	return WINDOW_S * (Math.ceil(requests / WINDOW_REQUESTS) - 1);
}

/** Person writes into Dynamics, as the simulator counts them ($batch parts one by one). */
function dynamicsPersonWrites(sims: Simulators): number {
	const byRoute = sims.dataverse.stats().byRoute;
	let n = 0;
	for (const [route, count] of Object.entries(byRoute)) if (/^(\$batch )?(PATCH|POST) \/(leads|contacts)\b/.test(route)) n += count;
	return n;
}

/** Requests already in the sync user's 300 s window (the simulator's own bookkeeping). */
function usedInWindow(sims: Simulators): number {
	const protection = (sims.dataverse as unknown as { protection: { remaining(user: string): number } }).protection;
	return Math.max(0, ...Object.keys(sims.dataverse.stats().byUser).map((user) => WINDOW_REQUESTS - protection.remaining(user)));
}

runMain(async () => {
	const sims = await startSimulators();
	const half = Math.floor(CHANGES / 2);
	seedDynamicsLeads(sims, half);
	sims.dataverse.seedRows('contact', CHANGES - half, (i) => ({
		firstname: ['Greta', 'Hugo', 'Iris', 'Jules'][i % 4],
		lastname: `Contact ${i}`,
		emailaddress1: `contact${i}@customer.test`,
		jobtitle: 'Buyer',
		telephone1: `+31 20 ${String(1000000 + i)}`,
	}));
	const run = await startN8nWith('m2d', sims, [benchTemplate(BENCH_TUNING)], benchCredentials(sims), containedN8nEnv());
	try {
		log(`m2d: n8n ready; initial copy of ${half.toLocaleString('en-US')} leads and ${(CHANGES - half).toLocaleString('en-US')} contacts to Marketo first`);
		const copy = await watchProgress('m2d initial copy, persons in Marketo', () => sims.marketo.store.leads.size, CHANGES, { timeoutMs: 15 * 60_000, stallMs: 180_000 });
		if (!copy.reached) throw new Error(`initial copy stalled at ${copy.value} persons`);
		// Let the Marketo trigger read past the copy's own (API) activities before the marketers start.
		await sleep(20_000);

		const before = { writes: dynamicsPersonWrites(sims), dv: dataverseCounters(sims), mk: marketoCounters(sims), used: usedInWindow(sims) };
		const ids = [...sims.marketo.store.leads.keys()];
		const changedAt = Date.now();
		ids.forEach((id, i) => sims.marketo.uiUpdateLead(id, { phone: `+31 70 ${String(2000000 + i)}` }));
		log(`m2d: ${ids.length.toLocaleString('en-US')} persons changed in the Marketo UI in ${((Date.now() - changedAt) / 1000).toFixed(1)} s (${before.used} requests already in the Dataverse window)`);

		const progress = await watchProgress('m2d person writes in Dynamics', () => dynamicsPersonWrites(sims) - before.writes, ids.length, {
			timeoutMs: 25 * 60_000,
			stallMs: 240_000,
			everyMs: 250,
		});
		await sleep(3000);
		const phones = new Set(ids.map((_, i) => `+31 70 ${String(2000000 + i)}`));
		const withNewPhone = (table: string) => sims.dataverse.store.all(table).filter((r) => phones.has(String(r.telephone1))).length;
		const arrived = withNewPhone('lead') + withNewPhone('contact');
		const dv = dataverseCounters(sims);
		const mk = marketoCounters(sims);
		const requests = dv.operations - before.dv.operations;
		const windowS = progress.firstAt && progress.lastAt ? (progress.lastAt - progress.firstAt) / 1000 : NaN;
		// The fastest a sliding 300 s window of 6,000 lets one request per record through: a full
		// window's worth at once, then nothing until those leave it, so the k-th 6,000 goes at (k-1)×300 s.
		const minimumS = slidingWindowMinimumSeconds(arrived);
		const figures = {
			changes: ids.length,
			arrived,
			writeWindowSeconds: windowS,
			endToEndSeconds: ((progress.lastAt ?? progress.endedAt) - changedAt) / 1000,
			recordsPerSecond: arrived / windowS,
			ceilingSeconds: minimumS,
			ceilingRecordsPerSecond: minimumS > 0 ? arrived / minimumS : Infinity,
			ratioToCeiling: minimumS > 0 ? minimumS / windowS : NaN,
			ratioToSustainedCeiling: arrived / windowS / (WINDOW_REQUESTS / WINDOW_S),
			sustainedCeilingRecordsPerSecond: WINDOW_REQUESTS / WINDOW_S,
			dataverseRequestsAsCounted: requests,
			dataverseHttpCalls: dv.calls - before.dv.calls,
			dataverseRequestsPerRecord: requests / arrived,
			r429: (dv.limitHits['429'] ?? 0) - (before.dv.limitHits['429'] ?? 0),
			limitHits: dv.limitHits,
			peakConcurrency: dv.peakConcurrency,
			marketoRestCalls: mk.rest - before.mk.rest,
			r606: mk.r606,
			r615: mk.r615,
			peakRssMiB: run.rss.stop(),
		};
		log(
			`m2d: ${arrived}/${ids.length} arrived, ${figures.recordsPerSecond.toFixed(1)} rec/s over ${windowS.toFixed(0)} s; simulator minimum ${minimumS.toFixed(0)} s ` +
				`→ ratio ${figures.ratioToCeiling.toFixed(2)}; ${figures.dataverseRequestsPerRecord.toFixed(2)} Dataverse requests/record; 429: ${figures.r429}`,
		);
		saveFigures('m2d', figures);
	} finally {
		await run.stop();
		await sims.stop();
	}
});
