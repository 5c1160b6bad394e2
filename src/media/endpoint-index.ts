/**
 * Lookups on the per-packet path, keyed by numbers: an address's key
 * (net/addr.ts: an IPv4 address is its 32-bit value, an IPv6 address a hash)
 * and the ports. Each index is one open-addressing hash table on typed
 * arrays, so a lookup hashes a few integers and compares them: no string is
 * hashed or built, nothing is allocated. An IPv6 key (or the -1 of text that
 * is no address) does not decide alone: the address text is compared too.
 *
 * The keyed methods (`getKeyed`...) take the keys a datagram carries
 * (PacketMeta.srcKey/dstKey); the plain ones take address text and work the
 * key out (addrKey), for callers off the hot path.
 */
import { ipv4Key, ipv6Bytes, ipv6Key, V6_KEY_BASE } from '../net/addr.js';
import { boundedMemo } from '../memo.js';

/** A dotted quad as the decoder writes one (no leading zeros): other spellings never equal a datagram's address. */
const V4_TEXT = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/;

/**
 * The key of an address written as text (SDP, a stored endpoint), equal to
 * the key the decoder gives the same address; -1 for text that is no IP
 * address (a host name, which no datagram carries).
 */
export const addrKey = boundedMemo(4096, (text: string): number => {
  let key = -1;
  const m = V4_TEXT.exec(text);
  if (m) {
    const q = Uint8Array.of(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]));
    if (Number(m[1]) <= 255 && Number(m[2]) <= 255 && Number(m[3]) <= 255 && Number(m[4]) <= 255) key = ipv4Key(q, 0);
  } else if (text.includes(':')) {
    try { key = ipv6Key(ipv6Bytes(text), 0); } catch { key = -1; }
  }
  return key;
});

/** An IPv4 key decides alone; any other key needs the text compared. */
function exact(key: number): boolean {
  return key >= 0 && key < V6_KEY_BASE;
}

/** Integer mix of an address key (its low 32 bits: the IPv4 value, or hash bits of IPv6) with `h`. */
function mix(h: number, key: number): number {
  h = Math.imul(h ^ (key | 0), 0x9e3779b1);
  return h ^ (h >>> 16);
}

const EMPTY = 0, FULL = 1, GONE = 2;
const INITIAL = 64;

/** Values by (ip, port): what SDP announced at an endpoint. */
export class EndpointIndex<T> {
  size = 0;
  private cap = INITIAL;
  private state = new Uint8Array(INITIAL);
  private keys = new Float64Array(INITIAL);
  private ports = new Int32Array(INITIAL);
  private texts: (string | undefined)[] = new Array<string | undefined>(INITIAL);
  private vals: (T | undefined)[] = new Array<T | undefined>(INITIAL);
  private gone = 0;

  get(ip: string, port: number): T | undefined { return this.getKeyed(addrKey(ip), ip, port); }
  set(ip: string, port: number, v: T): void { this.setKeyed(addrKey(ip), ip, port, v); }
  delete(ip: string, port: number): void { this.deleteKeyed(addrKey(ip), ip, port); }

  getKeyed(key: number, ip: string, port: number): T | undefined {
    const i = this.find(key, ip, port);
    return i < 0 ? undefined : this.vals[i];
  }

  setKeyed(key: number, ip: string, port: number, v: T): void {
    const i = this.find(key, ip, port);
    if (i >= 0) { this.vals[i] = v; return; }
    if ((this.size + this.gone + 1) * 2 > this.cap) this.rehash();
    const mask = this.cap - 1;
    let j = mix(port, key) & mask;
    while (this.state[j] === FULL) j = (j + 1) & mask;
    if (this.state[j] === GONE) this.gone--;
    this.state[j] = FULL; this.keys[j] = key; this.ports[j] = port; this.texts[j] = ip; this.vals[j] = v;
    this.size++;
  }

  deleteKeyed(key: number, ip: string, port: number): void {
    const i = this.find(key, ip, port);
    if (i < 0) return;
    this.state[i] = GONE; this.texts[i] = undefined; this.vals[i] = undefined;
    this.size--; this.gone++;
  }

  private find(key: number, ip: string, port: number): number {
    const mask = this.cap - 1;
    const state = this.state;
    for (let j = mix(port, key) & mask; ; j = (j + 1) & mask) {
      const s = state[j];
      if (s === EMPTY) return -1;
      if (s === FULL && this.keys[j] === key && this.ports[j] === port && (exact(key) || this.texts[j] === ip)) return j;
    }
  }

  /** A table twice the live entries' need (at least as large as now), without tombstones. */
  private rehash(): void {
    const { state, keys, ports, texts, vals } = this;
    let cap = this.cap;
    while ((this.size + 1) * 4 > cap) cap *= 2;
    this.cap = cap;
    this.state = new Uint8Array(cap); this.keys = new Float64Array(cap); this.ports = new Int32Array(cap);
    this.texts = new Array<string | undefined>(cap); this.vals = new Array<T | undefined>(cap);
    this.size = 0; this.gone = 0;
    for (let i = 0; i < state.length; i++) if (state[i] === FULL) this.setKeyed(keys[i]!, texts[i]!, ports[i]!, vals[i]!);
  }
}

/** Values by (src ip, src port, dst ip, dst port): one direction of a UDP flow. */
export class FlowIndex<T> {
  size = 0;
  private cap = INITIAL;
  private state = new Uint8Array(INITIAL);
  private srcKeys = new Float64Array(INITIAL);
  private dstKeys = new Float64Array(INITIAL);
  /** srcPort << 16 | dstPort. */
  private ports = new Int32Array(INITIAL);
  private srcTexts: (string | undefined)[] = new Array<string | undefined>(INITIAL);
  private dstTexts: (string | undefined)[] = new Array<string | undefined>(INITIAL);
  private vals: (T | undefined)[] = new Array<T | undefined>(INITIAL);
  private gone = 0;

  get(src: string, srcPort: number, dst: string, dstPort: number): T | undefined {
    return this.getKeyed(addrKey(src), src, srcPort, addrKey(dst), dst, dstPort);
  }
  set(src: string, srcPort: number, dst: string, dstPort: number, v: T): void {
    this.setKeyed(addrKey(src), src, srcPort, addrKey(dst), dst, dstPort, v);
  }
  delete(src: string, srcPort: number, dst: string, dstPort: number): void {
    this.deleteKeyed(addrKey(src), src, srcPort, addrKey(dst), dst, dstPort);
  }

  getKeyed(srcKey: number, src: string, srcPort: number, dstKey: number, dst: string, dstPort: number): T | undefined {
    const i = this.find(srcKey, src, dstKey, dst, ((srcPort << 16) | dstPort) | 0);
    return i < 0 ? undefined : this.vals[i];
  }

  setKeyed(srcKey: number, src: string, srcPort: number, dstKey: number, dst: string, dstPort: number, v: T): void {
    const ports = ((srcPort << 16) | dstPort) | 0;
    const i = this.find(srcKey, src, dstKey, dst, ports);
    if (i >= 0) { this.vals[i] = v; return; }
    if ((this.size + this.gone + 1) * 2 > this.cap) this.rehash();
    this.insert(srcKey, src, dstKey, dst, ports, v);
  }

  deleteKeyed(srcKey: number, src: string, srcPort: number, dstKey: number, dst: string, dstPort: number): void {
    const i = this.find(srcKey, src, dstKey, dst, ((srcPort << 16) | dstPort) | 0);
    if (i < 0) return;
    this.state[i] = GONE; this.srcTexts[i] = undefined; this.dstTexts[i] = undefined; this.vals[i] = undefined;
    this.size--; this.gone++;
  }

  /** Every value, in no particular order. */
  forEach(fn: (v: T) => void): void {
    const { state, vals } = this;
    for (let i = 0; i < state.length; i++) if (state[i] === FULL) fn(vals[i]!);
  }

  private find(srcKey: number, src: string, dstKey: number, dst: string, ports: number): number {
    const mask = this.cap - 1;
    const state = this.state;
    for (let j = mix(mix(ports, srcKey), dstKey) & mask; ; j = (j + 1) & mask) {
      const s = state[j];
      if (s === EMPTY) return -1;
      if (s === FULL && this.ports[j] === ports && this.srcKeys[j] === srcKey && this.dstKeys[j] === dstKey
        && (exact(srcKey) || this.srcTexts[j] === src) && (exact(dstKey) || this.dstTexts[j] === dst)) return j;
    }
  }

  private insert(srcKey: number, src: string, dstKey: number, dst: string, ports: number, v: T): void {
    const mask = this.cap - 1;
    let j = mix(mix(ports, srcKey), dstKey) & mask;
    while (this.state[j] === FULL) j = (j + 1) & mask;
    if (this.state[j] === GONE) this.gone--;
    this.state[j] = FULL; this.srcKeys[j] = srcKey; this.dstKeys[j] = dstKey; this.ports[j] = ports;
    this.srcTexts[j] = src; this.dstTexts[j] = dst; this.vals[j] = v;
    this.size++;
  }

  /** A table twice the live entries' need (at least as large as now), without tombstones. */
  private rehash(): void {
    const { state, srcKeys, dstKeys, ports, srcTexts, dstTexts, vals } = this;
    let cap = this.cap;
    while ((this.size + 1) * 4 > cap) cap *= 2;
    this.cap = cap;
    this.state = new Uint8Array(cap); this.srcKeys = new Float64Array(cap); this.dstKeys = new Float64Array(cap);
    this.ports = new Int32Array(cap); this.srcTexts = new Array<string | undefined>(cap);
    this.dstTexts = new Array<string | undefined>(cap); this.vals = new Array<T | undefined>(cap);
    this.size = 0; this.gone = 0;
    for (let i = 0; i < state.length; i++) {
      if (state[i] === FULL) this.insert(srcKeys[i]!, srcTexts[i]!, dstKeys[i]!, dstTexts[i]!, ports[i]!, vals[i]!);
    }
  }
}
