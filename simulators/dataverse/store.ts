import { buildSchema, columnFromInput, finishTable, LOOKUP_TYPES, propertyName, type ColumnInput, type TableDef } from './schema';

/** A stored row: Web API property names (`lastname`, `_ownerid_value`, the primary key) → values. */
export type Row = Record<string, unknown>;

interface TableData {
	rows: Map<string, Row>;
	/** Primary keys in ascending order (stable paging order). */
	order: string[];
	/** Change log, appended in version order (only kept once a change-tracking token was issued). */
	logVersion: number[];
	logId: string[];
	logDeleted: boolean[];
	tracked: boolean;
}

interface Transaction {
	undo: Array<() => void>;
	version: number;
	logLengths: Map<string, number>;
	tracked: Map<string, boolean>;
}

/** Hidden row keys hold the target table of polymorphic lookups: `_customerid_value@t`. */
export const TYPE_SUFFIX = '@t';

export function isoSeconds(ms: number): string {
	return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/**
 * The tables of the simulated organization. Rows are kept compact (only set values; defaults and
 * computed columns are filled in when read), primary keys are kept sorted for paging, and every write
 * takes a new organization-wide version number (the rowversion that change tracking uses).
 */
export class DataverseStore {
	readonly schema: Map<string, TableDef>;
	private readonly data = new Map<string, TableData>();
	private readonly bySet = new Map<string, TableDef>();
	/** Organization-wide rowversion counter. */
	version = 1000;
	/** Delta tokens below this version are expired (expireDeltaTokens). */
	minValidTokenVersion = 0;
	private tx?: Transaction;
	/** Equality indexes built on first use: table → property → lower-cased value → ids. */
	private readonly indexes = new Map<string, Map<string, Map<string, Set<string>>>>();
	private idCounter: number;
	private readonly idSalt: string;
	private readonly idMix: number;

	constructor(private readonly clock: () => number = Date.now) {
		this.schema = buildSchema();
		for (const def of this.schema.values()) {
			this.bySet.set(def.entitySetName.toLowerCase(), def);
			this.data.set(def.logicalName, emptyData());
		}
		this.idCounter = 0x10000000 + Math.floor(Math.random() * 0x0fffffff) - 0x1000000;
		if (this.idCounter < 0x10000000) this.idCounter = 0x10000000;
		this.idSalt = HEX4[Math.floor(Math.random() * 0x10000)];
		this.idMix = Math.floor(Math.random() * 0x100000000) >>> 0;
	}

	// ------------------------------------------------------------ definitions

	tableNames(): string[] {
		return [...this.schema.keys()];
	}

	tryDefinition(table: string): TableDef | undefined {
		return this.schema.get(table.toLowerCase());
	}

	definition(table: string): TableDef {
		const def = this.tryDefinition(table);
		if (!def) throw new Error(`Unknown table '${table}'`);
		return def;
	}

	byEntitySet(entitySet: string): TableDef | undefined {
		return this.bySet.get(entitySet.toLowerCase());
	}

	/** Adds a column (schema drift in tests). Existing rows read it as null. */
	addColumn(table: string, column: ColumnInput): void {
		const def = this.definition(table);
		for (const a of columnFromInput(def.logicalName, column)) def.attributes.set(a.logicalName, a);
		finishTable(def);
	}

	/** Removes a column: it disappears from metadata, and $select/$filter/payloads naming it fail like Dataverse. */
	removeColumn(table: string, logicalName: string): void {
		const def = this.definition(table);
		const a = def.attributes.get(logicalName);
		if (!a) return;
		const property = propertyName(a);
		for (const [name, other] of [...def.attributes]) {
			if (name === logicalName || other.attributeOf === logicalName) def.attributes.delete(name);
		}
		finishTable(def);
		this.indexes.get(def.logicalName)?.delete(property);
		for (const row of this.tableData(def.logicalName).rows.values()) {
			delete row[property];
			delete row[property + TYPE_SUFFIX];
		}
	}

	private tableData(table: string): TableData {
		const data = this.data.get(table.toLowerCase());
		if (!data) throw new Error(`Unknown table '${table}'`);
		return data;
	}

	// ------------------------------------------------------------ reads

	/** The stored row itself (no defaults); do not mutate, use put(). */
	raw(table: string, id: string): Row | undefined {
		return this.tableData(table).rows.get(id.toLowerCase());
	}

	has(table: string, id: string): boolean {
		return this.tableData(table).rows.has(id.toLowerCase());
	}

	count(table: string): number {
		return this.tableData(table).rows.size;
	}

	/** The live row map of a table (read-only use: scans in query loops). */
	rowMap(table: string): ReadonlyMap<string, Row> {
		return this.tableData(table).rows;
	}

	/** Primary keys in paging order. */
	ids(table: string): readonly string[] {
		return this.tableData(table).order;
	}

	/** A copy of a row with every column (defaults and computed columns filled in), or undefined. */
	get(table: string, id: string): Row | undefined {
		const def = this.definition(table);
		const row = this.raw(def.logicalName, id);
		return row ? this.materialize(def, row) : undefined;
	}

	/** Copies of all rows, in primary-key order; `where` filters on materialized values. */
	all(table: string, where?: (row: Row) => boolean): Row[] {
		const def = this.definition(table);
		const data = this.tableData(def.logicalName);
		const out: Row[] = [];
		for (const id of data.order) {
			const row = data.rows.get(id);
			if (!row) continue;
			const full = this.materialize(def, row);
			if (!where || where(full)) out.push(full);
		}
		return out;
	}

	/** One property's value as the Web API reports it (defaults and computed columns included). */
	value(def: TableDef, row: Row, property: string): unknown {
		const v = row[property];
		if (v !== undefined) return v;
		if (property === 'fullname' && (def.logicalName === 'lead' || def.logicalName === 'contact' || def.logicalName === 'systemuser')) {
			const name = [row.firstname, row.lastname].filter((p) => typeof p === 'string' && p !== '').join(' ');
			return name === '' ? null : name;
		}
		if (property === 'name' && def.logicalName === 'connection') {
			const target = row._record2id_value;
			return typeof target === 'string' ? this.primaryName(this.lookupTarget(def, row, 'record2id'), target) : null;
		}
		const a = def.properties.get(property);
		return a?.defaultValue ?? null;
	}

	/** Every column of a row; lookups also carry `_x_value@Microsoft.Dynamics.CRM.lookuplogicalname`. */
	materialize(def: TableDef, row: Row): Row {
		const out: Row = {};
		for (const [property, a] of def.properties) {
			const value = this.value(def, row, property);
			out[property] = value;
			if (value !== null && LOOKUP_TYPES.has(a.type)) {
				const target = this.lookupTarget(def, row, a.logicalName);
				if (target) out[`${property}@Microsoft.Dynamics.CRM.lookuplogicalname`] = target;
			}
		}
		return out;
	}

	/** Target table of a lookup value on a row (polymorphic lookups remember it; owners are users or teams). */
	lookupTarget(def: TableDef, row: Row, logicalName: string): string | undefined {
		const a = def.attributes.get(logicalName);
		if (!a) return undefined;
		const id = row[`_${logicalName}_value`];
		if (typeof id !== 'string') return undefined;
		const remembered = row[`_${logicalName}_value${TYPE_SUFFIX}`];
		if (typeof remembered === 'string') return remembered;
		if (a.type === 'Owner') return this.has('team', id) ? 'team' : 'systemuser';
		const targets = a.targets ?? [];
		if (targets.length === 1) return targets[0];
		return targets.find((t) => this.schema.has(t) && this.has(t, id));
	}

	primaryName(table: string | undefined, id: string): string | null {
		if (!table || !this.schema.has(table)) return null;
		const def = this.definition(table);
		const row = this.raw(table, id);
		if (!row) return null;
		const name = this.value(def, row, def.primaryNameAttribute);
		return typeof name === 'string' ? name : null;
	}

	// ------------------------------------------------------------ writes

	/**
	 * Sequential GUIDs (like Dataverse's): a counter in the first group keeps new ids in ascending key
	 * order, so paging appends instead of inserting; the rest mixes the counter with a per-instance salt.
	 */
	newId(): string {
		const c = ++this.idCounter;
		const mixed = (Math.imul(c, 0x9e3779b1) ^ this.idMix) >>> 0;
		const more = (Math.imul(c ^ this.idMix, 0x85ebca6b) >>> 0) & 0xffff;
		return `${c.toString(16)}-${this.idSalt}-11f1-${HEX4[(c * 31) & 0xffff]}-${HEX4[more]}${HEX8(mixed)}`;
	}

	nextVersion(): number {
		return ++this.version;
	}

	now(): number {
		return this.clock();
	}

	/**
	 * Stores a row as given (insert or replace), stamping versionnumber and logging the change.
	 * Tests can use it to set up data without validation; createdon/modifiedon are filled when missing.
	 */
	put(table: string, row: Row): Row {
		const def = this.definition(table);
		const pk = def.primaryIdAttribute;
		const id = typeof row[pk] === 'string' ? (row[pk] as string).toLowerCase() : this.newId();
		const stamp = isoSeconds(this.clock());
		const stored: Row = { ...row, [pk]: id };
		stored.createdon ??= this.raw(def.logicalName, id)?.createdon ?? stamp;
		stored.modifiedon ??= stamp;
		this.write(def.logicalName, stored);
		return this.materialize(def, stored);
	}

	/** Replaces or inserts a row (the row object is stored as is), assigning a new version. */
	write(table: string, row: Row): void {
		const def = this.definition(table);
		const data = this.tableData(def.logicalName);
		const id = row[def.primaryIdAttribute] as string;
		const previous = data.rows.get(id);
		const version = this.nextVersion();
		row.versionnumber = version;
		this.setRow(def, data, id, row, previous);
		this.log(data, version, id, false);
		if (this.tx) this.tx.undo.push(() => this.setRow(def, data, id, previous, row));
	}

	/** Deletes a row (logged for change tracking). Returns false when it did not exist. */
	remove(table: string, id: string): boolean {
		const def = this.definition(table);
		const data = this.tableData(def.logicalName);
		const key = id.toLowerCase();
		const previous = data.rows.get(key);
		if (!previous) return false;
		this.setRow(def, data, key, undefined, previous);
		this.log(data, this.nextVersion(), key, true);
		if (this.tx) this.tx.undo.push(() => this.setRow(def, data, key, previous, undefined));
		return true;
	}

	/** The one place rows change: map, key order and indexes. */
	private setRow(def: TableDef, data: TableData, id: string, row: Row | undefined, previous: Row | undefined) {
		if (row) {
			data.rows.set(id, row);
			if (!previous) insertSorted(data.order, id);
		} else {
			data.rows.delete(id);
			removeSorted(data.order, id);
		}
		const indexes = this.indexes.get(def.logicalName);
		if (!indexes) return;
		for (const [property, index] of indexes) {
			const before = previous ? indexKey(this.value(def, previous, property)) : undefined;
			const after = row ? indexKey(this.value(def, row, property)) : undefined;
			if (before === after) continue;
			if (before !== undefined) {
				const ids = index.get(before);
				ids?.delete(id);
				if (ids && ids.size === 0) index.delete(before);
			}
			if (after !== undefined) {
				let ids = index.get(after);
				if (!ids) index.set(after, (ids = new Set()));
				ids.add(id);
			}
		}
	}

	/** Ids of rows whose property equals one of the values (case-insensitive), from an index built on first use. */
	lookup(table: string, property: string, values: string[]): string[] {
		const def = this.definition(table);
		let indexes = this.indexes.get(def.logicalName);
		if (!indexes) this.indexes.set(def.logicalName, (indexes = new Map()));
		let index = indexes.get(property);
		if (!index) {
			index = new Map();
			for (const [id, row] of this.tableData(def.logicalName).rows) {
				const key = indexKey(this.value(def, row, property));
				if (key === undefined) continue;
				let ids = index.get(key);
				if (!ids) index.set(key, (ids = new Set()));
				ids.add(id);
			}
			indexes.set(property, index);
		}
		const out = new Set<string>();
		for (const value of values) for (const id of index.get(value.toLowerCase()) ?? []) out.add(id);
		return [...out].sort();
	}

	/**
	 * Fast bulk insert (benchmarks): rows come from `make(i)` and share timestamp strings, so a million
	 * leads stay small. Each row still takes its own version number.
	 */
	bulkInsert(table: string, count: number, make: (i: number, id: string) => Row): void {
		const def = this.definition(table);
		const data = this.tableData(def.logicalName);
		const pk = def.primaryIdAttribute;
		for (let i = 0; i < count; i++) {
			const id = this.newId();
			const row = make(i, id);
			row[pk] = id;
			const version = this.nextVersion();
			row.versionnumber = version;
			this.setRow(def, data, id, row, undefined);
			this.log(data, version, id, false);
		}
	}

	private log(data: TableData, version: number, id: string, deleted: boolean) {
		if (!data.tracked) return;
		data.logVersion.push(version);
		data.logId.push(id);
		data.logDeleted.push(deleted);
	}

	// ------------------------------------------------------------ change tracking

	/** From now on changes of this table are logged (called when a tracking token is first issued). */
	markTracked(table: string): void {
		const data = this.tableData(table);
		if (data.tracked) return;
		if (this.tx && !this.tx.tracked.has(table)) this.tx.tracked.set(table, false);
		data.tracked = true;
	}

	isTracked(table: string): boolean {
		return this.tableData(table).tracked;
	}

	/** Rows changed with from < version ≤ to: upserts (by version) then deletes (by version). */
	changesSince(table: string, from: number, to: number): { changed: string[]; deleted: string[] } {
		const data = this.tableData(table);
		const versions = data.logVersion;
		let lo = 0;
		let hi = versions.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (versions[mid] <= from) lo = mid + 1;
			else hi = mid;
		}
		const last = new Map<string, { version: number; deleted: boolean }>();
		for (let i = lo; i < versions.length && versions[i] <= to; i++) {
			const id = data.logId[i];
			last.delete(id);
			last.set(id, { version: versions[i], deleted: data.logDeleted[i] });
		}
		const changed: string[] = [];
		const deleted: string[] = [];
		for (const [id, entry] of last) (entry.deleted ? deleted : changed).push(id);
		return { changed, deleted };
	}

	// ------------------------------------------------------------ transactions (batch change sets)

	begin(): void {
		const logLengths = new Map<string, number>();
		for (const [name, data] of this.data) logLengths.set(name, data.logVersion.length);
		this.tx = { undo: [], version: this.version, logLengths, tracked: new Map() };
	}

	commit(): void {
		this.tx = undefined;
	}

	rollback(): void {
		const tx = this.tx;
		if (!tx) return;
		this.tx = undefined;
		for (let i = tx.undo.length - 1; i >= 0; i--) tx.undo[i]();
		for (const [name, length] of tx.logLengths) {
			const data = this.data.get(name)!;
			data.logVersion.length = Math.min(data.logVersion.length, length);
			data.logId.length = Math.min(data.logId.length, length);
			data.logDeleted.length = Math.min(data.logDeleted.length, length);
		}
		for (const [name, tracked] of tx.tracked) this.data.get(name)!.tracked = tracked;
		this.version = tx.version;
	}

	inTransaction(): boolean {
		return this.tx !== undefined;
	}

	/** Empties every table (schema stays as it is). */
	clear(): void {
		this.indexes.clear();
		for (const name of this.data.keys()) this.data.set(name, emptyData());
		this.minValidTokenVersion = 0;
		this.tx = undefined;
	}

	/** Restores the default schema (undoes addColumn/removeColumn/change-tracking flags). */
	resetSchema(): void {
		this.indexes.clear();
		const fresh = buildSchema();
		this.schema.clear();
		this.bySet.clear();
		for (const [name, def] of fresh) {
			this.schema.set(name, def);
			this.bySet.set(def.entitySetName.toLowerCase(), def);
		}
	}
}

function indexKey(value: unknown): string | undefined {
	return typeof value === 'string' ? value.toLowerCase() : undefined;
}

const HEX4: string[] = Array.from({ length: 0x10000 }, (_, i) => i.toString(16).padStart(4, '0'));
const HEX8 = (n: number) => HEX4[(n >>> 16) & 0xffff] + HEX4[n & 0xffff];

function emptyData(): TableData {
	return { rows: new Map(), order: [], logVersion: [], logId: [], logDeleted: [], tracked: false };
}

function lowerBound(order: string[], id: string): number {
	let lo = 0;
	let hi = order.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (order[mid] < id) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}

function insertSorted(order: string[], id: string): void {
	if (order.length === 0 || order[order.length - 1] < id) {
		order.push(id);
		return;
	}
	const at = lowerBound(order, id);
	if (order[at] === id) return;
	order.splice(at, 0, id);
}

function removeSorted(order: string[], id: string): void {
	const at = lowerBound(order, id);
	if (order[at] === id) order.splice(at, 1);
}

/** Index of the first key greater than `id` (resume position for paging). */
export function positionAfter(order: readonly string[], id: string): number {
	let lo = 0;
	let hi = order.length;
	while (lo < hi) {
		const mid = (lo + hi) >>> 1;
		if (order[mid] <= id) lo = mid + 1;
		else hi = mid;
	}
	return lo;
}
