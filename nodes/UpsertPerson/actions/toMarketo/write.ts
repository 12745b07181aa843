import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS, typeLabel } from '../../../mapping/defaultMappings';
import { failureFrom, fieldFromMessage, toLeadId } from '../../../persons';
import { keptText, withoutRejected, writesMoreThanLink } from '../../../persons/pipeline';
import { reasonsText } from '../../../records/values';
import { syncLeads, type RecordResult } from '../../../transport/marketoApi';
import type { Prepared } from './prepare';

/** Upserts the persons not yet written, one call per 300 per lookup field, and maps the results back. */
export async function upsertGroups(ctx: IExecuteFunctions, prepared: Prepared[]): Promise<void> {
	const groups = new Map<string, Prepared[]>();
	for (const p of prepared) if (!p.written) groups.set(p.lookupField, [...(groups.get(p.lookupField) ?? []), p]);
	for (const [lookupField, group] of groups) {
		let results;
		try {
			results = await syncLeads(ctx, group.map((p) => p.record), { action: lookupField === 'id' ? 'updateOnly' : 'createOrUpdate', lookupField, linkField: MARKER_FIELDS.id });
		} catch (error) {
			for (const p of group) p.outcome.failure = failureFrom(error, 'marketo');
			continue;
		}
		group.forEach((p, k) => applyResult(p, results[k], lookupField));
		await retryWithoutRejected(ctx, group, results, lookupField);
	}
}

/**
 * Marketo rejects a whole person when one field is invalid. For a Resolve Conflict item the other
 * fields still belong in Marketo: they are written again without the rejected ones, in one more call
 * for the batch, and the state keeps the old base for the rejected fields (so their value stays
 * where its user put it, and is tried and reported again with the next change). The failure is
 * still reported; the item also goes on as written.
 */
async function retryWithoutRejected(ctx: IExecuteFunctions, group: Prepared[], results: RecordResult[], lookupField: string): Promise<void> {
	const retries: Array<{ p: Prepared; record: IDataObject; rejected: string[] }> = [];
	group.forEach((p, k) => {
		if (!p.resolved || !p.outcome.failure) return;
		const rejected = [...new Set((results[k]?.reasons ?? []).map((r) => fieldFromMessage(r.message)).filter((f): f is string => !!f))];
		if (!rejected.length || rejected.some((f) => f === lookupField || !(f in p.record))) return;
		const record = withoutRejected(p.record, p.resolved, rejected);
		if (writesMoreThanLink(record)) retries.push({ p, record, rejected });
	});
	if (!retries.length) return;
	let again: RecordResult[];
	try {
		again = await syncLeads(ctx, retries.map((r) => r.record), { action: lookupField === 'id' ? 'updateOnly' : 'createOrUpdate', lookupField, linkField: MARKER_FIELDS.id });
	} catch {
		return; // the first rejection is already reported; nothing else was written
	}
	retries.forEach(({ p, rejected }, k) => {
		const r = again[k];
		if (r?.status !== 'created' && r?.status !== 'updated') return;
		p.outcome.forwarded = { ...successJson(p, r, lookupField), notWritten: rejected };
		p.outcome.failure!.message += `; the person's other fields were written, ${keptText(rejected, 'Marketo')}`;
	});
}

function successJson(p: Prepared, r: RecordResult, lookupField: string): IDataObject {
	const ref = p.outcome.ref;
	const marketoId = toLeadId(r.id);
	if (marketoId !== undefined) ref.marketoId = marketoId;
	return {
		...(p.outcome.json ?? {}),
		status: r.status,
		marketoId,
		...(ref.dynamicsId ? { dynamicsId: ref.dynamicsId, personType: typeLabel(p.table) } : {}),
		...(ref.email ? { email: ref.email } : {}),
		lookupField,
	};
}

/** Marketo's answer for one record onto its item: written, or a failure naming the field. */
export function applyResult(p: Prepared, r: RecordResult | undefined, lookupField: string): void {
	if (r && (r.status === 'created' || r.status === 'updated')) {
		p.outcome.json = successJson(p, r, lookupField);
		return;
	}
	const message = reasonsText(r?.reasons, r?.status);
	p.outcome.failure = {
		message: `Marketo rejected the person: ${message}`,
		field: fieldFromMessage(message) ?? (r?.reasons?.[0]?.code === '1007' ? lookupField : undefined),
		code: r?.reasons?.[0]?.code ?? '',
		source: 'marketo',
	};
}
