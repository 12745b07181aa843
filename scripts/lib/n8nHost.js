// A real n8n 2.41.1 on Node 24, installed from the npm registry into a folder of its own, and
// the helpers to run it with this package installed the way n8n installs community packages.
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { stopProcessGroup } = require('./processes');

const N8N_VERSION = '2.41.1';
const NODE_VERSION = '24.21.0';
const ROOT = path.resolve(__dirname, '..', '..');

function hostDir() {
	return process.env.N8N_HOST_DIR || path.join(os.homedir(), '.cache', 'n8n-nodes-marketo-dynamics-sync', `n8n-${N8N_VERSION}-node-${NODE_VERSION}`);
}

function nodeBinary(dir = hostDir()) {
	return path.join(dir, 'node_modules', `node-${process.platform}-${process.arch}`, 'bin', 'node');
}

function n8nEntry(dir = hostDir()) {
	return path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n');
}

function log(message) {
	process.stdout.write(`[n8n-host] ${message}\n`);
}

/**
 * Installs n8n with Node 24 from the registry's `node-<platform>-<arch>` package (what the `node`
 * package would fetch in its install script), scripts off, then rebuilds only sqlite3 (N-API, so
 * building against the machine's Node headers works for Node 24 too).
 */
function ensureHost() {
	const dir = hostDir();
	const marker = path.join(dir, '.installed');
	if (fs.existsSync(marker) && fs.existsSync(nodeBinary(dir)) && fs.existsSync(n8nEntry(dir))) {
		log(`using n8n ${N8N_VERSION} in ${dir}`);
		return dir;
	}
	fs.mkdirSync(dir, { recursive: true });
	fs.writeFileSync(
		path.join(dir, 'package.json'),
		JSON.stringify(
			{
				name: 'n8n-host',
				private: true,
				dependencies: { n8n: N8N_VERSION, [`node-${process.platform}-${process.arch}`]: NODE_VERSION },
				overrides: { linkedom: '0.18.14' },
			},
			null,
			2,
		),
	);
	const started = Date.now();
	log(`installing n8n ${N8N_VERSION} and Node ${NODE_VERSION} into ${dir} (a few minutes, once per machine)`);
	execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
	log('building sqlite3 from source');
	execFileSync('npm', ['rebuild', 'sqlite3', '--loglevel=error'], { cwd: dir, stdio: 'inherit' });
	const version = execFileSync(nodeBinary(dir), [n8nEntry(dir), '--version'], { cwd: dir, encoding: 'utf8' }).trim();
	if (!version.includes(N8N_VERSION)) throw new Error(`n8n reports version ${version}, expected ${N8N_VERSION}`);
	fs.writeFileSync(marker, `${version}\n`);
	log(`n8n ${version} ready in ${Math.round((Date.now() - started) / 1000)} s`);
	return dir;
}

/** Builds and packs this package; returns the tarball path. */
function packPackage(outDir) {
	execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
	const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', outDir], { cwd: ROOT, encoding: 'utf8' }).trim().split('\n').pop();
	return path.join(outDir, name);
}

/**
 * A fresh n8n user folder with the packed package installed as n8n installs community packages:
 * into <userFolder>/.n8n/nodes with `npm install <tarball>`.
 */
function prepareUserFolder(userFolder, tarball) {
	const nodesDir = path.join(userFolder, '.n8n', 'nodes');
	fs.mkdirSync(nodesDir, { recursive: true });
	fs.writeFileSync(path.join(nodesDir, 'package.json'), JSON.stringify({ name: 'installed-nodes', private: true }, null, 2));
	execFileSync('npm', ['install', tarball, '--legacy-peer-deps', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], {
		cwd: nodesDir,
		stdio: 'inherit',
	});
}

function n8nEnv(userFolder, extra = {}) {
	return {
		PATH: `${path.dirname(nodeBinary())}:${process.env.PATH}`,
		HOME: userFolder,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: 'e2e-encryption-key-not-secret',
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_RUNNERS_ENABLED: 'false',
		N8N_SECURE_COOKIE: 'false',
		N8N_LOG_LEVEL: 'info',
		N8N_LOG_OUTPUT: 'console',
		DB_SQLITE_POOL_SIZE: '2',
		EXECUTIONS_DATA_PRUNE: 'false',
		N8N_COMMUNITY_PACKAGES_ENABLED: 'true',
		N8N_UNVERIFIED_PACKAGES_ENABLED: 'true',
		N8N_HIDE_USAGE_PAGE: 'true',
		...extra,
	};
}

/** Runs an n8n CLI command to completion; returns stdout+stderr. */
function n8nCli(userFolder, args, extraEnv = {}) {
	const result = require('node:child_process').spawnSync(nodeBinary(), [n8nEntry(), ...args], {
		env: n8nEnv(userFolder, extraEnv),
		encoding: 'utf8',
		timeout: 300_000,
	});
	const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
	if (result.status !== 0) throw new Error(`n8n ${args.join(' ')} failed (exit ${result.status}):\n${output}`);
	return output;
}

/** Starts `n8n start` in the background; resolves when its REST API answers. */
async function startN8n(userFolder, port, extraEnv = {}, logFile) {
	return await startProcess(
		'n8n',
		['start'],
		n8nEnv(userFolder, { N8N_PORT: String(port), N8N_LISTEN_ADDRESS: '127.0.0.1', ...extraEnv }),
		`http://127.0.0.1:${port}/healthz/readiness`,
		logFile,
	);
}

/**
 * Starts `n8n worker` (queue mode) in the background; resolves when its health endpoint answers
 * (/healthz/readiness checks its database and Redis connections).
 */
async function startWorker(userFolder, healthPort, extraEnv = {}, logFile, concurrency = 10) {
	return await startProcess(
		'n8n worker',
		['worker', `--concurrency=${concurrency}`],
		n8nEnv(userFolder, {
			QUEUE_HEALTH_CHECK_ACTIVE: 'true',
			QUEUE_HEALTH_CHECK_PORT: String(healthPort),
			N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			...extraEnv,
		}),
		`http://127.0.0.1:${healthPort}/healthz/readiness`,
		logFile,
	);
}

async function startProcess(what, args, env, readinessUrl, logFile) {
	const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
	const child = spawn(nodeBinary(), [n8nEntry(), ...args], { env, stdio: ['ignore', out, out], detached: true });
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} during start-up${logFile ? ` (log: ${logFile})` : ''}`);
		try {
			const res = await fetch(readinessUrl);
			if (res.ok) return child;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 500));
	}
	stopN8n(child);
	throw new Error(`${what} did not become ready within 180 s`);
}

/** Kills n8n (and what it spawned) at once, as a crash or an OOM kill would: no graceful shutdown. */
function killN8n(child) {
	if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		child.once('exit', () => resolve());
		try {
			process.kill(-child.pid, 'SIGKILL');
		} catch {
			resolve();
		}
	});
}

function stopN8n(child) {
	return stopProcessGroup(child, 'SIGTERM', 15_000);
}

module.exports = { N8N_VERSION, ROOT, ensureHost, hostDir, nodeBinary, n8nEntry, packPackage, prepareUserFolder, n8nCli, n8nEnv, startN8n, startWorker, stopN8n, killN8n, log };
