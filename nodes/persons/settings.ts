import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { DEFAULT_ACTIVITY_TYPE } from '../activity-log';
import type { FailureLogSettings } from './failureLog';
import type { MappingOverride } from './mapping';

/** Reads the shared "Options" entries (failure logging, extra mappings) of an action node. */
export function readOptions(ctx: IExecuteFunctions, itemIndex = 0): IDataObject {
	return (ctx.getNodeParameter('options', itemIndex, {}) as IDataObject) ?? {};
}

export function failureLogSettings(options: IDataObject): FailureLogSettings {
	return {
		enabled: options.logFailures !== false,
		activityType: String(options.activityType || DEFAULT_ACTIVITY_TYPE),
	};
}

export function extraMappings(options: IDataObject): MappingOverride[] {
	const collection = (options.extraMappings as { mapping?: IDataObject[] } | undefined)?.mapping ?? [];
	return collection.map((m) => ({ marketo: String(m.marketo ?? ''), dynamics: String(m.dynamics ?? ''), direction: m.direction === 'toMarketo' ? 'toMarketo' : 'both' }));
}
