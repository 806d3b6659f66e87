// The order runs the workflow benchmark starts and watches: their views as the platform
// answers them, starting one (with retries under the same Idempotency-Key in phase 3),
// polling one until it is final, and reading the coordinator's own timestamps. A bare
// run (phase 0's baseline: fixtures/bare, POST /runs) is started and read the same way,
// on the bare server's client.
import { type Client, describe } from "../lib/http.ts";
import { fmt, sleep } from "../lib/stats.ts";
import { FINAL, MAX_POLLS, RUN_TIMEOUT_MS } from "./config.ts";
import { pollLatency } from "./phase.ts";

export type StepView = { name: string; status: string; attempts: number; agent: string | null; startedAt: string | null; finishedAt: string | null; durationMs: number | null };
export type RunView = { id: string; status: string; createdAt: string; updatedAt: string; steps: StepView[]; bindings: Record<string, string[]> };
export type Started = { id: string; orderId: string; wallStart: number; perfStart: number; startMs: number; view: RunView; attempts: number; firstError: string | null; existed: boolean };

/** Start retries (phase 3 only): same body and Idempotency-Key, on a network error, 429 or 503, with backoff. */
export type StartRetry = { key: string; attempts: number; backoffMs: number };
const retryable = (status: number) => status === 0 || status === 429 || status === 503;

let orderSeq = 0;
/** Platform runs started successfully, in every phase (for events per run). */
export const runCounts = { started: 0 };
export const orderInput = (orderId: string) => ({ order_id: orderId, amount: 42, items: 2, payment: "succeed" });

/** The order_processing version runs start: 1.0.1 spawns agents per run (spawning.ts), 1.0.0 (built in) binds discovered ones. */
export type Mode = "spawn" | "discovered";
export const VERSION_OF: Record<Mode, string> = { spawn: "1.0.1", discovered: "1.0.0" };
/** A platform mode, or the bare order run (the bare server's POST /runs: its view is {id, status, createdAt, updatedAt}). */
export type Side = Mode | "bare";

/** Where a run of `side` is read. */
export const runPath = (side: Side, id: string): string => (side === "bare" ? `/runs/${encodeURIComponent(id)}` : `/v1/runs/${encodeURIComponent(id)}`);

export const startRun = async (client: Client, tag: string, retry?: StartRetry, mode: Side = "spawn"): Promise<Started | { error: string; attempts: number; firstError: string }> => {
  const orderId = `o-${tag}-${orderSeq++}`;
  const path = mode === "bare" ? "/runs" : `/v1/workflows/order_processing/runs?version=${VERSION_OF[mode]}`;
  const wallStart = Date.now();
  const perfStart = performance.now();
  const headers = retry ? { "idempotency-key": retry.key } : undefined;
  let reply = await client.post(path, orderInput(orderId), headers);
  const firstError = reply.status === 202 ? null : describe(reply);
  let attempts = 1;
  while (retry && retryable(reply.status) && attempts < retry.attempts) {
    await sleep(retry.backoffMs * 2 ** (attempts - 1));
    attempts++;
    reply = await client.post(path, orderInput(orderId), headers);
  }
  // 200: a retried start found the run an earlier attempt (seen failing) had created.
  const existed = attempts > 1 && reply.status === 200;
  if (reply.status !== 202 && !existed) return { error: `start: ${describe(reply)}${attempts > 1 ? ` (after ${attempts} attempts)` : ""}`, attempts, firstError: firstError ?? "" };
  try {
    const view = JSON.parse(reply.body) as RunView;
    if (typeof view.id !== "string") return { error: `start: no run id: ${describe(reply)}`, attempts, firstError: firstError ?? "" };
    if (mode !== "bare") runCounts.started++;
    return { id: view.id, orderId, wallStart, perfStart, startMs: performance.now() - perfStart, view, attempts, firstError, existed };
  } catch {
    return { error: `start: not JSON: ${describe(reply)}`, attempts, firstError: firstError ?? "" };
  }
};

type Finished = { view: RunView; observedAt: number; polls: number } | { error: string; polls: number };

/** Polls GET /v1/runs/:id (bare: /runs/:id) until the run is final: first after `firstMs`, then every `everyMs`; bounded in polls and time. */
export const waitFinal = async (client: Client, run: Started, firstMs: number, everyMs: number, side: Side = "spawn"): Promise<Finished> => {
  const deadline = run.perfStart + RUN_TIMEOUT_MS;
  let polls = 0;
  let last = "";
  await sleep(firstMs);
  while (polls < MAX_POLLS && performance.now() < deadline) {
    polls++;
    const reply = await client.get(runPath(side, run.id));
    if (reply.status === 200) {
      const view = JSON.parse(reply.body) as RunView;
      const final = FINAL.has(view.status);
      (final ? pollLatency.final : pollLatency.running).push(reply.ms);
      if (final) return { view, observedAt: performance.now(), polls };
      last = `status ${view.status}`;
    } else last = describe(reply);
    await sleep(everyMs);
  }
  return { error: `run ${run.id} not final after ${polls} polls / ${fmt(performance.now() - run.perfStart, 0)} ms (last: ${last})`, polls };
};

/** An ISO timestamp as ms since the epoch; NaN for null. */
export const ms = (iso: string | null): number => (iso === null ? Number.NaN : Date.parse(iso));
/** The coordinator's own span of a run: first step dispatched (createdAt) -> final transition (updatedAt). */
export const spanOf = (view: RunView): number => ms(view.updatedAt) - ms(view.createdAt);

/** Per-step coordinator-recorded durations of a finished run, by step name. */
const stepDurations = (view: RunView): Map<string, number> =>
  new Map(view.steps.filter((s) => s.durationMs !== null && s.status === "completed").map((s) => [s.name, s.durationMs as number]));

export const collectSteps = (into: Map<string, number[]>, view: RunView): void => {
  for (const [name, duration] of stepDurations(view)) {
    const list = into.get(name) ?? [];
    list.push(duration);
    into.set(name, list);
  }
};
