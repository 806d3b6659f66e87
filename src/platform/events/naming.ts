// Durable Object names of event streams: one object per tenant and stream.
export const streamObjectName = (tenant: string, stream: string): string => `stream/${tenant}/${stream}`;
