import type { IDataObject } from 'n8n-workflow';

import { toMarketoValue } from '../persons/values';
import type { ApiContext } from '../transport/context';
import { describeObject, OBJECT_PATHS, recentlyWritten, sameValues, syncObjects, type MarketoField, type RecentWrite, type RecordResult } from '../transport/marketoApi';
import type { RecordStatus } from './types';
import { errorMessage, reasonsText } from './values';

const OBJECT_LABELS: Record<string, string> = {
	[OBJECT_PATHS.companies]: 'company',
	[OBJECT_PATHS.salespersons]: 'sales person',
	[OBJECT_PATHS.opportunities]: 'opportunity',
	[OBJECT_PATHS.opportunityRoles]: 'opportunity role',
};

export function objectLabel(path: string): string {
	return OBJECT_LABELS[path] ?? `custom object ${path.split('/').pop()}`;
}

/** A Marketo object type's fields by name (describe). */
export type ObjectSchema = Map<string, MarketoField>;

/**
 * Fields of a Marketo object type (the transport's describe, cached by its one policy): a mapped
 * field that Marketo lacks is left out and reported, and values are checked before they are sent.
 * Without a describe (it failed) records go as they are and Marketo judges them.
 */
export async function objectSchema(ctx: ApiContext, path: string): Promise<ObjectSchema | undefined> {
	try {
		const { fields } = await describeObject(ctx, path);
		return new Map(fields.map((f) => [f.name, f]));
	} catch {
		return undefined;
	}
}

/** Drops fields Marketo's object lacks; returns the names dropped. */
export function keepKnownFields(record: IDataObject, known: ObjectSchema | undefined): string[] {
	if (!known) return [];
	const dropped: string[] = [];
	for (const key of Object.keys(record)) {
		if (!known.has(key)) {
			dropped.push(key);
			delete record[key];
		}
	}
	return dropped;
}

/**
 * Checks values against the object's field types and lengths with the one Marketo value rule
 * (persons/values `toMarketoValue`); returns one line per value Marketo would refuse, naming the
 * field and the Dynamics column it came from, when known.
 */
export function checkValues(record: IDataObject, known: ObjectSchema | undefined, sourceOf: (field: string) => string | undefined = () => undefined): string[] {
	if (!known) return [];
	const problems: string[] = [];
	for (const [key, value] of Object.entries(record)) {
		const field = known.get(key);
		if (!field) continue;
		try {
			toMarketoValue(key, field, value);
		} catch (error) {
			const from = sourceOf(key);
			problems.push(`${errorMessage(error)}${from ? ` (from Dynamics column "${from}")` : ''}`);
		}
	}
	return problems;
}

/** A write result, or the problems that kept the record from being sent. */
export type CheckedResult = RecordResult | { status: 'invalid'; problems: string[] };

/** A record left unsent: this instance wrote the same values to Marketo moments ago. */
const UNCHANGED = 'unchanged';

/**
 * Sends the records whose values fit Marketo's field types (≤300 a call, by the transport) and
 * returns one result per record: a record that fails the check gets its problems, unsent. Unless
 * `skipUnchanged` is off, a record whose values this instance wrote lately (under `keyField`, the
 * transport's recent writes) is not sent again: an execution of the same minute (e.g. one that
 * created it for a reference) wrote exactly these values. A changed value differs and is sent.
 */
export async function writeValid(
	ctx: ApiContext,
	path: string,
	records: IDataObject[],
	problemsOf: (record: IDataObject, k: number) => string[],
	{ keyField, skipUnchanged = true }: { keyField: string; skipUnchanged?: boolean },
): Promise<CheckedResult[]> {
	const out: CheckedResult[] = new Array(records.length);
	const recent = skipUnchanged ? await recentlyWritten(ctx, path, records.map((r) => String(r[keyField]))) : new Map<string, RecentWrite>();
	const toSend: number[] = [];
	records.forEach((record, k) => {
		const problems = problemsOf(record, k);
		const written = recent.get(String(record[keyField]));
		if (problems.length) out[k] = { status: 'invalid', problems };
		else if (written?.values === sameValues(record)) out[k] = { status: UNCHANGED, id: written.id, raw: { id: written.id } };
		else toSend.push(k);
	});
	if (toSend.length) {
		const results = await syncObjects(ctx, path, toSend.map((k) => records[k]), { rememberBy: keyField });
		toSend.forEach((k, j) => (out[k] = results[j]));
	}
	return out;
}

/** A Marketo per-record write result as our status, with Marketo's reasons for a refusal. */
export function writeStatus(result: RecordResult | undefined): { status: RecordStatus; reason: string; id?: string | number } {
	if (!result) return { status: 'failed', reason: 'Marketo returned no result for this record' };
	const id = (result.raw.marketoGUID ?? result.raw.id) as string | number | undefined;
	if (result.status === 'created') return { status: 'created', reason: '', id };
	if (result.status === 'updated') return { status: 'updated', reason: '', id };
	if (result.status === 'deleted') return { status: 'deleted', reason: '', id };
	// As for a role Marketo has already: the record holds the Dynamics values, so it counts as updated.
	if (result.status === UNCHANGED) return { status: 'updated', reason: 'already in Marketo with these values (this n8n instance wrote them moments ago)', id };
	return { status: 'failed', reason: reasonsText(result.reasons, result.status) };
}

/** Status of a writeValid result; `invalid` when the check kept it from being sent. */
export function checkedStatus(result: CheckedResult | undefined): { status: RecordStatus; reason: string; id?: string | number; invalid: boolean } {
	if (result && 'problems' in result) return { status: 'failed', reason: result.problems.join('; '), invalid: true };
	return { ...writeStatus(result), invalid: false };
}

/** A delete result: "not found" (1013) is not a failure, the object is gone either way. */
export function deleteStatus(result: RecordResult | undefined): { status: RecordStatus; reason: string } {
	if (result?.status === 'deleted') return { status: 'deleted', reason: '' };
	if (result?.reasons?.some((r) => r.code === '1013')) return { status: 'skipped', reason: 'not in Marketo (nothing to delete)' };
	return { status: 'failed', reason: reasonsText(result?.reasons, result?.status) };
}
