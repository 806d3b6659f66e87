import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isId } from "../ids.ts";
import { timingSafeEqual } from "../security/timing-safe.ts";
import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders, webhookMessageId } from "./webhook-signature.ts";

describe("webhook signatures", () => {
  it("matches the Standard Webhooks reference vector", async () => {
    // From the Standard Webhooks specification's test vectors.
    const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const body = '{"test": 2432232314}';
    expect(await signWebhook(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  it("verifies what it signs, and refuses tampering, other secrets and stale timestamps", async () => {
    const secret = newWebhookSecret();
    const now = Date.now();
    const body = JSON.stringify({ id: "e1" });
    const headers = await webhookHeaders(secret, "e1", now, body);
    const signed = { id: headers["webhook-id"]!, timestamp: headers["webhook-timestamp"]!, signature: headers["webhook-signature"]! };
    expect(await verifyWebhook(secret, signed, body, now)).toBe(true);
    expect(await verifyWebhook(secret, signed, `${body} `, now)).toBe(false);
    expect(await verifyWebhook(newWebhookSecret(), signed, body, now)).toBe(false);
    expect(await verifyWebhook(secret, signed, body, now + 600_000)).toBe(false);
  });

  it("sends an event's own id as webhook-id when it is of the id alphabet", async () => {
    for (const id of ["e1", "3f2c8a9e-0b7d-4c1e-9a6f-2d5b8c7e1f04", "msg_p5jXN8AQM9LWM0D4loKWxJek", "order:1.A-b"]) {
      expect(await webhookMessageId(id)).toBe(id);
      expect((await webhookHeaders(newWebhookSecret(), id, Date.now(), "{}"))["webhook-id"]).toBe(id);
    }
  });

  it("derives a stable, header-safe webhook-id from any other id, and signs over it", async () => {
    const bad = ["line\nbreak", "tab\there", " padded ", "naïve", "emoji-\u{1F600}", "lone-\uD800", "a/b", "a b", ".", "..", "", "x".repeat(129)];
    const derived = await Promise.all(bad.map(webhookMessageId));
    for (const [i, id] of derived.entries()) {
      expect(id, bad[i]).toMatch(/^sha256~[0-9a-f]{48}$/);
      expect(await webhookMessageId(bad[i]!)).toBe(id);
    }
    expect(new Set(derived).size).toBe(bad.length);
    const secret = newWebhookSecret();
    const now = Date.now();
    const headers = await webhookHeaders(secret, "line\nbreak", now, "{}");
    expect(headers["webhook-id"]).toBe(derived[0]);
    // A fetch would carry it unchanged, and the receiver verifies over what it got.
    const sent = new Headers(headers);
    const signed = { id: sent.get("webhook-id")!, timestamp: sent.get("webhook-timestamp")!, signature: sent.get("webhook-signature")! };
    expect(signed.id).toBe(derived[0]);
    expect(await verifyWebhook(secret, signed, "{}", now)).toBe(true);
  });

  it("answers, for any id, a webhook-id that a Headers object carries unchanged; its own id exactly when it is an id", async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.string({ unit: "binary", maxLength: 130 }), fc.stringMatching(/^[A-Za-z0-9._:-]{1,128}$/)), async (eventId) => {
        const id = await webhookMessageId(eventId);
        expect(new Headers({ "webhook-id": id }).get("webhook-id")).toBe(id);
        expect(id === eventId).toBe(isId(eventId));
      }),
    );
    // Generating ids by the pattern is slow: 2.5 s alone on Node, 13.5 s once on Deno beside the other suites on a loaded 2-core machine.
  }, 60_000);

  it("compares in constant time, by value", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });
});
