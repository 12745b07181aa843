import type { ChangeDetection } from '../../persons/itemShapes';
import { DataverseApiError } from '../../transport/dataverse';
import type { FieldPlan } from './fields';
import type { DynamicsCursor } from './state';

/** Why the cursor cannot simply continue, when the table's columns or change tracking changed. */
export function resyncReason(cursor: DynamicsCursor, plan: FieldPlan, mode: ChangeDetection): string | undefined {
	if (cursor.mode === 'changeTracking' && mode === 'modifiedOn') {
		return 'change tracking is no longer available for the table, so it is read again by modified date';
	}
	if (!cursor.select) return undefined;
	const before = new Set(cursor.select);
	const now = new Set(plan.select);
	const removed = cursor.select.filter((c) => !now.has(c));
	const added = plan.select.filter((c) => !before.has(c));
	if (!removed.length && !added.length) return undefined;
	const parts = [
		...(removed.length ? [`column(s) ${removed.join(', ')} no longer exist`] : []),
		...(added.length ? [`column(s) ${added.join(', ')} are new`] : []),
	];
	return `${parts.join(' and ')}, so every record is read again with the current columns`;
}

/** A Dataverse answer saying a column in the query does not exist (the table changed under us). */
export function isSchemaDrift(error: unknown): boolean {
	return error instanceof DataverseApiError && error.status === 400 && /property|attribute|column/i.test(error.apiMessage);
}
