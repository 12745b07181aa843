/** Marketo's activity pages hold up to 300; a poll reads up to this many activities per feed by default. */
export const DEFAULT_ACTIVITIES_PER_POLL = 1000;
export const MAX_ACTIVITIES_PER_POLL = 10_000;
/** Marketo may return short (even empty) pages while more follow; a poll stops after this many calls per feed. */
export const MAX_PAGES_PER_POLL = 100;
/** The Source Marketo writes on activities caused through the REST API. */
export const API_SOURCE = 'Web service API';
