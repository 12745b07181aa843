// A real n8n 2.41.1 on Node 24, installed from the npm registry into a folder of its own, and
// the helpers to run it with this package installed the way n8n installs community packages.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { stopProcessGroup, trackProcessGroup } = require('./processes');

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

function sleepSync(ms) {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return error.code === 'EPERM';
	}
}

/**
 * One installer per host folder: `mkdir` of `<dir>.lock` is atomic, so of two first runs (say
 * `npm test` and `npm run demo` in two terminals) one installs and the other waits, then finds
 * the finished host. A lock whose owner is gone (Ctrl-C, kill -9) is taken over.
 */
function withHostLock(dir, fn) {
	const lock = `${dir}.lock`;
	const ownerFile = path.join(lock, 'pid');
	fs.mkdirSync(path.dirname(dir), { recursive: true });
	let saidWaiting = false;
	for (;;) {
		try {
			fs.mkdirSync(lock);
			fs.writeFileSync(ownerFile, String(process.pid));
			break;
		} catch (error) {
			if (error.code !== 'EEXIST') throw error;
			let owner = Number.NaN;
			try {
				owner = Number(fs.readFileSync(ownerFile, 'utf8'));
			} catch {
				// the owner is between mkdir and writing its pid, or left an empty lock behind
			}
			const ageMs = (() => {
				try {
					return Date.now() - fs.statSync(lock).mtimeMs;
				} catch {
					return 0;
				}
			})();
			if ((Number.isFinite(owner) && owner > 0 && !pidAlive(owner)) || (!Number.isFinite(owner) && ageMs > 10_000)) {
				log(`taking over the lock of an install that did not finish (${lock})`);
				fs.rmSync(lock, { recursive: true, force: true });
				continue;
			}
			if (!saidWaiting) {
				log(`waiting: another run (pid ${Number.isFinite(owner) ? owner : '?'}) is installing the n8n host into ${dir}`);
				saidWaiting = true;
			}
			sleepSync(1000);
		}
	}
	const release = () => fs.rmSync(lock, { recursive: true, force: true });
	process.once('exit', release);
	try {
		return fn();
	} finally {
		process.removeListener('exit', release);
		release();
	}
}

/**
 * Proves a host folder works as the tests and the demo use it: its Node loads n8n's sqlite3
 * (a native module; a skipped build script leaves it missing) and n8n answers `--version`.
 * Returns the problem found, or '' when the host works.
 */
function checkHost(dir) {
	if (!fs.existsSync(nodeBinary(dir))) return `Node ${NODE_VERSION} is missing (${nodeBinary(dir)})`;
	if (!fs.existsSync(n8nEntry(dir))) return `n8n is missing (${n8nEntry(dir)})`;
	const n8nDir = path.join(dir, 'node_modules', 'n8n');
	const sqlite = spawnSync(nodeBinary(dir), ['-e', `require(require.resolve('sqlite3', { paths: [${JSON.stringify(n8nDir)}] }))`], {
		cwd: dir,
		encoding: 'utf8',
		timeout: 60_000,
	});
	if (sqlite.status !== 0) return `n8n's sqlite3 does not load in Node ${NODE_VERSION}: ${lastLine(sqlite.stderr || sqlite.error?.message)}`;
	const version = spawnSync(nodeBinary(dir), [n8nEntry(dir), '--version'], { cwd: dir, encoding: 'utf8', timeout: 120_000 });
	const printed = `${version.stdout ?? ''}`.trim();
	if (version.status !== 0 || !printed.includes(N8N_VERSION)) {
		return `n8n --version printed "${lastLine(printed || version.stderr || version.error?.message)}", expected ${N8N_VERSION}`;
	}
	return '';
}

/** The line that says what went wrong (an `Error:` line of a Node stack), else the last one. */
function lastLine(text) {
	const lines = String(text ?? '').trim().split('\n').map((l) => l.trim()).filter(Boolean);
	return lines.find((l) => /Error\b|Cannot find/.test(l)) ?? lines.pop() ?? '';
}

/**
 * The caller's environment without its ignore-scripts: under `npm run …` npm exports the project's
 * `ignore-scripts=true` as npm_config_ignore_scripts, which silently turned the sqlite3 build into
 * a no-op. The rest (registry, proxy, nodedir) is the user's and stays.
 */
function npmEnv() {
	const env = { ...process.env };
	for (const key of Object.keys(env)) if (/^npm_config_ignore[-_]scripts$/i.test(key)) delete env[key];
	return env;
}

/**
 * Installs n8n with Node 24 from the registry's `node-<platform>-<arch>` package (what the `node`
 * package would fetch in its install script), scripts off, then builds only sqlite3 with scripts
 * explicitly on (N-API, so building against the machine's Node headers works for Node 24 too).
 * The install happens in a staging folder that becomes the host only once `checkHost` passes,
 * so an interrupted install leaves nothing a later run trusts.
 */
function ensureHost() {
	const dir = hostDir();
	const marker = path.join(dir, '.installed');
	if (fs.existsSync(marker)) {
		const problem = checkHost(dir);
		if (!problem) {
			log(`using n8n ${N8N_VERSION} in ${dir}`);
			return dir;
		}
		log(`the cached n8n host in ${dir} fails its check (${problem}); repairing it`);
	}
	return withHostLock(dir, () => {
		// Another run may have finished the host while this one waited for the lock.
		if (fs.existsSync(marker) && !checkHost(dir)) {
			log(`using n8n ${N8N_VERSION} in ${dir} (installed by the other run)`);
			return dir;
		}
		if (fs.existsSync(dir) && fs.existsSync(n8nEntry(dir))) {
			// A damaged host: try the cheap repair (rebuild sqlite3) before a full reinstall.
			fs.rmSync(marker, { force: true });
			if (buildSqlite(dir) && !checkHost(dir)) {
				fs.writeFileSync(marker, `${N8N_VERSION}\n`);
				log(`repaired the n8n host in ${dir}`);
				return dir;
			}
			log(`repair failed; reinstalling the n8n host from scratch`);
		}
		const staging = `${dir}.staging`;
		fs.rmSync(staging, { recursive: true, force: true });
		fs.mkdirSync(staging, { recursive: true });
		fs.writeFileSync(
			path.join(staging, 'package.json'),
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
		log(`installing n8n ${N8N_VERSION} and Node ${NODE_VERSION} into ${dir} (about 6 minutes and 2.8 GB, once per machine)`);
		execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: staging, stdio: 'inherit', env: npmEnv() });
		if (!buildSqlite(staging)) throw new Error(`building sqlite3 in ${staging} failed; see the npm output above`);
		const problem = checkHost(staging);
		if (problem) throw new Error(`the freshly installed n8n host does not work: ${problem}`);
		fs.writeFileSync(path.join(staging, '.installed'), `${N8N_VERSION}\n`);
		fs.rmSync(dir, { recursive: true, force: true });
		fs.renameSync(staging, dir);
		log(`n8n ${N8N_VERSION} ready in ${dir} after ${Math.round((Date.now() - started) / 1000)} s`);
		return dir;
	});
}

/** `npm rebuild sqlite3` with scripts on for this one package, whatever the caller's npm config. */
function buildSqlite(dir) {
	log('building sqlite3 from source');
	const result = spawnSync('npm', ['rebuild', 'sqlite3', '--ignore-scripts=false', '--loglevel=error'], {
		cwd: dir,
		stdio: 'inherit',
		env: npmEnv(),
	});
	return result.status === 0;
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
	// Another n8n on this port would answer the readiness check for ours (which then exits).
	if (!(await portIsFree(port))) throw new Error(`port ${port} is already in use (another n8n?); n8n cannot listen there`);
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

function portIsFree(port) {
	return new Promise((resolve) => {
		const server = require('node:net').createServer();
		server.once('error', () => resolve(false));
		server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
	});
}

async function startProcess(what, args, env, readinessUrl, logFile) {
	const out = logFile ? fs.openSync(logFile, 'a') : 'ignore';
	const child = trackProcessGroup(spawn(nodeBinary(), [n8nEntry(), ...args], { env, stdio: ['ignore', out, out], detached: true }));
	const deadline = Date.now() + 180_000;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} during start-up${logFile ? ` (log: ${logFile})` : ''}`);
		try {
			const res = await fetch(readinessUrl);
			if (res.ok && child.exitCode === null) return child;
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

module.exports = { N8N_VERSION, ROOT, ensureHost, checkHost, hostDir, nodeBinary, n8nEntry, packPackage, prepareUserFolder, n8nCli, n8nEnv, startN8n, startWorker, stopN8n, killN8n, log };
