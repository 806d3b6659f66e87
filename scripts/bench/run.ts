// `npm run bench`: runs every benchmark in order and prints its figures. Benchmarks
// judge nothing by exit code; it is non-zero only when a benchmark crashed.
// Add a benchmark by appending it to BENCHES.
import { runAgentBench } from "./agents.ts";
import { installSignalCleanup, stopAllServers } from "./lib/servers.ts";

const BENCHES: ReadonlyArray<readonly [string, () => Promise<unknown>]> = [["agents", runAgentBench]];

const main = async (): Promise<number> => {
  installSignalCleanup();
  let crashed = 0;
  for (const [name, bench] of BENCHES) {
    const started = performance.now();
    try {
      await bench();
      console.log(`\nbench '${name}' finished in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    } catch (error) {
      crashed++;
      console.error(`\nbench '${name}' crashed after ${((performance.now() - started) / 1000).toFixed(1)}s:`, error);
    } finally {
      await stopAllServers();
    }
  }
  return crashed === 0 ? 0 : 1;
};

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error("bench: crashed:", error);
    process.exit(1);
  },
);
