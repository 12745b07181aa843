import type { ApiContext } from '../transport/context';
import { describeLeads, type MarketoField } from '../transport/marketoApi';

/** Marketo lead fields by REST name (describe, cached by the transport). */
export async function marketoFieldMap(ctx: ApiContext): Promise<Map<string, MarketoField>> {
	const fields = await describeLeads(ctx);
	return new Map(fields.map((f) => [f.name, f]));
}
