/**
 * Does one big capture go faster on two threads? An experiment, not part of
 * `npm run bench`:
 *
 *   node dist/bench/split.js [FILE] [--rounds N]
 *
 * The pipeline is cut where it is cheapest to cut, after the decoder: a
 * worker reads, parses and decodes frames and ships each UDP datagram (its
 * meta as numbers, its payload bytes) in transferred 1 MB batches; the main
 * thread rebuilds each datagram record and runs what analyze() runs after the
 * decoder (SIP detection and parsing, the call tracker, the media and
 * quality taps). The same consumer fed by a decoder in the same thread is the
 * one-thread baseline, so the two differ only by the cut. Prints wall and
 * CPU (both threads) for each, alternated, and checks that both give the
 * same calls and streams. IPv4/UDP only: enough for the synthetic capture,
 * which is what the question is about.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { readCapture } from '../src/capture/index.js';
import { NetDecoder } from '../src/net/decoder.js';
import { ipv4ToString } from '../src/net/addr.js';
import { looksLikeSip } from '../src/sip/detect.js';
import { messageMeta, parseSip, toSipMessage } from '../src/sip/parser.js';
import { CallTracker } from '../src/sip/calls.js';
import { createMediaTap } from '../src/media/stage.js';
import { createQualityTap } from '../src/media/quality.js';
import type { Datagram, Report } from '../src/model.js';
import type { RtpPacket, TransportPacket } from '../src/tap.js';

const BATCH = 1 << 20;
/** Per datagram: frame, tsSec, tsNsec, srcKey, dstKey, ports, ipLength, payload length (u32 each), then the payload. */
const HEAD = 8 * 4;

interface Consumer { take(d: Datagram): void; finish(): Report }

/** What analyze() does after the decoder, for UDP: SIP to the tracker and the taps, the rest to the UDP taps. */
function consumer(): Consumer {
  const taps = [createMediaTap(), createQualityTap()];
  const rtpTaps = taps.filter((t) => t.onRtp);
  for (const t of taps) t.start?.({ warn: () => {}, emitRtp: (p: RtpPacket) => { for (const r of rtpTaps) r.onRtp!(p); }, rtpListened: true });
  const tracker = new CallTracker(() => {}, { keepRaw: false });
  let first = -1;
  const pkt: TransportPacket = { frame: 0, tsSec: 0, tsNsec: 0, src: '', dst: '', srcKey: 0, dstKey: 0, srcPort: 0, dstPort: 0, transport: 'UDP', time: 0, payload: new Uint8Array(0), ipLength: 0, tcp: null, carriers: undefined };
  return {
    take(d) {
      if (first < 0) first = d.tsSec;
      const time = (d.tsSec - first) + d.tsNsec / 1e9;
      if (looksLikeSip(d.payload)) {
        const p = parseSip(d.payload, 0, d.payload.length, false);
        if ('error' in p || !p.callId) return;
        const msg = toSipMessage(p, messageMeta(d, Math.round(time * 1e9) / 1e9));
        const track = tracker.add(msg);
        if (track === null) return; // over the call limit
        for (const t of taps) t.onSip?.(msg, track);
        return;
      }
      pkt.frame = d.frame; pkt.tsSec = d.tsSec; pkt.tsNsec = d.tsNsec; pkt.src = d.src; pkt.dst = d.dst; pkt.srcKey = d.srcKey; pkt.dstKey = d.dstKey;
      pkt.srcPort = d.srcPort; pkt.dstPort = d.dstPort; pkt.time = time; pkt.payload = d.payload; pkt.ipLength = d.ipLength;
      for (const t of taps) t.onUdp?.(pkt);
    },
    finish() {
      const report = { calls: tracker.finish(), rtpStreams: [], warnings: [] } as unknown as Report;
      for (const t of taps) t.finish?.(report);
      return report;
    },
  };
}

/** The producer: read + parse + decode, datagrams packed into transferred batches. */
async function produce(file: string, post: (buf: ArrayBuffer, used: number) => void): Promise<void> {
  let buf = new ArrayBuffer(BATCH);
  let u8 = new Uint8Array(buf);
  let dv = new DataView(buf);
  let used = 0;
  const flush = () => { post(buf, used); buf = new ArrayBuffer(BATCH); u8 = new Uint8Array(buf); dv = new DataView(buf); used = 0; };
  const dec = new NetDecoder((d) => {
    if (d.transport !== 'UDP' || d.ipVersion !== 4) return;
    const n = d.payload.length;
    if (used + HEAD + n > BATCH) flush();
    dv.setUint32(used, d.frame, true); dv.setUint32(used + 4, d.tsSec, true); dv.setUint32(used + 8, d.tsNsec, true);
    dv.setUint32(used + 12, d.srcKey!, true); dv.setUint32(used + 16, d.dstKey!, true);
    dv.setUint32(used + 20, ((d.srcPort << 16) | d.dstPort) >>> 0, true); dv.setUint32(used + 24, d.ipLength, true); dv.setUint32(used + 28, n, true);
    u8.set(d.payload, used + HEAD);
    used += HEAD + n;
  }, () => {});
  await readCapture(file, { onFrame: (f) => dec.decode(f), onWarning: () => {} });
  dec.finish();
  if (used) flush();
}

/** Rebuild the datagram records of one batch (addresses back to text through a small cache). */
function unpack(buf: ArrayBuffer, used: number, c: Consumer, names: Map<number, string>, d: Datagram): void {
  const u8 = new Uint8Array(buf);
  const dv = new DataView(buf);
  const tmp = new Uint8Array(4);
  const name = (k: number) => {
    let s = names.get(k);
    if (s === undefined) { new DataView(tmp.buffer).setUint32(0, k); s = ipv4ToString(tmp, 0); names.set(k, s); }
    return s;
  };
  for (let o = 0; o < used;) {
    const n = dv.getUint32(o + 28, true);
    const ports = dv.getUint32(o + 20, true);
    d.frame = dv.getUint32(o, true); d.tsSec = dv.getUint32(o + 4, true); d.tsNsec = dv.getUint32(o + 8, true);
    d.srcKey = dv.getUint32(o + 12, true); d.dstKey = dv.getUint32(o + 16, true); d.src = name(d.srcKey); d.dst = name(d.dstKey);
    d.srcPort = ports >>> 16; d.dstPort = ports & 0xffff; d.ipLength = dv.getUint32(o + 24, true);
    d.payload = u8.subarray(o + HEAD, o + HEAD + n);
    c.take(d);
    o += HEAD + n;
  }
}

function record(): Datagram {
  return { frame: 0, tsSec: 0, tsNsec: 0, ipVersion: 4, src: '', dst: '', srcKey: 0, dstKey: 0, srcPort: 0, dstPort: 0, transport: 'UDP', payload: new Uint8Array(0), bytes: new Uint8Array(0), start: 0, end: 0, ipLength: 0, reassembled: false, tcp: null };
}

/** One thread: the decoder feeds the consumer directly. */
async function oneThread(file: string): Promise<Report> {
  const c = consumer();
  const dec = new NetDecoder((d) => { if (d.transport === 'UDP' && d.ipVersion === 4) c.take(d); }, () => {});
  await readCapture(file, { onFrame: (f) => dec.decode(f), onWarning: () => {} });
  dec.finish();
  return c.finish();
}

/** Two threads: the worker produces batches, this thread consumes them as they come. */
function twoThreads(file: string): Promise<Report> {
  return new Promise((done, fail) => {
    const c = consumer();
    const names = new Map<number, string>();
    const d = record();
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { file } });
    w.on('message', (m: { buf: ArrayBuffer; used: number } | 'end') => {
      if (m === 'end') { done(c.finish()); void w.terminate(); return; }
      unpack(m.buf, m.used, c, names, d);
    });
    w.on('error', fail);
  });
}

/** What the two must agree on. */
function digest(r: Report): string {
  return JSON.stringify([r.calls.map((c) => [c.callId, c.state, c.sipPackets, c.streams]), r.rtpStreams.map((s) => [s.src, s.dst, s.ssrc, s.packets, s.lost, s.maxJitterMs, s.meanJitterMs, s.mos, s.mosWorst5s])]);
}

async function timed(fn: () => Promise<Report>): Promise<{ wallS: number; cpuS: number; digest: string }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await fn();
  const c = process.cpuUsage(c0);
  return { wallS: (performance.now() - t0) / 1000, cpuS: (c.user + c.system) / 1e6, digest: digest(r) };
}

if (!isMainThread) {
  const { file } = workerData as { file: string };
  await produce(file, (buf, used) => parentPort!.postMessage({ buf, used }, [buf]));
  parentPort!.postMessage('end');
} else if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  const file = process.argv[2] && !process.argv[2].startsWith('--') ? resolve(process.argv[2]) : join(root, 'bench', 'out', 'synthetic.pcapng');
  const ri = process.argv.indexOf('--rounds');
  const rounds = ri > 0 ? Number(process.argv[ri + 1]) : 5;
  const rows: Record<string, { wallS: number; cpuS: number }[]> = { 'one thread': [], 'two threads': [] };
  let same = true;
  let want = '';
  for (let i = 0; i < rounds; i++) {
    const a = await timed(() => oneThread(file));
    const b = await timed(() => twoThreads(file));
    want ||= a.digest;
    same &&= a.digest === want && b.digest === want;
    rows['one thread']!.push(a);
    rows['two threads']!.push(b);
  }
  const med = (x: number[]) => [...x].sort((p, q) => p - q)[x.length >> 1]!;
  console.log(`${file}, ${rounds} alternated rounds; results ${same ? 'identical' : 'DIFFER'}`);
  for (const [k, v] of Object.entries(rows)) {
    console.log(`${k.padEnd(12)} wall best ${Math.min(...v.map((x) => x.wallS)).toFixed(2)} s, median ${med(v.map((x) => x.wallS)).toFixed(2)} s; CPU (both threads) median ${med(v.map((x) => x.cpuS)).toFixed(2)} s`);
  }
  const one = rows['one thread']!, two = rows['two threads']!;
  console.log(`speed-up (best wall): ${(Math.min(...one.map((x) => x.wallS)) / Math.min(...two.map((x) => x.wallS))).toFixed(2)}x`);
}
