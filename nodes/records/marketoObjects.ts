import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from '../transport/context';
import { marketoRequest, marketoSettings } from '../transport/marketo';
import { customObjectPath, OBJECT_PATHS, type RecordResult } from '../transport/marketoApi';
import type { RecordStatus } from './types';
import { reasonsText } from './values';

export const OBJECT_LABELS: Record<string, string> = {
	[OBJECT_PATHS.companies]: 'company',
	[OBJECT_PATHS.salespersons]: 'sales person',
	[OBJECT_PATHS.opportunities]: 'opportunity',
	[OBJECT_PATHS.opportunityRoles]: 'opportunity role',
};

export function objectLabel(path: string): string {
	return OBJECT_LABELS[path] ?? `custom object ${path.split('/').pop()}`;
}

export { customObjectPath, OBJECT_PATHS };

export interface ObjectField {
	name: string;
	dataType: string;
	length?: number;
}

export type ObjectSchema = Map<string, ObjectField>;

/** Object describes change rarely (an admin adds a field): cached a few minutes per instance. */
const schemaCache = new Map<string, { at: number; schema: ObjectSchema }>();
const SCHEMA_TTL_MS = 10 * 60_000;

export function clearObjectSchemaCache(): void {
	schemaCache.clear();
}

/**
 * Fields of a Marketo object type (describe): a mapped field that Marketo lacks is left out and
 * reported, and values are checked before they are sent so a bad value fails its own record with
 * a message naming the field. One describe per object type per execution at most, shared for a
 * few minutes.
 */
export class ObjectSchemas {
	private readonly cache = new Map<string, Promise<ObjectSchema | undefined>>();

	constructor(private readonly ctx: ApiContext) {}

	fields(path: string): Promise<ObjectSchema | undefined> {
		let hit = this.cache.get(path);
		if (!hit) {
			hit = this.load(path);
			this.cache.set(path, hit);
		}
		return hit;
	}

	private async load(path: string): Promise<ObjectSchema | undefined> {
		try {
			const { base } = await marketoSettings(this.ctx);
			const key = `${base}|${path}`;
			const cached = schemaCache.get(key);
			if (cached && Date.now() - cached.at < SCHEMA_TTL_MS) return cached.schema;
			const envelope = await marketoRequest(this.ctx, { method: 'GET', path: `${path}/describe.json` });
			const fields = (envelope.result?.[0]?.fields as IDataObject[] | undefined) ?? [];
			const schema: ObjectSchema = new Map();
			for (const f of fields) {
				const name = String(f.name ?? '');
				if (name) schema.set(name, { name, dataType: String(f.dataType ?? 'string').toLowerCase(), length: typeof f.length === 'number' ? f.length : undefined });
			}
			schemaCache.set(key, { at: Date.now(), schema });
			return schema;
		} catch {
			// Without a describe, records go as they are and Marketo judges them.
			return undefined;
		}
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

const NUMBER_TEXT = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?\s*$/;

function show(value: unknown): string {
	const text = typeof value === 'string' ? `"${value}"` : JSON.stringify(value);
	return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * Checks values against the object's field types and lengths, as Marketo would; returns one line
 * per problem, naming the field (and the Dynamics column it came from, when known).
 */
export function checkValues(record: IDataObject, known: ObjectSchema | undefined, sourceOf: (field: string) => string | undefined = () => undefined): string[] {
	if (!known) return [];
	const problems: string[] = [];
	for (const [key, value] of Object.entries(record)) {
		const field = known.get(key);
		if (!field || value === null || value === undefined || value === '') continue;
		const from = sourceOf(key);
		const name = `field "${key}" (${field.dataType})${from ? ` ← Dynamics column "${from}"` : ''}`;
		switch (field.dataType) {
			case 'integer':
			case 'float':
			case 'currency':
			case 'percent': {
				const ok = typeof value === 'number' ? Number.isFinite(value) : typeof value === 'string' && NUMBER_TEXT.test(value);
				if (!ok || (field.dataType === 'integer' && !Number.isInteger(Number(value)))) problems.push(`${name} cannot hold ${show(value)}: ${field.dataType === 'integer' ? 'a whole number' : 'a number'} is expected`);
				break;
			}
			case 'boolean':
				if (typeof value !== 'boolean' && !['true', 'false', '1', '0'].includes(String(value).toLowerCase())) problems.push(`${name} cannot hold ${show(value)}: true or false is expected`);
				break;
			case 'date':
			case 'datetime':
				if (typeof value !== 'string' || !Number.isFinite(Date.parse(value))) problems.push(`${name} cannot hold ${show(value)}: a date is expected`);
				break;
			default:
				if (typeof value === 'object') problems.push(`${name} cannot hold ${show(value)}: text is expected`);
				else if (field.length !== undefined && String(value).length > field.length) {
					problems.push(`${name} is too long (${String(value).length} characters; Marketo allows ${field.length})`);
				}
		}
	}
	return problems;
}

/** A Marketo per-record write result as our status, with Marketo's reasons for a refusal. */
export function writeStatus(result: RecordResult | undefined): { status: RecordStatus; reason: string; id?: string | number } {
	if (!result) return { status: 'failed', reason: 'Marketo returned no result for this record' };
	const id = (result.raw.marketoGUID ?? result.raw.id) as string | number | undefined;
	if (result.status === 'created') return { status: 'created', reason: '', id };
	if (result.status === 'updated') return { status: 'updated', reason: '', id };
	if (result.status === 'deleted') return { status: 'deleted', reason: '', id };
	return { status: 'failed', reason: reasonsText(result.reasons, result.status) };
}

/** A delete result: "not found" (1013) is not a failure, the object is gone either way. */
export function deleteStatus(result: RecordResult | undefined): { status: RecordStatus; reason: string } {
	if (result?.status === 'deleted') return { status: 'deleted', reason: '' };
	if (result?.reasons?.some((r) => r.code === '1013')) return { status: 'skipped', reason: 'not in Marketo (nothing to delete)' };
	return { status: 'failed', reason: reasonsText(result?.reasons, result?.status) };
}
