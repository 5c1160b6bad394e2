/**
 * Taps: the listeners one pass over a capture feeds (ARCHITECTURE.md, "Taps").
 *
 * Wireshark dissects a packet once and hands the result to every registered
 * tap (epan/tap.h); sipflow does the same. `analyze()` reads the capture,
 * decodes each frame down to UDP/TCP, parses SIP and tracks calls, and calls
 * every tap at the points below, in the order the taps were given. A tap
 * keeps what it needs and, in `finish`, adds to the Report or to results of
 * its own (the RTP plot series, an audio buffer, a frame index...).
 *
 * Byte views handed to a tap (`payload`) are valid only during the call:
 * the reader reuses its buffers, so a tap that keeps bytes copies them.
 */
import type { Call, Frame, PacketMeta, Report, RtpStream, SipMessage, TcpSegmentInfo, Warning } from './model.js';

export type { PacketMeta };
import type { CallTrack } from './sip/calls.js';

/** A UDP or TCP payload that was not SIP, with its metadata. */
export interface TransportPacket extends PacketMeta {
  /** Seconds relative to the first frame of the capture. */
  time: number;
  /** Transport payload: a view valid during the call. */
  payload: Uint8Array;
  /**
   * The same bytes in place, `bytes[start, end)`, when the pipeline gives them so
   * (analyze() always does): a tap that reads them there spares the view
   * `payload` would make. Absent on packets built elsewhere; read `payload` then.
   */
  bytes?: Uint8Array;
  start?: number;
  end?: number;
  /** Length of the innermost IP packet (header + payload), for bitrates. */
  ipLength: number;
  /** TCP sequence, acknowledgement and flags (null for UDP). */
  tcp: TcpSegmentInfo | null;
}

/**
 * A stream of RTP as the media tap tracks it. `index` is the stream's
 * RtpStream.index in the report: 0 until the media tap's finish has run
 * (streams are numbered by first frame once the pass is over).
 */
export interface RtpStreamRef {
  readonly src: string;
  readonly dst: string;
  readonly ssrc: number;
  readonly mediaType: string;
  /** The call it belongs to, null until known (heuristic streams are tied at the end). */
  readonly callId: string | null;
  readonly index: number;
  /**
   * The payload-type map (SDP rtpmap) the stream's latest packet was read
   * with: what a decoder needs to know of a dynamic payload type. Empty for
   * heuristic streams.
   */
  readonly rtpmap: ReadonlyMap<number, { readonly name: string; readonly rate: number; readonly channels: number | null }>;
}

/**
 * One RTP packet the media tap accepted for a stream, after the stream's
 * statistics took it. The object is reused for every packet: read it during
 * the call, copy what you keep.
 */
export interface RtpPacket {
  stream: RtpStreamRef;
  frame: number;
  /** Seconds relative to the first frame. */
  time: number;
  seq: number;
  /** The 32-bit RTP timestamp, and the same unwrapped (monotonic across wraps). */
  timestamp: number;
  extTimestamp: number;
  payloadType: number;
  marker: boolean;
  /** Analysis clock rate of the payload type (0: not timed, e.g. telephone-event). */
  clockRate: number;
  /** RTP payload after the fixed header, CSRCs and extension (a view valid during the call). */
  payload: Uint8Array;
  /** The stream's running figures after this packet: RFC 3550 jitter and inter-arrival delta (ms). */
  jitterMs: number;
  deltaMs: number;
  /** Packets of the stream so far, this one included. */
  packets: number;
}

/** What the pipeline gives each tap when the pass starts. */
export interface TapContext {
  /** Report a problem (kept in report.warnings, bounded). */
  warn(w: Warning): void;
  /** Hand an RTP packet to every tap with onRtp (the media tap publishes through it). */
  emitRtp(p: RtpPacket): void;
  /** True when some tap listens to RTP packets (so publishers can skip the work when none does). */
  readonly rtpListened: boolean;
}

export interface Tap {
  /** A short name for messages and debugging. */
  readonly name: string;
  /** Called once before the first frame. */
  start?(ctx: TapContext): void;
  /** Every frame, before it is decoded; `time` is relative to the first frame. */
  onFrame?(frame: Frame, time: number): void;
  /** Every SIP message, in frame order, after the call tracker took it (`track` is its call). */
  onSip?(msg: SipMessage, track: CallTrack): void;
  /** Every UDP datagram that is not SIP. */
  onUdp?(p: TransportPacket): void;
  /** Every TCP segment (SIP over TCP is reassembled by the pipeline and reaches onSip too). */
  onTcp?(p: TransportPacket): void;
  /** RTP packets the media tap tied to a stream. */
  onRtp?(p: RtpPacket): void;
  /** The pass is over; `report` holds the calls (and, after the media tap, the streams). */
  finish?(report: Report): void;
  /**
   * Streaming analysis (`analyze({ onCallDone })`, `--ndjson`): the call is
   * over and leaves memory. Add what you hold about it to `call` (and its
   * streams to `out.streams`), then release it. Taps without it keep nothing per call.
   */
  retire?(call: Call, out: { streams: RtpStream[] }): void;
  /** The last capture time this tap saw activity of the call (its RTP, say); a call leaves only when every tap is quiet. */
  quietSince?(callId: string): number;
}
