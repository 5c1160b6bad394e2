/**
 * Deterministic generator of a large SIP + RTP capture (pcapng, Ethernet),
 * streamed to a file: memory stays bounded by the calls active at once.
 *
 * Traffic: overlapping calls, each INVITE (SDP) / 100 / 180 / 200 (SDP) / ACK,
 * PCMU RTP both ways every 20 ms with correct sequence numbers, timestamps and
 * SSRCs (some streams lose a few packets, some arrive with jitter), then BYE /
 * 200; some calls are rejected (486 Busy Here, 603 Decline) or CANCELled
 * (CANCEL / 200 / 487 / ACK); REGISTERs with a digest challenge (401, then 200).
 * Headers follow RFC 3261 (Via with branch and rport, Max-Forwards, tags, CSeq,
 * Contact, Content-Length...). Same seed, same options -> same bytes.
 *
 * Run: npx tsc -p . && node dist/bench/synthetic.js [out.pcapng] [frames] [seed]
 */
import { fileURLToPath } from 'node:url';
import { FileSink, PcapngWriter, type ByteSink } from '../src/capture/writer.js';
import { udpFrame } from '../src/net/build.js';
import { MinHeap } from '../src/heap.js';

export interface SyntheticOptions {
  path: string;
  /** Frames to write at least (default 700 000). */
  frames?: number;
  /** PRNG seed (default 1). */
  seed?: number;
  /** Called every 50 000 frames. */
  onProgress?(frames: number): void;
}

export interface SyntheticStats {
  frames: number;
  bytes: number;
  sipMessages: number;
  rtpPackets: number;
  rtpLost: number;
  calls: number;
  answered: number;
  busy: number;
  declined: number;
  cancelled: number;
  registrations: number;
  rtpStreams: number;
  maxConcurrentCalls: number;
  durationS: number;
}

export const DEFAULT_FRAMES = 700_000;
export const DEFAULT_SEED = 1;

/** Capture start: 2023-11-14T22:13:20Z. */
const BASE_SEC = 1_700_000_000;
const DOMAIN = 'example.com';
const CRLF = '\r\n';

/** Small deterministic PRNG (sfc32). */
class Rng {
  private a: number; private b: number; private c: number; private d: number;
  constructor(seed: number) {
    this.a = 0x9e3779b9; this.b = 0x243f6a88; this.c = 0xb7e15162; this.d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }
  float(): number { return this.u32() / 4294967296; }
  int(lo: number, hi: number): number { return lo + Math.floor(this.float() * (hi - lo + 1)); }
  chance(p: number): boolean { return this.float() < p; }
  exp(mean: number): number { return -Math.log(1 - this.float()) * mean; }
  hex(n: number): string { let s = ''; while (s.length < n) s += this.u32().toString(16).padStart(8, '0'); return s.slice(0, n); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.float() * xs.length)]!; }
}

/** Writes through FileSink in 1 MiB batches (one syscall per batch, not per block). */
class BufferedSink implements ByteSink {
  private readonly file: FileSink;
  private buf = Buffer.allocUnsafe(1 << 20);
  private pos = 0;
  bytes = 0;
  constructor(path: string) { this.file = new FileSink(path); }
  write(b: Uint8Array): void {
    this.bytes += b.length;
    if (this.pos + b.length > this.buf.length) this.flush();
    if (b.length > this.buf.length) { this.file.write(b); return; }
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
  flush(): void { if (this.pos) { this.file.write(this.buf.subarray(0, this.pos)); this.pos = 0; } }
  close(): void { this.flush(); this.file.close(); }
}

interface Ev { t: number; seq: number; fn: () => void }

/** Events in order of time, then of insertion: deterministic ties. */
function less(x: Ev, y: Ev): boolean { return x.t < y.t || (x.t === y.t && x.seq < y.seq); }

interface Ua { user: string; display: string; ip: string }

const FIRST = ['Alice', 'Bob', 'Carol', 'Dave', 'Erin', 'Frank', 'Grace', 'Heidi', 'Ivan', 'Judy', 'Mallory', 'Niaj', 'Olivia', 'Peggy', 'Rupert', 'Sybil', 'Trent', 'Victor', 'Walter', 'Zoe'];
const LAST = ['Smith', 'Jones', 'Brown', 'Novak', 'Horvath', 'Kovac', 'Muller', 'Rossi', 'Garcia', 'Martin'];
const AGENTS = ['Yealink SIP-T46S 66.86.0.15', 'Grandstream GXP2170 1.0.11.23', 'Linphone/5.2.5 (belle-sip/5.2.94)', 'MicroSIP/3.21.3', 'Zoiper rv2.10.19.4', 'PolycomVVX-VVX_411-UA/6.4.3.5018'];

/** The generator. Events are closures on a time-ordered heap; times are integer microseconds. */
class Generator {
  private readonly rng: Rng;
  private readonly heap = new MinHeap<Ev>(less);
  private readonly sink: BufferedSink;
  private readonly w: PcapngWriter;
  private seq = 0;
  private now = 0;
  private ipId = 1;
  private planned = 0;
  private readonly target: number;
  private readonly callers: Ua[] = [];
  private readonly callees: Ua[] = [];
  private readonly registrar = '10.0.0.10';
  private readonly pcmu: Buffer[] = [];
  private active = 0;
  readonly stats: SyntheticStats = {
    frames: 0, bytes: 0, sipMessages: 0, rtpPackets: 0, rtpLost: 0, calls: 0, answered: 0, busy: 0, declined: 0,
    cancelled: 0, registrations: 0, rtpStreams: 0, maxConcurrentCalls: 0, durationS: 0,
  };

  constructor(private readonly opts: SyntheticOptions) {
    this.rng = new Rng(opts.seed ?? DEFAULT_SEED);
    this.target = opts.frames ?? DEFAULT_FRAMES;
    this.sink = new BufferedSink(opts.path);
    this.w = new PcapngWriter(this.sink, { application: 'sipflow bench/synthetic.ts', comment: `synthetic SIP+RTP capture, seed ${opts.seed ?? DEFAULT_SEED}` });
    this.w.addInterface({ linkType: 1, name: 'eth0', description: 'synthetic SIP trunk', snapLen: 65535 });
    for (let i = 0; i < 240; i++) {
      const mk = (prefix: number, net: number): Ua => ({
        user: String(prefix + i), display: `${this.rng.pick(FIRST)} ${this.rng.pick(LAST)}`,
        ip: `10.${net}.${1 + (i >> 6)}.${10 + (i & 63)}`,
      });
      this.callers.push(mk(1000, 1));
      this.callees.push(mk(2000, 2));
    }
    // Pseudo-random µ-law audio, shared by all streams (the bytes do not matter, their variety does).
    for (let k = 0; k < 16; k++) {
      const b = Buffer.alloc(160);
      for (let i = 0; i < 160; i++) b[i] = 0x70 + (this.rng.u32() & 0x1f) + ((i & 8) ? 0x80 : 0);
      this.pcmu.push(b);
    }
  }

  run(): SyntheticStats {
    this.at(0, () => this.spawnCall());
    this.at(150_000, () => this.spawnRegister());
    for (;;) {
      const e = this.heap.pop();
      if (!e) break;
      this.now = e.t;
      e.fn();
    }
    this.w.close();
    this.stats.bytes = this.sink.bytes;
    this.stats.durationS = this.now / 1e6;
    return this.stats;
  }

  private at(t: number, fn: () => void): void { this.heap.push({ t: Math.round(t), seq: this.seq++, fn }); }

  /** New calls and registrations stop once the frames already planned reach the target (+0.5 % for RTP loss). */
  private get full(): boolean { return this.stats.frames + this.planned >= this.target * 1.005 + 500; }

  private send(src: string, sport: number, dst: string, dport: number, payload: Uint8Array): void {
    const frame = udpFrame({ src, dst, sport, dport, payload, ipId: this.ipId = (this.ipId + 1) & 0xffff });
    const t = this.now;
    this.w.writePacket(0, BASE_SEC + Math.floor(t / 1e6), (t % 1e6) * 1000, frame);
    if (++this.stats.frames % 50_000 === 0) this.opts.onProgress?.(this.stats.frames);
    if (this.planned > 0) this.planned--;
  }

  private sip(src: string, dst: string, text: string): void {
    this.stats.sipMessages++;
    this.send(src, 5060, dst, 5060, Buffer.from(text, 'latin1'));
  }

  // ---------------------------------------------------------------- SIP text

  private branch(): string { return `z9hG4bK${this.rng.hex(16)}`; }

  private sdp(user: string, ip: string, port: number, sess: number, version: number): string {
    return [
      'v=0', `o=${user} ${sess} ${version} IN IP4 ${ip}`, 's=SIP Call', `c=IN IP4 ${ip}`, 't=0 0',
      `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=sendrecv', '',
    ].join(CRLF);
  }

  private request(method: string, uri: string, headers: string[], body = '', type = 'application/sdp'): string {
    const lines = [`${method} ${uri} SIP/2.0`, ...headers];
    if (body) lines.push(`Content-Type: ${type}`);
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', '');
    return lines.join(CRLF) + body;
  }

  private response(code: number, reason: string, headers: string[], body = ''): string {
    const lines = [`SIP/2.0 ${code} ${reason}`, ...headers];
    if (body) lines.push('Content-Type: application/sdp');
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`, '', '');
    return lines.join(CRLF) + body;
  }

  // ---------------------------------------------------------------- calls

  private spawnCall(): void {
    if (this.full) return;
    const r = this.rng;
    const kind = r.float();
    const outcome = kind < 0.78 ? 'answered' : kind < 0.86 ? 'busy' : kind < 0.92 ? 'declined' : 'cancelled';
    this.call(outcome);
    this.at(this.now + 300_000 + r.exp(1_100_000), () => this.spawnCall());
  }

  private call(outcome: 'answered' | 'busy' | 'declined' | 'cancelled'): void {
    const r = this.rng;
    const a = r.pick(this.callers);
    const b = r.pick(this.callees);
    const callId = `${r.hex(8)}-${r.hex(4)}-${r.hex(4)}-${r.hex(12)}@${a.ip}`;
    const fromTag = r.hex(10);
    const toTag = r.hex(10);
    const br = this.branch();
    const cseq = r.int(1, 9000);
    const aPort = 2 * r.int(5000, 9999);
    const bPort = 2 * r.int(10000, 14999);
    const sessA = r.int(100000000, 999999999);
    const sessB = r.int(100000000, 999999999);
    const uaA = r.pick(AGENTS);
    const uaB = r.pick(AGENTS);
    const from = `"${a.display}" <sip:${a.user}@${DOMAIN}>;tag=${fromTag}`;
    const toNoTag = `"${b.display}" <sip:${b.user}@${DOMAIN}>`;
    const to = `${toNoTag};tag=${toTag}`;
    const via = `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${br};rport`;
    const viaRcv = `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${br};rport=5060;received=${a.ip}`;
    const ruri = `sip:${b.user}@${b.ip}:5060`;
    const contactA = `Contact: <sip:${a.user}@${a.ip}:5060;transport=udp>`;
    const contactB = `Contact: <sip:${b.user}@${b.ip}:5060;transport=udp>`;
    const allow = 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY, PRACK';
    const resp = (code: number, reason: string, toHdr: string, cs: string, extra: string[] = [], body = '') =>
      this.response(code, reason, [viaRcv, `From: ${from}`, `To: ${toHdr}`, `Call-ID: ${callId}`, `CSeq: ${cs}`, ...extra], body);

    this.stats.calls++;
    this.active++;
    this.stats.maxConcurrentCalls = Math.max(this.stats.maxConcurrentCalls, this.active);
    let t = this.now;
    const invite = this.request('INVITE', ruri, [
      via, 'Max-Forwards: 70', `From: ${from}`, `To: ${toNoTag}`, `Call-ID: ${callId}`, `CSeq: ${cseq} INVITE`, contactA,
      allow, 'Supported: replaces, timer, 100rel', 'Session-Expires: 1800', `User-Agent: ${uaA}`,
    ], this.sdp(a.user, a.ip, aPort, sessA, sessA));
    this.planned += 3;
    this.at(t, () => this.sip(a.ip, b.ip, invite));
    t += r.int(800, 4000);
    this.at(t, () => this.sip(b.ip, a.ip, resp(100, 'Trying', toNoTag, `${cseq} INVITE`, [`Server: ${uaB}`])));
    t += r.int(40_000, 400_000);
    this.at(t, () => this.sip(b.ip, a.ip, resp(180, 'Ringing', to, `${cseq} INVITE`, [contactB, `Server: ${uaB}`])));
    const ring = r.int(1_000_000, 9_000_000);
    t += ring;

    if (outcome === 'busy' || outcome === 'declined') {
      const [code, reason] = outcome === 'busy' ? [486, 'Busy Here'] : [603, 'Decline'];
      this.stats[outcome]++;
      this.planned += 2;
      this.at(t - ring + (outcome === 'busy' ? ring / 8 : ring / 2), () => this.sip(b.ip, a.ip, resp(code, reason, to, `${cseq} INVITE`, [`Server: ${uaB}`])));
      this.at(t - ring + (outcome === 'busy' ? ring / 8 : ring / 2) + r.int(2000, 20_000), () => {
        this.sip(a.ip, b.ip, this.request('ACK', ruri, [via, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]));
        this.active--;
      });
      return;
    }

    if (outcome === 'cancelled') {
      this.stats.cancelled++;
      this.planned += 4;
      const cancel = this.request('CANCEL', ruri, [via, 'Max-Forwards: 70', `From: ${from}`, `To: ${toNoTag}`, `Call-ID: ${callId}`, `CSeq: ${cseq} CANCEL`, `User-Agent: ${uaA}`]);
      this.at(t, () => this.sip(a.ip, b.ip, cancel));
      t += r.int(1000, 10_000);
      this.at(t, () => this.sip(b.ip, a.ip, resp(200, 'OK', to, `${cseq} CANCEL`, [`Server: ${uaB}`])));
      t += r.int(500, 5000);
      this.at(t, () => this.sip(b.ip, a.ip, resp(487, 'Request Terminated', to, `${cseq} INVITE`, [`Server: ${uaB}`])));
      t += r.int(1000, 10_000);
      this.at(t, () => {
        this.sip(a.ip, b.ip, this.request('ACK', ruri, [via, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`]));
        this.active--;
      });
      return;
    }

    // Answered: 200 (SDP), ACK, media both ways, BYE from either side, 200.
    this.stats.answered++;
    const ok = resp(200, 'OK', to, `${cseq} INVITE`, [contactB, allow, 'Supported: replaces, timer', 'Session-Expires: 1800;refresher=uac', `Server: ${uaB}`], this.sdp(b.user, b.ip, bPort, sessB, sessB));
    this.planned += 4;
    const tOk = t;
    this.at(tOk, () => this.sip(b.ip, a.ip, ok));
    const tAck = tOk + r.int(3000, 40_000);
    this.at(tAck, () => this.sip(a.ip, b.ip, this.request('ACK', `sip:${b.user}@${b.ip}:5060;transport=udp`, [
      `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${this.branch()};rport`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`,
      `Call-ID: ${callId}`, `CSeq: ${cseq} ACK`, contactA, `User-Agent: ${uaA}`,
    ])));
    const talk = Math.min(180_000_000, 8_000_000 + r.exp(34_000_000));
    const tBye = tAck + talk;
    // Callee media starts with the 200, caller media after the ACK; both stop at the BYE.
    this.rtp(b.ip, bPort, a.ip, aPort, tOk + r.int(5000, 30_000), tBye);
    this.rtp(a.ip, aPort, b.ip, bPort, tAck + r.int(5000, 30_000), tBye);
    const callerHangsUp = r.chance(0.6);
    const byeCseq = callerHangsUp ? cseq + 1 : r.int(1, 9000);
    const byeBranch = this.branch();
    this.at(tBye, () => {
      if (callerHangsUp) {
        this.sip(a.ip, b.ip, this.request('BYE', `sip:${b.user}@${b.ip}:5060;transport=udp`, [
          `Via: SIP/2.0/UDP ${a.ip}:5060;branch=${byeBranch};rport`, 'Max-Forwards: 70', `From: ${from}`, `To: ${to}`,
          `Call-ID: ${callId}`, `CSeq: ${byeCseq} BYE`, `User-Agent: ${uaA}`, 'Reason: Q.850;cause=16;text="Normal call clearing"',
        ]));
      } else {
        this.sip(b.ip, a.ip, this.request('BYE', `sip:${a.user}@${a.ip}:5060;transport=udp`, [
          `Via: SIP/2.0/UDP ${b.ip}:5060;branch=${byeBranch};rport`, 'Max-Forwards: 70', `From: ${to}`, `To: ${from}`,
          `Call-ID: ${callId}`, `CSeq: ${byeCseq} BYE`, `User-Agent: ${uaB}`,
        ]));
      }
    });
    this.at(tBye + r.int(2000, 30_000), () => {
      if (callerHangsUp) {
        this.sip(b.ip, a.ip, this.response(200, 'OK', [`Via: SIP/2.0/UDP ${a.ip}:5060;branch=${byeBranch};rport=5060;received=${a.ip}`,
          `From: ${from}`, `To: ${to}`, `Call-ID: ${callId}`, `CSeq: ${byeCseq} BYE`, `Server: ${uaB}`]));
      } else {
        this.sip(a.ip, b.ip, this.response(200, 'OK', [`Via: SIP/2.0/UDP ${b.ip}:5060;branch=${byeBranch};rport=5060;received=${b.ip}`,
          `From: ${to}`, `To: ${from}`, `Call-ID: ${callId}`, `CSeq: ${byeCseq} BYE`, `User-Agent: ${uaA}`]));
      }
      this.active--;
    });
  }

  /** One PCMU stream: 20 ms packets from `start` until `stop`, some with loss, some with jitter. */
  private rtp(src: string, sport: number, dst: string, dport: number, start: number, stop: number): void {
    const r = this.rng;
    this.stats.rtpStreams++;
    const ssrc = r.u32();
    let seq = r.int(0, 65535);
    let ts = r.u32();
    const loss = r.chance(0.15) ? 0.002 + r.float() * 0.02 : 0;
    const jitterUs = r.chance(0.25) ? r.int(1000, 9000) : r.int(0, 300);
    const count = Math.max(0, Math.floor((stop - start) / 20_000));
    this.planned += count;
    let k = 0;
    const next = () => {
      const lost = k > 0 && r.chance(loss);
      if (lost) { this.stats.rtpLost++; if (this.planned > 0) this.planned--; } else {
        const pkt = Buffer.allocUnsafe(12 + 160);
        pkt[0] = 0x80;
        pkt[1] = k === 0 ? 0x80 : 0x00; // marker on the first packet, PT 0 (PCMU)
        pkt.writeUInt16BE(seq, 2);
        pkt.writeUInt32BE(ts, 4);
        pkt.writeUInt32BE(ssrc, 8);
        this.pcmu[(k + seq) & 15]!.copy(pkt, 12);
        this.stats.rtpPackets++;
        this.send(src, sport, dst, dport, pkt);
      }
      seq = (seq + 1) & 0xffff;
      ts = (ts + 160) >>> 0;
      k++;
      if (k < count) this.at(start + k * 20_000 + r.int(0, jitterUs), next);
    };
    if (count > 0) this.at(start, next);
  }

  // ---------------------------------------------------------------- registrations

  private spawnRegister(): void {
    if (this.full) return;
    const r = this.rng;
    const ua = r.pick(r.chance(0.5) ? this.callers : this.callees);
    const callId = `${r.hex(24)}@${ua.ip}`;
    const tag = r.hex(8);
    const nonce = r.hex(32);
    const agent = r.pick(AGENTS);
    const from = `From: "${ua.display}" <sip:${ua.user}@${DOMAIN}>;tag=${tag}`;
    const to = `To: "${ua.display}" <sip:${ua.user}@${DOMAIN}>`;
    const contact = `Contact: <sip:${ua.user}@${ua.ip}:5060;transport=udp>;expires=3600`;
    const reg = (cseq: number, br: string, auth: string[]) => this.request('REGISTER', `sip:${DOMAIN}`, [
      `Via: SIP/2.0/UDP ${ua.ip}:5060;branch=${br};rport`, 'Max-Forwards: 70', from, to, `Call-ID: ${callId}`, `CSeq: ${cseq} REGISTER`,
      contact, 'Expires: 3600', 'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY', `User-Agent: ${agent}`, ...auth,
    ]);
    const res = (code: number, reason: string, cseq: number, br: string, extra: string[]) => this.response(code, reason, [
      `Via: SIP/2.0/UDP ${ua.ip}:5060;branch=${br};rport=5060;received=${ua.ip}`, from, `${to};tag=${r.hex(8)}`, `Call-ID: ${callId}`,
      `CSeq: ${cseq} REGISTER`, ...extra, 'Server: sipflow-registrar/1.0',
    ]);
    const b1 = this.branch();
    const b2 = this.branch();
    const auth = `Authorization: Digest username="${ua.user}", realm="${DOMAIN}", nonce="${nonce}", uri="sip:${DOMAIN}", response="${r.hex(32)}", algorithm=MD5, cnonce="${r.hex(8)}", qop=auth, nc=00000001`;
    this.stats.registrations++;
    this.planned += 4;
    let t = this.now;
    this.at(t, () => this.sip(ua.ip, this.registrar, reg(1, b1, [])));
    t += r.int(500, 3000);
    this.at(t, () => this.sip(this.registrar, ua.ip, res(401, 'Unauthorized', 1, b1, [`WWW-Authenticate: Digest realm="${DOMAIN}", nonce="${nonce}", algorithm=MD5, qop="auth"`])));
    t += r.int(2000, 20_000);
    this.at(t, () => this.sip(ua.ip, this.registrar, reg(2, b2, [auth])));
    t += r.int(500, 3000);
    this.at(t, () => this.sip(this.registrar, ua.ip, res(200, 'OK', 2, b2, [contact, `Date: ${new Date((BASE_SEC + Math.floor(t / 1e6)) * 1000).toUTCString()}`])));
    this.at(this.now + r.exp(2_500_000), () => this.spawnRegister());
  }
}

/** Write the synthetic capture to opts.path; returns what was written. */
export function generateSynthetic(opts: SyntheticOptions): SyntheticStats {
  return new Generator(opts).run();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = process.argv[2] ?? 'synthetic.pcapng';
  const frames = Number(process.argv[3] ?? DEFAULT_FRAMES);
  const seed = Number(process.argv[4] ?? DEFAULT_SEED);
  const t0 = performance.now();
  const s = generateSynthetic({ path: out, frames, seed, onProgress: (n) => process.stderr.write(`\r${n} frames`) });
  process.stderr.write('\r');
  console.log(`${out}: ${s.frames} frames, ${(s.bytes / 1e6).toFixed(1)} MB, ${s.calls} calls (${s.answered} answered, ${s.busy} busy, ${s.declined} declined, ${s.cancelled} cancelled), ${s.registrations} registrations, ${s.rtpStreams} RTP streams (${s.rtpPackets} packets, ${s.rtpLost} lost), ${s.sipMessages} SIP messages, up to ${s.maxConcurrentCalls} concurrent calls, ${s.durationS.toFixed(1)} s of traffic; written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}
