/**
 * SIP over WebSocket (RFC 7118) on a TCP connection: the HTTP Upgrade
 * handshake (RFC 6455 §4: "GET ... Upgrade: websocket" one way, "HTTP/1.1
 * 101" the other), then frames: FIN/opcode, payload length (7 bits, 16 or 64),
 * the client's masking key. Text (1) and binary (2) messages, fragmented over
 * continuation frames (0) with control frames (ping, pong, close) allowed in
 * between, each carry one SIP message.
 *
 * The TCP reassembler (tcp-stream.ts) orders the bytes of each direction and
 * hands them here once a direction has upgraded; this module only frames.
 * Bounded: the largest message (the reassembler's limit) and the handshake
 * size. TLS (WSS) is not decrypted: the network layer counts it.
 */
import { findHeaderEnd } from './parser.js';

/** Longest HTTP handshake (request or response head) looked for. */
export const MAX_HANDSHAKE = 16384;

/** Results of upgradeEnd besides an offset. */
export const NOT_UPGRADE = -1;
export const NEED_MORE = -2;

const LOWER_WEBSOCKET = Buffer.from('websocket');

/**
 * Does an HTTP WebSocket handshake start at b[pos, end)? The offset just
 * after its header block when it is complete, NEED_MORE when it could still
 * be one, NOT_UPGRADE otherwise.
 */
export function upgradeEnd(b: Uint8Array, pos: number, end: number): number {
  const n = end - pos;
  const get = startsWith(b, pos, end, 'GET ');
  const http = startsWith(b, pos, end, 'HTTP/1.');
  if (get === 0 && http === 0) return NOT_UPGRADE;
  if (get !== 1 && http !== 1) return NEED_MORE; // the bytes so far are a prefix of one of them
  if (http === 1) {
    // "HTTP/1.1 101": the server's side of the handshake.
    if (n < 12) return NEED_MORE;
    if (b[pos + 9] !== 0x31 || b[pos + 10] !== 0x30 || b[pos + 11] !== 0x31) return NOT_UPGRADE;
  }
  const lim = n > MAX_HANDSHAKE ? pos + MAX_HANDSHAKE : end;
  const he = findHeaderEnd(b, pos, lim);
  if (he === null) return lim === end ? NEED_MORE : NOT_UPGRADE;
  return containsLower(b, pos, he.headerEnd, LOWER_WEBSOCKET) ? he.bodyStart : NOT_UPGRADE;
}

/** Might this segment open a WebSocket handshake (a stream picked up without its SYN)? */
export function looksLikeUpgrade(p: Uint8Array): boolean {
  return (startsWith(p, 0, p.length, 'GET ') === 1 || startsWith(p, 0, p.length, 'HTTP/1.1 101') === 1)
    && containsLower(p, 0, Math.min(p.length, MAX_HANDSHAKE), LOWER_WEBSOCKET);
}

/** 1: b[pos..] starts with `w`; 0: it does not; -1: too short to tell (a prefix of it). */
function startsWith(b: Uint8Array, pos: number, end: number, w: string): number {
  for (let i = 0; i < w.length; i++) {
    if (pos + i >= end) return -1;
    if (b[pos + i] !== w.charCodeAt(i)) return 0;
  }
  return 1;
}

/** Case-insensitive search of the lower-case ASCII `w` in b[from, to). */
function containsLower(b: Uint8Array, from: number, to: number, w: Uint8Array): boolean {
  const c0 = w[0]!;
  for (let i = from; i + w.length <= to; i++) {
    if ((b[i]! | 0x20) !== c0) continue;
    let k = 1;
    while (k < w.length && (b[i + k]! | 0x20) === w[k]) k++;
    if (k === w.length) return true;
  }
  return false;
}

/** One frame's header, as `readFrame` found it. */
export interface WsFrameHeader {
  fin: boolean;
  opcode: number;
  /** Bytes of the header (2..14). */
  headerLength: number;
  payloadLength: number;
  /** The masking key's offset in the buffer, or -1 when unmasked. */
  maskAt: number;
}

/** Parse a frame header at b[pos, end) into `out`; false when more bytes are needed. Lengths past 2^53 are clamped. */
export function readFrame(b: Uint8Array, pos: number, end: number, out: WsFrameHeader): boolean {
  if (end - pos < 2) return false;
  const b0 = b[pos]!;
  const b1 = b[pos + 1]!;
  let len = b1 & 0x7f;
  let h = 2;
  if (len === 126) {
    if (end - pos < 4) return false;
    len = (b[pos + 2]! << 8) | b[pos + 3]!;
    h = 4;
  } else if (len === 127) {
    if (end - pos < 10) return false;
    const hi = ((b[pos + 2]! << 24) | (b[pos + 3]! << 16) | (b[pos + 4]! << 8) | b[pos + 5]!) >>> 0;
    const lo = ((b[pos + 6]! << 24) | (b[pos + 7]! << 16) | (b[pos + 8]! << 8) | b[pos + 9]!) >>> 0;
    len = hi >= 0x200000 ? Number.MAX_SAFE_INTEGER : hi * 0x100000000 + lo;
    h = 10;
  }
  const masked = (b1 & 0x80) !== 0;
  if (masked) {
    if (end - pos < h + 4) return false;
    out.maskAt = pos + h;
    h += 4;
  } else out.maskAt = -1;
  out.fin = (b0 & 0x80) !== 0;
  out.opcode = b0 & 0x0f;
  out.headerLength = h;
  out.payloadLength = len;
  return true;
}

/** The payload b[from, from+len) unmasked into a new buffer (masking keys rotate from the payload's first byte). */
export function unmask(b: Uint8Array, from: number, len: number, maskAt: number, into?: Uint8Array, at = 0): Uint8Array {
  const out = into ?? new Uint8Array(len);
  const k0 = b[maskAt]!, k1 = b[maskAt + 1]!, k2 = b[maskAt + 2]!, k3 = b[maskAt + 3]!;
  for (let i = 0; i < len; i++) {
    const k = (i & 3) === 0 ? k0 : (i & 3) === 1 ? k1 : (i & 3) === 2 ? k2 : k3;
    out[at + i] = b[from + i]! ^ k;
  }
  return out;
}

/** Opcodes (RFC 6455 §5.2). */
export const WS_CONTINUATION = 0;
export const WS_TEXT = 1;
export const WS_BINARY = 2;
export const WS_CLOSE = 8;

/**
 * The framing state of one direction of an upgraded connection: the data
 * frames of the message in progress, and the bytes of an oversized frame
 * still to skip.
 */
export class WsDirection {
  /** Unmasked payloads of the message's frames so far (a fragmented message). */
  parts: Uint8Array[] = [];
  partBytes = 0;
  /** Stream offset of the message's first frame (for its carriers). */
  messageStart = 0;
  /** Bytes of a frame too large to keep, still to pass over. */
  skip = 0;
  /** A close frame was seen: nothing more is framed. */
  closed = false;
  readonly header: WsFrameHeader = { fin: false, opcode: 0, headerLength: 0, payloadLength: 0, maskAt: -1 };

  /** Append one data frame's payload; the whole message when `fin`, else null. */
  add(b: Uint8Array, from: number, len: number, maskAt: number, fin: boolean): Uint8Array | null {
    if (fin && this.parts.length === 0) {
      return maskAt >= 0 ? unmask(b, from, len, maskAt) : b.subarray(from, from + len);
    }
    this.parts.push(maskAt >= 0 ? unmask(b, from, len, maskAt) : b.slice(from, from + len));
    this.partBytes += len;
    if (!fin) return null;
    const whole = new Uint8Array(this.partBytes);
    let q = 0;
    for (const p of this.parts) { whole.set(p, q); q += p.length; }
    this.parts = [];
    this.partBytes = 0;
    return whole;
  }

  /** Forget the message in progress (a limit was hit, or the stream resynchronised). */
  reset(): void {
    this.parts = [];
    this.partBytes = 0;
  }
}
