import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { CrmPort } from '../../crm';
import { MARKER_FIELDS, typeLabel } from '../../mapping/defaultMappings';
import { normaliseGuid, RecordError, tableFromType, textOf, toLeadId } from '../../persons';
import { getLeadsBy } from '../../transport/marketoApi';
import { applyPolicy, policyProblem, type DeletePolicy } from './marketoPolicy';

/** Marketo ids per `leads.json?filterType=id` call (its filterValues limit). */
const IDS_PER_CALL = 300;
/**
 * Windows of 300 ids with no person at all after which the scan ends. Marketo assigns lead ids in
 * ascending order, so a long empty stretch means the end; 20 windows (6,000 ids) keep the cost of
 * finding the end at 20 calls. A mass delete of more than 6,000 consecutive persons would end the
 * scan early (the persons created after them are then not reconciled this time).
 */
const EMPTY_WINDOWS_TO_STOP = 20;
/** Linked persons checked in the CRM per read (Dynamics: one `$batch` of 50-id GET parts, so 60 parts). */
const CHECK_CHUNK = 3000;
/** Dynamics ids listed in the result item (the counts are always complete). */
const LISTED_IDS = 100;

interface ReconcileResult {
	json: IDataObject;
	/** Persons the policy could not be applied to: reported on the error output. */
	failed: Array<{ marketoId: number; dynamicsId: string; message: string; code: string }>;
}

/**
 * After the Dynamics 365 Trigger read a whole lead or contact table (initial copy, or the resync
 * after an expired change-tracking token), deletes that happened meanwhile never came as delete
 * items. This lists the Marketo persons linked to the table (Get Leads by Filter Type on `id`, the
 * searchable standard field, 300 ids per call: there is no documented way to list a custom field's
 * matches beyond 1,000), asks the CRM which of their rows still exist (one read per 3,000),
 * and applies the delete policy to the rest. Persons whose row exists are not written.
 */
export async function reconcileTable(ctx: IExecuteFunctions, crm: CrmPort, tableValue: unknown, policy: DeletePolicy): Promise<ReconcileResult> {
	const table = tableFromType(tableValue);
	if (!table) throw new RecordError(`The reconciliation item names no person table ("${textOf(tableValue)}"): expected lead or contact`, 'table', 'format');
	const hasDynamics = await ctx.getCredentials('microsoftDynamicsApi').then(
		() => true,
		() => false,
	);
	if (!hasDynamics) {
		throw new RecordError('The reconciliation after a full copy needs the Dynamics 365 credential on this node, to check which linked rows still exist', 'microsoftDynamicsApi', 'config', 'config');
	}
	const problem = await policyProblem(ctx, policy);
	if (problem) throw problem;
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
		const rows = await crm.readPersons(table, persons.map((p) => normaliseGuid(p[MARKER_FIELDS.id])!), []);
		const gone = persons.filter((p) => !rows.has(normaliseGuid(p[MARKER_FIELDS.id])!));
		if (!gone.length) return;
		const targets = gone.map((p) => ({ leadId: toLeadId(p.id)!, dynamicsId: normaliseGuid(p[MARKER_FIELDS.id])! }));
		missingIds.push(...targets.map((t) => t.dynamicsId));
		const results = await applyPolicy(ctx, policy, targets.map((t) => t.leadId));
		targets.forEach((t, k) => {
			const r = results[k];
			if (r.done) applied.push(t.leadId);
			else failed.push({ marketoId: t.leadId, dynamicsId: t.dynamicsId, message: r.reason, code: r.code });
		});
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
