import type { IPollFunctions } from 'n8n-workflow';

import { getPage } from '../../transport/dataverseApi';
import type { DynamicsTriggerItem } from '../../persons/itemShapes';
import { toItems, type ItemContext } from './items';

const SAMPLE_SIZE = 5;

/**
 * "Fetch test event": the most recently modified rows, shaped like real items, so the next nodes can
 * be mapped. Reads nothing from the cursor and writes nothing to it.
 */
export async function sampleRows(ctx: IPollFunctions, entitySet: string, select: string[], itemContext: ItemContext): Promise<DynamicsTriggerItem[]> {
	const page = await getPage(ctx, { entitySet, select, orderby: 'modifiedon desc', pageSize: SAMPLE_SIZE, annotations: true });
	const { items } = toItems(
		{ rows: page.rows.slice(0, SAMPLE_SIZE), deleted: [], initialCopy: false },
		{ ...itemContext, syncUserId: undefined },
		{ excludedIds: [] },
	);
	return items.map((item) => ({
		...item,
		operation: item.fields.createdon === item.modifiedon ? 'created' : 'updated',
	}));
}
