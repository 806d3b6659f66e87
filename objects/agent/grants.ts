// The capability grants an agent holds: granted, revoked and listed over RPC, stored in
// the agent's SQLite with the token that gave each (so revoking that token or its
// subject voids them), and carried as the agent's credentials when it calls another agent.
import { type AgentMeta } from "../../src/platform/agent/agent-meta.ts";
import { keyReuseProblem } from "../../src/platform/agent/idempotency.ts";
import { canonicalJson } from "../../src/platform/canonical-json.ts";
import { idFromRequestKey } from "../../src/platform/request-key.ts";
import type { AgentAddress } from "../../src/platform/agent/rpc.ts";
import { conflict, notFound } from "../../src/platform/problem.ts";
import type { Caller } from "../../src/platform/security/caller.ts";
import type { Delegator } from "../../src/platform/security/delegation.ts";
import { grantRequestSchema, type GrantRequest, type GrantView, grantView, mayDelegate, newGrant, type StoredGrant } from "../../src/platform/security/grants.ts";
import { cursorKey, type Page, pageOfRows } from "../../src/platform/pagination.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";
import { type AgentCore, agentResource, deny, requireAuthorized } from "./core.ts";

/** An agent holds at most this many grants. */
export const GRANT_LIMIT = 1_000;

type GrantRow = {
  id: string;
  name: string;
  constraints: string;
  granted_by: string;
  expires_at: number | null;
  created_at: number;
  delegator: string | null;
};

const ensureTable = (sql: SqlStorage): void => {
  sql.exec(`CREATE TABLE IF NOT EXISTS grants (id TEXT PRIMARY KEY, name TEXT NOT NULL, constraints TEXT NOT NULL,
    granted_by TEXT NOT NULL, expires_at INTEGER, created_at INTEGER NOT NULL, delegator TEXT)`);
  // Tables made before grants recorded their delegator gain the column (null: see legacyDelegator).
  if (!sql.exec<{ name: string }>("PRAGMA table_info(grants)").toArray().some((column) => column.name === "delegator")) {
    sql.exec("ALTER TABLE grants ADD COLUMN delegator TEXT");
  }
};

const fromRow = (row: GrantRow): StoredGrant => ({
  id: row.id,
  name: row.name,
  constraints: JSON.parse(row.constraints),
  grantedBy: row.granted_by,
  expiresAt: row.expires_at,
  createdAt: row.created_at,
  delegator: row.delegator === null ? null : (JSON.parse(row.delegator) as Delegator),
});

export const listGrants = (sql: SqlStorage): StoredGrant[] => {
  ensureTable(sql);
  return sql.exec<GrantRow>("SELECT * FROM grants ORDER BY id").toArray().map(fromRow);
};

export const insertGrants = (sql: SqlStorage, grants: readonly StoredGrant[]): void => {
  ensureTable(sql);
  for (const g of grants) {
    sql.exec(
      "INSERT OR REPLACE INTO grants (id, name, constraints, granted_by, expires_at, created_at, delegator) VALUES (?, ?, ?, ?, ?, ?, ?)",
      g.id, g.name, JSON.stringify(g.constraints), g.grantedBy, g.expiresAt, g.createdAt, g.delegator === null ? null : JSON.stringify(g.delegator),
    );
  }
};

/** The agent's unexpired grants: its credentials when it calls other agents. */
export const activeGrants = (sql: SqlStorage, now: number): StoredGrant[] =>
  listGrants(sql).filter((grant) => grant.expiresAt === null || grant.expiresAt > now);

/**
 * Grants a capability under an id derived from the request's key (the client's
 * Idempotency-Key, or the platform's key of the HTTP request), so a retried grant finds
 * the one the first attempt made; the same key with another grant is refused (422).
 */
export const grantCapability = async (core: AgentCore, address: AgentAddress, caller: Caller, raw: GrantRequest, requestKey: string): Promise<GrantView> => {
  const meta: AgentMeta = await requireAuthorized(core, address, caller, "grant");
  const request = parseOrProblem(grantRequestSchema, raw);
  const sql = core.store.sql;
  const now = core.deps.now();
  // Its expiry is already clamped to the caller's token (unless it may delegate durably).
  const id = await idFromRequestKey("grt", requestKey);
  const grant = newGrant(request, caller, id, now);
  if (!mayDelegate(caller, grant, now)) {
    await deny(core, caller, request.name, `a caller can only grant capabilities it holds itself, with their constraints and expiry (granting to agent '${meta.id}')`, agentResource(meta));
  }
  const existing = listGrants(sql).find((stored) => stored.id === id);
  if (existing) {
    const same = existing.name === grant.name && canonicalJson(existing.constraints) === canonicalJson(grant.constraints) && existing.expiresAt === grant.expiresAt;
    if (!same) throw keyReuseProblem(requestKey);
    return grantView(existing);
  }
  if (listGrants(sql).length >= GRANT_LIMIT) throw conflict(`Agent '${meta.id}' already holds ${GRANT_LIMIT} grants; revoke some first.`);
  insertGrants(sql, [grant]);
  return grantView(grant);
};

export const revokeGrant = async (core: AgentCore, address: AgentAddress, caller: Caller, grantId: string): Promise<null> => {
  await requireAuthorized(core, address, caller, "grant");
  const sql = core.store.sql;
  ensureTable(sql);
  if (sql.exec("DELETE FROM grants WHERE id = ?", grantId).rowsWritten === 0) throw notFound("Grant", grantId);
  return null;
};

export const pageGrants = async (
  core: AgentCore,
  address: AgentAddress,
  caller: Caller,
  query: { limit: number; cursor?: string | undefined },
): Promise<Page<GrantView>> => {
  await requireAuthorized(core, address, caller, "grant");
  const sql = core.store.sql;
  ensureTable(sql);
  // `id > ?` in SQLite's order, the order of compareKeys, so pages neither skip nor repeat.
  const rows = sql.exec<GrantRow>("SELECT * FROM grants WHERE id > ? ORDER BY id LIMIT ?", cursorKey(query.cursor) ?? "", query.limit + 1).toArray().map(fromRow);
  const page = pageOfRows(rows, (grant) => grant.id, query.limit);
  return { items: page.items.map(grantView), next: page.next };
};
