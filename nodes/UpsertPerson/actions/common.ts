import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import type { PersonTable } from '../../mapping/defaultMappings';
import { tableFromType, type PersonView } from '../../persons';

/** The person table of one item: the node's Person Type, or what the item says, or the fallback. */
export function itemTable(personType: string, view: PersonView, fallback: PersonTable): PersonTable {
	return tableFromType(personType) ?? view.table ?? fallback;
}

/** The field values the user mapped one by one (resource mapper "Map Each Field Below"). */
export function definedValues(ctx: IExecuteFunctions, itemIndex: number): IDataObject {
	const value = ctx.getNodeParameter('columns.value', itemIndex, {}, { skipValidation: true }) as IDataObject | null;
	return value ?? {};
}

export function mappingMode(ctx: IExecuteFunctions): 'autoMapInputData' | 'defineBelow' {
	const mode = ctx.getNodeParameter('columns.mappingMode', 0, 'autoMapInputData') as string;
	return mode === 'defineBelow' ? 'defineBelow' : 'autoMapInputData';
}
