/**
 * The vocabulary shared by every stage of sipflow (ARCHITECTURE.md):
 *
 *   capture/  bytes    -> Frame
 *   net/      Frame    -> Datagram
 *   sip/      Datagram -> SipMessage -> Call
 *   media/    SDP, Datagram -> RtpStream
 *   analyze   one pass producing a Report
 *   render/   Report -> text, JSON, SVG, HTML ...
 *
 * Types here carry no behaviour. Byte views (`Uint8Array`) handed to callbacks
 * are only valid for the duration of the callback unless documented otherwise:
 * the reader reuses its chunk buffers, so a stage that keeps bytes copies them.
 */

/** Capture file container formats sipflow reads. */
export type CaptureFormat = 'pcap' | 'pcapng';

/** One packet record of the capture file, numbered as Wireshark numbers frames. */
export interface Frame {
  /** 1-based, in file order (not time order), exactly as tshark's frame.number. */
  number: number;
  /** Absolute timestamp, whole seconds since the epoch (if_tsoffset applied). */
  tsSec: number;
  /** Nanoseconds within tsSec, 0..999 999 999. */
  tsNsec: number;
  /** LINKTYPE_* value of the interface that captured it. */
  linkType: number;
  /** pcapng interface index within its section (0 for classic pcap). */
  interfaceId: number;
  /** Captured length (data.length). */
  capLen: number;
  /** Length on the wire. */
  origLen: number;
  /** Captured bytes. A view valid only during the callback. */
  data: Uint8Array;
  /**
   * Where `data` lies when the reader knows it: `bytes[offset, offset + capLen)`.
   * The network decoder reads the frame there, so no view is made for it
   * (the reader's frames make `data` only when something reads it).
   */
  readonly bytes?: Uint8Array;
  readonly offset?: number;
}

/** A pcapng interface (or the single pseudo-interface of a classic pcap). */
export interface CaptureInterface {
  /** Index of the section (0-based) the interface belongs to. */
  section: number;
  /** Interface index inside its section. */
  id: number;
  linkType: number;
  linkTypeName: string;
  snapLen: number;
  /** Time units per second (1e6 for microseconds, 1e9 for nanoseconds...). */
  tsUnitsPerSecond: number;
  /** if_tsoffset, seconds added to every timestamp. */
  tsOffset: number;
  name: string | null;
  description: string | null;
  frames: number;
}

/** A problem found in the input: never fatal, always reported. */
export interface Warning {
  /** Frame number the warning is about, or null for file-level problems. */
  frame: number | null;
  /** Stable machine-readable code, e.g. "truncated", "bad-block-length", "frag-limit". */
  code: string;
  /** One human-readable sentence. */
  message: string;
}

/** What the capture layer learned about the file while reading it. */
export interface CaptureInfo {
  file: string;
  format: CaptureFormat;
  gzip: boolean;
  /** Number of frames read. */
  frames: number;
  bytes: number;
  interfaces: CaptureInterface[];
  /** Distinct link type names, in order of first appearance. */
  linkTypes: string[];
  /** Timestamp of the first frame in file order, or null when no frame was read. */
  firstTsSec: number | null;
  firstTsNsec: number | null;
  /** Earliest and latest frame timestamps (seconds, float), null when empty. */
  minTime: number | null;
  maxTime: number | null;
  /** The file ended inside a record or a block was impossible to read. */
  truncated: boolean;
  sections: number;
}

/**
 * Transport a SIP message (or a datagram) came over: UDP, TCP, SCTP (a DATA
 * chunk's user message), or WS (a WebSocket message on an upgraded TCP
 * connection, RFC 7118).
 */
export type Transport = 'UDP' | 'TCP' | 'SCTP' | 'WS';

/** TCP segment fields handed up for stream reassembly. */
export interface TcpSegmentInfo {
  seq: number;
  ack: number;
  /** Raw flag bits (FIN=1, SYN=2, RST=4, PSH=8, ACK=16). */
  flags: number;
}

/**
 * Where and when a packet was seen: the one metadata shape of the pipeline
 * (datagrams, reassembled TCP messages, what taps receive). Addresses are the
 * decoder's text (IPv4 dotted, IPv6 compressed per RFC 5952), ports numbers;
 * net/addr.ts `endpoint(src, srcPort)` makes the "ip:port" the report prints.
 */
export interface PacketMeta {
  /** Frame that carried or completed the packet (the last IP fragment, the last TCP segment). */
  frame: number;
  /** Absolute timestamp: whole seconds since the epoch, and nanoseconds. */
  tsSec: number;
  tsNsec: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  transport: Transport;
  /**
   * The addresses as numbers (net/addr.ts: an IPv4 address's 32-bit value,
   * an IPv6 address's hash, which needs the text compared as well), for
   * lookups that hash no text. Set by the decoder; absent elsewhere.
   */
  srcKey?: number;
  dstKey?: number;
  /**
   * Every frame that carried a part of it, ascending, when that is more than
   * `frame` alone: the IP fragments of a reassembled datagram, the TCP
   * segments of a reassembled SIP message (what `sipflow extract` copies).
   */
  carriers?: readonly number[];
}

/**
 * A transport-layer payload with the addresses that carried it. The decoder
 * reuses one record for plain UDP datagrams: read it during the callback.
 */
export interface Datagram extends PacketMeta {
  /** 4 or 6: the innermost IP header's version. */
  ipVersion: 4 | 6;
  /** Transport payload. A view valid only during the callback. */
  payload: Uint8Array;
  /**
   * Where the payload lies: `bytes[start, end)`, the same bytes as `payload`.
   * Hot consumers read it there; on the decoder's reused UDP record `payload`
   * (a view) is then made only when read.
   */
  bytes: Uint8Array;
  start: number;
  end: number;
  /** Total length of the innermost IP packet (header + payload), for bitrates. */
  ipLength: number;
  /** True when the IP datagram was reassembled from fragments. */
  reassembled: boolean;
  /** Present for TCP. */
  tcp: TcpSegmentInfo | null;
}

/** Counters kept by the network layer, shown by `sipflow capinfo`. */
export interface NetStats {
  ipv4: number;
  ipv6: number;
  udp: number;
  tcp: number;
  tunnels: number;
  fragments: number;
  reassembled: number;
  /** Frames whose link type sipflow does not decode, by link type name. */
  unsupportedLinkTypes: Record<string, number>;
  /** Frames that were not IP or could not be decoded. */
  notIp: number;
  malformed: number;
  /** Tunnel and encapsulation layers decoded, by name ("PPPoE", "GRE", "ERSPAN II", "GTP-U", "HEP"...): one count per layer. */
  encapsulations: Record<string, number>;
  /**
   * What was seen and not decoded, by what it is ("GRE payload 0x880b",
   * "EtherType 0x88cc", "IP protocol 50 (ESP)", "nesting limit"...): frames.
   */
  undecoded: Record<string, number>;
  /** TLS records on TCP (SIP over TLS, WSS...), which sipflow does not decrypt: frames by server port. */
  tls: Record<string, number>;
  /** SCTP DATA chunks seen, and user messages reassembled from fragments. */
  sctpChunks: number;
  sctpReassembled: number;
}

/** "ip:port" with IPv6 bracketed, as the JSON report writes endpoints. */
export type Endpoint = string;

/** One header as it appeared (name normalised to its long, canonical form). */
export interface SipHeader {
  /** Canonical name, e.g. "Call-ID" for "i" or "call-id". */
  name: string;
  value: string;
}

/** A parsed URI in a name-addr or addr-spec. */
export interface SipUri {
  scheme: string;
  user: string | null;
  host: string;
  port: number | null;
  /** scheme:user@host[:port] without parameters or headers. */
  plain: string;
  params: Record<string, string | null>;
}

/** From/To/Contact style header value. */
export interface NameAddr {
  display: string | null;
  uri: SipUri | null;
  /** The raw URI text when it could not be parsed. */
  uriText: string;
  params: Record<string, string | null>;
}

/** A SIP request or response parsed from a datagram or a TCP stream. */
export interface SipMessage {
  /** Frame that carried (or completed) the message. */
  frame: number;
  time: number;
  tsSec: number;
  tsNsec: number;
  src: Endpoint;
  dst: Endpoint;
  srcIp: string;
  dstIp: string;
  transport: Transport;
  isRequest: boolean;
  method: string | null;
  requestUri: string | null;
  status: number | null;
  reason: string | null;
  headers: SipHeader[];
  callId: string;
  cseqNum: number;
  cseqMethod: string;
  from: NameAddr | null;
  to: NameAddr | null;
  fromTag: string | null;
  toTag: string | null;
  /** Branch of the top Via, or null. */
  branch: string | null;
  contentType: string | null;
  /** Body bytes as text (latin1-safe decoding of what was carried). */
  body: string;
  /** The complete message text (start line, headers, body), for display. */
  raw: string;
  /** The frames that carried its parts when more than `frame` (IP fragments, TCP segments), ascending. */
  carriers?: readonly number[];
}

/** Media announced by SDP for a call. */
export interface MediaDescription {
  type: string;
  codecs: string[];
  ptimeMs: number | null;
  direction: string;
}

/** One message of a call, as the JSON report lists it. */
export interface CallMessage {
  frame: number;
  time: number;
  src: Endpoint;
  dst: Endpoint;
  transport: Transport;
  method: string | null;
  status: number | null;
  reason: string | null;
  cseq: string;
  label: string;
  sdp: boolean;
  retransmission: boolean;
  /** One-line SDP summary ("audio PCMU/8000 10.0.0.1:4000 sendrecv"), set by the media stage. */
  sdpSummary?: string | null;
  /** The full message text; only kept when the analysis asks for it (HTML report). */
  raw?: string;
}

/**
 * What happened in a call, as data: a stable `kind` (schema/report.schema.json
 * lists them) with its fields. `text` is the same said in words, made from the
 * data by one phrase table (src/events.ts eventText).
 */
export type CallEventData =
  | { kind: 'incoming'; from: string; to: string }
  | { kind: 'ringing' }
  | { kind: 'progress' }
  | { kind: 'answered'; by: string }
  | { kind: 'declined'; code: number }
  | { kind: 'busy'; code: number }
  | { kind: 'cancelled' }
  | { kind: 'diverted'; code: number; target: string | null }
  | { kind: 'challenged'; code: number }
  | { kind: 'rejected'; code: number; reason: string | null }
  | { kind: 'video-on' }
  | { kind: 'video-off' }
  | { kind: 'video-declined' }
  | { kind: 'hold'; by: string }
  | { kind: 'resume'; by: string }
  | { kind: 'transfer'; target: string }
  | { kind: 'conference' }
  | { kind: 'dtmf'; digit: string; via: 'RTP' | 'INFO' }
  | { kind: 'ended'; by: string }
  | { kind: 'registered'; aor: string; expires: number | null }
  | { kind: 'unregistered'; aor: string }
  | { kind: 'registration-failed'; aor: string; code: number };

export type CallEventKind = CallEventData['kind'];

/** One event of a call's timeline: where it was seen, what it is, and its phrase. */
export type CallEvent = { frame: number; time: number; text: string } & CallEventData;

export type CallKind = 'call' | 'registration' | 'subscription' | 'publish' | 'message' | 'options' | 'other';

/** Wireshark VoIP Calls states (ui/voip_calls.c voip_call_state_name). */
export type CallState = 'CALL SETUP' | 'RINGING' | 'IN CALL' | 'CANCELLED' | 'COMPLETED' | 'REJECTED' | 'UNKNOWN';

/**
 * Media of a call that is not RTP: packets to an endpoint whose SDP section
 * names another transport (T.38 fax over UDPTL after a re-INVITE, "m=image
 * ... udptl t38"), one direction (src -> dst) each. They end the RTP stream
 * on those ports instead of being read as RTP.
 */
export interface OtherMedia {
  src: Endpoint;
  dst: Endpoint;
  /** The m= line's media type ("image") and transport ("udptl"), and its formats ("t38"). */
  mediaType: string;
  protocol: string;
  format: string;
  packets: number;
  firstFrame: number;
  lastFrame: number;
  /** Seconds from the first frame of the capture. */
  start: number;
  stop: number;
}

export interface Call {
  index: number;
  callId: string;
  kind: CallKind;
  partial: boolean;
  from: string;
  to: string;
  fromDisplay: string | null;
  toDisplay: string | null;
  initialSpeaker: string;
  state: CallState;
  outcome: string | null;
  comment: string;
  sipPackets: number;
  firstFrame: number;
  lastFrame: number;
  start: number;
  stop: number;
  setupMs: number | null;
  durationS: number | null;
  participants: Endpoint[];
  messages: CallMessage[];
  media: MediaDescription[];
  streams: number[];
  events: CallEvent[];
  /** Non-RTP media of the call (T.38...), present when there is some. */
  otherMedia?: OtherMedia[];
}

export interface RtpStream {
  index: number;
  callId: string | null;
  heuristic: boolean;
  src: Endpoint;
  dst: Endpoint;
  ssrc: string;
  payloadType: number;
  codec: string;
  clockRate: number;
  packets: number;
  lost: number;
  lossPct: number;
  seqErrors: number;
  minDeltaMs: number;
  meanDeltaMs: number;
  maxDeltaMs: number;
  meanJitterMs: number;
  maxJitterMs: number;
  ptimeMs: number;
  pps: number;
  kbps: number;
  start: number;
  stop: number;
  firstFrame: number;
  lastFrame: number;
  /** "audio", "video"... from the SDP that announced the stream. */
  mediaType?: string;
  /** Packets expected from the extended sequence numbers. */
  expected?: number;
  markers?: number;
  payloadTypeChanges?: number;
  payloadTypes?: number[];
  /** RFC 4733 telephone-events, one per digit. */
  dtmf?: { digit: string; frame: number; time: number; durationMs: number | null }[];
  /** True when this SSRC replaced an earlier one on the same path (src -> dst) within its call. */
  ssrcChange?: boolean;
  /**
   * RTCP about this stream: sender reports its source sent, report blocks
   * (in SR or RR) its receiver sent about it, and what the latest block said
   * (fraction lost in %, cumulative lost, interarrival jitter in ms).
   */
  rtcp?: { senderReports: number; receiverReports: number; fractionLost: number; cumulativeLost: number; jitterMs: number } | null;
  /**
   * ITU-T G.107 E-model score of an audio stream (media/quality.ts): MOS
   * (1..4.5) and R over the whole stream, and the MOS of its worst 5-second
   * window. null when the stream is not audio or its codec has no E-model figures.
   */
  mos?: number | null;
  rFactor?: number | null;
  mosWorst5s?: number | null;
  /** What the score was computed from; null when there is no score. */
  quality?: StreamQuality | null;
}

/** The inputs and details of a stream's E-model score (schema/report.schema.json streamQuality). */
export interface StreamQuality {
  model: 'G.107';
  /** The codec family whose figures were used ("G.711 with PLC"...). */
  codec: string;
  ie: number;
  bpl: number;
  /** "G.113": Ie and Bpl from G.113 Appendix I; "assumed": sipflow's stated choice for a codec G.113 does not list. */
  source: 'G.113' | 'assumed';
  /** Packet loss the model was given, %: lost packets plus jitter-buffer discards, over packets expected. */
  lossPct: number;
  burstR: number;
  /** Packets that arrived too late for the fixed jitter buffer (0 without one). */
  discarded: number;
  /** The fixed jitter buffer scored with, ms; null: none configured (DEFAULT_JITTER_BUFFER_MS of delay assumed). */
  jitterBufferMs: number | null;
  /** One-way mouth-to-ear delay used for T and Ta (Tr = 2T), ms. */
  delayMs: number;
  /** "rtcp": network delay from the RTCP round trip; "default": DEFAULT_NETWORK_DELAY_MS assumed. */
  delaySource: 'rtcp' | 'default';
  rttMs: number | null;
  windowS: number;
  /** The window with the lowest R: times relative to the capture's first frame. */
  worstWindow: { start: number; stop: number; lossPct: number; rFactor: number; mos: number } | null;
}

/** The `capture` object of the JSON report. */
export interface ReportCapture {
  format: CaptureFormat;
  frames: number;
  linkTypes: string[];
  firstTime: string | null;
  durationS: number;
  truncated: boolean;
}

/** The JSON report (schema/report.schema.json; field names are a stable contract). */
export interface Report {
  tool: 'sipflow';
  version: string;
  /** The capture file; for several merged (--merge), their names joined with " + " (the first and a count past four). */
  file: string;
  /** Every file of a merged capture, in the order given (absent for one file). */
  files?: string[];
  capture: ReportCapture;
  calls: Call[];
  rtpStreams: RtpStream[];
  warnings: Warning[];
}
