// The quotas family: QuotaShard objects holding a tenant's agents' reservations of the
// resources their types declare (README "Quotas").
export { QuotaShard, type ReserveRequest } from "./quota-shard.ts";
