// The directory family: a tenant's agent directory, sharded by agent id over
// `DirectoryShard` objects. Agents register themselves here; the Worker lists and
// discovers through it. Decisions live in src/platform/discovery.
export { DirectoryShard, type Unregister } from "./directory-shard.ts";
