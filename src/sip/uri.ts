/**
 * SIP URIs, name-addr / addr-spec values, Via values and generic header
 * parameters (RFC 3261 §19, §20.10, §20.42, §25; RFC 3966 tel URIs).
 *
 * Lenient like Wireshark: what cannot be parsed is kept as text and nothing
 * here throws. Scanning is done with indexOf and charCodeAt, no regular
 * expressions on the hot paths; nameAddrParamFast and viaBranchFast give the
 * tag and branch of the usual forms without a full parse.
 *
 * Conventions:
 * - Parameter names are lower-cased (they are case-insensitive); values are
 *   kept as written, quoted-string values unquoted and unescaped; a parameter
 *   without "=" has the value null. The first occurrence of a name wins.
 * - An IPv6 host keeps its brackets ("[2001:db8::1]"), as it is written in a
 *   URI, so `plain` and host:port joins stay unambiguous. One written without
 *   them (sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0, as some phones send it) is
 *   kept whole, a last ":port" split off only when the rest is an address;
 *   its `host` gets the brackets, `plain` stays as written (as Wireshark's
 *   From/To address).
 * - The URI user part is kept as written (percent escapes not decoded).
 */
import type { NameAddr, SipUri } from '../model.js';

const DQUOTE = 34, BSLASH = 92, SEMI = 59, COMMA = 44, COLON = 58;
const LT = 60, GT = 62, QMARK = 63, LBRACK = 91, SLASH = 47;

/** Header or URI parameters: name (lower-case) -> value, or null for a flag parameter. */
export type Params = Record<string, string | null>;

function setParam(out: Params, name: string, value: string | null): void {
  if (out[name] !== undefined) {
    // First occurrence wins; '__proto__' (from untrusted input) must stay an own property.
    if (Object.hasOwn(out, name)) return;
    if (name === '__proto__') {
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
      return;
    }
  }
  out[name] = value;
}

/** s[i..] starts with the ASCII word w (case-sensitive). Cheaper than startsWith here. */
function word(s: string, i: number, w: string): boolean {
  for (let k = 0; k < w.length; k++) if (s.charCodeAt(i + k) !== w.charCodeAt(k)) return false;
  return true;
}

/**
 * The lower-cased parameter name in s[i, e). Common names come back as
 * constants (interned, so property stores stay on V8's fast path).
 */
function paramName(s: string, i: number, e: number): string {
  const c = s.charCodeAt(i);
  switch (e - i) {
    case 1: if (c === 0x71) return 'q'; break;
    case 2: if (c === 0x6c && s.charCodeAt(i + 1) === 0x72) return 'lr'; break;
    case 3:
      if (c === 0x74 && word(s, i, 'tag')) return 'tag';
      if (c === 0x74 && word(s, i, 'ttl')) return 'ttl';
      break;
    case 4: if (c === 0x75 && word(s, i, 'user')) return 'user'; break;
    case 5:
      if (c === 0x72 && word(s, i, 'rport')) return 'rport';
      if (c === 0x6d && word(s, i, 'maddr')) return 'maddr';
      break;
    case 6:
      if (c === 0x62 && word(s, i, 'branch')) return 'branch';
      if (c === 0x6d && word(s, i, 'method')) return 'method';
      break;
    case 7: if (c === 0x65 && word(s, i, 'expires')) return 'expires'; break;
    case 8: if (c === 0x72 && word(s, i, 'received')) return 'received'; break;
    case 9: if (c === 0x74 && word(s, i, 'transport')) return 'transport'; break;
  }
  return s.slice(i, e).toLowerCase();
}

/**
 * Read a quoted-string starting at s[i] === '"'. Returns [unescaped text, index after the closing quote].
 * Backslash escapes (quoted-pair) are resolved. An unterminated string runs to `end`.
 */
export function readQuoted(s: string, i: number, end = s.length): [string, number] {
  let j = i + 1;
  // Fast path: no escapes before the closing quote.
  let q = s.indexOf('"', j);
  const b = s.indexOf('\\', j);
  if (q >= 0 && q < end && (b < 0 || b > q)) return [s.slice(j, q), q + 1];
  let out = '';
  let from = j;
  while (j < end) {
    const c = s.charCodeAt(j);
    if (c === BSLASH && j + 1 < end) {
      out += s.slice(from, j);
      from = j + 1;
      j += 2;
      continue;
    }
    if (c === DQUOTE) return [out + s.slice(from, j), j + 1];
    j++;
  }
  q = end;
  return [out + s.slice(from, q), q];
}

/** The text of a quoted-string without quotes and escapes; other text is returned trimmed. */
export function unquote(s: string): string {
  const t = s.trim();
  return t.charCodeAt(0) === DQUOTE ? readQuoted(t, 0)[0] : t;
}

/** Make a quoted-string of arbitrary text (escapes `"` and `\`). */
export function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, '\\$&') + '"';
}

/**
 * Parse `;a=b;c;d="x y"` parameters in s[start, end) (the leading ';' optional,
 * whitespace around ';' and '=' allowed).
 */
export function parseParams(s: string, start = 0, end = s.length): Params {
  const out: Params = {};
  let i = start;
  while (i < end) {
    const c = s.charCodeAt(i);
    if (c === SEMI || c <= 32) { i++; continue; }
    let semi = s.indexOf(';', i);
    if (semi < 0 || semi > end) semi = end;
    let eq = s.indexOf('=', i);
    if (eq >= semi) eq = -1;
    let ne = eq < 0 ? semi : eq;
    while (ne > i && s.charCodeAt(ne - 1) <= 32) ne--;
    const name = paramName(s, i, ne);
    if (eq < 0) {
      if (name) setParam(out, name, null);
      i = semi;
      continue;
    }
    let vs = eq + 1;
    while (vs < semi && s.charCodeAt(vs) <= 32) vs++;
    if (vs < end && s.charCodeAt(vs) === DQUOTE) {
      // Quoted value: may contain ';'. Skip whatever follows it up to the next ';'.
      const r = readQuoted(s, vs, end);
      if (name) setParam(out, name, r[0]);
      const k = s.indexOf(';', r[1]);
      i = k < 0 || k > end ? end : k;
      continue;
    }
    let ve = semi;
    while (ve > vs && s.charCodeAt(ve - 1) <= 32) ve--;
    if (name) setParam(out, name, s.slice(vs, ve));
    i = semi;
  }
  return out;
}

/** Index of the first ',' at depth 0 (outside quotes and <>), or -1. */
function topLevelComma(value: string, from: number): number {
  let depth = 0;
  const n = value.length;
  for (let i = from; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c === DQUOTE) {
      i++;
      while (i < n) {
        const d = value.charCodeAt(i);
        if (d === BSLASH) i++;
        else if (d === DQUOTE) break;
        i++;
      }
    } else if (c === LT) depth++;
    else if (c === GT) { if (depth > 0) depth--; }
    else if (c === COMMA && depth === 0) return i;
  }
  return -1;
}

/**
 * Split a comma-separated header value (Via, Contact, Route, Allow, ...) on
 * the commas that are outside quoted strings and <>. Items are trimmed,
 * empty ones dropped. Do not use it on headers whose single value contains
 * commas (Date, WWW-Authenticate, Authorization...).
 */
export function splitHeaderList(value: string): string[] {
  if (value.indexOf(',') < 0) {
    const t = value.trim();
    return t ? [t] : [];
  }
  const out: string[] = [];
  let start = 0;
  for (;;) {
    const c = topLevelComma(value, start);
    const item = (c < 0 ? value.slice(start) : value.slice(start, c)).trim();
    if (item) out.push(item);
    if (c < 0) return out;
    start = c + 1;
  }
}

/** Alias of {@link splitHeaderList}. */
export const splitHeaderValues = splitHeaderList;

/** The first item of a comma-separated header value (the top Via of a Via header line). */
export function firstListItem(value: string): string {
  if (value.indexOf(',') < 0) return value.trim();
  const c = topLevelComma(value, 0);
  return (c < 0 ? value : value.slice(0, c)).trim();
}

/** Length of a URI scheme at s[i] ("sip" in "sip:..."), 0 when there is none. */
function schemeEnd(s: string, i: number, end: number): number {
  let j = i;
  let c = s.charCodeAt(j) | 0x20;
  if (!(c >= 0x61 && c <= 0x7a)) return -1;
  j++;
  while (j < end) {
    c = s.charCodeAt(j);
    if (c === COLON) return j;
    const l = c | 0x20;
    if (!((l >= 0x61 && l <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e)) return -1;
    j++;
  }
  return -1;
}

/** Digits of s[i, end) as a port (0..65535), or null. */
/**
 * An IPv6 address written without brackets where a host:port is expected
 * (sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0, as some phones send it): the host
 * part s[i, e) when it is one — all of it, or all but a last ":port" when
 * the rest is one — as the end of the host; -1 when it is not IPv6.
 */
function bareIpv6End(s: string, i: number, e: number): number {
  let colons = 0;
  for (let k = i; k < e; k++) {
    const c = s.charCodeAt(k);
    if (c === COLON) colons++;
    else if (!((c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) || c === 0x2e)) return -1;
  }
  if (colons < 2) return -1;
  if (isIpv6Text(s, i, e)) return e;
  const last = s.lastIndexOf(':', e - 1);
  return last > i && isIpv6Text(s, i, last) ? last : -1;
}

/** Is s[i, e) IPv6 text (eight groups, or fewer with one "::", an IPv4 tail allowed)? */
function isIpv6Text(s: string, i: number, e: number): boolean {
  const t = s.slice(i, e);
  const dbl = t.indexOf('::');
  if (dbl >= 0 && t.indexOf('::', dbl + 1) >= 0) return false;
  const groups = t.split(':');
  let n = 0;
  for (let g = 0; g < groups.length; g++) {
    const x = groups[g]!;
    if (x === '') continue;
    if (g === groups.length - 1 && x.includes('.')) { if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(x)) return false; n += 2; continue; }
    if (!/^[0-9a-fA-F]{1,4}$/.test(x)) return false;
    n++;
  }
  return dbl >= 0 ? n <= 7 : n === 8;
}

function parsePort(s: string, i: number, end: number): number | null {
  if (i >= end || end - i > 5) return null;
  let v = 0;
  for (let j = i; j < end; j++) {
    const c = s.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return null;
    v = v * 10 + (c - 0x30);
  }
  return v <= 65535 ? v : null;
}

/** Lower-cased scheme of s[i, colon), as a constant for the usual ones. */
function schemeName(s: string, i: number, colon: number): string {
  const c = s.charCodeAt(i);
  if (c === 0x73 && s.charCodeAt(i + 1) === 0x69 && s.charCodeAt(i + 2) === 0x70) {
    if (colon - i === 3) return 'sip';
    if (colon - i === 4 && s.charCodeAt(i + 3) === 0x73) return 'sips';
  } else if (colon - i === 3 && c === 0x74 && s.charCodeAt(i + 1) === 0x65 && s.charCodeAt(i + 2) === 0x6c) return 'tel';
  return s.slice(i, colon).toLowerCase();
}

/**
 * Parse a URI: sip/sips (user, password dropped, host, port, ;params, ?headers
 * ignored), tel (the number as `user`, host ""), or any other scheme (the
 * opaque part as `host`). Returns null when there is no scheme or no host.
 */
export function parseUri(text: string): SipUri | null {
  let i = 0;
  let end = text.length;
  while (i < end && text.charCodeAt(i) <= 32) i++;
  while (end > i && text.charCodeAt(end - 1) <= 32) end--;
  const colon = schemeEnd(text, i, end);
  if (colon < 0) return null;
  const scheme = schemeName(text, i, colon);
  let p = colon + 1;

  if (scheme === 'sip' || scheme === 'sips') {
    // userinfo: up to the first '@' (user and password cannot contain a raw '@').
    let user: string | null = null;
    let password = false;
    let at = text.indexOf('@', p);
    if (at >= end) at = -1;
    if (at >= 0) {
      let ue = text.indexOf(':', p);
      if (ue < 0 || ue > at) ue = at;
      else password = true;
      user = text.slice(p, ue);
      p = at + 1;
    }
    const hostStart = p;
    let host: string;
    let port: number | null = null;
    let bare6 = false;
    if (p < end && text.charCodeAt(p) === LBRACK) {
      const close = text.indexOf(']', p);
      if (close < 0 || close >= end) return null;
      p = close + 1;
    } else {
      for (; p < end; p++) {
        const c = text.charCodeAt(p);
        if (c === COLON || c === SEMI || c === QMARK || c === GT || c <= 32) break;
      }
      if (p < end && text.charCodeAt(p) === COLON) {
        // More colons before the parameters: an IPv6 address without its brackets.
        let e = p;
        while (e < end) {
          const c = text.charCodeAt(e);
          if (c === SEMI || c === QMARK || c === GT || c <= 32) break;
          e++;
        }
        const v6 = bareIpv6End(text, hostStart, e);
        if (v6 > p) { p = v6; bare6 = true; }
      }
    }
    if (p === hostStart) return null;
    // An unbracketed IPv6 host gets its brackets (host:port joins stay unambiguous); `plain` keeps the text as written.
    host = bare6 ? '[' + text.slice(hostStart, p) + ']' : text.slice(hostStart, p);
    const hostEnd = p;
    let portAsWritten = true;
    if (p < end && text.charCodeAt(p) === COLON) {
      let e = p + 1;
      while (e < end) {
        const c = text.charCodeAt(e);
        if (c === SEMI || c === QMARK || c === GT || c <= 32) break;
        e++;
      }
      port = parsePort(text, p + 1, e);
      portAsWritten = port !== null && e - p - 1 === (port < 10 ? 1 : port < 100 ? 2 : port < 1000 ? 3 : port < 10000 ? 4 : 5);
      p = e;
    }
    let params: Params;
    if (p < end && text.charCodeAt(p) === SEMI) {
      let e = text.indexOf('?', p);
      if (e < 0 || e > end) e = end;
      params = parseParams(text, p, e);
    } else {
      params = {};
    }
    // plain: a slice of the text when it already reads scheme:user@host[:port] (lower-case scheme, no password).
    const plain = !password && portAsWritten && word(text, i, scheme)
      ? text.slice(i, port !== null ? p : hostEnd)
      : scheme + ':' + (user !== null ? user + '@' : '') + host + (port !== null ? ':' + port : '');
    return { scheme, user, host, port, plain, params };
  }

  // tel:+1-201-555-0123;phone-context=... (RFC 3966), urn:service:sos, and other schemes.
  let e = p;
  while (e < end) {
    const c = text.charCodeAt(e);
    if (c === SEMI || c === QMARK || c <= 32) break;
    e++;
  }
  const opaque = text.slice(p, e);
  if (!opaque) return null;
  let params: Params = {};
  if (e < end && text.charCodeAt(e) === SEMI) {
    let q = text.indexOf('?', e);
    if (q < 0 || q > end) q = end;
    params = parseParams(text, e, q);
  }
  if (scheme === 'tel') return { scheme, user: opaque, host: '', port: null, plain: 'tel:' + opaque, params };
  return { scheme, user: null, host: opaque, port: null, plain: scheme + ':' + opaque, params };
}

/** The `?headers` part of a URI ("Replaces=..." of a Refer-To), or null. */
export function uriHeaders(text: string): string | null {
  const q = text.indexOf('?');
  if (q < 0) return null;
  const gt = text.indexOf('>', q);
  return text.slice(q + 1, gt < 0 ? text.length : gt).trim();
}

/**
 * Parse a From/To/Contact/Route/Refer-To style value:
 *   name-addr:  [display-name] <URI> *(;param)   display quoted or token(s)
 *   addr-spec:  URI *(;param)                     the ;params belong to the header
 * `*` (Contact: *) and unparsable URIs give uri null with uriText kept.
 */
export function parseNameAddr(value: string): NameAddr {
  const s = value;
  let i = 0;
  const n = s.length;
  while (i < n && s.charCodeAt(i) <= 32) i++;
  let display: string | null = null;
  let lt = -1;
  if (i < n && s.charCodeAt(i) === DQUOTE) {
    const r = readQuoted(s, i, n);
    display = r[0];
    let j = r[1];
    while (j < n && s.charCodeAt(j) <= 32) j++;
    if (j < n && s.charCodeAt(j) === LT) lt = j;
    else {
      lt = s.indexOf('<', j);
      if (lt < 0) i = j; // quoted display without <URI>: treat the rest as addr-spec
    }
  } else {
    // Token display name(s) run up to '<'; a ':' first means an addr-spec (whose quoted params may hold '<').
    lt = s.indexOf('<', i);
    if (lt >= 0) {
      const colon = s.indexOf(':', i);
      if (colon >= 0 && colon < lt) lt = -1;
    }
    if (lt >= 0) {
      let de = lt;
      while (de > i && s.charCodeAt(de - 1) <= 32) de--;
      display = de > i ? s.slice(i, de) : null;
    }
  }

  let uriText: string;
  let params: Params;
  if (lt >= 0) {
    const gt = s.indexOf('>', lt + 1);
    let us = lt + 1;
    let ue = gt < 0 ? n : gt;
    while (us < ue && s.charCodeAt(us) <= 32) us++;
    while (ue > us && s.charCodeAt(ue - 1) <= 32) ue--;
    uriText = s.slice(us, ue);
    params = gt < 0 || gt + 1 >= n ? {} : parseParams(s, gt + 1, n);
  } else {
    let e = s.indexOf(';', i);
    if (e < 0) e = n;
    let ue = i;
    while (ue < e && s.charCodeAt(ue) > 32) ue++;
    uriText = s.slice(i, ue);
    params = ue < n ? parseParams(s, ue, n) : {};
  }
  return { display, uri: parseUri(uriText), uriText, params };
}

/**
 * The value of header parameter `name` in value[from..] without a full parse
 * (`key` is ";" + name + "="): the value, null when there are no parameters,
 * or undefined when only a full parse can tell (another spelling, whitespace,
 * a quoted value, an earlier parameter of the same name...).
 */
function paramAfter(value: string, from: number, key: string, name: string, gapMustBeBlank: boolean): string | null | undefined {
  const semi = value.indexOf(';', from);
  if (gapMustBeBlank) {
    // Between '>' and the first ';' only whitespace (anything else would be read as parameters).
    const gapEnd = semi < 0 ? value.length : semi;
    for (let i = from + 1; i < gapEnd; i++) if (value.charCodeAt(i) > 32) return undefined;
  }
  if (semi < 0) return null;
  const k = value.indexOf(key, semi);
  if (k < 0) return undefined;
  if (k !== semi && value.slice(semi, k).toLowerCase().indexOf(name) >= 0) return undefined;
  const n = value.length;
  const vs = k + key.length;
  let e = vs;
  while (e < n) {
    const c = value.charCodeAt(e);
    if (c === SEMI || c <= 32 || c === COMMA || c === DQUOTE) break;
    e++;
  }
  if (e < n && value.charCodeAt(e) !== SEMI) {
    // Only trailing whitespace may follow the token.
    let t = e;
    while (t < n && value.charCodeAt(t) <= 32) t++;
    if (t < n && value.charCodeAt(t) !== SEMI) return undefined;
  }
  return value.slice(vs, e);
}

/**
 * The header parameter `name` (lower-case, e.g. "tag") of a From/To style
 * value, decided cheaply when the value is in the usual form; undefined when
 * the caller must use parseNameAddr(value).params[name].
 */
export function nameAddrParamFast(value: string, name: string): string | null | undefined {
  const key = name === 'tag' ? ';tag=' : ';' + name + '=';
  const c0 = value.charCodeAt(0);
  if (c0 <= 32) return undefined;
  let lt: number;
  if (c0 === DQUOTE) {
    // A quoted display name without escapes, then <URI>.
    const q = value.indexOf('"', 1);
    if (q < 0) return undefined;
    const bs = value.indexOf('\\', 1);
    if (bs >= 0 && bs < q) return undefined;
    lt = value.indexOf('<', q + 1);
    if (lt < 0) return undefined;
  } else {
    // As parseNameAddr decides: '<' before any ':' is a name-addr, else an addr-spec.
    lt = value.indexOf('<');
    if (lt >= 0) {
      const colon = value.indexOf(':');
      if (colon >= 0 && colon < lt) lt = -1;
    }
  }
  if (lt < 0) {
    // addr-spec: the parameters start at the first ';' of a value without whitespace or quotes.
    if (value.indexOf(' ') >= 0 || value.indexOf('\t') >= 0 || value.indexOf('"') >= 0) return undefined;
    return paramAfter(value, 0, key, name, false);
  }
  const gt = value.indexOf('>', lt);
  if (gt < 0 || value.indexOf('"', gt) >= 0) return undefined;
  return paramAfter(value, gt, key, name, true);
}

/** The branch of one Via value decided cheaply, or undefined when parseVia(value) must tell. */
export function viaBranchFast(value: string): string | null | undefined {
  if (value.indexOf('"') >= 0 || value.indexOf('[') >= 0) return undefined;
  return paramAfter(value, 0, ';branch=', 'branch', false);
}

/** A parsed Via value (one hop). */
export interface Via {
  /** "SIP/2.0" (whitespace around '/' removed). */
  protocol: string;
  /** Transport, upper-cased: UDP, TCP, TLS, SCTP, WS, WSS... */
  transport: string;
  /** sent-by host (IPv6 with brackets). */
  host: string;
  port: number | null;
  params: Params;
  branch: string | null;
  received: string | null;
  /** rport value; null when absent or empty (see hasRport). */
  rport: number | null;
  /** The rport parameter is present (possibly without a value, as a client sends it). */
  hasRport: boolean;
}

/** Upper-cased transport of s[i, e), as a constant for the usual ones. */
function transportName(s: string, i: number, e: number): string {
  switch (e - i) {
    case 2: if (word(s, i, 'WS')) return 'WS'; break;
    case 3:
      if (word(s, i, 'UDP')) return 'UDP';
      if (word(s, i, 'TCP')) return 'TCP';
      if (word(s, i, 'TLS')) return 'TLS';
      if (word(s, i, 'WSS')) return 'WSS';
      break;
    case 4: if (word(s, i, 'SCTP')) return 'SCTP'; break;
  }
  return s.slice(i, e).toUpperCase();
}

/** Would parseVia(value) return a Via (not null)? The same scan, stopping where nothing after it can fail. */
export function viaParses(value: string): boolean {
  return readVia(value, true) !== null;
}

const VIA_CHECKED = {} as Via;

/** Parse one Via value ("SIP/2.0/UDP host:port;branch=..."), whitespace tolerant. Null when malformed. */
export function parseVia(value: string): Via | null {
  return readVia(value, false);
}

function readVia(value: string, checkOnly: boolean): Via | null {
  const s = value;
  const n = s.length;
  let i = 0;
  while (i < n && s.charCodeAt(i) <= 32) i++;
  let protocol: string;
  let transport: string;
  if (word(s, i, 'SIP/2.0/')) {
    // The usual form, without whitespace around the slashes.
    i += 8;
    const b = i;
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c <= 32 || c === SEMI) break;
      i++;
    }
    if (i === b) return null;
    protocol = 'SIP/2.0';
    transport = transportName(s, b, i);
  } else {
    // protocol-name / protocol-version / transport, LWS allowed around '/'.
    const parts: string[] = [];
    for (let k = 0; k < 3; k++) {
      while (i < n && s.charCodeAt(i) <= 32) i++;
      const b = i;
      while (i < n) {
        const c = s.charCodeAt(i);
        if (c === SLASH || c <= 32 || c === SEMI) break;
        i++;
      }
      if (i === b) return null;
      parts.push(s.slice(b, i));
      while (i < n && s.charCodeAt(i) <= 32) i++;
      if (k < 2) {
        if (i >= n || s.charCodeAt(i) !== SLASH) return null;
        i++;
      }
    }
    protocol = parts[0]!.toUpperCase() + '/' + parts[1]!;
    transport = parts[2]!.toUpperCase();
  }
  while (i < n && s.charCodeAt(i) <= 32) i++;
  const hs = i;
  let bare6 = false;
  if (i < n && s.charCodeAt(i) === LBRACK) {
    const close = s.indexOf(']', i);
    if (close < 0) return null;
    i = close + 1;
  } else {
    while (i < n) {
      const c = s.charCodeAt(i);
      if (c === COLON || c === SEMI || c === COMMA || c <= 32) break;
      i++;
    }
    if (i < n && s.charCodeAt(i) === COLON) {
      let e = i;
      while (e < n) {
        const c = s.charCodeAt(e);
        if (c === SEMI || c === COMMA || c <= 32) break;
        e++;
      }
      const v6 = bareIpv6End(s, hs, e);
      if (v6 > i) { i = v6; bare6 = true; }
    }
  }
  if (i === hs) return null;
  // Nothing below returns null (port, parameters): a check stops here.
  if (checkOnly) return VIA_CHECKED;
  const host = bare6 ? '[' + s.slice(hs, i) + ']' : s.slice(hs, i);
  while (i < n && s.charCodeAt(i) <= 32) i++;
  let port: number | null = null;
  if (i < n && s.charCodeAt(i) === COLON) {
    i++;
    while (i < n && s.charCodeAt(i) <= 32) i++;
    const b = i;
    while (i < n && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    port = parsePort(s, b, i);
  }
  const pe = s.indexOf(';', i);
  const params: Params = pe < 0 ? {} : parseParams(s, pe, n);
  const rp = params['rport'];
  return {
    protocol, transport, host, port, params,
    branch: params['branch'] ?? null,
    received: params['received'] ?? null,
    rport: rp ? parsePort(rp, 0, rp.length) : null,
    hasRport: rp !== undefined,
  };
}

/** Every hop of one or more Via header values, top first; malformed hops are skipped. */
export function parseViaList(values: string | readonly string[]): Via[] {
  const out: Via[] = [];
  for (const v of typeof values === 'string' ? [values] : values) {
    for (const item of splitHeaderList(v)) {
      const via = parseVia(item);
      if (via) out.push(via);
    }
  }
  return out;
}

/** "host:port" with the port omitted when null (IPv6 hosts are expected bracketed). */
export function hostPort(host: string, port: number | null): string {
  return port === null ? host : host + ':' + port;
}

