// The provider under the real OpenFeature server SDK, against a fake platform that
// evaluates with the platform's own evaluator and answers as the route does.
import { OpenFeature } from "@openfeature/server-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateFlag } from "../platform/flags/evaluate.ts";
import { type Flag, flagSchema } from "../platform/flags/flag.ts";
import { JidoFlagProvider } from "./openfeature-provider.ts";

const flags: Record<string, Flag> = {
  "new-checkout": flagSchema.parse({ type: "boolean", variants: { on: true, off: false }, defaultVariant: "off", rules: [{ when: { plan: "gold" }, variant: "on" }, { split: { on: 50, off: 50 } }] }),
  theme: flagSchema.parse({ type: "string", variants: { dark: "dark", light: "light" }, defaultVariant: "light" }),
  "max-items": flagSchema.parse({ type: "number", variants: { few: 3, many: 30 }, defaultVariant: "many", enabled: false }),
  limits: flagSchema.parse({ type: "object", variants: { basic: { rps: 5 } }, defaultVariant: "basic" }),
};

const requests: { url: string; authorization: string | null; body: unknown }[] = [];

const fakeFetch = async (url: string, init: RequestInit): Promise<Response> => {
  const headers = new Headers(init.headers);
  const body = JSON.parse(String(init.body)) as { context: Record<string, unknown> };
  requests.push({ url, authorization: headers.get("authorization"), body });
  const key = decodeURIComponent(/\/v1\/flags\/([^/]+)\/evaluate$/.exec(new URL(url).pathname)?.[1] ?? "");
  const flag = flags[key];
  if (!flag) return Response.json({ status: 404, title: "Flag not found", detail: `No flag '${key}'.`, errorCode: "FLAG_NOT_FOUND" }, { status: 404 });
  const evaluation = evaluateFlag(key, flag, { ...body.context, tenant: "acme" });
  return Response.json({ ...evaluation, flagMetadata: { type: flag.type, configVersion: 7 } });
};

describe("JidoFlagProvider with the OpenFeature server SDK", () => {
  beforeAll(async () => {
    await OpenFeature.setProviderAndWait(new JidoFlagProvider({ baseUrl: "https://jido.example/", token: "tok", fetch: fakeFetch }));
  });
  afterAll(async () => {
    await OpenFeature.close();
  });

  it("answers values, variants and reasons through the standard API", async () => {
    const client = OpenFeature.getClient();
    const gold = await client.getBooleanDetails("new-checkout", false, { targetingKey: "u-1", plan: "gold" });
    expect(gold).toMatchObject({ flagKey: "new-checkout", value: true, variant: "on", reason: "TARGETING_MATCH", flagMetadata: { configVersion: 7 } });
    const split = await client.getBooleanDetails("new-checkout", false, { targetingKey: "u-1" });
    expect(split.reason).toBe("SPLIT");
    expect(await client.getBooleanValue("new-checkout", !split.value, { targetingKey: "u-1" })).toBe(split.value);
    expect(await client.getStringDetails("theme", "x")).toMatchObject({ value: "light", reason: "STATIC" });
    expect(await client.getNumberDetails("max-items", 1)).toMatchObject({ value: 30, reason: "DISABLED" });
    expect(await client.getObjectValue("limits", {})).toEqual({ rps: 5 });
    expect(requests[0]).toMatchObject({ url: "https://jido.example/v1/flags/new-checkout/evaluate", authorization: "Bearer tok", body: { context: { targetingKey: "u-1", plan: "gold" } } });
  });

  it("answers the caller's default with the SDK's error codes", async () => {
    const client = OpenFeature.getClient();
    expect(await client.getBooleanDetails("nope", true)).toMatchObject({ value: true, reason: "ERROR", errorCode: "FLAG_NOT_FOUND" });
    expect(await client.getBooleanDetails("new-checkout", true)).toMatchObject({ value: true, reason: "ERROR", errorCode: "TARGETING_KEY_MISSING" });
    expect(await client.getNumberDetails("theme", 4)).toMatchObject({ value: 4, reason: "ERROR", errorCode: "TYPE_MISMATCH" });
  });

  it("sends dates in the context as ISO strings", async () => {
    await OpenFeature.getClient().getStringValue("theme", "x", { signedUp: new Date(0) });
    expect(requests.at(-1)?.body).toEqual({ context: { signedUp: "1970-01-01T00:00:00.000Z" } });
  });
});
