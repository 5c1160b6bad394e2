/**
 * Deterministic synthetic SIP/RTP capture for benchmarks, streamed to a file.
 *
 *   node dist/bench/synth.js OUT.pcapng [--frames N] [--seed S] [--format pcapng|pcap]
 *
 * Default: pcapng, Ethernet, >= 500 000 frames: about 1400 call attempts
 * arriving every ~50 ms (about 100 at once), each an RFC 3261 UDP exchange
 * between two user agents:
 *   - completed: INVITE (SDP) / 100 / 180 / 200 (SDP) / ACK, PCMU RTP both ways
 *     every 20 ms (PT 0, 160-byte payload, sequence/timestamp/SSRC as a real
 *     sender makes them; some streams lose packets, some arrive with jitter),
 *     then BYE / 200 from either side;
 *   - busy (486) and declined (603): INVITE / 100 / 180 / final / ACK;
 *   - cancelled: INVITE / 100 / 180 / CANCEL / 200 / 487 / ACK;
 *   - registrations: REGISTER / 401 (digest challenge) / REGISTER with
 *     Authorization / 200.
 * Calls are added until the planned frame count reaches the target, and every
 * call is complete, so the file holds at least that many frames.
 *
 * Seeded PRNG only (no Math.random): the same options give the same bytes.
 * Memory is bounded by the calls in progress, not by the output size: packets
 * are produced lazily from a heap of per-call sources in time order.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { FileSink, PcapngWriter, PcapWriter, type ByteSink } from '../src/capture/writer.js';
import { ETHERTYPE_IPV4, IPPROTO_UDP, ethernet, ipv4, ipv4Bytes, udp } from '../src/net/build.js';

export interface SynthOptions {
  /** Minimum number of frames (default 500 000). */
  frames?: number;
  seed?: number;
  format?: 'pcapng' | 'pcap';
  /** Capture start, seconds since the epoch (default 2024-01-15T10:00:00Z). */
  epoch?: number;
}

export interface SynthSummary {
  frames: number;
  bytes: number;
  sipMessages: number;
  rtpPackets: number;
  rtpLost: number;
  rtpStreams: number;
  calls: { completed: number; busy: number; declined: number; cancelled: number };
  registrations: number;
  durationS: number;
  /** Most calls/registrations in progress at once (what memory is bounded by). */
  maxActive: number;
}

export const DEFAULT_FRAMES = 500_000;
const DEFAULT_EPOCH = 1705312800;

// ---------------------------------------------------------------- PRNG

/** mulberry32: small, fast, good enough for test data; deterministic. */
export class Prng {
  private a: number;
  constructor(seed: number) { this.a = seed >>> 0; }
  /** Uniform in [0, 1). */
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number { return lo + Math.floor(this.next() * (hi - lo + 1)); }
  u32(): number { return Math.floor(this.next() * 4294967296) >>> 0; }
  hex(n: number): string {
    let s = '';
    while (s.length < n) s += this.u32().toString(16).padStart(8, '0');
    return s.slice(0, n);
  }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.next() * xs.length)]!; }
}

// ---------------------------------------------------------------- packet sources

/** Something that yields packets in time order; `t` is the next packet's time in µs from the epoch. */
interface Source {
  t: number;
  /** Write the packet at `t` and advance; false when nothing is left. */
  emit(out: Out): boolean;
}

/** Where sources write: the capture writer plus counters. */
class Out {
  frames = 0;
  sip = 0;
  rtp = 0;
  private readonly write: (tUs: number, data: Uint8Array) => void;
  constructor(readonly epochUs: number, write: (tUs: number, data: Uint8Array) => void) { this.write = write; }
  packet(tUs: number, data: Uint8Array): void { this.frames++; this.write(tUs, data); }
}

function macOf(ip: string): Uint8Array {
  const b = ipv4Bytes(ip);
  return Uint8Array.of(0x02, 0x00, b[0]!, b[1]!, b[2]!, b[3]!);
}

function sipFrame(e: SipEvent): Buffer {
  const payload = Buffer.from(e.text, 'latin1');
  const ip = ipv4({ src: e.src, dst: e.dst, proto: IPPROTO_UDP, id: e.ipId, ttl: 64, payload: udp(5060, 5060, payload) });
  return ethernet(ETHERTYPE_IPV4, ip, { src: macOf(e.src), dst: macOf(e.dst) });
}

/** One SIP message of a dialog; ipId as the sending host's stack numbers it. */
interface SipEvent { t: number; src: string; dst: string; text: string; ipId: number }

class SipSource implements Source {
  t: number;
  private i = 0;
  constructor(private readonly events: SipEvent[]) {
    events.sort((a, b) => a.t - b.t);
    this.t = events[0]!.t;
  }
  emit(out: Out): boolean {
    const e = this.events[this.i++]!;
    out.packet(e.t, sipFrame(e));
    out.sip++;
    if (this.i >= this.events.length) return false;
    this.t = this.events[this.i]!.t;
    return true;
  }
}

/** 160 samples of a 400 Hz tone in G.711 µ-law, shared by every RTP packet. */
const ULAW_TONE: Uint8Array = (() => {
  const out = new Uint8Array(160);
  for (let i = 0; i < 160; i++) {
    const s = Math.round(Math.sin((2 * Math.PI * 400 * i) / 8000) * 8000);
    const sign = s < 0 ? 0x80 : 0;
    let m = Math.min(Math.abs(s), 32635) + 0x84;
    let exp = 7;
    for (let mask = 0x4000; (m & mask) === 0 && exp > 0; mask >>= 1) exp--;
    const mant = (m >> (exp + 3)) & 0x0f;
    out[i] = ~(sign | (exp << 4) | mant) & 0xff;
  }
  return out;
})();

const ETH = 14;
const RTP_OFF = ETH + 20 + 8;

/**
 * One direction of PCMU RTP: a template frame updated in place per packet
 * (IP id and checksum, RTP marker/sequence/timestamp), so a packet costs no
 * allocation here; the writer copies it into its block.
 */
class RtpSource implements Source {
  t: number;
  private readonly frame: Buffer;
  private k = 0;
  private seq: number;
  private ts: number;
  private ipId: number;
  private readonly lost: Set<number>;
  private readonly jitter: Prng | null;
  private readonly jitterMaxUs: number;
  constructor(
    src: string, sport: number, dst: string, dport: number,
    private readonly startUs: number, private readonly count: number,
    rng: Prng, lossPositions: number[], jitterMaxUs: number,
  ) {
    const ssrc = rng.u32();
    this.seq = rng.int(0, 0xffff);
    this.ts = rng.u32();
    this.ipId = rng.int(0, 0xffff);
    const rtp = Buffer.alloc(12 + 160);
    rtp[0] = 0x80;
    rtp.writeUInt32BE(ssrc, 8);
    rtp.set(ULAW_TONE, 12);
    const ip = ipv4({ src, dst, proto: IPPROTO_UDP, ttl: 64, payload: udp(sport, dport, rtp), dontFragment: true, tos: 0xb8 });
    this.frame = ethernet(ETHERTYPE_IPV4, ip, { src: macOf(src), dst: macOf(dst) });
    this.lost = new Set(lossPositions);
    this.jitter = jitterMaxUs > 0 ? new Prng(rng.u32()) : null;
    this.jitterMaxUs = jitterMaxUs;
    this.t = 0;
    this.skipLost();
  }

  /** Advance over lost packets (they use sequence numbers and timestamps, but never appear). */
  private skipLost(): void {
    while (this.k < this.count && this.lost.has(this.k)) this.k++;
    if (this.k < this.count) {
      const j = this.jitter ? Math.floor(this.jitter.next() * this.jitterMaxUs) : 0;
      this.t = this.startUs + this.k * 20000 + j;
    }
  }

  get remaining(): boolean { return this.k < this.count; }

  emit(out: Out): boolean {
    const f = this.frame;
    const k = this.k;
    this.ipId = (this.ipId + 1) & 0xffff;
    f.writeUInt16BE(this.ipId, ETH + 4);
    f.writeUInt16BE(0, ETH + 10);
    let sum = 0;
    for (let i = ETH; i < ETH + 20; i += 2) sum += (f[i]! << 8) | f[i + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    f.writeUInt16BE(~sum & 0xffff, ETH + 10);
    f[RTP_OFF + 1] = k === 0 ? 0x80 : 0x00; // marker on the first packet of the talk spurt, PT 0
    f.writeUInt16BE((this.seq + k) & 0xffff, RTP_OFF + 2);
    f.writeUInt32BE((this.ts + k * 160) >>> 0, RTP_OFF + 4);
    out.packet(this.t, f);
    out.rtp++;
    this.k++;
    this.skipLost();
    return this.k < this.count;
  }
}

// ---------------------------------------------------------------- SIP text

const CRLF = '\r\n';
const A_DOMAIN = 'atlanta.example.com';
const B_DOMAIN = 'biloxi.example.com';
const REGISTRAR = '10.0.0.1';
const UA = 'sipflow-synth/1.0';
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, REFER, NOTIFY';

function msg(start: string, headers: string[], body = ''): string {
  return start + CRLF + headers.join(CRLF) + CRLF + `Content-Length: ${Buffer.byteLength(body, 'latin1')}` + CRLF + CRLF + body;
}

function sdp(user: string, ip: string, port: number, sess: number, answer: boolean): string {
  return [
    'v=0',
    `o=${user} ${sess} ${sess} IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    answer ? `m=audio ${port} RTP/AVP 0 101` : `m=audio ${port} RTP/AVP 0 8 101`,
    'a=rtpmap:0 PCMU/8000',
    ...(answer ? [] : ['a=rtpmap:8 PCMA/8000']),
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join(CRLF);
}

interface Party { user: string; display: string; ip: string; domain: string; tag: string; rtpPort: number }

type Outcome = 'completed' | 'busy' | 'declined' | 'cancelled';

/** The SIP events and RTP streams of one INVITE dialog starting at t0 (µs). */
function buildCall(i: number, t0: number, rng: Prng, outcome: Outcome): { sip: SipEvent[]; rtp: RtpSource[]; frames: number; lost: number; endUs: number } {
  const a: Party = {
    user: String(1000 + (i % 9000)), display: `Caller ${i}`, ip: `10.1.${(i >> 8) & 255}.${(i & 255) || 1}`,
    domain: A_DOMAIN, tag: rng.hex(10), rtpPort: 16384 + 2 * rng.int(0, 8000),
  };
  const b: Party = {
    user: String(2000 + ((i * 7) % 9000)), display: '', ip: `10.2.${(i >> 8) & 255}.${(i & 255) || 1}`,
    domain: B_DOMAIN, tag: rng.hex(10), rtpPort: 20000 + 2 * rng.int(0, 8000),
  };
  const callId = `${rng.hex(16)}@${a.ip}`;
  const cseq = rng.int(1, 30000);
  const branch = `z9hG4bK${rng.hex(14)}`;
  const sess = rng.int(1_000_000, 2_000_000_000);
  const fromHdr = `From: "${a.display}" <sip:${a.user}@${a.domain}>;tag=${a.tag}`;
  const toNoTag = `To: <sip:${b.user}@${b.domain}>`;
  const toTag = `${toNoTag};tag=${b.tag}`;
  const via = (br: string) => `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${br};rport`;
  const viaRecv = (br: string) => `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${br};rport=5060;received=${a.ip}`;
  const ruri = `sip:${b.user}@${b.ip}:5060`;
  const sip: SipEvent[] = [];
  let idA = rng.int(0, 0xffff);
  let idB = rng.int(0, 0xffff);
  const AtoB = (t: number, text: string) => sip.push({ t, src: a.ip, dst: b.ip, text, ipId: (idA = (idA + 1) & 0xffff) });
  const BtoA = (t: number, text: string) => sip.push({ t, src: b.ip, dst: a.ip, text, ipId: (idB = (idB + 1) & 0xffff) });
  const resp = (code: string, cs: string, to: string, br: string, extra: string[] = [], body = '') => msg(`SIP/2.0 ${code}`, [
    viaRecv(br), fromHdr, to, `Call-ID: ${callId}`, `CSeq: ${cs}`, ...extra,
  ], body);

  let t = t0;
  AtoB(t, msg(`INVITE ${ruri} SIP/2.0`, [
    via(branch), 'Max-Forwards: 70', fromHdr, toNoTag, `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`,
    `Contact: <sip:${a.user}@${a.ip}:5060>`, `Allow: ${ALLOW}`, 'Supported: replaces, timer', `User-Agent: ${UA}`,
    'Content-Type: application/sdp',
  ], sdp(a.user, a.ip, a.rtpPort, sess, false)));
  t += rng.int(300, 3000);
  BtoA(t, resp('100 Trying', `${cseq} INVITE`, toNoTag, branch));
  t += rng.int(5000, 60000);
  const contactB = `Contact: <sip:${b.user}@${b.ip}:5060>`;
  BtoA(t, resp('180 Ringing', `${cseq} INVITE`, toTag, branch, [contactB]));
  const ring = rng.int(400_000, 3_000_000);
  t += ring;
  const rtp: RtpSource[] = [];
  let frames = 0;
  let lost = 0;
  if (outcome === 'busy' || outcome === 'declined') {
    const code = outcome === 'busy' ? '486 Busy Here' : '603 Decline';
    BtoA(t, resp(code, `${cseq} INVITE`, toTag, branch, [`Server: ${UA}`]));
    t += rng.int(500, 5000);
    // ACK of a non-2xx final response: same branch, hop-by-hop
    AtoB(t, msg(`ACK ${ruri} SIP/2.0`, [via(branch), 'Max-Forwards: 70', fromHdr, toTag, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]));
  } else if (outcome === 'cancelled') {
    AtoB(t, msg(`CANCEL ${ruri} SIP/2.0`, [via(branch), 'Max-Forwards: 70', fromHdr, toNoTag, `Call-ID: ${callId}`, `CSeq: ${cseq} CANCEL`, `User-Agent: ${UA}`]));
    t += rng.int(500, 5000);
    BtoA(t, resp('200 OK', `${cseq} CANCEL`, toTag, branch));
    t += rng.int(100, 2000);
    BtoA(t, resp('487 Request Terminated', `${cseq} INVITE`, toTag, branch));
    t += rng.int(500, 5000);
    AtoB(t, msg(`ACK ${ruri} SIP/2.0`, [via(branch), 'Max-Forwards: 70', fromHdr, toTag, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]));
  } else {
    BtoA(t, resp('200 OK', `${cseq} INVITE`, toTag, branch, [contactB, `Allow: ${ALLOW}`, 'Supported: replaces, timer', `Server: ${UA}`, 'Content-Type: application/sdp'],
      sdp(b.user, b.ip, b.rtpPort, sess + 17, true)));
    const answered = t;
    t += rng.int(1000, 20000);
    AtoB(t, msg(`ACK sip:${b.user}@${b.ip}:5060 SIP/2.0`, [via(`z9hG4bK${rng.hex(14)}`), 'Max-Forwards: 70', fromHdr, toTag, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]));
    // RTP: callee starts right after its 200, caller after the ACK; 2-5 s of talk
    const packets = rng.int(100, 250);
    const quality = rng.next();
    const lossRate = quality < 0.7 ? 0 : quality < 0.9 ? 0.005 : 0.02;
    const jitterUs = rng.pick([0, 0, 0, 500, 2000, 8000, 15000]);
    for (const [from, to, start] of [[b, a, answered + rng.int(2000, 20000)], [a, b, t + rng.int(2000, 20000)]] as const) {
      const lossPositions: number[] = [];
      if (lossRate > 0) {
        for (let k = 1; k < packets; k++) {
          if (rng.next() < lossRate) {
            lossPositions.push(k);
            if (rng.next() < 0.2 && k + 1 < packets) lossPositions.push(++k); // a short burst
          }
        }
      }
      const s = new RtpSource(from.ip, from.rtpPort, to.ip, to.rtpPort, start, packets, rng, lossPositions, jitterUs);
      frames += packets - lossPositions.length;
      lost += lossPositions.length;
      rtp.push(s);
      t = Math.max(t, start + packets * 20000);
    }
    t += rng.int(5000, 40000);
    // Hang up: the caller mostly, sometimes the callee (with its own CSeq space)
    const byeBranch = `z9hG4bK${rng.hex(14)}`;
    if (rng.next() < 0.7) {
      AtoB(t, msg(`BYE sip:${b.user}@${b.ip}:5060 SIP/2.0`, [via(byeBranch), 'Max-Forwards: 70', fromHdr, toTag, `Call-ID: ${callId}`, `CSeq: ${cseq + 1} BYE`, `User-Agent: ${UA}`]));
      t += rng.int(500, 8000);
      BtoA(t, resp('200 OK', `${cseq + 1} BYE`, toTag, byeBranch, [`Server: ${UA}`]));
    } else {
      const bcseq = rng.int(1, 30000);
      const bvia = `Via: SIP/2.0/UDP ${b.ip}:5060;branch=${byeBranch};rport`;
      const bFrom = `From: <sip:${b.user}@${b.domain}>;tag=${b.tag}`;
      const bTo = `To: "${a.display}" <sip:${a.user}@${a.domain}>;tag=${a.tag}`;
      BtoA(t, msg(`BYE sip:${a.user}@${a.ip}:5060 SIP/2.0`, [bvia, 'Max-Forwards: 70', bFrom, bTo, `Call-ID: ${callId}`, `CSeq: ${bcseq} BYE`, `User-Agent: ${UA}`]));
      t += rng.int(500, 8000);
      AtoB(t, msg('SIP/2.0 200 OK', [`${bvia}=5060;received=${b.ip}`, bFrom, bTo, `Call-ID: ${callId}`, `CSeq: ${bcseq} BYE`, `User-Agent: ${UA}`]));
    }
  }
  frames += sip.length;
  return { sip, rtp, frames, lost, endUs: t };
}

/** REGISTER with a digest challenge: REGISTER / 401 / REGISTER (Authorization) / 200. */
function buildRegistration(i: number, t0: number, rng: Prng, epoch: number): SipEvent[] {
  const ip = `10.3.${(i >> 8) & 255}.${(i & 255) || 1}`;
  const user = String(3000 + (i % 9000));
  const aor = `sip:${user}@${A_DOMAIN}`;
  const tag = rng.hex(10);
  const callId = `${rng.hex(20)}@${ip}`;
  const nonce = rng.hex(32);
  const cnonce = rng.hex(16);
  const realm = A_DOMAIN;
  const uri = `sip:${A_DOMAIN}`;
  const md5 = (s: string) => createHash('md5').update(s).digest('hex');
  const ha1 = md5(`${user}:${realm}:secret${user}`);
  const ha2 = md5(`REGISTER:${uri}`);
  const response = md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`);
  const out: SipEvent[] = [];
  let t = t0;
  let idUa = rng.int(0, 0xffff);
  let idReg = rng.int(0, 0xffff);
  const up = (text: string) => out.push({ t, src: ip, dst: REGISTRAR, text, ipId: (idUa = (idUa + 1) & 0xffff) });
  const down = (text: string) => out.push({ t, src: REGISTRAR, dst: ip, text, ipId: (idReg = (idReg + 1) & 0xffff) });
  const common = (cseq: number) => [
    'Max-Forwards: 70', `From: <${aor}>;tag=${tag}`, `To: <${aor}>`, `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${user}@${ip}:5060>;expires=3600`, 'Expires: 3600', `User-Agent: ${UA}`,
  ];
  const b1 = `z9hG4bK${rng.hex(14)}`;
  const b2 = `z9hG4bK${rng.hex(14)}`;
  up(msg(`REGISTER ${uri} SIP/2.0`, [`Via: SIP/2.0/UDP ${ip}:5060;branch=${b1};rport`, ...common(1)]));
  t += rng.int(500, 5000);
  down(msg('SIP/2.0 401 Unauthorized', [
    `Via: SIP/2.0/UDP ${ip}:5060;branch=${b1};rport=5060;received=${ip}`, `From: <${aor}>;tag=${tag}`, `To: <${aor}>;tag=${rng.hex(10)}`,
    `Call-ID: ${callId}`, 'CSeq: 1 REGISTER', `WWW-Authenticate: Digest realm="${realm}", nonce="${nonce}", algorithm=MD5, qop="auth"`, `Server: ${UA}`,
  ]));
  t += rng.int(2000, 30000);
  up(msg(`REGISTER ${uri} SIP/2.0`, [
    `Via: SIP/2.0/UDP ${ip}:5060;branch=${b2};rport`, ...common(2),
    `Authorization: Digest username="${user}", realm="${realm}", nonce="${nonce}", uri="${uri}", response="${response}", algorithm=MD5, cnonce="${cnonce}", qop=auth, nc=00000001`,
  ]));
  t += rng.int(500, 5000);
  down(msg('SIP/2.0 200 OK', [
    `Via: SIP/2.0/UDP ${ip}:5060;branch=${b2};rport=5060;received=${ip}`, `From: <${aor}>;tag=${tag}`, `To: <${aor}>;tag=${rng.hex(10)}`,
    `Call-ID: ${callId}`, 'CSeq: 2 REGISTER', `Contact: <sip:${user}@${ip}:5060>;expires=3600`, `Date: ${new Date((epoch + Math.floor(t / 1e6)) * 1000).toUTCString()}`, `Server: ${UA}`,
  ]));
  return out;
}

// ---------------------------------------------------------------- the heap of sources

/** Min-heap on (t, creation order): deterministic ties. */
class SourceHeap {
  private items: { s: Source; id: number }[] = [];
  private nextId = 0;
  get size(): number { return this.items.length; }
  peek(): Source | undefined { return this.items[0]?.s; }
  push(s: Source): void {
    const it = { s, id: this.nextId++ };
    const a = this.items;
    a.push(it);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(a[i]!, a[p]!)) break;
      [a[i], a[p]] = [a[p]!, a[i]!];
      i = p;
    }
  }
  /** Re-place the top after its time changed, or remove it. */
  fixTop(alive: boolean): void {
    const a = this.items;
    if (!alive) {
      const last = a.pop()!;
      if (a.length === 0) return;
      a[0] = last;
    }
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < a.length && this.less(a[l]!, a[m]!)) m = l;
      if (r < a.length && this.less(a[r]!, a[m]!)) m = r;
      if (m === i) break;
      [a[i], a[m]] = [a[m]!, a[i]!];
      i = m;
    }
  }
  private less(x: { s: Source; id: number }, y: { s: Source; id: number }): boolean {
    return x.s.t < y.s.t || (x.s.t === y.s.t && x.id < y.id);
  }
}

/** Generate into any sink (a FileSink for files, a MemorySink for tests). */
export function generate(sink: ByteSink, opts: SynthOptions = {}): SynthSummary {
  const target = opts.frames ?? DEFAULT_FRAMES;
  const seed = opts.seed ?? 20240115;
  const epoch = opts.epoch ?? DEFAULT_EPOCH;
  const rng = new Prng(seed);
  let bytes = 0;
  let write: (tUs: number, data: Uint8Array) => void;
  let close: () => void;
  if (opts.format === 'pcap') {
    const w = new PcapWriter(sink, { linkType: 1 });
    write = (t, d) => w.writePacket(epoch + Math.floor(t / 1e6), (t % 1e6) * 1000, d);
    close = () => { bytes = w.bytes; w.close(); };
  } else {
    const w = new PcapngWriter(sink, {
      comment: `sipflow synthetic benchmark capture (seed ${seed}, >= ${target} frames)`,
      application: 'sipflow bench/synth',
      interfaces: [{ linkType: 1, name: 'synth0', description: 'synthetic SIP/RTP', snapLen: 262144 }],
    });
    write = (t, d) => w.writePacket(0, epoch + Math.floor(t / 1e6), (t % 1e6) * 1000, d);
    close = () => { bytes = w.bytes; w.close(); };
  }
  const out = new Out(epoch * 1e6, write);
  const heap = new SourceHeap();
  const summary: SynthSummary = {
    frames: 0, bytes: 0, sipMessages: 0, rtpPackets: 0, rtpLost: 0, rtpStreams: 0,
    calls: { completed: 0, busy: 0, declined: 0, cancelled: 0 }, registrations: 0, durationS: 0, maxActive: 0,
  };
  let planned = 0;
  let next = 0;
  let nextStart = 100_000; // µs after the epoch
  let lastT = 0;
  // Active dialogs: counted by their end times for the maxActive figure.
  const ends: number[] = [];
  for (;;) {
    const top = heap.peek();
    if (planned < target && (!top || nextStart <= top.t)) {
      // A new arrival: every 12th a registration, else a call with a random outcome.
      const i = next++;
      if (i % 12 === 11) {
        const ev = buildRegistration(i, nextStart, rng, epoch);
        heap.push(new SipSource(ev));
        planned += ev.length;
        summary.registrations++;
        ends.push(ev[ev.length - 1]!.t);
      } else {
        const r = rng.next();
        const outcome: Outcome = r < 0.86 ? 'completed' : r < 0.91 ? 'busy' : r < 0.94 ? 'declined' : 'cancelled';
        const c = buildCall(i, nextStart, rng, outcome);
        heap.push(new SipSource(c.sip));
        for (const s of c.rtp) if (s.remaining) heap.push(s);
        planned += c.frames;
        summary.rtpLost += c.lost;
        summary.rtpStreams += c.rtp.length;
        summary.calls[outcome]++;
        ends.push(c.endUs);
      }
      // exponential inter-arrival times, mean 50 ms
      nextStart += Math.max(1000, Math.round(-Math.log(1 - rng.next()) * 50_000));
      let active = 0;
      for (let k = ends.length - 1; k >= 0; k--) if (ends[k]! > nextStart) active++;
      summary.maxActive = Math.max(summary.maxActive, active);
      while (ends.length > 512) ends.shift();
      continue;
    }
    if (!top) break;
    if (top.t < lastT) throw new Error(`synth: time went backwards (${top.t} < ${lastT})`);
    lastT = top.t;
    heap.fixTop(top.emit(out));
  }
  close();
  summary.frames = out.frames;
  summary.sipMessages = out.sip;
  summary.rtpPackets = out.rtp;
  summary.bytes = bytes;
  summary.durationS = lastT / 1e6;
  if (out.frames !== planned) throw new Error(`synth: planned ${planned} frames, wrote ${out.frames}`);
  return summary;
}

/** Generate into a file, streaming (1 MiB write buffer of whole blocks). */
export function synthesize(path: string, opts: SynthOptions = {}): SynthSummary {
  return generate(new FileSink(path, { bufferBytes: 1 << 20 }), opts);
}

// ---------------------------------------------------------------- CLI

function usage(): never {
  console.error('usage: node dist/bench/synth.js OUT [--frames N] [--seed S] [--format pcapng|pcap]');
  process.exit(2);
}

function main(argv: string[]): void {
  let path: string | null = null;
  const opts: SynthOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => argv[++i] ?? usage();
    if (a === '--frames') opts.frames = Number(val());
    else if (a === '--seed') opts.seed = Number(val());
    else if (a === '--format') { const f = val(); if (f !== 'pcap' && f !== 'pcapng') usage(); opts.format = f; }
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage();
    else path = a;
  }
  if (!path || (opts.frames !== undefined && !(opts.frames >= 1)) || (opts.seed !== undefined && !Number.isInteger(opts.seed))) usage();
  const t0 = process.hrtime.bigint();
  const s = synthesize(path, opts);
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = s.calls;
  console.log(`${path}: ${s.frames} frames, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.durationS.toFixed(1)} s of traffic, written in ${secs.toFixed(1)} s`);
  console.log(`  calls: ${c.completed} completed, ${c.busy} busy, ${c.declined} declined, ${c.cancelled} cancelled; ${s.registrations} registrations; up to ${s.maxActive} at once`);
  console.log(`  ${s.sipMessages} SIP messages, ${s.rtpStreams} RTP streams, ${s.rtpPackets} RTP packets (${s.rtpLost} lost)`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
