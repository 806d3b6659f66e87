// The groups family: one GroupController per tenant and group (members, routing, key
// bindings, scaling on alarms), one GroupIndex per tenant (its groups), and the calls the
// Worker reaches them with.
export { GroupController, type GroupAddress, type RouteRequest } from "./group-controller.ts";
export { GroupIndex } from "./group-index.ts";
export { createGroup, deleteGroup, type GroupBindings, listGroups, routeCall, viewGroup } from "./access.ts";
