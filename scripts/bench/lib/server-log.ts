// What a bench server wrote to its log (stdout + stderr of wrangler dev, --log-level warn):
// SQLITE_NOMEM lines, error-like and warning lines, and a few distinct samples.
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
