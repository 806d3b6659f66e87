// The settings every benchmark reads from the environment, in one place. The others:
// BENCH_ONLY (run.ts), BENCH_KEEP_STATE (session.ts), JIDO_TOKEN and JIDO_JWT_SECRET
// (platform-auth.ts).

/** BENCH_QUICK=1: smaller counts and shorter rounds, for smoke runs. */
export const QUICK = process.env.BENCH_QUICK === "1";

/** The platform's wrangler config: the root one, or BENCH_PLATFORM_CONFIG (e.g. a snapshot of another commit). */
export const PLATFORM_CONFIG = process.env.BENCH_PLATFORM_CONFIG || undefined;
