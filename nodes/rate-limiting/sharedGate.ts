import { createHash } from 'node:crypto';
import { LoggerProxy, sleep } from 'n8n-workflow';

import type { PacerBudget } from './pacer';
import { RedisClient, type RedisOptions } from './redisClient';

/**
 * In queue mode the main instance (pollers) and every worker (executions) are separate processes
 * that all call the same API with the same credential, while the API's limits (Marketo: 100 calls /
 * 20 s and 10 in flight per instance) count them together. This gate keeps the credential's budget
 * across all of them in n8n's own Redis: a sliding window of call start times and a set of
 * in-flight leases per credential, each checked and taken atomically by one Lua script.
 */
export interface SharedGate {
	/** Waits until the shared budget has room for `weight` calls; returns the release of the in-flight slot. */
	acquire(weight: number): Promise<() => void>;
	/** The server pushed back: every process pauses for `ms`. */
	pushback(ms: number): void;
}

/** A lease outlives any single call (request timeout at most 120 s, transport/retry.ts): a crashed process frees its slots by then. */
const LEASE_MS = 150_000;
const KEY_PREFIX = 'n8n-nodes-marketo-dynamics-sync:pacer:';
/**
 * The window counted a second longer than the API's: a call reaches the API some time after it was
 * granted, and on a busy host an earlier call may be held up longer than a later one, so without a
 * margin two calls granted just over a window apart can arrive just under one apart.
 */
const WINDOW_MARGIN_MS = 1000;

/**
 * KEYS: window zset, lease zset, pause key. ARGV: windowMs, callsPerWindow, concurrent, weight, member.
 * Returns 0 when taken, else how many ms to wait before trying again. Uses Redis's clock, so the
 * processes' clocks never disagree about the window.
 */
const ACQUIRE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local windowMs = tonumber(ARGV[1]) + ${WINDOW_MARGIN_MS}
local limit = tonumber(ARGV[2])
local concurrent = tonumber(ARGV[3])
local weight = tonumber(ARGV[4])
local member = ARGV[5]
local paused = redis.call('PTTL', KEYS[3])
if paused > 0 then return paused end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - windowMs)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
if redis.call('ZCARD', KEYS[2]) >= concurrent then return 25 end
local count = redis.call('ZCARD', KEYS[1])
if count + weight > limit then
  local oldest = redis.call('ZRANGE', KEYS[1], count + weight - limit - 1, count + weight - limit - 1, 'WITHSCORES')
  return math.max(1, tonumber(oldest[2]) + windowMs - now + 1)
end
for i = 1, weight do redis.call('ZADD', KEYS[1], now, member .. ':' .. i) end
redis.call('PEXPIRE', KEYS[1], windowMs + 1000)
redis.call('ZADD', KEYS[2], now + ${LEASE_MS}, member)
redis.call('PEXPIRE', KEYS[2], ${LEASE_MS})
return 0
`;

/**
 * KEYS: window zset, lease zset. ARGV: member, weight, window TTL in ms. Frees the call's in-flight
 * lease and moves its window entries to now (Redis's clock), as the in-process pacer does: the API
 * counts a call when it arrives, which on a busy host can be well after the grant (a token fetch, a
 * blocked event loop); once the answer is in, the call surely arrived, so counting it from now
 * keeps the window from freeing before the API's does.
 */
const RELEASE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREM', KEYS[2], ARGV[1])
for i = 1, tonumber(ARGV[2]) do redis.call('ZADD', KEYS[1], now, ARGV[1] .. ':' .. i) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return 1
`;

/** n8n's queue-mode Redis settings from the environment, or undefined when not in queue mode. */
export function queueRedisOptions(env: NodeJS.ProcessEnv = process.env): RedisOptions | undefined {
	if (env.EXECUTIONS_MODE !== 'queue') return undefined;
	return {
		host: env.QUEUE_BULL_REDIS_HOST || 'localhost',
		port: Number(env.QUEUE_BULL_REDIS_PORT) || 6379,
		username: env.QUEUE_BULL_REDIS_USERNAME || undefined,
		password: env.QUEUE_BULL_REDIS_PASSWORD || undefined,
		db: Number(env.QUEUE_BULL_REDIS_DB) || 0,
		tls: env.QUEUE_BULL_REDIS_TLS === 'true',
		timeoutMs: 2000,
	};
}

let warned = false;
function warnOnce(message: string): void {
	if (warned) return;
	warned = true;
	LoggerProxy.warn(message);
}

/** After Redis failed, how long to pace in-process only before trying Redis again. */
const RETRY_REDIS_AFTER_MS = 30_000;

export class RedisGate implements SharedGate {
	private client?: RedisClient;
	private downUntil = 0;
	private sequence = 0;
	private readonly keys: [string, string, string];
	private readonly instance = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;

	constructor(
		key: string,
		private readonly budget: () => PacerBudget,
		private readonly options: RedisOptions,
	) {
		// The credential key (URL + client id) hashed: nothing about the account lands in Redis.
		const id = createHash('sha256').update(key).digest('hex').slice(0, 24);
		this.keys = [`${KEY_PREFIX}${id}:window`, `${KEY_PREFIX}${id}:inflight`, `${KEY_PREFIX}${id}:paused`];
	}

	private redis(): RedisClient | undefined {
		if (Date.now() < this.downUntil) return undefined;
		if (!this.client || this.client.closed) this.client = new RedisClient(this.options);
		return this.client;
	}

	private down(error: unknown): void {
		this.downUntil = Date.now() + RETRY_REDIS_AFTER_MS;
		this.client?.close();
		this.client = undefined;
		warnOnce(
			`Marketo/Dynamics sync: the shared call budget in Redis (${this.options.host}:${this.options.port}) is unavailable (${(error as Error).message}); ` +
				'each n8n process now paces its calls on its own, so the processes together may exceed the API limit until Redis is back',
		);
	}

	async acquire(weight: number): Promise<() => void> {
		const member = `${this.instance}:${++this.sequence}`;
		for (;;) {
			const client = this.redis();
			if (!client) return () => undefined;
			const { windowMs, callsPerWindow, concurrent } = this.budget();
			const slots = Math.max(1, Math.min(weight, callsPerWindow));
			let waitMs: number;
			try {
				const reply = await client.command([
					'EVAL',
					ACQUIRE_SCRIPT,
					'3',
					...this.keys,
					String(windowMs),
					String(callsPerWindow),
					String(concurrent),
					String(slots),
					member,
				]);
				waitMs = Number(reply);
			} catch (error) {
				this.down(error);
				return () => undefined;
			}
			if (waitMs === 0) {
				return () => {
					void this.redis()
						?.command(['EVAL', RELEASE_SCRIPT, '2', this.keys[0], this.keys[1], member, String(slots), String(windowMs + WINDOW_MARGIN_MS + 1000)])
						.catch((error) => this.down(error));
				};
			}
			// A little jitter so waiting processes do not all retry at the same instant.
			await sleep(Math.min(waitMs, 2000) + Math.floor(Math.random() * 20));
		}
	}

	pushback(ms: number): void {
		void this.redis()
			?.command(['SET', this.keys[2], '1', 'PX', String(Math.max(1, Math.round(ms))), 'NX'])
			.catch((error) => this.down(error));
	}
}

/** The gate for a pacer key when n8n runs in queue mode, else undefined (in-process pacing only). */
export function sharedGateFor(key: string, budget: () => PacerBudget, env: NodeJS.ProcessEnv = process.env): SharedGate | undefined {
	const options = queueRedisOptions(env);
	if (!options) return undefined;
	if (env.QUEUE_BULL_REDIS_CLUSTER_NODES) {
		warnOnce('Marketo/Dynamics sync: Redis Cluster is not supported for the shared call budget; each n8n process paces its calls on its own');
		return undefined;
	}
	return new RedisGate(key, budget, options);
}
