/** Records the Marketo simulator keeps in memory. */

/** A person record: id, createdAt, updatedAt plus whatever fields are set (absent = null). */
export interface MarketoLead {
	id: number;
	createdAt: string;
	updatedAt: string;
	[field: string]: unknown;
}

/** A generic object record (company, opportunity, role, sales person, custom object). */
export type ObjectRecord = Record<string, unknown> & { createdAt: string; updatedAt: string };

export const SOURCE_API = 'Web service API';
export const SOURCE_UI = 'Marketo UI';

/** Who caused a write: the API user (Source "Web service API") or a person in the UI. */
export interface WriteContext {
	source: typeof SOURCE_API | typeof SOURCE_UI | string;
	user: string;
	requestId?: string;
	apiMethod?: string;
}

export interface ActivityAttribute {
	name: string;
	apiName?: string;
	value: unknown;
}

/**
 * One activity, kept compact (100k+ of them in benchmarks). Shapes per type:
 * 12 New Lead: `initial` holds the fields the lead was created with.
 * 13 Change Data Value: one field per activity (`field`, `newValue`, `oldValue`).
 * 37 Delete Lead: `primary` is the person's name.
 * custom (≥100000): `primary` + `attrs`.
 */
export interface ActivityRecord {
	id: number;
	leadId: number;
	/** ms since epoch */
	date: number;
	typeId: number;
	primary?: string;
	primaryId?: number;
	attrs?: ActivityAttribute[];
	field?: string;
	fieldId?: number;
	newValue?: unknown;
	oldValue?: unknown;
	initial?: Record<string, unknown>;
	ctx?: WriteContext;
}

export interface CustomActivityAttributeDef {
	apiName: string;
	name: string;
	description?: string;
	dataType: string;
	isPrimary?: boolean;
}

export interface CustomActivityTypeVersion {
	name: string;
	description?: string;
	triggerName: string;
	filterName: string;
	primaryAttribute: CustomActivityAttributeDef;
	attributes: CustomActivityAttributeDef[];
}

export interface CustomActivityType {
	id: number;
	apiName: string;
	createdAt: string;
	updatedAt: string;
	approved?: CustomActivityTypeVersion;
	draft?: CustomActivityTypeVersion;
}
