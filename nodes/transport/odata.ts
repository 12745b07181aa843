const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isGuid(value: unknown): value is string {
	return typeof value === 'string' && GUID.test(value.trim());
}

/** A GUID as Dataverse returns it (lower case), or undefined. */
export function normaliseGuid(value: unknown): string | undefined {
	return isGuid(value) ? value.trim().toLowerCase() : undefined;
}

/** An OData string literal: quotes doubled, so a value can never end the literal early. */
export function odataString(value: string): string {
	return `'${String(value).replace(/'/g, "''")}'`;
}

/** `field eq 'value'` with the value escaped; field names are checked, never user data. */
export function odataEquals(field: string, value: string | number | boolean | null): string {
	assertFieldName(field);
	if (value === null) return `${field} eq null`;
	if (typeof value === 'number' || typeof value === 'boolean') return `${field} eq ${String(value)}`;
	return `${field} eq ${odataString(value)}`;
}

/** Logical names are lower-case identifiers; anything else would let input reshape a query. */
export function assertFieldName(name: string): void {
	if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`"${name}" is not a valid Dataverse column name`);
}

export function entityPath(entitySet: string, id: string): string {
	assertFieldName(entitySet);
	if (!isGuid(id)) throw new Error(`"${id}" is not a valid record ID (GUID expected)`);
	return `${entitySet}(${id.trim().toLowerCase()})`;
}
