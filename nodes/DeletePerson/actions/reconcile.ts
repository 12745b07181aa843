import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS, typeLabel, type PersonTable } from '../../mapping/defaultMappings';
import { marketoFieldMap, RecordError, tableFromType, textOf, toLeadId, updatePersonsById, normaliseGuid } from '../../persons';
import { reasonsText } from '../../records/values';
import { getByKeysInOneCall } from '../../transport/dataverseBatchRead';
import { deleteLeads, getLeadsBy } from '../../transport/marketoApi';

/** Marketo ids per `leads.json?filterType=id` call (its filterValues limit). */
const IDS_PER_CALL = 300;
/**
 * Windows of 300 ids with no person at all after which the scan ends. Marketo assigns lead ids in
 * ascending order, so a long empty stretch means the end; 20 windows (6,000 ids) keep the cost of
 * finding the end at 20 calls. A mass delete of more than 6,000 consecutive persons would end the
 * scan early (the persons created after them are then not reconciled this time).
 */
const EMPTY_WINDOWS_TO_STOP = 20;
/** Linked persons checked in Dynamics per `$batch` (50 ids per GET part, so 60 parts). */
const CHECK_CHUNK = 3000;
/** Dynamics ids listed in the result item (the counts are always complete). */
const LISTED_IDS = 100;

const ENTITY: Record<PersonTable, { entitySet: string; key: string }> = {
	lead: { entitySet: 'leads', key: 'leadid' },
	contact: { entitySet: 'contacts', key: 'contactid' },
};

export interface ReconcileResult {
	json: IDataObject;
	/** Persons the policy could not be applied to: reported on the error output. */
	failed: Array<{ marketoId: number; dynamicsId: string; message: string; code: string }>;
}

/**
 * After the Dynamics 365 Trigger read a whole lead or contact table (initial copy, or the resync
 * after an expired change-tracking token), deletes that happened meanwhile never came as delete
 * items. This lists the Marketo persons linked to the table (Get Leads by Filter Type on `id`, the
 * searchable standard field, 300 ids per call: there is no documented way to list a custom field's
 * matches beyond 1,000), asks Dynamics which of their rows still exist (one `$batch` per 3,000),
 * and applies the delete policy to the rest. Persons whose row exists are not written.
 */
export async function reconcileTable(ctx: IExecuteFunctions, tableValue: unknown, policy: 'flag' | 'delete'): Promise<ReconcileResult> {
	const table = tableFromType(tableValue);
	if (!table) throw new RecordError(`The reconciliation item names no person table ("${textOf(tableValue)}"): expected lead or contact`, 'table', 'format');
	const hasDynamics = await ctx.getCredentials('microsoftDynamicsApi').then(
		() => true,
		() => false,
	);
	if (!hasDynamics) {
		throw new RecordError('The reconciliation after a full copy needs the Dynamics 365 credential on this node, to check which linked rows still exist', 'microsoftDynamicsApi', 'config', 'config');
	}
	if (policy === 'flag' && !(await marketoFieldMap(ctx)).has(MARKER_FIELDS.isDeleted)) {
		throw new RecordError(`Marketo has no "${MARKER_FIELDS.isDeleted}" field to flag the person with`, MARKER_FIELDS.isDeleted, '1006', 'config');
	}
	const label = typeLabel(table);
	const fields = ['id', MARKER_FIELDS.id, MARKER_FIELDS.type, MARKER_FIELDS.isDeleted];
	let linked = 0;
	const missingIds: string[] = [];
	const applied: number[] = [];
	const failed: ReconcileResult['failed'] = [];
	let pending: IDataObject[] = [];

	const settle = async () => {
		if (!pending.length) return;
		const persons = pending;
		pending = [];
		const { entitySet, key } = ENTITY[table];
		const rows = await getByKeysInOneCall(ctx, { entitySet, keyColumn: key, ids: persons.map((p) => p[MARKER_FIELDS.id]), select: [key] });
		const existing = new Set(rows.map((r) => normaliseGuid(r[key])));
		const gone = persons.filter((p) => !existing.has(normaliseGuid(p[MARKER_FIELDS.id])));
		if (!gone.length) return;
		const targets = gone.map((p) => ({ leadId: toLeadId(p.id)!, dynamicsId: normaliseGuid(p[MARKER_FIELDS.id])! }));
		missingIds.push(...targets.map((t) => t.dynamicsId));
		if (policy === 'delete') {
			const results = await deleteLeads(ctx, targets.map((t) => t.leadId));
			targets.forEach((t, k) => {
				const r = results[k];
				if (r?.status === 'deleted' || r?.reasons?.[0]?.code === '1004') applied.push(t.leadId);
				else failed.push({ marketoId: t.leadId, dynamicsId: t.dynamicsId, message: reasonsText(r?.reasons, r?.status), code: r?.reasons?.[0]?.code ?? '' });
			});
		} else {
			const results = await updatePersonsById(ctx, targets.map((t, k) => ({ key: k, leadId: t.leadId, values: { [MARKER_FIELDS.isDeleted]: true } })));
			targets.forEach((t, k) => {
				const r = results.get(k);
				if (r?.status === 'updated') applied.push(t.leadId);
				else failed.push({ marketoId: t.leadId, dynamicsId: t.dynamicsId, message: reasonsText(r?.reasons, r?.status), code: r?.reasons?.[0]?.code ?? '' });
			});
		}
	};

	let empty = 0;
	for (let from = 1; empty < EMPTY_WINDOWS_TO_STOP; from += IDS_PER_CALL) {
		const ids = Array.from({ length: IDS_PER_CALL }, (_, k) => from + k);
		const page = await getLeadsBy(ctx, 'id', ids, fields);
		empty = page.length ? 0 : empty + 1;
		for (const person of page) {
			// Only persons linked as this table: an untyped link could be a row of the other table.
			if (!normaliseGuid(person[MARKER_FIELDS.id]) || tableFromType(person[MARKER_FIELDS.type]) !== table) continue;
			linked++;
			if (person[MARKER_FIELDS.isDeleted] === true) continue;
			pending.push(person);
		}
		if (pending.length >= CHECK_CHUNK) await settle();
	}
	await settle();

	return {
		json: {
			status: 'reconciled',
			table,
			personType: label,
			linkedPersons: linked,
			missingInDynamics: missingIds.length,
			[policy === 'delete' ? 'deleted' : 'flagged']: applied.length,
			dynamicsIds: missingIds.slice(0, LISTED_IDS),
			marketoIds: applied.slice(0, LISTED_IDS),
		},
		failed,
	};
}
