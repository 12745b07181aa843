// `npm run screenshot`: docs/template.png, the sync template as the n8n editor shows it after import.
// Starts a real n8n 2.41.1 with this package, imports the template with two placeholder credentials,
// and photographs the canvas with Debian's Chromium (headless) driven by playwright-core.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { N8nInstance } from '../test/e2e/n8nHost';
import { alertsTemplate, TEMPLATE_PATH } from '../test/helpers/template';

const PLAYWRIGHT_VERSION = '1.65.1';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const OUT = path.join(__dirname, '..', 'docs', 'template.png');
const OWNER = { email: 'owner@example.test', password: 'E2e-Password-1' };

/** playwright-core, installed once beside the n8n host (a tool for this script, not a project dependency). */
function playwright(): { chromium: { launch(options: Record<string, unknown>): Promise<any> } } {
	const dir = path.join(os.homedir(), '.cache', 'n8n-nodes-marketo-dynamics-sync', `playwright-core-${PLAYWRIGHT_VERSION}`);
	if (!fs.existsSync(path.join(dir, 'node_modules', 'playwright-core'))) {
		fs.mkdirSync(dir, { recursive: true });
		execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', `playwright-core@${PLAYWRIGHT_VERSION}`], { stdio: 'inherit' });
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(path.join(dir, 'node_modules', 'playwright-core'));
}

async function main() {
	if (!fs.existsSync(CHROMIUM)) {
		throw new Error(`Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)`);
	}
	const n8n = new N8nInstance('screenshot');
	try {
		n8n.install(N8nInstance.packOnce());
		// Placeholder credentials so the canvas shows the nodes as an admin sees them once both are picked.
		n8n.importCredentials([
			{ id: 'shotDynamicsCred1', name: 'Microsoft Dynamics 365 account', type: 'microsoftDynamicsApi', data: { environmentUrl: 'https://contoso.crm4.dynamics.com', authentication: 'clientCredentials', tenantId: 'contoso.onmicrosoft.com', clientId: 'app', clientSecret: 'x' } },
			{ id: 'shotMarketoCred01', name: 'Marketo account', type: 'marketoApi', data: { restBaseUrl: 'https://123-ABC-456.mktorest.com', clientId: 'app', clientSecret: 'x' } },
		]);
		n8n.importWorkflow(alertsTemplate());
		const workflow = JSON.parse(
			fs.readFileSync(TEMPLATE_PATH, 'utf8').replace(/REPLACE_DYNAMICS_CREDENTIAL/g, 'shotDynamicsCred1').replace(/REPLACE_MARKETO_CREDENTIAL/g, 'shotMarketoCred01'),
		) as { id: string };
		n8n.importWorkflow(workflow);
		await n8n.start();
		await n8n.setupOwner();

		const { chromium } = playwright();
		const browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
		});
		try {
			const page = await browser.newPage({ viewport: { width: 2000, height: 1250 }, deviceScaleFactor: 1 });
			const base = `http://127.0.0.1:${n8n.port}`;
			await page.goto(`${base}/signin`);
			await page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill(OWNER.email);
			await page.locator('input[type="password"]').first().fill(OWNER.password);
			await page.keyboard.press('Enter');
			await page.waitForURL((url: URL) => !url.pathname.startsWith('/signin'), { timeout: 60_000 });
			await page.goto(`${base}/workflow/${workflow.id}`);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 120_000 });
			// First-login dialogs (survey, what's new) would cover the canvas.
			for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
			await page.waitForTimeout(1000);
			const fit = page.locator('[data-test-id="zoom-to-fit"]');
			if (await fit.count()) await fit.first().click();
			else await page.keyboard.press('Shift+1');
			await page.waitForTimeout(2000);
			fs.mkdirSync(path.dirname(OUT), { recursive: true });
			await page.screenshot({ path: OUT });
			process.stdout.write(`wrote ${path.relative(process.cwd(), OUT)}\n`);
		} finally {
			await browser.close();
		}
	} finally {
		await n8n.stop();
		n8n.cleanup();
	}
}

main().catch((error) => {
	process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
	process.exit(1);
});
