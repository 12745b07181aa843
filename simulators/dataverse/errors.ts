/** A Dataverse Web API error: `{"error":{"code":"0x…","message":"…"}}` with an HTTP status. */
export class DataverseError extends Error {
	constructor(
		readonly status: number,
		readonly code: string,
		message: string,
		readonly headers: Record<string, string> = {},
	) {
		super(message);
	}

	toBody() {
		return { error: { code: this.code, message: this.message } };
	}
}

export const ODATA_HELP_LINK = 'https://go.microsoft.com/fwlink/?linkid=2195293';

/** Errors raised while ODataLib reads a request payload (unknown property, wrong JSON type, bad bind). */
export function payloadError(entitySet: string, inner: string): DataverseError {
	return new DataverseError(
		400,
		'0x80048d19',
		`Error identified in Payload provided by the user for Entity :'${entitySet}', For more information on this error please follow this help link ${ODATA_HELP_LINK}  ----> InnerException : Microsoft.OData.ODataException: ${inner}`,
	);
}

export function queryError(message: string, status = 400): DataverseError {
	return new DataverseError(status, '0x80060888', message);
}

export function propertyNotFound(property: string, typeName: string): DataverseError {
	return queryError(`Could not find a property named '${property}' on type '${typeName}'.`);
}

export function recordNotFound(table: string, id: string): DataverseError {
	return new DataverseError(404, '0x80040217', `${table} With Id = ${id} Does Not Exist`);
}
