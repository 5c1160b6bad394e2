/**
 * A scripted attacker (and the honest user agents it attacks) for the
 * proxy's security tests: plain UDP sockets on 127.0.0.1 with ephemeral
 * ports, SIP requests written by hand, digest credentials computed here
 * (MD5 or SHA-256, qop=auth), so each case sends exactly the bytes it means.
 * Nothing here leaves the loopback interface.
 */
import { createHash } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isSipParseError, parseSip, type ParsedSip } from '../../src/sip/parser.js';

export const LOOPBACK = '127.0.0.1';

export interface Datagram { msg: Buffer; port: number }

/** A UDP endpoint that keeps every datagram it receives, in order, and can wait for the next one. */
export class UdpPeer {
  readonly sock: Socket;
  port = 0;
  /** Every datagram received, kept (the callee's record of what reached it). */
  readonly received: Buffer[] = [];
  private queue: Datagram[] = [];
  private waiters: ((d: Datagram) => void)[] = [];

  constructor(readonly name: string) {
    this.sock = createSocket('udp4');
    this.sock.on('message', (msg, r) => {
      this.received.push(msg);
      const d = { msg, port: r.port };
      const w = this.waiters.shift();
      if (w) w(d); else this.queue.push(d);
    });
  }

  async open(): Promise<this> {
    await new Promise<void>((r) => this.sock.bind(0, LOOPBACK, () => r()));
    this.port = this.sock.address().port;
    return this;
  }

  /** Send text (LF line ends become CRLF) or exact bytes. */
  send(data: string | Buffer, port: number): void {
    this.sock.send(typeof data === 'string' ? Buffer.from(data.replace(/\r?\n/g, '\r\n'), 'latin1') : data, port, LOOPBACK);
  }

  next(ms = 1500): Promise<Datagram | null> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((res) => {
      const f = (d: Datagram) => { clearTimeout(t); res(d); };
      const t = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== f); res(null); }, ms);
      this.waiters.push(f);
    });
  }

  async sip(ms = 1500): Promise<ParsedSip | null> {
    for (;;) {
      const d = await this.next(ms);
      if (!d) return null;
      const p = parseSip(d.msg);
      if (!isSipParseError(p)) return p;
    }
  }

  /**
   * The next final response (1xx skipped), or null after `ms` of silence.
   * With `callId`, responses of other calls (a 407 retransmitted by Timer G,
   * say) are skipped too.
   */
  async final(ms = 1500, callId?: string): Promise<ParsedSip | null> {
    for (;;) {
      const p = await this.sip(ms);
      if (!p) return p;
      if (callId !== undefined && p.callId !== callId) continue;
      if (p.isRequest || p.status! >= 200) return p;
    }
  }

  /** The next request (responses skipped), or null. */
  async request(ms = 1500): Promise<ParsedSip | null> {
    for (;;) {
      const p = await this.sip(ms);
      if (!p || p.isRequest) return p;
    }
  }

  /** Forget what is queued (what was received stays in `received`). */
  drain(): void { this.queue = []; }

  close(): void { this.sock.close(); }
}

export interface RequestSpec {
  method: string;
  ruri: string;
  /** The sender's port (Via sent-by, Contact). */
  port: number;
  from?: string;
  fromHost?: string;
  fromTag?: string;
  to?: string;
  toHost?: string;
  toTag?: string;
  callId: string;
  cseq?: number;
  cseqMethod?: string;
  branch?: string;
  /** Extra header lines, each ending with \n. */
  extra?: string;
  body?: string;
}

let counter = 0;

/** A request as a SIP user agent on 127.0.0.1:`port` writes it. */
export function sipRequest(s: RequestSpec): string {
  const body = s.body ?? '';
  const len = Buffer.byteLength(body.replace(/\r?\n/g, '\r\n'), 'latin1');
  return `${s.method} ${s.ruri} SIP/2.0
Via: SIP/2.0/UDP ${LOOPBACK}:${s.port};branch=${s.branch ?? `z9hG4bK-atk${++counter}`};rport
From: <sip:${s.from ?? 'alice'}@${s.fromHost ?? LOOPBACK}>;tag=${s.fromTag ?? `ft-${s.callId}`}
To: <sip:${s.to ?? 'bob'}@${s.toHost ?? LOOPBACK}>${s.toTag ? `;tag=${s.toTag}` : ''}
Call-ID: ${s.callId}
CSeq: ${s.cseq ?? 1} ${s.cseqMethod ?? s.method}
Contact: <sip:${s.from ?? 'alice'}@${LOOPBACK}:${s.port}>
Max-Forwards: 70
${s.extra ?? ''}${body ? 'Content-Type: text/plain\n' : ''}Content-Length: ${len}

${body}`;
}

/** Parameters of a `Digest ...` challenge (names lower-cased, values unquoted). */
export function challengeParams(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of value.replace(/^\s*Digest\s+/i, '').matchAll(/([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g)) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? '';
  return out;
}

export interface Credentials {
  header: 'Authorization' | 'Proxy-Authorization';
  user: string;
  password: string;
  method: string;
  /** The digest uri (normally the Request-URI). */
  uri: string;
  challenge: string;
  nc?: number;
  cnonce?: string;
}

/** A digest response to `challenge` (RFC 7616, qop=auth; its algorithm, MD5 or SHA-256), as a header line ending with \n. */
export function credentials(c: Credentials): string {
  const ch = challengeParams(c.challenge);
  const alg = (ch['algorithm'] ?? 'MD5').toUpperCase();
  const H = (s: string) => createHash(alg === 'SHA-256' ? 'sha256' : 'md5').update(s).digest('hex');
  const nc = (c.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = c.cnonce ?? 'c0ffee';
  const ha1 = H(`${c.user}:${ch['realm']}:${c.password}`);
  const ha2 = H(`${c.method}:${c.uri}`);
  const response = H(`${ha1}:${ch['nonce']}:${nc}:${cnonce}:auth:${ha2}`);
  return `${c.header}: Digest username="${c.user}", realm="${ch['realm']}", nonce="${ch['nonce']}", uri="${c.uri}", response="${response}", algorithm=${alg}, cnonce="${cnonce}", qop=auth, nc=${nc}${ch['opaque'] ? `, opaque="${ch['opaque']}"` : ''}\n`;
}

/** A UAS's response to a request it received (Via, Record-Route, From, To with `toTag`, Call-ID, CSeq copied; RFC 3261 §8.2.6). */
export function sipResponse(req: ParsedSip, status: number, reason: string, toTag: string | null, port: number): string {
  const lines = [`SIP/2.0 ${status} ${reason}`];
  for (const v of req.headersNamed('Via')) lines.push(`Via: ${v}`);
  for (const v of req.headersNamed('Record-Route')) lines.push(`Record-Route: ${v}`);
  lines.push(`From: ${req.header('From')}`);
  const to = req.header('To')!;
  lines.push(`To: ${toTag && !/;\s*tag=/i.test(to) ? `${to};tag=${toTag}` : to}`);
  lines.push(`Call-ID: ${req.callId}`, `CSeq: ${req.header('CSeq')}`, `Contact: <sip:bob@${LOOPBACK}:${port}>`, 'Content-Length: 0', '', '');
  return lines.join('\n');
}
