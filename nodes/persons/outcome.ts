import { NodeApiError, NodeOperationError, type IDataObject, type IExecuteFunctions, type INodeExecutionData, type JsonObject } from 'n8n-workflow';

import { recordLabel, RecordError, type FailureSource, type RecordRef } from './records';

export interface Failure {
	message: string;
	field?: string;
	code?: string;
	source: FailureSource;
	/** Extra facts for the error output's `details` (never secrets). */
	details?: IDataObject;
	/** The message already names the record ("Item 3 (Dynamics lead …): …"): used as it is. */
	named?: boolean;
}

/** What happened to one input item: a success item's json, or a failure. */
export interface ItemOutcome {
	ref: RecordRef;
	json?: IDataObject;
	failure?: Failure;
	/**
	 * With a failure: the item the next node still needs (on the main output, next to the error
	 * item), e.g. a Resolve Conflict item whose Marketo write goes on after Dynamics rejected its own.
	 */
	forwarded?: IDataObject;
}

export function failureFrom(error: unknown, source: FailureSource = 'input'): Failure {
	if (error instanceof RecordError) return { message: error.message, field: error.field, code: error.code, source: error.source };
	const e = error as { apiMessage?: string; message?: string; code?: string; status?: number };
	return { message: e.apiMessage ?? e.message ?? String(error), code: e.code ? String(e.code) : e.status ? String(e.status) : '', source };
}

/** The error text users see: which record, then what went wrong. */
function failureMessage(outcome: ItemOutcome): string {
	if (outcome.failure?.named) return outcome.failure.message;
	return `${recordLabel(outcome.ref)}: ${outcome.failure?.message ?? 'failed'}`;
}

/**
 * The error output's `details`: small and the same in every node: the field and code at fault,
 * where it failed, the record's ids and e-mail, the item's index; then the failure's own facts.
 */
function failureDetails(outcome: ItemOutcome): IDataObject {
	const f = outcome.failure!;
	const ref = outcome.ref;
	const details: IDataObject = {};
	if (f.field) details.field = f.field;
	if (f.code) details.code = f.code;
	details.source = f.source;
	if (ref.table) details.table = ref.table;
	if (ref.dynamicsId) details.dynamicsId = ref.dynamicsId;
	if (ref.marketoId !== undefined) details.marketoId = ref.marketoId;
	if (ref.email) details.email = ref.email;
	details.itemIndex = ref.index;
	return { ...details, ...(f.details ?? {}) };
}

/**
 * The one emitter of every node of this package: turns outcomes into exactly one output item per
 * input item, in input order, each paired with its input (plus, for a failed item that still goes
 * on, its `forwarded` item). Failures become error-output items `{error, details}` when the node
 * continues on fail; otherwise the first failure is thrown with its item index (after every other
 * item was handled). n8n puts the input item's fields before `error` and `details` on the error
 * output (WorkflowExecute.handleNodeErrorOutput merges the paired input in); the template's
 * "Failed records" keeps only these two.
 */
export function emitOutcomes(ctx: IExecuteFunctions, outcomes: ItemOutcome[]): INodeExecutionData[] {
	const out: INodeExecutionData[] = [];
	const continueOnFail = ctx.continueOnFail();
	let firstFailure: ItemOutcome | undefined;
	for (const outcome of outcomes) {
		const pairedItem = { item: outcome.ref.index };
		if (!outcome.failure) {
			out.push({ json: outcome.json ?? {}, pairedItem });
			continue;
		}
		firstFailure ??= outcome;
		if (!continueOnFail) continue;
		if (outcome.forwarded) out.push({ json: outcome.forwarded, pairedItem });
		const details = failureDetails(outcome);
		out.push({ json: { error: failureMessage(outcome), details }, pairedItem });
	}
	if (firstFailure && !continueOnFail) {
		const f = firstFailure.failure!;
		const message = failureMessage(firstFailure);
		const itemIndex = firstFailure.ref.index;
		const failed = outcomes.filter((o) => o.failure).length;
		const description = failed > 1 ? `${failed} items failed; the others were processed. Turn on "On Error: Continue (using error output)" to get one error item per failed record.` : undefined;
		if (f.source === 'marketo' || f.source === 'dynamics') {
			throw new NodeApiError(ctx.getNode(), { message, code: f.code ?? '' } as JsonObject, { message, description, itemIndex });
		}
		throw new NodeOperationError(ctx.getNode(), message, { itemIndex, description });
	}
	return out;
}
