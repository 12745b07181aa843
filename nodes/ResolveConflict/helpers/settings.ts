import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { ConflictPolicy, SystemName } from '../../conflict/policy';
import { DEFAULT_MAPPINGS, MARKER_FIELDS, type FieldMapping, type PersonTable } from '../../mapping/defaultMappings';
import { DEFAULT_SYNC_FILTER } from '../../mapping/syncFilter';
import { personMappings, type MappingOverride } from '../../persons/mapping';
import { extraMappings } from '../../persons/settings';

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

/**
 * The field pairs compared for a table: the shared person mapping (defaults with the user's pairs),
 * then, under "Selected Fields", only the chosen default pairs (the user's own pairs always stay).
 */
function mappingsFor(table: PersonTable, selected: string[] | undefined, extra: MappingOverride[]): FieldMapping[] {
	const defaults = new Set(DEFAULT_MAPPINGS[table]);
	const chosen = new Set(selected);
	return personMappings(table, extra).filter((m) => !selected || !defaults.has(m) || chosen.has(m.marketo));
}

/** Version 1's "Options → Additional Fields": the user's pairs, in the shared mapping model. */
function additionalFields(options: IDataObject): MappingOverride[] {
	return (((options.additionalFields as IDataObject | undefined)?.field as IDataObject[] | undefined) ?? []).map((f) => ({
		marketo: String(f.marketoField ?? ''),
		dynamics: String(f.dynamicsColumn ?? ''),
		direction: f.direction === 'toMarketo' ? 'toMarketo' : 'both',
	}));
}

/** The node's parameters for one item. */
export function readSettings(ctx: IExecuteFunctions, itemIndex: number): ResolveSettings {
	const selection = ctx.getNodeParameter('fieldSelection', itemIndex, 'all') as string;
	const selected = selection === 'selected' ? (ctx.getNodeParameter('fields', itemIndex, []) as string[]) : undefined;
	const options = ctx.getNodeParameter('options', itemIndex, {}) as IDataObject;
	// Version 2 has the shared Extra Field Mappings, version 1 its own Additional Fields.
	const extra = [...additionalFields(options), ...extraMappings(options)];
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
		mappings: { lead: mappingsFor('lead', selected, extra), contact: mappingsFor('contact', selected, extra) },
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
