import { describe, expect, it } from "vitest";
import { timingSafeEqual } from "../security/timing-safe.ts";
import { newWebhookSecret, signWebhook, verifyWebhook, webhookHeaders } from "./webhook-signature.ts";

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

  it("compares in constant time, by value", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });
});
