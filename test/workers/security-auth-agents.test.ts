// Authentication on every /v1/agents route (the other groups of the route table are in
// security-auth-events and security-auth-other): every bad credential is refused with 401 problem+json and a
// Bearer challenge, echoing nothing, and the fixture agent is unchanged.
import { AUTH_GROUPS, describeAuthentication } from "./security-credentials.ts";

describeAuthentication("authentication on the /v1/agents routes", AUTH_GROUPS.agents);
