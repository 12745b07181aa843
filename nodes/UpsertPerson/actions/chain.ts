import type { IExecuteFunctions, NodeTypeAndVersion } from 'n8n-workflow';

/** Upsert Lead/Contact nodes writing to `target` among `nodes` (enabled; target defaults to Marketo). */
function upserts(ctx: IExecuteFunctions, nodes: NodeTypeAndVersion[], target: 'marketo' | 'dynamics'): NodeTypeAndVersion[] {
	const type = ctx.getNode().type;
	return nodes.filter((n) => !n.disabled && n.type === type && ((n.parameters?.target as string | undefined) ?? 'marketo') === target);
}

/**
 * Whether an Upsert Lead/Contact writing to Marketo runs after this node (the template's order):
 * then Resolve Conflict items go on to it, and their Marketo half is written there.
 */
export function marketoWriteFollows(ctx: IExecuteFunctions): boolean {
	return upserts(ctx, ctx.getChildNodes(ctx.getNode().name, { includeNodeParameters: true }), 'marketo').length > 0;
}

/**
 * The Upsert Lead/Contact writing to Dynamics that gets the same Resolve Conflict items as this node
 * (workflows saved before the two were chained: both hang off Resolve Conflict). That node writes
 * each person to Dynamics and then to Marketo, so this one leaves those items alone.
 */
export function dynamicsWriteBeside(ctx: IExecuteFunctions): string | undefined {
	const me = ctx.getNode().name;
	for (const parent of ctx.getParentNodes(me, { depth: 1 })) {
		const beside = upserts(ctx, ctx.getChildNodes(parent.name, { includeNodeParameters: true }), 'dynamics').find((n) => n.name !== me);
		if (beside) return beside.name;
	}
	return undefined;
}
