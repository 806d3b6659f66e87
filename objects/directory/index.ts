// The directory family: a tenant's agent directory, sharded by agent id over
// `DirectoryShard` objects. Agents register themselves here; the Worker lists and
// discovers through it, and workflow runs bind their roles through the same `discover`.
// Decisions live in src/platform/discovery.
export { DirectoryShard, type Unregister } from "./directory-shard.ts";
export { type BindingReach, discoverForBinding } from "./binding-cache.ts";
export { type Discover, discover, type DirectoryReach, discoverText } from "./discover.ts";
