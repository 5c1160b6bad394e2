/**
 * Where the browser's packets come from, and the analysis over them.
 *
 *   files      analyze() reads them (merged when several), with the frame
 *              index tap so Save can copy each call's SIP and media frames;
 *   "-"        standard input, read as it grows (tcpdump -U -w -, dumpcap -w -);
 *   -i IFACE   dumpcap (or tcpdump) started here, writing into a FIFO;
 *   HEP        a UDP socket: each HEP/EEP packet received becomes a frame
 *              (IP/UDP to port 9060) of a pcapng stream written into a FIFO.
 *
 * The live sources go through a FIFO so that the one capture reader and the
 * one network decoder (HEP included) read them as they read a file: nothing
 * here parses a packet. A live source streams: calls that are over are
 * handed over with their RTP statistics (analyze's onCallDone, its linger
 * counted by the wall clock while the feed is quiet) and the store bounds
 * what it keeps.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { closeSync, createWriteStream, mkdtempSync, openSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../analyze.js';
import type { Tap } from '../tap.js';
import { createFrameIndexTap, type FrameIndexTap } from '../extract/frame-index-tap.js';
import { PcapngWriter, type ByteSink } from '../capture/writer.js';
import { LINKTYPE } from '../capture/linktypes.js';
import { udpFrame } from '../net/build.js';
import type { CallStore } from './store.js';

export type FeedSpec =
  | { kind: 'files'; paths: string[] }
  | { kind: 'stdin' }
  | { kind: 'iface'; iface: string; filter?: string }
  | { kind: 'hep'; host: string; port: number };

/** A source that cannot start: one line; exit 69 (EX_UNAVAILABLE) when a tool is missing, else 2. */
export class FeedError extends Error {
  constructor(message: string, readonly exitCode = 69) { super(message); }
}

export interface Feed {
  /** What the status line calls the source. */
  label: string;
  live: boolean;
  /** What analyze() reads. */
  paths: string[];
  /** Stop the source (children, sockets) and remove temporary files. Idempotent. */
  close(): void;
  /** A line about the source the status line shows (the HEP socket's address, a capture tool's complaint). */
  note: string | null;
}

/** `udp:ADDR:PORT` (or `ADDR:PORT`, `:PORT`, `PORT`; IPv6 in brackets). */
export function parseHepListen(s: string): { host: string; port: number } {
  const t = s.replace(/^udp:/i, '');
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(t) ?? (/^(\d+)$/.test(t) ? [t, undefined, '', t] : null);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new FeedError(`--hep-listen ${s}: expected udp:ADDR:PORT (e.g. udp:0.0.0.0:9060)`, 64);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/**
 * A FIFO for a live source, with a descriptor of our own opened read-write:
 * that open never blocks, and while we hold it neither does the reader's
 * open, nor does the reader see the end of the stream when the tool writing
 * into it has not started yet. Closing it (close()) ends the stream, which
 * also releases a read waiting in libuv's thread pool (process.exit would
 * wait for it).
 */
function fifo(): { dir: string; path: string; fd: number } {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-browse-'));
  const path = join(dir, 'feed.pcapng');
  const r = spawnSync('mkfifo', [path], { stdio: 'ignore' });
  if (r.status !== 0) { rmSync(dir, { recursive: true, force: true }); throw new FeedError('cannot create a FIFO for the live feed (mkfifo failed)', 2); }
  return { dir, path, fd: openSync(path, 'r+') };
}

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** A byte sink writing whole blocks into a stream (the FIFO). */
class StreamSink implements ByteSink {
  constructor(private readonly ws: WriteStream) {}
  write(b: Uint8Array): void { this.ws.write(b); }
  close(): void { this.ws.end(); }
}

export function openFeed(spec: FeedSpec): Feed {
  if (spec.kind === 'files') return { label: spec.paths.join(' + '), live: false, paths: spec.paths, close() {}, note: null };
  if (spec.kind === 'stdin') return { label: 'standard input', live: true, paths: ['-'], close() {}, note: null };
  if (spec.kind === 'iface') return ifaceFeed(spec.iface, spec.filter);
  return hepFeed(spec.host, spec.port);
}

function ifaceFeed(iface: string, filter: string | undefined): Feed {
  const dumpcap = which('dumpcap');
  const tcpdump = dumpcap ? null : which('tcpdump');
  if (!dumpcap && !tcpdump) {
    throw new FeedError(`-i ${iface}: neither dumpcap nor tcpdump is installed (Debian/Ubuntu: apt-get install tshark, or apt-get install tcpdump); or pipe a capture in: tcpdump -i ${iface} -U -w - | sipflow browse -`);
  }
  const f = fifo();
  const args = dumpcap
    ? ['-q', '-i', iface, '-w', f.path, ...(filter ? ['-f', filter] : [])]
    : ['-i', iface, '-U', '-s', '0', '-w', f.path, ...(filter ? [filter] : [])];
  const child: ChildProcess = spawn(dumpcap ?? tcpdump!, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const feed: Feed = {
    label: `${dumpcap ? 'dumpcap' : 'tcpdump'} -i ${iface}`, live: true, paths: [f.path], note: null,
    close() {
      if (child.exitCode === null) child.kill('SIGTERM');
      release();
      rmSync(f.dir, { recursive: true, force: true });
    },
  };
  let held = true;
  const release = () => { if (held) { held = false; try { closeSync(f.fd); } catch { /* closed */ } } };
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    err = (err + d).slice(-2000);
    // dumpcap names its output file (our FIFO) on stderr: not worth a status line.
    const last = err.trim().split('\n').filter((l) => !/^File: /.test(l)).pop();
    if (last) feed.note = last;
  });
  child.on('error', (e) => { feed.note = `${dumpcap ? 'dumpcap' : 'tcpdump'}: ${e.message}`; });
  child.on('exit', (code) => {
    if (code) feed.note = `${dumpcap ? 'dumpcap' : 'tcpdump'} exited with ${code}: ${err.trim().split('\n').pop() ?? ''}`;
    // Our descriptor kept the stream open while the tool started; now the stream ends with it.
    release();
  });
  return feed;
}

function hepFeed(host: string, port: number): Feed {
  const f = fifo();
  // Writing through our own read-write descriptor: no open to wait for.
  const ws = createWriteStream('', { fd: f.fd });
  ws.on('error', () => { /* the reader went away (quit) */ });
  const writer = new PcapngWriter(new StreamSink(ws), { application: 'sipflow browse --hep-listen', interfaces: [{ linkType: LINKTYPE.RAW, tsUnitsPerSecond: 1e9, name: `hep ${host}:${port}` }] });
  const sock: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  const feed: Feed = {
    label: `HEP udp:${host}:${port}`, live: true, paths: [f.path], note: null,
    close() {
      try { sock.close(); } catch { /* closed */ }
      try { writer.close(); } catch { /* closed */ }
      try { closeSync(f.fd); } catch { /* closed */ }
      rmSync(f.dir, { recursive: true, force: true });
    },
  };
  sock.on('message', (msg, rinfo) => {
    // The agent's datagram as the capture reader would see it on the collector: IP/UDP to 9060, stamped now.
    const now = Date.now();
    const src = rinfo.address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1');
    const frame = udpFrame({ src, dst: src.includes(':') ? '::1' : '127.0.0.1', sport: rinfo.port, dport: 9060, payload: msg, link: 'raw' });
    writer.writePacket(0, Math.floor(now / 1000), (now % 1000) * 1e6, frame);
  });
  sock.on('error', (e) => { feed.note = `HEP socket: ${e.message}`; });
  sock.on('listening', () => { const a = sock.address(); feed.note = `listening for HEP on udp:${a.address}:${a.port}`; });
  sock.bind(port, host);
  return feed;
}

export interface Analysis {
  /** The frame index (files only): what Save copies a call's frames with. */
  index: FrameIndexTap | null;
  done: Promise<void>;
}

/** Run the one analysis pass over the feed, filling the store as it goes. */
export function startAnalysis(feed: Feed, store: CallStore, opts: { heuristic?: boolean; lingerS?: number } = {}): Analysis {
  const index = feed.live ? null : createFrameIndexTap();
  const tap: Tap = {
    name: 'browse',
    onFrame: (f) => store.onFrame(f.capLen, f.tsSec, f.tsNsec),
    onSip: (_m, track) => store.onSip(track),
  };
  // Live calls show their RTP as it flows (their statistics come when they are over). Files need
  // not: the pass ends with every stream, and listening would make the media tap publish each packet.
  if (feed.live) tap.onRtp = (p) => store.onRtp(p.stream.callId, `${p.stream.src}>${p.stream.dst}#${p.stream.ssrc}`);
  const taps: Tap[] = index ? [index, tap] : [tap];
  const done = analyze(feed.paths, {
    keepRaw: true, media: { heuristic: !!opts.heuristic }, taps,
    // Live: a call that is over is handed over after the linger, counted in capture time or, while
    // the feed is quiet, in wall-clock time (else an idle tcpdump would keep it provisional for ever).
    ...(feed.live ? { onCallDone: (c, s) => store.retire(c, s), wallClock: true, lingerS: opts.lingerS } : {}),
  }).then((report) => store.finish(report), (e: unknown) => {
    store.error = (e as Error).message;
    store.done = true;
    store.touch();
  });
  return { index, done };
}
