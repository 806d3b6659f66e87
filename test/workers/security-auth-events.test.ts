// Authentication on the event routes (publish, streams, subscriptions): every bad
// credential is refused with 401 problem+json and a Bearer challenge, echoing nothing,
// and the fixture is unchanged.
import { AUTH_GROUPS, describeAuthentication } from "./security-credentials.ts";

describeAuthentication("authentication on the event routes", AUTH_GROUPS.events);
