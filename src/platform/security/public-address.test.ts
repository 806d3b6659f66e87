import { describe, expect, it } from "vitest";
import { classifyAddress, parseIpv4, parseIpv6 } from "./public-address.ts";

const classOf = (host: string) => {
  const verdict = classifyAddress(host);
  return verdict === null ? null : verdict.public ? "public" : verdict.class;
};

describe("parseIpv4", () => {
  it("reads dotted decimal as WHATWG URL writes it, and nothing else", () => {
    expect(parseIpv4("127.0.0.1")).toBe(0x7f000001n);
    expect(parseIpv4("255.255.255.255")).toBe(0xffffffffn);
    for (const text of ["127.1", "0177.0.0.1", "0x7f.0.0.1", "256.0.0.1", "1.2.3.4.5", "1.2.3.", "", "a.b.c.d", "01.2.3.4"]) expect(parseIpv4(text), text).toBeNull();
  });
});

describe("parseIpv6", () => {
  it("reads every way of writing one address to the same number", () => {
    const one = parseIpv6("::1");
    expect(one).toBe(1n);
    for (const text of ["[::1]", "0:0:0:0:0:0:0:1", "0000:0000:0000:0000:0000:0000:0000:0001", "::0:1", "::0.0.0.1"]) expect(parseIpv6(text), text).toBe(one);
    expect(parseIpv6("::ffff:127.0.0.1")).toBe(parseIpv6("::ffff:7f00:1"));
    expect(parseIpv6("1::")).toBe(1n << 112n);
    expect(parseIpv6("::")).toBe(0n);
  });

  it("refuses what is not an IPv6 address", () => {
    for (const text of [":::", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "::1.2.3", "::g", "1:2:3:4:5:6:7::8:9", "::1%eth0", "1.2.3.4::"]) {
      expect(parseIpv6(text), text).toBeNull();
    }
  });
});

describe("classifyAddress", () => {
  it.each([
    // IPv4: each refused block, its edges, and the public addresses just outside it.
    ["0.0.0.0", "unspecified"],
    ["0.255.255.255", "unspecified"],
    ["1.0.0.0", "public"],
    ["9.255.255.255", "public"],
    ["10.0.0.0", "private"],
    ["10.255.255.255", "private"],
    ["11.0.0.0", "public"],
    ["100.63.255.255", "public"],
    ["100.64.0.0", "private"],
    ["100.127.255.255", "private"],
    ["100.128.0.0", "public"],
    ["100.100.100.200", "metadata"],
    ["127.0.0.1", "loopback"],
    ["127.255.255.254", "loopback"],
    ["169.254.0.1", "link-local"],
    ["169.254.169.254", "metadata"],
    ["169.254.170.2", "metadata"],
    ["172.15.255.255", "public"],
    ["172.16.0.0", "private"],
    ["172.31.255.255", "private"],
    ["172.32.0.0", "public"],
    ["192.0.0.192", "metadata"],
    ["192.0.0.8", "reserved"],
    ["192.0.2.1", "reserved"],
    ["192.88.99.1", "reserved"],
    ["192.167.255.255", "public"],
    ["192.168.1.1", "private"],
    ["192.169.0.0", "public"],
    ["198.18.0.1", "reserved"],
    ["198.19.255.255", "reserved"],
    ["198.20.0.0", "public"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["223.255.255.255", "public"],
    ["224.0.0.1", "multicast"],
    ["239.255.255.255", "multicast"],
    ["240.0.0.1", "reserved"],
    ["255.255.255.254", "reserved"],
    ["255.255.255.255", "broadcast"],
    ["8.8.8.8", "public"],
    ["1.1.1.1", "public"],
    // IPv6
    ["[::]", "unspecified"],
    ["[::1]", "loopback"],
    ["::1", "loopback"],
    ["[::ffff:7f00:1]", "loopback"],
    ["[::ffff:a00:1]", "private"],
    ["[::ffff:808:808]", "public"],
    ["[::ffff:0:7f00:1]", "loopback"],
    ["[::7f00:1]", "loopback"],
    ["[::808:808]", "reserved"],
    ["[64:ff9b::7f00:1]", "loopback"],
    ["[64:ff9b::a9fe:a9fe]", "metadata"],
    ["[64:ff9b::808:808]", "public"],
    ["[64:ff9b:1::1]", "private"],
    ["[2002:7f00:1::]", "loopback"],
    ["[2002:c0a8:101::1]", "private"],
    ["[2002:808:808::1]", "public"],
    ["[2001::1]", "reserved"],
    ["[2001:db8::1]", "reserved"],
    ["[3fff::1]", "reserved"],
    ["[100::1]", "reserved"],
    ["[fc00::1]", "private"],
    ["[fdff:ffff::1]", "private"],
    ["[fd00:ec2::254]", "metadata"],
    ["[fe80::1]", "link-local"],
    ["[febf::1]", "link-local"],
    ["[fec0::1]", "private"],
    ["[ff02::1]", "multicast"],
    ["[4000::1]", "reserved"],
    ["[1::1]", "reserved"],
    ["[2606:4700:4700::1111]", "public"],
    ["[2a00:1450::1]", "public"],
    // Names are not addresses.
    ["example.com", null],
    ["localhost", null],
  ])("%s is %s", (host, expected) => {
    expect(classOf(host)).toBe(expected);
  });

  it("names the range and the IPv4 address an IPv6 form carries", () => {
    expect(classifyAddress("[::ffff:7f00:1]")).toEqual({ public: false, class: "loopback", range: "127.0.0.0/8", embedded: "127.0.0.1" });
    expect(classifyAddress("[::808:808]")).toEqual({ public: false, class: "reserved", range: "::/96", embedded: "8.8.8.8" });
    expect(classifyAddress("10.1.2.3")).toEqual({ public: false, class: "private", range: "10.0.0.0/8" });
    expect(classifyAddress("[4000::1]")).toEqual({ public: false, class: "reserved", range: "outside 2000::/3" });
  });
});
