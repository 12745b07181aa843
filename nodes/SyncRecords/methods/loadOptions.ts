import type { IDataObject, ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { marketoRequest } from '../../transport/marketo';
import { customObjectPath } from '../../transport/marketoApi';

export { getDynamicsColumns, getDynamicsTables, getMarketoCustomObjects } from '../../loadOptions';

/** Fields of the chosen Marketo custom object (describe), dedupe fields first. */
export async function getCustomObjectFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const apiName = String(this.getCurrentNodeParameter('customObject') ?? '');
	if (!apiName) return [];
	const envelope = await marketoRequest(this, { method: 'GET', path: `${customObjectPath(apiName)}/describe.json` });
	const type = envelope.result?.[0] ?? {};
	const dedupe = new Set(((type.dedupeFields as string[] | undefined) ?? []).map(String));
	const fields = (type.fields as IDataObject[] | undefined) ?? [];
	return fields
		.filter((f) => !['marketoGUID', 'createdAt', 'updatedAt'].includes(String(f.name)))
		.map((f) => ({
			name: `${String(f.displayName ?? f.name)} (${String(f.name)})`,
			value: String(f.name),
			description: `${String(f.dataType ?? '')}${dedupe.has(String(f.name)) ? ', dedupe field' : ''}`,
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}
