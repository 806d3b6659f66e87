// Durable Object names of event streams: one object per tenant and stream.
export const streamObjectName = (tenant: string, stream: string): string => `stream/${tenant}/${stream}`;

/** The tenant's event bus directory: its subscriptions and the streams they apply to. */
export const busObjectName = (tenant: string): string => `bus/${tenant}`;
