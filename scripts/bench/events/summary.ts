// The event benchmark's summary table: platform, bare, ratio and target for every figure
// of the publish, latency and replay measurements, and what disturbed them.
import { ratioText as x, verdict } from "../lib/report.ts";
import type { LogScan } from "../lib/server-log.ts";
import type { SideName } from "../lib/sides.ts";
import { fmt, fmtInt, ratio } from "../lib/stats.ts";
import { CONFIG, CORES } from "./config.ts";
import type { EventBenchResult } from "./result.ts";
import { checkClean } from "./ledgers.ts";
import { tally } from "./measure.ts";
import type { PublishFigures } from "./publish.ts";
import { errorText, type Side } from "./side.ts";

export const summaryRows = (sides: readonly [Side, Side], figures: EventBenchResult, logs: readonly (readonly [SideName, LogScan])[]): string[][] => {
  const { publish, latency, replay, patterns } = figures;
  const us = (f: { microsPerMatch: number }) => fmt(f.microsPerMatch, 3);
  const { streams: streamCount, batch } = CONFIG.publish;
  const xp = (f: Record<SideName, PublishFigures>) => `${x(f.platform.eventsPerSecond, f.bare.eventsPerSecond)} (paired median ${fmt(f.platform.pairedRatio, 2)}x)`;
  const one = publish.one as Record<SideName, PublishFigures>;
  const batched = publish.batch as Record<SideName, PublishFigures>;
  const many = publish.many as Record<SideName, PublishFigures>;
  const ceiling = (f: PublishFigures) => (CORES * 1000) / (f.workerCpuMs + f.proxyCpuMs + f.clientCpuMs);
  const scaling = (side: SideName) => ratio(many[side].eventsPerSecond, one[side].eventsPerSecond);
  const c = CONFIG.publish.concurrency;
  const p = replay.platform;
  const b = replay.bare;
  const n = fmtInt(CONFIG.replay.events);
  const checks = (side: SideName) => {
    const all = [one[side].check, batched[side].check, many[side].check, replay[side].fill.check];
    const sum = (key: "lost" | "extra" | "duplicates" | "reused") => all.reduce((total, check) => total + check[key], 0);
    return `${sum("lost")} / ${sum("extra")} / ${sum("duplicates")} / ${sum("reused")}${all.some((check) => check.problems.length > 0) ? " (length mismatch)" : ""}`;
  };
  const allClean = (side: SideName) => [one[side].check, batched[side].check, many[side].check, replay[side].fill.check].every(checkClean);
  const rows: string[][] = [
    [`publish, 1 stream, single events (events/s, c=${c})`, fmtInt(one.platform.eventsPerSecond), fmtInt(one.bare.eventsPerSecond), xp(one),
      `>= 0.8x bare: ${verdict(ratio(one.platform.eventsPerSecond, one.bare.eventsPerSecond) >= 0.8)}`],
    ["publish, 1 stream, single: request p50 / p99 (ms)", `${fmt(one.platform.p50)} / ${fmt(one.platform.p99)}`, `${fmt(one.bare.p50)} / ${fmt(one.bare.p99)}`, x(one.platform.p99, one.bare.p99) + " (p99)", ""],
    [`publish, 1 stream, batches of ${batch} (events/s, c=${c})`, fmtInt(batched.platform.eventsPerSecond), fmtInt(batched.bare.eventsPerSecond), xp(batched), "(reported separately)"],
    [`publish, ${streamCount} streams, single events (events/s, c=${c})`, fmtInt(many.platform.eventsPerSecond), fmtInt(many.bare.eventsPerSecond), xp(many), ""],
    [`scaling: ${streamCount} streams / 1 stream (${CORES} cores)`, `${fmt(scaling("platform"), 2)}x`, `${fmt(scaling("bare"), 2)}x`, "",
      `scales like bare (>= 0.8x of bare's scaling): ${verdict(scaling("platform") >= 0.8 * scaling("bare"))}`],
    [`publish single: CPU ceiling of this machine = ${CORES} cores / (worker + proxy + client CPU per event) (events/s)`,
      fmtInt(ceiling(one.platform)), fmtInt(ceiling(one.bare)), `${x(ceiling(one.platform), ceiling(one.bare))} (noise-robust estimate of the rate ratio)`,
      "1-stream rate near this: machine-bound, more streams cannot add"],
    ["publish single, 1 stream: Worker CPU per event (ms)", fmt(one.platform.workerCpuMs, 3), fmt(one.bare.workerCpuMs, 3), x(one.platform.workerCpuMs, one.bare.workerCpuMs), ""],
    ["publish single, 1 stream: dev-proxy CPU per event (ms; not in production)", fmt(one.platform.proxyCpuMs, 3), fmt(one.bare.proxyCpuMs, 3), x(one.platform.proxyCpuMs, one.bare.proxyCpuMs), ""],
    [`publish batches of ${batch}: Worker CPU per event (ms)`, fmt(batched.platform.workerCpuMs, 3), fmt(batched.bare.workerCpuMs, 3), x(batched.platform.workerCpuMs, batched.bare.workerCpuMs), ""],
    [`publish ${streamCount} streams: Worker CPU per event (ms)`, fmt(many.platform.workerCpuMs, 3), fmt(many.bare.workerCpuMs, 3), x(many.platform.workerCpuMs, many.bare.workerCpuMs), ""],
    ["publish client errors (1 stream / batches / 16 streams)", `${one.platform.errors} / ${batched.platform.errors} / ${many.platform.errors}`, `${one.bare.errors} / ${batched.bare.errors} / ${many.bare.errors}`, "", "0"],
    ["events lost / stored unacknowledged / answered duplicate / sequence reused", checks("platform"), checks("bare"), "", `0 / 0 / 0 / 0: ${verdict(allClean("platform"))}`],
    ["e2e latency, agent target: p50 / p99 (ms)", `${fmt(latency.agent.p50)} / ${fmt(latency.agent.p99)}`, "n/a (no delivery)", "", `${latency.agent.missed} not delivered within ${CONFIG.latency.eventTimeoutMs / 1000}s`],
    ["e2e latency, webhook target: p50 / p99 (ms)", `${fmt(latency.webhook.p50)} / ${fmt(latency.webhook.p99)}`, "n/a (no delivery)", "", `${latency.webhook.missed} not delivered within ${CONFIG.latency.eventTimeoutMs / 1000}s`],
    ["e2e, agent: lower bound p50 (ms; delivery happened between this and the figure)", fmt(latency.agentLowerP50), "", "", ""],
    ["e2e: publish request p50 / agent poll p50 (ms)", `${fmt(latency.publishP50)} / ${fmt(latency.pollP50)}`, "", "", ""],
    ["e2e: delivered before the publisher had its ack (agent / webhook)", `${latency.agentBeforeAck}/${latency.agent.observed} / ${latency.hookBeforeAck}/${latency.webhook.observed}`, "", "", ""],
    ["e2e: every event delivered exactly once (counter, cursors, webhook ids)", latency.clean ? "yes" : "**no**", "", "", verdict(latency.clean)],
    [`fill: ${n} events in batches of ${CONFIG.replay.batch} (events/s)`, fmtInt(p.fill.eventsPerSecond), fmtInt(b.fill.eventsPerSecond), x(p.fill.eventsPerSecond, b.fill.eventsPerSecond), ""],
    [`replay ${n} as NDJSON (s)`, fmt(p.ndjson.seconds, 2), fmt(b.ndjson.seconds, 2), x(p.ndjson.seconds, b.ndjson.seconds), `< 10 s: ${verdict(p.ndjson.ok && p.ndjson.seconds < 10)}`],
    [`replay ${n} as JSON pages of ${CONFIG.replay.page} (s)`, fmt(p.pages.seconds, 2), fmt(b.pages.seconds, 2), x(p.pages.seconds, b.pages.seconds), `< 10 s: ${verdict(p.pages.ok && p.pages.seconds < 10)}`],
    ["replay rate NDJSON / pages (events/s)", `${fmtInt(p.ndjson.eventsPerSecond)} / ${fmtInt(p.pages.eventsPerSecond)}`, `${fmtInt(b.ndjson.eventsPerSecond)} / ${fmtInt(b.pages.eventsPerSecond)}`, "", ""],
    ["replay: Worker CPU per 1000 events, NDJSON / pages (ms)", `${fmt(p.ndjson.workerCpuMsPer1000, 1)} / ${fmt(p.pages.workerCpuMsPer1000, 1)}`, `${fmt(b.ndjson.workerCpuMsPer1000, 1)} / ${fmt(b.pages.workerCpuMsPer1000, 1)}`, "", ""],
    ["replay: complete and in order every time", p.ndjson.ok && p.pages.ok ? "yes" : `**no**: ${[...p.ndjson.problems, ...p.pages.problems].slice(0, 2).join("; ")}`, b.ndjson.ok && b.pages.ok ? "yes" : "**no**", "", ""],
    [`pattern match, in-process (us): typical '${patterns.typical.pattern}' / '${patterns.wildcard.pattern}' / worst case '${patterns.worst.pattern}' ~ ${patterns.worst.type.length}-character type`,
      `${us(patterns.typical)} / ${us(patterns.wildcard)} / ${us(patterns.worst)}`, "", "",
      `worst case linear, not exponential (< 100 us): ${verdict(patterns.worst.microsPerMatch < 100)}`],
    ["client GETs resent after a reused keep-alive socket failed (not errors)", String(sides[0].client.retries ?? 0), String(sides[1].client.retries ?? 0), "", ""],
    ["other processes' CPU during measurements (cores busy, avg)", tally.otherCores(), "", "", "~0 (else figures are noisy)"],
    ["measurements disturbed by a wrangler reload", String(tally.reloads("platform")), String(tally.reloads("bare")), "", "0 (else rerun)"],
    ["server log error-like lines", String(logs.find(([s]) => s === "platform")?.[1].errorLines ?? "n/a"), String(logs.find(([s]) => s === "bare")?.[1].errorLines ?? "n/a"), "", "0"],
  ];
  const bareErrors = errorText(sides[1].errors);
  const platformErrors = errorText(sides[0].errors);
  rows.splice(10, 0, ["client-visible failures by kind (all phases)", platformErrors, bareErrors, "", "0"]);
  return rows;
};
