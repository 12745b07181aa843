import { randomUUID } from 'node:crypto';
import { DataverseError } from './errors';

/** multipart/mixed parsing and writing for `$batch` (execute-batch-operations-using-web-api.md). */

export interface BatchRequestPart {
	method: string;
	url: string;
	/** Lower-cased header names. */
	headers: Record<string, string>;
	body: string;
	contentId?: string;
}

export type BatchItem = { kind: 'request'; request: BatchRequestPart } | { kind: 'changeset'; requests: BatchRequestPart[] };

export interface BatchResponsePart {
	status: number;
	headers: Record<string, string>;
	body?: string;
	contentId?: string;
}

export type BatchResponseItem = { kind: 'response'; part: BatchResponsePart } | { kind: 'changeset'; parts: BatchResponsePart[] };

export function boundaryOf(contentType: string | undefined): string | undefined {
	if (!contentType || !/^\s*multipart\/mixed/i.test(contentType)) return undefined;
	const m = /boundary=("([^"]+)"|[^;\s]+)/i.exec(contentType);
	if (!m) return undefined;
	return m[2] ?? m[1];
}

function splitParts(text: string, boundary: string): string[] {
	const delimiter = `--${boundary}`;
	const lines = text.split(/\r?\n/);
	const parts: string[] = [];
	let current: string[] | undefined;
	for (const line of lines) {
		const trimmed = line.trimEnd();
		if (trimmed === delimiter || trimmed === `${delimiter}--`) {
			if (current) parts.push(current.join('\r\n'));
			current = trimmed === delimiter ? [] : undefined;
			if (trimmed !== delimiter) break;
			continue;
		}
		if (current) current.push(line);
	}
	if (current && current.length) parts.push(current.join('\r\n'));
	return parts;
}

function splitHeaders(text: string): { headers: Record<string, string>; rest: string } {
	const headers: Record<string, string> = {};
	const normalized = text.replace(/^(\r?\n)+/, '');
	const end = normalized.search(/\r?\n\r?\n/);
	const headerText = end >= 0 ? normalized.slice(0, end) : normalized;
	const rest = end >= 0 ? normalized.slice(end).replace(/^\r?\n\r?\n/, '') : '';
	for (const line of headerText.split(/\r?\n/)) {
		const colon = line.indexOf(':');
		if (colon <= 0) continue;
		headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
	}
	return { headers, rest };
}

function parseHttpPart(mimeHeaders: Record<string, string>, content: string): BatchRequestPart {
	const text = content.replace(/^(\r?\n)+/, '');
	const lineEnd = text.search(/\r?\n/);
	const requestLine = (lineEnd >= 0 ? text.slice(0, lineEnd) : text).trim();
	const m = /^([A-Za-z]+)\s+(\S+)(\s+HTTP\/\d\.\d)?$/.exec(requestLine);
	if (!m) throw new DataverseError(400, '0x80060888', `The request line '${requestLine}' of a batch part is not valid.`);
	let headers: Record<string, string> = {};
	let body = '';
	if (lineEnd >= 0) {
		const afterLine = text.slice(lineEnd).replace(/^\r?\n/, '');
		if (/^\r?\n/.test(afterLine)) body = afterLine.replace(/^\r?\n/, '');
		else {
			const split = splitHeaders(afterLine);
			headers = split.headers;
			body = split.rest;
		}
	}
	body = body.replace(/(\r?\n)+$/, '');
	const contentId = mimeHeaders['content-id'] ?? headers['content-id'];
	return { method: m[1].toUpperCase(), url: m[2], headers, body, contentId };
}

/** Parses a $batch body into requests and change sets. */
export function parseBatch(contentType: string | undefined, raw: Buffer): BatchItem[] {
	const boundary = boundaryOf(contentType);
	if (!boundary) {
		throw new DataverseError(400, '0x80060888', "The batch request must have a 'Content-Type' header of 'multipart/mixed' with a boundary parameter.");
	}
	const items: BatchItem[] = [];
	for (const part of splitParts(raw.toString('utf8'), boundary)) {
		const { headers, rest } = splitHeaders(part);
		const type = headers['content-type'] ?? '';
		const changesetBoundary = boundaryOf(type);
		if (changesetBoundary) {
			const requests: BatchRequestPart[] = [];
			for (const inner of splitParts(rest, changesetBoundary)) {
				const split = splitHeaders(inner);
				if (!/application\/http/i.test(split.headers['content-type'] ?? '')) {
					throw new DataverseError(400, '0x80060888', "The content type of a change set part must be 'application/http'.");
				}
				requests.push(parseHttpPart(split.headers, split.rest));
			}
			items.push({ kind: 'changeset', requests });
		} else if (/application\/http/i.test(type)) {
			items.push({ kind: 'request', request: parseHttpPart(headers, rest) });
		} else if (part.trim() !== '') {
			throw new DataverseError(400, '0x80060888', `The content type '${type}' of a batch part is not supported; use 'application/http'.`);
		}
	}
	return items;
}

const STATUS_TEXT: Record<number, string> = {
	200: 'OK',
	201: 'Created',
	204: 'No Content',
	304: 'Not Modified',
	400: 'Bad Request',
	401: 'Unauthorized',
	403: 'Forbidden',
	404: 'Not Found',
	405: 'Method Not Allowed',
	412: 'Precondition Failed',
	413: 'Payload Too Large',
	429: 'Too Many Requests',
	500: 'Internal Server Error',
	501: 'Not Implemented',
	503: 'Service Unavailable',
};

export function statusText(status: number): string {
	return STATUS_TEXT[status] ?? 'Unknown';
}

function writePart(part: BatchResponsePart): string {
	const lines = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
	if (part.contentId !== undefined) lines.push(`Content-ID: ${part.contentId}`);
	lines.push('', `HTTP/1.1 ${part.status} ${statusText(part.status)}`);
	for (const [name, value] of Object.entries(part.headers)) lines.push(`${name}: ${value}`);
	lines.push('', part.body ?? '');
	return lines.join('\r\n');
}

/** Writes the multipart/mixed batch response (batchresponse_/changesetresponse_ boundaries). */
export function buildBatchResponse(items: BatchResponseItem[]): { contentType: string; body: string } {
	const boundary = `batchresponse_${randomUUID()}`;
	const chunks: string[] = [];
	for (const item of items) {
		if (item.kind === 'response') {
			chunks.push(`--${boundary}\r\n${writePart(item.part)}`);
			continue;
		}
		const cs = `changesetresponse_${randomUUID()}`;
		const inner = item.parts.map((p) => `--${cs}\r\n${writePart(p)}`).join('\r\n');
		chunks.push(`--${boundary}\r\nContent-Type: multipart/mixed; boundary=${cs}\r\n\r\n${inner}\r\n--${cs}--`);
	}
	return { contentType: `multipart/mixed; boundary=${boundary}`, body: `${chunks.join('\r\n')}\r\n--${boundary}--\r\n` };
}
