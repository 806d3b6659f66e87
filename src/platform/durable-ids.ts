// Durable Object ids by name, kept: `idFromName` hashes the name (SHA-256) on every call,
// and a caller that reaches the same few objects again and again (a run's coordinator its
// agents, five calls a run over a pool of agents) pays it each time. An id is plain data,
// safe to keep across requests (a stub is not: each attempt takes a fresh one).
/** A namespace as far as naming goes (any binding's `idFromName`). */
type Named<Id> = { idFromName(name: string): Id };

/** `idFromName` remembered per namespace, up to `max` names each (all forgotten when full). */
export const createIdCache = <Id>(max = 10_000) => {
  const byNamespace = new WeakMap<object, Map<string, Id>>();
  return (namespace: Named<Id>, name: string): Id => {
    let ids = byNamespace.get(namespace);
    if (!ids) byNamespace.set(namespace, (ids = new Map()));
    let id = ids.get(name);
    if (id === undefined) {
      if (ids.size >= max) ids.clear();
      ids.set(name, (id = namespace.idFromName(name)));
    }
    return id;
  };
};
