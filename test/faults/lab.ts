/**
 * The sync template running in a real n8n 2.41.1 (one process, or main + workers in queue mode)
 * against the simulators, plus what a fault run needs around it: batches of new and changed records
 * in both systems, the expected final state for each batch, and the comparison with what the two
 * simulators really hold (synced, reported failed, lost, duplicated) and with the triggers' cursors.
 */
import * as path from 'node:path';

import { N8nInstance, type N8nInstanceOptions } from '../e2e/n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';
import { seedSample } from '../helpers/sampleData';
import { templateFor, type TemplateWorkflow } from '../helpers/template';
import { REQUEST_TIMEOUT_ENV } from '../../nodes/transport/retry';
import { QUOTA_RETRY_ENV } from '../../nodes/journal/outcomes';

/**
 * How long the triggers wait after Marketo's daily quota (607) before sending the stopped batch
 * again. The product waits for midnight US Central; the simulators' 607 answers stop after a count
 * (the lab's "reset"), so the lab waits 45 s.
 */
export const LAB_QUOTA_RETRY_MS = 45_000;

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { hostDir } = require('../../scripts/lib/n8nHost') as { hostDir(): string };

/** Seconds past the minute at which every trigger polls: every 15 s instead of every minute. */
const POLL_SECONDS = [0, 15, 30, 45];
export const POLL_INTERVAL_MS = 15_000;

/** Leads and contacts of the sample, all synced by the initial copy (none has Sync to Marketo = No). */
const SAMPLE_LEADS = 20;
const SAMPLE_CONTACTS = 15;

const DYNAMICS_CRED = 'faultDynamicsCred';
const MARKETO_CRED = 'faultMarketoCred1';

/** One record the sync must carry across: where it starts, and how to find it on the other side. */
export interface ExpectedRecord {
	kind: 'lead' | 'contact' | 'account' | 'marketoPerson' | 'leadUpdate' | 'personUpdate' | 'leadDeleted';
	/** Dynamics row id, or Marketo lead id for Marketo-side records. */
	id: string;
	email?: string;
	/** For updates: the field value that must arrive. */
	value?: string;
}

export interface BatchResult {
	recordsIn: number;
	synced: number;
	reportedFailed: number;
	lost: number;
	duplicated: number;
	lostRecords: ExpectedRecord[];
	duplicatedRecords: ExpectedRecord[];
}

export interface LabOptions {
	name: string;
	/** Environment for every n8n process (Postgres, queue mode). */
	n8nEnv?: N8nInstanceOptions['env'];
	/** Workers to start next to main (queue mode). */
	workers?: number;
	/** Executions each worker runs at once (low, so both workers get work). */
	workerConcurrency?: number;
	/** Marketo's instance limits in the simulator (default 100 calls / 20 s, 10 in flight). */
	marketoLimits?: { callsPer20Seconds: number; concurrentCalls: number };
	/** The Marketo credential's share of the instance limits (default: the whole instance, 100/10). */
	marketoBudget?: { callsPer20Seconds: number; concurrentCalls: number };
	/** Records per Dynamics page, so a batch spans pages (default 5). */
	pageSize?: number;
	/**
	 * The nodes' request timeout in ms (MARKETO_DYNAMICS_SYNC_REQUEST_TIMEOUT_MS; the product default
	 * is 120 s), so a scenario can hold an answer past it without waiting minutes.
	 */
	requestTimeoutMs?: number;
	/** More workflows to import and publish next to the template (the status page). */
	extraWorkflows?: Array<Record<string, unknown>>;
}

/**
 * n8n stores execution data with `flatted`: read it with the host's own copy. Loaded when first
 * needed, not when a test file is read: on a fresh machine the host is installed by `start()`.
 */
export function parseExecutionData(raw: string): any {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const flatted = require(path.join(hostDir(), 'node_modules', 'flatted')) as { parse(text: string): any };
	return flatted.parse(raw);
}

export class SyncLab {
	sims!: Simulators;
	n8n!: N8nInstance;
	workflow!: TemplateWorkflow;
	private batchNo = 0;
	private ownerUserId = '';
	private seenExecutions = new Set<string>();
	/**
	 * What n8n reports as failed, as text: every item that reached the template's "Failed records"
	 * node, and the whole data of every execution that failed or crashed.
	 */
	readonly failedItems: string[] = [];
	failedExecutions = 0;
	/** What the kill scenario saw at the moment of the kill. */
	killNote = '';
	private crashedExecutionIds: string[] = [];

	constructor(readonly options: LabOptions) {}

	async start(): Promise<void> {
		await this.startSimulators();
		await this.startN8n();
	}

	/** The simulators with the sample (the sync's initial copy starts once n8n runs). */
	async startSimulators(): Promise<void> {
		this.sims = await startSimulators();
		if (this.options.marketoLimits) this.sims.marketo.setLimits(this.options.marketoLimits);
		seedSample(this.sims, { leads: SAMPLE_LEADS, contacts: SAMPLE_CONTACTS, accounts: 5, opportunities: 4, users: 2, projects: 3, marketoOnly: 3 });
		this.ownerUserId = String(this.sims.dataverse.addInteractiveUser('owner.faults@contoso.test', { firstname: 'Fay', lastname: 'Ults' }));
	}

	/** n8n with the package, credentials and the published template (main, then any workers). */
	async startN8n(): Promise<void> {
		const timeout: Record<string, string> = this.options.requestTimeoutMs ? { [REQUEST_TIMEOUT_ENV]: String(this.options.requestTimeoutMs) } : {};
		this.n8n = new N8nInstance(this.options.name, { env: { ...timeout, [QUOTA_RETRY_ENV]: String(LAB_QUOTA_RETRY_MS), ...this.options.n8nEnv } });
		this.n8n.install(N8nInstance.packOnce());
		this.n8n.importCredentials([
			{ id: DYNAMICS_CRED, name: 'Dynamics 365', type: 'microsoftDynamicsApi', data: this.sims.dynamicsCredentials },
			{
				id: MARKETO_CRED,
				name: 'Marketo',
				type: 'marketoApi',
				data: { ...this.sims.marketoCredentials, ...(this.options.marketoBudget ?? {}) },
			},
		]);
		this.workflow = this.observableTemplate();
		this.n8n.importAndPublish(this.workflow);
		for (const extra of this.options.extraWorkflows ?? []) this.n8n.importAndPublish(extra);
		await this.n8n.start();
		await this.n8n.setupOwner();
		for (let i = 0; i < (this.options.workers ?? 0); i++) await this.n8n.startWorker(this.options.workerConcurrency);
	}

	/**
	 * The shipped template with two changes a test needs and an admin would not: triggers poll every
	 * 15 s (four one-a-minute schedules, as n8n refuses sub-minute crons) with small pages, and
	 * successful executions are saved so the items in "Failed records" can be read back.
	 */
	private observableTemplate(): TemplateWorkflow {
		const workflow = templateFor(DYNAMICS_CRED, MARKETO_CRED);
		workflow.settings.saveDataSuccessExecution = 'all';
		for (const node of workflow.nodes) {
			if (!/Trigger$/.test(node.type)) continue;
			node.parameters.pollTimes = { item: POLL_SECONDS.map((s) => ({ mode: 'custom', cronExpression: `${s} * * * * *` })) };
			if (node.type.endsWith('.dynamicsTrigger')) {
				node.parameters.options = { ...((node.parameters.options as object) ?? {}), pageSize: this.options.pageSize ?? 5 };
			}
		}
		return workflow;
	}

	async stop(): Promise<void> {
		await this.n8n?.stop();
		await this.sims?.stop();
	}

	cleanup(): void {
		this.n8n?.cleanup();
	}

	/**
	 * New and changed records in both systems, written as people would: Dynamics leads, contacts
	 * and accounts, Marketo form-fill persons, one Dynamics lead edit and one Marketo person edit.
	 */
	seedBatch(size = { leads: 6, contacts: 4, accounts: 2, marketoPersons: 3 }): ExpectedRecord[] {
		const b = ++this.batchNo;
		const dv = this.sims.dataverse;
		const out: ExpectedRecord[] = [];
		const accountIds: string[] = [];
		for (let i = 0; i < size.accounts; i++) {
			const row = dv.create('account', { name: `Batch ${b} Account ${i}`, address1_city: 'Utrecht', 'ownerid@odata.bind': `/systemusers(${this.ownerUserId})` });
			accountIds.push(String(row.accountid));
			out.push({ kind: 'account', id: String(row.accountid) });
		}
		for (let i = 0; i < size.leads; i++) {
			const email = `b${b}.lead${i}@fault.test`;
			const row = dv.create('lead', { firstname: 'Lea', lastname: `Batch${b} ${i}`, emailaddress1: email, companyname: `Fault Co ${b}`, subject: 'Fault run' });
			out.push({ kind: 'lead', id: String(row.leadid), email });
		}
		for (let i = 0; i < size.contacts; i++) {
			const email = `b${b}.contact${i}@fault.test`;
			const row = dv.create('contact', {
				firstname: 'Con',
				lastname: `Batch${b} ${i}`,
				emailaddress1: email,
				...(accountIds.length ? { 'parentcustomerid_account@odata.bind': `/accounts(${accountIds[i % accountIds.length]})` } : {}),
			});
			out.push({ kind: 'contact', id: String(row.contactid), email });
		}
		for (let i = 0; i < size.marketoPersons; i++) {
			const email = `b${b}.visitor${i}@fault.test`;
			const lead = this.sims.marketo.uiCreateLead({ email, firstName: 'Vis', lastName: `Batch${b} ${i}`, company: 'Visitor Co' });
			out.push({ kind: 'marketoPerson', id: String(lead.id), email });
		}
		// An edit on each side of a record synced earlier: a sample lead and a sample contact, another
		// pair for each batch. Batches may be seeded before the earlier ones settled (the queue run
		// seeds two, 20 s apart): an edit of the same field by a later batch would replace the value
		// an earlier batch waits for, so that earlier edit could never be seen arriving.
		const leadId = String(dv.store.all('lead').find((r: any) => r.emailaddress1 === `lead${(b - 1) % SAMPLE_LEADS}@prospect.test`)?.leadid ?? '');
		if (leadId && this.marketoPersonsFor(leadId).length) {
			const value = `Title after batch ${b}`;
			dv.update('lead', leadId, { jobtitle: value });
			out.push({ kind: 'leadUpdate', id: leadId, value });
		}
		const contact = dv.store.all('contact').find((r: any) => r.emailaddress1 === `contact${(b - 1) % SAMPLE_CONTACTS}@customer.test`) as any;
		const [personId] = contact ? this.marketoPersonsFor(String(contact.contactid)) : [];
		if (personId !== undefined) {
			const value = `+31 30 ${String(100000 + b)}`;
			this.sims.marketo.uiUpdateLead(personId, { phone: value });
			out.push({ kind: 'personUpdate', id: String(contact.contactid), value });
		}
		return out;
	}

	/** Waits until the sample's leads and contacts have their persons in Marketo (the initial copy). */
	async initialCopy(timeoutMs = 240_000): Promise<void> {
		const deadline = Date.now() + timeoutMs;
		for (;;) {
			const leads = [...((this.sims.marketo.store as any).leads.values() as Iterable<Record<string, unknown>>)];
			const fromDynamics = leads.filter((l) => l.microsoftId).length;
			if (fromDynamics >= SAMPLE_LEADS + SAMPLE_CONTACTS) return;
			if (Date.now() > deadline) throw new Error(`initial copy incomplete after ${timeoutMs / 1000} s (${fromDynamics} of ${SAMPLE_LEADS + SAMPLE_CONTACTS} persons)`);
			await sleep(2000);
		}
	}

	marketoPersonsFor(dynamicsId: string): number[] {
		return this.sims.marketo.store.findLeadIds('microsoftId', dynamicsId);
	}

	private marketoPersonsByEmail(email: string): number {
		return this.sims.marketo.store.findLeadsByEmail(email).length;
	}

	private dynamicsRowsByEmail(table: 'lead' | 'contact', email: string): number {
		return this.sims.dataverse.store.all(table).filter((r: any) => String(r.emailaddress1 ?? '').toLowerCase() === email.toLowerCase()).length;
	}

	private companiesFor(accountId: string): number {
		const table = (this.sims.marketo.store as any).table('companies');
		return (table.list() as Array<Record<string, unknown>>).filter((c) => c.externalCompanyId === accountId).length;
	}

	/** How many copies of the record the other side holds (0 = not there yet). */
	private copies(record: ExpectedRecord): { copies: number; duplicate: boolean } {
		switch (record.kind) {
			case 'lead':
			case 'contact': {
				const n = this.marketoPersonsFor(record.id).length;
				return { copies: n, duplicate: n > 1 || this.marketoPersonsByEmail(record.email!) > 1 };
			}
			case 'account': {
				const n = this.companiesFor(record.id);
				return { copies: n, duplicate: n > 1 };
			}
			case 'marketoPerson': {
				const n = this.dynamicsRowsByEmail('lead', record.email!);
				return { copies: n, duplicate: n > 1 || this.marketoPersonsByEmail(record.email!) > 1 };
			}
			case 'leadUpdate': {
				const persons = this.marketoPersonsFor(record.id);
				const arrived = persons.some((id) => this.sims.marketo.store.getLead(id)?.title === record.value);
				return { copies: arrived ? 1 : 0, duplicate: persons.length > 1 };
			}
			case 'leadDeleted': {
				// Synced means the delete policy reached the linked person: flagged Microsoft Is Deleted.
				const persons = this.marketoPersonsFor(record.id);
				return { copies: persons.some((id) => this.sims.marketo.store.getLead(id)?.microsoftIsDeleted === true) ? 1 : 0, duplicate: false };
			}
			case 'personUpdate': {
				const row = this.sims.dataverse.store.get('contact', record.id) as any;
				return { copies: row?.telephone1 === record.value ? 1 : 0, duplicate: false };
			}
		}
	}

	/** Reads the executions n8n saved since the last call and keeps every item of "Failed records". */
	async collectFailedRecords(): Promise<void> {
		const results: Array<{ id: string; status?: string }> = [];
		const filter = encodeURIComponent(JSON.stringify({ workflowId: this.workflow.id }));
		// n8n 2.x pages the list with a cursor (each answer's `nextCursor`; lastId is refused); the
		// first page also carries the executions still running.
		for (let cursor: string | undefined; ; ) {
			const url = `/executions?limit=100&filter=${filter}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
			let list = await this.n8n.rest('GET', url);
			// n8n answers 503 "Database is not ready" while its database is busy (SQLite on a loaded host).
			for (let attempt = 0; list.status === 503 && attempt < 30; attempt++) {
				await sleep(2000);
				list = await this.n8n.rest('GET', url);
			}
			const page = list.json?.data?.results;
			if (!Array.isArray(page)) throw new Error(`n8n's execution list answered ${list.status}: ${JSON.stringify(list.json).slice(0, 300)}`);
			results.push(...page);
			const next = list.json?.data?.nextCursor;
			if (typeof next !== 'string' || !next || next === cursor) break;
			cursor = next;
		}
		for (const execution of results) {
			const id = String(execution.id);
			if (this.seenExecutions.has(id) || execution.status === 'running' || execution.status === 'new') continue;
			const full = await this.n8n.rest('GET', `/executions/${id}`);
			const raw = full.json?.data?.data;
			if (typeof raw !== 'string') continue;
			this.seenExecutions.add(id);
			// A run that failed or crashed as a whole is listed under Executions with the records it
			// read, ready for Retry: those records count as reported.
			const status = String(full.json?.data?.status ?? execution.status ?? '');
			if (status === 'error' || status === 'crashed') {
				this.failedExecutions++;
				this.failedItems.push(raw);
				if (status === 'crashed') this.crashedExecutionIds.push(id);
			}
			const data = parseExecutionData(raw);
			for (const run of data?.resultData?.runData?.['Failed records'] ?? []) {
				for (const item of run?.data?.main?.[0] ?? []) this.failedItems.push(JSON.stringify(item.json));
			}
		}
	}

	/** Whether n8n lists an execution of the template as running (its list's first page carries them). */
	async hasRunningExecution(): Promise<boolean> {
		const filter = encodeURIComponent(JSON.stringify({ workflowId: this.workflow.id }));
		const list = await this.n8n.rest('GET', `/executions?limit=20&filter=${filter}`);
		const page = list.json?.data?.results;
		return Array.isArray(page) && page.some((e: { status?: string }) => e.status === 'running');
	}

	/**
	 * The admin's replay of a crash (README, Failure behaviour): Executions → a crashed execution →
	 * Retry, with the currently saved workflow. Returns how many were retried.
	 */
	async retryCrashedExecutions(): Promise<number> {
		await this.collectFailedRecords();
		let retried = 0;
		for (const id of this.crashedExecutionIds.splice(0)) {
			const res = await this.n8n.rest('POST', `/executions/${id}/retry`, { loadWorkflow: true });
			if (res.status !== 200) throw new Error(`Retry of crashed execution ${id} answered ${res.status}: ${JSON.stringify(res.json).slice(0, 300)}`);
			retried++;
		}
		return retried;
	}

	private reported(record: ExpectedRecord): boolean {
		const keys = [record.id, record.email].filter(Boolean) as string[];
		return this.failedItems.some((text) => keys.some((k) => text.includes(k)));
	}

	/** Compares the simulators with the expected state of a batch. */
	async assess(batch: ExpectedRecord[]): Promise<BatchResult> {
		const result: BatchResult = { recordsIn: batch.length, synced: 0, reportedFailed: 0, lost: 0, duplicated: 0, lostRecords: [], duplicatedRecords: [] };
		let collected = false;
		for (const record of batch) {
			const { copies, duplicate } = this.copies(record);
			if (duplicate) {
				result.duplicated++;
				result.duplicatedRecords.push(record);
			}
			if (copies > 0) {
				result.synced++;
				continue;
			}
			if (!collected) {
				await this.collectFailedRecords();
				collected = true;
			}
			if (this.reported(record)) {
				result.reportedFailed++;
			} else {
				result.lost++;
				result.lostRecords.push(record);
			}
		}
		return result;
	}

	/**
	 * Waits until every record of the batch is synced, then one more round of polls so late
	 * duplicates would show; gives up after `timeoutMs` (what is missing then is reported or lost,
	 * and needs an admin).
	 */
	async settle(batch: ExpectedRecord[], timeoutMs = 240_000): Promise<BatchResult> {
		const deadline = Date.now() + timeoutMs;
		let result = await this.assess(batch);
		while (Date.now() < deadline) {
			// Reported records are not the end: the triggers read again what n8n did not finish and what
			// Marketo's quota stopped (nodes/journal), so wait until every record is synced.
			if (result.synced === result.recordsIn) {
				await sleep(POLL_INTERVAL_MS + 5000);
				return await this.assess(batch);
			}
			await sleep(3000);
			result = await this.assess(batch);
		}
		return result;
	}

	/**
	 * The triggers' cursors as n8n saved them in the workflow's static data: every enabled trigger
	 * must have one, and each Dynamics cursor must be following changes (not stuck in a copy).
	 */
	async cursorProblems(): Promise<string[]> {
		const res = await this.n8n.rest('GET', `/workflows/${this.workflow.id}`);
		const staticData = (res.json?.data?.staticData ?? {}) as Record<string, any>;
		const problems: string[] = [];
		for (const node of this.workflow.nodes) {
			if (!/Trigger$/.test(node.type) || node.disabled) continue;
			const data = staticData[`node:${node.name}`];
			if (!data || Object.keys(data).length === 0) problems.push(`${node.name}: no cursor`);
		}
		return problems;
	}
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
