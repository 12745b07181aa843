import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildProcess } from 'node:child_process';

// Plain JS helpers shared with the demo script.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const host = require('../../scripts/lib/n8nHost') as {
	ensureHost(): string;
	packPackage(outDir: string): string;
	prepareUserFolder(userFolder: string, tarball: string): void;
	n8nCli(userFolder: string, args: string[], env?: Record<string, string>): string;
	startN8n(userFolder: string, port: number, env?: Record<string, string>, logFile?: string): Promise<ChildProcess>;
	startWorker(userFolder: string, healthPort: number, env?: Record<string, string>, logFile?: string, concurrency?: number): Promise<ChildProcess>;
	stopN8n(child: ChildProcess | undefined): Promise<void>;
	killN8n(child: ChildProcess | undefined): Promise<void>;
};

export async function freePort(): Promise<number> {
	return await new Promise((resolve, reject) => {
		const server = net.createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

export interface N8nInstanceOptions {
	/**
	 * Extra environment for every n8n process of this instance (CLI, main, workers), e.g. Postgres
	 * (`DB_TYPE=postgresdb`, `DB_POSTGRESDB_*`) and queue mode (`EXECUTIONS_MODE=queue`, `QUEUE_BULL_REDIS_*`).
	 */
	env?: Record<string, string>;
}

/** A real n8n 2.41.1 with this package installed from its packed tarball, as a user installs it. */
export class N8nInstance {
	readonly userFolder: string;
	readonly logFile: string;
	readonly env: Record<string, string>;
	port = 0;
	private child?: ChildProcess;
	private workers: ChildProcess[] = [];
	private cookie = '';

	constructor(
		readonly name: string,
		options: N8nInstanceOptions = {},
	) {
		this.env = { ...(options.env ?? {}) };
		host.ensureHost();
		this.userFolder = fs.mkdtempSync(path.join(os.tmpdir(), `n8n-e2e-${name}-`));
		this.logFile = path.join(this.userFolder, 'n8n.log');
	}

	static packOnce(): string {
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-pack-'));
		return host.packPackage(dir);
	}

	install(tarball: string) {
		host.prepareUserFolder(this.userFolder, tarball);
	}

	cli(args: string[]): string {
		const output = host.n8nCli(this.userFolder, args, this.env);
		fs.appendFileSync(this.logFile, `\n$ n8n ${args.join(' ')}\n${output}`);
		return output;
	}

	importCredentials(credentials: Array<{ id: string; name: string; type: string; data: Record<string, unknown> }>) {
		const file = path.join(this.userFolder, 'credentials.json');
		fs.writeFileSync(file, JSON.stringify(credentials));
		this.cli(['import:credentials', `--input=${file}`]);
		fs.rmSync(file);
	}

	importWorkflow(workflow: Record<string, unknown>) {
		const file = path.join(this.userFolder, `workflow-${String(workflow.id)}.json`);
		fs.writeFileSync(file, JSON.stringify(workflow));
		this.cli(['import:workflow', `--input=${file}`]);
	}

	/** Imports a workflow and publishes it, as an admin would before starting n8n (n8n 2.x runs only published workflows, error workflows too). */
	importAndPublish(workflow: Record<string, unknown>) {
		this.importWorkflow(workflow);
		this.cli(['publish:workflow', `--id=${String(workflow.id)}`]);
	}

	async start(port?: number, env: Record<string, string> = {}) {
		this.port = port ?? (await freePort());
		// n8n's task broker listens on a port of its own (default 5679): give it a free one.
		const brokerPort = String(await freePort());
		this.child = await host.startN8n(this.userFolder, this.port, { ...this.env, ...env, N8N_RUNNERS_BROKER_PORT: brokerPort }, this.logFile);
	}

	/**
	 * Queue mode: starts one more `n8n worker` (running up to `concurrency` executions at once) on this
	 * instance's database and Redis; its log is `worker-<n>.log`.
	 */
	async startWorker(concurrency = 10): Promise<number> {
		const index = this.workers.length + 1;
		const env = { ...this.env, N8N_RUNNERS_BROKER_PORT: String(await freePort()) };
		const worker = await host.startWorker(this.userFolder, await freePort(), env, path.join(this.userFolder, `worker-${index}.log`), concurrency);
		this.workers.push(worker);
		return index;
	}

	/** Main and workers stopped gracefully. */
	async stop() {
		await Promise.all(this.workers.map((w) => host.stopN8n(w)));
		this.workers = [];
		await host.stopN8n(this.child);
		this.child = undefined;
	}

	/** The main process killed with SIGKILL (a crash: no shutdown hooks run); `start(this.port)` brings it back. */
	async kill() {
		await host.killN8n(this.child);
		this.child = undefined;
	}

	/** A worker (1-based) killed with SIGKILL, as a lost worker: its running executions die with it. */
	async killWorker(index: number) {
		await host.killN8n(this.workers[index - 1]);
	}

	/** A worker's log (queue mode), 1-based. */
	workerLog(index: number): string {
		const file = path.join(this.userFolder, `worker-${index}.log`);
		return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	}

	get log(): string {
		return fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8') : '';
	}

	async rest(method: string, route: string, body?: unknown): Promise<{ status: number; json: any }> {
		const res = await fetch(`http://127.0.0.1:${this.port}/rest${route}`, {
			method,
			headers: { 'content-type': 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}), 'browser-id': 'e2e' },
			body: body === undefined ? undefined : JSON.stringify(body),
		});
		this.keepAuthCookie(res.headers);
		const text = await res.text();
		let json: any = text;
		try {
			json = JSON.parse(text);
		} catch {
			// not JSON
		}
		return { status: res.status, json };
	}

	/** A GET outside /rest with the owner's session (e.g. /types/nodes.json). */
	async get(pathname: string): Promise<any> {
		const res = await fetch(`http://127.0.0.1:${this.port}${pathname}`, { headers: { cookie: this.cookie, 'browser-id': 'e2e' } });
		if (!res.ok) throw new Error(`GET ${pathname}: HTTP ${res.status}`);
		return await res.json();
	}

	/** n8n's session cookie (`n8n-auth`) from a response, if it sets one; other cookies are not ours. */
	private keepAuthCookie(headers: Headers) {
		for (const cookie of headers.getSetCookie()) {
			const pair = cookie.split(';')[0];
			if (pair.startsWith('n8n-auth=') && pair.length > 'n8n-auth='.length) this.cookie = pair;
		}
	}

	/**
	 * The owner account, and a session the next calls can use: checked with GET /rest/login (the
	 * signed-in user), with one sign-in should the setup's cookie not be accepted, so a test fails
	 * on what it tests, not on a session it did not get (then with n8n's own words in the error).
	 */
	async setupOwner() {
		const owner = { email: 'owner@example.test', password: 'E2e-Password-1' };
		const res = await this.rest('POST', '/owner/setup', { ...owner, firstName: 'E2E', lastName: 'Owner' });
		if (res.status !== 200) throw new Error(`owner setup failed: ${res.status} ${JSON.stringify(res.json)}`);
		if ((await this.rest('GET', '/login')).status === 200) return;
		const login = await this.rest('POST', '/login', { emailOrLdapLoginId: owner.email, password: owner.password });
		const check = await this.rest('GET', '/login');
		if (check.status !== 200) {
			const log = fs.existsSync(this.logFile) ? fs.readFileSync(this.logFile, 'utf8').split('\n').slice(-30).join('\n') : '';
			throw new Error(`no n8n session after owner setup: sign-in ${login.status} ${JSON.stringify(login.json)}, check ${check.status}\n${log}`);
		}
	}

	async testCredential(id: string, name: string, type: string, data: Record<string, unknown>) {
		const res = await this.rest('POST', '/credentials/test', { credentials: { id, name, type, data } });
		return res.json?.data ?? res.json;
	}

	cleanup() {
		fs.rmSync(this.userFolder, { recursive: true, force: true });
	}
}
