/**
 * SIP message parser (RFC 3261 §7, §20), shared by the analyzer and the proxy.
 * Pure: bytes in, a ParsedSip or a SipParseError out, never a throw.
 *
 * Lenient like Wireshark: a message missing Call-ID, CSeq, From, To or Via is
 * still parsed and its `problems` say what is missing; only a start line that
 * is not SIP, or a limit exceeded, is an error.
 */
import type { NameAddr, SipHeader, SipMessage, Transport } from '../model.js';
import { parseNameAddr, parseVia, splitHeaderList, type Via } from './uri.js';

/** Most header fields accepted in one message. */
export const MAX_HEADERS = 256;
/** Longest header line accepted (after unfolding), bytes. */
export const MAX_HEADER_LINE = 8192;
/** Largest message accepted, bytes. */
export const MAX_MESSAGE_BYTES = 256 * 1024;

/** Compact forms (RFC 3261 §7.3.3 and later RFCs) -> canonical names. */
const COMPACT: Record<string, string> = {
  a: 'Accept-Contact', b: 'Referred-By', c: 'Content-Type', d: 'Request-Disposition', e: 'Content-Encoding',
  f: 'From', i: 'Call-ID', j: 'Reject-Contact', k: 'Supported', l: 'Content-Length', m: 'Contact',
  n: 'Identity-Info', o: 'Event', r: 'Refer-To', s: 'Subject', t: 'To', u: 'Allow-Events', v: 'Via',
  x: 'Session-Expires', y: 'Identity',
};

/** Canonical spellings of names whose capitalisation is not simply Title-Case. */
const CANONICAL: Record<string, string> = {
  'call-id': 'Call-ID', cseq: 'CSeq', 'www-authenticate': 'WWW-Authenticate', 'mime-version': 'MIME-Version',
  rack: 'RAck', rseq: 'RSeq', 'p-asserted-identity': 'P-Asserted-Identity', 'content-id': 'Content-ID',
  'sip-etag': 'SIP-ETag', 'sip-if-match': 'SIP-If-Match', 'alert-info': 'Alert-Info', 'call-info': 'Call-Info',
};

const nameCache = new Map<string, string>();

/** The canonical name of a header as written ("i", "call-id", "CALL-ID" -> "Call-ID"). */
export function canonicalHeaderName(raw: string): string {
  let c = nameCache.get(raw);
  if (c !== undefined) return c;
  const lower = raw.toLowerCase();
  if (lower.length === 1 && COMPACT[lower]) c = COMPACT[lower]!;
  else c = CANONICAL[lower] ?? lower.replace(/(^|-)([a-z])/g, (_m, p: string, ch: string) => p + ch.toUpperCase());
  if (nameCache.size < 4096) nameCache.set(raw, c);
  return c;
}

export interface SipParseError {
  error: string;
}

export interface ParsedSip {
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
  /** Top Via, parsed. */
  via: Via | null;
  branch: string | null;
  contentType: string | null;
  contentLength: number | null;
  body: string;
  bodyBytes: Uint8Array;
  raw: string;
  /** Bytes consumed from the input (start line through the end of the body). */
  length: number;
  /** The Content-Length claimed more bytes than were present. */
  truncatedBody: boolean;
  /** Required headers missing or unparsable. */
  problems: string[];
}

/** First header with this name (any spelling), or null. */
export function header(p: { headers: SipHeader[] }, name: string): string | null {
  const c = canonicalHeaderName(name);
  for (const h of p.headers) if (h.name === c) return h.value;
  return null;
}

/** Every value of a header, comma-separated lists split (Via, Contact, Route...). */
export function headerValues(p: { headers: SipHeader[] }, name: string): string[] {
  const c = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of p.headers) if (h.name === c) out.push(...splitHeaderList(h.value));
  return out;
}

const SIP20 = 'SIP/2.0';

/** Find the end of the header block: index of the first byte of the blank line's terminator end. */
export function findHeaderEnd(b: Uint8Array, start: number, end: number): { headerEnd: number; bodyStart: number } | null {
  for (let i = start; i < end; i++) {
    if (b[i] !== 0x0a) continue;
    // "\n\n" or "\n\r\n"
    if (i + 1 < end && b[i + 1] === 0x0a) return { headerEnd: i, bodyStart: i + 2 };
    if (i + 2 < end && b[i + 1] === 0x0d && b[i + 2] === 0x0a) return { headerEnd: i, bodyStart: i + 3 };
  }
  return null;
}

const utf8 = new TextDecoder('utf-8');

function decode(b: Uint8Array, start: number, end: number): string {
  return utf8.decode(b.subarray(start, end));
}

/**
 * Parse one SIP message from b[start, end). Over UDP the datagram is the
 * message; over TCP pass `stream` = true so that a missing Content-Length
 * means an empty body (RFC 3261 §18.3).
 */
export function parseSip(b: Uint8Array, start = 0, end = b.length, stream = false): ParsedSip | SipParseError {
  if (end - start > MAX_MESSAGE_BYTES) return { error: `message of ${end - start} bytes exceeds the ${MAX_MESSAGE_BYTES}-byte limit` };
  const he = findHeaderEnd(b, start, end);
  const headEnd = he ? he.headerEnd : end;
  const bodyStart = he ? he.bodyStart : end;
  const head = decode(b, start, headEnd);
  const lines = head.split('\n');
  const first = stripCr(lines[0] ?? '');
  let isRequest: boolean;
  let method: string | null = null;
  let requestUri: string | null = null;
  let status: number | null = null;
  let reason: string | null = null;
  if (first.startsWith(SIP20 + ' ')) {
    const m = /^SIP\/2\.0 +(\d{3})(?: +(.*))?$/.exec(first);
    if (!m) return { error: `bad status line "${clip(first)}"` };
    isRequest = false;
    status = Number(m[1]);
    reason = (m[2] ?? '').trim();
    if (status < 100 || status > 699) return { error: `status code ${status} out of range` };
  } else {
    const m = /^([A-Za-z][A-Za-z0-9.!%*_+`'~-]*) +(\S+) +SIP\/2\.0\s*$/.exec(first);
    if (!m) return { error: `not a SIP start line: "${clip(first)}"` };
    isRequest = true;
    method = m[1]!.toUpperCase();
    requestUri = m[2]!;
  }

  const headers: SipHeader[] = [];
  let current: { name: string; value: string } | null = null;
  for (let i = 1; i < lines.length; i++) {
    const line = stripCr(lines[i]!);
    if (line.length === 0) continue;
    const c0 = line.charCodeAt(0);
    if ((c0 === 0x20 || c0 === 0x09) && current) {
      // Folded continuation line (RFC 3261 §7.3.1): joined with a single space.
      current.value += ' ' + line.trim();
      if (current.value.length > MAX_HEADER_LINE) return { error: `header ${current.name} longer than ${MAX_HEADER_LINE} bytes` };
      continue;
    }
    if (line.length > MAX_HEADER_LINE) return { error: `header line longer than ${MAX_HEADER_LINE} bytes` };
    const colon = line.indexOf(':');
    if (colon <= 0) continue; // not a header: ignored, as Wireshark flags and skips it
    const name = canonicalHeaderName(line.slice(0, colon).trim());
    current = { name, value: line.slice(colon + 1).trim() };
    headers.push(current);
    if (headers.length > MAX_HEADERS) return { error: `more than ${MAX_HEADERS} header fields` };
  }

  const problems: string[] = [];
  let callId = '';
  let cseqNum = 0;
  let cseqMethod = '';
  let fromRaw: string | null = null;
  let toRaw: string | null = null;
  let viaRaw: string | null = null;
  let contentType: string | null = null;
  let contentLength: number | null = null;
  for (const h of headers) {
    switch (h.name) {
      case 'Call-ID': if (!callId) callId = h.value; break;
      case 'CSeq': {
        if (cseqMethod) break;
        const m = /^(\d+)\s+(\S+)/.exec(h.value);
        if (m) { cseqNum = Number(m[1]); cseqMethod = m[2]!.toUpperCase(); } else problems.push(`bad CSeq "${clip(h.value)}"`);
        break;
      }
      case 'From': if (fromRaw === null) fromRaw = h.value; break;
      case 'To': if (toRaw === null) toRaw = h.value; break;
      case 'Via': if (viaRaw === null) viaRaw = h.value; break;
      case 'Content-Type': if (contentType === null) contentType = h.value; break;
      case 'Content-Length': if (contentLength === null && /^\d+$/.test(h.value)) contentLength = Number(h.value); break;
    }
  }
  if (!callId) problems.push('no Call-ID');
  if (!cseqMethod && !problems.some((p) => p.startsWith('bad CSeq'))) problems.push('no CSeq');
  if (fromRaw === null) problems.push('no From');
  if (toRaw === null) problems.push('no To');
  if (viaRaw === null) problems.push('no Via');

  let bodyEnd: number;
  let truncatedBody = false;
  if (contentLength !== null) {
    bodyEnd = bodyStart + contentLength;
    if (bodyEnd > end) { truncatedBody = true; bodyEnd = end; }
  } else {
    bodyEnd = stream ? bodyStart : end;
  }
  const from = fromRaw !== null ? parseNameAddr(fromRaw) : null;
  const to = toRaw !== null ? parseNameAddr(toRaw) : null;
  const via = viaRaw !== null ? parseVia(splitHeaderList(viaRaw)[0] ?? '') : null;
  const bodyBytes = b.slice(bodyStart, bodyEnd);
  return {
    isRequest, method, requestUri, status, reason, headers, callId, cseqNum, cseqMethod, from, to,
    fromTag: from?.params['tag'] ?? null, toTag: to?.params['tag'] ?? null,
    via, branch: via?.branch ?? null, contentType, contentLength,
    body: bodyEnd > bodyStart ? decode(b, bodyStart, bodyEnd) : '',
    bodyBytes,
    raw: decode(b, start, bodyEnd),
    length: bodyEnd - start,
    truncatedBody, problems,
  };
}

export interface MessageMeta {
  frame: number;
  time: number;
  tsSec: number;
  tsNsec: number;
  src: string;
  dst: string;
  srcIp: string;
  dstIp: string;
  transport: Transport;
}

/** The model's SipMessage: parsed content plus where and when it was captured. */
export function toSipMessage(p: ParsedSip, meta: MessageMeta): SipMessage {
  return {
    ...meta,
    isRequest: p.isRequest, method: p.method, requestUri: p.requestUri, status: p.status, reason: p.reason,
    headers: p.headers, callId: p.callId, cseqNum: p.cseqNum, cseqMethod: p.cseqMethod, from: p.from, to: p.to,
    fromTag: p.fromTag, toTag: p.toTag, branch: p.branch, contentType: p.contentType, body: p.body, raw: p.raw,
  };
}

function stripCr(s: string): string {
  return s.length && s.charCodeAt(s.length - 1) === 0x0d ? s.slice(0, -1) : s;
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
