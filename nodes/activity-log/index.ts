import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { addCustomActivities, listCustomActivityTypes, type CustomActivity } from '../transport/marketoApi';

/** The custom activity type the package's setup creates in Marketo for sync failures. */
export const DEFAULT_ACTIVITY_TYPE = 'dynamicsSyncError';

export type SyncDirection = 'Dynamics to Marketo' | 'Marketo to Dynamics';

/** One failed sync of one person, to be written onto that person's Marketo activity log. */
export interface SyncFailureEntry {
	leadId: number;
	/** What the activity's primary attribute shows: the Dynamics id, or the email. */
	recordId: string;
	direction: SyncDirection;
	field?: string;
	errorCode?: string;
	errorMessage: string;
}

export interface LogResult {
	logged: boolean;
	activityId?: string;
	error?: string;
}

export interface LogOptions {
	/** API name (or numeric id) of an approved custom activity type. */
	activityType: string;
	/** Shown in the activity's Workflow attribute. */
	workflow?: string;
}

interface ResolvedType {
	id: number;
	/** Attribute API name → data type, for the attributes the type defines. */
	attributes: Map<string, string>;
	primaryType: string;
}

async function resolveType(ctx: ApiContext, wanted: string): Promise<ResolvedType | undefined> {
	const types = await listCustomActivityTypes(ctx);
	const match = types.find((t) => String(t.apiName) === wanted || String(t.id) === wanted);
	if (!match || typeof match.id !== 'number') return undefined;
	const attributes = new Map<string, string>();
	for (const a of (match.attributes as IDataObject[] | undefined) ?? []) attributes.set(String(a.apiName), String(a.dataType ?? 'string'));
	return { id: match.id, attributes, primaryType: String((match.primaryAttribute as IDataObject | undefined)?.dataType ?? 'string') };
}

function fit(value: string, dataType: string): string {
	const max = dataType === 'text' ? 2000 : 255;
	return value.length > max ? `${value.slice(0, max - 3)}...` : value;
}

/**
 * Writes sync failures as custom activities on the persons' Marketo activity logs (≤300 per call,
 * through the transport). Never throws: a failure to log is reported per entry, so it cannot
 * hide the sync failure it was meant to record.
 */
export async function logSyncFailures(ctx: ApiContext, entries: SyncFailureEntry[], options: LogOptions): Promise<LogResult[]> {
	if (!entries.length) return [];
	let type: ResolvedType | undefined;
	try {
		type = await resolveType(ctx, options.activityType);
	} catch (error) {
		return entries.map(() => ({ logged: false, error: `Could not read Marketo's custom activity types: ${(error as Error).message}` }));
	}
	if (!type) {
		return entries.map(() => ({ logged: false, error: `Marketo has no approved custom activity type "${options.activityType}"` }));
	}
	const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
	const activities: CustomActivity[] = entries.map((entry) => {
		const values: Record<string, string | undefined> = {
			direction: entry.direction,
			field: entry.field,
			errorCode: entry.errorCode,
			errorMessage: entry.errorMessage,
			workflow: options.workflow,
		};
		const attributes = Object.entries(values)
			.filter(([name, value]) => value !== undefined && value !== '' && type!.attributes.has(name))
			.map(([name, value]) => ({ apiName: name, value: fit(String(value), type!.attributes.get(name)!) }));
		return {
			leadId: entry.leadId,
			activityDate: now,
			activityTypeId: type!.id,
			primaryAttributeValue: fit(entry.recordId || String(entry.leadId), type!.primaryType),
			attributes,
		};
	});
	try {
		const results = await addCustomActivities(ctx, activities);
		return results.map((r) =>
			r.status === 'added'
				? { logged: true, activityId: r.id !== undefined ? String(r.id) : undefined }
				: { logged: false, error: r.reasons?.map((x) => `${x.message} (${x.code})`).join('; ') || `Marketo answered ${r.status}` },
		);
	} catch (error) {
		return entries.map(() => ({ logged: false, error: `Could not write the activity: ${(error as Error).message}` }));
	}
}
