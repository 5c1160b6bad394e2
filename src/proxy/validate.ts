/**
 * The proxy's strict reading of a message, on top of the shared parser
 * (src/sip/parser.ts), which is lenient on purpose (it reads captures as
 * Wireshark does). An element that acts on a message must refuse what
 * RFC 3261 and the torture tests of RFC 4475 / RFC 5118 call invalid:
 *
 * - request line: one SP between its three parts, nothing after the
 *   version (lwsstart, trws, lwsruri), no <> around the URI (ltgtruri),
 *   SIP/2.0 only (505, badvers);
 * - Request-URI of sip/sips: no headers (escruri), a host that is a name,
 *   an IPv4 address or a valid bracketed IPv6 reference (ipv6-bad,
 *   ipv6-bug-abnf-3-colons);
 * - CSeq: a number below 2^31 and the request's method (scalar02,
 *   mismatch01; 501 for an unknown method that does not match, mismatch02);
 * - Max-Forwards 0-255; one Content-Length, a number, not more than the
 *   datagram holds (mcl01, ncl, clerr: RFC 3261 §18.3);
 * - header fields that take one value appear once (multi01);
 * - From, To and Contact: balanced quotes (quotbal), a display name of
 *   tokens or a quoted string (baddn), no spaces inside <> (badaspec), an
 *   addr-spec without <> has no '?' or ',' (regbadct), no empty
 *   parameters (badinv01); Via: no empty list items or parameters;
 * - Proxy-Require: this proxy supports no extension (420 with Unsupported,
 *   bext01; ACK and CANCEL exempt, §8.2.2.3).
 *
 * Answers are for requests; a response that fails is dropped.
 */
import { isIPv6 } from 'node:net';
import { isSipParseError, parseSip, repeatedSingleHeader, type ParsedSip } from '../sip/parser.js';
import { viaParses } from '../sip/uri.js';
import type { HeaderList } from './responses.js';
import { boundedMemo } from '../memo.js';

export interface Refusal { status: number; reason: string; headers?: HeaderList }

/** Methods this proxy knows (RFC 3261 and the usual extensions); others are forwarded as they are. */
export const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'INFO', 'UPDATE', 'PRACK', 'MESSAGE', 'PUBLISH']);

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/;
const MAX_CSEQ = 2 ** 31 - 1;

function bad(reason: string): Refusal { return { status: 400, reason: `Bad Request - ${reason}` }; }

/** Split on `sep` outside quoted strings and <...> (empty items kept). */
export function splitTop(s: string, sep: string): string[] {
  const out: string[] = [];
  let q = false, angle = 0, start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) { if (c === '\\') i++; else if (c === '"') q = false; continue; }
    if (c === '"') q = true;
    else if (c === '<') angle++;
    else if (c === '>') angle = Math.max(0, angle - 1);
    else if (c === sep && angle === 0) { out.push(s.slice(start, i)); start = i + 1; }
  }
  out.push(s.slice(start));
  return out;
}

/** First `ch` outside quoted strings, -1 when none. */
function indexOutsideQuotes(s: string, ch: string): number {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (q) { if (c === '\\') i++; else if (c === '"') q = false; continue; }
    if (c === '"') q = true;
    else if (c === ch) return i;
  }
  return -1;
}

function quotesBalanced(s: string): boolean {
  let q = false;
  for (let i = 0; i < s.length; i++) {
    if (q && s[i] === '\\') { i++; continue; }
    if (s[i] === '"') q = !q;
  }
  return !q;
}

/** The host[:port] of a sip/sips URI is well formed (RFC 3261 §25.1, RFC 5118 §4.10 for IPv6 references). */
export function validSipHostPort(uri: string): boolean {
  const colon = uri.indexOf(':');
  let rest = uri.slice(colon + 1);
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  const end = rest.search(/[;?]/);
  const hp = end < 0 ? rest : rest.slice(0, end);
  let host: string, port: string | null = null;
  if (hp.startsWith('[')) {
    const close = hp.indexOf(']');
    if (close < 0) return false;
    if (!isIPv6(hp.slice(1, close))) return false;
    host = 'v6';
    const after = hp.slice(close + 1);
    if (after) { if (!after.startsWith(':')) return false; port = after.slice(1); }
  } else {
    const c = hp.indexOf(':');
    host = c < 0 ? hp : hp.slice(0, c);
    if (c >= 0) port = hp.slice(c + 1);
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9.])?$/.test(host)) return false;
  }
  return port === null || /^\d{1,5}$/.test(port);
}

/** A name-addr or addr-spec with its parameters (From, To, one Contact): what is wrong with it, or null. */
function nameAddrProblem(v: string, name: string): string | null {
  const t = v.trim();
  if (!quotesBalanced(t)) return `unterminated quoted string in ${name}`;
  if (name === 'Contact' && t === '*') return null;
  let params: string;
  const lt = indexOutsideQuotes(t, '<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    if (gt < 0) return `unclosed < in ${name}`;
    const inner = t.slice(lt + 1, gt);
    if (inner !== inner.trim() || inner === '') return `spaces inside <> in ${name}`;
    const display = t.slice(0, lt).trim();
    if (display && !(display.startsWith('"') && display.endsWith('"') && display.length >= 2)
      && !display.split(/[ \t]+/).every((w) => TOKEN.test(w))) return `display name of ${name} is neither tokens nor a quoted string`;
    params = t.slice(gt + 1).trim();
    if (params && !params.startsWith(';')) return `text after > in ${name}`;
    params = params.slice(1);
    if (!params && t.slice(gt + 1).trim() === '') return null;
  } else {
    const semi = t.indexOf(';');
    const uri = (semi < 0 ? t : t.slice(0, semi)).trim();
    if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) return `${name} is not a URI`;
    if (/[?,]/.test(uri)) return `${name} URI with '?' or ',' must be enclosed in <>`;
    if (semi < 0) return null;
    params = t.slice(semi + 1);
  }
  for (const p of splitTop(params, ';')) if (!p.trim()) return `empty parameter in ${name}`;
  return null;
}

/** A Contact header line: balanced quotes, then each of its comma-separated addresses. */
function contactProblem(line: string): string | null {
  if (!quotesBalanced(line)) return 'unterminated quoted string in Contact';
  for (const item of splitTop(line, ',')) {
    const problem = nameAddrProblem(item, 'Contact');
    if (problem) return problem;
  }
  return null;
}

/**
 * What is wrong with a Via header line, or null: an empty item, an item that
 * does not parse (viaParses), an empty parameter, in that order within each
 * item. One scan of the line (a Via carries a new branch in every
 * transaction, so its verdict is never remembered and must be cheap).
 */
export function viaProblem(v: string): string | null {
  let q = false, angle = 0, itemStart = 0, paramStart = -1, emptyParam = false;
  const n = v.length;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (q) { if (c === 92) i++; else if (c === 34) q = false; continue; }
    if (c === 34) q = true;
    else if (c === 60) angle++;
    else if (c === 62) angle = Math.max(0, angle - 1);
    else if (angle === 0 && (c === 59 || c === 44)) {
      if (paramStart >= 0 && isBlank(v, paramStart, i)) emptyParam = true;
      if (c === 59) { paramStart = i + 1; continue; }
      const problem = viaItemProblem(v, itemStart, i, emptyParam);
      if (problem) return problem;
      itemStart = i + 1;
      paramStart = -1;
      emptyParam = false;
    }
  }
  if (paramStart >= 0 && isBlank(v, paramStart, n)) emptyParam = true;
  return viaItemProblem(v, itemStart, n, emptyParam);
}

function viaItemProblem(v: string, start: number, end: number, emptyParam: boolean): string | null {
  if (isBlank(v, start, end)) return 'empty item in Via';
  if (!viaParses(v.slice(start, end))) return 'unparsable Via';
  return emptyParam ? 'empty parameter in Via' : null;
}

/** v[start, end) is empty or whitespace only, as String.prototype.trim sees it. */
function isBlank(v: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const c = v.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13)) continue;
    // Beyond ASCII, trim's own idea of white space (no-break space, the Unicode spaces) decides.
    return c >= 128 ? v.slice(start, end).trim() === '' : false;
  }
  return true;
}

/**
 * The verdicts of nameAddrProblem by header and value: a pure function of the
 * text, and the same From, To and Contact values come back in every message
 * of a call and in the responses that copy them (a Via does not: its branch
 * is new in each transaction), so under load most checks are a lookup.
 */
const remembered = {
  From: boundedMemo(4096, (v) => nameAddrProblem(v, 'From')),
  To: boundedMemo(4096, (v) => nameAddrProblem(v, 'To')),
  Contact: boundedMemo(4096, contactProblem),
};

/**
 * What the proxy answers to a parsed request that it must not act on, or
 * null when it may. For a response: a reason to drop it (status 0), or null.
 */
export function strictCheck(p: ParsedSip): Refusal | null {
  if (p.isRequest) {
    const r = startLineProblem(p);
    if (r) return r;
  }
  const repeated = repeatedSingleHeader(p);
  if (repeated !== null) return bad(`more than one ${repeated}`);
  const cseq = /^\s*(\d+)\s+([!-~]+)\s*$/.exec(p.header('CSeq') ?? '');
  if (!cseq || Number(cseq[1]) > MAX_CSEQ) return bad('CSeq number not below 2^31');
  if (p.isRequest && cseq[2] !== p.method) {
    return KNOWN_METHODS.has(p.method!) ? bad('CSeq method does not match the request method')
      : { status: 501, reason: 'Not Implemented' };
  }
  const mf = p.header('Max-Forwards');
  if (mf !== null && !(/^\s*\d{1,9}\s*$/.test(mf) && Number(mf) <= 255)) return bad('Max-Forwards not in 0-255');
  const cl = p.header('Content-Length');
  if (cl !== null && !/^\s*\d+\s*$/.test(cl)) return bad('Content-Length not a number');
  if (p.truncatedBody) return bad('Content-Length larger than the datagram');
  for (const name of ['From', 'To'] as const) {
    const v = p.header(name);
    const problem = v === null ? null : remembered[name](v);
    if (problem) return bad(problem);
  }
  for (const line of p.headersNamed('Contact')) {
    const problem = remembered.Contact(line);
    if (problem) return bad(problem);
  }
  for (const line of p.headersNamed('Via')) {
    const problem = viaProblem(line);
    if (problem) return bad(problem);
  }
  if (p.isRequest && p.method !== 'ACK' && p.method !== 'CANCEL') {
    const required = p.headersNamed('Proxy-Require').flatMap((v) => v.split(',')).map((x) => x.trim()).filter(Boolean);
    if (required.length) return { status: 420, reason: 'Bad Extension', headers: [['Unsupported', required.join(', ')]] };
  }
  return null;
}

function startLineProblem(p: ParsedSip): Refusal | null {
  const raw = p.raw;
  let e = raw.indexOf('\n');
  if (e < 0) e = raw.length;
  const line = raw.slice(0, e).replace(/\r$/, '');
  const parts = line.split(' ');
  if (parts.length !== 3 || parts.some((x) => x === '' || /\s/.test(x))) return bad('malformed request line');
  const [, uri, version] = parts as [string, string, string];
  if (!/^SIP\/2\.0$/i.test(version)) return { status: 505, reason: 'Version Not Supported' };
  if (uri.startsWith('<')) return bad('Request-URI enclosed in <>');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'sip' || scheme === 'sips') {
    if (!validSipHostPort(uri)) return bad('bad host in Request-URI');
    const at = uri.lastIndexOf('@');
    if (uri.slice(at + 1).includes('?')) return bad('headers in the Request-URI');
  }
  return null;
}

/**
 * A request whose start line the parser cannot read (lwsruri: a space
 * inside the URI) still deserves its 400 when its headers say where to send
 * it: the message parsed again with a placeholder start line, for building
 * the answer. Null when it is not such a request (or is an ACK).
 */
export function salvageRequest(buf: Buffer): ParsedSip | null {
  let e = buf.indexOf(10);
  if (e < 0) return null;
  const first = buf.subarray(0, e).toString('latin1').replace(/\r$/, '');
  const m = /^([!-~]+) .* SIP\/2\.0$/i.exec(first);
  if (!m || m[1] === 'ACK' || m[1]!.startsWith('SIP/')) return null;
  const fixed = Buffer.concat([Buffer.from(`${m[1]} sip:invalid SIP/2.0\r\n`, 'latin1'), buf.subarray(e + 1)]);
  const p = parseSip(fixed);
  return isSipParseError(p) || !p.via ? null : p;
}
