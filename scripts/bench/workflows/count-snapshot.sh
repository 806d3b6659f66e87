#!/usr/bin/env bash
# Builds a counting copy of this tree's platform in $1 (default /tmp/jido-wf-counts): every
# Durable Object counts its SQL statements (by text), transactions and alarm writes, every
# callDurable its RPCs (by operation), in isolate memory, and GET /__counts answers them
# (no auth: a local copy only). Nothing of it is in the product code: the copy is patched
# here. Used by profile.ts with PROFILE_COUNTS=1 (it points BENCH_PLATFORM_CONFIG there).
set -euo pipefail
root=$(cd "$(dirname "$0")/../../.." && pwd)
out=${1:-/tmp/jido-wf-counts}
rm -rf "$out" && mkdir -p "$out"
cp -r "$root/src" "$root/objects" "$root/public" "$root/wrangler.toml" "$root/package.json" "$root/tsconfig.json" "$root/worker-configuration.d.ts" "$out/"
ln -s "$root/node_modules" "$out/node_modules"
cat > "$out/src/platform/count-calls.ts" <<'TS'
const g = globalThis as unknown as { __counts?: Record<string, number> };
export const bump = (key: string): void => {
  const counts = (g.__counts ??= {});
  counts[key] = (counts[key] ?? 0) + 1;
};
export const counts = (): Record<string, number> => g.__counts ?? {};
const kinds = new WeakMap<object, string>();
let patched = false;
/**
 * Counts one object's SQL (by statement text), transactions and alarm writes under `kind`.
 * SqlStorage's exec is patched on its prototype: a store took `storage.sql` in a field
 * initializer, before the constructor body that calls this runs.
 */
export const instrument = (ctx: { storage: object }, kind: string): void => {
  const storage = ctx.storage as Record<string, unknown> & { sql: object };
  kinds.set(storage.sql, kind);
  if (!patched) {
    patched = true;
    const proto = Object.getPrototypeOf(storage.sql) as { exec: (...a: unknown[]) => unknown };
    const exec = proto.exec;
    Object.defineProperty(proto, "exec", {
      configurable: true,
      writable: true,
      value(this: object, query: string, ...args: unknown[]) {
        bump(`${kinds.get(this) ?? "?"} sql ${query.replace(/\s+/g, " ").slice(0, 70)}`);
        return exec.call(this, query, ...args);
      },
    });
  }
  const wrap = (name: string) => {
    const fn = storage[name] as (...a: unknown[]) => unknown;
    Object.defineProperty(storage, name, { value: (...args: unknown[]) => (bump(`${kind} ${name}`), fn.apply(storage, args)), configurable: true });
  };
  for (const name of ["transactionSync", "transaction", "setAlarm", "getAlarm", "deleteAlarm", "put", "get", "delete", "deleteAll", "list"]) wrap(name);
};
TS
# Every object constructor that calls super(ctx, env) counts (RunsIndexShard has none: its SQL is read from code).
for f in $(grep -rl "super(ctx, env);" "$out/objects" --include=*.ts); do
  rel=$(realpath --relative-to="$(dirname "$f")" "$out/src/platform/count-calls.ts")
  kind=$(basename "$f" .ts)
  sed -i "s#super(ctx, env);#super(ctx, env); instrument(ctx, \"$kind\");#" "$f"
  sed -i "1i import { instrument } from \"$rel\";" "$f"
done
sed -i 's#^const attemptAll = async <T>(operation: string, attempt: (n: number) => Promise<Result<T>>, telemetry: Telemetry): Promise<T> => {#&\n  bump(`rpc ${operation}`);#' "$out/src/platform/durable-call.ts"
sed -i '1i import { bump } from "./count-calls.ts";' "$out/src/platform/durable-call.ts"
sed -i 's#^  app.onError(errorHandler(deps.log));#&\n  app.get("/__counts", (c) => c.json(counts()));#' "$out/src/app.ts"
sed -i '1i import { counts } from "./platform/count-calls.ts";' "$out/src/app.ts"
grep -q 'bump(`rpc' "$out/src/platform/durable-call.ts" && grep -q "__counts" "$out/src/app.ts" || { echo "count-snapshot: a patch did not apply" >&2; exit 1; }
echo "$out/wrangler.toml"
