import type { INodeProperties } from 'n8n-workflow';

import { failureLogOptions } from '../../descriptions';

/** The Options collection of both directions: where failures are logged on the person. */
export const failureLogCollection: INodeProperties = {
	displayName: 'Options',
	name: 'options',
	type: 'collection',
	placeholder: 'Add Option',
	default: {},
	options: [...failureLogOptions],
};
