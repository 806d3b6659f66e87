// Agent groups benchmark, on one `wrangler dev` platform server: a group of
// processing_agent members (min 1, max 8, scaling on calls in flight per member, target
// 4), each call a payment from a provider that takes CONFIG.action.hangMs (an agent runs
// one action at a time, so one member serves about 1000 / hangMs calls/s), takes a
// baseline of one client, then a load step to 64 closed-loop clients, then one again.
// Figures: from the step, the time until the controller grew the group (its first
// scale-up in the history) and until the first call was answered by a member added
// after the step (Jido-Group-Member), against the 30 s target; the peak size; the call
// rate and latency before, during and after; and the calls that failed during the
// scale-down (target: none), with the time until the group was back at min.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1 shorter windows. JIDO_JWT_SECRET, BENCH_PLATFORM_CONFIG: as in agents/index.ts.
import { join } from "node:path";
import { signToken } from "../../../src/platform/security/tokens.ts";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { platformHeaders, platformServerVars } from "../lib/platform-auth.ts";
import { startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { fmt, fmtInt, markdownTable, percentile, sleep } from "../lib/stats.ts";
import { CONFIG } from "./config.ts";

type Member = { id: string; state: string };
type GroupView = { members: Member[]; history: { at: string; from: number; to: number; reason: string }[] };
type Phase = { name: string; calls: number; failed: number; ms: number[]; firstErrors: string[]; startedAt: number; endedAt: number };

export type GroupBenchResult = {
  growDecisionS: number | null;
  newMemberServingS: number | null;
  peakMembers: number;
  backToMinS: number | null;
  phases: { name: string; callsPerSecond: number; p50: number; p99: number; failed: number }[];
};

const activeOf = (view: GroupView): number => view.members.filter((m) => m.state === "active").length;

export const runGroupBench = async (): Promise<GroupBenchResult> => {
  const clients: Client[] = [];
  return runSession({ state: "/dev/shm/jido-bench-groups-", logs: "/tmp/jido-bench-groups-logs-" }, () => clients.forEach((c) => c.close()), async ({ stateDir, logDir }) => {
    console.log(`# Agent groups benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
    const server = await startBenchServer({ name: "platform", persistTo: stateDir, logFile: join(logDir, "platform.log"), vars: platformServerVars(), ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}) });
    console.log(`platform: wrangler dev pid ${server.pid} at ${server.url}; server log ${logDir}`);
    if (!server.secret) throw new Error("the platform server has no token secret to mint bench tokens with");
    const token = await signToken(server.secret, { subject: "bench", tenant: "bench", caps: ["admin"], ttlSeconds: 4 * 3600, rps: 1_000_000 });
    const client = createClient({ name: "groups", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 128 });
    clients.push(client);

    const id = `bench-${Date.now().toString(36)}`;
    const created = await client.post("/v1/groups", { id, type: "processing_agent", ...CONFIG.group });
    if (created.status !== 201) throw new Error(`creating group ${id}: ${describe(created)}`);
    const initial = new Set((JSON.parse(created.body) as GroupView).members.map((m) => m.id));

    let stepAt = Number.NaN;
    let newMemberAt: number | null = null;
    let current: Phase | null = null;
    let running = 0;
    let orders = 0;
    let wanted = 0;
    const phases: Phase[] = [];
    const loop = async (n: number) => {
      while (n < wanted) {
        const phase = current as Phase;
        const reply = await client.post(`/v1/groups/${id}/actions/process_payment`, { order_id: `o-${n}-${orders++}`, amount: 1, payment: "hang", hang_ms: CONFIG.action.hangMs });
        phase.calls++;
        phase.ms.push(reply.ms);
        if (reply.status !== 200) {
          phase.failed++;
          if (phase.firstErrors.length < 5) phase.firstErrors.push(describe(reply));
          continue;
        }
        const member = reply.headers?.["jido-group-member"];
        if (newMemberAt === null && Number.isFinite(stepAt) && typeof member === "string" && !initial.has(member)) newMemberAt = performance.now();
      }
      running--;
    };
    const setClients = (count: number) => {
      const before = wanted;
      wanted = count;
      for (let n = before; n < count; n++) {
        running++;
        void loop(n);
      }
    };
    const runPhase = async (name: string, count: number, ms: number, onTick?: (view: GroupView, at: number) => boolean) => {
      const phase: Phase = { name, calls: 0, failed: 0, ms: [], firstErrors: [], startedAt: performance.now(), endedAt: 0 };
      current = phase;
      phases.push(phase);
      setClients(count);
      const deadline = phase.startedAt + ms;
      while (performance.now() < deadline) {
        await sleep(CONFIG.pollMs);
        const reply = await client.get(`/v1/groups/${id}`);
        if (reply.status === 200 && onTick?.(JSON.parse(reply.body) as GroupView, performance.now())) break;
      }
      phase.endedAt = performance.now();
      return phase;
    };

    await runPhase("baseline (1 client)", CONFIG.baseline.clients, CONFIG.baseline.ms);
    const before = JSON.parse((await client.get(`/v1/groups/${id}`)).body) as GroupView;
    stepAt = performance.now();
    let grewAt: number | null = null;
    let peak = initial.size;
    await runPhase(`step (${CONFIG.step.clients} clients)`, CONFIG.step.clients, CONFIG.step.ms, (view, at) => {
      peak = Math.max(peak, activeOf(view));
      if (grewAt === null && view.history.slice(before.history.length).some((h) => h.to > h.from)) grewAt = at;
      return false;
    });
    const downAt = performance.now();
    let minAt: number | null = null;
    // The step's extra clients finish their current call and stop.
    setClients(CONFIG.cooldown.clients);
    await runPhase(`scale-down (${CONFIG.cooldown.clients} client)`, CONFIG.cooldown.clients, CONFIG.cooldown.ms, (view, at) => {
      const settled = activeOf(view) === CONFIG.group.min && !view.members.some((m) => m.state === "draining");
      if (settled && minAt === null) minAt = at;
      return settled;
    });
    setClients(0);
    while (running > 0) await sleep(10);
    const final = JSON.parse((await client.get(`/v1/groups/${id}`)).body) as GroupView;

    const seconds = (at: number | null, from: number) => (at === null ? null : (at - from) / 1000);
    const result: GroupBenchResult = {
      growDecisionS: seconds(grewAt, stepAt),
      newMemberServingS: seconds(newMemberAt, stepAt),
      peakMembers: peak,
      backToMinS: seconds(minAt, downAt),
      phases: phases.map((p) => ({
        name: p.name,
        callsPerSecond: p.calls / ((p.endedAt - p.startedAt) / 1000),
        p50: percentile(p.ms, 50),
        p99: percentile(p.ms, 99),
        failed: p.failed,
      })),
    };
    const show = (s: number | null) => (s === null ? "not reached" : `${fmt(s)} s`);
    console.log(`\n## Scaling response (target: under 30 s)\n`);
    console.log(markdownTable(["figure", "value"], [
      ["step -> controller grew the group", show(result.growDecisionS)],
      ["step -> first call answered by an added member", show(result.newMemberServingS)],
      ["peak members", String(result.peakMembers)],
      ["load drop -> back at min (drained, stopped)", show(result.backToMinS)],
    ]));
    console.log(`\n## Calls per phase\n`);
    console.log(markdownTable(["phase", "calls/s", "p50 ms", "p99 ms", "failed"], result.phases.map((p) => [p.name, fmtInt(p.callsPerSecond), fmt(p.p50), fmt(p.p99), String(p.failed)])));
    for (const p of phases) if (p.firstErrors.length > 0) console.log(`first failures (${p.name}): ${p.firstErrors.join(" | ")}`);
    console.log(`\n## Scaling history\n`);
    console.log(markdownTable(["at", "from", "to", "reason"], final.history.map((h) => [h.at, String(h.from), String(h.to), h.reason])));
    return result;
  });
};
