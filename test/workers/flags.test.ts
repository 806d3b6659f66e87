// Feature flags over HTTP: POST /v1/flags/:key/evaluate answers value, variant and
// OpenFeature reason for a context (the token's tenant always), 404 for an unknown flag,
// 400 naming a bad context field; and the OpenFeature provider under the real server SDK
// against this Worker.
import { SELF } from "cloudflare:test";
import { OpenFeature } from "@openfeature/server-sdk";
import { describe, expect, it } from "vitest";
import { expectInvalid, expectProblem } from "./http.ts";
import { admin } from "./security.ts";
import { newTenant, tokenFor } from "./tokens.ts";
import { JidoFlagProvider } from "../../src/client/openfeature-provider.ts";

const FLAGS = {
  flags: {
    checkout: {
      type: "boolean",
      variants: { on: true, off: false },
      defaultVariant: "off",
      rules: [{ when: { tenant: "nobody" }, variant: "on" }, { when: { plan: ["gold", "platinum"] }, variant: "on" }, { split: { on: 50, off: 50 } }],
    },
    banner: { type: "string", variants: { a: "hello", b: "welcome" }, defaultVariant: "a" },
  },
};

describe("POST /v1/flags/:key/evaluate", () => {
  it("answers value, variant and reason; the tenant is the token's", async () => {
    const tenant = newTenant("flags");
    const api = await admin(tenant);
    expect((await api.send("PATCH", "/v1/config", FLAGS)).status).toBe(200);
    const gold = await api.post("/v1/flags/checkout/evaluate", { context: { targetingKey: "u-1", plan: "gold" } });
    expect(gold.status, gold.text).toBe(200);
    expect(gold.body).toEqual({ key: "checkout", value: true, variant: "on", reason: "TARGETING_MATCH", flagMetadata: { type: "boolean", configVersion: 1 } });
    // A context cannot claim another tenant.
    const claimed = await api.post("/v1/flags/checkout/evaluate", { context: { targetingKey: "u-1", tenant: "nobody" } });
    expect(claimed.body.reason).toBe("SPLIT");
    const sticky = await api.post("/v1/flags/checkout/evaluate", { context: { targetingKey: "u-1" } });
    expect(sticky.body.variant).toBe(claimed.body.variant);
    expect((await api.post("/v1/flags/checkout/evaluate", {})).body).toMatchObject({ reason: "ERROR", errorCode: "TARGETING_KEY_MISSING", value: false });
    expect((await api.post("/v1/flags/banner/evaluate", {})).body).toMatchObject({ value: "hello", reason: "STATIC" });
    expect((await api.send("PATCH", "/v1/config", { flags: { banner: { enabled: false } } })).status).toBe(200);
    expect((await api.post("/v1/flags/banner/evaluate", {})).body).toMatchObject({ value: "hello", reason: "DISABLED" });
  });

  it("answers 404 for an unknown flag and 400 naming a bad field", async () => {
    const api = await admin(newTenant("flags"));
    expect(expectProblem(await api.post("/v1/flags/nope/evaluate", {}), 404, "flag-not-found").errorCode).toBe("FLAG_NOT_FOUND");
    expectInvalid(await api.post("/v1/flags/nope/evaluate", { context: { targetingKey: 5 } }), "context.targetingKey");
    expectInvalid(await api.post("/v1/flags/nope/evaluate", { context: {}, extra: 1 }), "extra");
    expectInvalid(await api.post("/v1/flags/bad%20key/evaluate", {}), "path.key");
  });
});

describe("the OpenFeature provider against the Worker", () => {
  it("evaluates through the standard API", async () => {
    const tenant = newTenant("flags");
    expect((await (await admin(tenant)).send("PATCH", "/v1/config", FLAGS)).status).toBe(200);
    const token = await tokenFor({ tenant, caps: ["flags:evaluate"], rps: 1_000_000 });
    const provider = new JidoFlagProvider({ baseUrl: "http://localhost", token, fetch: (url, init) => SELF.fetch(url, init) });
    await OpenFeature.setProviderAndWait("jido-workers", provider);
    const client = OpenFeature.getClient("jido-workers");
    expect(await client.getBooleanDetails("checkout", false, { targetingKey: "u-9", plan: "platinum" })).toMatchObject({ value: true, variant: "on", reason: "TARGETING_MATCH" });
    expect(await client.getStringValue("banner", "x")).toBe("hello");
    expect(await client.getBooleanDetails("missing", true)).toMatchObject({ value: true, errorCode: "FLAG_NOT_FOUND" });
    await OpenFeature.clearProviders();
  });
});
