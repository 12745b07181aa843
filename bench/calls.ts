// `npm run bench:calls`: the API calls the template makes per 300 persons in each lane (issue 12), in
// real n8n against the simulators, counted by the simulators and sorted by what each call is for:
//   (c) the initial copy of 3,000 leads, 800 contacts, 200 accounts and 50 opportunities;
//   (a) Dynamics → Marketo: 300 leads and 300 contacts changed by a Dynamics user;
//   (b) Marketo → Dynamics: 300 lead persons and 300 contact persons changed by a Marketo UI user.
// A lane's window runs from the change until every value has arrived and nothing but trigger polls
// has happened for QUIET_S seconds (so the triggers' reads of the lane's own writes are in it).
// Figures are counts; nothing here is timed against a target.
import { callsBetween, marketoRest, sum, ApiCallLog, type CallsSnapshot, type Tally } from './lib/apiCalls';
import { benchTemplate, log, runMain, saveFigures, sleep, startN8nWith, startSimulators, type Simulators } from './lib/harness';
import { syncSnapshot } from '../test/helpers/sampleData';

const PER_TABLE = Number(process.env.BENCH_CALLS_PER_TABLE ?? 300);
const COPY = {
	leads: Number(process.env.BENCH_CALLS_LEADS ?? 3000),
	contacts: Number(process.env.BENCH_CALLS_CONTACTS ?? 800),
	accounts: Number(process.env.BENCH_CALLS_ACCOUNTS ?? 200),
	opportunities: Number(process.env.BENCH_CALLS_OPPORTUNITIES ?? 50),
	users: 5,
};
/** Every trigger polls once a minute: this long without a write or a node's read means the lane is done. */
const QUIET_S = Number(process.env.BENCH_CALLS_QUIET_S ?? 70);
/** The issue's figure for the initial copy: one call per 300 records per object type plus the look-ups the design needs. */
export const COPY_TARGET_CALLS = 29;

interface Seeded {
	leadIds: string[];
	contactIds: string[];
	roles: number;
}

/** Users and a team, accounts, contacts (each under an account), leads, opportunities with two stakeholders; all set to sync. */
function seed(sims: Simulators): Seeded {
	const dv = sims.dataverse;
	const users = Array.from({ length: COPY.users }, (_, i) => String(dv.addInteractiveUser(`seller.${i}@contoso.test`, { firstname: 'Seller', lastname: String(i) })));
	const team = String(dv.create('team', { name: 'Inside Sales', teamtype: 0 }).teamid);
	const accountIds = Array.from({ length: COPY.accounts }, (_, i) =>
		String(
			dv.create('account', {
				name: `Account ${i}`,
				telephone1: `+31 20 555 ${String(1000 + i)}`,
				'ownerid@odata.bind': i % 10 === 9 ? `/teams(${team})` : `/systemusers(${users[i % users.length]})`,
			}).accountid,
		),
	);
	const contactIds = Array.from({ length: COPY.contacts }, (_, i) =>
		String(
			dv.create('contact', {
				firstname: 'Contact',
				lastname: String(i),
				emailaddress1: `contact${i}@customer.test`,
				telephone1: `+31 20 ${String(1000000 + i)}`,
				'parentcustomerid_account@odata.bind': `/accounts(${accountIds[i % accountIds.length]})`,
			}).contactid,
		),
	);
	const leadIds = Array.from({ length: COPY.leads }, (_, i) =>
		String(
			dv.create('lead', {
				firstname: 'Lead',
				lastname: String(i),
				emailaddress1: `lead${i}@prospect.test`,
				companyname: `Prospect ${i % 300}`,
				telephone1: `+31 6 ${String(10000000 + i)}`,
			}).leadid,
		),
	);
	const roleIds = Object.entries(dv.connectionRoleIds as unknown as Record<string, string>)
		.filter(([name]) => /stakeholder|decision/i.test(name))
		.map(([, id]) => id);
	let roles = 0;
	for (let i = 0; i < COPY.opportunities; i++) {
		const contactCustomer = i % 2 === 0;
		const id = String(
			dv.create('opportunity', {
				name: `Deal ${i}`,
				estimatedvalue: 5000 + i * 250,
				...(contactCustomer
					? { 'customerid_contact@odata.bind': `/contacts(${contactIds[i % contactIds.length]})` }
					: { 'customerid_account@odata.bind': `/accounts(${accountIds[i % accountIds.length]})` }),
			}).opportunityid,
		);
		if (contactCustomer) roles++;
		for (let s = 0; s < 2 && roleIds.length; s++, roles++) {
			dv.connect({ table: 'opportunity', id }, { table: 'contact', id: contactIds[(i * 3 + s + 1) % contactIds.length] }, roleIds[s % roleIds.length]);
		}
	}
	return { leadIds, contactIds, roles };
}

/** Calls that only a node does (not a trigger's poll): a lane is done when these stop. */
const nodeWork = (c: CallsSnapshot): number =>
	sum(c.marketo, (k) => k.startsWith('lookup') || k.startsWith('write')) + sum(c.dataverse, (k) => !k.startsWith('poll') && !k.startsWith('metadata'));

/** Waits until `arrived` holds, then until no node call happened for QUIET_S; returns the arrival time. */
async function untilArrivedAndQuiet(what: string, calls: ApiCallLog, arrived: () => number, target: number, timeoutMs: number): Promise<{ arrivedS: number; value: number }> {
	const started = Date.now();
	let value = 0;
	let lastLog = 0;
	while ((value = arrived()) < target) {
		if (Date.now() - started > timeoutMs) throw new Error(`${what}: only ${value} of ${target} arrived in ${timeoutMs / 1000} s`);
		if (Date.now() - lastLog > 15_000) {
			lastLog = Date.now();
			log(`${what}: ${value} / ${target} arrived; Marketo REST calls so far ${marketoRest(calls.snapshot())}`);
		}
		await sleep(1000);
	}
	const arrivedS = (Date.now() - started) / 1000;
	log(`${what}: all ${target} arrived after ${arrivedS.toFixed(0)} s; waiting for ${QUIET_S} s without node calls`);
	let work = nodeWork(calls.snapshot());
	let quietSince = Date.now();
	while (Date.now() - quietSince < QUIET_S * 1000) {
		if (Date.now() - started > timeoutMs + 5 * 60_000) throw new Error(`${what}: node calls did not stop`);
		await sleep(2000);
		const now = nodeWork(calls.snapshot());
		if (now !== work) {
			work = now;
			quietSince = Date.now();
		}
	}
	return { arrivedS, value };
}

export interface LaneFigures {
	persons: number;
	arrivedSeconds: number;
	calls: CallsSnapshot;
}

const per300 = (n: number, records: number) => (records ? (n * 300) / records : NaN);
const f2 = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : '—');

/** One lane's calls, printed by kind with the count per 300 records. */
export function printLane(title: string, records: number, calls: CallsSnapshot): void {
	const lines = [`${title}`, `  ${'call'.padEnd(58)}${'count'.padStart(7)}${'per 300'.padStart(10)}${'records'.padStart(9)}`];
	const rows = (system: string, t: Tally, records_: Tally = {}) => {
		for (const [k, v] of Object.entries(t).sort(([a], [b]) => a.localeCompare(b))) {
			lines.push(`  ${`${system} ${k}`.padEnd(58)}${String(v).padStart(7)}${f2(per300(v, records)).padStart(10)}${(records_[k] !== undefined ? String(records_[k]) : '').padStart(9)}`);
		}
	};
	rows('Marketo', calls.marketo, calls.marketoRecords);
	rows('Dataverse', calls.dataverse);
	rows('Dataverse $batch part', calls.batchParts);
	rows('limit answer', calls.limitHits);
	process.stdout.write(`${lines.join('\n')}\n`);
}

/** The headline figures of a lane per 300 persons, as the issue states its targets. */
export function laneSummary(calls: CallsSnapshot, persons: number) {
	const m = calls.marketo;
	const d = calls.dataverse;
	return {
		marketoReads: per300(sum(m, (k) => k.startsWith('lookup')), persons),
		marketoWrites: per300(sum(m, (k) => k.startsWith('write') && !k.includes('activity log')), persons),
		marketoActivityLogWrites: per300(sum(m, (k) => k.includes('activity log')), persons),
		/** Feed calls that returned activities (the lane's changes, or the sync's own writes read past). */
		marketoFeedPages: per300(sum(m, (k) => k.startsWith('feed') && !k.endsWith('(empty)')), persons),
		/** Feed calls that found nothing: the trigger's idle polls (one a minute) inside the window. */
		marketoFeedEmpty: per300(sum(m, (k) => k.endsWith('(empty)')), persons),
		marketoMetadata: per300(sum(m, (k) => k.startsWith('metadata')), persons),
		marketoRest: per300(marketoRest(calls), persons),
		dataversePolls: per300(sum(d, (k) => k.startsWith('poll')), persons),
		/** Reads besides the triggers' polls: plain GETs and `$batch` requests of GETs only. */
		dataverseReads: per300(sum(d, (k) => k.startsWith('read') || k.startsWith('batch read')), persons),
		dataverseBatchReads: per300(sum(d, (k) => k.startsWith('batch read')), persons),
		dataverseReadParts: per300(sum(calls.batchParts, (k) => k.startsWith('GET ')), persons),
		dataverseBatches: per300(sum(d, (k) => k === 'batch write'), persons),
		dataverseBatchParts: per300(sum(calls.batchParts, (k) => !k.startsWith('GET ')), persons),
		dataverseDirectWrites: per300(sum(d, (k) => k.startsWith('write')), persons),
		dataverseMetadata: per300(sum(d, (k) => k.startsWith('metadata')), persons),
	};
}

/** The initial copy's Marketo calls by what they are for (the issue's breakdown). */
export function copyBreakdown(calls: CallsSnapshot) {
	const m = calls.marketo;
	const group = (prefix: string) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith(prefix)));
	return {
		rest: marketoRest(calls),
		identity: m.identity ?? 0,
		metadata: sum(m, (k) => k.startsWith('metadata')),
		lookups: sum(m, (k) => k.startsWith('lookup')),
		writes: sum(m, (k) => k.startsWith('write') && !k.includes('activity log')),
		activityLog: sum(m, (k) => k.includes('activity log')),
		feed: sum(m, (k) => k.startsWith('feed')),
		feedEmpty: sum(m, (k) => k.endsWith('(empty)')),
		other: sum(m, (k) => k.startsWith('other')),
		lookupsByKind: group('lookup'),
		writesByKind: group('write'),
		metadataByKind: group('metadata'),
		feedByKind: group('feed'),
	};
}

/**
 * Issue 12's rule for the copy: at most one write per 300 records per object type (per Dynamics
 * table it comes from), plus the look-ups the design needs. Each written Marketo object type with
 * its ceiling, and each look-up with what it is for; `within` says whether every write kind is at
 * or under its ceiling and the person look-ups at one per 300 persons.
 */
export function copyCheck(calls: CallsSnapshot, sources: { leads: number; contacts: number; accounts: number; opportunities: number; roles: number; users: number; teams: number }) {
	const ceil = (n: number) => Math.ceil(n / 300);
	const m = calls.marketo;
	const writeCeilings: Record<string, { ceiling: number; from: string }> = {
		'write leads': { ceiling: ceil(sources.leads) + ceil(sources.contacts), from: `${sources.leads} leads + ${sources.contacts} contacts` },
		'write companies': { ceiling: ceil(sources.accounts), from: `${sources.accounts} accounts` },
		'write opportunities': { ceiling: ceil(sources.opportunities), from: `${sources.opportunities} opportunities` },
		'write opportunities/roles': { ceiling: ceil(sources.roles), from: `${sources.roles} roles` },
		'write salespersons': { ceiling: ceil(sources.users) + ceil(sources.teams), from: `${sources.users} users + ${sources.teams} team (two tables)` },
	};
	const writes = Object.entries(m)
		.filter(([k]) => k.startsWith('write') && !k.includes('activity log'))
		.map(([kind, count]) => ({ kind, count, records: calls.marketoRecords[kind] ?? 0, ceiling: writeCeilings[kind]?.ceiling ?? 0, from: writeCeilings[kind]?.from ?? 'not a copied type' }));
	const purpose: Record<string, string> = {
		'lookup leads by microsoftId': 'the person lane compares each person with Marketo (1 per 300, as lane (a))',
		'lookup salespersons by externalSalesPersonId': 'owners not written by this instance lately: create only those Marketo lacks',
		'lookup companies by externalCompanyId': 'companies not written by this instance lately: create only those Marketo lacks',
		'lookup opportunities by externalOpportunityId': 'opportunities a stakeholder names, not written by this instance lately',
		'lookup opportunities/roles by externalOpportunityId': "an opportunity's roles in Marketo, so a role Dynamics lost is removed (one per reconciling execution)",
	};
	const lookups = Object.entries(m)
		.filter(([k]) => k.startsWith('lookup'))
		.map(([kind, count]) => ({ kind, count, for: purpose[kind] ?? 'unexplained' }));
	const personLookups = m['lookup leads by microsoftId'] ?? 0;
	const personCeiling = ceil(sources.leads) + ceil(sources.contacts);
	const within = writes.every((w) => w.count <= w.ceiling) && personLookups <= personCeiling && lookups.every((l) => l.for !== 'unexplained');
	return { writes, lookups, personLookups, personCeiling, within };
}

/** The check as lines to print. */
function printCopyCheck(check: ReturnType<typeof copyCheck>): void {
	const lines = ['(c) one write per 300 records per object type, plus the look-ups the design needs'];
	for (const w of check.writes) lines.push(`  ${w.kind.padEnd(30)} ${String(w.count).padStart(3)} for ${String(w.records).padStart(5)} records; at most ${w.ceiling} (${w.from})${w.count > w.ceiling ? '  OVER' : ''}`);
	for (const l of check.lookups) lines.push(`  ${l.kind.padEnd(52)} ${String(l.count).padStart(3)}: ${l.for}`);
	lines.push(`  person look-ups ${check.personLookups}, at most ${check.personCeiling}; ${check.within ? 'within' : 'NOT within'} the rule`);
	process.stdout.write(`${lines.join('\n')}\n`);
}

runMain(async () => {
	const sims = await startSimulators();
	const calls = new ApiCallLog(sims);
	const seeded = seed(sims);
	const copyRecords = COPY.leads + COPY.contacts + COPY.accounts + COPY.opportunities;
	log(`calls: seeded ${COPY.leads} leads, ${COPY.contacts} contacts, ${COPY.accounts} accounts, ${COPY.opportunities} opportunities (${seeded.roles} roles), ${COPY.users} users + 1 team`);
	// The published template, unmodified (one poll a minute); the sample custom-table trigger stays
	// disabled as it ships, so the copy's calls are those a user's first activation makes.
	const workflow = benchTemplate({});
	for (const node of workflow.nodes) if (node.type.endsWith('.dynamicsTrigger') && node.parameters.table === 'new_project') node.disabled = true;
	const run = await startN8nWith('calls', sims, [workflow]);
	try {
		// (c) Initial copy: from n8n's start (no call before it) until everything is in Marketo and quiet.
		const zero = calls.snapshot();
		const copied = () => {
			const s = syncSnapshot(sims);
			return Math.min(s.marketoLeadsFromDynamics, COPY.leads) + Math.min(s.marketoContactsFromDynamics, COPY.contacts) + Math.min(s.companies, COPY.accounts) + Math.min(s.opportunities, COPY.opportunities);
		};
		const copy = await untilArrivedAndQuiet('(c) initial copy', calls, copied, copyRecords, 15 * 60_000);
		const afterCopy = calls.snapshot();
		const copyCalls = callsBetween(zero, afterCopy);
		const snap = syncSnapshot(sims);
		const check = copyCheck(copyCalls, { ...COPY, roles: seeded.roles, teams: 1 });
		printLane(`(c) Initial copy: ${COPY.leads} leads, ${COPY.contacts} contacts, ${COPY.accounts} accounts, ${COPY.opportunities} opportunities; in Marketo: ${snap.companies} companies, ${snap.opportunities} opportunities, ${snap.opportunityRoles} roles (of ${seeded.roles}), ${snap.salesPersons} sales persons; per 300 = per 300 of the ${copyRecords} records`, copyRecords, copyCalls);

		printCopyCheck(check);

		// One idle minute: what the triggers' polls cost when nothing changes (in every lane's window too).
		const idleFrom = calls.snapshot();
		await sleep(60_000);
		const idleCalls = callsBetween(idleFrom, calls.snapshot());
		printLane('Idle minute (trigger polls only)', 0, idleCalls);

		const personOf = (dynamicsId: string) => sims.marketo.store.findLeadIds('microsoftId', dynamicsId)[0];
		const leads = seeded.leadIds.slice(0, PER_TABLE);
		const contacts = seeded.contactIds.slice(0, PER_TABLE);
		const persons = leads.length + contacts.length;

		// (a) Dynamics → Marketo: a Dynamics user changes the phone of PER_TABLE leads and PER_TABLE contacts.
		const phoneA = (i: number) => `+31 10 ${String(3000000 + i)}`;
		const aFrom = calls.snapshot();
		leads.forEach((id, i) => sims.dataverse.update('lead', id, { telephone1: phoneA(i) }));
		contacts.forEach((id, i) => sims.dataverse.update('contact', id, { telephone1: phoneA(PER_TABLE + i) }));
		const pairsA = [...leads, ...contacts].map((id, i) => ({ person: personOf(id), phone: phoneA(i) }));
		const a = await untilArrivedAndQuiet('(a) Dynamics → Marketo', calls, () => pairsA.filter((p) => sims.marketo.store.getLead(p.person)?.phone === p.phone).length, persons, 8 * 60_000);
		const aCalls = callsBetween(aFrom, calls.snapshot());
		printLane(`(a) Dynamics → Marketo: ${leads.length} leads + ${contacts.length} contacts changed in Dynamics, all in Marketo after ${a.arrivedS.toFixed(0)} s`, persons, aCalls);

		// (b) Marketo → Dynamics: a Marketo UI user changes the phone of the persons linked to PER_TABLE leads and PER_TABLE contacts.
		const phoneB = (i: number) => `+31 30 ${String(4000000 + i)}`;
		const bFrom = calls.snapshot();
		const targetsB = [...leads.map((id) => ({ table: 'lead', id })), ...contacts.map((id) => ({ table: 'contact', id }))];
		targetsB.forEach((t, i) => sims.marketo.uiUpdateLead(personOf(t.id), { phone: phoneB(i) }));
		const b = await untilArrivedAndQuiet('(b) Marketo → Dynamics', calls, () => targetsB.filter((t, i) => sims.dataverse.store.get(t.table, t.id)?.telephone1 === phoneB(i)).length, persons, 8 * 60_000);
		const bCalls = callsBetween(bFrom, calls.snapshot());
		printLane(`(b) Marketo → Dynamics: ${persons} linked persons (${leads.length} leads, ${contacts.length} contacts) changed in the Marketo UI, all in Dynamics after ${b.arrivedS.toFixed(0)} s`, persons, bCalls);

		const figures = {
			copy: { records: { ...COPY, roles: seeded.roles }, recordCount: copyRecords, arrivedSeconds: copy.arrivedS, inMarketo: snap, calls: copyCalls, breakdown: copyBreakdown(copyCalls), check, targetCalls: COPY_TARGET_CALLS },
			idleMinute: { calls: idleCalls, summary: laneSummary(idleCalls, 300) },
			dynamicsToMarketo: { persons, leads: leads.length, contacts: contacts.length, arrivedSeconds: a.arrivedS, calls: aCalls, per300: laneSummary(aCalls, persons) },
			marketoToDynamics: { persons, leads: leads.length, contacts: contacts.length, arrivedSeconds: b.arrivedS, calls: bCalls, per300: laneSummary(bCalls, persons) },
			quietSeconds: QUIET_S,
		};
		const file = saveFigures(process.env.BENCH_CALLS_OUT ?? 'calls', figures);
		if (calls.trace) saveFigures(`trace-${process.env.BENCH_CALLS_OUT ?? 'calls'}`, { trace: calls.trace, n8nLog: run.n8n.logFile });
		const c = figures.copy.breakdown;
		const pa = figures.dynamicsToMarketo.per300;
		const pb = figures.marketoToDynamics.per300;
		log(
			`calls: (c) copy ${c.rest} Marketo REST calls (identity ${c.identity} not counted; metadata ${c.metadata}, look-ups ${c.lookups}, writes ${c.writes}, activity log ${c.activityLog}, feed ${c.feed} of which ${c.feedEmpty} empty) for ${copyRecords} records (the issue's estimate ≈ ${COPY_TARGET_CALLS}); ${check.within ? 'within' : 'NOT within'} one write per 300 records per object type plus the look-ups the design needs`,
		);
		log(`calls: (a) per 300 persons changed in Dynamics: Marketo reads ${f2(pa.marketoReads)}, writes ${f2(pa.marketoWrites)} (target 1 + 1); feed pages ${f2(pa.marketoFeedPages)} (+ ${f2(pa.marketoFeedEmpty)} empty polls); Dataverse reads ${f2(pa.dataverseReads)}, polls ${f2(pa.dataversePolls)}`);
		log(
			`calls: (b) per 300 persons changed in Marketo: feed pages ${f2(pb.marketoFeedPages)} (+ ${f2(pb.marketoFeedEmpty)} empty polls), Dataverse reads ${f2(pb.dataverseReads)} (of which $batch ${f2(pb.dataverseBatchReads)} with ${f2(pb.dataverseReadParts)} GET parts), $batch writes ${f2(pb.dataverseBatches)} (${f2(pb.dataverseBatchParts)} parts), direct writes ${f2(pb.dataverseDirectWrites)}, Marketo writes ${f2(pb.marketoWrites)}, Marketo reads ${f2(pb.marketoReads)} (target feed + 1 + 1 + 1, no reads)`,
		);
		log(`calls: figures in ${file}`);
	} finally {
		await run.stop();
		await sims.stop();
	}
});
