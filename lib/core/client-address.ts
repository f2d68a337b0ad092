/**
 * Who is the client? The per-address rate limits key on it, so it must not be something the client can choose.
 *
 * The only address a client can't forge is the TCP peer of the connection (the socket's remote address). When
 * that peer is a reverse proxy the operator listed in TRUSTED_PROXIES, the proxy's X-Forwarded-For is believed,
 * read from the right: every proxy appends the address it received the request from, so the rightmost entry that
 * is not itself a trusted proxy is the client. Entries further left were written by the client and are ignored.
 *
 * Pure functions only: the socket address is brought in by lib/core/peer-address.ts.
 */

export interface IpAddress {
  version: 4 | 6;
  /** The address as an unsigned integer (32 or 128 bits). */
  value: bigint;
}

export interface Cidr {
  version: 4 | 6;
  network: bigint;
  prefix: number;
}

/** A parsed TRUSTED_PROXIES list. */
export interface TrustedProxies {
  ranges: Cidr[];
  /** Entries that are neither an address nor a CIDR (reported at start-up, never matched). */
  invalid: string[];
}

/**
 * Parses an IPv4 or IPv6 address. IPv4-mapped IPv6 (`::ffff:1.2.3.4`, how a dual-stack socket reports an IPv4
 * peer) becomes the IPv4 address. A zone (`fe80::1%eth0`) is dropped. Anything else: null.
 */
export function parseIp(input: string): IpAddress | null {
  let s = input.trim();
  const zone = s.indexOf("%");
  if (zone !== -1) s = s.slice(0, zone);
  const v4 = parseV4(s);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseV6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { version: 4, value: v6 & 0xffffffffn };
  return { version: 6, value: v6 };
}

function parseV4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  let value = 0n;
  for (const part of m.slice(1)) {
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (part.length > 1 && part.startsWith("0")) return null;
    const n = Number(part);
    if (n > 255) return null;
    value = (value << 8n) | BigInt(n);
  }
  return value;
}

function parseV6(s: string): bigint | null {
  if (!/^[0-9a-fA-F:.]{2,45}$/.test(s)) return null;
  let head = s;
  let tailV4: bigint | null = null;
  // A trailing dotted quad stands for the last two groups.
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".")) {
    tailV4 = parseV4(s.slice(lastColon + 1));
    if (tailV4 === null) return null;
    head = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = head.split("::");
  if (halves.length > 2) return null;
  const groupsOf = (part: string) => (part === "" ? [] : part.split(":"));
  const left = groupsOf(halves[0]!);
  const right = halves.length === 2 ? groupsOf(halves[1]!) : [];
  const missing = 8 - left.length - right.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  const groups = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
  let value = 0n;
  for (const g of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    value = (value << 16n) | BigInt(parseInt(g, 16));
  }
  if (tailV4 !== null) value = (value & ~0xffffffffn) | tailV4;
  return value;
}

/** The canonical text of an address: dotted IPv4, or RFC 5952 IPv6 (lowercase, longest zero run as `::`). */
export function formatIp(ip: IpAddress): string {
  if (ip.version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((ip.value >> shift) & 0xffn)).join(".");
  }
  const groups = Array.from({ length: 8 }, (_, i) => Number((ip.value >> BigInt(112 - 16 * i)) & 0xffffn));
  let bestStart = -1;
  let bestLen = 1; // a single zero group is not shortened
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [bestStart, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** `10.0.0.0/8`, `fd00::/8`, or a single address (a /32 or /128). IPv4-mapped ranges become IPv4 ranges. */
export function parseCidr(input: string): Cidr | null {
  const [addr, prefixText, ...rest] = input.trim().split("/");
  if (rest.length > 0 || addr === undefined) return null;
  // Parse without the IPv4-mapped folding first, so `::ffff:0:0/96` keeps its meaning.
  const raw = parseRaw(addr);
  if (!raw) return null;
  const bits = raw.version === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > bits) return null;
  }
  let { version, value } = raw;
  if (version === 6 && prefix >= 96 && value >> 32n === 0xffffn) {
    version = 4;
    value &= 0xffffffffn;
    prefix -= 96;
  }
  const width = version === 4 ? 32 : 128;
  return { version, network: value & mask(width, prefix), prefix };
}

function parseRaw(s: string): IpAddress | null {
  const v4 = parseV4(s.trim());
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseV6(s.trim());
  return v6 === null ? null : { version: 6, value: v6 };
}

function mask(width: number, prefix: number): bigint {
  const all = (1n << BigInt(width)) - 1n;
  return prefix === 0 ? 0n : (all >> BigInt(width - prefix)) << BigInt(width - prefix);
}

export function cidrContains(range: Cidr, ip: IpAddress): boolean {
  if (range.version !== ip.version) return false;
  return (ip.value & mask(ip.version === 4 ? 32 : 128, range.prefix)) === range.network;
}

/** TRUSTED_PROXIES: comma- (or space-) separated addresses and CIDRs, IPv4 and IPv6. Empty: trust no proxy. */
export function parseTrustedProxies(value: string | undefined): TrustedProxies {
  const ranges: Cidr[] = [];
  const invalid: string[] = [];
  for (const entry of (value ?? "").split(/[,\s]+/).filter(Boolean)) {
    const range = parseCidr(entry);
    if (range) ranges.push(range);
    else invalid.push(entry);
  }
  return { ranges, invalid };
}

export function isTrusted(trusted: TrustedProxies, ip: IpAddress | null): boolean {
  return ip !== null && trusted.ranges.some((r) => cidrContains(r, ip));
}

/**
 * An X-Forwarded-For entry as proxies write it: an address, possibly with a port (`1.2.3.4:5678`,
 * `[2001:db8::1]:443`) or quoted.
 */
function parseHop(entry: string): IpAddress | null {
  let s = entry.trim().replace(/^"(.*)"$/, "$1");
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(s);
  if (bracketed) s = bracketed[1]!;
  else if (/^[\d.]+:\d+$/.test(s)) s = s.slice(0, s.lastIndexOf(":"));
  return parseIp(s);
}

/** Longest key an unparsable hop may put into a rate-limit key. */
const MAX_OPAQUE_HOP = 64;

/**
 * The client's address:
 * - the socket's peer, unless that peer is a trusted proxy;
 * - then X-Forwarded-For from the right, skipping trusted hops: the first untrusted entry is the client;
 * - if every entry is trusted, the leftmost one (the request started inside the trusted network).
 * "unknown" when the socket address is not known. Addresses come back in canonical form (IPv4-mapped IPv6 as
 * IPv4), so one client is one key however it connects.
 */
export function clientAddress({
  headers,
  socketAddress,
  trustedProxies,
}: {
  headers: Headers;
  socketAddress?: string | null;
  trustedProxies: TrustedProxies;
}): string {
  const peer = socketAddress ? parseIp(socketAddress) : null;
  if (!peer) return "unknown";
  if (!isTrusted(trustedProxies, peer)) return formatIp(peer);
  // Headers.get joins repeated X-Forwarded-For lines with ", " in their order, which is the order of the hops.
  const hops = (headers.get("x-forwarded-for") ?? "")
    .split(",")
    .map((h) => h.trim())
    .filter(Boolean);
  let client = peer;
  for (let i = hops.length - 1; i >= 0; i--) {
    const ip = parseHop(hops[i]!);
    // A trusted proxy passed on something that is no address: that string is all we know of the client.
    if (!ip) return hops[i]!.slice(0, MAX_OPAQUE_HOP);
    client = ip;
    if (!isTrusted(trustedProxies, ip)) break;
  }
  return formatIp(client);
}
