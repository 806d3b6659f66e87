import { describe, expect, it } from "vitest";
import { createTelemetry, type TelemetryEvent } from "./emitter.ts";

describe("telemetry spans", () => {
  it("emit <name>.start then .stop or .exception, for every span name however often it recurs", async () => {
    const telemetry = createTelemetry(() => 5);
    const seen: TelemetryEvent[] = [];
    telemetry.subscribe((event) => void seen.push(event));
    const names = Array.from({ length: 300 }, (_, i) => `span${i % 290}`);
    for (const name of names) await telemetry.span(name, { a: 1 }, async () => null);
    await expect(telemetry.span("agent.action", {}, async () => Promise.reject(new TypeError("x")))).rejects.toThrow("x");
    expect(seen.map((event) => event.name)).toEqual([...names.flatMap((name) => [`${name}.start`, `${name}.stop`]), "agent.action.start", "agent.action.exception"]);
    expect(seen.at(-1)).toMatchObject({ measurements: { duration_ms: 0 }, attributes: { error: "TypeError" } });
  });
});
