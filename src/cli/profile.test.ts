import { describe, expect, it } from "vitest";
import { DEFAULT_URL, parseProfiles, resolveConnection, UsageError } from "./profile.ts";

const PATH = "/home/ada/.config/jido/profiles.json";
const file = parseProfiles(
  JSON.stringify({
    default: "local",
    profiles: { local: { url: "http://127.0.0.1:8787", token: "t-local" }, prod: { url: "https://jido.example.com", token: "t-prod" } },
  }),
  PATH,
);

describe("resolveConnection", () => {
  it("defaults to the local platform without a token", () => {
    expect(resolveConnection({ flags: {}, env: {}, file: undefined, path: PATH })).toEqual({ url: DEFAULT_URL, token: undefined, profile: undefined });
  });

  it("takes flags first, then the named profile, then the environment, then the default profile", () => {
    const env = { JIDO_URL: "http://127.0.0.1:9999/", JIDO_TOKEN: "t-env" };
    expect(resolveConnection({ flags: {}, env, file, path: PATH })).toMatchObject({ url: "http://127.0.0.1:9999", token: "t-env" });
    expect(resolveConnection({ flags: {}, env: {}, file, path: PATH })).toEqual({ url: "http://127.0.0.1:8787", token: "t-local", profile: "local" });
    expect(resolveConnection({ flags: { profile: "prod" }, env, file, path: PATH })).toEqual({ url: "https://jido.example.com", token: "t-prod", profile: "prod" });
    expect(resolveConnection({ flags: {}, env: { ...env, JIDO_PROFILE: "prod" }, file, path: PATH })).toMatchObject({ token: "t-prod" });
    expect(resolveConnection({ flags: { profile: "prod", token: "t-flag" }, env, file, path: PATH })).toMatchObject({ url: "https://jido.example.com", token: "t-flag" });
  });

  it("refuses a profile the file lacks, naming those it has", () => {
    expect(() => resolveConnection({ flags: { profile: "staging" }, env: {}, file, path: PATH })).toThrow(
      new UsageError(`profile 'staging' is not in ${PATH} (it has: local, prod)`),
    );
    expect(() => resolveConnection({ flags: { profile: "x" }, env: {}, file: undefined, path: PATH })).toThrow(/no such file/);
  });

  it("refuses a URL that is not http(s)", () => {
    expect(() => resolveConnection({ flags: { url: "ftp://x" }, env: {}, file: undefined, path: PATH })).toThrow(UsageError);
  });
});

describe("parseProfiles", () => {
  it("names the file and the field of a mistake", () => {
    expect(() => parseProfiles("{", PATH)).toThrow(`${PATH}: not valid JSON`);
    expect(() => parseProfiles(JSON.stringify({ profiles: { a: { url: "nope" } } }), PATH)).toThrow(/profiles\.a\.url/);
  });
});
