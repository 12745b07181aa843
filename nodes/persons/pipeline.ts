import type { IDataObject } from 'n8n-workflow';

import { keepBaseFor, parseSyncState, sameFingerprints, serialiseSyncState } from '../conflict/syncState';
import { MARKER_FIELDS } from '../mapping/defaultMappings';
import type { ResolvedWrites } from './itemShapes';
import { convertDefinedValues } from './mapping';
import { failureFrom, type Failure } from './outcome';
import { RecordError } from './records';

/**
 * The person pipeline between Resolve Conflict and the two writes: Dynamics first, then one Marketo
 * write with fields, link and state. The state it stores describes only values both systems hold:
 * a value either system rejects is left out of its write, and its fingerprint keeps the old base.
 */

/** Fields the link markers set on every linked person: a write of only these says nothing new. */
const LINK_FIELDS = new Set<string>(['id', MARKER_FIELDS.id, MARKER_FIELDS.type, MARKER_FIELDS.createdDate, MARKER_FIELDS.isDeleted]);

/** Values one system rejected (before or in its write), with the first failure to report. */
export interface Rejected {
	failure: Failure;
	/** The keys in that system's names. */
	keys: string[];
}

/**
 * Values of a Resolve Conflict item checked one by one against a system's schema: a value that
 * system would reject is left out (and reported) instead of failing the whole person; a missing
 * field or column (`config`), or a value in `fatalKeys`, fails it, named.
 */
export function checkedValues(
	source: IDataObject,
	target: 'marketo' | 'dynamics',
	lookups: Parameters<typeof convertDefinedValues>[2],
	fatalKeys: string[] = [],
): { values: IDataObject; rejected?: Rejected; fatal?: Failure } {
	const values: IDataObject = {};
	const keys: string[] = [];
	let first: Failure | undefined;
	for (const [key, raw] of Object.entries(source)) {
		try {
			Object.assign(values, convertDefinedValues({ [key]: raw }, target, lookups));
		} catch (error) {
			if (!(error instanceof RecordError) || error.source === 'config' || fatalKeys.includes(key)) return { values, fatal: failureFrom(error) };
			keys.push(key);
			first ??= failureFrom(error);
		}
	}
	return keys.length ? { values, rejected: { failure: first!, keys } } : { values };
}

/**
 * The state to store once the item's writes are done: `stateText` with the rejected Marketo fields
 * put back to their old base; undefined when it then says nothing the person does not hold already.
 */
export function stateToStore(resolved: ResolvedWrites, stateText: unknown, rejectedFields: string[]): string | undefined {
	const state = parseSyncState(stateText);
	if (!state) return undefined;
	const base = parseSyncState(resolved.baseSyncState);
	const kept = rejectedFields.length ? keepBaseFor(state, base, rejectedFields) : state;
	if (base && sameFingerprints(kept, base)) return undefined;
	return rejectedFields.length || typeof stateText !== 'string' ? serialiseSyncState(kept) : stateText;
}

/** A Marketo record without the fields Marketo rejected, its state keeping their old base. */
export function withoutRejected(record: IDataObject, resolved: ResolvedWrites, rejected: string[]): IDataObject {
	const out: IDataObject = { ...record };
	for (const field of rejected) delete out[field];
	if (out[resolved.syncStateField] !== undefined) {
		const state = stateToStore(resolved, out[resolved.syncStateField], rejected);
		if (state === undefined) delete out[resolved.syncStateField];
		else out[resolved.syncStateField] = state;
	}
	return out;
}

/** Whether a write still has something to say beside the link markers. */
export function writesMoreThanLink(record: IDataObject): boolean {
	return Object.keys(record).some((field) => !LINK_FIELDS.has(field));
}

/** "jobtitle kept its Dynamics value" / "email, phone kept their Marketo value". */
export function keptText(keys: string[], system: 'Marketo' | 'Dynamics'): string {
	return `${keys.join(', ')} kept ${keys.length > 1 ? 'their' : 'its'} ${system} value`;
}
