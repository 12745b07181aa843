// Redis and Postgres for n8n's queue mode, from Debian's packages: installed with apt-get when
// missing (CI runs as root on a fresh machine), started on free loopback ports with their data in a
// temp folder, and stopped (folder removed) afterwards. Nothing touches a system-wide instance.
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const { stopProcessGroup, trackProcessGroup } = require('./processes');

function log(message) {
	process.stdout.write(`[services] ${message}\n`);
}

function isRoot() {
	return typeof process.getuid === 'function' && process.getuid() === 0;
}

function postgresBinDir() {
	const base = '/usr/lib/postgresql';
	if (!fs.existsSync(base)) return undefined;
	const versions = fs
		.readdirSync(base)
		.filter((v) => fs.existsSync(path.join(base, v, 'bin', 'postgres')))
		.sort((a, b) => Number(b) - Number(a));
	return versions.length ? path.join(base, versions[0], 'bin') : undefined;
}

function redisBinary() {
	for (const candidate of ['/usr/bin/redis-server', '/usr/local/bin/redis-server']) if (fs.existsSync(candidate)) return candidate;
	return undefined;
}

/** apt-get install of what is missing; needs root (CI). */
function ensureInstalled() {
	const missing = [];
	if (!redisBinary()) missing.push('redis-server');
	if (!postgresBinDir()) missing.push('postgresql');
	if (!missing.length) return;
	if (!isRoot()) throw new Error(`queue mode needs ${missing.join(' and ')}: run \`sudo apt-get install -y ${missing.join(' ')}\` first`);
	const started = Date.now();
	log(`installing ${missing.join(', ')} from Debian's packages`);
	const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
	execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
	execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { stdio: 'inherit', env });
	log(`installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

function freePort() {
	return new Promise((resolve, reject) => {
		const server = net.createServer();
		server.listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
		server.on('error', reject);
	});
}

async function waitForPort(port, what, child, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode} during start-up`);
		const open = await new Promise((resolve) => {
			const socket = net.connect({ host: '127.0.0.1', port }, () => {
				socket.destroy();
				resolve(true);
			});
			socket.on('error', () => resolve(false));
		});
		if (open) return;
		await new Promise((r) => setTimeout(r, 200));
	}
	throw new Error(`${what} did not listen on ${port} within ${timeoutMs / 1000} s`);
}

/** Runs a program as the `postgres` user when we are root (initdb and postgres refuse root). */
function asPostgresUser(file, args) {
	return isRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

// SIGINT: Postgres' "fast" shutdown; Redis exits on it too.
function stopChild(child) {
	return stopProcessGroup(child, 'SIGINT', 10_000);
}

/**
 * Starts a private Redis (with a password) and Postgres (trust auth on loopback, database `n8n`).
 * Returns the env n8n needs for Postgres + queue mode, and stop().
 */
async function startQueueServices() {
	ensureInstalled();
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'n8n-queue-services-'));
	const children = [];
	const stop = async () => {
		for (const child of children.reverse()) await stopChild(child);
		fs.rmSync(dir, { recursive: true, force: true });
	};
	try {
		// Redis
		const redisPort = await freePort();
		const redisPassword = crypto.randomBytes(12).toString('hex');
		const redisDir = path.join(dir, 'redis');
		fs.mkdirSync(redisDir);
		const redisLog = fs.openSync(path.join(dir, 'redis.log'), 'a');
		const redis = spawn(
			redisBinary(),
			['--port', String(redisPort), '--bind', '127.0.0.1', '--requirepass', redisPassword, '--save', '', '--appendonly', 'no', '--dir', redisDir],
			{ stdio: ['ignore', redisLog, redisLog], detached: true },
		);
		children.push(trackProcessGroup(redis));
		await waitForPort(redisPort, 'redis-server', redis);

		// Postgres: its own cluster in the temp folder, owned by `postgres` when we are root.
		const bin = postgresBinDir();
		const pgData = path.join(dir, 'pgdata');
		const pgSocket = path.join(dir, 'pgsocket');
		fs.mkdirSync(pgData, { mode: 0o700 });
		fs.mkdirSync(pgSocket);
		if (isRoot()) {
			fs.chmodSync(dir, 0o755);
			execFileSync('chown', ['-R', 'postgres:postgres', pgData, pgSocket]);
		}
		const [initFile, initArgs] = asPostgresUser(path.join(bin, 'initdb'), ['-D', pgData, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
		const init = spawnSync(initFile, initArgs, { encoding: 'utf8' });
		if (init.status !== 0) throw new Error(`initdb failed:\n${init.stdout}${init.stderr}`);
		const pgPort = await freePort();
		const [pgFile, pgArgs] = asPostgresUser(path.join(bin, 'postgres'), [
			'-D',
			pgData,
			'-p',
			String(pgPort),
			'-k',
			pgSocket,
			'-c',
			'listen_addresses=127.0.0.1',
			'-c',
			'fsync=off',
			'-c',
			'max_connections=60',
		]);
		const pgLog = fs.openSync(path.join(dir, 'postgres.log'), 'a');
		const postgres = spawn(pgFile, pgArgs, { stdio: ['ignore', pgLog, pgLog], detached: true });
		children.push(trackProcessGroup(postgres));
		await waitForPort(pgPort, 'postgres', postgres);
		// The server accepts connections a moment after it listens: retry createdb briefly.
		let created = false;
		for (let attempt = 0; attempt < 20 && !created; attempt++) {
			const r = spawnSync(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(pgPort), '-U', 'postgres', 'n8n'], { encoding: 'utf8' });
			created = r.status === 0;
			if (!created) await new Promise((res) => setTimeout(res, 500));
		}
		if (!created) throw new Error('could not create the n8n database in Postgres');
		log(`Redis on 127.0.0.1:${redisPort}, Postgres on 127.0.0.1:${pgPort} (data in ${dir})`);
		return {
			dir,
			redisPort,
			pgPort,
			env: {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: '127.0.0.1',
				DB_POSTGRESDB_PORT: String(pgPort),
				DB_POSTGRESDB_DATABASE: 'n8n',
				DB_POSTGRESDB_USER: 'postgres',
				DB_POSTGRESDB_PASSWORD: '',
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: '127.0.0.1',
				QUEUE_BULL_REDIS_PORT: String(redisPort),
				QUEUE_BULL_REDIS_PASSWORD: redisPassword,
			},
			stop,
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

module.exports = { ensureInstalled, startQueueServices };
