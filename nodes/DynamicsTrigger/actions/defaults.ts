/** Sized so one execution stays far below 1 GiB even with wide rows (a few KB to 20 KB each). */
export const DEFAULT_RECORDS_PER_POLL = 5000;
export const MAX_RECORDS_PER_POLL = 50_000;
export const DEFAULT_PAGE_SIZE = 1000;
