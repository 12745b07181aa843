import type { IDataObject } from 'n8n-workflow';

import type { PersonTable } from '../../mapping/defaultMappings';
import type { ApiContext } from '../../transport/context';
import { DataverseApiError } from '../../transport/dataverse';
import { executeBatch, type BatchOperation } from '../../transport/dataverseApi';
import { entityPath } from '../../transport/odata';
import { PERSON_TABLES } from '../../persons/tables';

/**
 * Operations per $batch: Dataverse allows 1000. 300, the size of one Marketo call, so a batch of
 * persons costs one call on each side; smaller would multiply the calls for the same work.
 */
const OPS_PER_BATCH = 300;

export interface DynamicsWriteOp {
	/** The caller's handle (usually the item index). */
	key: number;
	kind: 'create' | 'update' | 'delete';
	table: PersonTable;
	id: string;
	body?: IDataObject;
}

export interface DynamicsWriteResult {
	ok: boolean;
	status: number;
	/** Update or delete of a record that does not exist (404). */
	notFound?: boolean;
	code?: string;
	message?: string;
	/** createdon of a created or updated record, when Dataverse returned it. */
	createdon?: string;
}

function toBatchOperation(op: DynamicsWriteOp): BatchOperation {
	const path = entityPath(PERSON_TABLES[op.table].entitySet, op.id);
	if (op.kind === 'delete') return { method: 'DELETE', path };
	return {
		method: 'PATCH',
		path: `${path}?$select=createdon`,
		body: op.body ?? {},
		headers: {
			...(op.kind === 'create' ? { 'If-None-Match': '*' } : { 'If-Match': '*' }),
			Prefer: 'return=representation',
		},
	};
}

/**
 * Runs creates, updates and deletes in $batch requests where each operation stands alone
 * (continue-on-error), and reports every operation's own outcome. A create under a client-chosen
 * id that answers 412 was already done by an earlier attempt and counts as created.
 */
export async function writeDynamics(ctx: ApiContext, ops: DynamicsWriteOp[]): Promise<Map<number, DynamicsWriteResult>> {
	const out = new Map<number, DynamicsWriteResult>();
	for (let i = 0; i < ops.length; i += OPS_PER_BATCH) {
		const slice = ops.slice(i, i + OPS_PER_BATCH);
		let results;
		try {
			results = await executeBatch(ctx, slice.map(toBatchOperation), { atomic: false });
		} catch (error) {
			const e = error as DataverseApiError;
			for (const op of slice) {
				out.set(op.key, { ok: false, status: e.status ?? 0, code: e.code ?? '', message: e.apiMessage ?? (error as Error).message });
			}
			continue;
		}
		slice.forEach((op, k) => {
			const r = results[k];
			if (!r) {
				out.set(op.key, { ok: false, status: 0, message: 'Dataverse returned no answer for this operation' });
				return;
			}
			if (r.status < 300 || (op.kind === 'create' && r.status === 412)) {
				out.set(op.key, { ok: true, status: r.status, createdon: typeof r.body?.createdon === 'string' ? r.body.createdon : undefined });
				return;
			}
			out.set(op.key, {
				ok: false,
				status: r.status,
				notFound: r.status === 404,
				code: r.error?.code ?? '',
				message: r.error?.message ?? `HTTP ${r.status}`,
			});
		});
	}
	return out;
}
