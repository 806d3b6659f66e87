import { describe, expect, it } from "vitest";
import { parseOtlpHeaders, tracingConfigFrom } from "./otlp-config.ts";

describe("tracingConfigFrom", () => {
  it("is off without an endpoint, at the default rate", () => {
    expect(tracingConfigFrom({})).toEqual({ url: null, headers: {}, rate: 0.1, invalid: [] });
    expect(tracingConfigFrom({ JIDO_OTLP_ENDPOINT: " " }).url).toBeNull();
  });

  it("sends to /v1/traces under a bare endpoint, and to an endpoint with a path as it is", () => {
    expect(tracingConfigFrom({ JIDO_OTLP_ENDPOINT: "http://collector:4318" }).url).toBe("http://collector:4318/v1/traces");
    expect(tracingConfigFrom({ JIDO_OTLP_ENDPOINT: "https://otlp.example.com/api/traces" }).url).toBe("https://otlp.example.com/api/traces");
  });

  it("reports a malformed variable and keeps its default", () => {
    expect(tracingConfigFrom({ JIDO_OTLP_ENDPOINT: "ftp://x", JIDO_TRACE_SAMPLE_RATE: "2" })).toEqual({ url: null, headers: {}, rate: 0.1, invalid: ["JIDO_OTLP_ENDPOINT", "JIDO_TRACE_SAMPLE_RATE"] });
    expect(tracingConfigFrom({ JIDO_OTLP_ENDPOINT: "not a url" }).invalid).toEqual(["JIDO_OTLP_ENDPOINT"]);
  });
});

describe("parseOtlpHeaders", () => {
  it("reads k=v pairs, percent-decoded, keys lowercased", () => {
    expect(parseOtlpHeaders("authorization=Bearer x,Foo=bar%20baz, x-scope=a=b")).toEqual({ headers: { authorization: "Bearer x", foo: "bar baz", "x-scope": "a=b" }, invalid: false });
    expect(parseOtlpHeaders("")).toEqual({ headers: {}, invalid: false });
  });

  it("skips and reports a pair it cannot read", () => {
    expect(parseOtlpHeaders("novalue,=x,bad key=1,ok=1,pct=%zz")).toEqual({ headers: { ok: "1" }, invalid: true });
  });
});
