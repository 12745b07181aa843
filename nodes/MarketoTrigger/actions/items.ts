import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../mapping/defaultMappings';
import type { MarketoTriggerItem } from '../../persons/itemShapes';
import { API_SOURCE } from './defaults';

export const NEW_LEAD = 12;
export const CHANGE_DATA_VALUE = 13;

export interface ActivityFilter {
	newLeads: boolean;
	leadChanges: boolean;
	/** Skip changes made through the REST API (the sync's own writes come back that way). */
	skipApiChanges: boolean;
	/** When set, only API changes by this API user are skipped. */
	apiUser?: string;
}

function attribute(activity: IDataObject, name: string): string | undefined {
	const attributes = (activity.attributes ?? []) as Array<{ name?: string; value?: unknown }>;
	const match = attributes.find((a) => String(a.name ?? '').toLowerCase() === name.toLowerCase());
	return match?.value === undefined || match.value === null ? undefined : String(match.value);
}

function sourceOf(activity: IDataObject): string {
	return attribute(activity, 'Source') ?? attribute(activity, 'Source Type') ?? 'unknown';
}

/**
 * Whether an activity is the echo of an API write. Marketo names the source ("Web service API") but
 * not the integration, so every API change counts, unless an API user is given and the activity
 * names a different one. An activity that names no user is treated as ours: better to miss another
 * integration's change than to send the sync's own write back.
 */
export function isApiEcho(activity: IDataObject, filter: ActivityFilter): boolean {
	if (!filter.skipApiChanges) return false;
	const api = [attribute(activity, 'Source'), attribute(activity, 'Source Type')].some((s) => s?.toLowerCase() === API_SOURCE.toLowerCase());
	if (!api) return false;
	if (!filter.apiUser) return true;
	const user = attribute(activity, 'Modifying User');
	return !user || user.toLowerCase() === filter.apiUser.toLowerCase();
}

function text(value: unknown): string | null {
	return value === undefined || value === null ? null : String(value);
}

/**
 * Merges the lead-change activities of one poll into one item per person (in the order Marketo
 * returned them): a New Lead activity makes it 'created'; each field keeps its first old value and
 * its last new value; a field changed and changed back drops out, and so does a person left with no
 * change.
 */
export function mergeLeadChanges(activities: IDataObject[], filter: ActivityFilter): Map<number, MarketoTriggerItem> {
	const byLead = new Map<number, MarketoTriggerItem>();
	for (const activity of activities) {
		const type = Number(activity.activityTypeId);
		if ((type === NEW_LEAD && !filter.newLeads) || (type === CHANGE_DATA_VALUE && !filter.leadChanges)) continue;
		if (type !== NEW_LEAD && type !== CHANGE_DATA_VALUE) continue;
		if (isApiEcho(activity, filter)) continue;
		const leadId = Number(activity.leadId);
		if (!Number.isInteger(leadId)) continue;
		let item = byLead.get(leadId);
		if (!item) {
			item = { leadId, operation: 'updated', changedFields: {}, activityDate: String(activity.activityDate ?? ''), current: null, microsoftId: null, sources: [] };
			byLead.set(leadId, item);
		}
		if (type === NEW_LEAD) item.operation = 'created';
		item.activityDate = String(activity.activityDate ?? item.activityDate);
		const source = sourceOf(activity);
		if (!item.sources.includes(source)) item.sources.push(source);
		for (const change of (activity.fields ?? []) as Array<{ name?: string; oldValue?: unknown; newValue?: unknown }>) {
			if (!change.name) continue;
			const previous = item.changedFields[change.name];
			item.changedFields[change.name] = {
				oldValue: previous ? previous.oldValue : type === NEW_LEAD ? null : text(change.oldValue),
				newValue: text(change.newValue),
			};
		}
	}
	for (const [leadId, item] of byLead) {
		if (item.operation === 'created') continue;
		for (const [name, change] of Object.entries(item.changedFields)) {
			if (change.oldValue === change.newValue) delete item.changedFields[name];
		}
		if (!Object.keys(item.changedFields).length) byLead.delete(leadId);
	}
	return byLead;
}

/** Attaches each person's current values (fetched in batches of 300) and the Dynamics link. */
export function attachCurrent(items: Iterable<MarketoTriggerItem>, current: IDataObject[], fields: string[]): void {
	const byId = new Map(current.map((lead) => [Number(lead.id), lead]));
	for (const item of items) {
		const lead = byId.get(item.leadId) ?? null;
		item.current = lead;
		if (lead) item.currentFields = fields;
		item.microsoftId = text(lead?.[MARKER_FIELDS.id]);
	}
}

/** Delete Lead activities as items; several deletes of one id (merges, retries) become one. */
export function deletedItems(activities: IDataObject[]): MarketoTriggerItem[] {
	const byLead = new Map<number, MarketoTriggerItem>();
	for (const activity of activities) {
		const leadId = Number(activity.leadId);
		if (!Number.isInteger(leadId)) continue;
		byLead.set(leadId, {
			leadId,
			operation: 'deleted',
			changedFields: {},
			activityDate: String(activity.activityDate ?? ''),
			current: null,
			// The person is gone, so its Dynamics link can no longer be read.
			microsoftId: null,
			primaryAttributeValue: text(activity.primaryAttributeValue),
			sources: [],
		});
	}
	return [...byLead.values()];
}
