// A live subscription's pushes belong to its creator: only the principal that created
// it (same subject) or an admin may attach to it; anyone else with read access to the
// stream gets 403 (audited) and the owner's connection keeps receiving.
import { describe, expect, it } from "vitest";
import { type Bus, busClient, event, eventually, publish } from "./bus.ts";
import { type Body, toReply } from "./http.ts";
import { client, expectAudited, expectForbidden, expectOk } from "./security.ts";
import { bearer } from "./tokens.ts";

const READER = ["events:subscribe", "events:read:order"];

/** Opens the tail of `order` attached to `subscription` with `auth`; the raw response. */
const attach = (bus: Bus, subscription: string, auth: Record<string, string>, accept?: string) =>
  bus.fetch(`/v1/streams/order/tail?subscription=${subscription}`, { headers: { ...auth, ...(accept ? { accept } : { upgrade: "websocket" }) } });

const receiving = (response: Response): Body[] => {
  const ws = response.webSocket!;
  const received: Body[] = [];
  ws.addEventListener("message", (message) => received.push(JSON.parse(message.data as string)));
  ws.accept();
  return received;
};

describe("attaching to a live subscription", () => {
  it("is refused to another principal with 403 (audited); its creator and an admin attach and receive", async () => {
    const bus = await busClient();
    const alice = await bearer({ tenant: bus.tenant, subject: "alice", caps: READER });
    const mallory = await bearer({ tenant: bus.tenant, subject: "mallory", caps: READER });
    const created = expectOk(await (await client({ tenant: bus.tenant, subject: "alice", caps: READER })).post("/v1/subscriptions", { patterns: ["order.*"], stream: "order", target: { kind: "live" } }));

    expectForbidden(await toReply(await attach(bus, created.id, mallory)), "admin");
    expectForbidden(await toReply(await attach(bus, created.id, mallory, "text/event-stream")), "admin");

    const owner = await attach(bus, created.id, alice);
    expect(owner.status).toBe(101);
    const admin = await attach(bus, created.id, {});
    expect(admin.status).toBe(101);
    const [mine, admins] = [receiving(owner), receiving(admin)];
    await publish(bus, [event("order.paid", { n: 1 })]);
    await eventually("both pushed", async () => mine.length + admins.length, (n) => n === 2);
    expect([mine[0]?.data, admins[0]?.data]).toEqual([{ n: 1 }, { n: 1 }]);

    const why = expect.stringMatching(/belongs to another principal/);
    const denial = { who: "principal:mallory", what: "admin", resource: `subscription/${created.id}`, why };
    await expectAudited(bus.tenant, [denial, denial]);
  });
});
