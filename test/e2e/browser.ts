import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// Headless Chromium for editor checks: Debian's chromium driven by playwright-core, both tools of the
// tests (not project dependencies). playwright-core is installed once beside the n8n host, as
// `npm run screenshot` does; chromium comes from apt when missing and the tests run as root (CI).
const PLAYWRIGHT_VERSION = '1.65.1';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CACHE = path.join(os.homedir(), '.cache', 'n8n-nodes-marketo-dynamics-sync');

export interface Page {
	goto(url: string): Promise<unknown>;
	locator(selector: string): any;
	getByText(text: string | RegExp, options?: { exact?: boolean }): any;
	keyboard: { press(key: string): Promise<void>; type(text: string): Promise<void> };
	waitForURL(test: (url: URL) => boolean, options?: { timeout?: number }): Promise<void>;
	waitForTimeout(ms: number): Promise<void>;
	waitForEvent(event: string): Promise<any>;
	screenshot(options: { path: string; fullPage?: boolean }): Promise<unknown>;
	url(): string;
}

export interface Browser {
	page: Page;
	/** The URL the next window opened by `action` (a link with target _blank) goes to; the page itself is not loaded. */
	nextWindowUrl(action: () => Promise<unknown>): Promise<string>;
	close(): Promise<void>;
}

function isRoot(): boolean {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Chromium's path, installing Debian's package when missing (root only); or why there is none. */
export function ensureChromium(): { path?: string; missing?: string } {
	if (fs.existsSync(CHROMIUM)) return { path: CHROMIUM };
	if (!isRoot() || process.env.CHROMIUM_PATH) {
		return { missing: `Chromium not found at ${CHROMIUM}: install it with "apt-get install -y chromium" (or set CHROMIUM_PATH)` };
	}
	process.stdout.write('[editor e2e] installing chromium from Debian\'s packages (once)\n');
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	try {
		execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
		execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
	} catch (error) {
		return { missing: `apt-get install chromium failed: ${(error as Error).message}` };
	}
	return fs.existsSync(CHROMIUM) ? { path: CHROMIUM } : { missing: `apt-get installed chromium, but ${CHROMIUM} does not exist` };
}

function playwright(): { chromium: { launchPersistentContext(dir: string, options: Record<string, unknown>): Promise<any> } } {
	const dir = path.join(CACHE, `playwright-core-${PLAYWRIGHT_VERSION}`);
	if (!fs.existsSync(path.join(dir, 'node_modules', 'playwright-core'))) {
		fs.mkdirSync(dir, { recursive: true });
		execFileSync('npm', ['install', '--prefix', dir, '--no-audit', '--no-fund', '--ignore-scripts', `playwright-core@${PLAYWRIGHT_VERSION}`], { stdio: 'inherit' });
	}
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	return require(path.join(dir, 'node_modules', 'playwright-core'));
}

/** A fresh headless Chromium (new empty profile) with one page of 1600×1000. */
export async function launchBrowser(executablePath: string): Promise<Browser> {
	const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'chromium-profile-'));
	const context = await playwright().chromium.launchPersistentContext(profile, {
		executablePath,
		headless: true,
		viewport: { width: 1600, height: 1000 },
		args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	const page = (context.pages()[0] ?? (await context.newPage())) as Page;
	return {
		page,
		async nextWindowUrl(action) {
			// Outside links (GitHub) are answered locally: the tests run without internet.
			await context.route(/^https?:\/\/(?!127\.0\.0\.1)/, (route: any) => route.fulfill({ status: 200, contentType: 'text/html', body: '<html></html>' }));
			const [opened] = await Promise.all([context.waitForEvent('page'), action()]);
			await opened.waitForLoadState('domcontentloaded').catch(() => undefined);
			const url = opened.url() as string;
			await opened.close();
			return url;
		},
		async close() {
			await context.close();
			fs.rmSync(profile, { recursive: true, force: true });
		},
	};
}

/** Signs in to the n8n editor as the e2e owner (see N8nInstance.setupOwner). */
export async function signIn(page: Page, base: string): Promise<void> {
	await page.goto(`${base}/signin`);
	await page.locator('input[type="email"], input[name="emailOrLdapLoginId"], input[name="email"]').first().fill('owner@example.test');
	await page.locator('input[type="password"]').first().fill('E2e-Password-1');
	await page.keyboard.press('Enter');
	await page.waitForURL((url: URL) => !url.pathname.startsWith('/signin'), { timeout: 60_000 });
}
