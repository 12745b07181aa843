import { updateDisplayOptions, type IExecuteFunctions, type INodeExecutionData, type INodeProperties } from 'n8n-workflow';

import { emitOutcomes } from '../../persons/outcome';
import { resolveItems } from '../helpers/engine';
import { readSettings } from '../helpers/settings';
import { collisionProperties, FIELD_OPTIONS } from './collisions.description';
import { optionsProperties } from './options.description';

const properties: INodeProperties[] = [
	{
		displayName:
			'Connect a Dynamics 365 Trigger (leads or contacts) or a Marketo Trigger. The node reads the other system itself and outputs, per change, what to write where: feed it to Upsert Lead/Contact.',
		name: 'notice',
		type: 'notice',
		default: '',
	},
	{
		displayName: 'Fields to Sync',
		name: 'fieldSelection',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'All Default Fields', value: 'all', description: "Every field of Marketo's native lead and contact mapping" },
			{ name: 'Selected Fields', value: 'selected', description: 'Only the fields chosen below' },
		],
		default: 'all',
		description: 'Which fields are compared and merged between the Marketo person and the Dynamics lead or contact',
	},
	{
		displayName: 'Fields',
		name: 'fields',
		type: 'multiOptions',
		options: FIELD_OPTIONS,
		default: ['email', 'firstName', 'lastName'],
		displayOptions: { show: { fieldSelection: ['selected'] } },
		description: 'Fields to compare and merge, shown as Marketo field ↔ Dynamics column',
	},
	...collisionProperties,
	...optionsProperties,
];

export const description = updateDisplayOptions({ show: { operation: ['resolve'] } }, properties);

export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	const outcomes = await resolveItems(
		this,
		items.map((item) => item.json),
		(index) => readSettings(this, index),
	);
	return emitOutcomes(
		this,
		items.map((_, i) => outcomes[i] ?? { ref: { index: i }, failure: { message: `Item ${i + 1}: no result`, source: 'input', named: true } }),
	);
}
