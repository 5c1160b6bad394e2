/**
 * Lookups on the per-packet path keyed by ports first and address text second.
 *
 * Datagram addresses arrive as fresh strings (often V8 cons strings), so
 * hashing them into a Map costs a flatten plus a hash on every packet. Ports
 * are small integers and cheap Map keys; most ports hold one or two
 * addresses, compared with ===. A port crowded with more than SMALL
 * addresses (many phones on 7078, say) switches to a string-keyed Map.
 */

/** Entries kept as a plain list before a slot becomes a Map. */
export const SMALL = 8;

interface Slot<T> {
  keys: string[];
  vals: T[];
  map: Map<string, T> | null;
}

function slotGet<T>(s: Slot<T>, key: string): T | undefined {
  if (s.map) return s.map.get(key);
  const keys = s.keys;
  for (let i = 0; i < keys.length; i++) if (keys[i] === key) return s.vals[i];
  return undefined;
}

function slotSet<T>(s: Slot<T>, key: string, v: T): void {
  if (s.map) { s.map.set(key, v); return; }
  const i = s.keys.indexOf(key);
  if (i >= 0) { s.vals[i] = v; return; }
  if (s.keys.length < SMALL) { s.keys.push(key); s.vals.push(v); return; }
  s.map = new Map(s.keys.map((k, j) => [k, s.vals[j]!]));
  s.map.set(key, v);
  s.keys = [];
  s.vals = [];
}

function slotDelete<T>(s: Slot<T>, key: string): boolean {
  if (s.map) return s.map.delete(key);
  const i = s.keys.indexOf(key);
  if (i < 0) return false;
  s.keys.splice(i, 1);
  s.vals.splice(i, 1);
  return true;
}

function slotEach<T>(s: Slot<T>, fn: (v: T) => void): void {
  if (s.map) for (const v of s.map.values()) fn(v);
  else for (const v of s.vals) fn(v);
}

function slotEmpty<T>(s: Slot<T>): boolean {
  return s.map ? s.map.size === 0 : s.keys.length === 0;
}

/** Values by (ip, port): what SDP announced at an endpoint. */
export class EndpointIndex<T> {
  private readonly byPort = new Map<number, Slot<T>>();
  size = 0;

  get(ip: string, port: number): T | undefined {
    const s = this.byPort.get(port);
    return s ? slotGet(s, ip) : undefined;
  }

  set(ip: string, port: number, v: T): void {
    let s = this.byPort.get(port);
    if (!s) { s = { keys: [], vals: [], map: null }; this.byPort.set(port, s); }
    if (slotGet(s, ip) === undefined) this.size++;
    slotSet(s, ip, v);
  }

  delete(ip: string, port: number): void {
    const s = this.byPort.get(port);
    if (!s || !slotDelete(s, ip)) return;
    this.size--;
    if (slotEmpty(s)) this.byPort.delete(port);
  }
}

/** Values by (src ip, src port, dst ip, dst port): one direction of a UDP flow. */
export class FlowIndex<T> {
  private readonly bySrcPort = new Map<number, Map<number, Slot<Slot<T>>>>();
  size = 0;

  get(src: string, srcPort: number, dst: string, dstPort: number): T | undefined {
    const s = this.bySrcPort.get(srcPort)?.get(dstPort);
    if (!s) return undefined;
    const inner = slotGet(s, src);
    return inner ? slotGet(inner, dst) : undefined;
  }

  set(src: string, srcPort: number, dst: string, dstPort: number, v: T): void {
    let byDst = this.bySrcPort.get(srcPort);
    if (!byDst) { byDst = new Map(); this.bySrcPort.set(srcPort, byDst); }
    let s = byDst.get(dstPort);
    if (!s) { s = { keys: [], vals: [], map: null }; byDst.set(dstPort, s); }
    let inner = slotGet(s, src);
    if (!inner) { inner = { keys: [], vals: [], map: null }; slotSet(s, src, inner); }
    if (slotGet(inner, dst) === undefined) this.size++;
    slotSet(inner, dst, v);
  }

  /** Every value, in no particular order. */
  forEach(fn: (v: T) => void): void {
    for (const byDst of this.bySrcPort.values()) {
      for (const s of byDst.values()) slotEach(s, (inner) => slotEach(inner, fn));
    }
  }

  delete(src: string, srcPort: number, dst: string, dstPort: number): void {
    const byDst = this.bySrcPort.get(srcPort);
    const s = byDst?.get(dstPort);
    const inner = s ? slotGet(s, src) : undefined;
    if (!inner || !slotDelete(inner, dst)) return;
    this.size--;
    if (slotEmpty(inner)) slotDelete(s!, src);
    if (slotEmpty(s!)) byDst!.delete(dstPort);
    if (!byDst!.size) this.bySrcPort.delete(srcPort);
  }
}
