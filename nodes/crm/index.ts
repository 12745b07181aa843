import type { ApiContext } from '../transport/context';
import { dynamicsCrm } from './dynamics';
import type { CrmPort } from './port';

export * from './port';

/**
 * The CRM a node syncs with. Every node of this package syncs Marketo with Dynamics 365; a node for
 * another CRM (Salesforce) passes its own port to the same domain code.
 */
export function crmOf(ctx: ApiContext): CrmPort {
	return dynamicsCrm(ctx);
}
