/** Marketo's activity pages hold up to 300; a poll reads up to this many activities per feed by default. */
// High enough to drain the activity log of an initial copy (one activity per changed field) in a few polls.
export const DEFAULT_ACTIVITIES_PER_POLL = 10_000;
export const MAX_ACTIVITIES_PER_POLL = 30_000;
/** Marketo may return short (even empty) pages while more follow; a poll stops after this many calls per feed. */
export const MAX_PAGES_PER_POLL = 100;
/** The Source Marketo writes on activities caused through the REST API. */
export const API_SOURCE = 'Web service API';
