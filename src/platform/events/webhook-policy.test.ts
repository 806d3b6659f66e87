import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkWebhookUrl, DEFAULT_WEBHOOK_POLICY, type WebhookPolicy, WebhookPolicyConfigError, webhookPolicyFrom } from "./webhook-policy.ts";

const reasonFor = (url: string, policy: WebhookPolicy = DEFAULT_WEBHOOK_POLICY): string | null => {
  const verdict = checkWebhookUrl(url, policy);
  return verdict.ok ? null : verdict.reason;
};

describe("checkWebhookUrl: schemes", () => {
  it("accepts https to a public host, and only https by default", () => {
    expect(checkWebhookUrl("https://hooks.example.com/orders?x=1", DEFAULT_WEBHOOK_POLICY)).toMatchObject({ ok: true, url: new URL("https://hooks.example.com/orders?x=1") });
    expect(reasonFor("http://hooks.example.com/orders")).toBe("only https URLs are accepted");
    for (const url of ["ftp://example.com/x", "file:///etc/passwd", "javascript:alert(1)", "ws://example.com/", "data:text/plain,x"]) {
      expect(reasonFor(url), url).toBe("only https URLs are accepted");
    }
  });

  it("accepts http when the deployment allows it, and says so for other schemes", () => {
    const policy = webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW_HTTP: "true" });
    expect(reasonFor("http://hooks.example.com/orders", policy)).toBeNull();
    expect(reasonFor("ftp://example.com/x", policy)).toBe("only https or http URLs are accepted");
    // http does not open the deployment's network.
    expect(reasonFor("http://127.0.0.1:6379/", policy)).toMatch(/^127\.0\.0\.1 is a loopback address/);
  });

  it("refuses what is not an absolute URL", () => {
    for (const url of ["/relative", "hooks.example.com", "", "https://", "http://[fe80::1%25eth0]/"]) expect(reasonFor(url), url).toBe("must be an absolute URL");
  });
});

describe("checkWebhookUrl: addresses", () => {
  it.each([
    // IPv4 written every way WHATWG URL accepts: it normalises them, the policy classifies the result.
    ["https://127.0.0.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://0x7f.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://0177.0.0.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://2130706433/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://0x7f000001/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://017700000001/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://127.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://127.0.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://127.0.0.1./", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://127.0.0.%31/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://\uff11\uff12\uff17.0.0.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["https://evil.example@127.0.0.1/", "127.0.0.1 is a loopback address (127.0.0.0/8)"],
    ["http://127.0.0.1:6379/", null], // scheme first: see below
    ["https://10.0.0.5/", "10.0.0.5 is a private address (10.0.0.0/8)"],
    ["https://172.16.3.4/", "172.16.3.4 is a private address (172.16.0.0/12)"],
    ["https://192.168.1.1:8443/", "192.168.1.1 is a private address (192.168.0.0/16)"],
    ["https://100.64.0.1/", "100.64.0.1 is a private address (100.64.0.0/10)"],
    ["https://169.254.169.254/latest/meta-data/", "169.254.169.254 is a cloud metadata address (169.254.169.254/32)"],
    ["https://169.254.1.1/", "169.254.1.1 is a link-local address (169.254.0.0/16)"],
    ["https://0.0.0.0/", "0.0.0.0 is an unspecified address (0.0.0.0/8)"],
    ["https://0/", "0.0.0.0 is an unspecified address (0.0.0.0/8)"],
    ["https://224.0.0.251/", "224.0.0.251 is a multicast address (224.0.0.0/4)"],
    ["https://255.255.255.255/", "255.255.255.255 is the broadcast address (255.255.255.255/32)"],
    ["https://4294967295/", "255.255.255.255 is the broadcast address (255.255.255.255/32)"],
    ["https://100.100.100.200/", "100.100.100.200 is a cloud metadata address (100.100.100.200/32)"],
    // IPv6, and the IPv6 forms that carry an IPv4 address.
    ["https://[::1]/", "[::1] is a loopback address (::1/128)"],
    ["https://[0:0:0:0:0:0:0:1]/", "[::1] is a loopback address (::1/128)"],
    ["https://[::]/", "[::] is an unspecified address (::/128)"],
    ["https://[::ffff:127.0.0.1]/", "[::ffff:7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)"],
    ["https://[::ffff:7f00:1]/", "[::ffff:7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)"],
    ["https://[::ffff:169.254.169.254]/", "[::ffff:a9fe:a9fe] carries 169.254.169.254, a cloud metadata address (169.254.169.254/32)"],
    ["https://[::ffff:0:10.0.0.1]/", "[::ffff:0:a00:1] carries 10.0.0.1, a private address (10.0.0.0/8)"],
    ["https://[::127.0.0.1]/", "[::7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)"],
    ["https://[::8.8.8.8]/", "[::808:808] carries 8.8.8.8, a reserved address (::/96)"],
    ["https://[64:ff9b::127.0.0.1]/", "[64:ff9b::7f00:1] carries 127.0.0.1, a loopback address (127.0.0.0/8)"],
    ["https://[64:ff9b::192.168.0.1]/", "[64:ff9b::c0a8:1] carries 192.168.0.1, a private address (192.168.0.0/16)"],
    ["https://[2002:7f00:1::]/", "[2002:7f00:1::] carries 127.0.0.1, a loopback address (127.0.0.0/8)"],
    ["https://[fc00::1]/", "[fc00::1] is a private address (fc00::/7)"],
    ["https://[fd12:3456::1]/", "[fd12:3456::1] is a private address (fc00::/7)"],
    ["https://[fd00:ec2::254]/", "[fd00:ec2::254] is a cloud metadata address (fd00:ec2::254/128)"],
    ["https://[fe80::1]/", "[fe80::1] is a link-local address (fe80::/10)"],
    ["https://[ff02::1]/", "[ff02::1] is a multicast address (ff00::/8)"],
    ["https://[2001:db8::1]/", "[2001:db8::1] is a reserved address (2001:db8::/32)"],
  ])("%s", (url, reason) => {
    expect(reasonFor(url)).toBe(reason === null ? "only https URLs are accepted" : `${reason}; webhooks must reach a public host`);
  });

  it("admits public addresses, including IPv6 forms that carry a public IPv4 address", () => {
    for (const url of ["https://8.8.8.8/", "https://1.1.1.1:8443/x", "https://[2606:4700:4700::1111]/", "https://[::ffff:8.8.8.8]/", "https://[64:ff9b::8.8.8.8]/", "https://[2002:808:808::1]/"]) {
      expect(reasonFor(url), url).toBeNull();
    }
  });
});

describe("checkWebhookUrl: names", () => {
  it.each([
    ["https://localhost/", "localhost is a loopback host name"],
    ["https://LOCALHOST:8080/", "localhost is a loopback host name"],
    ["https://localhost./", "localhost is a loopback host name"],
    ["https://api.localhost/", "api.localhost is a loopback host name"],
    ["https://\u24dbocalhost/", "localhost is a loopback host name"],
    ["https://metadata.google.internal/computeMetadata/v1/", "metadata.google.internal is a cloud metadata host name"],
    ["https://metadata/", "metadata is a cloud metadata host name"],
    ["https://instance-data/", "instance-data is a cloud metadata host name"],
    ["https://db.internal/", "db.internal is a local network name (.internal)"],
    ["https://ip-10-0-0-1.ec2.internal/", "ip-10-0-0-1.ec2.internal is a local network name (.internal)"],
    ["https://printer.local/", "printer.local is a local network name (.local)"],
    ["https://nas.home.arpa/", "nas.home.arpa is a local network name (.home.arpa)"],
    ["https://router.lan/", "router.lan is a local network name (.lan)"],
    ["https://box.localdomain/", "box.localdomain is a local network name (.localdomain)"],
    ["https://redis.default.svc.cluster.local/", "redis.default.svc.cluster.local is a local network name (.local)"],
    ["https://kubernetes.default.svc/", "kubernetes.default.svc is a local network name (.svc)"],
    ["https://intranet/", "intranet is a single-label name, resolved on the local network"],
    ["https://redis:6379/", "redis is a single-label name, resolved on the local network"],
    ["https://com/", "com is a single-label name, resolved on the local network"],
  ])("%s", (url, reason) => {
    expect(reasonFor(url)).toBe(`${reason}; webhooks must reach a public host`);
  });

  it("admits public names", () => {
    for (const url of ["https://hooks.example.com/", "https://example.org./x", "https://xn--bcher-kva.example/", "https://internal.example.com/", "https://local.example.com/", "https://0x7f.1.example.com/"]) {
      expect(reasonFor(url), url).toBeNull();
    }
  });
});

describe("the allow-list (JIDO_WEBHOOK_ALLOW)", () => {
  const local = webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW: "127.0.0.1, localhost:8788,[::1]", JIDO_WEBHOOK_ALLOW_HTTP: "true" });

  it("admits a listed host on any port, and a host:port on that port only", () => {
    expect(reasonFor("http://127.0.0.1:9000/hook", local)).toBeNull();
    expect(reasonFor("http://0x7f.1:9000/hook", local)).toBeNull();
    expect(reasonFor("http://localhost:8788/hook", local)).toBeNull();
    expect(reasonFor("http://localhost:8789/hook", local)).toMatch(/^localhost is a loopback host name/);
    expect(reasonFor("http://[0::1]:1/", local)).toBeNull();
    // Only what is listed: 127.0.0.2 is loopback too.
    expect(reasonFor("http://127.0.0.2/", local)).toMatch(/^127\.0\.0\.2 is a loopback address/);
  });

  it("compares ports as numbers, with the scheme's default when the URL gives none", () => {
    const policy = webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW: "10.0.0.1:443,10.0.0.2:0080", JIDO_WEBHOOK_ALLOW_HTTP: "1" });
    expect(reasonFor("https://10.0.0.1/", policy)).toBeNull();
    expect(reasonFor("https://10.0.0.1:443/", policy)).toBeNull();
    expect(reasonFor("http://10.0.0.1/", policy)).not.toBeNull();
    expect(reasonFor("http://10.0.0.2/", policy)).toBeNull();
  });

  it("normalises its entries as URLs normalise hosts", () => {
    const policy = webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW: "0177.0.0.1,[0:0:0:0:0:0:0:1],HOOKS.LOCAL." });
    expect(policy.allow).toEqual([
      { host: "127.0.0.1", port: null },
      { host: "[::1]", port: null },
      { host: "hooks.local", port: null },
    ]);
    expect(reasonFor("https://hooks.local/x", policy)).toBeNull();
  });

  it("does not open http by itself", () => {
    expect(reasonFor("http://127.0.0.1/", webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW: "127.0.0.1" }))).toBe("only https URLs are accepted");
  });

  it("is empty, and http refused, when the variables are unset or empty", () => {
    expect(webhookPolicyFrom({})).toEqual(DEFAULT_WEBHOOK_POLICY);
    expect(webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW: " , ", JIDO_WEBHOOK_ALLOW_HTTP: "" })).toEqual(DEFAULT_WEBHOOK_POLICY);
    expect(webhookPolicyFrom({ JIDO_WEBHOOK_ALLOW_HTTP: "FALSE" }).allowHttp).toBe(false);
  });

  it.each([
    [{ JIDO_WEBHOOK_ALLOW: "http://127.0.0.1" }, "JIDO_WEBHOOK_ALLOW", "http://127.0.0.1"],
    [{ JIDO_WEBHOOK_ALLOW: "127.0.0.1/hook" }, "JIDO_WEBHOOK_ALLOW", "127.0.0.1/hook"],
    [{ JIDO_WEBHOOK_ALLOW: "*.example.com" }, "JIDO_WEBHOOK_ALLOW", "*.example.com"],
    [{ JIDO_WEBHOOK_ALLOW: "ok.example.com,x:99999" }, "JIDO_WEBHOOK_ALLOW", "x:99999"],
    [{ JIDO_WEBHOOK_ALLOW: "x:" }, "JIDO_WEBHOOK_ALLOW", "x:"],
    [{ JIDO_WEBHOOK_ALLOW: "user@host" }, "JIDO_WEBHOOK_ALLOW", "user@host"],
    [{ JIDO_WEBHOOK_ALLOW: "[::1" }, "JIDO_WEBHOOK_ALLOW", "[::1"],
    [{ JIDO_WEBHOOK_ALLOW: "1.2.3.4.5" }, "JIDO_WEBHOOK_ALLOW", "1.2.3.4.5"],
    [{ JIDO_WEBHOOK_ALLOW_HTTP: "yes" }, "JIDO_WEBHOOK_ALLOW_HTTP", "yes"],
  ])("refuses a malformed configuration %j, naming the variable and the value", (config, variable, value) => {
    let thrown: unknown;
    try {
      webhookPolicyFrom(config);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(WebhookPolicyConfigError);
    expect(thrown).toMatchObject({ variable, value, message: expect.stringContaining(`${variable}: '${value}'`) });
  });
});

// --- Every numeric notation of an IPv4 address ------------------------------------

/** The IPv4 blocks the policy refuses, as the specification of this test states them. */
const REFUSED_V4: [base: number, bits: number][] = [
  [0x00000000, 8], // 0.0.0.0/8
  [0x0a000000, 8], // 10/8
  [0x64400000, 10], // 100.64/10
  [0x7f000000, 8], // 127/8
  [0xa9fe0000, 16], // 169.254/16
  [0xac100000, 12], // 172.16/12
  [0xc0000000, 24], // 192.0.0/24
  [0xc0000200, 24], // 192.0.2/24
  [0xc0586300, 24], // 192.88.99/24
  [0xc0a80000, 16], // 192.168/16
  [0xc6120000, 15], // 198.18/15
  [0xc6336400, 24], // 198.51.100/24
  [0xcb007100, 24], // 203.0.113/24
  [0xe0000000, 4], // 224/4 multicast
  [0xf0000000, 4], // 240/4, with the broadcast address
];

const inBlock = (value: number, [base, bits]: [number, number]) => value >>> (32 - bits) === base >>> (32 - bits);
const refusedV4 = fc
  .tuple(fc.constantFrom(...REFUSED_V4), fc.nat({ max: 0xffffffff }))
  .map(([[base, bits], noise]) => (base | (noise & (2 ** (32 - bits) - 1))) >>> 0);
const publicV4 = fc.nat({ max: 0xffffffff }).filter((value) => !REFUSED_V4.some((block) => inBlock(value, block)));

type Radix = 8 | 10 | 16;
const radix = fc.constantFrom<Radix>(8, 10, 16);

const numeral = (value: number, base: Radix, upper: boolean): string => {
  if (base === 10) return String(value);
  if (base === 8) return `0${value.toString(8)}`;
  const hex = value.toString(16);
  return upper ? `0X${hex.toUpperCase()}` : `0x${hex}`;
};

/** The parts of the WHATWG IPv4 notations: a.b.c.d, a.b.(16 bits), a.(24 bits), (32 bits). */
const partsOf = (value: number, count: 1 | 2 | 3 | 4): number[] => {
  const bytes = [value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
  const rest = (from: number) => (value & (2 ** (8 * (4 - from)) - 1)) >>> 0;
  return count === 4 ? bytes : [...bytes.slice(0, count - 1), rest(count - 1)];
};

const hex16 = (n: number) => n.toString(16);
const hi = (v: number) => hex16(v >>> 16);
const lo = (v: number) => hex16(v & 0xffff);
const dotted = (v: number) => partsOf(v, 4).join(".");

/** Ways a URL host can say one IPv4 address. */
const notation = (value: number) =>
  fc.oneof(
    fc
      .record({ count: fc.constantFrom<1 | 2 | 3 | 4>(1, 2, 3, 4), radixes: fc.array(radix, { minLength: 4, maxLength: 4 }), upper: fc.boolean(), dot: fc.boolean() })
      .map(({ count, radixes, upper, dot }) => partsOf(value, count).map((part, i) => numeral(part, radixes[i]!, upper)).join(".") + (dot ? "." : "")),
    fc.constantFrom(
      `[::ffff:${dotted(value)}]`,
      `[::ffff:${hi(value)}:${lo(value)}]`,
      `[0:0:0:0:0:ffff:${dotted(value)}]`,
      `[::ffff:0:${dotted(value)}]`,
      `[::${dotted(value)}]`,
      `[64:ff9b::${dotted(value)}]`,
      `[64:ff9b::${hi(value)}:${lo(value)}]`,
      `[2002:${hi(value)}:${lo(value)}::1]`,
    ),
    // Percent-encoded and full-width digits, which URL decodes and maps before parsing.
    fc.constant(dotted(value).replace(/\d/, (d) => `%3${d}`)),
    fc.constant(dotted(value).replace(/\d/g, (d) => String.fromCharCode(0xff10 + Number(d)))),
  );

describe("any IPv4 address, in any notation", () => {
  it("is refused when it lies in a refused block", () => {
    fc.assert(
      fc.property(refusedV4.chain((value) => fc.tuple(fc.constant(value), notation(value))), ([value, host]) => {
        const reason = reasonFor(`https://${host}:8080/hook`);
        expect(reason, `${dotted(value)} as ${host}`).toMatch(/ address \(.+\); webhooks must reach a public host$/);
      }),
      { numRuns: 2_000 },
    );
  });

  it("is admitted when it is public (except in the deprecated IPv4-compatible form)", () => {
    fc.assert(
      fc.property(publicV4.chain((value) => fc.tuple(fc.constant(value), notation(value))), ([value, host]) => {
        const reason = reasonFor(`https://${host}/hook`);
        if (host.startsWith("[::") && !host.startsWith("[::ffff")) expect(reason).toMatch(/a reserved address \(::\/96\)/);
        else expect(reason, `${dotted(value)} as ${host}`).toBeNull();
      }),
      { numRuns: 2_000 },
    );
  });
});
