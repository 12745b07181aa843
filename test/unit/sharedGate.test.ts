import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';

import { Pacer } from '../../nodes/rate-limiting/pacer';
import { parseReply, RedisReplyError } from '../../nodes/rate-limiting/redisClient';
import { queueRedisOptions, RedisGate, sharedGateFor } from '../../nodes/rate-limiting/sharedGate';

describe('RESP replies', () => {
	const parse = (text: string) => parseReply(Buffer.from(text), 0);

	test('simple, error, integer, bulk, null and nested array replies', () => {
		expect(parse('+OK\r\n')).toEqual({ value: 'OK', end: 5 });
		expect(parse('-ERR wrong\r\n')?.value).toBeInstanceOf(RedisReplyError);
		expect(parse(':1250\r\n')?.value).toBe(1250);
		expect(parse('$4\r\nhé!\r\n')?.value).toBe('hé!'); // a length in bytes, not characters
		expect(parse('$-1\r\n')?.value).toBeNull();
		expect(parse('*2\r\n$3\r\nabc\r\n*1\r\n:7\r\n')?.value).toEqual(['abc', [7]]);
	});

	test('a reply cut anywhere is not parsed until the rest arrives', () => {
		const full = '*2\r\n$10\r\n1700000000\r\n$6\r\n123456\r\n';
		for (let cut = 1; cut < full.length; cut++) expect(parse(full.slice(0, cut))).toBeUndefined();
		expect(parse(full)?.end).toBe(Buffer.byteLength(full));
	});
});

describe('shared budget across n8n processes', () => {
	test('only in queue mode, with n8n\'s Redis settings', () => {
		expect(queueRedisOptions({})).toBeUndefined();
		expect(queueRedisOptions({ EXECUTIONS_MODE: 'regular' })).toBeUndefined();
		expect(queueRedisOptions({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_HOST: 'redis', QUEUE_BULL_REDIS_PORT: '6380', QUEUE_BULL_REDIS_PASSWORD: 'pw', QUEUE_BULL_REDIS_DB: '2' })).toEqual({
			host: 'redis',
			port: 6380,
			username: undefined,
			password: 'pw',
			db: 2,
			tls: false,
			timeoutMs: 2000,
		});
		const budget = () => ({ callsPerWindow: 10, windowMs: 20_000, concurrent: 2 });
		expect(sharedGateFor('k', budget, { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:1,b:2' })).toBeUndefined();
		expect(sharedGateFor('k', budget, { EXECUTIONS_MODE: 'queue' })).toBeInstanceOf(RedisGate);
	});

	test('Redis unreachable: calls go on, paced by the process alone', async () => {
		// A port that was free a moment ago: nothing listens there.
		const port = await new Promise<number>((resolve) => {
			const server = net.createServer().listen(0, '127.0.0.1', () => {
				const { port: p } = server.address() as net.AddressInfo;
				server.close(() => resolve(p));
			});
		});
		const budget = { callsPerWindow: 3, windowMs: 20_000, concurrent: 2 };
		const gate = new RedisGate('marketo|http://x|id', () => budget, { host: '127.0.0.1', port, timeoutMs: 500 });
		const pacer = new Pacer(budget, Date.now, async () => undefined, gate);
		const releases = [await pacer.acquire(), await pacer.acquire()];
		releases.forEach((release) => release());
		expect(pacer.stats.calls).toBe(2);
	});
});

/** Debian's redis-server (what `npm run test:queue` installs), if this machine has it. */
const REDIS_SERVER = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => fs.existsSync(p));

async function freePort(): Promise<number> {
	return await new Promise<number>((resolve) => {
		const server = net.createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address() as net.AddressInfo;
			server.close(() => resolve(port));
		});
	});
}

// A real Redis (not a stand-in): the Lua scripts are what is under test. Skipped, and says so,
// where redis-server is not installed (`apt-get install redis-server`; the queue run installs it).
(REDIS_SERVER ? describe : describe.skip)(`shared budget in a real Redis (${REDIS_SERVER ?? 'redis-server not installed'})`, () => {
	let redis: ChildProcess;
	let port: number;

	beforeAll(async () => {
		port = await freePort();
		redis = spawn(REDIS_SERVER!, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
		for (let i = 0; i < 100; i++) {
			const up = await new Promise<boolean>((resolve) => {
				const socket = net.connect(port, '127.0.0.1', () => {
					socket.destroy();
					resolve(true);
				});
				socket.on('error', () => resolve(false));
			});
			if (up) return;
			await new Promise((r) => setTimeout(r, 50));
		}
		throw new Error('redis-server did not start');
	});

	afterAll(() => {
		redis?.kill();
	});

	test('a call counts from its answer: a slow call keeps its slot in the window until answer + window', async () => {
		// 2 calls per 1 s window (plus the gate's 1 s margin): 2 s after a call's answer, not its grant.
		const budget = { callsPerWindow: 2, windowMs: 1000, concurrent: 5 };
		const gate = new RedisGate(`marketo|http://slow|${port}`, () => budget, { host: '127.0.0.1', port, timeoutMs: 1000 });
		const releases = [await gate.acquire(1), await gate.acquire(1)];
		// Both calls take 1.5 s to answer (the API counted them somewhere in between).
		await new Promise((r) => setTimeout(r, 1500));
		releases.forEach((release) => release());
		const answeredAt = Date.now();
		await new Promise((r) => setTimeout(r, 50)); // the release is sent without waiting for Redis
		const release = await gate.acquire(1);
		// Counted from the grant, the slots would free 2 s after the grant (0.5 s after the answers).
		expect(Date.now() - answeredAt).toBeGreaterThanOrEqual(1900);
		release();
	}, 15_000);
});
