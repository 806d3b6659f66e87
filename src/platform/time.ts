// Time on the wire is ISO 8601 UTC; in storage it is epoch milliseconds.
export const isoTime = (ms: number): string => new Date(ms).toISOString();

export const isoTimeOrNull = (ms: number | null): string | null => (ms === null ? null : isoTime(ms));
