import type { IDataObject } from 'n8n-workflow';

/** The native sync filter column (Two Options, "Sync to Marketo"). */
export const DEFAULT_SYNC_FILTER = 'new_synctomkto';

/**
 * The native sync filter rule (`new_synctomkto`): absent, empty or Yes → sync; only an explicit
 * No excludes. Returns false for No, true for Yes, null for "not set".
 */
export function syncFilterValue(value: unknown): boolean | null {
	if (value === null || value === undefined || value === '') return null;
	if (value === false || value === 0) return false;
	if (value === true || value === 1) return true;
	const text = String(value).trim().toLowerCase();
	if (['false', 'no', '0'].includes(text)) return false;
	if (['true', 'yes', '1'].includes(text)) return true;
	return null;
}

/**
 * Whether an item's record is excluded by the sync filter: the trigger's `syncFilter` verdict
 * when present, else the filter column among the record's fields.
 */
export function excludedByFilter(json: IDataObject, fields: IDataObject, filterColumn: string): boolean {
	if (json.syncFilter === false) return true;
	if (!filterColumn) return false;
	return syncFilterValue(fields[filterColumn]) === false;
}
