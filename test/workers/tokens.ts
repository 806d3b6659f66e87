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

/** A fresh tenant, so a test's agents and audit stream are its own. */
export const newTenant = (prefix = "tn"): string => `${prefix}-${crypto.randomUUID()}`;

/** Headers of an admin token of `tenant` (rate limits out of the way). */
export const adminOf = (tenant: string): Promise<Record<string, string>> => bearer({ tenant, caps: ["admin"], rps: 1_000_000 });
