/**
 * The hostile-input harness: mutated captures built from seed captures
 * (fixtures/, the reference corpus, or captures made here), and the run of
 * one CLI command on one of them with its invariants.
 *
 * Every case is named by its class and seed, so a failure names what to
 * replay (`npm run fuzz -- --seed N --only CLASS`). The classes are those of
 * the hostile-input issue: bit flips, truncation at every block boundary,
 * absurd lengths, pcapng option and interface abuse (if_tsresol, if_tsoffset,
 * interface floods), gzip corruption, fragment floods, RTP stream (SSRC)
 * floods, TCP stream floods and SIP call floods.
 */
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { PcapngWriter } from '../../src/capture/writer.js';
import { fragmentIpv4, ipv4, tcpFrame, udp, udpFrames, ethernet } from '../../src/net/build.js';
import { ETHERTYPE_IPV4, IPPROTO_UDP } from '../../src/net/constants.js';
import { CLI } from './cli.js';
import { ROOT } from './corpus.js';
import { rng } from './rng.js';

// ---------------------------------------------------------------- randomness

const int = (r: () => number, n: number): number => Math.floor(r() * n);

export interface FuzzCase {
  /** `class/seed[/detail]`: what to replay. */
  name: string;
  cls: string;
  seed: number;
  /** `.pcapng`, `.pcap` or `.gz` after one of them. */
  ext: string;
  bytes: Uint8Array;
}

// ---------------------------------------------------------------- block structure

/** Offsets where the records of a pcap / pcapng file begin (and its end): where truncation is interesting. */
export function blockBoundaries(b: Uint8Array): number[] {
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const out: number[] = [];
  if (b.length < 24) return out;
  const magic = dv.getUint32(0, false);
  if (magic === 0x0a0d0d0a) {
    let le = dv.getUint32(8, true) === 0x1a2b3c4d;
    let o = 0;
    while (o + 12 <= b.length) {
      out.push(o);
      if (dv.getUint32(o, le) === 0x0a0d0d0a || dv.getUint32(o, true) === 0x0a0d0d0a) le = dv.getUint32(o + 8, true) === 0x1a2b3c4d;
      const len = dv.getUint32(o + 4, le);
      if (len < 12 || len % 4) break;
      o += len;
    }
    out.push(Math.min(o, b.length));
    return out;
  }
  const le = dv.getUint32(0, true) === 0xa1b2c3d4 || dv.getUint32(0, true) === 0xa1b23c4d || dv.getUint32(0, true) === 0xa1b2cd34;
  const hdr = (le ? dv.getUint32(0, true) : dv.getUint32(0, false)) === 0xa1b2cd34 ? 24 : 16;
  let o = 24;
  while (o + hdr <= b.length) { out.push(o); o += hdr + dv.getUint32(o + 8, le); }
  out.push(Math.min(o, b.length));
  return out;
}

/** Offsets of the 32-bit length fields (pcapng block length, pcap incl_len / EPB caplen). */
function lengthFields(b: Uint8Array): number[] {
  const starts = blockBoundaries(b);
  const out: number[] = [];
  const ng = b.length >= 4 && b[0] === 0x0a && b[1] === 0x0d;
  for (const s of starts.slice(0, -1)) {
    if (ng) { out.push(s + 4); out.push(s + 20); } else out.push(s + 8, s + 12);
  }
  return out.filter((o) => o + 4 <= b.length);
}

// ---------------------------------------------------------------- mutators

export function bitFlips(seed: Uint8Array, s: number): Uint8Array {
  const r = rng(s);
  const b = Uint8Array.from(seed);
  const n = 1 + int(r, 16);
  for (let i = 0; i < n; i++) b[int(r, b.length)]! ^= 1 << int(r, 8);
  return b;
}

export function truncations(seed: Uint8Array): number[] {
  const cuts = new Set<number>();
  for (const o of blockBoundaries(seed)) for (const d of [-1, 0, 1, 7]) if (o + d > 0 && o + d < seed.length) cuts.add(o + d);
  return [...cuts].sort((a, b) => a - b);
}

const ABSURD = [0, 1, 11, 12, 13, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 65536, 262145, 16 * 1024 * 1024 + 4];

export function absurdLength(seed: Uint8Array, s: number): Uint8Array {
  const r = rng(s);
  const b = Uint8Array.from(seed);
  const fields = lengthFields(b);
  if (!fields.length) return b;
  const o = fields[int(r, fields.length)]!;
  const v = ABSURD[int(r, ABSURD.length)]!;
  new DataView(b.buffer).setUint32(o, v, r() < 0.5);
  return b;
}

export function gzipCorrupt(seed: Uint8Array, s: number): Uint8Array {
  const r = rng(s);
  const gz = Uint8Array.from(gzipSync(seed));
  switch (int(r, 5)) {
    case 0: gz[gz.length - 5 - int(r, 4)]! ^= 0xff; break; // CRC / ISIZE
    case 1: for (let i = 0; i < 32; i++) gz[10 + int(r, Math.max(1, gz.length - 18))]! ^= 1 << int(r, 8); break; // inside the deflate stream
    case 2: return gz.subarray(0, 10 + int(r, Math.max(1, gz.length - 10))); // cut short
    case 3: return Uint8Array.from(Buffer.concat([gz, Buffer.from('trailing garbage after the gzip member')]));
    default: gz[3] = 0xff; break; // every header flag
  }
  return gz;
}

// ---------------------------------------------------------------- captures built here

const sipInvite = (i: number, body = ''): Buffer => Buffer.from(
  `INVITE sip:b${i}@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK${i}\r\nFrom: <sip:a@example.com>;tag=${i}\r\n` +
  `To: <sip:b${i}@example.com>\r\nCall-ID: flood-${i}@example.com\r\nCSeq: 1 INVITE\r\nContent-Type: application/sdp\r\nContent-Length: ${body.length}\r\n\r\n${body}`);

const sdp = (port: number): string => `v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

function rtp(seq: number, ts: number, ssrc: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xd5);
  b[0] = 0x80; b[1] = 0; b.writeUInt16BE(seq & 0xffff, 2); b.writeUInt32BE(ts >>> 0, 4); b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

/** A small benign call capture (INVITE with SDP, 200, ACK, RTP both ways, BYE, 200): the seed when no fixture is at hand. */
export function benignCall(packets = 50): Uint8Array {
  const w = new PcapngWriter(undefined, { comment: 'fuzz seed' });
  const id = w.addInterface({ linkType: 1 });
  let t = 0;
  const put = (src: string, dst: string, sp: number, dp: number, payload: Buffer) => {
    for (const f of udpFrames({ src, dst, sport: sp, dport: dp, payload })) w.writePacket(id, 1700000000 + Math.floor(t / 1000), (t % 1000) * 1e6, f);
    t += 20;
  };
  put('10.0.0.1', '10.0.0.2', 5060, 5060, sipInvite(1, sdp(4000)));
  const ok = Buffer.from(sipInvite(1, sdp(4002)).toString('latin1').replace(/^INVITE [^\r]*/, 'SIP/2.0 200 OK').replace('To: <sip:b1@example.com>', 'To: <sip:b1@example.com>;tag=x'), 'latin1');
  put('10.0.0.2', '10.0.0.1', 5060, 5060, ok);
  for (let i = 0; i < packets; i++) { put('10.0.0.1', '10.0.0.2', 4002, 4000, rtp(i, i * 160, 0x1234)); put('10.0.0.2', '10.0.0.1', 4000, 4002, rtp(i, i * 160, 0x5678)); }
  put('10.0.0.1', '10.0.0.2', 5060, 5060, Buffer.from(sipInvite(1).toString('latin1').replace(/^INVITE/, 'BYE').replace('CSeq: 1 INVITE', 'CSeq: 2 BYE'), 'latin1'));
  return w.toBytes();
}

/** pcapng whose interface block carries one if_tsresol and one if_tsoffset value, then packets with extreme timestamps. */
export function timestampAbuse(tsresol: number, tsoffset: bigint, s: number): Uint8Array {
  const r = rng(s);
  const w = new PcapngWriter();
  const opts = Buffer.alloc(12 + 16 + 4);
  opts.writeUInt16LE(9, 0); opts.writeUInt16LE(1, 2); opts[4] = tsresol;
  opts.writeUInt16LE(14, 8); opts.writeUInt16LE(8, 10); opts.writeBigInt64LE(tsoffset, 12);
  // opt_endofopt at 20..24, padding to 32
  const idb = Buffer.alloc(8 + opts.length);
  idb.writeUInt16LE(1, 0); idb.writeUInt32LE(262144, 4); opts.copy(idb, 8);
  w.writeRawBlock(1, idb);
  const frame = udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: sipInvite(s) })[0]!;
  for (const [hi, lo] of [[0xffffffff, 0xffffffff], [0, 0], [int(r, 2 ** 32), int(r, 2 ** 32)], [0x7fffffff, 0], [0x1fffff, 0xffffffff]] as const) {
    const pad = (frame.length + 3) & ~3;
    const b = Buffer.alloc(20 + pad);
    b.writeUInt32LE(0, 0); b.writeUInt32LE(hi >>> 0, 4); b.writeUInt32LE(lo >>> 0, 8); b.writeUInt32LE(frame.length, 12); b.writeUInt32LE(frame.length, 16);
    frame.copy(b, 20);
    w.writeRawBlock(6, b);
  }
  return w.toBytes();
}

/**
 * The floods, written into a writer (a file sink streams them: bench/hostile.ts
 * writes them at 1 GB) by the `write…Flood` functions; the `…Flood` functions
 * return them as bytes (the fuzz cases).
 */
const inMemory = (write: (w: PcapngWriter) => void): Uint8Array => { const w = new PcapngWriter(); write(w); return w.toBytes(); };

/** `n` interface blocks of varied link types, then `packets` packets spread over them. */
export function writeInterfaceFlood(w: PcapngWriter, n: number, packets = 200): void {
  for (let i = 0; i < n; i++) w.addInterface({ linkType: i % 65536, tsUnitsPerSecond: i % 2 ? 1e9 : 1e6, name: `if${i}` });
  const frame = udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: sipInvite(0) })[0]!;
  for (let i = 0; i < packets; i++) w.writePacket((i * 7919) % n, 1700000000, i, frame);
}
export const interfaceFlood = (n: number): Uint8Array => inMemory((w) => writeInterfaceFlood(w, n));

/** `n` fragments: pairs that complete a SIP datagram each, and first halves that never complete. */
export function writeFragmentFlood(w: PcapngWriter, n: number): void {
  const id = w.addInterface({ linkType: 1 });
  let written = 0;
  for (let i = 0; written < n; i++) {
    const payload = udp(5060, 5060, sipInvite(i));
    const frags = fragmentIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload, id: i & 0xffff }, 200);
    const keep = i % 3 === 2 ? frags.slice(0, 1) : frags;
    for (const f of keep) { w.writePacket(id, 1700000000 + (i >> 10), i & 1023, ethernet(ETHERTYPE_IPV4, f)); written++; }
  }
}
export const fragmentFlood = (n: number): Uint8Array => inMemory((w) => writeFragmentFlood(w, n));

/** One SDP-announced endpoint and `n` RTP packets, each of a new SSRC (a new stream each). */
export function writeSsrcFlood(w: PcapngWriter, n: number): void {
  const id = w.addInterface({ linkType: 1 });
  for (const f of udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: sipInvite(1, sdp(4000)) })) w.writePacket(id, 1700000000, 0, f);
  for (let i = 0; i < n; i++) {
    const ip = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: udp(4002 + (i % 1000) * 2, 4000, rtp(i, i * 160, 0x10000 + i)) });
    w.writePacket(id, 1700000000 + Math.floor(i / 1000), (i % 1000) * 1e6, ethernet(ETHERTYPE_IPV4, ip));
  }
}
export const ssrcFlood = (n: number): Uint8Array => inMemory((w) => writeSsrcFlood(w, n));

/** `n` INVITEs, each a new Call-ID (a new dialog each); with `withSdp` each offers an audio stream on its own port. */
export function writeCallFlood(w: PcapngWriter, n: number, withSdp = false): void {
  const id = w.addInterface({ linkType: 1 });
  for (let i = 0; i < n; i++) {
    const t = 1700000000 + Math.floor(i / 1000);
    w.writePacket(id, t, (i % 1000) * 1e6, udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: sipInvite(i, withSdp ? sdp(10000 + 2 * (i % 25000)) : '') })[0]!);
  }
}
export const callFlood = (n: number): Uint8Array => inMemory((w) => writeCallFlood(w, n));

/** `n` TCP connections to port 5060, each with one partial SIP message (never completed). */
export function writeTcpFlood(w: PcapngWriter, n: number): void {
  const id = w.addInterface({ linkType: 1 });
  const part = sipInvite(0).subarray(0, 120);
  for (let i = 0; i < n; i++) {
    w.writePacket(id, 1700000000 + Math.floor(i / 1000), (i % 1000) * 1e6,
      tcpFrame({ src: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, dst: '10.0.0.2', srcPort: 1024 + (i % 60000), dstPort: 5060, seq: i, ack: 1, payload: part }));
  }
}
export const tcpFlood = (n: number): Uint8Array => inMemory((w) => writeTcpFlood(w, n));

// ---------------------------------------------------------------- the case list

/** Every if_tsresol byte worth trying (both bases' extremes and the reserved high values) and if_tsoffset extremes. */
export const TSRESOL_VALUES = [0, 1, 3, 6, 9, 10, 18, 19, 20, 63, 64, 100, 127, 128, 129, 0x80 | 20, 0x80 | 63, 0x80 | 64, 0xff];
export const TSOFFSET_VALUES = [0n, 1n, -1n, 2n ** 31n, 2n ** 53n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n)];

export interface CaseOptions {
  /** Seed captures: their bytes (e.g. fixtures). */
  seeds: { name: string; bytes: Uint8Array }[];
  /** First seed number; each case takes the next. */
  seed: number;
  /** Mutations per seed capture and class (bit flips, absurd lengths, gzip). */
  perSeed: number;
  /** Scale of the floods (their entity count). */
  flood: number;
  /** Only these classes (all when empty). */
  only?: string[];
}

/** The cases, lazily (a long run never holds them all). */
export function* fuzzCases(o: CaseOptions): Generator<FuzzCase> {
  let s = o.seed;
  const want = (c: string) => !o.only?.length || o.only.includes(c);
  const extOf = (b: Uint8Array) => (b[0] === 0x0a && b[1] === 0x0d ? '.pcapng' : '.pcap');
  for (const seed of o.seeds) {
    const ext = extOf(seed.bytes);
    for (let i = 0; i < o.perSeed; i++) {
      if (want('bitflip')) { const n = s++; yield { name: `bitflip/${n}/${seed.name}`, cls: 'bitflip', seed: n, ext, bytes: bitFlips(seed.bytes, n) }; }
      if (want('length')) { const n = s++; yield { name: `length/${n}/${seed.name}`, cls: 'length', seed: n, ext, bytes: absurdLength(seed.bytes, n) }; }
      if (want('gzip')) { const n = s++; yield { name: `gzip/${n}/${seed.name}`, cls: 'gzip', seed: n, ext: `${ext}.gz`, bytes: gzipCorrupt(seed.bytes, n) }; }
    }
    if (want('truncate')) {
      const cuts = truncations(seed.bytes);
      // Every block boundary on small seeds; a spread of them on large ones.
      const step = Math.max(1, Math.ceil(cuts.length / Math.max(4, o.perSeed * 4)));
      for (let i = 0; i < cuts.length; i += step) yield { name: `truncate/${cuts[i]}/${seed.name}`, cls: 'truncate', seed: cuts[i]!, ext, bytes: seed.bytes.subarray(0, cuts[i]) };
    }
  }
  if (want('timestamp')) {
    for (const r of TSRESOL_VALUES) {
      const n = s++;
      const off = TSOFFSET_VALUES[n % TSOFFSET_VALUES.length]!;
      yield { name: `timestamp/${n}/tsresol=${r},tsoffset=${off}`, cls: 'timestamp', seed: n, ext: '.pcapng', bytes: timestampAbuse(r, off, n) };
    }
  }
  if (want('interfaces')) yield { name: `interfaces/${o.flood}`, cls: 'interfaces', seed: 0, ext: '.pcapng', bytes: interfaceFlood(o.flood) };
  if (want('fragments')) yield { name: `fragments/${o.flood}`, cls: 'fragments', seed: 0, ext: '.pcapng', bytes: fragmentFlood(o.flood) };
  if (want('ssrc')) yield { name: `ssrc/${o.flood}`, cls: 'ssrc', seed: 0, ext: '.pcapng', bytes: ssrcFlood(o.flood) };
  if (want('calls')) yield { name: `calls/${o.flood}`, cls: 'calls', seed: 0, ext: '.pcapng', bytes: callFlood(o.flood) };
  if (want('tcp')) yield { name: `tcp/${o.flood}`, cls: 'tcp', seed: 0, ext: '.pcapng', bytes: tcpFlood(o.flood) };
}

// ---------------------------------------------------------------- running one command

/** The commands a hostile file goes through, as a user runs them. `{out}` is a scratch output path. */
export const FUZZ_COMMANDS: readonly (readonly string[])[] = [
  ['analyze', '--json'],
  ['capinfo'],
  ['report', '-o', '{out}.html'],
  ['ladder', '--all', '-f', 'mermaid', '-o', '{out}.ladder'],
];

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Peak resident memory of the child, KiB (from its own process.resourceUsage at exit). */
  maxRssKb: number | null;
}

const RSS_PRELOAD = join(ROOT, 'dist', 'test', 'helpers', 'fuzz-rss.js');

/** Run `sipflow <args> <file>` in a child process, with a wall-clock limit and a V8 heap limit. */
export function runCli(args: readonly string[], file: string, out: string, limits: { timeoutMs: number; heapMb: number }): RunResult {
  const argv = args.map((a) => a.replace('{out}', out));
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [`--max-old-space-size=${limits.heapMb}`, '--import', RSS_PRELOAD, CLI, ...argv, file], {
    cwd: ROOT, encoding: 'utf8', timeout: limits.timeoutMs, maxBuffer: 512 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1', SIPFLOW_DEBUG: '' },
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = Number((r.output?.[3] as unknown as string | null) ?? '');
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms, maxRssKb: Number.isFinite(rss) && rss > 0 ? rss : null };
}

/** What is wrong with one run (empty when it is as a hostile file must leave sipflow). */
export function problems(args: readonly string[], r: RunResult, limits: { timeoutMs: number; rssMb: number }): string[] {
  const out: string[] = [];
  if (r.signal) out.push(`killed by ${r.signal}${r.ms >= limits.timeoutMs ? ` after the ${limits.timeoutMs} ms limit` : ''}`);
  else if (r.code !== 0 && r.code !== 2) out.push(`exit code ${r.code} (want 0 or 2)`);
  const lines = r.stderr.split('\n').filter((l) => l.length > 0);
  if (/internal error|heap out of memory|\n\s+at .+:\d+:\d+\)?/i.test(r.stderr)) out.push(`stderr has an internal error or a stack trace: ${lines.slice(0, 3).join(' | ')}`);
  if (r.code === 2 && lines.length !== 1) out.push(`exit 2 with ${lines.length} lines on stderr (want one): ${lines.slice(0, 3).join(' | ')}`);
  if (r.code === 0 && args[0] === 'analyze' && args.includes('--json')) {
    try { JSON.parse(r.stdout); } catch (e) { out.push(`analyze --json printed invalid JSON (${(e as Error).message})`); }
  }
  if (r.maxRssKb !== null && r.maxRssKb > limits.rssMb * 1024) out.push(`peak memory ${Math.round(r.maxRssKb / 1024)} MB over the ${limits.rssMb} MB bound`);
  return out;
}
