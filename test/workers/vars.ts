// Tiny storage bounds for one object of a test: the object's instance gets the given
// variables over wrangler.toml's, so the bound applies to that object (of the test's own
// tenant) alone and every other suite keeps the defaults. Objects read their bounds from
// `this.env` per call (src/platform/storage-bounds.ts); the instance keeps the variables
// until the object is evicted, which the tests here never do.
import { runInDurableObject } from "cloudflare:test";
import type { BoundsVars } from "../../src/platform/storage-bounds.ts";

export const withVars = (stub: DurableObjectStub, vars: { [K in keyof BoundsVars]?: string }): Promise<void> =>
  runInDurableObject(stub, (instance) => {
    const object = instance as unknown as { env: Env };
    object.env = { ...object.env, ...vars };
  });
