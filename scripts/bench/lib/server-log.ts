// What a bench server wrote to its log (stdout + stderr of wrangler dev, --log-level warn):
// SQLITE_NOMEM lines, error-like and warning lines, and a few distinct samples; and the
// report of the servers' logs a comparative benchmark prints once they have stopped.
import { readFileSync } from "node:fs";

export type LogScan = { nomem: number; errorLines: number; warnLines: number; samples: string[] };

export const scanLog = (server: { logFile: string }): LogScan => {
  let text = "";
  try {
    text = readFileSync(server.logFile, "utf8");
  } catch {
    // no log
  }
  const lines = text.split("\n");
  const errorish = lines.filter((line) => /error|SQLITE_|fail|exception/i.test(line));
  const samples = [...new Set(errorish.map((line) => line.trim().slice(0, 240)))].slice(0, 8);
  return {
    nomem: lines.filter((line) => line.includes("SQLITE_NOMEM")).length,
    errorLines: errorish.length,
    warnLines: lines.filter((line) => /warn/i.test(line)).length,
    samples,
  };
};

/** Scans each server's log and prints what it found; returns the scans by name. */
export const printServerLogs = <N extends string>(sides: readonly { name: N; server: { logFile: string } }[]): (readonly [N, LogScan])[] => {
  const logs = sides.map((side) => [side.name, scanLog(side.server)] as const);
  console.log("\n## Server logs (stdout + stderr of wrangler dev, --log-level warn)");
  for (const [name, scan] of logs) {
    console.log(`  ${name}: ${scan.nomem} SQLITE_NOMEM lines, ${scan.errorLines} error-like lines, ${scan.warnLines} warn lines`);
    for (const line of scan.samples) console.log(`    ${line}`);
  }
  return logs;
};
