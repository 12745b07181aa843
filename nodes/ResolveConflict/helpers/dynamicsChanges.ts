import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS, typeLabel, type PersonTable } from '../../mapping/defaultMappings';
import { excludedByFilter } from '../../mapping/syncFilter';
import { getLeadsBy } from '../../transport/marketoApi';
import type { DynamicsChange } from './change';
import { guarded, marketoViewOf, usableMappings, type ResolveContext } from './context';
import { resolveMerges } from './merges';
import { createInMarketo } from './newPerson';
import { skipped, type Outcomes } from './output';
import { resolvePair } from './pair';
import { personOfOriginatingLead } from './qualify';

/** The person linked to a CRM record: the one of the right type first, then the oldest. */
function pickPerson(persons: IDataObject[], entity: PersonTable): IDataObject | undefined {
	const label = typeLabel(entity).toLowerCase();
	return [...persons].sort((a, b) => {
		const ta = String(a[MARKER_FIELDS.type] ?? '').toLowerCase() === label ? 0 : 1;
		const tb = String(b[MARKER_FIELDS.type] ?? '').toLowerCase() === label ? 0 : 1;
		return ta - tb || Number(a.id) - Number(b.id);
	})[0];
}

/** Marketo persons carrying these Microsoft Ids (one call per 300), by id. */
async function personsByMicrosoftId(ctx: ResolveContext, ids: string[], readFields: string[]): Promise<Map<string, IDataObject[]>> {
	const byId = new Map<string, IDataObject[]>();
	for (const person of await getLeadsBy(ctx.fn, MARKER_FIELDS.id, [...new Set(ids)], readFields)) {
		const id = ctx.crm.rowId(person[MARKER_FIELDS.id]);
		if (id) byId.set(id, [...(byId.get(id) ?? []), person]);
	}
	return byId;
}

/** Changes that came from the CRM: each is compared with its Marketo person (looked up by Microsoft Id). */
export async function resolveDynamicsChanges(ctx: ResolveContext, changes: DynamicsChange[], readFields: string[], outcomes: Outcomes): Promise<void> {
	const crm = ctx.crm;
	const lookups: DynamicsChange[] = [];
	const merges: DynamicsChange[] = [];
	for (const change of changes) {
		const filter = change.settings.syncFilterField;
		if (change.deleted) {
			outcomes[change.index] = skipped(change, change.entity, `the ${change.entity} was deleted in ${crm.name}: deletes are handled by Delete Person`);
		} else if (crm.rowFacts(change.entity, change.fields).mergedAway) {
			merges.push(change);
			lookups.push(change);
		} else if (excludedByFilter(change.json, change.fields, filter)) {
			outcomes[change.index] = skipped(change, change.entity, `the sync filter (${filter}) of this ${change.entity} is No: it is not synced, and its Marketo person is left as it is`);
		} else {
			lookups.push(change);
		}
	}
	if (!lookups.length) return;
	let byMicrosoftId = new Map<string, IDataObject[]>();
	const ok = await guarded(ctx, lookups, outcomes, 'Could not look up the Marketo persons', 'marketo', async () => {
		// A qualified contact's originating lead is read in the same call: its person may be the one to relink.
		const leads = lookups.map((c) => crm.rowFacts(c.entity, c.fields).originatingLeadId).filter((id): id is string => !!id);
		byMicrosoftId = await personsByMicrosoftId(ctx, [...lookups.map((c) => c.id), ...leads], readFields);
	});
	if (!ok) return;

	await resolveMerges(
		ctx,
		merges.map((change) => ({
			change,
			entity: change.entity,
			loserId: change.id,
			winnerId: crm.rowFacts(change.entity, change.fields).mergedInto,
			person: pickPerson(byMicrosoftId.get(change.id) ?? [], change.entity),
		})),
		outcomes,
	);

	for (const change of lookups) {
		if (outcomes[change.index]) continue;
		const facts = crm.rowFacts(change.entity, change.fields);
		const persons = byMicrosoftId.get(change.id) ?? [];
		const person = pickPerson(persons, change.entity);
		const { mappings, skipped: skippedFields } = usableMappings(ctx, change.entity, change.settings);
		const dynamicsValues = marketoViewOf(ctx, change.entity, change.fields, mappings, true);
		if (person) {
			outcomes[change.index] = resolvePair(ctx, change, change.entity, {
				person,
				dynamicsValues,
				mappings,
				skipped: skippedFields,
				marketoModifiedAt: typeof person.updatedAt === 'string' ? person.updatedAt : undefined,
				dynamicsModifiedAt: change.modifiedAt ?? facts.modifiedAt,
				dynamicsId: change.id,
				warnings: persons.length > 1 ? [`${persons.length} Marketo persons carry Microsoft Id ${change.id}; using person ${String(person.id)}`] : [],
			});
			continue;
		}
		const leadPerson = personOfOriginatingLead(facts.originatingLeadId, byMicrosoftId);
		if (leadPerson) {
			// Qualify: the lead's person follows the contact (one person, its id and history kept).
			const outcome = createInMarketo(ctx, change, dynamicsValues, skippedFields, true);
			Object.assign(outcome.json!, {
				marketoId: Number(leadPerson.id),
				action: 'writeMarketo',
				reason: `qualified from ${crm.name} lead ${facts.originatingLeadId}: its Marketo person ${String(leadPerson.id)} now follows this contact`,
			});
			outcomes[change.index] = outcome;
		} else if (facts.qualified) {
			outcomes[change.index] = skipped(change, change.entity, 'the lead is qualified and no Marketo person is linked to it: its person follows the contact it was qualified into');
		} else {
			outcomes[change.index] = createInMarketo(ctx, change, dynamicsValues, skippedFields);
		}
	}
}
