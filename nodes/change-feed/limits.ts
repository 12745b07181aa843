import type { IPollFunctions } from 'n8n-workflow';

/** A whole number from a node parameter, within [min, max]; the fallback when unset or invalid. */
export function boundedInteger(value: unknown, fallback: number, min: number, max: number): number {
	const n = Number(value);
	if (value === undefined || value === null || value === '' || !Number.isFinite(n)) return fallback;
	return Math.min(max, Math.max(min, Math.floor(n)));
}

/**
 * Time left for this poll. n8n 2.41 gives each poll a budget (5 minutes by default, less under the
 * scheduler); a trigger draining a backlog stops fetching once half of it is used and leaves the rest
 * for the next poll, so the tick is never abandoned halfway.
 */
export class PollBudget {
	private readonly deadline: number;

	constructor(ctx: IPollFunctions) {
		const budget = typeof ctx.getPollBudgetMs === 'function' ? ctx.getPollBudgetMs() : 5 * 60_000;
		this.deadline = Date.now() + Math.max(1_000, budget) / 2;
	}

	get exhausted(): boolean {
		return Date.now() >= this.deadline;
	}
}
