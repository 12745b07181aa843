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
