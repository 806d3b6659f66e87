// End-to-end tests against real `wrangler dev` processes (restarts, crashes, the CLI).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    retry: 0,
    testTimeout: 180_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
