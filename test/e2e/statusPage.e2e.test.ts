/**
 * The sync status page (templates/marketo-dynamics-sync-status.json) served by a real n8n 2.41.1
 * running the sync template against the simulators, opened in headless Chromium (Debian's
 * /usr/bin/chromium, driven by playwright-core as scripts/screenshot-template.ts does) at a phone's
 * width. The numbers on the page are checked against what the simulators hold, and the page must not
 * load anything from elsewhere. Its screenshot is kept as docs/status-page.png.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { SyncLab, sleep } from '../faults/lab';

const PLAYWRIGHT_VERSION = '1.65.1';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = path.join(__dirname, '..', '..', 'docs', 'status-page.png');
const STATUS_TEMPLATE = path.join(__dirname, '..', '..', 'templates', 'marketo-dynamics-sync-status.json');
/** The lab's sample: leads and contacts the initial copy brings to Marketo. */
const SAMPLE_PERSONS = 35;

function playwright(): { chromium: { launch(options: Record<string, unknown>): Promise<any> } } {
	const dir = path.join(os.homedir(), '.cache', 'n8n-nodes-marketo-dynamics-sync', `playwright-core-${PLAYWRIGHT_VERSION}`);
	if (!fs.existsSync(path.join(dir, 'node_modules', 'playwright-core'))) {
		fs.mkdirSync(dir, { recursive: true });
		execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', `playwright-core@${PLAYWRIGHT_VERSION}`], { stdio: 'inherit' });
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(path.join(dir, 'node_modules', 'playwright-core'));
}

jest.setTimeout(600_000);

const describeWithChromium = fs.existsSync(CHROMIUM) ? describe : describe.skip;

describeWithChromium('Sync status page in real n8n, seen in Chromium', () => {
	const statusWorkflow = JSON.parse(fs.readFileSync(STATUS_TEMPLATE, 'utf8')) as Record<string, any>;
	const lab = new SyncLab({ name: 'status', extraWorkflows: [statusWorkflow] });
	const statusPath = String(statusWorkflow.nodes.find((n: any) => n.type.endsWith('.syncStatus')).parameters.path);
	const pageUrl = () => `http://127.0.0.1:${lab.n8n.port}/webhook/${statusPath}`;
	const statusJson = async () => (await (await fetch(`${pageUrl()}?format=json`)).json()) as any;

	beforeAll(async () => {
		await lab.start();
		await lab.initialCopy();
	});

	afterAll(async () => {
		await lab.stop();
		lab.cleanup();
	});

	test('shows each lane with its state, counts, failed records and a 5-day chart, readable on a phone', async () => {
		// A person change Dynamics rejects (last name over its 50 characters): one failed record in lane 2.
		const leadId = String((lab.sims.dataverse.store.all('lead') as any[]).find((r) => r.emailaddress1 === 'lead3@prospect.test').leadid);
		const [personId] = lab.marketoPersonsFor(leadId);
		lab.sims.marketo.uiUpdateLead(personId, { lastName: 'L'.repeat(60) });

		let status: any;
		const lane = (name: string) => status.lanes.find((l: any) => l.lane === name);
		for (const deadline = Date.now() + 180_000; Date.now() < deadline; await sleep(3000)) {
			status = await statusJson();
			if (lane('marketoToDynamicsPersons').failedNow >= 1 && lane('dynamicsToMarketoPersons').syncedLastDay >= SAMPLE_PERSONS && lane('oneWayRecords').syncedLastDay > 0) break;
		}
		const persons = lane('dynamicsToMarketoPersons');
		const fromMarketo = lane('marketoToDynamicsPersons');
		const records = lane('oneWayRecords');
		// Every sample lead and contact has its Marketo person, and the page counted each once.
		const linked = [...(lab.sims.marketo.store as any).leads.values()].filter((l: any) => l.microsoftId).length;
		expect(linked).toBe(SAMPLE_PERSONS);
		expect(persons.syncedLastDay).toBe(SAMPLE_PERSONS);
		expect(persons.failedNow).toBe(0);
		expect(persons.state).toBe('synced');
		expect(fromMarketo.state).toBe('failed');
		expect(fromMarketo.failedNow).toBe(1);
		expect(fromMarketo.failed[0]).toMatchObject({ field: 'lastname', tries: 1 });
		expect([String(personId), leadId]).toContain(fromMarketo.failed[0].record);
		expect(records.syncedLastDay).toBeGreaterThan(0);
		expect(persons.hourly).toHaveLength(120);
		expect(persons.hourly.reduce((a: number, b: number) => a + b, 0)).toBe(SAMPLE_PERSONS);

		const { chromium } = playwright();
		const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
		try {
			const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
			const requested: string[] = [];
			page.on('request', (r: any) => requested.push(r.url()));
			await page.goto(pageUrl());
			await page.locator('details summary').first().click(); // open the failed records
			fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
			await page.screenshot({ path: SCREENSHOT, fullPage: true });

			// Nothing but the page itself: no script, font or style sheet from elsewhere (n8n may run offline).
			expect(requested).toEqual([pageUrl()]);
			expect(await page.locator('script').count()).toBe(0);
			// Readable on a phone: nothing wider than the screen.
			expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);

			const text = async (laneName: string, key: string) => (await page.locator(`[data-lane="${laneName}"] [data-k="${key}"]`).innerText()).trim();
			expect(await page.locator('h1').innerText()).toBe('Marketo ⇄ Dynamics 365 sync status');
			expect(await text('dynamicsToMarketoPersons', 'lastDay')).toBe(String(SAMPLE_PERSONS));
			expect(await text('dynamicsToMarketoPersons', 'failedNow')).toBe('0');
			expect(await text('marketoToDynamicsPersons', 'failedNow')).toBe('1');
			expect(await text('oneWayRecords', 'lastDay')).toBe(records.syncedLastDay.toLocaleString('en-US'));
			expect(await page.locator('[data-lane="dynamicsToMarketoPersons"] .badge').innerText()).toMatch(/synced/i);
			expect(await page.locator('[data-lane="marketoToDynamicsPersons"] .badge').innerText()).toMatch(/failed/i);
			const failedRow = await page.locator('[data-lane="marketoToDynamicsPersons"] tbody tr').first().innerText();
			expect(failedRow).toContain('lastname');
			// The chart: the copy's bar(s), each titled with its records; together the whole copy.
			const bars = await page.locator('[data-lane="dynamicsToMarketoPersons"] svg.chart .bars rect title').allTextContents();
			expect(bars.length).toBeGreaterThanOrEqual(1);
			expect(bars.reduce((n: number, t: string) => n + Number(t.replace(/,/g, '')), 0)).toBe(SAMPLE_PERSONS);
			expect(await page.locator('button', { hasText: 'Replay failed records' }).count()).toBe(1);
		} finally {
			await browser.close();
		}
	});
});
