import type { IDataObject } from 'n8n-workflow';

import type { PersonTable } from '../../mapping/defaultMappings';
import { dynamicsColumnMap, loadChoiceLabels, needsChoiceLabels } from './metadata';
import { findDynamicsByValues } from './find';
import { writeDynamics } from './write';
import { PERSON_TABLES } from '../../persons/tables';
import { marketoValueOfColumn, toDynamicsValue } from './values';
import { lookupId, rowsByIds } from '../../records/dataverseRows';
import type { ApiContext } from '../../transport/context';
import { normaliseGuid } from '../../transport/odata';
import type { CrmPort, CrmRowFacts, CrmRules } from '../port';

/** Dataverse lead statecode Qualified. */
const LEAD_QUALIFIED = 1;

/**
 * Facts a Dataverse person row carries about itself:
 * - a merge leaves the loser with `merged` = true and `masterid` = the winner;
 * - Qualify (the out-of-box process) creates a contact whose Originating Lead (`originatingleadid`)
 *   is the lead, then sets the lead to Qualified (statecode 1). Marketo's native sync keeps one
 *   person, which follows the contact (native-sync-features.md rows 37 and 55).
 */
function rowFacts(table: PersonTable, row: IDataObject): CrmRowFacts {
	const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);
	return {
		modifiedAt: text(row.modifiedon),
		createdAt: text(row.createdon),
		mergedAway: row.merged === true || String(row.merged).toLowerCase() === 'true',
		mergedInto: lookupId(row, 'masterid'),
		originatingLeadId: table === 'contact' ? lookupId(row, 'originatingleadid') : undefined,
		qualified: table === 'lead' && row.statecode !== undefined && row.statecode !== null && Number(row.statecode) === LEAD_QUALIFIED,
	};
}

/** Dynamics' rules that need no connection (also the default of mapping code given no port). */
export const dynamicsRules: CrmRules = {
	name: 'Dynamics',
	rowIdFormat: 'GUID',
	rowId: (text) => normaliseGuid(text),
	primaryKey: (table) => PERSON_TABLES[table].primaryId,
	// Both person tables keep the primary e-mail in "Email" (emailaddress1), the native sync's email pair.
	emailColumn: () => 'emailaddress1',
	factColumns: (table) => ['modifiedon', 'createdon', 'merged', '_masterid_value', ...(table === 'contact' ? ['_originatingleadid_value'] : ['statecode'])],
	rowFacts,
	needsChoiceLabels,
	toCrmValue: toDynamicsValue,
	toMarketoValue: marketoValueOfColumn,
};

/** Dynamics 365 (Dataverse Web API) as the sync's CRM. */
export function dynamicsCrm(ctx: ApiContext): CrmPort {
	return {
		...dynamicsRules,
		columns: async (table) => await dynamicsColumnMap(ctx, table),
		choiceLabels: async (table) => await loadChoiceLabels(ctx, table),
		readPersons: async (table, ids, select) => await rowsByIds(ctx, PERSON_TABLES[table], ids.map((id) => normaliseGuid(id) ?? id), select),
		findPersons: async (table, column, values, select) => await findDynamicsByValues(ctx, table, column, values, select),
		writePersons: async (writes) => {
			const results = await writeDynamics(
				ctx,
				writes.map((w) => ({
					key: w.key,
					kind: w.kind,
					table: w.table,
					id: w.id,
					body: w.kind === 'create' && w.ownerId ? { ...(w.body ?? {}), 'ownerid@odata.bind': `/systemusers(${normaliseGuid(w.ownerId) ?? w.ownerId})` } : w.body,
				})),
			);
			return new Map([...results].map(([key, r]) => [key, { ok: r.ok, status: r.status, notFound: r.notFound, code: r.code, message: r.message, createdOn: r.createdon }]));
		},
	};
}
