import { propertyNotFound, queryError } from './errors';

/**
 * A hand-written OData v4 `$filter` parser for the subset Dataverse supports: eq ne gt ge lt le,
 * and/or/not, parentheses, contains/startswith/endswith, the Microsoft.Dynamics.CRM query functions
 * In/NotIn/Between/NotBetween/Null/NotNull, and literals (strings with '' escaping, numbers, booleans,
 * null, unquoted GUIDs, ISO dates and date-times, enum literals `Namespace.Type'Value'`).
 * It compiles to a predicate; syntax and type errors come out as Dataverse 400s.
 */

export type EdmType =
	| 'Edm.String'
	| 'Edm.Int32'
	| 'Edm.Int64'
	| 'Edm.Decimal'
	| 'Edm.Double'
	| 'Edm.Boolean'
	| 'Edm.Guid'
	| 'Edm.DateTimeOffset'
	| 'Edm.Date'
	| 'Edm.Complex';

export interface FilterProperty {
	edmType: EdmType;
	get: (row: unknown) => unknown;
	/** Web API property name, when the property can be indexed. */
	name?: string;
}

export interface FilterContext {
	/** Qualified type name for error messages, e.g. Microsoft.Dynamics.CRM.lead. */
	typeName: string;
	/** Resolves a property used in the filter (`lastname`, `_parentaccountid_value`). */
	resolve(name: string): FilterProperty | undefined;
	/** Resolves a PropertyName='…' argument of a Dataverse query function (logical names). */
	resolveLogical?(name: string): FilterProperty | undefined;
}

/** An equality the query can answer from an index: property IN values (case-insensitive). */
export interface IndexHint {
	property: string;
	values: string[];
}

export type Predicate = ((row: unknown) => boolean) & { hint?: IndexHint };

function withHint(pred: Predicate, hint: IndexHint | undefined): Predicate {
	if (hint) pred.hint = hint;
	return pred;
}

/** Case-insensitive equality of `a` with an already lower-cased string, without allocating for ASCII. */
function equalsLower(a: string, lower: string): boolean {
	if (a.length !== lower.length) return false;
	for (let i = 0; i < a.length; i++) {
		let c = a.charCodeAt(i);
		const d = lower.charCodeAt(i);
		if (c === d) continue;
		if (c > 127) return a.toLowerCase() === lower;
		if (c >= 65 && c <= 90) c += 32;
		if (c !== d) return false;
	}
	return true;
}

type TokenKind = 'ident' | 'string' | 'dstring' | 'number' | 'guid' | 'datetime' | 'date' | 'punct' | 'enum';
interface Token {
	kind: TokenKind;
	text: string;
	value: string | number;
	pos: number;
}

const GUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})/;
const DATE_RE = /^\d{4}-\d{2}-\d{2}(?![\dT:])/;
const NUMBER_RE = /^-?\d+(\.\d+)?([eE][+-]?\d+)?[mMdDfFlL]?/;
const IDENT_RE = /^[A-Za-z_$][A-Za-z0-9_.$]*/;

function tokenize(text: string): Token[] {
	const tokens: Token[] = [];
	let i = 0;
	while (i < text.length) {
		const c = text[i];
		if (c === ' ' || c === '\t' || c === '\r' || c === '\n') {
			i++;
			continue;
		}
		const rest = text.slice(i);
		if (c === "'") {
			let j = i + 1;
			let value = '';
			for (;;) {
				if (j >= text.length) throw queryError(`There is an unterminated string literal at position ${i + 1} in '${text}'.`);
				if (text[j] === "'") {
					if (text[j + 1] === "'") {
						value += "'";
						j += 2;
						continue;
					}
					break;
				}
				value += text[j];
				j++;
			}
			tokens.push({ kind: 'string', text: text.slice(i, j + 1), value, pos: i });
			i = j + 1;
			continue;
		}
		if (c === '"') {
			let j = i + 1;
			let value = '';
			for (;;) {
				if (j >= text.length) throw queryError(`There is an unterminated string literal at position ${i + 1} in '${text}'.`);
				if (text[j] === '\\' && j + 1 < text.length) {
					value += text[j + 1];
					j += 2;
					continue;
				}
				if (text[j] === '"') break;
				value += text[j];
				j++;
			}
			tokens.push({ kind: 'dstring', text: text.slice(i, j + 1), value, pos: i });
			i = j + 1;
			continue;
		}
		if ('(),[]='.includes(c)) {
			tokens.push({ kind: 'punct', text: c, value: c, pos: i });
			i++;
			continue;
		}
		let m = GUID_RE.exec(rest);
		if (m && !/[0-9A-Za-z_]/.test(rest[m[0].length] ?? '')) {
			tokens.push({ kind: 'guid', text: m[0], value: m[0].toLowerCase(), pos: i });
			i += m[0].length;
			continue;
		}
		m = DATETIME_RE.exec(rest);
		if (m) {
			const ms = Date.parse(m[0]);
			if (Number.isNaN(ms)) throw queryError(`Syntax error at position ${i + 1} in '${text}'.`);
			tokens.push({ kind: 'datetime', text: m[0], value: ms, pos: i });
			i += m[0].length;
			continue;
		}
		m = DATE_RE.exec(rest);
		if (m) {
			const ms = Date.parse(`${m[0]}T00:00:00Z`);
			if (Number.isNaN(ms)) throw queryError(`Syntax error at position ${i + 1} in '${text}'.`);
			tokens.push({ kind: 'date', text: m[0], value: ms, pos: i });
			i += m[0].length;
			continue;
		}
		m = NUMBER_RE.exec(rest);
		if (m) {
			if (/[A-Za-z_]/.test(rest[m[0].length] ?? '')) throw queryError(`Syntax error at position ${i + 1} in '${text}'.`);
			tokens.push({ kind: 'number', text: m[0], value: Number(m[0].replace(/[mMdDfFlL]$/, '')), pos: i });
			i += m[0].length;
			continue;
		}
		m = IDENT_RE.exec(rest);
		if (m) {
			const after = i + m[0].length;
			if (text[after] === "'" && m[0].includes('.')) {
				// enum literal: Microsoft.Dynamics.CRM.AttributeTypeCode'Picklist'
				const close = text.indexOf("'", after + 1);
				if (close < 0) throw queryError(`There is an unterminated string literal at position ${after + 1} in '${text}'.`);
				tokens.push({ kind: 'enum', text: text.slice(i, close + 1), value: text.slice(after + 1, close), pos: i });
				i = close + 1;
				continue;
			}
			tokens.push({ kind: 'ident', text: m[0], value: m[0], pos: i });
			i = after;
			continue;
		}
		throw queryError(`Syntax error: character '${c}' is not valid at position ${i + 1} in '${text}'.`);
	}
	return tokens;
}

type Operand =
	| { kind: 'prop'; name: string; prop: FilterProperty }
	| { kind: 'lit'; type: EdmType | 'null'; value: unknown }
	| { kind: 'bool'; pred: Predicate };

const COMPARISON: Record<string, string> = {
	eq: 'Equal',
	ne: 'NotEqual',
	gt: 'GreaterThan',
	ge: 'GreaterThanOrEqual',
	lt: 'LessThan',
	le: 'LessThanOrEqual',
};

const NUMERIC = new Set<EdmType>(['Edm.Int32', 'Edm.Int64', 'Edm.Decimal', 'Edm.Double']);
const DATES = new Set<EdmType>(['Edm.DateTimeOffset', 'Edm.Date']);

class Parser {
	private i = 0;
	constructor(
		private readonly text: string,
		private readonly tokens: Token[],
		private readonly ctx: FilterContext,
	) {}

	parse(): Predicate {
		if (this.tokens.length === 0) throw queryError(`Expression expected at position 0 in '${this.text}'.`);
		const pred = this.parseOr();
		if (this.i < this.tokens.length) this.syntaxError(this.tokens[this.i]);
		return pred;
	}

	private peek(): Token | undefined {
		return this.tokens[this.i];
	}

	private isKeyword(token: Token | undefined, word: string): boolean {
		return !!token && token.kind === 'ident' && token.text === word;
	}

	private syntaxError(token?: Token): never {
		const pos = token ? token.pos + 1 : this.text.length;
		throw queryError(`Syntax error at position ${pos} in '${this.text}'.`);
	}

	private expectPunct(p: string): Token {
		const token = this.peek();
		if (!token || token.kind !== 'punct' || token.text !== p) {
			if (p === ')') throw queryError(`')' or ',' expected at position ${token ? token.pos + 1 : this.text.length} in '${this.text}'.`);
			this.syntaxError(token);
		}
		this.i++;
		return token;
	}

	private parseOr(): Predicate {
		let left = this.parseAnd();
		while (this.isKeyword(this.peek(), 'or')) {
			this.i++;
			const l = left;
			const r = this.parseAnd();
			// `a eq 'x' or a eq 'y'` on the same property can still use an index
			const hint = l.hint && r.hint && l.hint.property === r.hint.property ? { property: l.hint.property, values: [...l.hint.values, ...r.hint.values] } : undefined;
			left = withHint((row) => l(row) || r(row), hint);
		}
		return left;
	}

	private parseAnd(): Predicate {
		let left = this.parseUnary();
		while (this.isKeyword(this.peek(), 'and')) {
			this.i++;
			const l = left;
			const r = this.parseUnary();
			left = withHint((row) => l(row) && r(row), l.hint ?? r.hint);
		}
		return left;
	}

	private parseUnary(): Predicate {
		if (this.isKeyword(this.peek(), 'not')) {
			this.i++;
			const inner = this.parseUnary();
			return (row) => !inner(row);
		}
		return this.parseComparison();
	}

	private parseComparison(): Predicate {
		const left = this.parseOperand();
		const next = this.peek();
		if (next && next.kind === 'ident' && COMPARISON[next.text]) {
			this.i++;
			const right = this.parseOperand();
			return this.compare(left, next.text, right);
		}
		if (left.kind === 'bool') return left.pred;
		if (left.kind === 'prop' && left.prop.edmType === 'Edm.Boolean') {
			const get = left.prop.get;
			return (row) => get(row) === true;
		}
		if (left.kind === 'lit' && left.type === 'Edm.Boolean') {
			const v = left.value === true;
			return () => v;
		}
		if (next) this.syntaxError(next);
		throw queryError(`The $filter expression must evaluate to a single boolean value.`);
	}

	private parseOperand(): Operand {
		const token = this.peek();
		if (!token) throw queryError(`Expression expected at position ${this.text.length} in '${this.text}'.`);
		if (token.kind === 'punct' && token.text === '(') {
			this.i++;
			const pred = this.parseOr();
			this.expectPunct(')');
			return { kind: 'bool', pred };
		}
		this.i++;
		switch (token.kind) {
			case 'string':
			case 'enum':
				return { kind: 'lit', type: 'Edm.String', value: token.value };
			case 'dstring':
				this.syntaxError(token);
				break;
			case 'number': {
				const n = token.value as number;
				const type: EdmType = /[.eE]/.test(token.text) ? 'Edm.Decimal' : Math.abs(n) > 2147483647 ? 'Edm.Int64' : 'Edm.Int32';
				return { kind: 'lit', type, value: n };
			}
			case 'guid':
				return { kind: 'lit', type: 'Edm.Guid', value: token.value };
			case 'datetime':
				return { kind: 'lit', type: 'Edm.DateTimeOffset', value: token.value };
			case 'date':
				return { kind: 'lit', type: 'Edm.Date', value: token.value };
			case 'punct':
				this.syntaxError(token);
				break;
			case 'ident': {
				if (token.text === 'true' || token.text === 'false') return { kind: 'lit', type: 'Edm.Boolean', value: token.text === 'true' };
				if (token.text === 'null') return { kind: 'lit', type: 'null', value: null };
				const after = this.peek();
				if (after && after.kind === 'punct' && after.text === '(') return { kind: 'bool', pred: this.parseFunction(token) };
				if (COMPARISON[token.text] || token.text === 'and' || token.text === 'or') this.syntaxError(token);
				const prop = this.ctx.resolve(token.text);
				if (!prop) throw propertyNotFound(token.text, this.ctx.typeName);
				return { kind: 'prop', name: token.text, prop };
			}
		}
		this.syntaxError(token);
	}

	private parseFunction(name: Token): Predicate {
		this.expectPunct('(');
		const fn = name.text;
		const lower = fn.toLowerCase();
		if (lower === 'contains' || lower === 'startswith' || lower === 'endswith') {
			const target = this.parseOperand();
			this.expectPunct(',');
			const needle = this.parseOperand();
			this.expectPunct(')');
			if (target.kind !== 'prop') this.syntaxError(name);
			if (target.prop.edmType !== 'Edm.String') {
				throw queryError(`No function signature for the function with name '${fn}' matches the specified arguments. The function signatures considered are: ${fn}(Edm.String Nullable=true, Edm.String Nullable=true).`);
			}
			if (needle.kind !== 'lit' || needle.type !== 'Edm.String') {
				throw queryError(`No function signature for the function with name '${fn}' matches the specified arguments. The function signatures considered are: ${fn}(Edm.String Nullable=true, Edm.String Nullable=true).`);
			}
			const get = target.prop.get;
			const n = String(needle.value).toLowerCase();
			if (lower === 'contains') return (row) => lowerOf(get(row))?.includes(n) ?? false;
			if (lower === 'startswith') return (row) => lowerOf(get(row))?.startsWith(n) ?? false;
			return (row) => lowerOf(get(row))?.endsWith(n) ?? false;
		}
		const prefix = 'microsoft.dynamics.crm.';
		if (!lower.startsWith(prefix)) {
			throw queryError(
				`An unknown function with name '${fn}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
			);
		}
		const short = lower.slice(prefix.length);
		const args = new Map<string, Token[]>();
		for (;;) {
			const key = this.peek();
			if (!key) this.syntaxError();
			if (key.kind === 'punct' && key.text === ')') break;
			if (key.kind !== 'ident') this.syntaxError(key);
			this.i++;
			this.expectPunct('=');
			const values: Token[] = [];
			const start = this.peek();
			if (start && start.kind === 'punct' && start.text === '[') {
				this.i++;
				for (;;) {
					const v = this.peek();
					if (!v) this.syntaxError();
					if (v.kind === 'punct' && v.text === ']') {
						this.i++;
						break;
					}
					if (v.kind === 'punct' && v.text === ',') {
						this.i++;
						continue;
					}
					if (v.kind === 'punct') this.syntaxError(v);
					values.push(v);
					this.i++;
				}
			} else if (start && start.kind !== 'punct') {
				values.push(start);
				this.i++;
			} else {
				this.syntaxError(start);
			}
			args.set(key.text.toLowerCase(), values);
			const sep = this.peek();
			if (sep && sep.kind === 'punct' && sep.text === ',') {
				this.i++;
				continue;
			}
		}
		this.expectPunct(')');
		const propertyToken = args.get('propertyname')?.[0];
		if (!propertyToken) throw queryError(`The parameter 'PropertyName' of function '${fn}' is missing.`);
		const propertyName = String(propertyToken.value);
		const prop = this.ctx.resolveLogical?.(propertyName) ?? this.ctx.resolve(propertyName);
		if (!prop) throw propertyNotFound(propertyName, this.ctx.typeName);
		const get = prop.get;
		const values = (args.get('propertyvalues') ?? args.get('propertyvalue') ?? []).map((t) => coerceFunctionValue(t, prop.edmType));
		switch (short) {
			case 'null':
				return (row) => get(row) == null;
			case 'notnull':
				return (row) => get(row) != null;
			case 'in':
			case 'notin': {
				const set = new Set(values.map((v) => normalize(v, prop.edmType)));
				if (short === 'in') {
					const indexable = prop.edmType === 'Edm.String' || prop.edmType === 'Edm.Guid';
					const hint = indexable && prop.name ? { property: prop.name, values: [...set].map((v) => String(v)) } : undefined;
					return withHint((row) => set.has(normalize(get(row), prop.edmType)), hint);
				}
				return (row) => get(row) != null && !set.has(normalize(get(row), prop.edmType));
			}
			case 'between':
			case 'notbetween': {
				if (values.length !== 2) throw queryError(`The function '${fn}' expects exactly 2 values in PropertyValues.`);
				const lo = values[0];
				const hi = values[1];
				const inside = (row: unknown) => {
					const v = get(row);
					if (v == null) return false;
					return compareValues(v, lo, prop.edmType) >= 0 && compareValues(v, hi, prop.edmType) <= 0;
				};
				return short === 'between' ? inside : (row) => get(row) != null && !inside(row);
			}
			default:
				throw queryError(
					`An unknown function with name '${fn}' was found. This may also be a function import or a key lookup on a navigation property, which is not allowed.`,
				);
		}
	}

	private compare(left: Operand, op: string, right: Operand): Predicate {
		if (left.kind === 'bool' || right.kind === 'bool') {
			if (op !== 'eq' && op !== 'ne') throw queryError(`Syntax error at position 0 in '${this.text}'.`);
		}
		// literal on the left: swap so that the property is on the left
		if (left.kind === 'lit' && right.kind === 'prop') {
			const swapped: Record<string, string> = { eq: 'eq', ne: 'ne', gt: 'lt', ge: 'le', lt: 'gt', le: 'ge' };
			return this.compare(right, swapped[op], left);
		}
		const leftType = typeOf(left);
		const rightType = typeOf(right);
		if (!compatible(leftType, rightType)) {
			throw queryError(
				`A binary operator with incompatible types was detected. Found operand types '${leftType}' and '${rightType}' for operator kind '${COMPARISON[op]}'.`,
			);
		}
		const l = valueGetter(left);
		const r = valueGetter(right);
		const type = leftType === 'null' ? rightType : leftType;
		if ((op === 'eq' || op === 'ne') && type === 'Edm.String' && right.kind === 'lit' && typeof right.value === 'string') {
			// fast path for the most common filter: case-insensitive string equality against a literal
			const lower = right.value.toLowerCase();
			const equal = (a: unknown) => typeof a === 'string' && equalsLower(a, lower);
			if (op === 'ne') return (row) => l(row) != null && !equal(l(row));
			return withHint((row) => equal(l(row)), left.kind === 'prop' ? { property: left.name, values: [lower] } : undefined);
		}
		if (op === 'eq' && type === 'Edm.Guid' && left.kind === 'prop' && right.kind === 'lit' && typeof right.value === 'string') {
			const id = right.value.toLowerCase();
			return withHint((row) => l(row) === id, { property: left.name, values: [id] });
		}
		return (row) => {
			const a = l(row);
			const b = r(row);
			if (a == null || b == null) {
				if (op === 'eq') return a == null && b == null;
				// `x ne null` is "has a value"; SQL semantics otherwise: a null column never matches ne 'x'
				if (op === 'ne') return b == null ? a != null : false;
				return false;
			}
			const c = compareValues(a, b, type === 'null' ? 'Edm.String' : type);
			switch (op) {
				case 'eq':
					return c === 0;
				case 'ne':
					return c !== 0;
				case 'gt':
					return c > 0;
				case 'ge':
					return c >= 0;
				case 'lt':
					return c < 0;
				default:
					return c <= 0;
			}
		};
	}
}

function typeOf(operand: Operand): EdmType | 'null' {
	if (operand.kind === 'prop') return operand.prop.edmType;
	if (operand.kind === 'lit') return operand.type;
	return 'Edm.Boolean';
}

function compatible(a: EdmType | 'null', b: EdmType | 'null'): boolean {
	if (a === 'null' || b === 'null') return true;
	if (a === b) return true;
	if (NUMERIC.has(a as EdmType) && NUMERIC.has(b as EdmType)) return true;
	if (DATES.has(a as EdmType) && DATES.has(b as EdmType)) return true;
	return false;
}

function valueGetter(operand: Operand): (row: unknown) => unknown {
	if (operand.kind === 'prop') return operand.prop.get;
	if (operand.kind === 'lit') {
		const v = operand.value;
		return () => v;
	}
	const pred = operand.pred;
	return (row) => pred(row);
}

function lowerOf(v: unknown): string | undefined {
	return typeof v === 'string' ? v.toLowerCase() : undefined;
}

function toMs(v: unknown): number {
	if (typeof v === 'number') return v;
	if (typeof v === 'string') return Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
	return NaN;
}

function compareValues(a: unknown, b: unknown, type: EdmType): number {
	if (DATES.has(type)) {
		const x = toMs(a);
		const y = toMs(b);
		return x === y ? 0 : x < y ? -1 : 1;
	}
	if (NUMERIC.has(type)) {
		const x = Number(a);
		const y = Number(b);
		return x === y ? 0 : x < y ? -1 : 1;
	}
	if (type === 'Edm.Boolean') return a === b ? 0 : a ? 1 : -1;
	const x = String(a).toLowerCase();
	const y = String(b).toLowerCase();
	return x === y ? 0 : x < y ? -1 : 1;
}

function normalize(v: unknown, type: EdmType): unknown {
	if (v == null) return v;
	if (NUMERIC.has(type)) return Number(v);
	if (DATES.has(type)) return toMs(v);
	if (type === 'Edm.Boolean') return v === true || v === 'true';
	return String(v).toLowerCase();
}

function coerceFunctionValue(token: Token, type: EdmType): unknown {
	if (token.kind === 'ident') {
		if (token.text === 'true') return true;
		if (token.text === 'false') return false;
		if (token.text === 'null') return null;
	}
	if (NUMERIC.has(type)) return Number(token.value);
	if (DATES.has(type)) return typeof token.value === 'number' ? token.value : Date.parse(String(token.value));
	return token.value;
}

/** Compiles a `$filter` expression; throws a DataverseError (400) for syntax, property and type errors. */
export function compileFilter(text: string, ctx: FilterContext): Predicate {
	return new Parser(text, tokenize(text), ctx).parse();
}

/** Quotes a string for an OData literal (doubling single quotes). */
export function odataString(value: string): string {
	return `'${value.replace(/'/g, "''")}'`;
}
