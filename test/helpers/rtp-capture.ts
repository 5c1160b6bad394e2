/**
 * Captures with a call and its RTP, built in memory for the audio tests:
 * INVITE/200/ACK with SDP naming the codec, then each direction's payloads
 * as RTP with chosen loss, reordering, late arrival, timestamp jumps and
 * SSRC changes; written with the project's pcap writer.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';

export interface Direction {
  from: { ip: string; port: number };
  to: { ip: string; port: number };
  /** One RTP payload per packet, in sequence order. */
  payloads: Uint8Array[];
  /** Timestamp units per packet (or per packet i: a function). */
  tsStep: number | ((i: number) => number);
  /** Capture time of packet 0, s, and seconds between packets. */
  start: number;
  interval: number;
  pt: number;
  ssrc?: number;
  seq0?: number;
  ts0?: number;
  /** Packets not sent. */
  lose?: number[];
  /** Packets that arrive `delay` s late (after later ones: reordering), by index. */
  late?: Record<number, number>;
  /** From this packet on the timestamp jumps by `by` (and the marker is set on it). */
  tsJump?: { at: number; by: number };
  /** From this packet on a new SSRC (and sequence/timestamp base) is used. */
  ssrcChange?: { at: number; ssrc: number; seq0: number; ts0: number };
  /** Extra packets (telephone-events...) as [time, payload type, seq, ts, payload, marker]. */
  extra?: [number, number, number, number, Uint8Array, boolean][];
}

export const CALLER = { ip: '10.9.0.1', port: 40000 };
export const CALLEE = { ip: '10.9.0.2', port: 50000 };

function sdp(h: { ip: string; port: number }, media: string): string {
  return `v=0\r\no=- 1 1 IN IP4 ${h.ip}\r\ns=-\r\nc=IN IP4 ${h.ip}\r\nt=0 0\r\n${media.replace(/PORT/g, String(h.port))}`;
}

/** `m=` and attribute lines for one codec (PORT is replaced): e.g. audioMedia(96, 'opus/48000/2'). */
export function audioMedia(pt: number, rtpmap: string | null, extra = ''): string {
  return `m=audio PORT RTP/AVP ${pt} 101\r\n${rtpmap ? `a=rtpmap:${pt} ${rtpmap}\r\n` : ''}a=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n${extra}`;
}

function sip(t: number, from: typeof CALLER, to: typeof CALLER, start: string, cseq: string, callId: string, body?: string): [number, typeof CALLER, typeof CALLER, Buffer] {
  const h = [start, `Via: SIP/2.0/UDP ${from.ip}:5060;branch=z9hG4bK${cseq.replace(' ', '')}${t}`, 'From: <sip:alice@example.test>;tag=a',
    `To: <sip:bob@example.test>${start.startsWith('SIP') || !cseq.endsWith('INVITE') ? ';tag=b' : ''}`, `Call-ID: ${callId}`, `CSeq: ${cseq}`, 'Max-Forwards: 70'];
  if (body) h.push('Content-Type: application/sdp');
  h.push(`Content-Length: ${body ? Buffer.byteLength(body) : 0}`);
  return [t, { ip: from.ip, port: 5060 }, { ip: to.ip, port: 5060 }, Buffer.from(h.join('\r\n') + '\r\n\r\n' + (body ?? ''))];
}

/** RTP packets of one direction: [time, payload] in arrival order. */
export function rtpPackets(d: Direction): [number, Buffer][] {
  const out: [number, Buffer][] = [];
  let ts = d.ts0 ?? 1000, seq = d.seq0 ?? 100, ssrc = d.ssrc ?? 0x5eed;
  for (let i = 0; i < d.payloads.length; i++) {
    if (d.ssrcChange && i === d.ssrcChange.at) { ssrc = d.ssrcChange.ssrc; seq = d.ssrcChange.seq0; ts = d.ssrcChange.ts0; }
    const jump = d.tsJump && i === d.tsJump.at;
    if (jump) ts += d.tsJump!.by;
    const p = Buffer.alloc(12 + d.payloads[i]!.length);
    p[0] = 0x80; p[1] = d.pt | (jump || i === 0 ? 0x80 : 0);
    p.writeUInt16BE(seq & 0xffff, 2); p.writeUInt32BE(ts >>> 0, 4); p.writeUInt32BE(ssrc >>> 0, 8);
    p.set(d.payloads[i]!, 12);
    if (!d.lose?.includes(i)) out.push([d.start + i * d.interval + (d.late?.[i] ?? 0), p]);
    seq++;
    ts += typeof d.tsStep === 'number' ? d.tsStep : d.tsStep(i);
  }
  for (const [t, pt, s, tts, payload, marker] of d.extra ?? []) {
    const p = Buffer.alloc(12 + payload.length);
    p[0] = 0x80; p[1] = pt | (marker ? 0x80 : 0); p.writeUInt16BE(s & 0xffff, 2); p.writeUInt32BE(tts >>> 0, 4); p.writeUInt32BE(ssrc >>> 0, 8);
    p.set(payload, 12);
    out.push([t, p]);
  }
  return out;
}

let n = 0;
const dir = mkdtempSync(join(tmpdir(), 'sipflow-audio-cap-'));

/** A pcap of one call: offer from the caller with `offer`, answer with `answer` (default the same), then the directions' RTP. */
export function callCapture(media: string, dirs: Direction[], opts: { answer?: string; callId?: string; end?: number } = {}): string {
  const callId = opts.callId ?? `audio-test-${++n}`;
  const frames: [number, typeof CALLER, typeof CALLER, Buffer][] = [
    sip(0, CALLER, CALLEE, 'INVITE sip:bob@example.test SIP/2.0', '1 INVITE', callId, sdp(CALLER, media)),
    sip(0.01, CALLEE, CALLER, 'SIP/2.0 200 OK', '1 INVITE', callId, sdp(CALLEE, opts.answer ?? media)),
    sip(0.02, CALLER, CALLEE, 'ACK sip:bob@example.test SIP/2.0', '1 ACK', callId),
  ];
  for (const d of dirs) for (const [t, p] of rtpPackets(d)) frames.push([t, d.from, d.to, p]);
  const end = opts.end ?? frames.reduce((m, f) => Math.max(m, f[0]), 0) + 0.5;
  frames.push(sip(end, CALLER, CALLEE, 'BYE sip:bob@example.test SIP/2.0', '2 BYE', callId));
  frames.sort((a, b) => a[0] - b[0]);
  const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
  for (const [t, s, d, payload] of frames) {
    const sec = Math.floor(t);
    w.writePacket(1700000000 + sec, Math.round((t - sec) * 1e9), udpFrame({ src: s.ip, dst: d.ip, sport: s.port, dport: d.port, payload }));
  }
  const file = join(dir, `${n++}.pcap`);
  writeFileSync(file, w.toBytes());
  return file;
}

/** Whether a tool is installed (the audio tests skip, saying so, without it). */
export function hasTool(name: string): boolean {
  return spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0 || spawnSync(name, ['-version'], { stdio: 'ignore' }).status === 0;
}

/** Run a tool; throws with its stderr when it fails. */
export function run(cmd: string, args: string[]): Buffer {
  const r = spawnSync(cmd, args, { maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr?.toString()}`);
  return r.stdout;
}

/** Packets of an Ogg stream (RFC 3533): headers included, in order. */
export function oggPackets(b: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  let o = 0;
  let cur: number[] = [];
  while (o + 27 <= b.length && b[o] === 0x4f && b[o + 1] === 0x67) {
    const nseg = b[o + 26]!;
    const table = b.subarray(o + 27, o + 27 + nseg);
    let p = o + 27 + nseg;
    for (const len of table) {
      for (let i = 0; i < len; i++) cur.push(b[p + i]!);
      p += len;
      if (len < 255) { out.push(Uint8Array.from(cur)); cur = []; }
    }
    o = p;
  }
  return out;
}

/** Signal-to-noise ratio of `x` against the reference `ref` over [from, to), dB. */
export function snr(ref: Float32Array, x: Float32Array, from = 0, to = Math.min(ref.length, x.length)): number {
  let s = 0, e = 0;
  for (let i = from; i < to; i++) { s += ref[i]! ** 2; e += (ref[i]! - x[i]!) ** 2; }
  return e === 0 ? Infinity : 10 * Math.log10(s / e);
}

/** RMS of `x` over [from, to). */
export function rms(x: Float32Array, from = 0, to = x.length): number {
  let s = 0;
  for (let i = from; i < to; i++) s += x[i]! ** 2;
  return to > from ? Math.sqrt(s / (to - from)) : 0;
}

/** 16-bit little-endian samples (sox/ffmpeg raw output) as -1..1. */
export function s16le(b: Uint8Array, channels = 1): Float32Array[] {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const frames = Math.floor(b.length / 2 / channels);
  const out = Array.from({ length: channels }, () => new Float32Array(frames));
  for (let i = 0; i < frames; i++) for (let c = 0; c < channels; c++) out[c]![i] = v.getInt16((i * channels + c) * 2, true) / 32768;
  return out;
}
