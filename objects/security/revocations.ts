// Revocations: one Durable Object per tenant holding its revoked token ids and
// subjects (with when and by whom). Written by `POST /v1/revocations`, read through the
// cached lookup (revocation-lookup.ts) by authentication, agent peer calls and event
// delivery. The decisions are in src/platform/security/revocation.ts.
import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import { idSchema } from "../../src/platform/ids.ts";
import { cursorKey, type Page, pageOfRows, paginationQuery, type PaginationQuery } from "../../src/platform/pagination.ts";
import { conflict } from "../../src/platform/problem.ts";
import { asResult, type Result } from "../../src/platform/result.ts";
import {
  keyOfRequest,
  keyString,
  type Revocation,
  REVOCATION_LIMIT,
  revocationKeySchema,
  type RevocationKey,
  type RevocationRequest,
  revocationRequestSchema,
  type RevocationView,
  revocationView,
} from "../../src/platform/security/revocation.ts";
import { parseOrProblem } from "../../src/platform/zod-issues.ts";

const tenantSchema = z.strictObject({ tenant: idSchema });
const bySchema = z.string().min(1).max(200);
const lookupSchema = z.array(revocationKeySchema).max(1_000);

export type RevocationsAddress = z.input<typeof tenantSchema>;

type Row = { key: string; kind: "jti" | "sub"; value: string; revoked_at: number; revoked_by: string };

const fromRow = (row: Row): Revocation => ({ kind: row.kind, value: row.value, revokedAt: row.revoked_at, revokedBy: row.revoked_by });

export class Revocations extends DurableObject<Env> {
  readonly #sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS revocations (key TEXT PRIMARY KEY, kind TEXT NOT NULL, value TEXT NOT NULL,
      revoked_at INTEGER NOT NULL, revoked_by TEXT NOT NULL)`);
  }

  #find(key: string): Revocation | null {
    const row = this.#sql.exec<Row>("SELECT * FROM revocations WHERE key = ?", key).toArray()[0];
    return row ? fromRow(row) : null;
  }

  /**
   * Revokes a token id or a subject. A token id stays revoked as first recorded; a
   * subject revoked again moves its time to now, reaching the tokens issued since.
   */
  revoke(at: RevocationsAddress, by: string, request: RevocationRequest): Promise<Result<{ created: boolean; revocation: RevocationView }>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const revokedBy = parseOrProblem(bySchema, by, "by");
      const key = keyOfRequest(parseOrProblem(revocationRequestSchema, request));
      const id = keyString(key);
      const existing = this.#find(id);
      if (existing && key.kind === "jti") return { created: false, revocation: revocationView(existing) };
      if (!existing && (this.#sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM revocations").one().n >= REVOCATION_LIMIT)) {
        throw conflict(`This tenant already holds ${REVOCATION_LIMIT} revocations.`);
      }
      const revocation: Revocation = { ...key, revokedAt: Math.max(Date.now(), existing?.revokedAt ?? 0), revokedBy };
      this.#sql.exec(
        "INSERT OR REPLACE INTO revocations (key, kind, value, revoked_at, revoked_by) VALUES (?, ?, ?, ?, ?)",
        id, revocation.kind, revocation.value, revocation.revokedAt, revocation.revokedBy,
      );
      return { created: existing === null, revocation: revocationView(revocation) };
    });
  }

  list(at: RevocationsAddress, query: PaginationQuery): Promise<Result<Page<RevocationView>>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      const { limit, cursor } = parseOrProblem(paginationQuery, query, "query");
      // `key > ?` in SQLite's order, the order of compareKeys, so pages neither skip nor repeat.
      const rows = this.#sql.exec<Row>("SELECT * FROM revocations WHERE key > ? ORDER BY key LIMIT ?", cursorKey(cursor) ?? "", limit + 1).toArray();
      const page = pageOfRows(rows, (row) => row.key, limit);
      return { items: page.items.map((row) => revocationView(fromRow(row))), next: page.next };
    });
  }

  /** When each of `keys` was revoked (epoch ms), null for those that are not. */
  lookup(at: RevocationsAddress, keys: readonly RevocationKey[]): Promise<Result<(number | null)[]>> {
    return asResult(() => {
      parseOrProblem(tenantSchema, at, "address");
      return parseOrProblem(lookupSchema, keys, "keys").map((key) => this.#find(keyString(key))?.revokedAt ?? null);
    });
  }
}
