import { createHash } from 'node:crypto';

/**
 * Per-record sync state: for each synced field, a short fingerprint of the value both systems
 * agreed on at the last sync. It is stored on the Marketo person itself (field
 * `microsoftSyncState`), so it survives restarts, is shared by every n8n worker and needs no
 * infrastructure beyond the two systems. Fingerprints, not values, keep it small and private.
 */
export interface SyncState {
	/** Version of this encoding. */
	v: 1;
	/** When the record was last synced (ISO). */
	at: string;
	/** Field (Marketo name) → fingerprint of the last synced value. */
	f: Record<string, string>;
}

/** Values that mean "no value" in either system compare equal. */
export function normalise(value: unknown): string {
	if (value === undefined || value === null || value === '') return '';
	if (typeof value === 'boolean') return value ? 'true' : 'false';
	if (typeof value === 'number') return String(value);
	if (value instanceof Date) return value.toISOString();
	const text = String(value).trim();
	// Dates: both systems write ISO-8601; compare to the second.
	if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
		const ms = Date.parse(text);
		if (Number.isFinite(ms)) return new Date(Math.floor(ms / 1000) * 1000).toISOString();
	}
	if (text === 'true' || text === 'false') return text;
	if (/^-?\d+(\.\d+)?$/.test(text)) return String(Number(text));
	return text;
}

export function fingerprint(value: unknown): string {
	return createHash('sha256').update(normalise(value)).digest('base64url').slice(0, 10);
}

export function sameValue(a: unknown, b: unknown): boolean {
	return normalise(a) === normalise(b);
}

export function parseSyncState(raw: unknown): SyncState | undefined {
	if (typeof raw !== 'string' || !raw.trim()) return undefined;
	try {
		const parsed = JSON.parse(raw) as SyncState;
		return parsed && parsed.v === 1 && typeof parsed.f === 'object' ? parsed : undefined;
	} catch {
		return undefined;
	}
}

export function buildSyncState(values: Record<string, unknown>, at = new Date()): SyncState {
	const f: Record<string, string> = {};
	for (const [field, value] of Object.entries(values)) f[field] = fingerprint(value);
	return { v: 1, at: at.toISOString(), f };
}

export function serialiseSyncState(state: SyncState): string {
	return JSON.stringify(state);
}
