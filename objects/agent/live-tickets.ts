// Tickets of an agent's live sockets, in the agent's own SQLite (so single use holds
// across restarts and isolates): issued for a caller and a scope, used once by an
// upgrade, then kept as the open socket's principal until it closes. Only a SHA-256 of
// the secret is stored.
import { sha256Hex } from "../../src/platform/canonical-json.ts";
import type { TicketScope } from "../../src/platform/live/ticket.ts";
import { type Caller, callerSchema } from "../../src/platform/security/caller.ts";

const CREATE = `CREATE TABLE IF NOT EXISTS live_tickets (hash TEXT PRIMARY KEY, scope TEXT NOT NULL, caller TEXT NOT NULL,
  expires_at INTEGER NOT NULL, socket TEXT)`;

export type UsedTicket = { scope: TicketScope; caller: Caller; expiresAt: number };

export type LiveTickets = ReturnType<typeof createLiveTickets>;

export const createLiveTickets = (sql: SqlStorage) => {
  const exists = (): boolean => sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'live_tickets'").toArray().length > 0;
  return {
    /** Forgets expired unused tickets and those of sockets no longer open; answers how many unused ones remain. */
    prune(now: number, openSockets: ReadonlySet<string>): number {
      sql.exec(CREATE);
      sql.exec("DELETE FROM live_tickets WHERE socket IS NULL AND expires_at <= ?", now);
      for (const { socket } of sql.exec<{ socket: string }>("SELECT socket FROM live_tickets WHERE socket IS NOT NULL").toArray()) {
        if (!openSockets.has(socket)) sql.exec("DELETE FROM live_tickets WHERE socket = ?", socket);
      }
      return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM live_tickets WHERE socket IS NULL").one().n;
    },

    async issue(secret: string, scope: TicketScope, caller: Caller, expiresAt: number): Promise<void> {
      const hash = await sha256Hex(secret);
      sql.exec(CREATE);
      sql.exec("INSERT INTO live_tickets (hash, scope, caller, expires_at) VALUES (?, ?, ?, ?)", hash, scope, JSON.stringify(caller), expiresAt);
    },

    /**
     * Uses the ticket for `socket`: its scope and caller, or null when it is unknown or was
     * used before. One statement, so two upgrades racing with one ticket cannot both win.
     */
    async use(secret: string, socket: string): Promise<UsedTicket | null> {
      const hash = await sha256Hex(secret);
      if (!exists()) return null;
      const row = sql
        .exec<{ scope: string; caller: string; expires_at: number }>(
          "UPDATE live_tickets SET socket = ? WHERE hash = ? AND socket IS NULL RETURNING scope, caller, expires_at",
          socket, hash,
        )
        .toArray()[0];
      if (!row) return null;
      return { scope: row.scope === "call" ? "call" : "read", caller: callerSchema.parse(JSON.parse(row.caller)), expiresAt: row.expires_at };
    },

    /** The caller a socket was opened with (its ticket's). */
    callerOf(socket: string): { scope: TicketScope; caller: Caller } | null {
      if (!exists()) return null;
      const row = sql.exec<{ scope: string; caller: string }>("SELECT scope, caller FROM live_tickets WHERE socket = ?", socket).toArray()[0];
      return row ? { scope: row.scope === "call" ? "call" : "read", caller: callerSchema.parse(JSON.parse(row.caller)) } : null;
    },

    release(socket: string): void {
      if (exists()) sql.exec("DELETE FROM live_tickets WHERE socket = ?", socket);
    },
  };
};
