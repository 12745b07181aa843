/** The sizes the issue asks for; each can be lowered by environment variable for a quick look. */
export const D2M_RECORDS_DEFAULT = 100_000;
