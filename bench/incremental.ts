// `npm run bench:incremental`: what a poll costs once the initial copy is done, on a 1,000,000-row
// lead table (Dataverse requests per poll with 0, 10 and 10,000 changes), and how long a change takes
// to reach the other system with the template's one-minute polls.
import {
	benchTemplate,
	DYN_CRED,
	log,
	runMain,
	saveFigures,
	seedDynamicsLeads,
	sleep,
	startN8nWith,
	startSimulators,
	type Simulators,
} from './lib/harness';

const TABLE_ROWS = Number(process.env.BENCH_INCREMENTAL_ROWS ?? 1_000_000);
const PAGE_SIZE = 5000;
const RECORDS_PER_POLL = 50_000;
const POLL_EVERY_S = 10;
const LATENCY_LEADS = 2000;
const LATENCY_ROUNDS = Number(process.env.BENCH_LATENCY_ROUNDS ?? 3);

/** The lead trigger alone (→ No Operation): its Dataverse requests are the poll's requests. */
function triggerOnlyWorkflow() {
	return {
		id: 'benchIncrTrigger1',
		name: 'Bench: Dynamics lead trigger on 1M rows',
		nodes: [
			{
				id: 'a1b2c3d4-0000-4000-8000-000000000001',
				name: 'Dynamics: leads',
				type: 'n8n-nodes-marketo-dynamics-sync.dynamicsTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {
					table: 'lead',
					pollTimes: { item: Array.from({ length: 60 / POLL_EVERY_S }, (_, k) => ({ mode: 'custom', cronExpression: `${k * POLL_EVERY_S} * * * * *` })) },
					options: { maxRecordsPerPoll: RECORDS_PER_POLL, pageSize: PAGE_SIZE },
				},
				credentials: { microsoftDynamicsApi: { id: DYN_CRED, name: 'Dynamics 365 (simulator)' } },
			},
			{ id: 'a1b2c3d4-0000-4000-8000-000000000002', name: 'Changes', type: 'n8n-nodes-base.noOp', typeVersion: 1, position: [300, 0], parameters: {} },
		],
		connections: { 'Dynamics: leads': { main: [[{ node: 'Changes', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveDataErrorExecution: 'all', timezone: 'UTC' },
		pinData: {},
		active: false,
		tags: [],
	};
}

const leadPages = (sims: Simulators) => sims.dataverse.stats().byRoute['GET /leads'] ?? 0;
const dataverseCalls = (sims: Simulators) => sims.dataverse.stats().calls;

/** Sleeps until the wall clock is `offsetS` seconds past a multiple of the poll period (polls fire on it). */
async function alignTo(offsetS: number): Promise<void> {
	const period = POLL_EVERY_S * 1000;
	const now = Date.now();
	let target = Math.floor(now / period) * period + offsetS * 1000;
	if (target <= now + 200) target += period;
	await sleep(target - now);
}

async function requestsPerPoll(): Promise<Record<string, unknown>> {
	const sims = await startSimulators();
	try {
		const seededAt = Date.now();
		seedDynamicsLeads(sims, TABLE_ROWS);
		const ids = sims.dataverse.store.ids('lead') as string[];
		log(`incremental: seeded ${TABLE_ROWS.toLocaleString('en-US')} leads in ${((Date.now() - seededAt) / 1000).toFixed(1)} s`);
		const run = await startN8nWith('incremental', sims, [triggerOnlyWorkflow()]);
		try {
			const copyPages = Math.ceil(TABLE_ROWS / PAGE_SIZE);
			const copyStarted = Date.now();
			let lastLog = 0;
			// The copy is done when the trigger asks for more than the copy's pages: the first delta request.
			while (leadPages(sims) <= copyPages) {
				await sleep(500);
				if (Date.now() - lastLog > 15_000) {
					lastLog = Date.now();
					log(`incremental: initial copy, ${leadPages(sims)}/${copyPages} pages read, n8n RSS ${run.rss.currentMiB.toFixed(0)} MiB`);
				}
				if (Date.now() - copyStarted > 20 * 60_000) throw new Error('initial copy of the 1M-row table did not finish in 20 minutes');
			}
			const copySeconds = (Date.now() - copyStarted) / 1000;
			log(`incremental: initial copy of ${TABLE_ROWS.toLocaleString('en-US')} rows read in ${copySeconds.toFixed(0)} s; waiting for polls to settle`);
			// Polls that overlapped while the copy was slow may still be reading: measure once two poll
			// periods in a row show at most one lead request each.
			let quiet = 0;
			for (let i = 0; i < 60 && quiet < 2; i++) {
				await alignTo(POLL_EVERY_S / 2);
				const before = leadPages(sims);
				await alignTo(POLL_EVERY_S / 2);
				quiet = leadPages(sims) - before <= 1 ? quiet + 1 : 0;
			}

			const perPoll: Record<string, { requests: number; pagesOfLeads: number; byRoute: Record<string, number> }> = {};
			let changed = 0;
			for (const changes of [0, 10, 10_000]) {
				await alignTo(POLL_EVERY_S / 2); // midway between polls: the previous poll is over
				const before = { calls: dataverseCalls(sims), pages: leadPages(sims), routes: sims.dataverse.stats().byRoute };
				for (let i = 0; i < changes; i++) sims.dataverse.update('lead', ids[(changed + i * 97) % ids.length], { jobtitle: `Changed ${changed + i}` });
				changed += changes;
				await alignTo(POLL_EVERY_S / 2); // one poll later
				const byRoute: Record<string, number> = {};
				for (const [route, n] of Object.entries(sims.dataverse.stats().byRoute)) if (n - (before.routes[route] ?? 0) > 0) byRoute[route] = n - (before.routes[route] ?? 0);
				perPoll[String(changes)] = { requests: dataverseCalls(sims) - before.calls, pagesOfLeads: leadPages(sims) - before.pages, byRoute };
				log(`incremental: poll with ${changes} changes → ${perPoll[String(changes)].requests} Dataverse requests`);
			}
			return { tableRows: TABLE_ROWS, pageSize: PAGE_SIZE, recordsPerPoll: RECORDS_PER_POLL, initialCopySeconds: copySeconds, perPoll, peakRssMiB: run.rss.stop() };
		} finally {
			await run.stop();
		}
	} finally {
		await sims.stop();
	}
}

/** The unmodified template (one poll a minute): time from a change in one system to its arrival in the other. */
async function latency(): Promise<Record<string, unknown>> {
	const sims = await startSimulators();
	try {
		seedDynamicsLeads(sims, LATENCY_LEADS);
		const run = await startN8nWith('latency', sims, [benchTemplate()]);
		try {
			const copyStart = Date.now();
			while (sims.marketo.store.leads.size < LATENCY_LEADS) {
				await sleep(1000);
				if (Date.now() - copyStart > 10 * 60_000) throw new Error('latency: initial copy did not finish');
			}
			log(`latency: initial copy done (${LATENCY_LEADS} leads); one more poll cycle before measuring`);
			await sleep(65_000);
			const leadIds = sims.dataverse.store.ids('lead') as string[];
			const d2m: number[] = [];
			const m2d: number[] = [];
			for (let round = 0; round < LATENCY_ROUNDS; round++) {
				await sleep(Math.floor(Math.random() * 20_000));
				const leadId = leadIds[round * 7];
				const title = `Latency ${round} ${Date.now()}`;
				const [personId] = sims.marketo.store.findLeadIds('microsoftId', leadIds[round * 7 + 3]);
				const phone = `+31 10 ${String(3000000 + round)}`;
				const t0 = Date.now();
				sims.dataverse.update('lead', leadId, { jobtitle: title });
				sims.marketo.uiUpdateLead(personId, { phone });
				const dynamicsRowOfPerson = leadIds[round * 7 + 3];
				let dDone = 0;
				let mDone = 0;
				while ((!dDone || !mDone) && Date.now() - t0 < 180_000) {
					await sleep(250);
					const [p] = sims.marketo.store.findLeadIds('microsoftId', leadId);
					if (!dDone && sims.marketo.store.getLead(p)?.title === title) dDone = Date.now();
					if (!mDone && sims.dataverse.store.get('lead', dynamicsRowOfPerson)?.telephone1 === phone) mDone = Date.now();
				}
				d2m.push(dDone ? (dDone - t0) / 1000 : NaN);
				m2d.push(mDone ? (mDone - t0) / 1000 : NaN);
				log(`latency round ${round + 1}: Dynamics → Marketo ${d2m[round].toFixed(1)} s, Marketo → Dynamics ${m2d[round].toFixed(1)} s`);
			}
			return { pollIntervalSeconds: 60, rounds: LATENCY_ROUNDS, dynamicsToMarketoSeconds: d2m, marketoToDynamicsSeconds: m2d, tableRows: LATENCY_LEADS };
		} finally {
			await run.stop();
		}
	} finally {
		await sims.stop();
	}
}

runMain(async () => {
	const [polls, lat] = await Promise.all([requestsPerPoll(), latency()]);
	saveFigures('incremental', { polls, latency: lat });
});
