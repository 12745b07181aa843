import type { MarketoField } from '../transport/marketoApi';
import { RecordError } from './records';

// One address: no whitespace and none of RFC 5322's specials outside a quoted local part, so
// "a,b@x.com" or "a;b@x.com" (two recipients to a mail client) is refused, not written.
export const EMAIL_ADDRESS = /^[^\s@,;:<>()[\]\\"]+@[^\s@,;:<>()[\]\\"]+\.[^\s@,;:<>()[\]\\"]+$/;
const ASCII_PRINTABLE = /^[\x21-\x7e]+$/;
export function isEmpty(value: unknown): boolean {
	return value === undefined || value === null || value === '';
}

export function show(value: unknown): string {
	const text = typeof value === 'string' ? value : JSON.stringify(value);
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function parseBoolean(value: unknown): boolean | undefined {
	if (typeof value === 'boolean') return value;
	if (value === 1 || value === 0) return value === 1;
	if (typeof value === 'string') {
		const v = value.trim().toLowerCase();
		if (['true', '1', 'yes', 'y'].includes(v)) return true;
		if (['false', '0', 'no', 'n'].includes(v)) return false;
	}
	return undefined;
}

export function parseNumber(value: unknown): number | undefined {
	if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
	if (typeof value === 'string' && /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/.test(value)) return Number(value);
	return undefined;
}

function parseDate(value: unknown): Date | undefined {
	if (value instanceof Date) return Number.isFinite(value.getTime()) ? value : undefined;
	if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return undefined;
	const ms = Date.parse(value.trim());
	return Number.isFinite(ms) ? new Date(ms) : undefined;
}

/** The typed values both systems' conversions share; each throws a RecordError naming the field. */
export function wholeNumber(label: string, name: string, value: unknown): number {
	const n = parseNumber(value);
	if (n === undefined || !Number.isInteger(n)) throw new RecordError(`${label} expects a whole number, got ${show(value)}`, name, 'type');
	return n;
}

export function anyNumber(label: string, name: string, value: unknown): number {
	const n = parseNumber(value);
	if (n === undefined) throw new RecordError(`${label} expects a number, got ${show(value)}`, name, 'type');
	return n;
}

export function trueOrFalse(label: string, name: string, value: unknown): boolean {
	const b = parseBoolean(value);
	if (b === undefined) throw new RecordError(`${label} expects true or false, got ${show(value)}`, name, 'type');
	return b;
}

/** ISO 8601 in UTC without milliseconds, as both APIs write a date and time. */
export function dateTime(label: string, name: string, value: unknown): string {
	const d = parseDate(value);
	if (!d) throw new RecordError(`${label} expects a date and time (ISO 8601), got ${show(value)}`, name, 'type');
	return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function plainText(label: string, name: string, value: unknown): string {
	if (typeof value === 'object') throw new RecordError(`${label} expects text, got ${show(value)}`, name, 'type');
	return String(value);
}

/** Checks an email the way Marketo does: ASCII only, one @, a dot in the domain. */
function marketoEmailProblem(value: string): string | undefined {
	if (!ASCII_PRINTABLE.test(value)) return `"${show(value)}" contains characters Marketo does not accept in an email address (ASCII only)`;
	if (!EMAIL_ADDRESS.test(value)) return `"${show(value)}" is not a valid email address`;
	return undefined;
}

/**
 * Converts a value for a Marketo lead field (type and length from describe). Empty values become
 * null (Marketo clears the field). Throws a RecordError naming the field.
 */
export function toMarketoValue(name: string, field: MarketoField | undefined, value: unknown): unknown {
	if (isEmpty(value)) return null;
	const type = (field?.dataType ?? 'string').toLowerCase();
	const label = `Marketo field "${name}"`;
	switch (type) {
		case 'integer':
		case 'score':
			return wholeNumber(label, name, value);
		case 'float':
		case 'currency':
		case 'percent':
			return anyNumber(label, name, value);
		case 'boolean':
			return trueOrFalse(label, name, value);
		case 'date': {
			const d = parseDate(value);
			if (!d) throw new RecordError(`${label} expects a date (YYYY-MM-DD), got ${show(value)}`, name, 'type');
			return d.toISOString().slice(0, 10);
		}
		case 'datetime':
			return dateTime(label, name, value);
		default: {
			const text = plainText(label, name, value);
			const stored = type === 'email' ? text.trim() : text;
			if (field?.length !== undefined && stored.length > field.length) {
				throw new RecordError(`${label} is too long (${stored.length} characters; Marketo allows ${field.length})`, name, 'length');
			}
			if (type === 'email') {
				const problem = marketoEmailProblem(stored);
				if (problem) throw new RecordError(`${label}: ${problem}`, name, 'format');
			}
			return stored;
		}
	}
}
