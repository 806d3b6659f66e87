// Authentication on the remaining routes (the OpenAPI document, agent types, workflows
// and runs): every bad credential is refused with 401 problem+json and a Bearer
// challenge, echoing nothing, and the fixture is unchanged.
import { AUTH_GROUPS, describeAuthentication } from "./security-credentials.ts";

describeAuthentication("authentication on the other routes", AUTH_GROUPS.other);
