import type { IDataObject } from 'n8n-workflow';

import type { ApiContext } from './context';
import { dataverseCredentials, dataverseRequest } from './dataverse';
import { cached } from './dataverseApi';
import { assertFieldName } from './odata';

/** The options of one choice column: label (lower case) → value, and whether several can be picked. */
export interface ChoiceOptions {
	multiSelect: boolean;
	valueOf: Map<string, number>;
}

/**
 * The derived attribute metadata types that hold an OptionSet with Options (the enumeration types
 * other than Boolean): learn.microsoft.com/power-apps/developer/data-platform/webapi/query-metadata-web-api
 * ("Retrieve attributes" by casting) and .../multi-select-picklist (MultiSelectPicklistAttributeMetadata).
 */
const CHOICE_METADATA_TYPES = [
	['PicklistAttributeMetadata', false],
	['StateAttributeMetadata', false],
	['StatusAttributeMetadata', false],
	['MultiSelectPicklistAttributeMetadata', true],
] as const;

/**
 * The choice columns of a table (logical name → options), from EntityDefinitions/Attributes cast to
 * each choice metadata type with `$expand=OptionSet($select=Options)`; cached like all metadata.
 */
export async function choiceColumns(ctx: ApiContext, table: string): Promise<Map<string, ChoiceOptions>> {
	assertFieldName(table);
	const { environment } = await dataverseCredentials(ctx);
	const entries = await cached(`${environment}|choices|${table}`, async () => {
		const out: Array<[string, { multiSelect: boolean; options: Array<[string, number]> }]> = [];
		for (const [metadataType, multiSelect] of CHOICE_METADATA_TYPES) {
			const response = await dataverseRequest(ctx, {
				method: 'GET',
				path: `EntityDefinitions(LogicalName='${table}')/Attributes/Microsoft.Dynamics.CRM.${metadataType}`,
				qs: { $select: 'LogicalName', $expand: 'OptionSet($select=Options)' },
			});
			for (const attribute of (response.body as { value?: IDataObject[] }).value ?? []) {
				const options = ((attribute.OptionSet as IDataObject | undefined)?.Options as IDataObject[] | undefined) ?? [];
				const pairs: Array<[string, number]> = [];
				for (const option of options) {
					const label = (option.Label as { UserLocalizedLabel?: { Label?: string } } | undefined)?.UserLocalizedLabel?.Label;
					if (label && typeof option.Value === 'number') pairs.push([label.toLowerCase(), option.Value]);
				}
				out.push([String(attribute.LogicalName), { multiSelect, options: pairs }]);
			}
		}
		return out;
	});
	return new Map(entries.map(([column, { multiSelect, options }]) => [column, { multiSelect, valueOf: new Map(options) }]));
}
