// The one discovery path: `POST /v1/discovery/query` and a workflow run binding its roles
// both ask every directory shard of the tenant at once, all their queries in ONE RPC per
// shard (`queryMany`), then `decide` per query over the shards' answers. Binding a run
// reads these answers through the tiered cache (binding-cache.ts): a burst of runs costs
// one fan-out per bound, and an agent's health is checked again by the agent itself when
// it is called.
import type { z } from "zod";
import { callDurable } from "../../src/platform/durable-call.ts";
import { decide, decideText } from "../../src/platform/discovery/decide.ts";
import { type DiscoveryAnswer, type DiscoveryQuery, EMPTY_WIRE_ANSWER, type shardQuerySchema, type WireAnswer } from "../../src/platform/discovery/query.ts";
import type { Near } from "../../src/platform/discovery/score.ts";
import { directoryShardName, shardCount } from "../../src/platform/discovery/shards.ts";
import type { Telemetry } from "../../src/platform/telemetry/emitter.ts";
import { typedStub } from "../durable/index.ts";
import type { DirectoryShard } from "./directory-shard.ts";

export type DirectoryReach = { env: Pick<Env, "DIRECTORY" | "JIDO_DIRECTORY_SHARDS">; tenant: string; telemetry: Telemetry };

/** One query: what a shard filters and scores, and how the answer is decided. */
export type Discover = Omit<z.input<typeof shardQuerySchema>, "near" | "limit"> & Pick<DiscoveryQuery, "strategy" | "min_count" | "limit">;

const shardStub = (reach: DirectoryReach, k: number) =>
  typedStub<DirectoryShard>(reach.env.DIRECTORY.get(reach.env.DIRECTORY.idFromName(directoryShardName(reach.tenant, k))));

/** Every shard's answers to the queries (per shard, one per query): every shard asked once, in parallel. */
const askShards = (reach: DirectoryReach, queries: readonly Discover[], near: Near): Promise<WireAnswer[][]> => {
  const shardQueries = queries.map(({ strategy: _s, min_count: _m, ...filter }) => ({ ...filter, near }));
  const shards = Array.from({ length: shardCount(reach.env.JIDO_DIRECTORY_SHARDS) }, (_, k) => k);
  return Promise.all(shards.map((k) => callDurable("directory.query", () => shardStub(reach, k).queryMany(shardQueries), reach.telemetry)));
};

/** Answers each query, in order. */
export const discover = async (reach: DirectoryReach, queries: readonly Discover[], near: Near): Promise<DiscoveryAnswer[]> => {
  const answers = await askShards(reach, queries, near);
  return queries.map((query, i) => decide(answers.map((answer) => answer[i] ?? EMPTY_WIRE_ANSWER), query, near));
};

/** One query's answer as JSON text (`decideText`: the matches' entries are not parsed and written again). */
export const discoverText = async (reach: DirectoryReach, query: Discover, near: Near): Promise<string> => {
  const answers = await askShards(reach, [query], near);
  return decideText(answers.map((answer) => answer[0] ?? EMPTY_WIRE_ANSWER), query, near);
};
