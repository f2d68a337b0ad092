import { describe, expect, it } from "vitest";
import {
  cidrContains,
  clientAddress,
  formatIp,
  parseCidr,
  parseIp,
  parseTrustedProxies,
  type TrustedProxies,
} from "./client-address";

const xff = (value?: string) => new Headers(value === undefined ? {} : { "x-forwarded-for": value });
const trust = (value: string): TrustedProxies => parseTrustedProxies(value);
const none = trust("");

describe("parseIp / formatIp", () => {
  it.each([
    ["1.2.3.4", "1.2.3.4"],
    ["0.0.0.0", "0.0.0.0"],
    ["255.255.255.255", "255.255.255.255"],
    [" 10.0.0.1 ", "10.0.0.1"],
    ["::1", "::1"],
    ["::", "::"],
    ["2001:DB8:0:0:0:0:0:1", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"],
    ["2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"],
    ["fe80::1%eth0", "fe80::1"],
    // IPv4-mapped IPv6 (a dual-stack socket's IPv4 peer) is the IPv4 address
    ["::ffff:1.2.3.4", "1.2.3.4"],
    ["::FFFF:127.0.0.1", "127.0.0.1"],
    ["::ffff:0102:0304", "1.2.3.4"],
    ["0:0:0:0:0:ffff:10.1.2.3", "10.1.2.3"],
    // other embeddings stay IPv6
    ["::1.2.3.4", "::102:304"],
    ["64:ff9b::1.2.3.4", "64:ff9b::102:304"],
  ])("%s → %s", (input, canonical) => {
    const ip = parseIp(input);
    expect(ip).not.toBeNull();
    expect(formatIp(ip!)).toBe(canonical);
  });

  it.each([
    "",
    "unknown",
    "1.2.3",
    "1.2.3.4.5",
    "256.1.1.1",
    "01.2.3.4",
    "1.2.3.4:80",
    "1::2::3",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4::5:6:7:8",
    ":::",
    "12345::",
    "::ffff:1.2.3.256",
    "g::1",
    "[::1]",
    "evil.example",
  ])("refuses %j", (input) => expect(parseIp(input)).toBeNull());
});

describe("CIDR matching", () => {
  const inRange = (cidr: string, ip: string) => cidrContains(parseCidr(cidr)!, parseIp(ip)!);

  it("matches IPv4 ranges at their edges", () => {
    expect(inRange("10.0.0.0/8", "10.0.0.0")).toBe(true);
    expect(inRange("10.0.0.0/8", "10.255.255.255")).toBe(true);
    expect(inRange("10.0.0.0/8", "9.255.255.255")).toBe(false);
    expect(inRange("10.0.0.0/8", "11.0.0.0")).toBe(false);
    expect(inRange("192.168.1.128/25", "192.168.1.127")).toBe(false);
    expect(inRange("192.168.1.128/25", "192.168.1.128")).toBe(true);
    expect(inRange("192.168.1.128/25", "192.168.1.255")).toBe(true);
    expect(inRange("172.16.0.0/12", "172.31.255.255")).toBe(true);
    expect(inRange("172.16.0.0/12", "172.32.0.0")).toBe(false);
  });

  it("treats a bare address as /32 or /128, and /0 as everything of that family", () => {
    expect(inRange("127.0.0.1", "127.0.0.1")).toBe(true);
    expect(inRange("127.0.0.1", "127.0.0.2")).toBe(false);
    expect(inRange("::1", "::1")).toBe(true);
    expect(inRange("::1", "::2")).toBe(false);
    expect(inRange("0.0.0.0/0", "203.0.113.9")).toBe(true);
    expect(inRange("0.0.0.0/0", "2001:db8::1")).toBe(false);
    expect(inRange("::/0", "2001:db8::1")).toBe(true);
  });

  it("normalizes the network (host bits set in the range are ignored)", () => {
    expect(inRange("10.1.2.3/8", "10.200.0.1")).toBe(true);
  });

  it("matches IPv6 ranges at their edges", () => {
    expect(inRange("2001:db8::/32", "2001:db8::")).toBe(true);
    expect(inRange("2001:db8::/32", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff")).toBe(true);
    expect(inRange("2001:db8::/32", "2001:db9::")).toBe(false);
    expect(inRange("2001:db8::/32", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff")).toBe(false);
    expect(inRange("fd00::/8", "fdff::1")).toBe(true);
    expect(inRange("fd00::/8", "fe00::1")).toBe(false);
  });

  it("an IPv4 range matches the IPv4-mapped form of its addresses, and mapped ranges are IPv4 ranges", () => {
    expect(inRange("127.0.0.1", "::ffff:127.0.0.1")).toBe(true);
    expect(inRange("10.0.0.0/8", "::ffff:10.9.8.7")).toBe(true);
    expect(inRange("::ffff:10.0.0.0/104", "10.9.8.7")).toBe(true);
    expect(inRange("::ffff:10.0.0.0/104", "11.0.0.1")).toBe(false);
    expect(parseCidr("::ffff:10.0.0.0/104")).toMatchObject({ version: 4, prefix: 8 });
  });

  it("refuses malformed ranges", () => {
    for (const bad of ["10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/8/8", "/8", "example.com/8"]) {
      expect(parseCidr(bad), bad).toBeNull();
    }
  });

  it("parses TRUSTED_PROXIES lists and keeps what it can't read apart", () => {
    const parsed = parseTrustedProxies(" 10.0.0.0/8, ::1 ,fd00::/8  192.168.0.1,, nonsense,10.0.0.0/40");
    expect(parsed.ranges).toHaveLength(4);
    expect(parsed.invalid).toEqual(["nonsense", "10.0.0.0/40"]);
    expect(parseTrustedProxies(undefined)).toEqual({ ranges: [], invalid: [] });
  });
});

describe("clientAddress", () => {
  it("is the socket's address when no proxy is trusted, whatever X-Forwarded-For says", () => {
    expect(clientAddress({ headers: xff("1.1.1.1"), socketAddress: "203.0.113.7", trustedProxies: none })).toBe(
      "203.0.113.7",
    );
    expect(clientAddress({ headers: xff("1.1.1.1, 2.2.2.2"), socketAddress: "::1", trustedProxies: none })).toBe("::1");
  });

  it("ignores a spoofed X-Forwarded-For from a peer that is not a trusted proxy", () => {
    const trustedProxies = trust("10.0.0.0/8");
    for (let i = 0; i < 5; i++) {
      expect(clientAddress({ headers: xff(`198.51.100.${i}`), socketAddress: "203.0.113.7", trustedProxies })).toBe(
        "203.0.113.7",
      );
    }
  });

  it("from a trusted proxy, takes the rightmost entry that is not a trusted proxy", () => {
    const trustedProxies = trust("10.0.0.0/8, 192.168.0.1");
    // client → proxy A (10.0.0.2) → proxy B (192.168.0.1) → us
    expect(clientAddress({ headers: xff("203.0.113.9, 10.0.0.2"), socketAddress: "192.168.0.1", trustedProxies })).toBe(
      "203.0.113.9",
    );
    // a client that wrote its own X-Forwarded-For: the entries left of the first untrusted one are ignored
    expect(
      clientAddress({
        headers: xff("6.6.6.6, 7.7.7.7, 203.0.113.9, 10.0.0.2"),
        socketAddress: "192.168.0.1",
        trustedProxies,
      }),
    ).toBe("203.0.113.9");
  });

  it("reads several X-Forwarded-For lines in order", () => {
    const headers = new Headers();
    headers.append("x-forwarded-for", "6.6.6.6");
    headers.append("x-forwarded-for", "203.0.113.9");
    expect(clientAddress({ headers, socketAddress: "10.0.0.1", trustedProxies: trust("10.0.0.0/8") })).toBe(
      "203.0.113.9",
    );
  });

  it("when every hop is trusted, the leftmost is the client", () => {
    const trustedProxies = trust("10.0.0.0/8");
    expect(clientAddress({ headers: xff("10.1.1.1, 10.2.2.2"), socketAddress: "10.0.0.1", trustedProxies })).toBe(
      "10.1.1.1",
    );
  });

  it("from a trusted proxy without X-Forwarded-For, the proxy itself is the client", () => {
    expect(clientAddress({ headers: xff(), socketAddress: "10.0.0.1", trustedProxies: trust("10.0.0.0/8") })).toBe(
      "10.0.0.1",
    );
    expect(clientAddress({ headers: xff(" , "), socketAddress: "10.0.0.1", trustedProxies: trust("10.0.0.0/8") })).toBe(
      "10.0.0.1",
    );
  });

  it("handles IPv6 and IPv4-mapped IPv6 peers and hops", () => {
    const trustedProxies = trust("127.0.0.1, ::1, fd00::/8");
    // a dual-stack server sees an IPv4 proxy as ::ffff:127.0.0.1
    expect(clientAddress({ headers: xff("203.0.113.9"), socketAddress: "::ffff:127.0.0.1", trustedProxies })).toBe(
      "203.0.113.9",
    );
    expect(clientAddress({ headers: xff("2001:DB8::0:1, fd00::2"), socketAddress: "::1", trustedProxies })).toBe(
      "2001:db8::1",
    );
    expect(clientAddress({ headers: xff("::ffff:198.51.100.1"), socketAddress: "::1", trustedProxies })).toBe(
      "198.51.100.1",
    );
    // an untrusted IPv6 peer is the client, canonicalized
    expect(clientAddress({ headers: xff("1.1.1.1"), socketAddress: "2001:0db8::0001", trustedProxies })).toBe(
      "2001:db8::1",
    );
    // an IPv4-mapped peer that is not trusted is reported as IPv4
    expect(clientAddress({ headers: xff("1.1.1.1"), socketAddress: "::ffff:203.0.113.5", trustedProxies })).toBe(
      "203.0.113.5",
    );
  });

  it("accepts hops written with a port or brackets", () => {
    const trustedProxies = trust("10.0.0.0/8");
    expect(clientAddress({ headers: xff("203.0.113.9:5123"), socketAddress: "10.0.0.1", trustedProxies })).toBe(
      "203.0.113.9",
    );
    expect(clientAddress({ headers: xff("[2001:db8::7]:443"), socketAddress: "10.0.0.1", trustedProxies })).toBe(
      "2001:db8::7",
    );
  });

  it("takes an unreadable hop as the client's name, bounded in length", () => {
    const trustedProxies = trust("10.0.0.0/8");
    expect(clientAddress({ headers: xff("unknown"), socketAddress: "10.0.0.1", trustedProxies })).toBe("unknown");
    expect(
      clientAddress({ headers: xff(`${"x".repeat(500)}, 10.0.0.9`), socketAddress: "10.0.0.1", trustedProxies }),
    ).toHaveLength(64);
  });

  it("is 'unknown' without a socket address (X-Forwarded-For alone proves nothing)", () => {
    expect(clientAddress({ headers: xff("1.2.3.4"), socketAddress: null, trustedProxies: trust("0.0.0.0/0") })).toBe(
      "unknown",
    );
    expect(clientAddress({ headers: xff("1.2.3.4"), socketAddress: "garbage", trustedProxies: none })).toBe("unknown");
  });

  it("trusting everything (0.0.0.0/0, ::/0) believes the whole chain, so the leftmost entry wins", () => {
    const trustedProxies = trust("0.0.0.0/0, ::/0");
    expect(clientAddress({ headers: xff("6.6.6.6, 7.7.7.7"), socketAddress: "8.8.8.8", trustedProxies })).toBe(
      "6.6.6.6",
    );
  });
});
