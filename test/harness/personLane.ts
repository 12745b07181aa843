import type { IDataObject } from 'n8n-workflow';

import type { NodeSpec, RunResult } from './engine';

/** The two credentials the package's nodes take, as the tests register them (`dyn`, `mkto`). */
export const LANE_CREDENTIALS = { marketoApi: { id: 'mkto', name: 'Marketo' }, microsoftDynamicsApi: { id: 'dyn', name: 'Dynamics' } };

/** The person lane as the template wires it: Resolve Conflict → Upsert into Dynamics → Upsert into Marketo. */
export function personLaneNodes(resolveOptions: IDataObject = {}): NodeSpec[] {
	return [
		{ name: 'Resolve', type: 'resolveConflict', parameters: { operation: 'resolve', options: resolveOptions } as never, credentials: LANE_CREDENTIALS, onError: 'continueErrorOutput' },
		{ name: 'To Dynamics', type: 'upsertPerson', parameters: { target: 'dynamics' } as never, credentials: LANE_CREDENTIALS, onError: 'continueErrorOutput' },
		{ name: 'To Marketo', type: 'upsertPerson', parameters: { target: 'marketo' } as never, credentials: LANE_CREDENTIALS, onError: 'continueErrorOutput' },
	];
}

/** What the lane's nodes sent to their error outputs. */
export function laneErrors(result: RunResult): IDataObject[] {
	return ['Resolve', 'To Dynamics', 'To Marketo'].flatMap((node) => result.output(node, 1).map((i) => i.json as IDataObject));
}
