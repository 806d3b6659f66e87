// A test agent type that uses the tenant's cache from its actions (ctx.cache).
import { z } from "zod";
import { defineAgent } from "../../src/platform/agent/define-agent.ts";

const at = { namespace: z.string(), key: z.string() };

export const cacheUserAgent = defineAgent({
  name: "cache_user",
  version: "1.0.0",
  state: { schema: z.strictObject({}), initial: {} },
  actions: (action) => ({
    remember: action({
      input: z.strictObject({ ...at, value: z.unknown(), ttl: z.number().optional() }),
      output: z.strictObject({ version: z.number() }),
      run: async ({ namespace, key, value, ttl }, ctx) => ({ result: await ctx.cache.put(namespace, key, value, ttl === undefined ? {} : { ttl }) }),
    }),
    recall: action({
      input: z.strictObject({ ...at, consistency: z.enum(["eventual", "strong", "bounded"]).optional(), maxStalenessMs: z.number().optional() }),
      output: z.strictObject({ found: z.boolean(), value: z.unknown() }),
      run: async ({ namespace, key, ...options }, ctx) => {
        const value = await ctx.cache.get(namespace, key, options);
        return { result: { found: value !== undefined, value: value ?? null } };
      },
    }),
    forget: action({
      input: z.strictObject(at),
      output: z.strictObject({}),
      run: async ({ namespace, key }, ctx) => {
        await ctx.cache.delete(namespace, key);
        return { result: {} };
      },
    }),
  }),
});
