// Live state sync benchmark, on one `wrangler dev` platform server: N sockets (1, 100,
// 1,000) watch one counter; each increment's change message (a patch, or the whole state
// when smaller, which for a counter it is) is timed to every socket. Figures per N: the
// time from the call's answer (which leaves after the commit) to the message arriving
// (p50/p99 over all sockets and changes; it can be slightly negative, since the socket
// message is sent inside the commit and may overtake the HTTP answer), the time from the
// call's send, and the workerd worker process's RSS growth per idle socket. Target: p99
// under 50 ms at 100 sockets. The sockets are opened as a browser would: a ticket from
// POST /v1/tickets each, offered as the subprotocol `jido.ticket.<ticket>`.
// A benchmark, not a test: it prints figures and judges nothing by exit code.
//
// BENCH_QUICK=1: 1 and 100 sockets, fewer changes.
import { join } from "node:path";
import { WebSocket } from "undici";
import { PLATFORM_CONFIG, QUICK } from "../lib/env.ts";
import { type Client, createClient, describe } from "../lib/http.ts";
import { platformHeaders, platformServerVars, platformToken } from "../lib/platform-auth.ts";
import { groupRss, startBenchServer } from "../lib/servers.ts";
import { runSession } from "../lib/session.ts";
import { fmt, markdownTable, percentile, sleep } from "../lib/stats.ts";

const SIZES = QUICK ? [1, 100] : [1, 100, 1_000];
const CHANGES = QUICK ? 10 : 30;
const OPEN_CONCURRENCY = 50;

type Watcher = { ws: WebSocket; arrivals: Map<number, number> };

export type LiveBenchRow = { sockets: number; fromAnswerP50: number; fromAnswerP99: number; fromSendP50: number; fromSendP99: number; rssPerSocketKb: number };

/** The workerd worker process's RSS in MB, as groupRss reports it. */
const workerRssMb = (server: Parameters<typeof groupRss>[0]): number => Number(/workerd-worker (\d+) MB/.exec(groupRss(server))?.[1] ?? Number.NaN);

const openWatcher = async (client: Client, baseWs: string, id: string): Promise<Watcher> => {
  const issued = await client.post("/v1/tickets", { agent: id, scope: "read" });
  if (issued.status !== 201) throw new Error(`ticket: ${describe(issued)}`);
  const { ticket } = JSON.parse(issued.body) as { ticket: string };
  const ws = new WebSocket(`${baseWs}/v1/agents/${id}/live`, ["jido.live.v1", `jido.ticket.${ticket}`]);
  const watcher: Watcher = { ws, arrivals: new Map() };
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as { version: number };
      watcher.arrivals.set(message.version, performance.now());
      resolve();
    });
    ws.addEventListener("error", () => reject(new Error("socket error")));
  });
  return watcher;
};

export const runLiveBench = async (): Promise<LiveBenchRow[]> => {
  const clients: Client[] = [];
  const sockets: WebSocket[] = [];
  return runSession({ state: "/dev/shm/jido-bench-live-", logs: "/tmp/jido-bench-live-logs-" }, () => {
    clients.forEach((c) => c.close());
    sockets.forEach((ws) => ws.close());
  }, async ({ stateDir, logDir }) => {
    console.log(`# Live state sync benchmark${QUICK ? " (BENCH_QUICK=1)" : ""}`);
    const server = await startBenchServer({ name: "platform", persistTo: stateDir, logFile: join(logDir, "platform.log"), vars: platformServerVars(), ...(PLATFORM_CONFIG ? { config: PLATFORM_CONFIG } : {}) });
    console.log(`platform: wrangler dev pid ${server.pid} at ${server.url}; server log ${logDir}`);
    const token = await platformToken(server);
    const client = createClient({ name: "live", host: server.host, port: server.port, headers: () => platformHeaders(token), maxSockets: 64 });
    clients.push(client);
    const baseWs = server.url.replace(/^http/, "ws").replace(/\/+$/, "");
    const rows: LiveBenchRow[] = [];
    for (const size of SIZES) {
      const id = `live-${size}-${Date.now().toString(36)}`;
      const spawned = await client.post("/v1/agents", { type: "counter", id });
      if (spawned.status !== 201) throw new Error(`spawn: ${describe(spawned)}`);
      await sleep(1_000);
      const rssBefore = workerRssMb(server);
      const watchers: Watcher[] = [];
      for (let i = 0; i < size; i += OPEN_CONCURRENCY) {
        const batch = await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, size - i) }, () => openWatcher(client, baseWs, id)));
        watchers.push(...batch);
        sockets.push(...batch.map((w) => w.ws));
      }
      // Idle, so the object may hibernate and what is measured is what idle sockets hold.
      await sleep(3_000);
      const rssAfter = workerRssMb(server);
      const fromAnswer: number[] = [];
      const fromSend: number[] = [];
      for (let version = 1; version <= CHANGES; version++) {
        const sent = performance.now();
        const reply = await client.post(`/v1/agents/${id}/actions/increment`, { by: 1 });
        const answered = performance.now();
        if (reply.status !== 200) throw new Error(`increment: ${describe(reply)}`);
        const deadline = answered + 10_000;
        while (watchers.some((w) => !w.arrivals.has(version)) && performance.now() < deadline) await sleep(1);
        for (const w of watchers) {
          const at = w.arrivals.get(version);
          if (at === undefined) continue;
          fromAnswer.push(at - answered);
          fromSend.push(at - sent);
        }
      }
      for (const w of watchers) w.ws.close(1000, "bench done");
      const missing = size * CHANGES - fromAnswer.length;
      if (missing > 0) console.log(`  ${size} sockets: ${missing} change messages did not arrive within 10 s`);
      rows.push({
        sockets: size,
        fromAnswerP50: percentile(fromAnswer, 50),
        fromAnswerP99: percentile(fromAnswer, 99),
        fromSendP50: percentile(fromSend, 50),
        fromSendP99: percentile(fromSend, 99),
        rssPerSocketKb: ((rssAfter - rssBefore) * 1024) / size,
      });
      await sleep(1_000);
    }
    console.log(
      markdownTable(
        ["sockets", "answer -> message p50 ms", "p99 ms", "send -> message p50 ms", "p99 ms", "worker RSS per idle socket KB"],
        rows.map((r) => [String(r.sockets), fmt(r.fromAnswerP50), fmt(r.fromAnswerP99), fmt(r.fromSendP50), fmt(r.fromSendP99), fmt(r.rssPerSocketKb, 0)]),
      ),
    );
    const at100 = rows.find((r) => r.sockets === 100);
    if (at100) console.log(`target p99 < 50 ms at 100 sockets (send -> message): ${at100.fromSendP99 < 50 ? "met" : "**missed**"}`);
    return rows;
  });
};
