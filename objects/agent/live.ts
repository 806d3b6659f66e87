// Live state sync of one agent over hibernatable WebSockets (README "Live state"): the
// upgrade (a single-use ticket, the socket limit), the first message (the state, or what
// a reconnecting client missed), a patch or the whole state after each committed change,
// and actions called over the socket with the ticket's principal. Sockets are accepted
// with `ctx.acceptWebSocket`, so an idle agent with open sockets is evicted from memory;
// what must survive that (the socket's principal) is in SQLite (live-tickets.ts) or the
// socket's attachment, and the patch ring, which lives in memory, simply starts empty.
import type { AgentMeta } from "../../src/platform/agent/agent-meta.ts";
import { agentAddressSchema, type AgentAddress } from "../../src/platform/agent/rpc.ts";
import { fitsIn } from "../../src/platform/agent/limits.ts";
import { CLOSE, LIVE_LIMITS } from "../../src/platform/live/limits.ts";
import { clientMessageSchema, outputReply, problemReply, replyIdOf } from "../../src/platform/live/protocol.ts";
import { type Bucket, fullBucket, takeToken } from "../../src/platform/live/rate.ts";
import { createPatchRing } from "../../src/platform/live/ring.ts";
import { mintTicket, parseTicket, selectedProtocol, type TicketScope } from "../../src/platform/live/ticket.ts";
import { decideUpdate, patchMessage, stateMessage } from "../../src/platform/live/update.ts";
import { problem, type Problem, problemBody, ProblemError } from "../../src/platform/problem.ts";
import { checkCapability } from "../../src/platform/security/check.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import { zodProblem } from "../../src/platform/zod-issues.ts";
import { callAction } from "./calls.ts";
import { type AgentCore, agentCapability, agentResource, authorize, deny, requireAgent, requireGuards } from "./core.ts";
import { createLiveTickets } from "./live-tickets.ts";

const TAG = "live";

/** What a socket carries through hibernation (the principal is in live_tickets, under `socket`). */
type Attachment = { socket: string; tenant: string; id: string; scope: TicketScope };

/** How long an agent keeps making patches after its last socket closed, for a client about to reconnect. */
const LINGER_MS = 60_000;

const problemResponse = (p: Problem): Response =>
  new Response(JSON.stringify(problemBody(p)), {
    status: p.status,
    headers: { "content-type": "application/problem+json", ...(p.retryAfter === undefined ? {} : { "retry-after": String(p.retryAfter) }) },
  });

const ticketRefused = (detail: string): ProblemError => problem(401, "ticket-refused", "Ticket refused", detail);

export type AgentLive = ReturnType<typeof createAgentLive>;

export const createAgentLive = (core: AgentCore, ctx: DurableObjectState) => {
  const ring = createPatchRing({ maxVersions: LIVE_LIMITS.ringVersions, maxChars: LIVE_LIMITS.ringChars });
  const tickets = createLiveTickets(ctx.storage.sql);
  /** The state the sockets were last sent (null: none is tracked, the next change is sent whole). */
  let known: { version: number; state: unknown } | null = null;
  let lastOpenAt = 0;
  const buckets = new WeakMap<WebSocket, Bucket>();
  const principals = new Map<string, { scope: TicketScope; caller: Caller }>();

  const sockets = (): WebSocket[] => ctx.getWebSockets(TAG);
  const attachmentOf = (ws: WebSocket): Attachment => ws.deserializeAttachment() as Attachment;

  const send = (ws: WebSocket, message: string): void => {
    try {
      ws.send(message);
    } catch {
      // A socket that is closing refuses sends; its close handler cleans up.
    }
  };

  /** Tracks the committed state from now on (it is the committed truth: the object is its only writer). */
  const track = (): void => {
    if (core.meta) known = { version: core.meta.stateVersion, state: core.state };
  };

  /** The messages that bring a client at `since` (or nowhere) up to date. */
  const catchUp = (meta: AgentMeta, since: number | null): string[] => {
    if (known?.version !== meta.stateVersion) {
      ring.clear();
      track();
    }
    const missed = since === null ? null : ring.since(since, meta.stateVersion);
    if (missed && missed.length > 0) return missed.map((entry) => patchMessage(entry.from, entry.version, JSON.stringify(entry.patch)));
    if (missed) return [patchMessage(meta.stateVersion, meta.stateVersion, "[]")];
    return [stateMessage(meta.stateVersion, JSON.stringify(core.state ?? null))];
  };

  const principalOf = (ws: WebSocket, attachment: Attachment): { scope: TicketScope; caller: Caller } | null => {
    const cached = principals.get(attachment.socket);
    if (cached) return cached;
    const stored = tickets.callerOf(attachment.socket);
    if (stored) principals.set(attachment.socket, stored);
    return stored;
  };

  const handle = async (ws: WebSocket, attachment: Attachment, raw: unknown): Promise<string> => {
    const id = replyIdOf(raw);
    const parsed = clientMessageSchema.safeParse(raw);
    if (!parsed.success) return problemReply(id, zodProblem(parsed.error, "message", "The message is not a call.").problem);
    const message = parsed.data;
    const now = core.deps.now();
    const taken = takeToken(buckets.get(ws) ?? fullBucket(LIVE_LIMITS.callBurst, now), now, LIVE_LIMITS.callsPerSecond, LIVE_LIMITS.callBurst);
    buckets.set(ws, taken.bucket);
    if (!taken.ok) {
      return problemReply(id, problem(429, "socket-rate-limited", "Too many calls", `A socket may call ${LIVE_LIMITS.callsPerSecond} actions per second (bursts of ${LIVE_LIMITS.callBurst}).`, { retryAfter: Math.ceil(taken.retryAfterMs / 1000) }).problem);
    }
    const address: AgentAddress = { tenant: attachment.tenant, id: attachment.id };
    try {
      const principal = principalOf(ws, attachment);
      if (!principal) throw ticketRefused("The socket's ticket is no longer known; open a new socket.");
      const meta = requireAgent(core, address);
      if (principal.scope !== "call") {
        await deny(core, principal.caller, agentCapability("call", meta.type, message.call), "the socket's ticket has scope 'read'", agentResource(meta));
      }
      const key = message.idempotencyKey;
      const outcome = await callAction(core, address, principal.caller, {
        action: message.call,
        input: message.input,
        idempotencyKey: key ?? `platform:${crypto.randomUUID()}`,
        keyOrigin: key === undefined ? "platform" : "client",
      });
      return outputReply(id, outcome.output, outcome.replayed);
    } catch (error) {
      if (error instanceof ProblemError) return problemReply(id, error.problem);
      core.deps.log.error("live call failed", { error: error instanceof Error ? error.message : String(error) });
      return problemReply(id, { type: "https://jido.dev/problems/internal", title: "Internal error", status: 500 });
    }
  };

  return {
    /** After a start with sockets open (woken from hibernation): changes are patched from the loaded state. */
    resumed(): void {
      if (sockets().length > 0) {
        lastOpenAt = core.deps.now();
        track();
      }
    },

    /** POST /v1/tickets: agents:read:<type>, and for scope call a call capability on one of its actions. */
    async issue(address: AgentAddress, caller: Caller, scope: TicketScope): Promise<{ ticket: string; scope: TicketScope; expiresAt: number }> {
      const meta = requireAgent(core, address);
      await authorize(core, caller, agentCapability("read", meta.type), agentResource(meta));
      if (scope === "call") {
        const guards = requireGuards(core, meta);
        const now = core.deps.now();
        const actions = Object.keys(guards.definition.actions);
        // Constraints depend on each call's input, so here only the grant's name counts; every call is checked in full.
        const loose = caller.grants.map((grant) => ({ ...grant, constraints: {} }));
        if (!actions.some((action) => checkCapability(loose, agentCapability("call", meta.type, action), {}, now).ok)) {
          await deny(core, caller, agentCapability("call", meta.type, "*"), `no grant of a call capability on an action of '${meta.type}'`, agentResource(meta));
        }
      }
      const now = core.deps.now();
      const open = new Set(sockets().map((ws) => attachmentOf(ws).socket));
      if (tickets.prune(now, open) >= LIVE_LIMITS.maxPendingTickets) {
        throw problem(429, "too-many-tickets", "Too many tickets", `An agent holds at most ${LIVE_LIMITS.maxPendingTickets} unused tickets; they expire ${LIVE_LIMITS.ticketTtlMs / 1000} s after issue.`, { retryAfter: 5 });
      }
      const { ticket, secret } = mintTicket(address.tenant);
      const expiresAt = now + LIVE_LIMITS.ticketTtlMs;
      await tickets.issue(secret, scope, caller, expiresAt);
      return { ticket, scope, expiresAt };
    },

    /** The upgrade the Worker forwarded: `?tenant&id&ticket[&since]`. */
    async upgrade(request: Request): Promise<Response> {
      try {
        const url = new URL(request.url);
        const parsed = agentAddressSchema.safeParse({ tenant: url.searchParams.get("tenant"), id: url.searchParams.get("id") });
        if (!parsed.success) throw zodProblem(parsed.error, "address");
        const address = parsed.data;
        if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") throw problem(426, "upgrade-required", "Upgrade required", "Open this route as a WebSocket.");
        const ticket = parseTicket(url.searchParams.get("ticket") ?? "");
        if (!ticket || ticket.tenant !== address.tenant) throw ticketRefused("The ticket is malformed.");
        const meta = requireAgent(core, address);
        if (sockets().length >= LIVE_LIMITS.maxSockets) {
          throw problem(429, "too-many-sockets", "Too many sockets", `An agent serves at most ${LIVE_LIMITS.maxSockets} live sockets.`, { retryAfter: 5 });
        }
        const socket = crypto.randomUUID();
        const used = await tickets.use(ticket.secret, socket);
        if (!used) throw ticketRefused("The ticket is unknown or was already used; ask POST /v1/tickets for a new one.");
        if (used.expiresAt <= core.deps.now()) {
          tickets.release(socket);
          throw ticketRefused("The ticket expired; ask POST /v1/tickets for a new one.");
        }
        // Checked again at use: a grant may have expired since the ticket was issued.
        const failed = await authorize(core, used.caller, agentCapability("read", meta.type), agentResource(meta)).then(
          () => null,
          (error: unknown) => error,
        );
        if (failed) {
          tickets.release(socket);
          throw failed;
        }
        const sinceText = url.searchParams.get("since");
        const since = sinceText !== null && /^\d{1,15}$/.test(sinceText) ? Number(sinceText) : null;
        const pair = new WebSocketPair();
        const [client, server] = [pair[0], pair[1]];
        ctx.acceptWebSocket(server, [TAG]);
        server.serializeAttachment({ socket, tenant: address.tenant, id: address.id, scope: used.scope } satisfies Attachment);
        principals.set(socket, { scope: used.scope, caller: used.caller });
        lastOpenAt = core.deps.now();
        for (const message of catchUp(requireAgent(core, address), since)) send(server, message);
        const protocol = selectedProtocol(request.headers.get("sec-websocket-protocol"));
        return new Response(null, { status: 101, webSocket: client, headers: protocol ? { "sec-websocket-protocol": protocol } : {} });
      } catch (error) {
        if (error instanceof ProblemError) return problemResponse(error.problem);
        throw error;
      }
    },

    async message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
      if (typeof message !== "string") {
        ws.close(CLOSE.badMessage, "send JSON text");
        return;
      }
      if (!fitsIn(message, LIVE_LIMITS.maxMessageBytes)) {
        ws.close(CLOSE.tooBig, `messages are at most ${LIVE_LIMITS.maxMessageBytes} bytes`);
        return;
      }
      let raw: unknown;
      try {
        raw = JSON.parse(message);
      } catch {
        send(ws, problemReply(undefined, problem(400, "validation", "Invalid request", "The message is not JSON.", { errors: [{ path: "message", message: "not JSON" }] }).problem));
        return;
      }
      send(ws, await handle(ws, attachmentOf(ws), raw));
    },

    closed(ws: WebSocket, code: number): void {
      const { socket } = attachmentOf(ws);
      principals.delete(socket);
      tickets.release(socket);
      lastOpenAt = core.deps.now();
      // 1005, 1006 and 1015 say how the peer went away (1006: it dropped); close() refuses them.
      try {
        ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, "closed");
      } catch {
        // Already closed.
      }
    },

    /** After every commit that changed the state: one message, built once, to every socket. */
    committed(meta: AgentMeta, stateJson: string): void {
      const open = sockets();
      if (open.length > 0) lastOpenAt = core.deps.now();
      else if (core.deps.now() - lastOpenAt > LINGER_MS) {
        known = null;
        ring.clear();
        return;
      }
      const after: unknown = JSON.parse(stateJson);
      let message: string;
      if (known && known.version === meta.stateVersion - 1) {
        const update = decideUpdate(known.state, after, stateJson, known.version, meta.stateVersion);
        if (update.kind === "patch") ring.push({ from: known.version, version: meta.stateVersion, patch: update.patch, chars: update.patchJson.length });
        else ring.clear();
        message = update.message;
      } else {
        ring.clear();
        message = stateMessage(meta.stateVersion, stateJson);
      }
      known = { version: meta.stateVersion, state: after };
      for (const ws of open) send(ws, message);
    },

    /** The agent is gone: every socket is closed and nothing is tracked. */
    closeAll(code: number, reason: string): void {
      for (const ws of sockets()) {
        try {
          ws.close(code, reason);
        } catch {
          // Already closed.
        }
      }
      principals.clear();
      known = null;
      ring.clear();
    },
  };
};
