/**
 * The pipeline: one pass over a capture, Frame -> Datagram -> SipMessage ->
 * Call (+ media), producing the Report of DESIGN.md. No printing here.
 */
import type { Call, Datagram, Report, SipMessage, Warning } from './model.js';
import { readCapture } from './capture/index.js';
import { NetDecoder, type NetDecoderOptions } from './net/decoder.js';
import { endpoint } from './net/addr.js';
import { looksLikeSip } from './sip/detect.js';
import { parseSip, toSipMessage } from './sip/parser.js';
import { TcpSipReassembler } from './sip/tcp-stream.js';
import { CallTracker, type CallTrack } from './sip/calls.js';
import { isoTime } from './capinfo.js';
import { VERSION } from './version.js';

/** A stage that looks at SIP and UDP traffic to find media (issue: media). */
export interface MediaStage {
  /** Every SIP message, after the call tracker saw it. */
  onSip(msg: SipMessage, track: CallTrack): void;
  /** Every UDP datagram that is not SIP. `time` is relative to the first frame. */
  onUdp(d: Datagram, time: number): void;
  /** Fill report.rtpStreams and the calls' media/streams/events; may add warnings. */
  finish(report: Report): void;
}

export interface AnalyzeOptions extends NetDecoderOptions {
  onProgress?(done: number, total: number | null): void;
  /** Factory for the media stage; omitted = no media analysis. */
  media?: (warn: (w: Warning) => void) => MediaStage;
  /** Most warnings kept in the report (the count of the rest is reported). */
  maxWarnings?: number;
  /** Keep each message's full text in CallMessage.raw (the HTML report shows it). */
  keepRaw?: boolean;
}

export async function analyze(path: string, opts: AnalyzeOptions = {}): Promise<Report> {
  const maxWarnings = opts.maxWarnings ?? 1000;
  const warnings: Warning[] = [];
  let suppressed = 0;
  const warn = (w: Warning) => { if (warnings.length < maxWarnings) warnings.push(w); else suppressed++; };

  const tracker = new CallTracker(warn, { keepRaw: !!opts.keepRaw });
  const media = opts.media?.(warn);
  let firstSec = 0;
  let firstNsec = 0;
  let haveFirst = false;
  const rel = (sec: number, nsec: number) => (sec - firstSec) + (nsec - firstNsec) / 1e9;
  let malformedSip = 0;

  const onSipBytes = (bytes: Uint8Array, d: { frame: number; tsSec: number; tsNsec: number; src: string; dst: string; srcPort: number; dstPort: number }, transport: 'UDP' | 'TCP') => {
    const parsed = parseSip(bytes, 0, bytes.length, transport === 'TCP');
    if ('error' in parsed) {
      malformedSip++;
      if (malformedSip <= 50) warn({ frame: d.frame, code: 'sip-malformed', message: `malformed SIP message: ${parsed.error}` });
      return;
    }
    if (!parsed.callId) {
      warn({ frame: d.frame, code: 'sip-no-call-id', message: `SIP ${parsed.isRequest ? parsed.method : parsed.status} without Call-ID ignored` });
      return;
    }
    const msg = toSipMessage(parsed, {
      frame: d.frame, time: round9(rel(d.tsSec, d.tsNsec)), tsSec: d.tsSec, tsNsec: d.tsNsec,
      src: endpoint(d.src, d.srcPort), dst: endpoint(d.dst, d.dstPort), srcIp: d.src, dstIp: d.dst, transport,
    });
    const track = tracker.add(msg);
    media?.onSip(msg, track);
  };

  const tcp = new TcpSipReassembler({
    onMessage: (bytes, meta) => onSipBytes(bytes, meta, 'TCP'),
    onWarning: warn,
  });

  const net = new NetDecoder((d) => {
    if (d.transport === 'UDP') {
      if (looksLikeSip(d.payload)) onSipBytes(d.payload, d, 'UDP');
      else media?.onUdp(d, rel(d.tsSec, d.tsNsec));
    } else {
      tcp.push(d);
    }
  }, warn, opts);

  const info = await readCapture(path, {
    onFrame(f) {
      if (!haveFirst) { firstSec = f.tsSec; firstNsec = f.tsNsec; haveFirst = true; }
      net.decode(f);
    },
    onWarning: warn,
    onProgress: opts.onProgress,
  });
  net.finish();
  tcp.finish();

  const calls: Call[] = tracker.finish();
  const report: Report = {
    tool: 'sipflow',
    version: VERSION,
    file: path,
    capture: {
      format: info.format,
      frames: info.frames,
      linkTypes: info.linkTypes,
      firstTime: info.firstTsSec === null ? null : isoTime(info.firstTsSec, info.firstTsNsec!),
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
  if (malformedSip > 50) warn({ frame: null, code: 'sip-malformed', message: `${malformedSip} malformed SIP messages in all (the first 50 are listed)` });
  media?.finish(report);
  if (suppressed) warnings.push({ frame: null, code: 'warning-limit', message: `${suppressed} further warnings not listed` });
  return report;
}

function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }
function round9(x: number): number { return Math.round(x * 1e9) / 1e9; }
