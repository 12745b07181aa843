import type { IDataObject } from 'n8n-workflow';

import { shortText } from '../records/values';

export { shortText };

/** What identifies one input record in messages: its position plus whatever ids it carries. */
export interface RecordRef {
	/** Position of the input item (0-based, as n8n's itemIndex). */
	index: number;
	/** The Dynamics table, where the item is a one-way record (account, opportunity, …). */
	table?: string;
	dynamicsId?: string;
	marketoId?: number;
	email?: string;
}

export function recordLabel(ref: RecordRef): string {
	const parts: string[] = [];
	if (ref.marketoId !== undefined) parts.push(`Marketo lead ${ref.marketoId}`);
	if (ref.dynamicsId) parts.push(`Dynamics ID ${shortText(ref.dynamicsId)}`);
	if (ref.email) parts.push(`email ${shortText(ref.email)}`);
	// People count items from 1 (as Resolve Conflict and Sync Records always did); details.itemIndex stays 0-based.
	return `Item ${ref.index + 1}${parts.length ? ` (${parts.join(', ')})` : ''}`;
}

/** Where a record-level failure came from. */
export type FailureSource = 'input' | 'marketo' | 'dynamics' | 'config';

/** A failure of one record: bad input, or a record-level rejection by one of the two systems. */
export class RecordError extends Error {
	constructor(
		message: string,
		readonly field?: string,
		readonly code = '',
		readonly source: FailureSource = 'input',
	) {
		super(message);
		this.name = 'RecordError';
	}
}

/** The first field name a Marketo or Dataverse error message talks about, if any. */
export function fieldFromMessage(message: string): string | undefined {
	const patterns = [
		/The length of the '([A-Za-z0-9_]+)' attribute/i,
		/attribute '([A-Za-z0-9_]+)'/i,
		/[Ff]ield '([A-Za-z0-9_]+)'/,
		/property '([A-Za-z0-9_@.]+)'/i,
		/'([A-Za-z0-9_]+)' (?:is|are) (?:required|invalid|not valid)/i,
		/column '([A-Za-z0-9_]+)'/i,
		/lookup field '([A-Za-z0-9_]+)'/i,
	];
	for (const pattern of patterns) {
		const match = pattern.exec(message);
		if (match) return match[1];
	}
	return undefined;
}

/** A number when the value is a positive integer (Marketo lead ids). */
export function toLeadId(value: unknown): number | undefined {
	if (typeof value === 'number' && Number.isInteger(value) && value > 0) return value;
	if (typeof value === 'string' && /^\s*\d+\s*$/.test(value)) {
		const n = Number(value);
		return n > 0 && Number.isSafeInteger(n) ? n : undefined;
	}
	return undefined;
}

export function textOf(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const text = String(value).trim();
	return text === '' ? undefined : text;
}

export function hasValue(json: IDataObject, key: string): boolean {
	return Object.prototype.hasOwnProperty.call(json, key);
}
