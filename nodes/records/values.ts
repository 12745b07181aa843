import type { IDataObject } from 'n8n-workflow';

/** A value as shown in a message, cut short: a 10,000-character input would bury the message. */
export function shortText(value: unknown, max = 80): string {
	const text = typeof value === 'string' ? value : value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) ?? '' : String(value);
	return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

export function isPlainObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function errorMessage(error: unknown): string {
	if (error instanceof Error) {
		const description = (error as { description?: unknown }).description;
		return typeof description === 'string' && description && !error.message.includes(description) ? `${error.message}: ${description}` : error.message;
	}
	return String(error);
}

/** Marketo's per-record reasons as one line: "Field 'x' not found (1006)". */
export function reasonsText(reasons: Array<{ code: string; message: string }> | undefined, status?: string): string {
	const text = (reasons ?? []).map((r) => (r.code ? `${r.message} (${r.code})` : r.message)).join('; ');
	return text || (status ? `Marketo answered "${status}"` : 'Marketo returned no result');
}

/** Breaks a list into slices of at most `size`. */
export function chunks<T>(list: T[], size: number): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
	return out;
}
