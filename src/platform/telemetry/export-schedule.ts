// When an isolate exports its ended spans: at once after a quiet period, else at most
// once per interval, as one trailing export that takes every span ended meanwhile (the
// same rhythm as the metrics flusher: both are ../trailing-run.ts). Why not an export
// per traced request: under load that was one OTLP request (serialization and a fetch)
// per sampled request, and the exports of concurrent requests queued behind each other.
// Why not one shared flush that every request awaits: in workerd a request that waits on
// a promise only another request's I/O settles is cancelled as hung ("Promise will never
// complete"), and a flush kept going by a steady stream of requests outlived its
// request's waitUntil. Here only the request that armed the export holds it (its
// waitUntil); the others get null and their spans ride along.
import { createTrailingRun } from "../trailing-run.ts";

export type ExportSchedule = {
  /** Arms an export unless one is armed; answers its promise (for waitUntil), else null. */
  request(): Promise<void> | null;
};

export type ExportScheduleOptions = {
  /** Exports what has ended so far; must not reject. */
  run: () => Promise<void>;
  intervalMs: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export const createExportSchedule = (options: ExportScheduleOptions): ExportSchedule => {
  const trailing = createTrailingRun(options);
  return { request: () => trailing.request() };
};
