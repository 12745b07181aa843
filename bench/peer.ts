// `npm run bench:peer`: the workflow an n8n user would build without this package — Schedule Trigger
// and HTTP Request nodes (tokens, Dataverse leads with pagination, one Marketo upsert per lead, paced
// with the node's Batching option to Marketo's 100 calls / 20 s) — on the same 100,000 leads and the
// same simulators' limits. It runs for a fixed window; its rate and calls per record are compared
// with the package's initial sync (bench:d2m) in the table.
import { DYN_CLIENT, MKTO_CLIENT, TENANT } from '../test/helpers/simulators';
import { log, marketoCounters, runMain, saveFigures, seedDynamicsLeads, sleep, startN8nWith, startSimulators, watchProgress } from './lib/harness';
import { D2M_RECORDS_DEFAULT } from './lib/sizes';

const RECORDS = Number(process.env.BENCH_D2M_RECORDS ?? D2M_RECORDS_DEFAULT);
const WINDOW_S = Number(process.env.BENCH_PEER_SECONDS ?? 180);
/** HTTP Request → Options → Batching: 1 item every 200 ms = 100 calls / 20 s, Marketo's instance limit. */
const BATCH_INTERVAL_MS = 200;

function peerWorkflow(urls: { entra: string; dataverse: string; marketo: string }) {
	// Built right before import; publishing and start-up take up to a couple of minutes on a busy machine.
	const minute = new Date(Date.now() + 150_000).getUTCMinutes() + 1;
	const node = (name: string, type: string, typeVersion: number, position: [number, number], parameters: Record<string, unknown>) => ({
		id: `9c0d1e2f-0000-4000-8000-${String(position[0]).padStart(12, '0')}`,
		name,
		type,
		typeVersion,
		position,
		parameters,
	});
	const header = (name: string, value: string) => ({ name, value });
	const nodes = [
		// "Every hour at minute M" (M a few minutes ahead so the bench does not wait an hour).
		node('Schedule Trigger', 'n8n-nodes-base.scheduleTrigger', 1.2, [0, 0], { rule: { interval: [{ field: 'cronExpression', expression: `0 ${minute % 60} * * * *` }] } }),
		node('Marketo token', 'n8n-nodes-base.httpRequest', 4.2, [200, 0], {
			url: `${urls.marketo}/identity/oauth/token`,
			sendQuery: true,
			queryParameters: {
				parameters: [header('grant_type', 'client_credentials'), header('client_id', MKTO_CLIENT.clientId), header('client_secret', MKTO_CLIENT.clientSecret)],
			},
			options: {},
		}),
		node('Dynamics token', 'n8n-nodes-base.httpRequest', 4.2, [400, 0], {
			method: 'POST',
			url: `${urls.entra}/${TENANT}/oauth2/v2.0/token`,
			sendBody: true,
			contentType: 'form-urlencoded',
			bodyParameters: {
				parameters: [
					header('grant_type', 'client_credentials'),
					header('client_id', DYN_CLIENT.clientId),
					header('client_secret', DYN_CLIENT.clientSecret),
					header('scope', `${urls.dataverse}/.default`),
				],
			},
			options: {},
		}),
		node('Get Dynamics leads', 'n8n-nodes-base.httpRequest', 4.2, [600, 0], {
			url: `${urls.dataverse}/api/data/v9.2/leads?$select=leadid,firstname,lastname,emailaddress1,companyname,telephone1,jobtitle,address1_city`,
			sendHeaders: true,
			headerParameters: {
				parameters: [header('Authorization', "=Bearer {{ $('Dynamics token').first().json.access_token }}"), header('Prefer', 'odata.maxpagesize=5000')],
			},
			options: {
				pagination: {
					pagination: {
						paginationMode: 'responseContainsNextURL',
						nextURL: "={{ $response.body['@odata.nextLink'] }}",
						paginationCompleteWhen: 'other',
						completeExpression: "={{ !$response.body['@odata.nextLink'] }}",
						limitPagesFetched: false,
					},
				},
			},
		}),
		node('One item per lead', 'n8n-nodes-base.splitOut', 1, [800, 0], { fieldToSplitOut: 'value', options: {} }),
		node('Upsert lead in Marketo', 'n8n-nodes-base.httpRequest', 4.2, [1000, 0], {
			method: 'POST',
			url: `${urls.marketo}/rest/v1/leads.json`,
			sendHeaders: true,
			headerParameters: { parameters: [header('Authorization', "=Bearer {{ $('Marketo token').first().json.access_token }}")] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody:
				"={{ JSON.stringify({ action: 'createOrUpdate', lookupField: 'email', input: [{ email: $json.emailaddress1, firstName: $json.firstname, lastName: $json.lastname, company: $json.companyname, phone: $json.telephone1, title: $json.jobtitle, city: $json.address1_city, microsoftId: $json.leadid }] }) }}",
			options: { batching: { batch: { batchSize: 1, batchInterval: BATCH_INTERVAL_MS } } },
		}),
	];
	const chain = nodes.map((n) => n.name);
	const connections: Record<string, unknown> = {};
	for (let i = 0; i < chain.length - 1; i++) connections[chain[i]] = { main: [[{ node: chain[i + 1], type: 'main', index: 0 }]] };
	return {
		id: 'benchPeerWorkflow',
		name: 'Bench: peer (Schedule + HTTP Request)',
		nodes,
		connections,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'none', saveDataErrorExecution: 'all', timezone: 'UTC' },
		pinData: {},
		active: false,
		tags: [],
	};
}

runMain(async () => {
	const sims = await startSimulators();
	try {
		seedDynamicsLeads(sims, RECORDS);
		const run = await startN8nWith('peer', sims, [() => peerWorkflow({ entra: sims.entra.url, dataverse: sims.dataverse.url, marketo: sims.marketo.url })]);
		try {
			log(`peer: n8n ready; the Schedule Trigger fires within a few minutes, then the peer runs for ${WINDOW_S} s`);
			const started = await watchProgress('peer persons in Marketo', () => sims.marketo.store.leads.size, 1, { timeoutMs: 6 * 60_000 });
			if (!started.reached) throw new Error('the peer workflow wrote nothing within 6 minutes of start-up (did start-up outlast the scheduled minute?)');
			const t0 = Date.now();
			const m0 = marketoCounters(sims);
			const d0 = sims.dataverse.stats().calls;
			const p0 = sims.marketo.store.leads.size;
			await sleep(WINDOW_S * 1000);
			const m1 = marketoCounters(sims);
			const records = sims.marketo.store.leads.size - p0;
			const seconds = (Date.now() - t0) / 1000;
			const all = marketoCounters(sims);
			const figures = {
				records: RECORDS,
				windowSeconds: seconds,
				syncedInWindow: records,
				recordsPerSecond: records / seconds,
				marketoCallsPerRecord: (m1.rest - m0.rest) / Math.max(1, records),
				marketoCallsTotal: all.rest,
				dataverseCallsTotal: sims.dataverse.stats().calls,
				dataverseCallsBeforeWindow: d0,
				syncedTotal: sims.marketo.store.leads.size,
				r606: all.r606,
				r615: all.r615,
				projectedHoursFor100k: RECORDS / (records / seconds) / 3600,
				batchIntervalMs: BATCH_INTERVAL_MS,
				peakRssMiB: run.rss.stop(),
			};
			log(
				`peer: ${records} records in ${seconds.toFixed(0)} s = ${figures.recordsPerSecond.toFixed(2)} rec/s, ${figures.marketoCallsPerRecord.toFixed(2)} Marketo calls/record, ` +
					`606: ${figures.r606}, peak RSS ${figures.peakRssMiB.toFixed(0)} MiB`,
			);
			saveFigures('peer', figures);
		} finally {
			await run.stop();
		}
	} finally {
		await sims.stop();
	}
});
