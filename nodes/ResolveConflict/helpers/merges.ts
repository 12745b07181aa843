import type { IDataObject } from 'n8n-workflow';

import { MARKER_FIELDS, type PersonTable } from '../../mapping/defaultMappings';
import { syncFilterValue } from '../../mapping/syncFilter';
import { PERSON_TABLE_NAMES } from '../../persons/tables';
import type { Change } from './change';
import { guarded, hasColumn, type ResolveContext } from './context';
import { decided, type Outcomes } from './output';

/** A row the CRM merged into another (the loser), with its Marketo person if it has one. */
export interface MergedRow {
	change: Change;
	entity: PersonTable;
	loserId: string;
	winnerId?: string;
	person?: IDataObject;
}

function mergeReason(ctx: ResolveContext, m: MergedRow, winner: IDataObject | undefined, winnerSyncs: boolean): string {
	const crm = ctx.crm.name;
	const filter = m.change.settings.syncFilterField;
	if (!m.winnerId) return `this ${m.entity} was merged away in ${crm}; the winning record is not known`;
	if (!winner) return `this ${m.entity} was merged into ${m.winnerId}, which no longer exists in ${crm}`;
	return `this ${m.entity} was merged into ${m.winnerId} in ${crm}; the winner's sync filter (${filter}) ${winnerSyncs ? 'is Yes or empty: the winner keeps syncing' : 'is No: the winner does not sync'}`;
}

/** Loser rows of a CRM merge: the winner's sync filter decides whether the winner syncs. */
export async function resolveMerges(ctx: ResolveContext, merges: MergedRow[], outcomes: Outcomes): Promise<void> {
	for (const table of PERSON_TABLE_NAMES) {
		const group = merges.filter((m) => m.entity === table);
		if (!group.length) continue;
		const filterColumns = [...new Set(group.map((m) => m.change.settings.syncFilterField))].filter((c) => hasColumn(ctx, table, c));
		let winners = new Map<string, IDataObject>();
		const ok = await guarded(
			ctx,
			group.map((m) => m.change),
			outcomes,
			`Could not read the winning ${ctx.crm.name} ${table}s of merges`,
			'dynamics',
			async () => {
				winners = await ctx.crm.readPersons(table, group.map((m) => m.winnerId).filter((id): id is string => !!id), filterColumns);
			},
		);
		if (!ok) continue;
		for (const m of group) {
			const winner = m.winnerId ? winners.get(m.winnerId) : undefined;
			const winnerSyncs = !!winner && syncFilterValue(winner[m.change.settings.syncFilterField]) !== false;
			const flag: IDataObject = {};
			if (m.person && ctx.marketoFields.has(MARKER_FIELDS.isDeleted)) flag[MARKER_FIELDS.isDeleted] = true;
			outcomes[m.change.index] = decided(m.change, table, {
				action: 'mergedAway',
				reason: mergeReason(ctx, m, winner, winnerSyncs),
				dynamicsId: m.loserId,
				marketoId: m.person ? Number(m.person.id) : null,
				toMarketo: flag,
				syncState: m.person ? String(m.person[m.change.settings.syncStateField] ?? '') : '',
				mergedInto: m.winnerId ?? null,
				winnerSyncs,
			});
		}
	}
}
