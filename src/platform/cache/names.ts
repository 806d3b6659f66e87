// What names a cache entry: a tenant, a namespace and a key. They reach Durable Object
// names, KV keys and Cache API URLs, so their alphabets are closed and their lengths
// bounded (a KV key is at most 512 bytes: tenant 128 + namespace 64 + key 256 + two
// separators fit). Namespaces are also the last part of capability names
// (`cache:read:<ns>`), so they are capability segments. Namespaces starting with `_`
// are the platform's own (cachedRead): no token or action can name one.
import { z } from "zod";
import { shardOf } from "../shard-hash.ts";

export const NAMESPACE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;
export const KEY_PATTERN = /^(?!\.\.?$)[A-Za-z0-9._:@=+,~-]+$/;
export const MAX_NAMESPACE_CHARS = 64;
export const MAX_KEY_CHARS = 256;

export const namespaceSchema = z
  .string()
  .max(MAX_NAMESPACE_CHARS, `must be at most ${MAX_NAMESPACE_CHARS} characters`)
  .regex(NAMESPACE_PATTERN, "must be segments of A-Z a-z 0-9 _ - joined by '.', starting with a letter or digit");

export const keySchema = z
  .string()
  .max(MAX_KEY_CHARS, `must be at most ${MAX_KEY_CHARS} characters`)
  .regex(KEY_PATTERN, "must be 1-256 characters of A-Z a-z 0-9 . _ : @ = + , ~ -, not '.' or '..'");

/** A platform-internal namespace: `_` then what a namespace may be. */
export const internalNamespaceSchema = z.string().regex(/^_[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/).max(MAX_NAMESPACE_CHARS);

/** Any namespace the origin object accepts: a tenant's or the platform's. */
export const anyNamespaceSchema = z.union([namespaceSchema, internalNamespaceSchema]);

export const cacheCapability = (operation: "read" | "write", namespace: string): string => `cache:${operation}:${namespace}`;

/** The tenant-scoped name of an entry in every tier: L1 map key, KV key, Cache API path. */
export const entryName = (tenant: string, namespace: string, key: string): string => `${tenant}/${namespace}/${key}`;

export const DEFAULT_CACHE_SHARDS = 16;
export const MAX_CACHE_SHARDS = 256;

/** The origin shard count from the deployment's var (JIDO_CACHE_SHARDS): an integer 1-256, else the default. */
export const cacheShardCount = (value: string | undefined): number => {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= 1 && n <= MAX_CACHE_SHARDS ? n : DEFAULT_CACHE_SHARDS;
};

/** The origin object holding an entry: `cache/<tenant>/<shard>`, by a hash of namespace and key. */
export const originName = (tenant: string, namespace: string, key: string, shards: number): string =>
  `cache/${tenant}/${shardOf(`${namespace}/${key}`, shards)}`;
