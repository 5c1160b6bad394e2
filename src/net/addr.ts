/** Address formatting exactly as Wireshark prints addresses. */

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

/** "ip:port", IPv6 in brackets, as the JSON report writes endpoints. */
export function endpoint(ip: string, port: number): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Split an endpoint back into ip and port. */
export function splitEndpoint(ep: string): { ip: string; port: number } {
  const i = ep.lastIndexOf(':');
  let ip = ep.slice(0, i);
  if (ip.startsWith('[')) ip = ip.slice(1, -1);
  return { ip, port: Number(ep.slice(i + 1)) };
}
