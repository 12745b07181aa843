import type { IDataObject } from 'n8n-workflow';

import type { FieldMapping, PersonTable } from '../mapping/defaultMappings';
import type { ApiContext } from '../transport/context';
import { dataverseRequest } from '../transport/dataverse';
import { listColumns, type ColumnInfo } from '../transport/dataverseApi';
import { describeLeads, type MarketoField } from '../transport/marketoApi';
import { assertFieldName } from '../transport/odata';

/** Marketo lead fields by REST name (describe, cached by the transport). */
export async function marketoFieldMap(ctx: ApiContext): Promise<Map<string, MarketoField>> {
	const fields = await describeLeads(ctx);
	return new Map(fields.map((f) => [f.name, f]));
}

/** Dataverse columns of a person table by logical name (metadata, cached by the transport). */
export async function dynamicsColumnMap(ctx: ApiContext, table: PersonTable): Promise<Map<string, ColumnInfo>> {
	const columns = await listColumns(ctx, table);
	return new Map(columns.map((c) => [c.logicalName, c]));
}

/**
 * Choice labels of a table's choice columns (column → lower-case label → number), so a Marketo
 * text value such as "Web" can be written to a Dynamics choice. Empty when the metadata cannot be
 * read: numbers still work then.
 */
export async function loadChoiceLabels(ctx: ApiContext, table: PersonTable): Promise<Map<string, Map<string, number>>> {
	assertFieldName(table);
	const out = new Map<string, Map<string, number>>();
	try {
		const response = await dataverseRequest(ctx, {
			method: 'GET',
			path: `EntityDefinitions(LogicalName='${table}')/Attributes/Microsoft.Dynamics.CRM.PicklistAttributeMetadata`,
			qs: { $select: 'LogicalName', $expand: 'OptionSet($select=Options)' },
		});
		for (const attribute of (response.body as { value?: IDataObject[] }).value ?? []) {
			const options = ((attribute.OptionSet as IDataObject | undefined)?.Options as IDataObject[] | undefined) ?? [];
			const labels = new Map<string, number>();
			for (const option of options) {
				const label = (option.Label as { UserLocalizedLabel?: { Label?: string } } | undefined)?.UserLocalizedLabel?.Label;
				if (label && typeof option.Value === 'number') labels.set(label.toLowerCase(), option.Value);
			}
			out.set(String(attribute.LogicalName), labels);
		}
	} catch {
		// Choice labels are a convenience; numeric values still work without them.
	}
	return out;
}

/**
 * Whether any item holds text for a mapped Dynamics choice column (under either system's name):
 * only then are the choice labels worth loading.
 */
export function needsChoiceLabels(items: IDataObject[], mappings: FieldMapping[], columns: Map<string, ColumnInfo>): boolean {
	const choicePairs = mappings.filter((m) => columns.get(m.dynamics)?.type === 'Picklist');
	const isText = (x: unknown) => typeof x === 'string' && x.trim() !== '' && !/^\s*-?\d+\s*$/.test(x);
	return items.some((json) => choicePairs.some((m) => isText(json[m.marketo]) || isText(json[m.dynamics])) || Object.entries(json).some(([k, x]) => columns.get(k)?.type === 'Picklist' && isText(x)));
}
