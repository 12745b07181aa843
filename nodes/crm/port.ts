import type { IDataObject } from 'n8n-workflow';

import type { FieldMapping, PersonTable } from '../mapping/defaultMappings';
import type { MarketoField } from '../transport/marketoApi';

/**
 * The CRM port: everything the conflict, merge, state and person-pipeline code needs from "the
 * CRM" (Dynamics 365 today; Salesforce is next). That code talks only to this interface, so a
 * second CRM is one more implementation beside `dynamics.ts`, not a change to the sync's rules.
 *
 * Persons live in two tables (lead, contact: Salesforce has the same two objects). Rows are plain
 * objects keyed by the CRM's own column names; ids are the CRM's own strings.
 */

/** One column of a person table, as the CRM's metadata describes it. */
export interface CrmColumn {
	logicalName: string;
	displayName: string;
	/** The CRM's own type name (Dataverse: String, Picklist, MultiSelectPicklist, Lookup, …). */
	type: string;
	required: boolean;
	maxLength?: number;
	readable: boolean;
	creatable: boolean;
	updatable: boolean;
	/** Set on a column that only mirrors another (Dataverse: a lookup's name column). */
	attributeOf?: string;
}

/** Choice labels of a table: column → lower-case label → the CRM's value. */
export type ChoiceLabels = Map<string, Map<string, number>>;

/** One write of a person row. `key` is the caller's handle (usually the item index). */
export interface CrmPersonWrite {
	key: number;
	kind: 'create' | 'update' | 'delete';
	table: PersonTable;
	id: string;
	body?: IDataObject;
	/** Create only: the CRM user who owns the new row. */
	ownerId?: string;
}

export interface CrmWriteResult {
	ok: boolean;
	status: number;
	/** Update or delete of a row that does not exist. */
	notFound?: boolean;
	code?: string;
	message?: string;
	/** When the CRM created the row (ISO 8601), if it said. */
	createdOn?: string;
}

/** What a person row says about its own life in the CRM, beyond its field values. */
export interface CrmRowFacts {
	/** ISO 8601 time of the row's last change. */
	modifiedAt?: string;
	createdAt?: string;
	/** The row was merged into another (the loser of a merge), and the winner's id if known. */
	mergedAway: boolean;
	mergedInto?: string;
	/** A contact qualified from a lead: that lead's id. */
	originatingLeadId?: string;
	/** A lead that was qualified (its person follows the contact). */
	qualified: boolean;
}

/** What the CRM says without a connection: names, ids, row facts and value rules. */
export interface CrmRules {
	/** "Dynamics": the name users see in messages ("Dynamics rejected the lead …"). */
	readonly name: string;
	/** How a row id looks, for messages ("GUID"). */
	readonly rowIdFormat: string;
	/** A row id in the CRM's own form (Dataverse: a lower-case GUID; the form map keys use); undefined when the text is not one. */
	rowId(text: unknown): string | undefined;
	/** The column that holds a person row's id. */
	primaryKey(table: PersonTable): string;
	/** The column that holds a person's e-mail address (what a person is matched on by e-mail). */
	emailColumn(table: PersonTable): string;
	/** Columns a row must be read with for `rowFacts` (merge, qualify, modified time). */
	factColumns(table: PersonTable): string[];
	rowFacts(table: PersonTable, row: IDataObject): CrmRowFacts;

	/**
	 * Whether any item holds text for a mapped choice column (under either system's name): only then
	 * are the choice labels worth loading.
	 */
	needsChoiceLabels(items: IDataObject[], mappings: FieldMapping[], columns: Map<string, CrmColumn>): boolean;
	/** A value for a CRM column (throws a RecordError naming the column). */
	toCrmValue(column: CrmColumn, value: unknown, choices?: Map<string, number>): unknown;
	/**
	 * A row's column value as Marketo holds it (a choice as its label). `column` is the column's
	 * metadata, or only its name where none was read (the row then says whether it holds a choice).
	 */
	toMarketoValue(row: IDataObject, column: CrmColumn | string | undefined, field: MarketoField | undefined): unknown;
}

export interface CrmPort extends CrmRules {
	/** Columns of a person table by name (metadata; cached by the transport). */
	columns(table: PersonTable): Promise<Map<string, CrmColumn>>;
	/** Choice labels of a person table; empty when they cannot be read. */
	choiceLabels(table: PersonTable): Promise<ChoiceLabels>;

	/** Live rows by id (lower-case id → row), in as few calls as the CRM allows. */
	readPersons(table: PersonTable, ids: string[], select: string[]): Promise<Map<string, IDataObject>>;
	/** Rows whose `column` equals one of `values` (lower-case value → rows, oldest first). */
	findPersons(table: PersonTable, column: string, values: string[], select?: string[]): Promise<Map<string, IDataObject[]>>;
	/** Creates, updates and deletes, each standing alone; one result per write, by key. */
	writePersons(writes: CrmPersonWrite[]): Promise<Map<number, CrmWriteResult>>;
}
