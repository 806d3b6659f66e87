// Integration tests inside workerd: the real Worker, Durable Objects and storage, built
// from wrangler.toml, with a test entry that adds agent types made for testing.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";
import { TEST_SECRET } from "./test/workers/secret.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/workers/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      // A small backlog cap, so that a test reaches it with a few dozen events (events-retention.test.ts);
      // metrics flushed as soon as recorded, so that a scrape shows them without waiting an interval.
      miniflare: { bindings: { JIDO_JWT_SECRET: TEST_SECRET, JIDO_RATE_LIMIT_RPS: "100000", JIDO_SUBSCRIPTION_MAX_BACKLOG: "20", JIDO_METRICS_FLUSH_MS: "0" } },
    }),
  ],
  // The CloudEvents SDK (CommonJS) requires `uuid`, whose export conditions would hand
  // workerd's module loader an ES module to require: point it at the CommonJS build.
  resolve: { alias: { uuid: createRequire(import.meta.url).resolve("uuid") } },
  test: {
    include: ["test/workers/**/*.test.ts"],
    // Vitest's default on 2 cores is one worker (cores - 1), so the files ran one after
    // another; each file gets its own workerd (a runner per file), and most of a file's
    // time is waiting (alarms, timers, object round trips), so two at once nearly halve
    // the wall time on 2 cores.
    maxWorkers: 2,
    retry: 0,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
