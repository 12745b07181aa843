import type { IDataObject } from 'n8n-workflow';

/**
 * A polling trigger's position in a change feed, kept in the node's static data (n8n persists it with
 * the workflow, so any main instance can continue where the last poll stopped).
 *
 * The cursor is stored next to a fingerprint of the settings it was made for: a cursor for another
 * table or another field list points into a different feed, so it is dropped instead of reused.
 */
interface StoredCursor {
	settings?: string;
	cursor?: IDataObject;
}

/** The stored cursor, or undefined when there is none yet or it belongs to other settings. */
export function readCursor<T extends object>(staticData: IDataObject, settings: string): T | undefined {
	const stored = staticData as StoredCursor;
	if (stored.settings !== settings || !stored.cursor) return undefined;
	// A copy: the poll works on it and only writes it back once every fetch succeeded.
	return JSON.parse(JSON.stringify(stored.cursor)) as T;
}

/** Stores the cursor (call only after the poll's fetches all succeeded). */
export function writeCursor(staticData: IDataObject, settings: string, cursor: object): void {
	staticData.settings = settings;
	staticData.cursor = cursor as IDataObject;
}

/** A stable fingerprint of the settings a cursor depends on. */
export function settingsFingerprint(parts: Record<string, unknown>): string {
	return JSON.stringify(Object.keys(parts).sort().map((key) => [key, parts[key]]));
}

/**
 * Appends ids to a bounded first-in-first-out list: the oldest fall out once `max` is reached, so
 * static data stays small whatever the table size.
 */
export function rememberIds(list: string[], ids: Iterable<string>, max: number): string[] {
	const added = [...new Set(ids)];
	const fresh = new Set(added);
	const out = [...list.filter((id) => !fresh.has(id)), ...added];
	return out.length > max ? out.slice(out.length - max) : out;
}
