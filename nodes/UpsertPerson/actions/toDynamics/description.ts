import { updateDisplayOptions, type INodeProperties } from 'n8n-workflow';

import { ownerProperty } from '../../../descriptions';
import { fieldMapperProperty, upsertOptions } from '../descriptions';

/** The column records are matched on when an item names none (the native sync matches on email). */
export const DEFAULT_MATCH_COLUMN = 'emailaddress1';

const properties: INodeProperties[] = [
	fieldMapperProperty(
		'Columns',
		"Which Dynamics columns to write. \"Map Automatically\" applies Marketo's native Dynamics mapping: items from the Marketo Trigger (Marketo field names) are translated to Dynamics columns, items that already use Dynamics names pass through. \"Map Each Field Below\" starts with the same default mapping as expressions you can change.",
		'getDynamicsColumns',
		{ singular: 'column', plural: 'columns' },
	),
	{
		displayName: 'Match On Column Name or ID',
		name: 'matchColumn',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getPersonMatchColumns', loadOptionsDependsOn: ['personType'] },
		default: DEFAULT_MATCH_COLUMN,
		description:
			'When an item has no Dynamics record ID (no Microsoft ID), the record whose column has the same value is updated, and a new record is created when none has. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	upsertOptions('With Person Type "Detect From Each Item": the Dynamics table used when an item has no Microsoft Type', [
		{ ...ownerProperty, displayName: 'Owner of New Records Name or ID' },
	]),
];

export const description = updateDisplayOptions({ show: { target: ['dynamics'] } }, properties);
