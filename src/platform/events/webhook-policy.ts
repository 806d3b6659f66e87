// Why: a webhook makes the platform send a request wherever a tenant says. Unchecked,
// that is a port scanner of the deployment's own network (under `wrangler dev`, the
// developer's machine): `http://127.0.0.1:6379/`, `http://169.254.169.254/`. The policy
// accepts https only, to public hosts: IP literals are classified after WHATWG URL has
// normalised them (`0x7f.1`, `0177.0.0.1`, `2130706433`, `127.1` all become
// `127.0.0.1`; IPv6 is compressed), and names that only resolve on a local network
// (`localhost`, `*.internal`, single labels, ...) are refused. A deployment relaxes it
// with JIDO_WEBHOOK_ALLOW (hosts or host:port admitted as they are) and
// JIDO_WEBHOOK_ALLOW_HTTP, for local development. The check is on the URL: it does not
// resolve names, so a public name whose DNS answers a private address is not caught here.
import { type AddressVerdict, classifyAddress } from "../security/public-address.ts";

export type WebhookPolicyConfig = {
  /** Comma-separated hosts (`127.0.0.1`, `[::1]`, `hooks.local`) or host:port admitted whatever their address. */
  JIDO_WEBHOOK_ALLOW?: string | undefined;
  /** `true` to accept http:// targets as well as https://. */
  JIDO_WEBHOOK_ALLOW_HTTP?: string | undefined;
};

export type AllowedHost = { host: string; port: string | null };

export type WebhookPolicy = { readonly allowHttp: boolean; readonly allow: readonly AllowedHost[] };

export const DEFAULT_WEBHOOK_POLICY: WebhookPolicy = { allowHttp: false, allow: [] };

/** The deployment's webhook configuration is malformed; names the variable and the value at fault. */
export class WebhookPolicyConfigError extends Error {
  override name = "WebhookPolicyConfigError";
  readonly variable: keyof WebhookPolicyConfig;
  readonly value: string;

  constructor(variable: keyof WebhookPolicyConfig, value: string, expected: string) {
    super(`${variable}: '${value}' is not ${expected}`);
    this.variable = variable;
    this.value = value;
  }
}

const ALLOW_ENTRY = /^(\[[0-9A-Fa-f:.]+\]|[^:/\\@[\]?#\s*]+)(?::(\d{1,5}))?$/;

/** A host as the policy compares it: WHATWG-normalised, without trailing dots. */
const normalHost = (hostname: string): string => hostname.replace(/\.+$/, "");

const parseAllowEntry = (entry: string): AllowedHost => {
  const match = ALLOW_ENTRY.exec(entry);
  const port = match?.[2];
  if (!match || (port !== undefined && Number(port) > 65_535)) throw new WebhookPolicyConfigError("JIDO_WEBHOOK_ALLOW", entry, "a host or host:port");
  let host: string;
  try {
    host = normalHost(new URL(`http://${match[1]}/`).hostname);
  } catch {
    throw new WebhookPolicyConfigError("JIDO_WEBHOOK_ALLOW", entry, "a host or host:port");
  }
  return { host, port: port === undefined ? null : String(Number(port)) };
};

const BOOLEAN: Record<string, boolean> = { "": false, false: false, "0": false, true: true, "1": true };

/** The policy a deployment's variables describe; throws WebhookPolicyConfigError on a malformed one. */
export const webhookPolicyFrom = (config: WebhookPolicyConfig): WebhookPolicy => {
  const flag = (config.JIDO_WEBHOOK_ALLOW_HTTP ?? "").trim().toLowerCase();
  const allowHttp = BOOLEAN[flag];
  if (allowHttp === undefined) throw new WebhookPolicyConfigError("JIDO_WEBHOOK_ALLOW_HTTP", config.JIDO_WEBHOOK_ALLOW_HTTP ?? "", "true or false");
  const allow = (config.JIDO_WEBHOOK_ALLOW ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "")
    .map(parseAllowEntry);
  return { allowHttp, allow };
};

// Names that resolve only on the local network or the host itself (RFC 6761, 6762,
// 8375, and the suffixes clouds and clusters use for their internal names).
const LOCAL_SUFFIXES = ["local", "localdomain", "internal", "intranet", "lan", "home", "corp", "private", "home.arpa", "svc", "cluster.local"];
const METADATA_NAMES = new Set(["metadata", "metadata.google.internal", "metadata.goog", "instance-data", "instance-data.ec2.internal"]);
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|\d+)$/i;

const endsWith = (host: string, suffix: string): boolean => host === suffix || host.endsWith(`.${suffix}`);

/** Why a host name (not an address) is refused, or null when it may be a public name. */
const refusedName = (host: string): string | null => {
  if (METADATA_NAMES.has(host)) return `${host} is a cloud metadata host name`;
  if (endsWith(host, "localhost")) return `${host} is a loopback host name`;
  // WHATWG URL turns every numeric host into dotted-decimal or fails: one that is still
  // numeric here was not parsed as an address, so it is not trusted as a name either.
  if (NUMERIC_LABEL.test(host.split(".").at(-1) ?? "")) return `${host} is a numeric host that is not a plain IPv4 address`;
  if (!host.includes(".")) return `${host} is a single-label name, resolved on the local network`;
  const suffix = LOCAL_SUFFIXES.find((s) => endsWith(host, s));
  return suffix ? `${host} is a local network name (.${suffix})` : null;
};

const CLASS_TEXT: Record<Exclude<AddressVerdict, { public: true }>["class"], string> = {
  loopback: "a loopback address",
  private: "a private address",
  "link-local": "a link-local address",
  unspecified: "an unspecified address",
  multicast: "a multicast address",
  broadcast: "the broadcast address",
  metadata: "a cloud metadata address",
  reserved: "a reserved address",
};

const refusedAddress = (host: string, verdict: Exclude<AddressVerdict, { public: true }>): string =>
  verdict.embedded
    ? `${host} carries ${verdict.embedded}, ${CLASS_TEXT[verdict.class]} (${verdict.range})`
    : `${host} is ${CLASS_TEXT[verdict.class]} (${verdict.range})`;

/** Why a normalised host is refused, or null when it is public. */
export const refusedHost = (host: string): string | null => {
  const address = classifyAddress(host);
  if (address) return address.public ? null : refusedAddress(host, address);
  if (host.startsWith("[")) return `${host} is not a valid IPv6 address`;
  if (host === "") return "the URL names no host";
  return refusedName(host);
};

const defaultPort = (protocol: string): string => (protocol === "https:" ? "443" : "80");

const allowed = (policy: WebhookPolicy, host: string, url: URL): boolean =>
  policy.allow.some((entry) => entry.host === host && (entry.port === null || entry.port === (url.port || defaultPort(url.protocol))));

export type WebhookVerdict = { ok: true; url: URL } | { ok: false; reason: string };

const PUBLIC_ONLY = "; webhooks must reach a public host";

/**
 * Whether a webhook may be sent to `target` under `policy`; the reason, when it may not,
 * is written for the subscriber (it becomes the message naming `target.url`).
 */
export const checkWebhookUrl = (target: string, policy: WebhookPolicy): WebhookVerdict => {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return { ok: false, reason: "must be an absolute URL" };
  }
  if (url.protocol !== "https:" && !(url.protocol === "http:" && policy.allowHttp)) {
    return { ok: false, reason: policy.allowHttp ? "only https or http URLs are accepted" : "only https URLs are accepted" };
  }
  const host = normalHost(url.hostname);
  if (allowed(policy, host, url)) return { ok: true, url };
  const refused = refusedHost(host);
  return refused ? { ok: false, reason: refused + PUBLIC_ONLY } : { ok: true, url };
};
