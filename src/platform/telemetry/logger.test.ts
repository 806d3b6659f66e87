import { describe, expect, it } from "vitest";
import { createLogger, type LogLevel } from "./logger.ts";

const capture = (options: Parameters<typeof createLogger>[0] = {}) => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ now: () => 0, ...options, sink: (line) => lines.push(JSON.parse(line)) });
  return { log, lines };
};

describe("logger", () => {
  it("writes one JSON object per line with the indexed fields, null when unknown", () => {
    const { log, lines } = capture({ base: { component: "api" } });
    log.info("hello", { extra: 1 });
    expect(lines).toEqual([{ time: "1970-01-01T00:00:00.000Z", level: "info", message: "hello", component: "api", tenant: null, requestId: null, traceId: null, spanId: null, extra: 1 }]);
  });

  it("reads context per line (request id, tenant, agent) and keeps a field named message as detail", () => {
    let ctx: Record<string, unknown> = { requestId: "r1", tenant: "t", agent: "a1" };
    const { log, lines } = capture({ context: () => ctx });
    log.warn("x", { message: "inner" });
    ctx = { run: "run-1" };
    log.warn("y");
    expect(lines[0]).toMatchObject({ message: "x", requestId: "r1", tenant: "t", agent: "a1", detail: "inner" });
    expect(lines[1]).toMatchObject({ message: "y", run: "run-1", requestId: null });
  });

  it("follows a level read per line (an agent type's, once known)", () => {
    let level: LogLevel | undefined;
    const { log, lines } = capture({ level: () => level });
    log.debug("hidden");
    level = "debug";
    log.debug("shown");
    level = "error";
    log.warn("hidden too");
    expect(lines.map((l) => l.message)).toEqual(["shown"]);
  });

  it("redacts credential fields and anything shaped like a JWT", () => {
    const jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl";
    const { log, lines } = capture();
    log.error(`bad ${jwt}`, { authorization: `Bearer ${jwt}`, secret: "s3cret", webhookSecret: "w", note: `token=${jwt}` });
    const text = JSON.stringify(lines);
    expect(text).not.toContain(jwt);
    expect(text).not.toContain("s3cret");
    expect(lines[0]).toMatchObject({ authorization: "[redacted]", secret: "[redacted]", webhookSecret: "[redacted]", note: "token=[redacted]" });
  });
});
