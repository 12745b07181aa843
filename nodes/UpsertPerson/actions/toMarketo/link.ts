import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { MARKER_FIELDS } from '../../../mapping/defaultMappings';
import { failureFrom, findMarketoBy, textOf, toLeadId } from '../../../persons';
import { syncLeads } from '../../../transport/marketoApi';
import type { Prepared } from './prepare';
import { applyResult } from './write';

/**
 * "Automatic" lookup for items with a Dynamics id: use Microsoft ID when a person is linked to the
 * record; otherwise, when exactly one person has the email and is not linked to another record,
 * update (and so link) that person by email instead of creating a second one.
 */
export async function linkUnlinkedPersons(ctx: IExecuteFunctions, prepared: Prepared[]): Promise<void> {
	const byId = prepared.filter((p) => p.autoById);
	if (!byId.length) return;
	try {
		await linkByEmail(ctx, byId);
	} catch (error) {
		// Without the look-up the node cannot tell a new person from one to link: fail those items visibly.
		for (const p of byId) if (!p.written) p.outcome.failure = failureFrom(error, 'marketo');
		prepared.splice(0, prepared.length, ...prepared.filter((p) => !p.outcome.failure && !p.written));
	}
}

async function linkByEmail(ctx: IExecuteFunctions, byId: Prepared[]): Promise<void> {
	// Resolve Conflict's "createInMarketo" comes from the same look-up moments ago: asking Marketo
	// again would cost a call per 300 records for nothing (the upsert still dedupes on Microsoft ID).
	const toCheck = byId.filter((p) => !p.knownUnlinked);
	const linked = toCheck.length ? await findMarketoBy(ctx, MARKER_FIELDS.id, toCheck.map((p) => String(p.record[MARKER_FIELDS.id])), ['email']) : new Map<string, IDataObject[]>();
	const unlinked = byId.filter((p) => !linked.has(String(p.record[MARKER_FIELDS.id]).toLowerCase()));
	for (const p of byId) {
		const persons = linked.get(String(p.record[MARKER_FIELDS.id]).toLowerCase());
		if (persons?.length === 1 && p.outcome.ref.marketoId === undefined) p.outcome.ref.marketoId = toLeadId(persons[0].id);
	}
	const withEmail = unlinked.filter((p) => typeof p.record.email === 'string' && p.record.email !== '');
	const emailTaken = await createWhereEmailIsNew(ctx, withEmail.filter((p) => p.knownUnlinked));
	const toLookUp = [...withEmail.filter((p) => !p.knownUnlinked), ...emailTaken];
	if (!toLookUp.length) return;
	const byEmail = await findMarketoBy(ctx, 'email', toLookUp.map((p) => String(p.record.email)), [MARKER_FIELDS.id]);
	for (const p of toLookUp) {
		const persons = byEmail.get(String(p.record.email).toLowerCase()) ?? [];
		if (persons.length === 1 && !textOf(persons[0][MARKER_FIELDS.id])) {
			p.lookupField = 'email';
			p.outcome.ref.marketoId ??= toLeadId(persons[0].id);
		}
	}
}

/**
 * New persons (no person linked, as Resolve Conflict just saw) are created in the same call that
 * checks their email: `createOnly` by email creates where Marketo has no person with that email.
 * Only those whose email Marketo already has (1005) need the look-up, so an initial copy costs one
 * call per 300 persons instead of two. Returns the ones whose email was taken.
 */
async function createWhereEmailIsNew(ctx: IExecuteFunctions, fresh: Prepared[]): Promise<Prepared[]> {
	if (!fresh.length) return [];
	const results = await syncLeads(ctx, fresh.map((p) => p.record), { action: 'createOnly', lookupField: 'email', linkField: MARKER_FIELDS.id });
	const taken: Prepared[] = [];
	fresh.forEach((p, k) => {
		const r = results[k];
		if (r?.status === 'skipped' && r.reasons?.some((reason) => reason.code === '1005')) taken.push(p);
		else {
			applyResult(p, r, p.lookupField);
			p.written = true;
		}
	});
	return taken;
}

