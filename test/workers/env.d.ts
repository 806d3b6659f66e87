// The bindings `env` from cloudflare:test carries in the integration tests.
import type { Bindings } from "../../src/env.ts";

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {}
  }
}
