import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import { DEFAULT_ACTIVITY_TYPE } from '../activity-log';
import { DEFAULT_SYNC_FILTER } from '../mapping/syncFilter';

/** "Log Failures to Activity Log" + "Activity Type": entries for an action node's Options collection. */
export const failureLogOptions: INodeProperties[] = [
	{
		displayName: 'Activity Type Name or ID',
		name: 'activityType',
		type: 'options',
		typeOptions: { loadOptionsMethod: 'getCustomActivityTypes' },
		default: DEFAULT_ACTIVITY_TYPE,
		description:
			'Marketo custom activity type used to log failures on the person. The default "Dynamics Sync Error" type has the attributes Direction, Field, Error Code, Error Message and Workflow. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
	},
	{
		displayName: 'Log Failures to Activity Log',
		name: 'logFailures',
		type: 'boolean',
		default: true,
		description:
			"Whether to write every record that fails (bad value, missing required field, rejected by Dynamics or Marketo) onto the person's Marketo activity log, as the native sync does. Needs the person's Marketo lead ID.",
	},
];

/** Which way an extra field pair moves (FieldMapping.direction). */
export const mappingDirectionField: INodeProperties = {
	displayName: 'Direction',
	name: 'direction',
	type: 'options',
	options: [
		{ name: 'Both Ways', value: 'both' },
		{ name: 'Dynamics to Marketo Only', value: 'toMarketo' },
	],
	default: 'both',
	description: 'Whether changes flow both ways or only from Dynamics 365 to Marketo (never written to Dynamics)',
};

/** Extra field pairs added to (or replacing parts of) the native default mapping. */
export const extraMappingsOption: INodeProperties = {
	displayName: 'Extra Field Mappings',
	name: 'extraMappings',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	placeholder: 'Add Field Mapping',
	default: {},
	description: 'Pairs of a Marketo field and a Dynamics column to sync in addition to the default mapping. A pair replaces any default pair that uses the same field or column.',
	options: [
		{
			displayName: 'Mapping',
			name: 'mapping',
			values: [
				mappingDirectionField,
				{
					displayName: 'Dynamics Column Name or ID',
					name: 'dynamics',
					type: 'options',
					typeOptions: { loadOptionsMethod: 'getPersonColumns' },
					default: '',
					description: 'Column of the Dynamics lead or contact. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
				{
					displayName: 'Marketo Field Name or ID',
					name: 'marketo',
					type: 'options',
					typeOptions: { loadOptionsMethod: 'getMarketoLeadFields' },
					default: '',
					description: 'Marketo person field (REST API name). Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
				},
			],
		},
	],
};

export const useDefaultMappingOption: INodeProperties = {
	displayName: 'Use Default Field Mapping',
	name: 'useDefaultMapping',
	type: 'boolean',
	default: true,
	description: "Whether to sync the fields of Marketo's native Dynamics mapping (name, email, phone, address, consent, scoring fields). Turn off to sync only the Extra Field Mappings.",
};

/**
 * Lead and Contact as every person-table picker lists them (n8n's alphabetical order), with each
 * one's description when given; `extra` adds choices such as "From the Item".
 */
export function personTableOptions(describe: Partial<Record<'lead' | 'contact', string>> = {}, extra: INodePropertyOptions[] = []): INodePropertyOptions[] {
	const options: INodePropertyOptions[] = [
		{ name: 'Contact', value: 'contact', ...(describe.contact ? { description: describe.contact } : {}) },
		{ name: 'Lead', value: 'lead', ...(describe.lead ? { description: describe.lead } : {}) },
		...extra,
	];
	return options.sort((a, b) => a.name.localeCompare(b.name));
}

/** Lead or contact, for nodes that write one Dynamics table. */
export function personTypeProperty(overrides: Partial<INodeProperties> = {}): INodeProperties {
	return {
		displayName: 'Person Type',
		name: 'personType',
		type: 'options',
		noDataExpression: true,
		options: personTableOptions({ contact: 'Dynamics contact (Microsoft Type "Contact" in Marketo)', lead: 'Dynamics lead (Microsoft Type "Lead" in Marketo)' }),
		default: 'lead',
		description: 'Which Dynamics table the person belongs to',
		...overrides,
	} as INodeProperties;
}

/** "Person Type When Unknown", for an Options collection: the table of an item that does not say. */
export function newPersonTypeOption(description: string): INodeProperties {
	return { displayName: 'Person Type When Unknown', name: 'newPersonType', type: 'options', options: personTableOptions(), default: 'lead', description };
}

/** Owner of records created in Dynamics (systemuser picker). */
export const ownerProperty: INodeProperties = {
	displayName: 'Owner Name or ID',
	name: 'owner',
	type: 'options',
	typeOptions: { loadOptionsMethod: 'getOwners' },
	default: '',
	description:
		'Dynamics user who owns records this node creates. Leave the default to let Dynamics assign the owner. Choose from the list, or specify an ID using an <a href="https://docs.n8n.io/code/expressions/">expression</a>.',
};

/** Collection entries in alphabetical order of their labels (n8n's UI convention). */
export function sortedOptions(options: INodeProperties[]): INodeProperties[] {
	return [...options].sort((a, b) => a.displayName.localeCompare(b.displayName));
}

/** "Sync Filter Column": the native sync filter, an entry for an action node's Options collection. */
export const syncFilterOption: INodeProperties = {
	displayName: 'Sync Filter Column',
	name: 'syncFilterField',
	type: 'string',
	default: DEFAULT_SYNC_FILTER,
	description:
		'Dynamics Yes/No column that decides whether a record syncs, as the native sync filter does: empty, missing or Yes syncs, No skips. Clear this option to sync every record.',
};

/** The project README, where each node and credential has a section of its own. */
export const README_URL = 'https://github.com/n8n-nodes-marketo-dynamics-sync/n8n-nodes-marketo-dynamics-sync';

/**
 * A node's or credential's Docs link: its README section. Given as the description's
 * `documentationUrl`, which the editor opens as is; from the codex's primaryDocumentation alone it
 * would append "?utm_source=…" after the "#anchor" and land at the top of the page.
 */
export function readmeSection(anchor: string): string {
	return `${README_URL}#${anchor}`;
}
