// Unit tests of pure code (beside the source, including the dashboard's browser modules
// in public/) and type tests, in Node.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "public/**/*.test.js"],
    retry: 0,
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
  },
});
