// Which methods a path takes, derived once from the app's own route table (so it can
// never drift from the routes), for 405 Method Not Allowed and OPTIONS answers.
import { TrieRouter } from "hono/router/trie-router";

type RouteEntry = { method: string; path: string };

/** A lookup from a request path to the methods its routes take (empty when no route has that path). */
export const allowedMethods = (routes: readonly RouteEntry[]): ((path: string) => string[]) => {
  const router = new TrieRouter<string>();
  const added = new Set<string>();
  for (const { method, path } of routes) {
    // Middleware is registered for every method ("ALL"); it makes no path exist.
    if (method === "ALL" || added.has(`${method} ${path}`)) continue;
    added.add(`${method} ${path}`);
    // Registered for every method, so one lookup finds the routes of all methods.
    router.add("ALL", path, method);
  }
  return (path) => {
    const methods = new Set(router.match("GET", path)[0].map(([method]) => method));
    if (methods.size === 0) return [];
    if (methods.has("GET")) methods.add("HEAD");
    methods.add("OPTIONS");
    return [...methods].sort();
  };
};
