/**
 * SIP message parser (RFC 3261 §7, §20), shared by the analyzer and the proxy.
 * Pure: bytes in, a ParsedSip or a SipParseError out, never a throw, no I/O.
 *
 * Lenient like Wireshark: a message missing Call-ID, CSeq, From, To or Via is
 * still parsed and its `problems` say what is wrong; only a start line that
 * is not SIP, or an exceeded limit, is an error.
 *
 * Speed: the message is decoded once to a one-byte (latin1) string whose
 * indexes are byte offsets, lines are found with indexOf and header names and
 * values are slices of it. When the message is not pure ASCII, only the
 * slices that contain non-ASCII bytes are decoded again as UTF-8 (invalid
 * sequences become U+FFFD).
 */
import { isAscii, isUtf8 } from 'node:buffer';
import { isIPv6 } from 'node:net';
import type { NameAddr, PacketMeta, SipHeader, SipMessage } from '../model.js';
import { endpoint } from '../net/addr.js';
import { TOKEN_CHAR } from './detect.js';
import { firstListItem, nameAddrParamFast, parseNameAddr, parseVia, splitHeaderList, viaBranchFast, viaParses, type Via } from './uri.js';

/** Most header fields accepted in one message. */
export const MAX_HEADERS = 256;
/**
 * Longest header line (also the start line, and a header after unfolding),
 * bytes: long Via/Route/Record-Route paths and Identity headers of real
 * traffic run to tens of kilobytes.
 */
export const MAX_HEADER_LINE = 65536;
/**
 * Largest message accepted, bytes. A UDP datagram stays under 64 KiB; over
 * TCP, WebSocket or SCTP a message carries what its Content-Length says
 * (an INVITE with a large multipart body, a NOTIFY with a big XML document).
 */
export const MAX_MESSAGE_SIZE = 1 << 20;
/** @deprecated old name of MAX_MESSAGE_SIZE. */
export const MAX_MESSAGE_BYTES = MAX_MESSAGE_SIZE;

/** Compact forms (RFC 3261 §7.3.3, RFC 3265, 3515, 3841, 3892, 4028, 4474) -> canonical names. */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'Accept-Contact', b: 'Referred-By', c: 'Content-Type', d: 'Request-Disposition', e: 'Content-Encoding',
  f: 'From', i: 'Call-ID', j: 'Reject-Contact', k: 'Supported', l: 'Content-Length', m: 'Contact',
  n: 'Identity-Info', o: 'Event', r: 'Refer-To', s: 'Subject', t: 'To', u: 'Allow-Events', v: 'Via',
  x: 'Session-Expires', y: 'Identity',
};

/** Header names in their canonical spelling (IANA SIP header registry, common extensions). */
const CANONICAL_NAMES = [
  'Accept', 'Accept-Contact', 'Accept-Encoding', 'Accept-Language', 'Accept-Resource-Priority', 'Alert-Info',
  'Allow', 'Allow-Events', 'Answer-Mode', 'Authentication-Info', 'Authorization', 'Call-ID', 'Call-Info',
  'Contact', 'Content-Disposition', 'Content-Encoding', 'Content-ID', 'Content-Language', 'Content-Length',
  'Content-Type', 'CSeq', 'Date', 'Diversion', 'Encryption', 'Error-Info', 'Event', 'Expires', 'Feature-Caps',
  'Flow-Timer', 'From', 'Geolocation', 'Geolocation-Error', 'Geolocation-Routing', 'History-Info', 'Identity',
  'Identity-Info', 'Info-Package', 'In-Reply-To', 'Join', 'Max-Breadth', 'Max-Forwards', 'MIME-Version',
  'Min-Expires', 'Min-SE', 'Organization', 'P-Access-Network-Info', 'P-Answer-State', 'P-Asserted-Identity',
  'P-Asserted-Service', 'P-Associated-URI', 'P-Called-Party-ID', 'P-Charging-Function-Addresses',
  'P-Charging-Vector', 'P-DCS-Billing-Info', 'P-Early-Media', 'P-Media-Authorization', 'P-Preferred-Identity',
  'P-Preferred-Service', 'P-Profile-Key', 'P-Served-User', 'P-Visited-Network-ID', 'Path', 'Permission-Missing',
  'Policy-Contact', 'Policy-ID', 'Priority', 'Privacy', 'Proxy-Authenticate', 'Proxy-Authorization',
  'Proxy-Require', 'RAck', 'Reason', 'Record-Route', 'Recv-Info', 'Refer-Sub', 'Refer-To', 'Referred-By',
  'Reject-Contact', 'Remote-Party-ID', 'Replaces', 'Reply-To', 'Request-Disposition', 'Require',
  'Resource-Priority', 'Response-Key', 'Retry-After', 'Route', 'RSeq', 'Security-Client', 'Security-Server',
  'Security-Verify', 'Server', 'Service-Route', 'Session-Expires', 'Session-ID', 'SIP-ETag', 'SIP-If-Match',
  'Subject', 'Subscription-State', 'Supported', 'Suppress-If-Match', 'Target-Dialog', 'Timestamp', 'To',
  'Trigger-Consent', 'Unsupported', 'User-Agent', 'User-to-User', 'Via', 'Warning', 'WWW-Authenticate',
  'X-Asterisk-HangupCause', 'X-Asterisk-HangupCauseCode',
];

const CANON = new Map<string, string>();
for (const name of CANONICAL_NAMES) {
  CANON.set(name, name);
  CANON.set(name.toLowerCase(), name);
  CANON.set(name.toUpperCase(), name);
}
for (const [c, name] of Object.entries(COMPACT_FORMS)) {
  CANON.set(c, name);
  CANON.set(c.toUpperCase(), name);
}
const CANON_PRESET = CANON.size;
const CANON_CACHE_MAX = CANON_PRESET + 4096;

/**
 * The canonical name of a header as written: "i", "call-id", "CALL-ID" -> "Call-ID".
 * Names not in the registry are Title-Cased at each '-' ("x-my-hdr" -> "X-My-Hdr"),
 * so every spelling of a name compares equal with ===.
 */
export function canonicalHeaderName(raw: string): string {
  let c = CANON.get(raw);
  if (c !== undefined) return c;
  const lower = raw.toLowerCase();
  c = CANON.get(lower);
  if (c === undefined) {
    c = '';
    let up = true;
    for (let i = 0; i < lower.length; i++) {
      const ch = lower[i]!;
      c += up ? ch.toUpperCase() : ch;
      up = ch === '-';
    }
  }
  if (CANON.size < CANON_CACHE_MAX) CANON.set(raw, c);
  return c;
}

/** Canonical names by (length, first char), with their char codes, for the slice-free lookup of knownHeaderName. */
const MAX_KNOWN_LENGTH = 40;
const BY_LENGTH_AND_FIRST: ({ name: string; codes: Uint8Array }[] | undefined)[] = [];
for (const name of CANONICAL_NAMES) {
  if (name.length > MAX_KNOWN_LENGTH) continue;
  (BY_LENGTH_AND_FIRST[name.length * 128 + name.charCodeAt(0)] ??= []).push({ name, codes: Uint8Array.from(name, (ch) => ch.charCodeAt(0)) });
}
/** Compact form letter (either case) -> canonical name, by char code. */
const COMPACT_BY_CODE: (string | undefined)[] = [];
for (const [c, name] of Object.entries(COMPACT_FORMS)) {
  COMPACT_BY_CODE[c.charCodeAt(0)] = name;
  COMPACT_BY_CODE[c.toUpperCase().charCodeAt(0)] = name;
}

/**
 * The canonical name when s[pos, pos+len) is a compact form or a registered
 * name spelled canonically (the usual case), without making a string; else null.
 */
function knownHeaderName(s: string, pos: number, len: number): string | null {
  if (len === 1) return COMPACT_BY_CODE[s.charCodeAt(pos)] ?? null;
  const c0 = s.charCodeAt(pos);
  if (len > MAX_KNOWN_LENGTH || c0 >= 128) return null;
  const list = BY_LENGTH_AND_FIRST[len * 128 + c0];
  if (list === undefined) return null;
  for (let j = 0; j < list.length; j++) {
    const codes = list[j]!.codes;
    let k = 1;
    while (k < len && s.charCodeAt(pos + k) === codes[k]) k++;
    if (k === len) return list[j]!.name;
  }
  return null;
}

/** Headers whose one value may contain commas: never split into a list. */
const NOT_LISTS = new Set([
  'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Authentication-Info',
  'Date', 'Call-ID', 'CSeq', 'From', 'To', 'Content-Type', 'Content-Length', 'Content-Disposition',
  'Max-Forwards', 'Expires', 'Min-Expires', 'Retry-After', 'Subject', 'User-Agent', 'Server', 'Organization',
  'Timestamp', 'MIME-Version', 'Priority', 'Reply-To', 'Refer-To', 'Referred-By', 'Replaces', 'Identity',
  'Session-Expires', 'Min-SE', 'RAck', 'RSeq', 'Event', 'Subscription-State', 'SIP-ETag', 'SIP-If-Match',
]);

/** Why a message could not be parsed. */
export type SipParseErrorReason =
  | 'empty' | 'too-large' | 'bad-start-line' | 'line-too-long' | 'too-many-headers';

/** A message that could not be parsed (returned, never thrown). */
export interface SipParseError {
  /** One human-readable sentence. */
  error: string;
  /** Machine-readable reason. */
  reason: SipParseErrorReason;
  /** Byte offset (from the start of the input range) where the problem was found. */
  offset: number;
}

export function isSipParseError(x: ParsedSip | SipParseError): x is SipParseError {
  return 'error' in x;
}

function fail(reason: SipParseErrorReason, error: string, offset: number): SipParseError {
  return { error, reason, offset };
}

/**
 * A parsed SIP message: everything of the model's SipMessage except where and
 * when it was captured. `from`, `to` and `via` are parsed on first use (then
 * kept); the tags and the branch are always there. Use toSipMessage for a
 * plain data object.
 */
export class ParsedSip {
  isRequest = false;
  method: string | null = null;
  requestUri: string | null = null;
  status: number | null = null;
  reason: string | null = null;
  /** "SIP/2.0" as written in the start line. */
  version = 'SIP/2.0';
  /** Header fields in order, names canonical, values trimmed and unfolded. */
  headers: SipHeader[] = [];
  /** Call-ID, "" when missing. */
  callId = '';
  /** CSeq number, 0 when missing. */
  cseqNum = 0;
  /** CSeq method as written, "" when missing. */
  cseqMethod = '';
  fromTag: string | null = null;
  toTag: string | null = null;
  /** Branch of the top Via. */
  branch: string | null = null;
  contentType: string | null = null;
  /** Content-Length as given, null when absent or not a number. */
  contentLength: number | null = null;
  /** Body as text: UTF-8 when it is valid UTF-8, otherwise latin1 (byte-preserving). */
  body = '';
  /** How `body` was decoded; encoding it back gives the exact body bytes. */
  bodyEncoding: 'latin1' | 'utf8' = 'latin1';
  /** The message text from the start line to the end of the body. */
  raw = '';
  /** Bytes consumed from `start` (leading CR/LF, start line, headers, body). */
  length = 0;
  /** Content-Length claimed more bytes than were present; the body is what there was. */
  truncatedBody = false;
  /** Values of the first From and To header and of the top Via (null when absent). */
  fromValue: string | null = null;
  toValue: string | null = null;
  viaValue: string | null = null;
  private bodyCopy: Uint8Array | null = null;
  private fromCache: NameAddr | null | undefined = undefined;
  private toCache: NameAddr | null | undefined = undefined;
  private viaCache: Via | null | undefined = undefined;
  /** @internal Problems found while parsing; those about From/To/Via are added on first read of `problems`. */
  _found: string[] = [];
  private checked = false;

  /** The From header, parsed. */
  get from(): NameAddr | null {
    if (this.fromCache === undefined) this.fromCache = this.fromValue === null ? null : parseNameAddr(this.fromValue);
    return this.fromCache;
  }

  /** The To header, parsed. */
  get to(): NameAddr | null {
    if (this.toCache === undefined) this.toCache = this.toValue === null ? null : parseNameAddr(this.toValue);
    return this.toCache;
  }

  /** The top Via, parsed (null when absent or malformed). */
  get via(): Via | null {
    if (this.viaCache === undefined) this.viaCache = this.viaValue === null ? null : parseVia(this.viaValue);
    return this.viaCache;
  }

  /** What is wrong but was tolerated (missing mandatory headers, bad CSeq, unparsable URIs...). */
  get problems(): string[] {
    if (!this.checked) {
      this.checked = true;
      if (this.fromValue !== null && this.from!.uri === null) this._found.push(`unparsable From URI "${clip(this.from!.uriText)}"`);
      if (this.toValue !== null && this.to!.uri === null) this._found.push(`unparsable To URI "${clip(this.to!.uriText)}"`);
      // Only whether the top Via parses matters here: checked without building it, unless it was built.
      if (this.viaValue !== null && (this.viaCache === undefined ? !viaParses(this.viaValue) : this.viaCache === null)) this._found.push(`unparsable Via "${clip(this.viaValue)}"`);
      grammarProblems(this, this._found);
    }
    return this._found;
  }

  /**
   * A copy of the body bytes (made on first use from `body`, which holds them
   * losslessly, so the parser never keeps a reference to its input).
   */
  get bodyBytes(): Uint8Array {
    if (this.bodyCopy === null) this.bodyCopy = this.body ? Buffer.from(this.body, this.bodyEncoding) : EMPTY;
    return this.bodyCopy;
  }

  /** First value of a header (any spelling or compact form), or null. */
  header(name: string): string | null {
    const c = canonicalHeaderName(name);
    const hs = this.headers;
    for (let i = 0; i < hs.length; i++) if (hs[i]!.name === c) return hs[i]!.value;
    return null;
  }

  /** Every value of a header, one per header line, in order. */
  headersNamed(name: string): string[] {
    const c = canonicalHeaderName(name);
    const out: string[] = [];
    for (const h of this.headers) if (h.name === c) out.push(h.value);
    return out;
  }

  /** Every value of a header with comma-separated lists split (Via, Contact, Route, Allow...). */
  headerValues(name: string): string[] {
    return headerValues(this, name);
  }

  /** Is the header present? */
  has(name: string): boolean {
    return this.header(name) !== null;
  }
}

const EMPTY = new Uint8Array(0);

/** Header fields whose values are lists of name-addr / via-parm with parameters (RFC 3261 25.1). */
const PARAM_LIST_HEADERS = new Set(['Via', 'Contact', 'From', 'To', 'Route', 'Record-Route']);
/** Fields whose value is one name-addr or addr-spec. */
const ADDRESS_HEADERS = new Set(['Contact', 'From', 'To', 'Route', 'Record-Route', 'Reply-To']);

/** Header fields that take one value (RFC 3261 §20): a second one makes a message invalid (RFC 4475 multi01). */
const SINGLE_VALUE_HEADERS = new Set(['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length', 'Content-Type', 'Expires'].map(canonicalHeaderName));

/** The first single-value header field that appears more than once, or null. The analyzer warns of it, the proxy answers 400. */
export function repeatedSingleHeader(p: ParsedSip): string | null {
  const hs = p.headers;
  let seen: string[] | null = null;
  for (let i = 0; i < hs.length; i++) {
    const name = hs[i]!.name;
    if (!SINGLE_VALUE_HEADERS.has(name)) continue;
    if (seen === null) seen = [name];
    else if (seen.includes(name)) return name;
    else seen.push(name);
  }
  return null;
}

/**
 * RFC 3261 grammar violations the parser tolerates (it reads what it can, as
 * Wireshark does) and the analyzer reports: the invalid messages of RFC 4475
 * 3.1.2 and RFC 5118 4.2/4.10 that parse. Run once, on first read of `problems`.
 */
function grammarProblems(p: ParsedSip, out: string[]): void {
  const repeated = repeatedSingleHeader(p);
  if (repeated !== null) out.push(`more than one ${repeated} header`);
  const uri = p.requestUri;
  if (uri !== null) {
    if (uri.startsWith('<')) out.push(`Request-URI "${clip(uri)}" enclosed in <>`);
    else {
      const sip = /^sips?:/i.test(uri);
      // 19.1.5: a Request-URI carries no header part (the ? escapes of a URI taken from a Contact);
      // a '?' in the userinfo is a character of the user (RFC 4475's valid intmeth).
      if (sip && afterUserinfo(uri).includes('?')) out.push(`Request-URI "${clip(uri)}" carries URI headers`);
      const host = sip ? uriHost(uri) : null;
      if (host !== null) {
        if (host.startsWith('[')) {
          const close = host.indexOf(']');
          if (close < 0 || !isIPv6(host.slice(1, close))) out.push(`Request-URI "${clip(uri)}" has an invalid IPv6 reference`);
        } else if (host.indexOf(':') !== host.lastIndexOf(':')) {
          out.push(`Request-URI "${clip(uri)}" has an IPv6 address without brackets (RFC 5118)`);
        }
      }
    }
  }
  for (const h of p.headers) {
    if (PARAM_LIST_HEADERS.has(h.name)) {
      // (The replacements and tests are skipped where the characters they look for are absent: same result.)
      const bare = h.value.indexOf('"') < 0 ? h.value : h.value.replace(/"(?:[^"\\]|\\.)*"/g, '""');
      const lt = bare.indexOf('<');
      // Separators inside <...> belong to the URI (a user part may hold ";;"), not to the list.
      if (emptyListElement(bare)) out.push(`empty parameter or list element in ${h.name} "${clip(h.value)}"`);
      if (ADDRESS_HEADERS.has(h.name)) {
        if ((lt >= 0 || bare.indexOf('>') >= 0) && /<\s|\s>/.test(bare)) out.push(`whitespace inside <> in ${h.name} "${clip(h.value)}"`);
        // 20.10: an addr-spec holding a comma, question mark or semicolon must be enclosed in <>.
        else if (!bare.includes('<') && /^[^;]*\?/.test(bare)) out.push(`URI with headers not enclosed in <> in ${h.name} "${clip(h.value)}"`);
      }
    } else if (h.name === 'Date' && !/\bGMT$/.test(h.value)) {
      out.push(`Date "${clip(h.value)}" not in GMT`);
    }
  }
}

/**
 * `/;\s*[;,]|,\s*,|[;,]\s*$/.test(bare.replace(/<[^>]*>/g, '<>'))` in one scan
 * without the copy: a ';' or ',' followed (after white space) by a ';' or ','
 * (',' then ';' excepted) or by the end, outside <...>.
 */
export function emptyListElement(bare: string): boolean {
  /** The separator seen last with only white space after it: 0 none, 1 ';', 2 ','. */
  let sep = 0;
  const n = bare.length;
  for (let i = 0; i < n; i++) {
    const c = bare.charCodeAt(i);
    if (c === 59) { if (sep === 1) return true; sep = 1; }
    else if (c === 44) { if (sep !== 0) return true; sep = 2; }
    else if (c === 60) {
      // <...> up to the first '>' stands for "<>"; a '<' without a '>' after it is itself.
      const close = bare.indexOf('>', i + 1);
      if (close >= 0) i = close;
      sep = 0;
    } else if (!isJsSpace(c)) sep = 0;
  }
  return sep !== 0;
}

/** The characters of the JavaScript regular expression class \s. */
function isJsSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** What follows the scheme and the userinfo of a URI: host, port, parameters, headers. */
function afterUserinfo(uri: string): string {
  const rest = uri.slice(uri.indexOf(':') + 1);
  const at = rest.lastIndexOf('@');
  return at >= 0 ? rest.slice(at + 1) : rest;
}

/** The host[:port] part of a sip/sips URI (after the userinfo), without parameters or headers. */
function uriHost(uri: string): string {
  const rest = afterUserinfo(uri);
  const end = rest.search(/[;?]/);
  return end >= 0 ? rest.slice(0, end) : rest;
}

/** First value of a header of any message-like object (ParsedSip or the model's SipMessage), or null. */
export function header(p: { headers: readonly SipHeader[] }, name: string): string | null {
  const c = canonicalHeaderName(name);
  for (const h of p.headers) if (h.name === c) return h.value;
  return null;
}

/** Every value of a header; comma lists split unless the header's value may itself contain commas. */
export function headerValues(p: { headers: readonly SipHeader[] }, name: string): string[] {
  const c = canonicalHeaderName(name);
  const split = !NOT_LISTS.has(c);
  const out: string[] = [];
  for (const h of p.headers) {
    if (h.name !== c) continue;
    if (split) for (const v of splitHeaderList(h.value)) out.push(v);
    else out.push(h.value);
  }
  return out;
}

/**
 * Where the header block ends in b[start, end): `headerEnd` is the index of
 * the line end (its CR or LF) of the last header line, `bodyStart` the index
 * after the blank line. Lines end with CRLF, LF or a bare CR, as Wireshark
 * reads them (tvb_find_line_end). Null when not found.
 */
export function findHeaderEnd(b: Uint8Array, start: number, end: number): { headerEnd: number; bodyStart: number } | null {
  for (let i = start; i < end; i++) {
    const c = b[i];
    if (c !== 0x0a && c !== 0x0d) continue;
    // The line ends at i; the next one starts at j.
    let j = i + 1;
    if (c === 0x0d) {
      if (j >= end) return null; // CR at the end: a CRLF may follow
      if (b[j] === 0x0a) j++;
    }
    if (j >= end) return null;
    const d = b[j];
    if (d === 0x0a) return { headerEnd: i, bodyStart: j + 1 };
    if (d === 0x0d) {
      if (j + 1 >= end) return null;
      return { headerEnd: i, bodyStart: b[j + 1] === 0x0a ? j + 2 : j + 1 };
    }
    i = j - 1;
  }
  return null;
}

/** Where the line lineEnd() last measured is followed by the next one. */
let lineNext = 0;
/** The next CR at or after the position lineEnd() last searched from (-1: none to the end of the message). */
let nextCr = -1;
let crFrom = Infinity;

/**
 * The end of the text of the line starting at `pos` of s[0, n): the index of
 * its CR or LF (n when it runs to the end); `lineNext` is set to the start of
 * the next line. CRLF, LF and a bare CR each end a line (Wireshark's rule).
 */
function lineEnd(s: string, pos: number, n: number): number {
  let nl = s.indexOf('\n', pos);
  if (nl < 0) nl = n;
  // The CR search is cached: a message with LF line ends is scanned for CR only once.
  if (pos < crFrom || (nextCr >= 0 && nextCr < pos)) { nextCr = s.indexOf('\r', pos); crFrom = pos; }
  if (nextCr >= 0 && nextCr < nl) {
    const cr = nextCr;
    lineNext = cr + 1 < n && s.charCodeAt(cr + 1) === 10 ? cr + 2 : cr + 1;
    return cr;
  }
  lineNext = nl + 1;
  return nl;
}

function asBuffer(b: Uint8Array): Buffer {
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

const HIGH = /[\x80-\xff]/;

function isVersion(s: string): boolean {
  // SIP/1*DIGIT.1*DIGIT, case-insensitive
  if (s.length < 7 || (s.charCodeAt(0) | 0x20) !== 0x73 || (s.charCodeAt(1) | 0x20) !== 0x69
    || (s.charCodeAt(2) | 0x20) !== 0x70 || s.charCodeAt(3) !== 0x2f) return false;
  let i = 4;
  const d0 = i;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === d0 || s.charCodeAt(i) !== 0x2e) return false;
  i++;
  const d1 = i;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  return i > d1 && i === s.length;
}

function clip(s: string): string {
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

/**
 * Parse one SIP message from bytes[start, end).
 *
 * Over UDP the datagram is the message: without Content-Length the body is the
 * rest of it. Over a stream transport pass `stream` = true: a missing
 * Content-Length then means an empty body (RFC 3261 §18.3). A Content-Length
 * larger than what is there keeps what is there and sets `truncatedBody`.
 */
export function parseSip(bytes: Uint8Array, start = 0, end = bytes.length, stream = false): ParsedSip | SipParseError {
  if (start < 0) start = 0;
  if (end > bytes.length) end = bytes.length;
  const n = end - start;
  if (n <= 0) return fail('empty', 'empty message', 0);
  if (n > MAX_MESSAGE_SIZE) return fail('too-large', `message of ${n} bytes exceeds the ${MAX_MESSAGE_SIZE}-byte limit`, 0);

  const buf = asBuffer(bytes);
  const ascii = isAscii(start === 0 && end === buf.length ? buf : buf.subarray(start, end));
  // One-byte string, index == byte offset from `start`.
  const s = latin1(buf, start, end);
  curS = s; curBuf = buf; curStart = start; curAscii = ascii;
  const r = parseText(s, n, buf, start, ascii, stream);
  // Do not keep the input alive (parseText does not throw).
  curBuf = EMPTY_BUF;
  curS = '';
  return r;
}

// Decoding context of the message being parsed (parseSip is synchronous and not re-entrant).
const EMPTY_BUF = Buffer.alloc(0);
let curS = '';
let curBuf: Buffer = EMPTY_BUF;
let curStart = 0;
let curAscii = true;

/** Text of s[a, b) of the current message: the slice, or UTF-8 decoded when it holds non-ASCII bytes. */
function txt(a: number, b: number): string {
  const t = curS.slice(a, b);
  if (curAscii || !HIGH.test(t)) return t;
  return curBuf.toString('utf8', curStart + a, curStart + b);
}

type Latin1Slicer = { latin1Slice?: (start: number, end: number) => string };
const fastLatin1 = typeof (Buffer.prototype as Latin1Slicer).latin1Slice === 'function';

function latin1(buf: Buffer, start: number, end: number): string {
  return fastLatin1 ? (buf as Latin1Slicer).latin1Slice!(start, end) : buf.toString('latin1', start, end);
}

function parseText(s: string, n: number, buf: Buffer, start: number, ascii: boolean, stream: boolean): ParsedSip | SipParseError {
  // Leading CRLFs before the start line are ignored (RFC 3261 §7.5).
  let msgStart = 0;
  while (msgStart < n) {
    const c = s.charCodeAt(msgStart);
    if (c !== 13 && c !== 10) break;
    msgStart++;
  }
  if (msgStart >= n) return fail('empty', 'message holds only line breaks (keep-alive)', 0);

  const p = new ParsedSip();
  const problems = p._found;

  // ---- start line ----
  crFrom = Infinity;
  const le = lineEnd(s, msgStart, n);
  const afterStart = lineNext;
  if (le - msgStart > MAX_HEADER_LINE) {
    return fail('line-too-long', `start line longer than ${MAX_HEADER_LINE} bytes`, msgStart);
  }
  // Split the start line on runs of SP/HT into at most 3 parts (the reason keeps its spaces).
  const a = msgStart;
  let b = a;
  while (b < le && s.charCodeAt(b) !== 32 && s.charCodeAt(b) !== 9) b++;
  const first = s.slice(a, b);
  let c1 = b;
  while (c1 < le && (s.charCodeAt(c1) === 32 || s.charCodeAt(c1) === 9)) c1++;
  const extraSpace = c1 - b > 1;
  if (isVersion(first)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    p.version = first;
    let d = c1;
    while (d < le && s.charCodeAt(d) >= 0x30 && s.charCodeAt(d) <= 0x39) d++;
    if (d - c1 !== 3 || (d < le && s.charCodeAt(d) !== 32 && s.charCodeAt(d) !== 9)) {
      return fail('bad-start-line', `bad status line "${clip(txt(msgStart, le))}"`, msgStart);
    }
    p.status = Number(s.slice(c1, d));
    let r = d;
    while (r < le && (s.charCodeAt(r) === 32 || s.charCodeAt(r) === 9)) r++;
    let re = le;
    while (re > r && (s.charCodeAt(re - 1) === 32 || s.charCodeAt(re - 1) === 9)) re--;
    p.reason = txt(r, re);
    if (p.status < 100 || p.status > 699) problems.push(`status code ${p.status} out of range 100-699`);
    if (extraSpace || r - d > 1) problems.push('extra whitespace in the status line');
  } else {
    // Request-Line = Method SP Request-URI SP SIP-Version
    for (let i = a; i < b; i++) {
      const c = s.charCodeAt(i);
      if (TOKEN_CHAR[c] !== 1) return fail('bad-start-line', `not a SIP start line: "${clip(txt(msgStart, le))}"`, msgStart);
    }
    if (b === a || c1 >= le) return fail('bad-start-line', `not a SIP start line: "${clip(txt(msgStart, le))}"`, msgStart);
    let ue = c1;
    while (ue < le && s.charCodeAt(ue) !== 32 && s.charCodeAt(ue) !== 9) ue++;
    let v = ue;
    while (v < le && (s.charCodeAt(v) === 32 || s.charCodeAt(v) === 9)) v++;
    let ve = le;
    while (ve > v && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    const version = s.slice(v, ve);
    if (v === ue || !isVersion(version)) {
      return fail('bad-start-line', `not a SIP start line: "${clip(txt(msgStart, le))}"`, msgStart);
    }
    p.isRequest = true;
    p.method = first;
    p.requestUri = txt(c1, ue);
    p.version = version;
    if (extraSpace || v - ue > 1 || ve < le) problems.push('extra whitespace in the request line');
    if (p.requestUri.indexOf(':') < 0) problems.push(`Request-URI "${clip(p.requestUri)}" has no scheme`);
  }
  if (p.version !== 'SIP/2.0') problems.push(`SIP version ${p.version}`);

  // ---- header fields ----
  const headers = p.headers;
  let iCallId = -1, iCSeq = -1, iFrom = -1, iTo = -1, iVia = -1, iCType = -1, iCLen = -1;
  let last: SipHeader | null = null;
  let pos = afterStart;
  let bodyStart = -1;
  while (pos < n) {
    const e = lineEnd(s, pos, n);
    const next = lineNext;
    if (e === pos) { bodyStart = next > n ? n : next; break; }
    if (e - pos > MAX_HEADER_LINE) return fail('line-too-long', `header line longer than ${MAX_HEADER_LINE} bytes`, pos);
    const c0 = s.charCodeAt(pos);
    if (c0 === 32 || c0 === 9) {
      // Folded continuation (RFC 3261 §7.3.1): joined to the previous value with one SP.
      let q = pos;
      while (q < e && (s.charCodeAt(q) === 32 || s.charCodeAt(q) === 9)) q++;
      let qe = e;
      while (qe > q && (s.charCodeAt(qe - 1) === 32 || s.charCodeAt(qe - 1) === 9)) qe--;
      if (last === null) problems.push('continuation line before the first header');
      else if (qe > q) {
        last.value = last.value ? last.value + ' ' + txt(q, qe) : txt(q, qe);
        if (last.value.length > MAX_HEADER_LINE) {
          return fail('line-too-long', `header ${last.name} longer than ${MAX_HEADER_LINE} bytes after unfolding`, pos);
        }
      }
      pos = next;
      continue;
    }
    const colon = s.indexOf(':', pos);
    if (colon < 0 || colon > e) {
      problems.push(`line without a colon: "${clip(txt(pos, e))}"`);
      last = null;
      pos = next;
      continue;
    }
    let ne = colon;
    while (ne > pos && (s.charCodeAt(ne - 1) === 32 || s.charCodeAt(ne - 1) === 9)) ne--;
    if (ne === pos) {
      problems.push(`header line without a name: "${clip(txt(pos, e))}"`);
      last = null;
      pos = next;
      continue;
    }
    let vs = colon + 1;
    while (vs < e && (s.charCodeAt(vs) === 32 || s.charCodeAt(vs) === 9)) vs++;
    let ve = e;
    while (ve > vs && (s.charCodeAt(ve - 1) === 32 || s.charCodeAt(ve - 1) === 9)) ve--;
    if (headers.length >= MAX_HEADERS) return fail('too-many-headers', `more than ${MAX_HEADERS} header fields`, pos);
    const name = knownHeaderName(s, pos, ne - pos) ?? canonicalHeaderName(txt(pos, ne));
    last = { name, value: txt(vs, ve) };
    const idx = headers.length;
    headers.push(last);
    switch (name) {
      case 'Call-ID': if (iCallId < 0) iCallId = idx; break;
      case 'CSeq': if (iCSeq < 0) iCSeq = idx; break;
      case 'From': if (iFrom < 0) iFrom = idx; break;
      case 'To': if (iTo < 0) iTo = idx; break;
      case 'Via': if (iVia < 0) iVia = idx; break;
      case 'Content-Type': if (iCType < 0) iCType = idx; break;
      case 'Content-Length':
        if (iCLen < 0) iCLen = idx;
        else if (headers[iCLen]!.value !== last.value) problems.push('conflicting Content-Length headers');
        break;
    }
    pos = next;
  }
  if (bodyStart < 0) {
    bodyStart = n;
    if (headers.length > 0 || pos < n) problems.push('no blank line after the headers');
  }

  // ---- mandatory headers ----
  if (iCallId >= 0) {
    p.callId = headers[iCallId]!.value;
    if (!p.callId) problems.push('empty Call-ID');
  } else problems.push('no Call-ID');
  if (iCSeq >= 0) parseCSeq(p, headers[iCSeq]!.value);
  else problems.push('no CSeq');
  if (iFrom >= 0) {
    const v = headers[iFrom]!.value;
    p.fromValue = v;
    const tag = nameAddrParamFast(v, 'tag');
    p.fromTag = tag !== undefined ? tag : p.from!.params['tag'] ?? null;
  } else problems.push('no From');
  if (iTo >= 0) {
    const v = headers[iTo]!.value;
    p.toValue = v;
    const tag = nameAddrParamFast(v, 'tag');
    p.toTag = tag !== undefined ? tag : p.to!.params['tag'] ?? null;
  } else problems.push('no To');
  if (iVia >= 0) {
    const v = firstListItem(headers[iVia]!.value);
    p.viaValue = v;
    const branch = viaBranchFast(v);
    p.branch = branch !== undefined ? branch : p.via?.branch ?? null;
  } else problems.push('no Via');
  if (iCType >= 0) p.contentType = headers[iCType]!.value;

  // ---- body ----
  if (iCLen >= 0) {
    const v = headers[iCLen]!.value;
    let ok = v.length > 0 && v.length <= 10;
    for (let i = 0; ok && i < v.length; i++) { const c = v.charCodeAt(i); if (c < 0x30 || c > 0x39) ok = false; }
    if (ok) p.contentLength = Number(v);
    else problems.push(`bad Content-Length "${clip(v)}"`);
  }
  let bodyEnd: number;
  if (p.contentLength !== null) {
    bodyEnd = bodyStart + p.contentLength;
    if (bodyEnd > n) {
      p.truncatedBody = true;
      problems.push(`Content-Length ${p.contentLength} but only ${n - bodyStart} body bytes`);
      bodyEnd = n;
    }
  } else {
    bodyEnd = stream ? bodyStart : n;
  }
  p.length = bodyEnd;
  if (bodyEnd > bodyStart) {
    if (ascii || !isUtf8(buf.subarray(start + bodyStart, start + bodyEnd))) p.body = s.slice(bodyStart, bodyEnd);
    else {
      p.body = buf.toString('utf8', start + bodyStart, start + bodyEnd);
      p.bodyEncoding = 'utf8';
    }
  }
  if (ascii) p.raw = s.slice(msgStart, bodyEnd);
  else p.raw = buf.toString('utf8', start + msgStart, start + bodyStart) + p.body;

  if (p.isRequest && p.cseqMethod && p.cseqMethod !== p.method) {
    problems.push(`CSeq method ${p.cseqMethod} does not match request method ${p.method}`);
  }
  return p;
}

function parseCSeq(p: ParsedSip, v: string): void {
  let i = 0;
  let num = 0;
  for (; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    num = num * 10 + (c - 0x30);
  }
  let j = i;
  while (j < v.length && (v.charCodeAt(j) === 32 || v.charCodeAt(j) === 9)) j++;
  let k = j;
  while (k < v.length && v.charCodeAt(k) > 32) k++;
  if (i === 0 || j === i || k === j || i > 10) {
    p._found.push(`bad CSeq "${clip(v)}"`);
    return;
  }
  p.cseqNum = num;
  p.cseqMethod = v.slice(j, k);
  if (num > 0x7fffffff) p._found.push(`CSeq number ${num} larger than 2^31-1`);
}

/** Where and when a message was captured: the SipMessage fields toSipMessage adds to a ParsedSip. */
export type MessageMeta = Pick<SipMessage, 'frame' | 'time' | 'tsSec' | 'tsNsec' | 'src' | 'dst' | 'srcIp' | 'dstIp' | 'transport'>;

/** The message metadata of a packet: its endpoints as "ip:port", `time` relative to the first frame. */
export function messageMeta(p: PacketMeta, time: number): MessageMeta {
  return {
    frame: p.frame, time, tsSec: p.tsSec, tsNsec: p.tsNsec,
    src: endpoint(p.src, p.srcPort), dst: endpoint(p.dst, p.dstPort), srcIp: p.src, dstIp: p.dst, transport: p.transport,
  };
}

/** The model's SipMessage: parsed content plus where and when it was captured. */
export function toSipMessage(p: ParsedSip, meta: MessageMeta): SipMessage {
  return {
    frame: meta.frame, time: meta.time, tsSec: meta.tsSec, tsNsec: meta.tsNsec,
    src: meta.src, dst: meta.dst, srcIp: meta.srcIp, dstIp: meta.dstIp, transport: meta.transport,
    isRequest: p.isRequest, method: p.method, requestUri: p.requestUri, status: p.status, reason: p.reason,
    headers: p.headers, callId: p.callId, cseqNum: p.cseqNum, cseqMethod: p.cseqMethod, from: p.from, to: p.to,
    fromTag: p.fromTag, toTag: p.toTag, branch: p.branch, contentType: p.contentType, body: p.body, raw: p.raw,
  };
}
