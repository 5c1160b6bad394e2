/**
 * Is this payload SIP? Decided by content, not by port, and cheaply: binary
 * payloads (RTP, RTCP, STUN, DTLS) are rejected on their first byte.
 */

const S = 0x53, I = 0x49, P = 0x50;

function isUpper(c: number): boolean { return c >= 0x41 && c <= 0x5a; }

/** Longest start line examined. */
const MAX_START_LINE = 2048;

export function looksLikeSip(b: Uint8Array, start = 0, end = b.length): boolean {
  if (end - start < 12) return false;
  const c0 = b[start]!;
  if (!isUpper(c0)) return false;
  // Response: "SIP/2.0 ddd"
  if (c0 === S && b[start + 1] === I && b[start + 2] === P && b[start + 3] === 0x2f) {
    return b[start + 4] === 0x32 && b[start + 5] === 0x2e && b[start + 6] === 0x30 && b[start + 7] === 0x20
      && isDigit(b[start + 8]!) && isDigit(b[start + 9]!) && isDigit(b[start + 10]!);
  }
  // Request: "METHOD SP Request-URI SP SIP/2.0" CRLF
  let i = start + 1;
  const lim = Math.min(end, start + MAX_START_LINE);
  while (i < lim && isToken(b[i]!)) i++;
  if (i >= lim || b[i] !== 0x20) return false;
  let eol = i;
  while (eol < lim && b[eol] !== 0x0a && b[eol] !== 0x0d) eol++;
  if (eol >= lim && lim < end) return false;
  // ends with " SIP/2.0"
  const t = eol - 8;
  return t > i && b[t] === 0x20 && b[t + 1] === S && b[t + 2] === I && b[t + 3] === P && b[t + 4] === 0x2f
    && b[t + 5] === 0x32 && b[t + 6] === 0x2e && b[t + 7] === 0x30;
}

function isDigit(c: number): boolean { return c >= 0x30 && c <= 0x39; }

/** RFC 3261 token characters used by methods. */
function isToken(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39)
    || c === 0x2d || c === 0x2e || c === 0x21 || c === 0x25 || c === 0x2a || c === 0x5f || c === 0x2b || c === 0x60 || c === 0x27 || c === 0x7e;
}
