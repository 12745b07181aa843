import type { INodeProperties } from 'n8n-workflow';

import { extraMappingsOption, failureLogOptions, newPersonTypeOption, sortedOptions, useDefaultMappingOption } from '../../descriptions';

/** The field mapper of one target ("Map Automatically" or "Map Each Field Below"), loaded by `method`. */
export function fieldMapperProperty(displayName: string, description: string, method: string, words: { singular: string; plural: string }): INodeProperties {
	return {
		displayName,
		name: 'columns',
		type: 'resourceMapper',
		noDataExpression: true,
		default: { mappingMode: 'autoMapInputData', value: null },
		required: true,
		description,
		typeOptions: {
			loadOptionsDependsOn: ['personType'],
			resourceMapper: { resourceMapperMethod: method, mode: 'add', fieldWords: words, addAllFields: true, multiKeyMatch: false, supportAutoMap: true },
		},
	};
}

/**
 * The Options of one target: failure logging, extra mappings, the default mapping switch and
 * "Person Type When Unknown" (its description per target), with the target's own `entries`.
 */
export function upsertOptions(newPersonTypeDescription: string, entries: INodeProperties[]): INodeProperties {
	return {
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: sortedOptions([...failureLogOptions, extraMappingsOption, newPersonTypeOption(newPersonTypeDescription), useDefaultMappingOption, ...entries]),
	};
}
