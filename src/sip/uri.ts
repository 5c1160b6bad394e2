/**
 * SIP URI, name-addr / addr-spec and header-parameter parsing (RFC 3261 §19,
 * §20.10, §25). Lenient like Wireshark: what cannot be parsed is kept as text.
 */
import type { NameAddr, SipUri } from '../model.js';

/** Parse `;a=b;c` parameters (leading ';' optional). Values keep quotes stripped. */
export function parseParams(s: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  let i = 0;
  const n = s.length;
  while (i < n) {
    while (i < n && (s[i] === ';' || s[i] === ' ' || s[i] === '\t')) i++;
    if (i >= n) break;
    let j = i;
    while (j < n && s[j] !== '=' && s[j] !== ';') j++;
    const name = s.slice(i, j).trim().toLowerCase();
    if (j < n && s[j] === '=') {
      j++;
      while (j < n && (s[j] === ' ' || s[j] === '\t')) j++;
      let value: string;
      if (s[j] === '"') {
        const [v, end] = readQuoted(s, j);
        value = v;
        j = end;
        while (j < n && s[j] !== ';') j++;
      } else {
        let k = j;
        while (k < n && s[k] !== ';') k++;
        value = s.slice(j, k).trim();
        j = k;
      }
      if (name) out[name] = value;
    } else if (name) {
      out[name] = null;
    }
    i = j;
  }
  return out;
}

/** Read a quoted-string starting at s[i] === '"'. Returns [unescaped text, index after closing quote]. */
export function readQuoted(s: string, i: number): [string, number] {
  let out = '';
  let j = i + 1;
  while (j < s.length) {
    const ch = s[j]!;
    if (ch === '\\' && j + 1 < s.length) { out += s[j + 1]; j += 2; continue; }
    if (ch === '"') return [out, j + 1];
    out += ch;
    j++;
  }
  return [out, j];
}

/** Parse a SIP/SIPS/TEL (or other scheme) URI. Returns null when there is no scheme. */
export function parseUri(text: string): SipUri | null {
  const t = text.trim();
  const colon = t.indexOf(':');
  if (colon <= 0 || !/^[A-Za-z][A-Za-z0-9+.-]*$/.test(t.slice(0, colon))) return null;
  const scheme = t.slice(0, colon).toLowerCase();
  let rest = t.slice(colon + 1);
  // URI headers (?a=b) are not part of what sipflow shows.
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q);
  let params: Record<string, string | null> = {};
  let user: string | null = null;
  let hostport: string;
  if (scheme === 'sip' || scheme === 'sips') {
    const at = rest.lastIndexOf('@');
    let userinfo = '';
    if (at >= 0) { userinfo = rest.slice(0, at); rest = rest.slice(at + 1); }
    const semi = rest.indexOf(';');
    if (semi >= 0) { params = parseParams(rest.slice(semi + 1)); rest = rest.slice(0, semi); }
    hostport = rest;
    if (at >= 0) {
      const pw = userinfo.indexOf(':');
      user = pw >= 0 ? userinfo.slice(0, pw) : userinfo;
    }
  } else {
    // tel:+1234;phone-context=... and other schemes: the number/opaque part is the "host".
    const semi = rest.indexOf(';');
    if (semi >= 0) { params = parseParams(rest.slice(semi + 1)); rest = rest.slice(0, semi); }
    hostport = rest;
  }
  let host = hostport;
  let port: number | null = null;
  if (hostport.startsWith('[')) {
    const close = hostport.indexOf(']');
    if (close > 0) {
      host = hostport.slice(0, close + 1);
      const p = hostport.slice(close + 1);
      if (p.startsWith(':') && /^\d+$/.test(p.slice(1))) port = Number(p.slice(1));
    }
  } else if (scheme === 'sip' || scheme === 'sips') {
    const c = hostport.lastIndexOf(':');
    if (c >= 0 && /^\d+$/.test(hostport.slice(c + 1))) { host = hostport.slice(0, c); port = Number(hostport.slice(c + 1)); }
  }
  const plain = `${scheme}:${user !== null ? user + '@' : ''}${host}${port !== null ? ':' + port : ''}`;
  return { scheme, user, host, port, plain, params };
}

/** Parse From/To/Contact/Route style values: name-addr or addr-spec plus header parameters. */
export function parseNameAddr(value: string): NameAddr {
  const v = value.trim();
  let display: string | null = null;
  let uriText: string;
  let paramText = '';
  let i = 0;
  if (v.startsWith('"')) {
    const [d, end] = readQuoted(v, 0);
    display = d;
    i = end;
  }
  const lt = v.indexOf('<', i);
  if (lt >= 0) {
    if (display === null) {
      const d = v.slice(0, lt).trim();
      display = d.length ? d : null;
    }
    const gt = v.indexOf('>', lt);
    uriText = v.slice(lt + 1, gt >= 0 ? gt : v.length).trim();
    paramText = gt >= 0 ? v.slice(gt + 1) : '';
  } else {
    // addr-spec: parameters after the URI belong to the header, not the URI.
    const rest = v.slice(i).trim();
    const semi = rest.indexOf(';');
    uriText = semi >= 0 ? rest.slice(0, semi) : rest;
    paramText = semi >= 0 ? rest.slice(semi) : '';
  }
  return { display, uri: parseUri(uriText), uriText, params: parseParams(paramText) };
}

export interface Via {
  protocol: string;
  transport: string;
  host: string;
  port: number | null;
  params: Record<string, string | null>;
  branch: string | null;
}

/** Parse one Via value ("SIP/2.0/UDP host:port;branch=..."). */
export function parseVia(value: string): Via | null {
  const m = /^\s*([^\s/]+)\s*\/\s*([^\s/]+)\s*\/\s*(\S+)\s+([^;]+)(.*)$/.exec(value);
  if (!m) return null;
  const sentBy = m[4]!.trim();
  let host = sentBy;
  let port: number | null = null;
  if (sentBy.startsWith('[')) {
    const close = sentBy.indexOf(']');
    host = sentBy.slice(0, close + 1);
    const p = sentBy.slice(close + 2);
    if (/^\d+$/.test(p)) port = Number(p);
  } else {
    const c = sentBy.lastIndexOf(':');
    if (c >= 0 && /^\d+$/.test(sentBy.slice(c + 1).trim())) { host = sentBy.slice(0, c); port = Number(sentBy.slice(c + 1)); }
  }
  const params = parseParams(m[5]!);
  return { protocol: `${m[1]}/${m[2]}`, transport: m[3]!.toUpperCase(), host: host.trim(), port, params, branch: params['branch'] ?? null };
}

/** Split a header value on commas that are outside quotes and angle brackets. */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = value.slice(start).trim();
  if (last) out.push(last);
  return out;
}
