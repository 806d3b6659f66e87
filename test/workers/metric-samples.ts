// The metrics workers tests read a scrape the same way: a small independent reading of
// the Prometheus text format (sample lines only, label values unescaped), sums over the
// series that carry given labels, and requests as a tenant's admin.
import { SELF } from "cloudflare:test";
import { toReply, type Reply } from "./http.ts";
import { bearer } from "./tokens.ts";

export type Series = { name: string; labels: Record<string, string>; value: number };

export const parseSamples = (text: string): Series[] =>
  text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
      if (!match) throw new Error(`not a sample line: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, name, value] of (match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = value!.replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
      return { name: match[1]!, labels, value: Number(match[3]) };
    });

export const sum = (series: Series[], name: string, labels: Record<string, string> = {}): number =>
  series.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)).reduce((total, s) => total + s.value, 0);

/** A request function for the tenant, with a token holding `caps`. */
export const as = async (tenant: string, caps: string[] = ["admin"]) => {
  const auth = await bearer({ tenant, caps, rps: 1_000_000 });
  return async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Reply> =>
    toReply(
      await SELF.fetch(`http://localhost${path}`, {
        method,
        headers: { ...auth, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
};
