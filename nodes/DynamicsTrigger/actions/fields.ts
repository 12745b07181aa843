import type { IPollFunctions } from 'n8n-workflow';

import { ACCOUNT_TO_COMPANY, DEFAULT_MAPPINGS, OPPORTUNITY_MAPPING } from '../../mapping/defaultMappings';
import { CONNECTION_COLUMNS } from '../../records/connections';
import { listColumns, readName, type TableInfo } from '../../transport/dataverseApi';

/**
 * The columns the native sync reads per table when the user picks none: the default field mappings,
 * plus the ids and markers downstream nodes need (owner, parent account, potential customer, merge
 * state, stakeholder sides). Lookups are written in their Web API form (`_x_value`).
 */
const NATIVE_DEFAULTS: Record<string, string[]> = {
	lead: [
		...DEFAULT_MAPPINGS.lead.map((m) => m.dynamics),
		'_ownerid_value',
		'_parentaccountid_value',
		'_parentcontactid_value',
		'merged',
		'_masterid_value',
	],
	// _originatingleadid_value: a contact made by Qualify names its lead, whose Marketo person then follows the contact.
	contact: [...DEFAULT_MAPPINGS.contact.map((m) => m.dynamics), '_ownerid_value', '_parentcustomerid_value', '_originatingleadid_value', 'merged', '_masterid_value'],
	account: [
		'accountid',
		...ACCOUNT_TO_COMPANY.map((m) => m.dynamics),
		'address1_line2',
		'address1_line3',
		'businesstypecode',
		'_ownerid_value',
		'_primarycontactid_value',
		'_parentaccountid_value',
		'merged',
		'_masterid_value',
	],
	opportunity: [
		'opportunityid',
		...OPPORTUNITY_MAPPING.map((m) => m.dynamics),
		'_ownerid_value',
		'_customerid_value',
		'_parentaccountid_value',
		'_parentcontactid_value',
		'_originatingleadid_value',
		'statuscode',
	],
	systemuser: ['fullname', 'firstname', 'lastname', 'internalemailaddress', 'title', 'mobilephone', 'address1_telephone1', 'domainname', 'isdisabled', '_businessunitid_value'],
	team: ['name', 'teamtype', 'description', '_businessunitid_value'],
	connection: ['name', ...CONNECTION_COLUMNS, '_relatedconnectionid_value', 'effectivestart', 'effectiveend', '_ownerid_value'],
};

/** Always read: what the trigger itself needs (classification, loop suppression). */
const TRIGGER_COLUMNS = ['createdon', 'modifiedon', '_modifiedby_value'];

export interface FieldPlan {
	/** Columns for $select, in Web API form, all present in the table. */
	select: string[];
	/** Columns the user picked that the table no longer has: skipped and reported, never a halt. */
	missing: string[];
	/** The sync filter column in Web API form, or undefined when the table has none (everything syncs). */
	filterColumn?: string;
	/** Whether the table has the row version column (every Dataverse table does; checked anyway). */
	hasVersionNumber: boolean;
}

/**
 * The columns to read, checked against the table's current metadata. Picked columns may be given
 * as logical names (`ownerid`) or Web API names (`_ownerid_value`).
 */
export async function planFields(ctx: IPollFunctions, table: TableInfo, picked: string[], filterField: string): Promise<FieldPlan> {
	const columns = (await listColumns(ctx, table.logicalName)).filter((c) => c.readable && !c.attributeOf);
	const byName = new Map<string, string>();
	for (const column of columns) {
		byName.set(column.logicalName.toLowerCase(), readName(column));
		byName.set(readName(column).toLowerCase(), readName(column));
	}
	const resolve = (name: string) => byName.get(name.trim().toLowerCase());

	const wanted = picked.length ? picked : (NATIVE_DEFAULTS[table.logicalName] ?? columns.map(readName));
	const missing = picked.filter((name) => !resolve(name));
	const filterColumn = filterField.trim() ? resolve(filterField) : undefined;

	const select = new Set<string>([table.primaryId]);
	// Defaults name fields some orgs lack (the Marketo solution's mkt_* columns): those are just left out.
	for (const name of [...wanted, ...TRIGGER_COLUMNS, ...(filterColumn ? [filterColumn] : [])]) {
		const column = resolve(name);
		if (column) select.add(column);
	}
	return { select: [...select], missing, filterColumn, hasVersionNumber: byName.has('versionnumber') };
}
