import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ConflictPolicy, SystemName } from '../../conflict/resolve';
import { DEFAULT_MAPPINGS, MARKER_FIELDS, type FieldMapping, type PersonTable } from '../../mapping/defaultMappings';
import { DEFAULT_SYNC_FILTER } from '../../mapping/syncFilter';

export type CollisionRule = 'native' | 'dynamicsWins' | 'marketoWins' | 'mostRecent' | 'perField';

export interface ResolveSettings {
	mappings: Record<PersonTable, FieldMapping[]>;
	rules: Record<PersonTable, CollisionRule>;
	owners: Record<string, SystemName>;
	syncFilterField: string;
	syncStateField: string;
}

/** Every Marketo field of the default lead and contact mappings, for the field pickers. */
export function defaultMappedFields(): FieldMapping[] {
	const seen = new Map<string, FieldMapping>();
	for (const m of [...DEFAULT_MAPPINGS.lead, ...DEFAULT_MAPPINGS.contact]) if (!seen.has(m.marketo)) seen.set(m.marketo, m);
	return [...seen.values()];
}

function mappingsFor(table: PersonTable, selection: string, selected: string[], extra: FieldMapping[]): FieldMapping[] {
	const chosen = new Set(selected);
	const base = DEFAULT_MAPPINGS[table].filter((m) => selection !== 'selected' || chosen.has(m.marketo));
	const replaced = base.filter((d) => !extra.some((m) => m.marketo === d.marketo || m.dynamics === d.dynamics));
	return [...replaced, ...extra];
}

/** The node's parameters for one item. */
export function readSettings(ctx: IExecuteFunctions, itemIndex: number): ResolveSettings {
	const selection = ctx.getNodeParameter('fieldSelection', itemIndex, 'all') as string;
	const selected = selection === 'selected' ? (ctx.getNodeParameter('fields', itemIndex, []) as string[]) : [];
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	const extra = (((options.additionalFields as IDataObject | undefined)?.field as IDataObject[] | undefined) ?? [])
		.map((f) => ({
			marketo: String(f.marketoField ?? '').trim(),
			dynamics: String(f.dynamicsColumn ?? '').trim(),
			direction: f.direction === 'toMarketo' ? ('toMarketo' as const) : ('both' as const),
		}))
		.filter((m) => m.marketo && m.dynamics);
	const rules = {
		lead: ctx.getNodeParameter('leadRule', itemIndex, 'native') as CollisionRule,
		contact: ctx.getNodeParameter('contactRule', itemIndex, 'native') as CollisionRule,
	};
	const owners: Record<string, SystemName> = {};
	if (rules.lead === 'perField' || rules.contact === 'perField') {
		const entries = ((ctx.getNodeParameter('fieldOwners', itemIndex, {}) as IDataObject).owner as IDataObject[] | undefined) ?? [];
		for (const entry of entries) {
			const field = String(entry.field ?? '').trim();
			if (field) owners[field] = entry.system === 'marketo' ? 'marketo' : 'dynamics';
		}
	}
	return {
		mappings: { lead: mappingsFor('lead', selection, selected, extra), contact: mappingsFor('contact', selection, selected, extra) },
		rules,
		owners,
		syncFilterField: String(options.syncFilterField ?? DEFAULT_SYNC_FILTER).trim(),
		syncStateField: String(options.syncStateField || MARKER_FIELDS.syncState).trim(),
	};
}

export function policyFor(settings: ResolveSettings, table: PersonTable): ConflictPolicy {
	switch (settings.rules[table]) {
		case 'dynamicsWins':
			return { kind: 'systemWins', system: 'dynamics' };
		case 'marketoWins':
			return { kind: 'systemWins', system: 'marketo' };
		case 'mostRecent':
			return { kind: 'mostRecent' };
		case 'perField':
			return { kind: 'perField', owners: settings.owners };
		default:
			return { kind: 'entityDefault' };
	}
}
