// A Durable Object stub seen through the methods its class declares. The runtime's
// own stub types (`DurableObjectStub<T>`) map every result through its RPC
// serialisation rules, which refuse `unknown` (agent state, action output, event data:
// JSON by construction, but typed as what the agent's schemas say) and give `never`.
// Seen through the class instead, a call is checked against the method it reaches,
// parameters and result alike, and every method still parses its input.
type RpcMethods<T> = {
  [K in keyof T as T[K] extends (...args: never[]) => Promise<unknown> ? K : never]: T[K];
};

export type TypedStub<T> = RpcMethods<T>;

/** The one place where the runtime's stub type is exchanged for the class's methods. */
export const typedStub = <T extends Rpc.DurableObjectBranded>(stub: DurableObjectStub<T>): TypedStub<T> => stub as unknown as TypedStub<T>;
