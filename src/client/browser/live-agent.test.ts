import fc from "fast-check";
import { createPatch } from "rfc6902";
import { describe, expect, it } from "vitest";
import { applyPatch, LiveAgent } from "./live-agent.js";

/** A WebSocket stand-in the test drives: it records what the client sends and delivers what the server "sends". */
class FakeSocket extends EventTarget {
  static last: FakeSocket;
  sent: unknown[] = [];
  constructor(readonly url: string, readonly protocols: string[]) {
    super();
    FakeSocket.last = this;
    queueMicrotask(() => this.dispatchEvent(new Event("open")));
  }
  send(text: string) {
    this.sent.push(JSON.parse(text));
  }
  close(code = 1000) {
    queueMicrotask(() => this.dispatchEvent(Object.assign(new Event("close"), { code })));
  }
  deliver(message: unknown) {
    this.dispatchEvent(Object.assign(new Event("message"), { data: JSON.stringify(message) }));
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("applyPatch", () => {
  it("applies what rfc6902's createPatch makes, without touching the original", () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
        const before = JSON.parse(JSON.stringify({ doc: a }));
        const after = JSON.parse(JSON.stringify({ doc: b }));
        const frozen = JSON.stringify(before);
        expect(applyPatch(before, createPatch(before, after))).toEqual(after);
        expect(JSON.stringify(before)).toBe(frozen);
      }),
    );
  });

  it("does move, copy and test, and throws on a path that does not exist or a failed test", () => {
    expect(applyPatch({ a: [1, 2], b: {} }, [{ op: "move", from: "/a/0", path: "/b/x" }, { op: "copy", from: "/b/x", path: "/a/-" }, { op: "test", path: "/a", value: [2, 1] }])).toEqual({ a: [2, 1], b: { x: 1 } });
    expect(() => applyPatch({}, [{ op: "remove", path: "/nope" }])).toThrow(/does not exist/);
    expect(() => applyPatch({ a: 1 }, [{ op: "test", path: "/a", value: 2 }])).toThrow(/failed/);
    expect(() => applyPatch([], [{ op: "add", path: "/5", value: 1 }])).toThrow(/out of range/);
  });
});

describe("LiveAgent", () => {
  it("keeps a copy: the state, then patches; reconnects with its version and a fresh ticket; answers calls", async () => {
    let tickets = 0;
    const live = new LiveAgent({ url: "ws://h/v1/agents/a/live", ticket: async () => `t${++tickets}`, WebSocket: FakeSocket as never, reconnectMs: 0 });
    const seen: unknown[] = [];
    live.subscribe(({ state, version }) => seen.push([version, state]));
    await live.connect();
    const first = FakeSocket.last;
    expect(first.protocols).toEqual(["jido.live.v1", "jido.ticket.t1"]);
    first.deliver({ type: "state", version: 3, state: { list: [1] } });
    first.deliver({ type: "patch", from: 3, version: 4, patch: [{ op: "add", path: "/list/-", value: 2 }] });
    expect(seen).toEqual([[3, { list: [1] }], [4, { list: [1, 2] }]]);
    const reply = live.call("take", { n: 1 });
    first.deliver({ type: "reply", reply: (first.sent[0] as { id: string }).id, output: { ok: true } });
    await expect(reply).resolves.toEqual({ ok: true });
    first.close(1006);
    await tick();
    await tick();
    expect(FakeSocket.last).not.toBe(first);
    expect(new URL(FakeSocket.last.url).searchParams.get("since")).toBe("4");
    expect(FakeSocket.last.protocols[1]).toBe("jido.ticket.t2");
    live.close();
  });

  it("starts again from the whole state when a patch does not follow its version", async () => {
    const live = new LiveAgent({ url: "ws://h/live", ticket: async () => "t", WebSocket: FakeSocket as never, reconnectMs: 0 });
    await live.connect();
    FakeSocket.last.deliver({ type: "state", version: 1, state: {} });
    FakeSocket.last.deliver({ type: "patch", from: 5, version: 6, patch: [] });
    expect(live.version).toBeNull();
    await tick();
    await tick();
    expect(new URL(FakeSocket.last.url).searchParams.has("since")).toBe(false);
    live.close();
  });

  it("stops for good when the agent is deleted (4404)", async () => {
    const live = new LiveAgent({ url: "ws://h/live", ticket: async () => "t", WebSocket: FakeSocket as never, reconnectMs: 0 });
    let code: number | null = null;
    live.onclose = (c) => {
      code = c;
    };
    await live.connect();
    const socket = FakeSocket.last;
    socket.close(4404);
    await tick();
    expect(code).toBe(4404);
    expect(live.closed).toBe(true);
    expect(FakeSocket.last).toBe(socket);
  });
});
