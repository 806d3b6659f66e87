// Why: browsers cannot set headers on a WebSocket, and a token must never travel in a
// URL (it would land in logs and histories). A ticket is a short-lived, single-use
// stand-in: `<tenant, base64url>.<secret>`. The tenant part only routes the upgrade to the
// tenant's agent object (the Worker has no token to learn it from); the secret is 256
// random bits the object stored (as a SHA-256 hash) when it issued the ticket, and deletes
// when the ticket is used. A forged tenant part leads to another tenant's object, which
// never issued that secret.
import { z } from "zod";
import { idSchema } from "../ids.ts";

export const SUBPROTOCOL_PREFIX = "jido.ticket.";
/** Offered beside the ticket; the server selects it, so the ticket is not echoed back. */
export const LIVE_SUBPROTOCOL = "jido.live.v1";

export const ticketRequestSchema = z.strictObject({
  agent: idSchema,
  scope: z.enum(["read", "call"]),
});
export type TicketRequest = z.output<typeof ticketRequestSchema>;
export type TicketScope = TicketRequest["scope"];

const TICKET = /^([A-Za-z0-9_-]{1,200})\.([A-Za-z0-9_-]{43})$/;

const toBase64Url = (bytes: Uint8Array): string => {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
};

const fromBase64Url = (text: string): string | null => {
  try {
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(text.replaceAll("-", "+").replaceAll("_", "/")), (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
};

/** A new ticket for `tenant`: its text (given to the client) and its secret (hashed and stored). */
export const mintTicket = (tenant: string, random: (bytes: Uint8Array) => Uint8Array = (b) => crypto.getRandomValues(b)): { ticket: string; secret: string } => {
  const secret = toBase64Url(random(new Uint8Array(32)));
  return { ticket: `${toBase64Url(new TextEncoder().encode(tenant))}.${secret}`, secret };
};

/** The tenant and secret of a well-formed ticket, else null. */
export const parseTicket = (ticket: string): { tenant: string; secret: string } | null => {
  const match = TICKET.exec(ticket);
  if (!match) return null;
  const tenant = fromBase64Url(match[1]!);
  if (tenant === null || !idSchema.safeParse(tenant).success) return null;
  return { tenant, secret: match[2]! };
};

/** The ticket offered as a subprotocol (`jido.ticket.<ticket>` in Sec-WebSocket-Protocol), if any. */
export const ticketFromProtocols = (header: string | null | undefined): string | null => {
  for (const offered of (header ?? "").split(",")) {
    const protocol = offered.trim();
    if (protocol.startsWith(SUBPROTOCOL_PREFIX)) return protocol.slice(SUBPROTOCOL_PREFIX.length);
  }
  return null;
};

/** The subprotocol the server answers with: jido.live.v1 when offered, else the ticket's own (a browser requires one it offered). */
export const selectedProtocol = (header: string | null | undefined): string | null => {
  const offered = (header ?? "").split(",").map((p) => p.trim()).filter((p) => p.length > 0);
  if (offered.includes(LIVE_SUBPROTOCOL)) return LIVE_SUBPROTOCOL;
  return offered.find((p) => p.startsWith(SUBPROTOCOL_PREFIX)) ?? null;
};

/** Query names that would put a credential in a URL: refused on the live routes. */
export const CREDENTIAL_QUERY_NAMES = ["token", "access_token", "authorization", "jwt"] as const;
