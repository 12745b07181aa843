import type { CrmPort } from '../../crm';
import type { PersonTable } from '../../mapping/defaultMappings';
import type { ResolveOutput } from '../../persons/itemShapes';
import type { ItemOutcome } from '../../persons/outcome';
import type { FailureSource } from '../../persons/records';
import type { Change } from './change';

/** Per input item, in input order; a hole is an item not decided yet. */
export type Outcomes = ItemOutcome[];

/** The decision for one change. */
export function decided(change: Change, entity: PersonTable | null, values: Partial<ResolveOutput>): ItemOutcome {
	const json: ResolveOutput = {
		entity,
		source: change.source,
		dynamicsId: change.source === 'dynamics' ? change.id : null,
		marketoId: change.source === 'marketo' ? change.leadId : null,
		action: 'none',
		reason: '',
		toMarketo: {},
		toDynamics: {},
		merged: {},
		collisions: [],
		syncState: '',
		...values,
	};
	return { ref: { index: change.index }, json };
}

export function skipped(change: Change, entity: PersonTable | null, reason: string, extra: Partial<ResolveOutput> = {}): ItemOutcome {
	return decided(change, entity, { action: 'skip', reason, ...extra });
}

/** "Item 3 (Dynamics lead <id>)" / "Item 4 (Marketo person 12)": names the record in errors. */
export function recordName(crm: CrmPort, change: Change): string {
	return `Item ${change.index + 1} (${change.source === 'dynamics' ? `${crm.name} ${change.entity} ${change.id}` : `Marketo person ${change.leadId}`})`;
}

/** A failed change: `message` already names the record (see recordName); the error output carries its ids. */
export function failed(change: Change, message: string, source: FailureSource, field?: string): ItemOutcome {
	const ids = change.source === 'dynamics' ? { dynamicsId: change.id } : { marketoId: change.leadId };
	return { ref: { index: change.index, ...ids }, failure: { message, field, source, named: true } };
}

/** An item that could not be read as a change. */
export function unreadable(index: number, message: string, field?: string): ItemOutcome {
	return { ref: { index }, failure: { message, field, source: 'input', named: true } };
}
