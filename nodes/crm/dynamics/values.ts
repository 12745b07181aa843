import type { IDataObject } from 'n8n-workflow';

import { anyNumber, dateTime, EMAIL_ADDRESS, isEmpty, parseNumber, plainText, show, trueOrFalse, wholeNumber } from '../../persons/values';
import { RecordError } from '../../persons/records';
import type { MarketoField } from '../../transport/marketoApi';
import type { CrmColumn } from '../port';

/** The key Dataverse uses for a column's display text (choices, lookups, money). */
function formattedKey(column: string): string {
	return `${column}@OData.Community.Display.V1.FormattedValue`;
}

const EMAIL_COLUMNS = new Set(['emailaddress1', 'emailaddress2', 'emailaddress3', 'internalemailaddress']);
const CHOICE_TYPES = new Set(['Picklist', 'State', 'Status']);
/** Column types whose values are choice numbers with labels (see transport/dataverseChoices). */
export const CHOICE_COLUMN_TYPES = new Set([...CHOICE_TYPES, 'MultiSelectPicklist']);
/**
 * How several picked labels are joined in Marketo: with ';', as Dataverse's own display text of a
 * multi-select choice does ("a semicolon-separated string containing the labels of the selected
 * options", learn.microsoft.com/power-apps/developer/data-platform/multi-select-picklist).
 */
const MARKETO_LABEL_SEPARATOR = ';';

/** A multi-select choice's raw value as the Web API gives it: comma-separated numbers ("1,3"). */
const MULTI_SELECT_RAW = /^\s*\d+(\s*,\s*\d+)*\s*$/;

/**
 * Whether a row's value is a choice (one picked or several), by the column's type; without the
 * column's metadata (the Dynamics → Marketo lane reads none), by what the row itself shows: a
 * FormattedValue beside a number is a choice's label, beside comma-separated numbers a
 * multi-select's labels.
 */
function choiceKind(type: string | undefined, raw: unknown, label: string): 'one' | 'several' | undefined {
	if (type !== undefined) return CHOICE_TYPES.has(type) ? 'one' : type === 'MultiSelectPicklist' ? 'several' : undefined;
	if (typeof raw === 'number' && label) return 'one';
	return typeof raw === 'string' && MULTI_SELECT_RAW.test(raw) && label ? 'several' : undefined;
}

/**
 * The value a Dynamics column has in Marketo: a choice as its label (the FormattedValue Dataverse
 * sent with the row), several labels joined with ';'; anything else (or a Marketo field that is not
 * text) as Dataverse sent it. `column` is the column's metadata, or only its name when the caller
 * has no metadata (the row then says whether the value is a choice).
 */
export function marketoValueOfColumn(row: IDataObject, column: CrmColumn | string | undefined, field: MarketoField | undefined): unknown {
	const name = typeof column === 'string' ? column : column?.logicalName ?? '';
	const raw = row[name];
	if (isEmpty(raw) || (field && !['string', 'text'].includes(field.dataType.toLowerCase()))) return raw;
	const formatted = row[formattedKey(name)];
	const label = typeof formatted === 'string' ? formatted : '';
	const kind = choiceKind(typeof column === 'string' ? undefined : column?.type ?? '', raw, label);
	if (!kind || !label) return raw;
	if (kind === 'one') return label;
	return label.split(';').map((l) => l.trim()).filter(Boolean).join(MARKETO_LABEL_SEPARATOR);
}

/** One choice's number from its number or label; unknown labels throw a RecordError naming the column. */
function choiceValue(column: CrmColumn, value: unknown, choices: Map<string, number> | undefined): number {
	const n = parseNumber(value);
	if (n !== undefined && Number.isInteger(n)) return n;
	const byLabel = typeof value === 'string' ? choices?.get(value.trim().toLowerCase()) : undefined;
	if (byLabel !== undefined) return byLabel;
	const known = choices?.size ? `: "${show(value)}" is not one of its labels (${[...choices.keys()].slice(0, 10).join(', ')}${choices.size > 10 ? ', …' : ''})` : `: expected one of its numeric values, got ${show(value)}`;
	throw new RecordError(`Dynamics column "${column.logicalName}" is a choice${known}`, column.logicalName, 'type');
}

/**
 * Converts a value for a Dataverse column (type and length from metadata). `choices` maps choice
 * labels (lower case) to their numbers when the caller could load them. Throws a RecordError
 * naming the column.
 */
export function toDynamicsValue(column: CrmColumn, value: unknown, choices?: Map<string, number>): unknown {
	const name = column.logicalName;
	const label = `Dynamics column "${name}"`;
	if (isEmpty(value)) return null;
	if (CHOICE_TYPES.has(column.type)) return choiceValue(column, value, choices);
	if (column.type === 'MultiSelectPicklist') {
		// The Web API takes the picked values as one string of comma-separated numbers
		// (learn.microsoft.com/power-apps/developer/data-platform/multi-select-picklist).
		if (typeof value === 'string' && MULTI_SELECT_RAW.test(value)) return value.split(',').map((v) => Number(v.trim())).join(',');
		const parts = Array.isArray(value) ? value : String(value).split(MARKETO_LABEL_SEPARATOR);
		const picked = parts.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => !isEmpty(p));
		return picked.length ? [...new Set(picked.map((p) => choiceValue(column, p, choices)))].join(',') : null;
	}
	switch (column.type) {
		case 'Integer':
		case 'BigInt':
			return wholeNumber(label, name, value);
		case 'Money':
		case 'Decimal':
		case 'Double':
			return anyNumber(label, name, value);
		case 'Boolean':
			return trueOrFalse(label, name, value);
		case 'DateTime':
			return dateTime(label, name, value);
		case 'Lookup':
		case 'Customer':
		case 'Owner':
		case 'Uniqueidentifier':
			throw new RecordError(`${label} is a ${column.type.toLowerCase()} and cannot be written as a plain value`, name, 'type');
		default: {
			const text = plainText(label, name, value);
			if (EMAIL_COLUMNS.has(name) && !EMAIL_ADDRESS.test(text.trim())) {
				throw new RecordError(`${label}: "${show(text)}" is not a valid email address`, name, 'format');
			}
			if (column.maxLength !== undefined && text.length > column.maxLength) {
				throw new RecordError(`${label} is too long (${text.length} characters; Dynamics allows ${column.maxLength})`, name, 'length');
			}
			return EMAIL_COLUMNS.has(name) ? text.trim() : text;
		}
	}
}
