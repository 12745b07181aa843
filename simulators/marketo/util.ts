/** Small helpers shared by the Marketo simulator modules: value coercion, dates, tokens, params. */
import { randomBytes } from 'node:crypto';

export type DataType =
	| 'string'
	| 'text'
	| 'email'
	| 'phone'
	| 'url'
	| 'reference'
	| 'integer'
	| 'float'
	| 'currency'
	| 'percent'
	| 'score'
	| 'boolean'
	| 'date'
	| 'datetime'
	| 'link';

/** A field of a lead or of a generic object type (describe metadata plus simulator flags). */
export interface FieldDef {
	name: string;
	displayName: string;
	dataType: DataType;
	length?: number;
	/** Not writable through the API (id, createdAt, updatedAt, marketoGUID …). */
	readOnly?: boolean;
	/** Leads: usable as filterType / lookupField. */
	searchable?: boolean;
	/** Leads: a custom field (describe `isCustom`). */
	custom?: boolean;
	/** Leads: describe id (assigned by the store). */
	id?: number;
}

export type Reason = { code: string; message: string };

/** A response-level failure (success:false, errors:[…]). Thrown by handlers, caught by the router. */
export class MktoError extends Error {
	constructor(
		readonly code: string,
		message: string,
	) {
		super(message);
	}
}

export const STRINGISH = new Set<DataType>(['string', 'text', 'email', 'phone', 'url', 'reference', 'link']);
export const NUMERIC = new Set<DataType>(['integer', 'float', 'currency', 'percent', 'score']);

const EMAIL_RE = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/;
// eslint-disable-next-line no-control-regex
const ASCII_RE = /^[\x00-\x7F]*$/;

export type Coerced = { ok: true; value: unknown } | { ok: false; reason: Reason };

const fail = (code: string, message: string): Coerced => ({ ok: false, reason: { code, message } });
const typeMismatch = (value: unknown, type: string): Coerced =>
	fail('1001', `Invalid value '${typeof value === 'object' ? JSON.stringify(value) : String(value)}'. Required of type '${type}'`);

/**
 * Converts an API value to what the field stores, the way Marketo validates it.
 * null, undefined and '' clear the field (stored as null).
 */
export function coerceValue(field: FieldDef, value: unknown): Coerced {
	if (value === null || value === undefined || value === '') return { ok: true, value: null };
	const t = field.dataType;
	if (STRINGISH.has(t)) {
		if (typeof value === 'object') return typeMismatch(value, t);
		const s = String(value);
		if (t === 'email') {
			if (!ASCII_RE.test(s) || !EMAIL_RE.test(s)) {
				return fail('1003', `Invalid email address '${s}' for field '${field.name}'`);
			}
		}
		if (field.length !== undefined && s.length > field.length) {
			return fail('1003', `Value for field '${field.name}' exceeds max length of ${field.length} characters`);
		}
		return { ok: true, value: s };
	}
	if (NUMERIC.has(t)) {
		let n: number;
		if (typeof value === 'number') n = value;
		else if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) n = Number(value);
		else return typeMismatch(value, t);
		if (!Number.isFinite(n)) return typeMismatch(value, t);
		if ((t === 'integer' || t === 'score') && !Number.isInteger(n)) return typeMismatch(value, t);
		if ((t === 'integer' || t === 'score') && Math.abs(n) > 2147483647) return typeMismatch(value, t);
		return { ok: true, value: n };
	}
	if (t === 'boolean') {
		if (typeof value === 'boolean') return { ok: true, value };
		if (value === 1 || value === 0) return { ok: true, value: value === 1 };
		if (typeof value === 'string') {
			const v = value.trim().toLowerCase();
			if (v === 'true' || v === '1') return { ok: true, value: true };
			if (v === 'false' || v === '0') return { ok: true, value: false };
		}
		return typeMismatch(value, t);
	}
	if (t === 'date') {
		if (typeof value !== 'string') return typeMismatch(value, t);
		const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?$/.exec(value.trim());
		if (!m) return typeMismatch(value, t);
		const d = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
		if (Number.isNaN(d) || new Date(d).getUTCDate() !== Number(m[3])) return typeMismatch(value, t);
		return { ok: true, value: `${m[1]}-${m[2]}-${m[3]}` };
	}
	if (t === 'datetime') {
		if (typeof value !== 'string') return typeMismatch(value, t);
		const ms = parseIsoDate(value, false);
		if (ms === undefined) return typeMismatch(value, t);
		return { ok: true, value: isoSeconds(ms) };
	}
	return { ok: true, value };
}

const ISO_RE =
	/^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * Parses ISO-8601 as Marketo accepts it. With requireZone, a time and a zone (Z or ±hh[:]mm) are
 * required (sinceDatetime); otherwise date-only and zone-less values are read as UTC.
 */
export function parseIsoDate(input: string, requireZone: boolean): number | undefined {
	const m = ISO_RE.exec(input.trim());
	if (!m) return undefined;
	const [, y, mo, d, h, mi, s, frac, zone] = m;
	if (requireZone && (h === undefined || zone === undefined)) return undefined;
	const ms = frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0;
	let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(s ?? 0), ms);
	if (Number.isNaN(t)) return undefined;
	const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
	if (check.getUTCDate() !== Number(d) || Number(mo) < 1 || Number(mo) > 12) return undefined;
	if (Number(h ?? 0) > 23 || Number(mi ?? 0) > 59 || Number(s ?? 0) > 59) return undefined;
	if (zone && zone !== 'Z') {
		const sign = zone[0] === '-' ? -1 : 1;
		const digits = zone.slice(1).replace(':', '');
		const offset = (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4))) * 60000;
		t -= sign * offset;
	}
	return t;
}

/** 2024-01-02T03:04:05Z (Marketo's datetime format: seconds, UTC, Z). */
export function isoSeconds(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Activity / change values are strings in Marketo's payloads. */
export function valueString(v: unknown): string | null {
	if (v === null || v === undefined) return null;
	return String(v);
}

/** Equality of stored values (after coercion). */
export function sameValue(a: unknown, b: unknown): boolean {
	if ((a === null || a === undefined) && (b === null || b === undefined)) return true;
	return a === b;
}

/** Normalised lookup key for indexes: case-insensitive, like Marketo's lookups. */
export function lookupKey(v: unknown): string | undefined {
	if (v === null || v === undefined || v === '') return undefined;
	return String(v).toLowerCase();
}

export function requestId(): string {
	const prefix = (randomBytes(3).readUIntBE(0, 3) & 0xfffff).toString(16);
	return `${prefix}#${Date.now().toString(16)}`;
}

// ---- Base32 (RFC 4648, padded): the alphabet Marketo's paging tokens use ----
const B32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function base32Encode(text: string): string {
	const bytes = Buffer.from(text, 'utf8');
	let bits = 0;
	let value = 0;
	let out = '';
	for (const byte of bytes) {
		value = (value << 8) | byte;
		bits += 8;
		while (bits >= 5) {
			out += B32[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) out += B32[(value << (5 - bits)) & 31];
	while (out.length % 8 !== 0) out += '=';
	return out;
}

export function base32Decode(token: string): string | undefined {
	const clean = token.replace(/=+$/, '');
	if (!/^[A-Z2-7]*$/.test(clean)) return undefined;
	let bits = 0;
	let value = 0;
	const out: number[] = [];
	for (const ch of clean) {
		value = (value << 5) | B32.indexOf(ch);
		bits += 5;
		if (bits >= 8) {
			out.push((value >>> (bits - 8)) & 255);
			bits -= 8;
		}
	}
	return Buffer.from(out).toString('utf8');
}

/** Comma-separated list parameter → trimmed non-empty strings. */
export function csv(value: string | null | undefined): string[] {
	if (value === null || value === undefined) return [];
	return value
		.split(',')
		.map((s) => s.trim())
		.filter((s) => s.length > 0);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** firstName → First Name */
export function displayNameOf(name: string): string {
	const spaced = name.replace(/_c$/, '').replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/_/g, ' ');
	return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

export function parseBatchSize(raw: string | null | undefined, fallback = 300): number {
	if (raw === null || raw === undefined || raw === '') return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < 1) throw new MktoError('1003', `Invalid batchSize '${raw}'`);
	return Math.min(n, 300);
}

/** Opaque paging token for query endpoints (a position in the result set). */
export function encodeOffsetToken(kind: string, offset: number): string {
	return base32Encode(`${kind}:${offset}`);
}

export function decodeOffsetToken(kind: string, token: string | null | undefined): number {
	if (token === null || token === undefined || token === '') return 0;
	const text = base32Decode(token);
	const m = text === undefined ? null : new RegExp(`^${kind}:(\\d+)$`).exec(text);
	if (!m) throw new MktoError('1003', `Invalid nextPageToken '${token}'`);
	return Number(m[1]);
}
