import { ExportResultCode } from "@opentelemetry/core";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { describe, expect, it } from "vitest";
import { createOtlpFetchExporter, type Fetch } from "./otlp-fetch.ts";

const spans = () => {
  const memory = new InMemorySpanExporter();
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: memory })] });
  provider.getTracer("t").startSpan("work", { attributes: { "http.route": "/v1/x" } }).end();
  return memory.getFinishedSpans();
};

const exportWith = (fetch: Fetch) =>
  new Promise<{ code: number; error?: Error | undefined }>((resolve) => createOtlpFetchExporter({ url: "http://collector/v1/traces", headers: { authorization: "Bearer x" }, timeoutMillis: 1_000, fetch }).export(spans(), resolve));

describe("createOtlpFetchExporter", () => {
  it("posts the spans as OTLP/HTTP JSON with the configured headers", async () => {
    const sent: { url: string; init: RequestInit }[] = [];
    const result = await exportWith(async (url, init) => {
      sent.push({ url, init });
      return new Response("{}", { status: 200 });
    });
    expect(result.code).toBe(ExportResultCode.SUCCESS);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.url).toBe("http://collector/v1/traces");
    expect(sent[0]!.init.headers).toMatchObject({ authorization: "Bearer x", "content-type": "application/json" });
    const body = JSON.parse(new TextDecoder().decode(sent[0]!.init.body as Uint8Array));
    expect(body.resourceSpans[0].scopeSpans[0].spans[0]).toMatchObject({ name: "work", attributes: [{ key: "http.route", value: { stringValue: "/v1/x" } }] });
  });

  it("fails the export, without throwing, when the receiver refuses or cannot be reached", async () => {
    expect((await exportWith(async () => new Response("no", { status: 400 }))).code).toBe(ExportResultCode.FAILED);
    const unreachable = await exportWith(async () => {
      throw new TypeError("DNS lookup failed");
    });
    expect(unreachable.code).toBe(ExportResultCode.FAILED);
  });
});
