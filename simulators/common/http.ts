import * as http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { FaultInjector, isHeldAnswer } from './faults';
import { Counters } from './counters';

/** A request as the simulators see it: body already read, query parsed. */
export interface SimRequest {
	method: string;
	url: URL;
	path: string;
	headers: http.IncomingHttpHeaders;
	rawBody: Buffer;
	/** The body parsed as JSON when the content type says so (or when it parses); undefined otherwise. */
	json: unknown;
}

export interface SimResponse {
	status: number;
	headers?: Record<string, string>;
	/** Objects are sent as JSON; strings and Buffers as they are. */
	body?: unknown;
}

export type SimHandler = (req: SimRequest) => Promise<SimResponse> | SimResponse;

/**
 * A loopback HTTP server shared by the simulators: reads bodies, applies fault injection
 * (latency, resets, error rates) before the handler and keeps call counters.
 */
export class SimServer {
	readonly faults = new FaultInjector();
	readonly counters = new Counters();
	private server?: http.Server;
	private sockets = new Set<Socket>();
	url = '';

	constructor(
		private readonly name: string,
		private readonly handler: SimHandler,
	) {}

	async start(port = 0, host = '127.0.0.1'): Promise<string> {
		this.server = http.createServer((req, res) => void this.onRequest(req, res));
		this.server.keepAliveTimeout = 5000;
		this.server.on('connection', (socket) => {
			this.sockets.add(socket);
			socket.on('close', () => this.sockets.delete(socket));
		});
		await new Promise<void>((resolve, reject) => {
			this.server!.once('error', reject);
			this.server!.listen(port, host, () => resolve());
		});
		const address = this.server.address() as AddressInfo;
		this.url = `http://${host}:${address.port}`;
		return this.url;
	}

	async stop(): Promise<void> {
		if (!this.server) return;
		for (const socket of this.sockets) socket.destroy();
		await new Promise<void>((resolve) => this.server!.close(() => resolve()));
		this.server = undefined;
	}

	private async onRequest(req: http.IncomingMessage, res: http.ServerResponse) {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const rawBody = Buffer.concat(chunks);
		const url = new URL(req.url ?? '/', this.url || 'http://127.0.0.1');
		const simReq: SimRequest = {
			method: (req.method ?? 'GET').toUpperCase(),
			url,
			path: url.pathname,
			headers: req.headers,
			rawBody,
			json: parseJson(rawBody, req.headers['content-type']),
		};
		const isAdmin = url.pathname.startsWith('/__sim/');
		if (!isAdmin) {
			const fault = await this.faults.before(simReq);
			if (fault === 'reset') {
				req.socket.destroy();
				return;
			}
			if (fault === 'timeout') return; // never answer; the client's timeout fires
			if (isHeldAnswer(fault)) return await this.answerLate(req, res, simReq, fault.holdMs);
			if (fault) return send(res, fault);
		}
		try {
			send(res, await this.handler(simReq));
		} catch (error) {
			send(res, { status: 500, body: { error: { code: '', message: `${this.name} simulator: ${(error as Error).message}` } } });
		}
	}

	/** Handles the request now, answers after `holdMs` (if the client still listens). */
	private async answerLate(req: http.IncomingMessage, res: http.ServerResponse, simReq: SimRequest, holdMs: number): Promise<void> {
		let response: SimResponse;
		try {
			response = await this.handler(simReq);
		} catch (error) {
			response = { status: 500, body: { error: { code: '', message: `${this.name} simulator: ${(error as Error).message}` } } };
		}
		await sleep(holdMs);
		this.faults.injected.heldDue++;
		if (req.socket.destroyed || res.destroyed) this.faults.injected.heldPastClient++;
		send(res, response);
	}
}

function parseJson(raw: Buffer, contentType: string | undefined): unknown {
	if (raw.length === 0) return undefined;
	if (contentType && !contentType.includes('json')) return undefined;
	try {
		return JSON.parse(raw.toString('utf8'));
	} catch {
		return undefined;
	}
}

export function send(res: http.ServerResponse, response: SimResponse): void {
	if (res.headersSent || res.destroyed) return;
	const headers: Record<string, string> = { ...(response.headers ?? {}) };
	let payload: Buffer | undefined;
	if (response.body === undefined || response.body === null) {
		payload = undefined;
	} else if (Buffer.isBuffer(response.body)) {
		payload = response.body;
	} else if (typeof response.body === 'string') {
		payload = Buffer.from(response.body, 'utf8');
		headers['content-type'] ??= 'text/plain; charset=utf-8';
	} else {
		payload = Buffer.from(JSON.stringify(response.body), 'utf8');
		headers['content-type'] ??= 'application/json; charset=utf-8';
	}
	if (payload) headers['content-length'] = String(payload.length);
	res.writeHead(response.status, headers);
	res.end(payload);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
