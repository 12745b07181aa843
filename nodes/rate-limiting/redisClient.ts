import * as net from 'node:net';
import * as tls from 'node:tls';

export type RedisReply = string | number | null | RedisReply[] | RedisReplyError;

export class RedisReplyError extends Error {}

export interface RedisOptions {
	host: string;
	port: number;
	username?: string;
	password?: string;
	db?: number;
	tls?: boolean;
	/** Gives up on connecting or on a reply after this long. */
	timeoutMs?: number;
}

/**
 * The few Redis commands the cross-process pacer needs, spoken in RESP over one socket: no
 * dependency, commands pipelined in order, replies matched first-in first-out. Any socket error
 * fails every pending command and closes the client; the caller makes a new one later.
 */
export class RedisClient {
	private socket?: net.Socket;
	private pending: Array<{ resolve: (r: RedisReply) => void; reject: (e: Error) => void }> = [];
	private buffer: Buffer = Buffer.alloc(0);
	private ready?: Promise<void>;
	closed = false;

	constructor(private readonly options: RedisOptions) {}

	private connect(): Promise<void> {
		this.ready ??= new Promise<void>((resolve, reject) => {
			const { host, port } = this.options;
			const socket = this.options.tls ? tls.connect({ host, port, servername: host }) : net.connect({ host, port });
			this.socket = socket;
			socket.setNoDelay(true);
			socket.setTimeout(this.options.timeoutMs ?? 2000);
			socket.once(this.options.tls ? 'secureConnect' : 'connect', () => {
				socket.setTimeout(0);
				resolve();
			});
			socket.on('data', (chunk: Buffer) => this.onData(chunk));
			socket.on('timeout', () => socket.destroy(new Error(`Redis at ${host}:${port} did not answer`)));
			socket.on('error', (error) => {
				reject(error);
				this.fail(error);
			});
			socket.on('close', () => this.fail(new Error('Redis connection closed')));
		}).then(async () => {
			if (this.options.password) {
				await this.send(this.options.username ? ['AUTH', this.options.username, this.options.password] : ['AUTH', this.options.password]);
			}
			if (this.options.db) await this.send(['SELECT', String(this.options.db)]);
		});
		return this.ready;
	}

	/** Sends one command; rejects on a Redis error reply, a socket error or no answer in time. */
	async command(args: string[]): Promise<RedisReply> {
		if (this.closed) throw new Error('Redis client is closed');
		await this.connect();
		const reply = await this.send(args);
		if (reply instanceof RedisReplyError) throw reply;
		return reply;
	}

	private send(args: string[]): Promise<RedisReply> {
		return new Promise((resolve, reject) => {
			const timer = setTimeout(() => this.socket?.destroy(new Error('Redis did not answer in time')), this.options.timeoutMs ?? 2000);
			this.pending.push({
				resolve: (r) => {
					clearTimeout(timer);
					resolve(r);
				},
				reject: (e) => {
					clearTimeout(timer);
					reject(e);
				},
			});
			let payload = `*${args.length}\r\n`;
			for (const arg of args) payload += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
			this.socket!.write(payload);
		});
	}

	close(): void {
		this.closed = true;
		this.socket?.destroy();
	}

	private fail(error: Error): void {
		this.closed = true;
		const pending = this.pending;
		this.pending = [];
		for (const p of pending) p.reject(error);
	}

	private onData(chunk: Buffer): void {
		this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
		for (;;) {
			const parsed = parseReply(this.buffer, 0);
			if (!parsed) return;
			this.buffer = this.buffer.subarray(parsed.end);
			this.pending.shift()?.resolve(parsed.value);
		}
	}
}

/** One RESP value from `buf` at `start`, or undefined when it has not fully arrived yet. */
export function parseReply(buf: Buffer, start: number): { value: RedisReply; end: number } | undefined {
	const lineEnd = buf.indexOf('\r\n', start);
	if (lineEnd < 0) return undefined;
	const type = String.fromCharCode(buf[start]);
	const line = buf.toString('utf8', start + 1, lineEnd);
	const next = lineEnd + 2;
	switch (type) {
		case '+':
			return { value: line, end: next };
		case '-':
			return { value: new RedisReplyError(line), end: next };
		case ':':
			return { value: Number(line), end: next };
		case '$': {
			const length = Number(line);
			if (length < 0) return { value: null, end: next };
			if (buf.length < next + length + 2) return undefined;
			return { value: buf.toString('utf8', next, next + length), end: next + length + 2 };
		}
		case '*': {
			const count = Number(line);
			if (count < 0) return { value: null, end: next };
			const items: RedisReply[] = [];
			let at = next;
			for (let i = 0; i < count; i++) {
				const item = parseReply(buf, at);
				if (!item) return undefined;
				items.push(item.value);
				at = item.end;
			}
			return { value: items, end: at };
		}
		default:
			throw new Error(`Unexpected Redis reply type '${type}'`);
	}
}
