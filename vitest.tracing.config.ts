// Tracing inside workerd: the workers suite's Worker and objects with span export on
// (to an address the tests intercept) at sample rate 0, so that only what the tests
// trace is exported. Its own configuration, because the variables are per workerd.
import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { createRequire } from "node:module";
import { defineConfig } from "vitest/config";
import { TEST_SECRET } from "./test/workers/secret.ts";

export default defineConfig({
  plugins: [
    cloudflareTest({
      main: "./test/workers/worker.ts",
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          JIDO_JWT_SECRET: TEST_SECRET,
          JIDO_RATE_LIMIT_RPS: "100000",
          JIDO_OTLP_ENDPOINT: "https://otlp.example.test",
          JIDO_OTLP_HEADERS: "authorization=Bearer otlp-test",
          JIDO_TRACE_SAMPLE_RATE: "0",
        },
      },
    }),
  ],
  resolve: { alias: { uuid: createRequire(import.meta.url).resolve("uuid") } },
  test: {
    include: ["test/tracing/**/*.test.ts"],
    retry: 0,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
