// Turns bench/tmp/*.json into the one results table (markdown), with the targets of issues 5 and 12.
import * as fs from 'node:fs';
import * as path from 'node:path';

import { BENCH_TUNING } from './initialSync';

type Json = Record<string, any>;

function load(dir: string, name: string): Json | undefined {
	const file = path.join(dir, `${name}.json`);
	if (!fs.existsSync(file)) return undefined;
	return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

const n0 = (v: number) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '—');
const n1 = (v: number) => (Number.isFinite(v) ? v.toFixed(1) : '—');
const n2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');
const mib = (v: number) => (Number.isFinite(v) ? `${Math.round(v)} MiB` : '—');
const ok = (met: boolean | undefined) => (met === undefined ? 'n/a' : met ? 'yes' : '**no**');
const median = (xs: number[]) => {
	const s = xs.filter(Number.isFinite).sort((a, b) => a - b);
	return s.length ? s[Math.floor(s.length / 2)] : NaN;
};
const max = (xs: number[]) => (xs.filter(Number.isFinite).length === xs.length && xs.length ? Math.max(...xs) : NaN);

const sumOf = (t: Record<string, number> | undefined, match: (k: string) => boolean) =>
	Object.entries(t ?? {})
		.filter(([k]) => match(k))
		.reduce((n, [, v]) => n + v, 0);

/** Issue 12's call counts per lane (bench:calls): [figure, measured, target, met]. */
export function callRows(c: Json): Array<[string, string, string, boolean | undefined]> {
	const rows: Array<[string, string, string, boolean | undefined]> = [];
	const a = c.dynamicsToMarketo;
	const b = c.marketoToDynamics;
	const within = (v: number, target: number) => Number.isFinite(v) && v <= target + 1e-9;
	if (a) {
		const p = a.per300;
		rows.push([
			`6. Calls per 300 persons changed in Dynamics (${n0(a.leads)} leads + ${n0(a.contacts)} contacts): Marketo reads; Marketo writes (other: feed pages with activities, empty feed polls; Dataverse reads besides trigger polls)`,
			`${n2(p.marketoReads)}; ${n2(p.marketoWrites)} (${n2(p.marketoFeedPages)}, ${n2(p.marketoFeedEmpty)}; ${n2(p.dataverseReads)})`,
			'1; 1',
			within(p.marketoReads, 1) && within(p.marketoWrites, 1),
		]);
	}
	if (b) {
		const p = b.per300;
		rows.push([
			`6. Calls per 300 persons changed in Marketo (${n0(b.leads)} lead + ${n0(b.contacts)} contact persons): feed pages with activities (empty polls); Dataverse reads (GET parts in $batch); Dataverse $batch writes (parts); Marketo writes; Marketo reads`,
			`${n2(p.marketoFeedPages)} (${n2(p.marketoFeedEmpty)}); ${n2(p.dataverseReads)} (${n2(p.dataverseReadParts ?? 0)}); ${n2(p.dataverseBatches)} (${n0(p.dataverseBatchParts)}); ${n2(p.marketoWrites)}; ${n2(p.marketoReads)}`,
			'feed; 1; 1; 1; 0',
			within(p.dataverseReads, 1) && within(p.dataverseBatches, 1) && within(p.marketoWrites, 1) && within(p.marketoReads, 0) && within(p.dataverseDirectWrites, 0),
		]);
	}
	if (c.copy) {
		const r = c.copy.records;
		const k = c.copy.breakdown;
		const label = `6. Initial copy of ${n0(r.leads)} leads, ${n0(r.contacts)} contacts, ${n0(r.accounts)} accounts, ${n0(r.opportunities)} opportunities`;
		rows.push([
			`${label}: Marketo REST calls besides the activity feed (describe; look-ups; writes); the feed (paging token + pages with activities; empty polls); identity`,
			`${n0(k.rest - k.feed)} (${n0(k.metadata)}; ${n0(k.lookups)}; ${n0(k.writes + k.activityLog)}); ${n0(k.feed - k.feedEmpty)}; ${n0(k.feedEmpty)}; ${n0(k.identity)}`,
			`≈ ${c.copy.targetCalls}`,
			k.rest - k.feed <= c.copy.targetCalls,
		]);
		const records = (c.copy.calls.marketoRecords ?? {}) as Record<string, number>;
		const perType = Object.entries(k.writesByKind as Record<string, number>)
			.map(([kind, n]) => `${kind.replace(/^write /, '')} ${n} (${n0(records[kind] ?? NaN)} records)`)
			.join(', ');
		const lookups = Object.entries(k.lookupsByKind as Record<string, number>)
			.map(([kind, n]) => `${kind.replace(/^lookup /, '')} ${n}`)
			.join(', ');
		rows.push([`${label}: Marketo writes per object type (records sent); look-ups`, `${perType}; ${lookups}`, '1 per 300 records per type', undefined]);
		const dv = c.copy.calls.dataverse as Record<string, number>;
		rows.push([
			`${label}: Dataverse requests (trigger polls; reads; metadata)`,
			`${n0(sumOf(dv, () => true))} (${n0(sumOf(dv, (x) => x.startsWith('poll')))}; ${n0(sumOf(dv, (x) => x.startsWith('read')))}; ${n0(sumOf(dv, (x) => x.startsWith('metadata')))})`,
			'',
			undefined,
		]);
	}
	return rows;
}

export function renderResults(dir: string, host: Json): string {
	const rows: string[][] = [];
	const row = (figure: string, measured: string, target: string, met?: boolean) => rows.push([figure, measured, target, ok(met)]);
	const missing = (figure: string, what: string) => row(figure, `not measured (${what} did not produce figures; see bench/tmp/${what}.log)`, '', undefined);

	const d2m = load(dir, 'd2m')?.figures;
	if (d2m) {
		const label = `1. Initial sync Dynamics → Marketo, ${n0(d2m.records)} leads`;
		row(`${label}: records/s (first to last person written)`, `${n0(d2m.recordsPerSecond)} rec/s over ${n1(d2m.writeWindowSeconds)} s${d2m.complete ? '' : ` (only ${n0(d2m.synced)} synced)`}`, '');
		row(`${label}: ratio to Marketo's ceiling (${d2m.budgetPer20s} calls/20 s × 300 / 20 = ${n0(d2m.ceilingRecordsPerSecond)} rec/s)`, n2(d2m.ratioToCeiling), '≥ 0.90', d2m.ratioToCeiling >= 0.9);
		const lookups = Object.values((d2m.marketoLookupsByFilterType ?? {}) as Record<string, number>).reduce((a, b) => a + b, 0);
		row(
			`${label}: Marketo calls per 300 records (all REST calls, incl. the Marketo Trigger reading the copy's own activities; look-ups; writes)`,
			`${n2(d2m.marketoCallsPer300)} (${n2(lookups / (d2m.synced / 300))}; ${n2(d2m.marketoWriteCallsPer300)})`,
			'≤ 1.02',
			d2m.marketoCallsPer300 <= 1.02,
		);
		row(`${label}: 606 / 615 responses`, `${d2m.r606} / ${d2m.r615}`, '0 / 0', d2m.r606 === 0 && d2m.r615 === 0);
		row(`${label}: wall time (n8n ready → last person)`, `${n1(d2m.wallSeconds)} s`, '');
		row(`${label}: n8n peak RSS (idle after start)`, `${mib(d2m.peakRssMiB)} (${mib(d2m.baselineRssMiB)})`, '≤ 1024 MiB', d2m.peakRssMiB <= 1024);
	} else missing('1. Initial sync Dynamics → Marketo', 'd2m');

	const m2d = load(dir, 'm2d')?.figures;
	if (m2d) {
		const label = `2. Marketo → Dynamics, ${n0(m2d.changes)} person changes`;
		row(`${label}: records/s (first to last Dynamics write)`, `${n1(m2d.recordsPerSecond)} rec/s over ${n0(m2d.writeWindowSeconds)} s; ${n0(m2d.arrived)} arrived`, '');
		// A sliding window of 6,000 / 300 s: the k-th 6,000 writes can start only (k-1) × 300 s after the first.
		const minimumS = 300 * (Math.ceil(m2d.arrived / 6000) - 1);
		row(
			`${label}: ratio to the Dataverse ceiling (6,000 req/300 s per user, sliding, $batch parts counted one by one: first to last write takes at least ${n0(minimumS)} s; sustained 20 rec/s)`,
			`${n2(minimumS / m2d.writeWindowSeconds)} (${n2(m2d.recordsPerSecond / 20)} of 20 rec/s)`,
			'≥ 0.90',
			minimumS / m2d.writeWindowSeconds >= 0.9,
		);
		row(`${label}: Dataverse requests per record (as counted; HTTP calls)`, `${n2(m2d.dataverseRequestsPerRecord)} (${n0(m2d.dataverseHttpCalls)} calls)`, '');
		row(`${label}: 429s seen / every change arrived`, `${m2d.r429} / ${m2d.arrived === m2d.changes ? 'yes' : 'no'}`, 'honoured', m2d.arrived === m2d.changes);
	} else missing('2. Marketo → Dynamics', 'm2d');

	const inc = load(dir, 'incremental')?.figures;
	if (inc?.polls) {
		const p = inc.polls.perPoll;
		const label = `3. Incremental, ${n0(inc.polls.tableRows)}-row lead table`;
		row(`${label}: Dataverse requests per poll, 0 changes`, String(p['0']?.requests ?? '—'), '1', p['0']?.requests === 1);
		row(`${label}: Dataverse requests per poll, 10 changes`, String(p['10']?.requests ?? '—'), '');
		row(`${label}: Dataverse requests per poll, 10,000 changes (page size ${inc.polls.pageSize})`, String(p['10000']?.requests ?? '—'), '');
	} else missing('3. Incremental', 'incremental');
	if (inc?.latency) {
		const l = inc.latency;
		const target = l.pollIntervalSeconds + 5;
		const d = l.dynamicsToMarketoSeconds as number[];
		const m = l.marketoToDynamicsSeconds as number[];
		row(`3. Latency at a one-minute poll, Dynamics → Marketo (max; median of ${l.rounds})`, `${n1(max(d))} s (${n1(median(d))} s)`, `≤ ${target} s`, max(d) <= target);
		row(`3. Latency at a one-minute poll, Marketo → Dynamics (max; median of ${l.rounds})`, `${n1(max(m))} s (${n1(median(m))} s)`, `≤ ${target} s`, max(m) <= target);
	}

	const memory = [load(dir, 'memory-10k'), d2m ? { figures: { runs: [d2m] } } : undefined, load(dir, 'memory-300k'), load(dir, 'memory')]
		.flatMap((f) => (f?.figures?.runs ?? []) as Json[])
		.filter((r, i, all) => all.findIndex((o) => o.records === r.records) === i)
		.sort((a, b) => a.records - b.records);
	if (memory.length) {
		const peaks = memory.map((r) => r.peakRssMiB as number);
		const growth = Math.max(...peaks) - Math.min(...peaks);
		const sizes = [10_000, 100_000, 300_000].filter((n) => !memory.some((r) => r.records === n && r.complete));
		row(
			`4. n8n peak RSS by initial-sync size (${memory.map((r) => n0(r.records)).join(' / ')})`,
			`${peaks.map(mib).join(' / ')}; spread ${mib(growth)}${sizes.length ? ` (${sizes.map(n0).join(', ')} not measured)` : ''}`,
			'flat (spread ≤ 128 MiB)',
			sizes.length ? undefined : growth <= 128,
		);
	} else missing('4. Memory flatness', 'memory');

	const peer = load(dir, 'peer')?.figures;
	if (peer && d2m) {
		row(
			'5. Peer (Schedule Trigger + HTTP Request, record by record): records/s',
			`${n2(peer.recordsPerSecond)} rec/s (${n0(peer.syncedInWindow)} in ${n0(peer.windowSeconds)} s; ${n1(peer.projectedHoursFor100k)} h for ${n0(peer.records)}); this package ${n0(d2m.recordsPerSecond)} → **${n0(d2m.recordsPerSecond / peer.recordsPerSecond)}×**`,
			'',
		);
		row(
			'5. Peer: Marketo API calls per record',
			`${n2(peer.marketoCallsPerRecord)} vs ${n2(d2m.marketoCallsPer300 / 300)} → peer makes **${n0(peer.marketoCallsPerRecord / (d2m.marketoCallsPer300 / 300))}×** the calls; peer 606s: ${peer.r606}`,
			'',
		);
	} else missing('5. Peer', 'peer');

	// bench:calls writes calls.json; BENCH_CALLS_OUT=calls-<label> keeps a run of other code beside it.
	const callRuns = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /^calls(-[\w.-]+)?\.json$/.test(f)).sort((a, b) => (a === 'calls.json' ? -1 : b === 'calls.json' ? 1 : a.localeCompare(b))) : [];
	for (const file of callRuns) {
		const label = file.replace(/^calls-?|\.json$/g, '');
		for (const [figure, ...rest] of callRows(load(dir, file.replace(/\.json$/, ''))!.figures)) row(label ? `${figure} [${label}]` : figure, ...rest);
	}
	if (!callRuns.length) missing('6. API calls per 300', 'calls');

	const total = load(dir, 'total');
	const tuning = (d2m?.tuning ?? BENCH_TUNING) as typeof BENCH_TUNING;
	return [
		'# Benchmark results',
		'',
		`Latest run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${total ? `, \`npm run bench\` took ${n1(total.minutes)} min` : ''}. ` +
			`Machine: ${host.cpu}, ${host.memoryGiB} GiB, ${host.os}; bench driver on Node ${host.node}, n8n ${host.n8n}. ` +
			(total?.loadAverage ? `Load average at the end of the run: ${total.loadAverage.map((v: number) => v.toFixed(1)).join(', ')} (1, 5, 15 min); the 2 cores are shared by the three lanes and the simulators.` : ''),
		'',
		'| Figure | Measured | Target | Met |',
		'|---|---|---|---|',
		...rows.map((r) => `| ${r.join(' | ')} |`),
		'',
		'Configuration: simulators in the bench process with their real limits (Marketo 100 calls / 20 s and 10 concurrent per instance, ' +
			'50,000 calls a day; Dataverse 6,000 requests / 300 s and 52 concurrent per user). Real n8n 2.41.1 with the packed package. ' +
			`The template copy for 1, 2 and 4 differs from the published one only in the Dynamics triggers: Records Per Run ${n0(tuning.maxRecordsPerPoll ?? 5000)} ` +
			`(default 5,000), Page Size ${n0(tuning.pageSize ?? 1000)} (default 1,000), ${tuning.pollsPerMinute ?? 1} poll times a minute (default 1; n8n accepts several ` +
			'"every minute at second S" poll times and rejects sub-minute crons). n8n runs with N8N_CONCURRENCY_PRODUCTION_LIMIT=1 (one execution at a time, later polls queue); ' +
			'for 1, 2 and 4 with NODE_OPTIONS=--max-old-space-size=512, as in a 1 GiB container (without it V8 lets the heap grow far past what the sync holds before it collects). ' +
			'The Marketo credential uses the whole instance: 100 calls / 20 s, 10 concurrent. Latency (3) uses the unmodified template (one poll a minute) on 2,000 leads; requests per poll (3) use the lead trigger alone, ' +
			'10 s polls, page size 5,000. Reproduce: `npm install && npm run bench` (or `npm run bench:d2m`, `bench:m2d`, `bench:incremental`, `bench:memory`, `bench:peer`, `bench:calls`).',
		'',
	].join('\n');
}
