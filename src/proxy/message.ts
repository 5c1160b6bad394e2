/**
 * A SIP message the proxy can change and send again: built from the shared
 * parser's ParsedSip (src/sip/parser.ts), edited header by header (Via,
 * Route, Record-Route, Max-Forwards, SDP body), then serialized with a fresh
 * Content-Length. Reading a header, header names (compact forms included)
 * and list splitting are the parser's (header, headerValues,
 * canonicalHeaderName, splitHeaderList): this class only edits.
 */
import type { SipHeader } from '../model.js';
import { canonicalHeaderName, header, headerValues, type ParsedSip } from '../sip/parser.js';
import { splitHeaderList } from '../sip/uri.js';
import { unbracketed } from '../net/addr.js';

export class SipMsg {
  isRequest: boolean;
  method: string;
  uri: string;
  status: number;
  reason: string;
  headers: SipHeader[];
  body: Buffer;

  constructor(init: { isRequest: boolean; method?: string; uri?: string; status?: number; reason?: string; headers?: SipHeader[]; body?: Buffer }) {
    this.isRequest = init.isRequest;
    this.method = init.method ?? '';
    this.uri = init.uri ?? '';
    this.status = init.status ?? 0;
    this.reason = init.reason ?? '';
    this.headers = init.headers ?? [];
    this.body = init.body ?? Buffer.alloc(0);
  }

  static from(p: ParsedSip): SipMsg {
    return new SipMsg({
      isRequest: p.isRequest, method: p.method ?? '', uri: p.requestUri ?? '', status: p.status ?? 0, reason: p.reason ?? '',
      headers: p.headers.filter((h) => h.name !== 'Content-Length').map((h) => ({ name: h.name, value: h.value })),
      body: p.body ? Buffer.from(p.body, p.bodyEncoding) : Buffer.alloc(0),
    });
  }

  clone(): SipMsg {
    return new SipMsg({ ...this, headers: this.headers.map((h) => ({ ...h })), body: this.body });
  }

  /** First value of a header (any spelling or compact form), or null. */
  get(name: string): string | null {
    return header(this, name);
  }

  /** Every value of a list header (Via, Route...), comma lists split. */
  all(name: string): string[] {
    return headerValues(this, name);
  }

  remove(name: string): void {
    const c = canonicalHeaderName(name);
    this.headers = this.headers.filter((h) => h.name !== c);
  }

  /** Replace every header of that name by one (appended where the first was, or at the end). */
  set(name: string, value: string): void {
    const c = canonicalHeaderName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    if (i < 0) { this.headers.push({ name: c, value }); return; }
    this.headers[i] = { name: c, value };
    this.headers = this.headers.filter((h, j) => j <= i || h.name !== c);
  }

  /** Insert a header before the first one of that name (or after the start line when none). */
  prepend(name: string, value: string): void {
    const c = canonicalHeaderName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    this.headers.splice(i < 0 ? 0 : i, 0, { name: c, value });
  }

  append(name: string, value: string): void {
    this.headers.push({ name: canonicalHeaderName(name), value });
  }

  /** Replace a list header by these values, one per line, where the first one was. */
  setList(name: string, values: string[]): void {
    const c = canonicalHeaderName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    const rest = this.headers.filter((h) => h.name !== c);
    const at = i < 0 ? rest.length : Math.min(i, rest.length);
    rest.splice(at, 0, ...values.map((value) => ({ name: c, value })));
    this.headers = rest;
  }

  /** Remove the first element of a list header (top Via, top Route); returns it. */
  shift(name: string): string | null {
    const c = canonicalHeaderName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    if (i < 0) return null;
    const items = splitHeaderList(this.headers[i]!.value);
    const first = items.shift() ?? null;
    if (items.length === 0) this.headers.splice(i, 1);
    else this.headers[i] = { name: c, value: items.join(', ') };
    return first;
  }

  /** Replace the first element of a list header. */
  replaceFirst(name: string, value: string): void {
    const c = canonicalHeaderName(name);
    const i = this.headers.findIndex((h) => h.name === c);
    if (i < 0) { this.prepend(c, value); return; }
    const items = splitHeaderList(this.headers[i]!.value);
    items[0] = value;
    this.headers[i] = { name: c, value: items.join(', ') };
  }

  /** The header fields as they go on the wire: these, then a Content-Length that fits the body. */
  wireHeaders(): SipHeader[] {
    return [...this.headers, { name: 'Content-Length', value: String(this.body.length) }];
  }

  toBuffer(): Buffer {
    const start = this.isRequest ? `${this.method} ${this.uri} SIP/2.0` : `SIP/2.0 ${this.status} ${this.reason}`;
    let head = start + '\r\n';
    for (const h of this.wireHeaders()) head += `${h.name}: ${h.value}\r\n`;
    head += '\r\n';
    const hb = Buffer.from(head, 'utf8');
    return this.body.length ? Buffer.concat([hb, this.body]) : hb;
  }
}

/**
 * Set or replace parameters on one header element (a Via, a Contact...):
 * `;name=value`, or `;name` when value is null. Parameters inside <...> are not touched.
 */
export function setParams(element: string, params: Record<string, string | null>): string {
  // One pass over the parameters after the last '>' (this runs for every request the proxy takes).
  const names = Object.keys(params);
  const lower = names.map((n) => n.toLowerCase());
  let semi = element.indexOf(';', element.lastIndexOf('>') + 1);
  let out = semi < 0 ? element : element.slice(0, semi);
  while (semi >= 0) {
    const next = element.indexOf(';', semi + 1);
    const part = element.slice(semi + 1, next < 0 ? element.length : next);
    const eq = part.indexOf('=');
    if (!lower.includes((eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase())) out += ';' + part.trim();
    semi = next;
  }
  for (const n of names) { const v = params[n]; out += v === null ? `;${n}` : `;${n}=${v}`; }
  return out;
}

/**
 * A request as received, ready to keep or forward: its top Via gets
 * `received` when the sent-by host is not the source address (RFC 3261
 * §18.2.1) and, when the client asked with `rport`, the source port and
 * address (RFC 3581 §4), so responses find their way back.
 */
export function withReceivedVia(p: ParsedSip, src: { ip: string; port: number }): SipMsg {
  const m = SipMsg.from(p);
  const via = p.via;
  if (!via || p.viaValue === null) return m;
  const params: Record<string, string | null> = {};
  if (unbracketed(via.host) !== src.ip) params['received'] = src.ip;
  if (via.hasRport) { params['rport'] = String(src.port); params['received'] = src.ip; }
  if (Object.keys(params).length) m.replaceFirst('Via', setParams(p.viaValue, params));
  return m;
}
