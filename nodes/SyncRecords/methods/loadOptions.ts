import type { ILoadOptionsFunctions, INodePropertyOptions } from 'n8n-workflow';

import { customObjectPath, describeObject } from '../../transport/marketoApi';

export { getDynamicsColumns, getDynamicsTables, getMarketoCustomObjects } from '../../loadOptions';

/** Fields of the chosen Marketo custom object (describe), dedupe fields marked. */
export async function getCustomObjectFields(this: ILoadOptionsFunctions): Promise<INodePropertyOptions[]> {
	const apiName = String(this.getCurrentNodeParameter('customObject') ?? '');
	if (!apiName) return [];
	const { fields, dedupeFields } = await describeObject(this, customObjectPath(apiName));
	const dedupe = new Set(dedupeFields);
	return fields
		.filter((f) => !['marketoGUID', 'createdAt', 'updatedAt'].includes(f.name))
		.map((f) => ({
			name: `${f.displayName} (${f.name})`,
			value: f.name,
			description: `${f.dataType}${dedupe.has(f.name) ? ', dedupe field' : ''}`,
		}))
		.sort((a, b) => a.name.localeCompare(b.name));
}
