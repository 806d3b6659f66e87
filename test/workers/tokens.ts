// Tokens for the integration tests, signed with the test Worker's secret.
import { signToken, type TokenRequest } from "../../src/platform/security/tokens.ts";
import { TEST_SECRET } from "./secret.ts";

/** The tenant the tests act as unless they say otherwise. */
export const TENANT = "t-main";

export const tokenFor = (request: Partial<TokenRequest> = {}, now?: number): Promise<string> =>
  signToken(TEST_SECRET, { subject: "tester", tenant: TENANT, caps: ["admin"], ...request }, now);

export const bearer = async (request: Partial<TokenRequest> = {}): Promise<Record<string, string>> => ({
  authorization: `Bearer ${await tokenFor(request)}`,
});
