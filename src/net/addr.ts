/** Address text: formatting exactly as Wireshark prints addresses, and parsing back to bytes. */

/** Dotted quad of the 4 bytes at `o`. */
export function ipv4ToString(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

/** RFC 5952 text form of the 16 bytes at `o` (what Wireshark shows). */
export function ipv6ToString(b: Uint8Array, o: number): string {
  const g = new Array<number>(8);
  for (let i = 0; i < 8; i++) g[i] = (b[o + 2 * i]! << 8) | b[o + 2 * i + 1]!;
  // IPv4-mapped addresses keep the dotted quad tail.
  if (g[0] === 0 && g[1] === 0 && g[2] === 0 && g[3] === 0 && g[4] === 0 && g[5] === 0xffff) {
    return `::ffff:${ipv4ToString(b, o + 12)}`;
  }
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (i: number) => g[i]!.toString(16);
  if (bestStart < 0) return g.map((_, i) => hex(i)).join(':');
  const left = g.slice(0, bestStart).map((_, i) => hex(i)).join(':');
  const right = g.slice(bestStart + bestLen).map((_, i) => hex(bestStart + bestLen + i)).join(':');
  return `${left}::${right}`;
}

// ------------------------------------------------------------------ endpoints
//
// An endpoint is written "ip:port", an IPv6 address in brackets
// ("[2001:db8::1]:5060", RFC 3986 §3.2.2), as the JSON report, the tables and
// the ladders show it. Everything that builds an endpoint string or takes one
// apart goes through these functions, so the bracket rule lives in one place.

/** The address as it stands before ":port" or in a URI: IPv6 in brackets. */
export function bracketed(ip: string): string {
  return ip.includes(':') ? `[${ip}]` : ip;
}

/** "[2001:db8::1]" -> "2001:db8::1"; anything else unchanged. */
export function unbracketed(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** "ip:port", IPv6 in brackets, as the JSON report writes endpoints. */
export function endpoint(ip: string, port: number): string {
  return `${bracketed(ip)}:${port}`;
}

/**
 * Index of the ':' that starts the port, or -1 when there is none: a bare
 * IPv4 address or host name, a bare IPv6 address (several colons, no
 * brackets), "[v6]" without a port.
 */
export function portColon(ep: string): number {
  if (ep.startsWith('[')) {
    const end = ep.indexOf(']');
    return end > 0 && ep[end + 1] === ':' ? end + 1 : -1;
  }
  const i = ep.lastIndexOf(':');
  return i > 0 && ep.indexOf(':') === i ? i : -1;
}

/**
 * Split an endpoint into its address (without brackets) and port. A bare
 * address gives port null, as does a port that is not a number.
 */
export function parseEndpoint(ep: string): { host: string; port: number | null } {
  const i = portColon(ep);
  const port = i < 0 ? null : ep.slice(i + 1);
  let host = i < 0 ? ep : ep.slice(0, i);
  if (ep.startsWith('[')) {
    const end = ep.indexOf(']');
    if (end > 0) host = ep.slice(1, end);
  }
  return { host, port: port !== null && /^\d+$/.test(port) ? Number(port) : null };
}

/** "192.168.1.14:5060" -> "192.168.1.14"; "[2001:db8::1]:5060" -> "2001:db8::1"; a bare address unchanged. */
export function hostOf(ep: string): string {
  return parseEndpoint(ep).host;
}

// ------------------------------------------------------------------ address keys
//
// The per-packet path compares addresses as numbers, not text: an IPv4
// address is its 32-bit value (exact), an IPv6 address a 52-bit hash of its
// 16 bytes placed above 2^32 (so it never equals an IPv4 key). Two IPv6
// addresses may share a key, so whoever compares IPv6 keys also compares the
// text (EndpointIndex, FlowIndex do); an IPv4 key alone decides.

/** Keys at or above this are IPv6 hashes (compare the text as well). */
export const V6_KEY_BASE = 0x100000000;

/** The 32-bit value of the IPv4 address at `o`: its key. */
export function ipv4Key(b: Uint8Array, o: number): number {
  return ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;
}

/** The key of the IPv6 address at `o`: two 32-bit mixes of its words, 52 bits in all, above V6_KEY_BASE. */
export function ipv6Key(b: Uint8Array, o: number): number {
  let h1 = 0x9e3779b9 | 0;
  let h2 = 0x85ebca6b | 0;
  for (let i = 0; i < 16; i += 4) {
    const w = (b[o + i]! << 24) | (b[o + i + 1]! << 16) | (b[o + i + 2]! << 8) | b[o + i + 3]!;
    h1 = Math.imul(h1 ^ w, 0x01000193);
    h1 ^= h1 >>> 15;
    h2 = Math.imul(h2 + w, 0xcc9e2d51);
    h2 ^= h2 >>> 13;
  }
  return V6_KEY_BASE + (h1 >>> 0) * 0x100000 + (h2 >>> 12);
}

/** Parse "192.0.2.1" into 4 bytes. */
export function ipv4Bytes(ip: string): Uint8Array {
  const p = ip.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) throw new Error(`bad IPv4 address ${ip}`);
  return Uint8Array.from(p, Number);
}

/**
 * Parse an IPv6 text address into 16 bytes: full, "::"-compressed, with an
 * embedded dotted quad ("::ffff:192.0.2.1"), optionally in brackets or with a
 * zone ("fe80::1%eth0", the zone is ignored).
 */
export function ipv6Bytes(ip: string): Uint8Array {
  const bad = (): never => { throw new Error(`bad IPv6 address ${ip}`); };
  let text = unbracketed(ip);
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const out = new Uint8Array(16);
  let tail4: Uint8Array | null = null;
  const lastColon = text.lastIndexOf(':');
  if (lastColon < 0) bad();
  if (text.slice(lastColon + 1).includes('.')) {
    try { tail4 = ipv4Bytes(text.slice(lastColon + 1)); } catch { bad(); }
    // keep "::" intact when the quad follows it directly
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const parts = text.split('::');
  if (parts.length > 2) bad();
  const split = (s: string): string[] => (s === '' ? [] : s.split(':'));
  const hs = split(parts[0]!);
  const ts = parts.length === 2 ? split(parts[1]!) : [];
  let groups: string[];
  if (parts.length === 2) {
    if (hs.length + ts.length > 7) bad();
    groups = [...hs, ...Array<string>(8 - hs.length - ts.length).fill('0'), ...ts];
  } else {
    groups = hs;
  }
  if (groups.length !== 8) bad();
  for (let i = 0; i < 8; i++) {
    const g = groups[i]!;
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) bad();
    const v = parseInt(g, 16);
    out[2 * i] = v >> 8;
    out[2 * i + 1] = v & 0xff;
  }
  if (tail4) out.set(tail4, 12);
  return out;
}
