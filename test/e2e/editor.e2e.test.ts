import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { ensureChromium, launchBrowser, signIn, type Browser } from './browser';
import { N8nInstance } from './n8nHost';
import { startSimulators, type Simulators } from '../helpers/simulators';
import { TEMPLATE_PATH } from '../helpers/template';

/**
 * The package as an admin meets it in the n8n 2.41.1 editor: what the editor shows is checked from
 * the REST answers it is built from, and the parts only the editor decides (import, canvas, node
 * details, node creator) in headless Chromium. Screenshots go to EDITOR_SHOTS (default
 * <tmp>/editor-shots).
 */
jest.setTimeout(600_000);

const PACKAGE = 'n8n-nodes-marketo-dynamics-sync';
const README = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
const REPO_URL = 'https://github.com/n8n-nodes-marketo-dynamics-sync/n8n-nodes-marketo-dynamics-sync';
const SHOTS = process.env.EDITOR_SHOTS ?? path.join(os.tmpdir(), 'editor-shots');
const chromium = ensureChromium();
if (chromium.missing) process.stdout.write(`[editor e2e] browser checks skipped: ${chromium.missing}\n`);
const inBrowser = chromium.path ? test : test.skip;

interface NodeTypeDescription {
	name: string;
	displayName: string;
	documentationUrl?: string;
	codex?: { resources?: { primaryDocumentation?: Array<{ url: string }> } };
	credentials?: Array<{ name: string; displayName?: string; displayOptions?: { show?: Record<string, unknown[]> } }>;
	properties: Array<{ name: string; displayName: string; default?: unknown }>;
}

/** GitHub's anchors of the README's headings (outside code blocks), duplicates numbered as GitHub does. */
function readmeAnchors(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	let fenced = false;
	for (const line of markdown.split('\n')) {
		if (/^\s*```/.test(line)) fenced = !fenced;
		const heading = !fenced && /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
		if (!heading) continue;
		const text = heading[1].replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/[`*_]/g, '');
		const slug = text.toLowerCase().replace(/[^\p{L}\p{N}\s-]/gu, '').replace(/\s/g, '-');
		const n = seen.get(slug) ?? 0;
		seen.set(slug, n + 1);
		anchors.add(n === 0 ? slug : `${slug}-${n}`);
	}
	return anchors;
}

/** The README anchor a Docs URL opens, or why it opens none. */
function readmeAnchorOf(url: string): string {
	const [page, anchor] = url.split('#');
	if (page !== REPO_URL) return `not the README: ${url}`;
	return anchor ?? `no anchor: ${url}`;
}

/** The name n8n's editor proposes for a new credential: the type's name without "API" (and OAuth words), plus "account". */
function proposedName(typeDisplayName: string): string {
	return `${typeDisplayName.split(' ').filter((word) => !['API', 'OAuth1', 'OAuth2', 'MCP'].includes(word)).join(' ')} account`;
}

async function closedPort(): Promise<number> {
	return await new Promise((resolve) => {
		const server = net.createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

describe('the n8n 2.41.1 editor with this package', () => {
	let sims: Simulators;
	let n8n: N8nInstance;
	let nodeTypes: NodeTypeDescription[];
	let credentialTypes: Array<{ name: string; displayName: string; documentationUrl?: string; properties: Array<Record<string, any>> }>;
	const credentialIds: Record<string, string> = {};

	beforeAll(async () => {
		fs.mkdirSync(SHOTS, { recursive: true });
		sims = await startSimulators();
		n8n = new N8nInstance('editor');
		n8n.install(N8nInstance.packOnce());
		await n8n.start();
		await n8n.setupOwner();
		nodeTypes = ((await n8n.get('/types/nodes.json')) as NodeTypeDescription[]).filter((t) => t.name.startsWith(`${PACKAGE}.`));
		credentialTypes = ((await n8n.get('/types/credentials.json')) as typeof credentialTypes).filter((t) => ['microsoftDynamicsApi', 'marketoApi'].includes(t.name));
		// Both credentials created as in the editor, under the names it proposes.
		for (const [type, data] of [
			['microsoftDynamicsApi', sims.dynamicsCredentials],
			['marketoApi', sims.marketoCredentials],
		] as const) {
			const name = proposedName(credentialTypes.find((t) => t.name === type)!.displayName);
			const proposal = await n8n.rest('GET', `/credentials/new?name=${encodeURIComponent(name)}`);
			expect(proposal.json?.data?.name).toBe(name);
			const created = await n8n.rest('POST', '/credentials', { name, type, data });
			expect(created.status).toBe(200);
			credentialIds[type] = created.json.data.id;
		}
	}, 900_000);

	afterAll(async () => {
		await n8n?.stop();
		await sims?.stop();
		n8n?.cleanup();
	});

	test('nodes with two credentials label them by system, never twice "Credential"', () => {
		const labels = { marketoApi: 'Marketo credential', microsoftDynamicsApi: 'Dynamics 365 credential' };
		for (const type of nodeTypes) {
			for (const credential of type.credentials ?? []) {
				expect({ node: type.name, label: credential.displayName }).toEqual({ node: type.name, label: labels[credential.name as keyof typeof labels] });
			}
		}
		expect(nodeTypes.filter((t) => (t.credentials ?? []).length === 2).length).toBeGreaterThanOrEqual(5);
	});

	test("every node's and credential's Docs link opens a heading of the README", () => {
		const anchors = readmeAnchors(README);
		const links = [
			...nodeTypes.flatMap((t) => [t.documentationUrl ?? `${t.name}: no documentationUrl`, ...(t.codex?.resources?.primaryDocumentation ?? []).map((d) => d.url)]),
			...credentialTypes.map((t) => t.documentationUrl ?? `${t.name}: no documentationUrl`),
		];
		expect(links.length).toBeGreaterThanOrEqual(nodeTypes.length * 2 + 2);
		const broken = links.filter((url) => !anchors.has(readmeAnchorOf(url)));
		expect(broken).toEqual([]);
	});

	test('credential tests: a wrong Marketo URL names the URL and the HTTP status; an unreachable Dynamics URL names its host', async () => {
		const wrongMarketo = await n8n.testCredential(credentialIds.marketoApi, 'Marketo account', 'marketoApi', { ...sims.marketoCredentials, restBaseUrl: sims.dataverse.url });
		expect(wrongMarketo.status).toBe('Error');
		expect(wrongMarketo.message).toContain(`${sims.dataverse.url}/identity/oauth/token`);
		expect(wrongMarketo.message).toMatch(/HTTP 404/);
		expect(wrongMarketo.message).not.toContain('[object Object]');

		const port = await closedPort();
		const unreachable = await n8n.testCredential(credentialIds.microsoftDynamicsApi, 'Microsoft Dynamics 365 account', 'microsoftDynamicsApi', {
			...sims.dynamicsCredentials,
			environmentUrl: `http://127.0.0.1:${port}`,
		});
		expect(unreachable.status).toBe('Error');
		expect(unreachable.message).toMatch(new RegExp(`^Cannot reach the Dynamics 365 environment at 127\\.0\\.0\\.1:${port}: the connection was refused`));
	});

	test('Client Secret is required where the chosen authentication needs it', () => {
		const secretFields = (type: string) => credentialTypes.find((t) => t.name === type)!.properties.filter((p) => p.name === 'clientSecret');
		const dynamics = secretFields('microsoftDynamicsApi');
		const requiredFor = (authentication: string) =>
			dynamics.filter((p) => (p.displayOptions?.show?.authentication ?? [authentication]).includes(authentication)).map((p) => p.required === true);
		expect(requiredFor('clientCredentials')).toEqual([true]);
		expect(requiredFor('ropc')).toEqual([false]); // a public client has no secret
		expect(secretFields('marketoApi').map((p) => p.required)).toEqual([true]);
	});

	test('Upsert Lead/Contact, "Map Automatically": fields load without a "no writable fields" notice', async () => {
		for (const [target, methodName] of [
			['dynamics', 'getDynamicsColumns'],
			['marketo', 'getMarketoColumns'],
		]) {
			const answer = await n8n.rest('POST', '/dynamic-node-parameters/resource-mapper-fields', {
				nodeTypeAndVersion: { name: `${PACKAGE}.upsertPerson`, version: 1 },
				currentNodeParameters: { target, personType: 'lead', columns: { mappingMode: 'autoMapInputData', value: null } },
				path: 'parameters.columns',
				methodName,
				credentials: {
					marketoApi: { id: credentialIds.marketoApi, name: 'Marketo account' },
					microsoftDynamicsApi: { id: credentialIds.microsoftDynamicsApi, name: 'Microsoft Dynamics 365 account' },
				},
			});
			expect({ methodName, status: answer.status }).toEqual({ methodName, status: 200 });
			expect(answer.json.data.fields.length).toBeGreaterThan(5);
			// The editor shows emptyFieldsNotice whenever it is present, in Map Automatically too.
			expect(answer.json.data.emptyFieldsNotice).toBeUndefined();
		}
	});

	test('the Marketo Trigger is offered like the Dynamics 365 Trigger (no events turned into actions)', () => {
		// n8n's node creator turns a trigger parameter labelled "Event", "Events" or "Trigger On" into
		// actions and then lists the node without " Trigger" (plain "Marketo").
		for (const name of ['marketoTrigger', 'dynamicsTrigger']) {
			const type = nodeTypes.find((t) => t.name === `${PACKAGE}.${name}`)!;
			expect(type.displayName).toMatch(/ Trigger$/);
			expect(type.properties.filter((p) => ['event', 'events', 'trigger on'].includes(p.displayName.toLowerCase())).map((p) => p.displayName)).toEqual([]);
		}
	});

	describe('in headless Chromium', () => {
		let browser: Browser;
		let base: string;

		beforeAll(async () => {
			if (!chromium.path) return;
			base = `http://127.0.0.1:${n8n.port}`;
			browser = await launchBrowser(chromium.path);
			await signIn(browser.page, base);
		}, 300_000);

		afterAll(async () => {
			await browser?.close();
		});

		async function newWorkflow() {
			const { page } = browser;
			await page.goto(`${base}/workflow/new`);
			await page.getByText('Add first step').first().waitFor({ timeout: 120_000 });
			// First-login dialogs (survey, what's new) would cover the canvas.
			for (let i = 0; i < 3; i++) await page.keyboard.press('Escape');
		}

		let workflowId = '';

		inBrowser('"…" → Import → From file; every node that needs a credential gets it, Dynamics 365 included', async () => {
			const { page } = browser;
			await newWorkflow();
			await page.locator('[data-test-id="workflow-menu"]').click();
			await page.getByText('Import', { exact: true }).hover();
			await page.getByText('From file', { exact: true }).waitFor({ timeout: 10_000 });
			await page.screenshot({ path: path.join(SHOTS, '1-import-menu.png') });
			const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.getByText('From file', { exact: true }).click()]);
			await chooser.setFiles(TEMPLATE_PATH);
			await page.locator('[data-test-id="canvas-node"]').first().waitFor({ timeout: 60_000 });
			await page.waitForTimeout(2000);
			await page.keyboard.press('Control+s');
			await page.waitForURL((url: URL) => /^\/workflow\/(?!new)[^/]+$/.test(url.pathname), { timeout: 30_000 });
			workflowId = new URL(page.url()).pathname.split('/').pop()!;
			await page.keyboard.press('Shift+1'); // zoom to fit
			await page.waitForTimeout(1500);
			await page.screenshot({ path: path.join(SHOTS, '2-imported-canvas.png') });

			const saved = await n8n.rest('GET', `/workflows/${workflowId}`);
			const nodes = saved.json.data.nodes as Array<{ name: string; type: string; parameters: Record<string, unknown>; credentials?: Record<string, { id: string | null }> }>;
			const needs = (node: (typeof nodes)[number], credential: string) => {
				const type = nodeTypes.find((t) => t.name === node.type);
				const entry = type?.credentials?.find((c) => c.name === credential);
				if (!entry) return false;
				return Object.entries(entry.displayOptions?.show ?? {}).every(([parameter, values]) =>
					values.includes(node.parameters[parameter] ?? type!.properties.find((p) => p.name === parameter)?.default),
				);
			};
			const missing = nodes.flatMap((node) =>
				['microsoftDynamicsApi', 'marketoApi'].filter((c) => needs(node, c) && node.credentials?.[c]?.id !== credentialIds[c]).map((c) => `${node.name}: ${c}`),
			);
			expect(nodes.filter((node) => needs(node, 'microsoftDynamicsApi')).length).toBeGreaterThanOrEqual(10);
			expect(missing).toEqual([]);
		});

		inBrowser("the Marketo Trigger's canvas subtitle reads like the Dynamics 365 Trigger's", async () => {
			const { page } = browser;
			const subtitle = async (name: string) => (await page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`).first().innerText()) as string;
			expect(await subtitle('Dynamics: leads')).toContain('Changes in lead');
			const marketo = await subtitle('Marketo: person changes');
			expect(marketo).toContain('New, changed persons');
			expect(marketo).not.toMatch(/leadChanges|newLeads/);
		});

		inBrowser('node details of a two-credential node: both labelled by system, no empty-fields notice, Docs opens its README section', async () => {
			const { page } = browser;
			await page.locator('[data-test-id="canvas-node"][data-node-name="Upsert into Dynamics"]').first().dblclick();
			await page.getByText('Dynamics 365 credential', { exact: true }).waitFor({ timeout: 30_000 });
			await page.getByText('Match On Column Name or ID').waitFor({ timeout: 60_000 }); // the fields have loaded
			await page.waitForTimeout(1500);
			await page.screenshot({ path: path.join(SHOTS, '3-upsert-node-details.png') });
			expect(await page.getByText('Marketo credential', { exact: true }).count()).toBe(1);
			expect(await page.getByText('Credential', { exact: true }).count()).toBe(0);
			expect(await page.locator('[data-test-id="empty-fields-notice"]').count()).toBe(0);
			const docs = (await page.locator('a:has-text("Docs")').first().getAttribute('href')) as string;
			expect(readmeAnchors(README).has(readmeAnchorOf(docs))).toBe(true);
			expect(readmeAnchorOf(docs)).toBe('upsert-leadcontact');
			await page.keyboard.press('Escape');
		});

		inBrowser('the node creator lists "Marketo Trigger" like "Dynamics 365 Trigger"', async () => {
			const { page } = browser;
			await newWorkflow();
			await page.locator('[data-test-id="node-creator-plus-button"]').first().click();
			const search = page.locator('[data-test-id="node-creator-search-bar"] input, input[placeholder*="Search"]').first();
			await search.waitFor({ timeout: 20_000 });
			const names = async (query: string) => {
				await search.fill(query);
				await page.waitForTimeout(1500);
				return (await page.locator('[data-test-id="node-creator-item-name"]').allInnerTexts()) as string[];
			};
			expect(await names('Dynamics')).toContain('Dynamics 365 Trigger');
			expect(await names('Marketo')).toContain('Marketo Trigger');
			await page.screenshot({ path: path.join(SHOTS, '4-node-creator.png') });
			await page.keyboard.press('Escape');
		});

		inBrowser('the Dynamics 365 credential form: Client Secret required for client credentials only; its docs link opens the README section', async () => {
			const { page } = browser;
			const form = async () => ((await page.locator('body').innerText()) as string).replace(/\s+/g, ' ');
			await page.goto(`${base}/home/credentials/${credentialIds.microsoftDynamicsApi}`);
			await page.getByText('Environment URL').first().waitFor({ timeout: 60_000 });
			await page.waitForTimeout(1500);
			await page.screenshot({ path: path.join(SHOTS, '5-dynamics-credential-client-credentials.png') });
			expect(await form()).toMatch(/Client Secret \*/);
			const docs = await browser.nextWindowUrl(async () => await page.getByText('docs', { exact: true }).first().click());
			expect(readmeAnchorOf(docs)).toBe('microsoft-dynamics-365-api');
			// The password flow: the secret is optional (public clients have none).
			await page.locator('[data-test-id="parameter-input-authentication"]').first().click();
			await page.getByText('Username and Password (ROPC)').last().click();
			await page.getByText('Username', { exact: true }).first().waitFor({ timeout: 10_000 });
			await page.waitForTimeout(500);
			await page.screenshot({ path: path.join(SHOTS, '6-dynamics-credential-ropc.png') });
			expect(await form()).toMatch(/Client Secret (?!\*)/);
			await page.keyboard.press('Escape');
		});
	});
});
