// Why: an outbound request the platform makes for a tenant (a webhook) must not reach
// the deployment's own network: loopback, private ranges, link-local, cloud metadata
// endpoints. This module says whether an IP address, written the way WHATWG URL
// serialises hosts (dotted-decimal IPv4, IPv6 in brackets or not), is a public unicast
// address, and if not which range it falls in. IPv6 forms that carry an IPv4 address
// (mapped, translated, NAT64, 6to4, the deprecated IPv4-compatible form) are judged by
// the IPv4 address they carry.

export type AddressClass = "loopback" | "private" | "link-local" | "unspecified" | "multicast" | "broadcast" | "metadata" | "reserved";

export type AddressVerdict =
  | { public: true }
  /** `range` is the CIDR block matched; `embedded` the IPv4 address an IPv6 form carries. */
  | { public: false; class: AddressClass; range: string; embedded?: string };

type Range = { base: bigint; bits: number; width: 32 | 128; cidr: string; class: AddressClass | "embedded" | "compatible" };

const IPV4_PART = /^(?:0|[1-9]\d{0,2})$/;

/** A dotted-decimal IPv4 address as WHATWG URL writes it (no leading zeros), or null. */
export const parseIpv4 = (text: string): bigint | null => {
  const parts = text.split(".");
  if (parts.length !== 4 || !parts.every((part) => IPV4_PART.test(part) && Number(part) <= 255)) return null;
  return parts.reduce((value, part) => (value << 8n) | BigInt(part), 0n);
};

const HEXTET = /^[0-9a-f]{1,4}$/i;

const hextets = (text: string, last: boolean): bigint[] | null => {
  if (text === "") return [];
  const groups = text.split(":");
  const out: bigint[] = [];
  for (const [i, group] of groups.entries()) {
    // A dotted IPv4 address may stand for the address's last two groups.
    if (last && i === groups.length - 1 && group.includes(".")) {
      const v4 = parseIpv4(group);
      if (v4 === null) return null;
      out.push(v4 >> 16n, v4 & 0xffffn);
    } else if (HEXTET.test(group)) out.push(BigInt(`0x${group}`));
    else return null;
  }
  return out;
};

/** An IPv6 address (brackets optional, no zone) as a 128-bit number, or null. */
export const parseIpv6 = (text: string): bigint | null => {
  const bare = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  const halves = bare.split("::");
  if (halves.length > 2) return null;
  const head = hextets(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? hextets(halves[1]!, true) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  return [...head, ...Array<bigint>(missing).fill(0n), ...tail].reduce((value, group) => (value << 16n) | group, 0n);
};

const formatIpv4 = (value: bigint): string => [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join(".");

const range = (cidr: string, cls: Range["class"]): Range => {
  const [address, bits] = cidr.split("/") as [string, string];
  const v4 = parseIpv4(address);
  const width = v4 === null ? 128 : 32;
  const base = v4 ?? parseIpv6(address);
  if (base === null) throw new Error(`bad range ${cidr}`);
  return { base, bits: Number(bits), width, cidr, class: cls };
};

// Special-purpose blocks (IANA registries, RFC 6890 and later) that are not public
// unicast. The most specific match wins, so metadata hosts inside link-local, say, are
// named as metadata.
const IPV4_RANGES: Range[] = [
  range("0.0.0.0/8", "unspecified"),
  range("10.0.0.0/8", "private"),
  range("100.64.0.0/10", "private"), // shared address space (CGNAT, RFC 6598)
  range("100.100.100.200/32", "metadata"), // Alibaba Cloud
  range("127.0.0.0/8", "loopback"),
  range("169.254.0.0/16", "link-local"),
  range("169.254.169.254/32", "metadata"), // AWS, GCP, Azure, OpenStack, ...
  range("169.254.170.2/32", "metadata"), // AWS ECS task metadata
  range("169.254.170.23/32", "metadata"), // AWS EKS pod identity
  range("172.16.0.0/12", "private"),
  range("192.0.0.0/24", "reserved"), // IETF protocol assignments
  range("192.0.0.192/32", "metadata"), // Oracle Cloud
  range("192.0.2.0/24", "reserved"), // documentation
  range("192.88.99.0/24", "reserved"), // 6to4 relay anycast (deprecated)
  range("192.168.0.0/16", "private"),
  range("198.18.0.0/15", "reserved"), // benchmarking
  range("198.51.100.0/24", "reserved"), // documentation
  range("203.0.113.0/24", "reserved"), // documentation
  range("224.0.0.0/4", "multicast"),
  range("240.0.0.0/4", "reserved"),
  range("255.255.255.255/32", "broadcast"),
].sort((a, b) => b.bits - a.bits);

const IPV6_RANGES: Range[] = [
  range("::/128", "unspecified"),
  range("::1/128", "loopback"),
  range("::/96", "compatible"), // IPv4-compatible (deprecated)
  range("::ffff:0:0/96", "embedded"), // IPv4-mapped
  range("::ffff:0:0:0/96", "embedded"), // IPv4-translated (SIIT)
  range("64:ff9b::/96", "embedded"), // NAT64 well-known prefix
  range("64:ff9b:1::/48", "private"), // local-use NAT64
  range("100::/64", "reserved"), // discard-only
  range("2001::/32", "reserved"), // Teredo
  range("2001:2::/48", "reserved"), // benchmarking
  range("2001:10::/28", "reserved"), // ORCHID
  range("2001:20::/28", "reserved"), // ORCHIDv2
  range("2001:db8::/32", "reserved"), // documentation
  range("2002::/16", "embedded"), // 6to4: the IPv4 address is bits 16-47
  range("3fff::/20", "reserved"), // documentation
  range("5f00::/16", "reserved"), // SRv6 SIDs
  range("fc00::/7", "private"), // unique local
  range("fd00:ec2::254/128", "metadata"), // AWS, over IPv6
  range("fe80::/10", "link-local"),
  range("fec0::/10", "private"), // site-local (deprecated)
  range("ff00::/8", "multicast"),
].sort((a, b) => b.bits - a.bits);

const GLOBAL_UNICAST = range("2000::/3", "reserved");

const within = (value: bigint, r: Range): boolean => value >> BigInt(r.width - r.bits) === r.base >> BigInt(r.width - r.bits);

const classifyIpv4Value = (value: bigint): AddressVerdict => {
  const match = IPV4_RANGES.find((r) => within(value, r));
  return match ? { public: false, class: match.class as AddressClass, range: match.cidr } : { public: true };
};

const classifyIpv6Value = (value: bigint): AddressVerdict => {
  const match = IPV6_RANGES.find((r) => within(value, r));
  if (!match) return within(value, GLOBAL_UNICAST) ? { public: true } : { public: false, class: "reserved", range: "outside 2000::/3" };
  if (match.class !== "embedded" && match.class !== "compatible") return { public: false, class: match.class, range: match.cidr };
  const v4 = match.cidr === "2002::/16" ? (value >> 80n) & 0xffffffffn : value & 0xffffffffn;
  const inner = classifyIpv4Value(v4);
  const embedded = formatIpv4(v4);
  if (!inner.public) return { ...inner, embedded };
  // The IPv4-compatible form is deprecated (RFC 4291) and never routed, whatever it carries.
  return match.class === "compatible" ? { public: false, class: "reserved", range: match.cidr, embedded } : { public: true };
};

/**
 * Whether `host` is an IP address literal: answers its verdict, or null when `host` is
 * not an address (a name). IPv4 must be dotted-decimal as WHATWG URL serialises it.
 */
export const classifyAddress = (host: string): AddressVerdict | null => {
  const v4 = parseIpv4(host);
  if (v4 !== null) return classifyIpv4Value(v4);
  if (!host.includes(":")) return null;
  const v6 = parseIpv6(host);
  return v6 === null ? null : classifyIpv6Value(v6);
};
