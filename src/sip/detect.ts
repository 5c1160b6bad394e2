/**
 * Content-based SIP detection (no port heuristics), for UDP payloads and for
 * finding message starts in a TCP byte stream.
 *
 * Everything here works on bytes and allocates nothing. Binary payloads (RTP,
 * RTCP, STUN, DTLS, TLS...) are rejected on their first byte: a SIP start line
 * begins with a token character, which none of those first bytes is
 * (RTP/RTCP 0x80-0xBF, STUN 0x00/0x01, DTLS/TLS 0x14-0x17).
 */

/** Longest start line considered (request URIs can be long, but not longer). */
export const MAX_START_LINE = 8192;
/**
 * Longest method name accepted. A method is any token (RFC 3261 25.1); RFC
 * 4475 3.1.1.2's valid `intmeth` has 43 characters, which a limit of 32 lost.
 */
export const MAX_METHOD_LENGTH = 256;

/** 1 for RFC 3261 token characters: alphanum and - . ! % * _ + ` ' ~ */
export const TOKEN_CHAR: Uint8Array = (() => {
  const t = new Uint8Array(256);
  for (let c = 0x30; c <= 0x39; c++) t[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) t[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) t[c] = 1;
  for (const ch of "-.!%*_+`'~") t[ch.charCodeAt(0)] = 1;
  return t;
})();

/** Result of {@link matchSipStartLine}. */
export const StartLine = {
  /** Not a SIP start line. */
  No: 0,
  /** A SIP request line (complete, up to its line end). */
  Request: 1,
  /** A SIP status line (at least "SIP/x.y ddd" and the character after the code). */
  Response: 2,
  /** Could still be one: the bytes end before the line can be judged. */
  NeedMore: 3,
} as const;
export type StartLine = (typeof StartLine)[keyof typeof StartLine];

const CR = 13;
const LF = 10;
const SP = 32;
const HT = 9;

/** Case-insensitive match of "SIP/" + digits "." digits at `p`; returns the index after it, -1 on mismatch, -2 when `end` came first. */
function matchVersion(b: Uint8Array, p: number, end: number): number {
  if (p + 4 > end) {
    // Compare what is there so a short prefix can still be rejected early.
    const want = 'SIP/';
    for (let i = 0; p + i < end; i++) if ((b[p + i]! & 0xdf) !== (want.charCodeAt(i) & 0xdf) && i !== 3) return -1;
    if (p + 3 < end && b[p + 3] !== 0x2f) return -1;
    return -2;
  }
  if ((b[p]! & 0xdf) !== 0x53 || (b[p + 1]! & 0xdf) !== 0x49 || (b[p + 2]! & 0xdf) !== 0x50 || b[p + 3] !== 0x2f) return -1;
  let q = p + 4;
  const d0 = q;
  while (q < end && b[q]! >= 0x30 && b[q]! <= 0x39) q++;
  if (q === end) return -2;
  if (q === d0 || b[q] !== 0x2e) return -1;
  q++;
  const d1 = q;
  while (q < end && b[q]! >= 0x30 && b[q]! <= 0x39) q++;
  if (q === end) return -2;
  if (q === d1) return -1;
  return q;
}

/**
 * Is there a SIP start line at `pos`? Pure byte checks, no allocation.
 * A request line must be complete (up to CR/LF) and end with the SIP version;
 * a status line is recognised from "SIP/x.y ddd" and the byte after the code.
 * Whitespace runs between the parts are tolerated (lenient, like Wireshark).
 */
export function matchSipStartLine(b: Uint8Array, pos: number, end: number): StartLine {
  if (pos >= end) return StartLine.NeedMore;
  const c0 = b[pos]!;
  if (TOKEN_CHAR[c0] === 0) return StartLine.No;
  const limit = end - pos > MAX_START_LINE ? pos + MAX_START_LINE : end;
  const more = limit === end ? StartLine.NeedMore : StartLine.No;

  // Status line: SIP/2.0 SP ddd (SP | CR | LF)
  if ((c0 & 0xdf) === 0x53) {
    const v = matchVersion(b, pos, limit);
    if (v === -2) return more;
    if (v >= 0) {
      let q = v;
      if (q >= limit) return more;
      if (b[q] !== SP && b[q] !== HT) return StartLine.No;
      while (q < limit && (b[q] === SP || b[q] === HT)) q++;
      for (let i = 0; i < 3; i++, q++) {
        if (q >= limit) return more;
        if (b[q]! < 0x30 || b[q]! > 0x39) return StartLine.No;
      }
      if (q >= limit) return more;
      const c = b[q];
      return c === SP || c === HT || c === CR || c === LF ? StartLine.Response : StartLine.No;
    }
    // fall through: a method that starts with S (SUBSCRIBE...)
  }

  // Request line: token SP+ scheme ":" uri-chars SP+ SIP/x.y *WSP (CR|LF)
  let q = pos + 1;
  const mEnd = pos + MAX_METHOD_LENGTH < limit ? pos + MAX_METHOD_LENGTH + 1 : limit;
  while (q < mEnd && TOKEN_CHAR[b[q]!] === 1) q++;
  if (q >= limit) return more;
  if (b[q] !== SP) return StartLine.No;
  while (q < limit && b[q] === SP) q++;
  // URI scheme: ALPHA *(ALPHA / DIGIT / "+" / "-" / ".") ":"
  if (q >= limit) return more;
  let c = b[q]! | 0x20;
  if (c < 0x61 || c > 0x7a) return StartLine.No;
  q++;
  for (;;) {
    if (q >= limit) return more;
    c = b[q]!;
    if (c === 0x3a) break;
    const l = c | 0x20;
    if (!((l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return StartLine.No;
    q++;
  }
  q++;
  // Rest of the URI: visible characters up to SP.
  for (;;) {
    if (q >= limit) return more;
    c = b[q]!;
    if (c === SP) break;
    if (c <= 0x20 || c === 0x7f) return StartLine.No;
    q++;
  }
  while (q < limit && b[q] === SP) q++;
  if (q >= limit) return more;
  const v = matchVersion(b, q, limit);
  if (v === -1) return StartLine.No;
  if (v === -2) return more;
  q = v;
  while (q < limit && (b[q] === SP || b[q] === HT)) q++;
  if (q >= limit) return more;
  c = b[q]!;
  return c === CR || c === LF ? StartLine.Request : StartLine.No;
}

/**
 * Does this payload (a UDP datagram, or b[start, end)) carry a SIP message?
 * Checks the start line only. Up to four leading CR/LF bytes are skipped; a
 * payload of nothing but CR/LF (a keep-alive, "\r\n\r\n") is not SIP.
 * Binary payloads cost one table lookup.
 */
export function looksLikeSip(payload: Uint8Array, start = 0, end = payload.length): boolean {
  if (end - start < 12) return false;
  let p = start;
  // The common rejection: one table lookup on the first byte.
  if (TOKEN_CHAR[payload[p]!] === 0) {
    const c = payload[p];
    if (c !== CR && c !== LF) return false;
    const lim = start + 4 < end ? start + 4 : end;
    while (p < lim && (payload[p] === CR || payload[p] === LF)) p++;
    if (p >= end || TOKEN_CHAR[payload[p]!] === 0) return false;
  }
  const r = matchSipStartLine(payload, p, end);
  return r === StartLine.Request || r === StartLine.Response;
}
