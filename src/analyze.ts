/**
 * The pipeline: one pass over a capture, Frame -> Datagram -> SipMessage ->
 * Call, feeding every tap (tap.ts) on the way, producing the Report
 * (model.ts; its JSON form is schema/report.schema.json). No printing here.
 *
 * Built-in taps are composed here: the media tap (SDP -> RTP/RTCP streams,
 * DTMF, call events) runs unless `media: false`, before the caller's taps,
 * so their `finish` sees the streams in the report.
 */
import type { Call, Frame, PacketMeta, Report, RtpStream, Warning } from './model.js';
import type { RtpPacket, Tap, TapContext, TransportPacket } from './tap.js';
import { mergedName, readCaptures } from './capture/merge.js';
import { NetDecoder, type NetDecoderOptions } from './net/decoder.js';
import { PayloadView } from './net/payload-view.js';
import { looksLikeSip } from './sip/detect.js';
import { messageMeta, parseSip, toSipMessage } from './sip/parser.js';
import { TcpSipReassembler } from './sip/tcp-stream.js';
import { CallTracker } from './sip/calls.js';
import { createMediaTap, type MediaOptions } from './media/stage.js';
import { createQualityTap } from './media/quality.js';
import { isoTimeOrNull } from './time.js';
import { VERSION } from './version.js';

export interface AnalyzeOptions extends NetDecoderOptions {
  onProgress?(done: number, total: number | null): void;
  /**
   * The media tap: SDP-announced RTP/RTCP streams with Wireshark's statistics,
   * DTMF, call events and media warnings. On by default; `false` leaves it out
   * (SIP only, faster); `{ heuristic: true }` also finds RTP no SDP announced.
   */
  media?: boolean | Partial<MediaOptions>;
  /** The caller's own taps, called after the built-in ones. */
  taps?: Tap[];
  /** Most warnings kept in the report (the count of the rest is reported). */
  maxWarnings?: number;
  /** Keep each message's full text in CallMessage.raw (the HTML report shows it). */
  keepRaw?: boolean;
  /** Score audio (MOS) as heard through a fixed jitter buffer of this many ms: late packets count as lost. */
  jitterBufferMs?: number;
  /**
   * Streaming: each call is handed over once it is over (its dialog ended and
   * nothing of it seen for `lingerS` of capture time, or nothing at all for
   * `idleS`), with its streams, and leaves memory; the Report then holds only
   * the calls still open at the end. Memory follows the calls active at once.
   */
  onCallDone?(call: Call, streams: RtpStream[]): void;
  /** Seconds an ended call stays in memory for late messages (default 32: 64×T1, RFC 3261 Timer H/J). */
  lingerS?: number;
  /** Seconds without any SIP or media after which an open call is handed over anyway (default 3600). */
  idleS?: number;
  /**
   * Streaming from a live source: while no frame arrives, capture time is
   * taken to go on with the wall clock from the last frame, so calls that are
   * over are still handed over when the feed goes quiet (an idle tcpdump, the
   * end of a replay). Capture time alone only moves with the next packet.
   */
  wallClock?: boolean;
  /** Between reads of the capture: a promise holds the next read (see capture ReadOptions.betweenReads). */
  betweenReads?(): Promise<void> | undefined;
}

/** The record analyze() hands every UDP/TCP datagram to taps in: every field declared here, one hidden class for every analysis. */
class TapPacket extends PayloadView implements TransportPacket {
  frame = 0; tsSec = 0; tsNsec = 0; src = ''; dst = ''; srcKey: number | undefined = 0; dstKey: number | undefined = 0; srcPort = 0; dstPort = 0;
  transport: TransportPacket['transport'] = 'UDP'; time = 0; ipLength = 0; tcp: TransportPacket['tcp'] = null; carriers: TransportPacket['carriers'] = undefined;
}
/** Most malformed SIP messages listed one by one; the rest are counted in one warning. */
const MALFORMED_LISTED = 50;
/** The SIP ports whose non-SIP datagrams are reported (something else speaks there, or junk). */
const SIP_PORT = 5060;
/** TLS on this port is SIP over TLS (RFC 3261 §26.2.2): always reported as not decrypted. */
const SIPS_PORT = 5061;

/** Only spaces, tabs, NULs or line breaks: what some phones send as NAT keep-alives. */
function padding(p: Uint8Array): boolean {
  for (let i = 0; i < p.length; i++) { const c = p[i]; if (c !== 32 && c !== 9 && c !== 0 && c !== 13 && c !== 10) return false; }
  return true;
}

/** A keep-alive on a SIP port: empty, only CR/LF (RFC 5626 §4.4.1), or a STUN binding (RFC 5626 §4.4.2). */
function keepAlive(p: Uint8Array): boolean {
  if (p.length >= 20 && p[0]! < 2 && p[4] === 0x21 && p[5] === 0x12 && p[6] === 0xa4 && p[7] === 0x42) return true;
  for (let i = 0; i < p.length; i++) if (p[i] !== 13 && p[i] !== 10) return false;
  return true;
}

/**
 * Analyze one capture file ("-" is standard input), or several read as one
 * capture in timestamp order (capture/merge.ts: mergecap's rules and frame
 * numbers). Throws InputError / NotACaptureError for unusable input.
 */
export async function analyze(path: string | readonly string[], opts: AnalyzeOptions = {}): Promise<Report> {
  const paths = typeof path === 'string' ? [path] : path;
  const maxWarnings = opts.maxWarnings ?? 1000;
  const warnings: Warning[] = [];
  let suppressed = 0;
  const warn = (w: Warning) => { if (warnings.length < maxWarnings) warnings.push(w); else suppressed++; };

  const taps: Tap[] = [];
  if (opts.media !== false) {
    taps.push(createMediaTap(typeof opts.media === 'object' ? opts.media : {}));
    // The E-model score of each audio stream (mos, rFactor, mosWorst5s), once the streams exist.
    taps.push(createQualityTap({ jitterBufferMs: opts.jitterBufferMs }));
  }
  taps.push(...(opts.taps ?? []));
  const frameTaps = taps.filter((t) => t.onFrame);
  const sipTaps = taps.filter((t) => t.onSip);
  const udpTaps = taps.filter((t) => t.onUdp);
  const tcpTaps = taps.filter((t) => t.onTcp);
  const rtpTaps = taps.filter((t) => t.onRtp);
  const ctx: TapContext = {
    warn,
    emitRtp: (p: RtpPacket) => { for (const t of rtpTaps) t.onRtp!(p); },
    rtpListened: rtpTaps.length > 0,
  };
  for (const t of taps) t.start?.(ctx);

  const tracker = new CallTracker(warn, { keepRaw: !!opts.keepRaw });
  let firstSec = 0;
  let firstNsec = 0;
  let haveFirst = false;
  const rel = (sec: number, nsec: number) => (sec - firstSec) + (nsec - firstNsec) / 1e9;
  let malformedSip = 0;
  let suspiciousSip = 0;

  let sipMessages = 0;
  /** Datagrams on the SIP port that were not SIP: count, first frame and size. */
  let notSip = 0;
  let notSipFrame = 0;
  let notSipBytes = 0;
  let notSipPadding = true;
  /** TCP segments with data on the SIP port (said when no SIP at all was found). */
  let tcpOnSipPort = 0;

  /** One SIP message; `stream`: from a TCP byte stream (no Content-Length = no body, RFC 3261 §18.3). */
  const onSipBytes = (bytes: Uint8Array, d: PacketMeta, stream: boolean) => {
    sipMessages++;
    const parsed = parseSip(bytes, 0, bytes.length, stream);
    if ('error' in parsed) {
      malformedSip++;
      if (malformedSip <= MALFORMED_LISTED) warn({ frame: d.frame, code: 'sip-malformed', message: `malformed SIP message: ${parsed.error}` });
      return;
    }
    if (!parsed.callId) {
      warn({ frame: d.frame, code: 'sip-no-call-id', message: `SIP ${parsed.isRequest ? parsed.method : parsed.status} without Call-ID ignored` });
      return;
    }
    // What the parser tolerated (RFC 4475's invalid messages that parse): the message is kept, and said.
    const found = parsed.problems;
    if (found.length && ++suspiciousSip <= MALFORMED_LISTED) {
      warn({ frame: d.frame, code: 'sip-suspicious', message: `SIP ${parsed.isRequest ? parsed.method : parsed.status} read despite: ${found.join('; ')}` });
    }
    const msg = toSipMessage(parsed, messageMeta(d, round9(rel(d.tsSec, d.tsNsec))));
    if (d.carriers) msg.carriers = d.carriers;
    const track = tracker.add(msg);
    if (track === null) return; // over the call limit (warned)
    for (const t of sipTaps) t.onSip!(msg, track);
  };

  const tcp = new TcpSipReassembler({
    onMessage: (bytes, meta, transport = 'TCP') => onSipBytes(bytes, { ...meta, transport }, transport === 'TCP'),
    onWarning: warn,
  });

  // One record reused for every datagram handed to taps: no object per packet. Its payload is
  // given in place (bytes, start, end); the `payload` view is made only when a tap reads it.
  const pkt = new TapPacket();
  const net = new NetDecoder((d) => {
    // Whole messages: UDP datagrams, SCTP user messages, what HEP carried. TCP goes through stream reassembly.
    const message = d.tcp === null;
    const sip = message && looksLikeSip(d.bytes, d.start, d.end);
    if (sip) onSipBytes(d.payload, d, false);
    // A start line that is SIP by its version but not by the strict check (RFC 4475's "<sip:...>" or
    // spaced Request-URI, a 10-digit status code): parsed, so that it is warned about with its frame.
    else if (message && (d.dstPort === SIP_PORT || d.srcPort === SIP_PORT) && brokenSipStart(d.payload)) onSipBytes(d.payload, d, false);
    else if (message && (d.dstPort === SIP_PORT || d.srcPort === SIP_PORT) && !keepAlive(d.payload)) {
      if (notSip++ === 0) { notSipFrame = d.frame; notSipBytes = d.payload.length; }
      if (notSipPadding && !padding(d.payload)) notSipPadding = false;
    }
    const listeners = d.transport === 'UDP' ? (sip ? null : udpTaps) : d.tcp ? tcpTaps : null;
    if (listeners?.length) {
      pkt.frame = d.frame; pkt.tsSec = d.tsSec; pkt.tsNsec = d.tsNsec; pkt.src = d.src; pkt.dst = d.dst; pkt.srcKey = d.srcKey; pkt.dstKey = d.dstKey;
      pkt.srcPort = d.srcPort; pkt.dstPort = d.dstPort; pkt.transport = d.transport; pkt.time = rel(d.tsSec, d.tsNsec);
      pkt.place(d.bytes, d.start, d.end);
      pkt.ipLength = d.ipLength; pkt.tcp = d.tcp; pkt.carriers = d.carriers;
      if (d.transport === 'UDP') for (const t of listeners) t.onUdp!(pkt);
      else for (const t of listeners) t.onTcp!(pkt);
    }
    if (d.tcp) {
      if (d.payload.length && (d.dstPort === SIP_PORT || d.srcPort === SIP_PORT)) tcpOnSipPort++;
      tcp.push(d);
    }
  }, warn, opts);

  // Streaming: every second of capture time, the calls that are over leave memory.
  const onCallDone = opts.onCallDone;
  const lingerS = opts.lingerS ?? 32;
  const idleS = opts.idleS ?? 3600;
  const retirers = taps.filter((t) => t.retire);
  const quiet = taps.filter((t) => t.quietSince);
  const quietSince = (callId: string) => { let q = -Infinity; for (const t of quiet) q = Math.max(q, t.quietSince!(callId)); return q; };
  let now = -Infinity;
  let nextCheck = -Infinity;
  const retireDue = () => {
    for (const track of tracker.due(now, lingerS, idleS, quietSince)) {
      const call = tracker.retire(track);
      const out = { streams: [] as RtpStream[] };
      for (const t of retirers) t.retire!(call, out);
      onCallDone!(call, out.streams);
    }
  };

  // The wall clock of a quiet live feed: checked once a second between reads (the pass is single-threaded,
  // so a check never lands inside a frame), it moves `now` on from the last frame's time by the time since.
  let lastFrameAt = 0;
  let lastFrameT = -Infinity;
  const clock = onCallDone && opts.wallClock ? setInterval(() => {
    const quietS = (Date.now() - lastFrameAt) / 1000;
    if (lastFrameT === -Infinity || quietS < 1 || lastFrameT + quietS <= now) return;
    now = lastFrameT + quietS;
    retireDue();
  }, 1000) : null;
  clock?.unref();

  const info = await readCaptures(paths, {
    onFrame(f: Frame) {
      if (!haveFirst) { firstSec = f.tsSec; firstNsec = f.tsNsec; haveFirst = true; }
      const t = rel(f.tsSec, f.tsNsec);
      if (clock) { lastFrameAt = Date.now(); if (t > lastFrameT) lastFrameT = t; }
      if (frameTaps.length) for (const tap of frameTaps) tap.onFrame!(f, t);
      if (onCallDone && t > now) {
        now = t;
        if (now >= nextCheck) { nextCheck = now + 1; retireDue(); }
      }
      net.decode(f);
    },
    onWarning: warn,
    onProgress: opts.onProgress,
    betweenReads: opts.betweenReads,
  }).finally(() => { if (clock) clearInterval(clock); });
  net.finish();
  tcp.finish();

  const calls: Call[] = tracker.finish();
  const report: Report = {
    tool: 'sipflow',
    version: VERSION,
    file: mergedName(paths),
    ...(paths.length > 1 ? { files: [...paths] } : {}),
    capture: {
      format: info.format,
      frames: info.frames,
      linkTypes: info.linkTypes,
      firstTime: info.firstTsSec === null ? null : isoTimeOrNull(info.firstTsSec, info.firstTsNsec!),
      durationS: info.minTime === null ? 0 : round6(info.maxTime! - info.minTime),
      truncated: info.truncated,
    },
    calls,
    rtpStreams: [],
    warnings,
  };
  for (const [name, n] of Object.entries(net.stats.unsupportedLinkTypes)) {
    warn({ frame: null, code: 'unsupported-link-type', message: `${n} frames of link type ${name} were not decoded` });
  }
  // What was seen and not read: TLS (SIP over TLS, WSS) and other protocols on the SIP port.
  for (const [port, n] of Object.entries(net.stats.tls)) {
    if (Number(port) === SIPS_PORT || sipMessages === 0) {
      warn({ frame: null, code: 'tls-not-decrypted', message: `TLS on port ${port}: ${n} frame${n === 1 ? '' : 's'}, not decrypted${Number(port) === SIPS_PORT ? ' (SIP over TLS)' : ''}` });
    }
  }
  if (tcpOnSipPort && sipMessages === 0) {
    warn({ frame: null, code: 'not-sip', message: `${tcpOnSipPort} TCP segment${tcpOnSipPort === 1 ? '' : 's'} with data on port ${SIP_PORT}, and no SIP message in them; not decoded` });
  }
  if (notSip) {
    const what = notSipPadding ? ', only spaces or NUL bytes: keep-alives' : '';
    warn({ frame: notSipFrame, code: 'not-sip', message: notSip === 1
      ? `1 datagram on port ${SIP_PORT} is not SIP (${notSipBytes} bytes in frame ${notSipFrame}${what}); not decoded`
      : `${notSip} datagrams on port ${SIP_PORT} are not SIP (the first, frame ${notSipFrame}, has ${notSipBytes} bytes${what}); not decoded` });
  }
  if (suspiciousSip > MALFORMED_LISTED) warn({ frame: null, code: 'sip-suspicious', message: `${suspiciousSip} SIP messages read despite grammar problems in all (the first ${MALFORMED_LISTED} are listed)` });
  if (malformedSip > MALFORMED_LISTED) warn({ frame: null, code: 'sip-malformed', message: `${malformedSip} malformed SIP messages in all (the first ${MALFORMED_LISTED} are listed)` });
  for (const t of taps) t.finish?.(report);
  if (suppressed) warnings.push({ frame: null, code: 'warning-limit', message: `${suppressed} further warnings not listed` });
  return report;
}

/** Whether a payload's first line names a SIP version ("SIP/2.0 ..." or "... SIP/2.0") within its first 1 KiB. */
function brokenSipStart(b: Uint8Array): boolean {
  const n = Math.min(b.length, 1024);
  let end = 0;
  while (end < n && b[end] !== 13 && b[end] !== 10) end++;
  if (end === n && n < b.length) return false;
  const line = Buffer.from(b.buffer, b.byteOffset, end).toString('latin1');
  return /^SIP\/\d/.test(line) || / SIP\/\d+\.\d+\s*$/.test(line);
}

function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }
function round9(x: number): number { return Math.round(x * 1e9) / 1e9; }
