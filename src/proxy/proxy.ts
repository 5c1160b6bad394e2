/**
 * sipflow proxy: a stateful SIP proxy and registrar on UDP (RFC 3261 §10,
 * §16, §17), built on the analyzer's SIP parser.
 *
 * - Registrar: REGISTER bindings with expiry, several contacts per address of
 *   record, Expires: 0 / Contact: * to unregister, 200 listing the bindings,
 *   optional digest authentication (401 for REGISTER, 407 for INVITE).
 * - Proxy: routes to the registered contacts (parallel forking), 404 for an
 *   unknown user, 480 when not registered; transaction state absorbs
 *   retransmissions, sends 100 Trying to INVITEs, forwards CANCEL to the
 *   branches, ACKs non-2xx responses hop by hop and routes the 2xx ACK end to
 *   end; Via (with received/rport), Record-Route and loose routing keep
 *   in-dialog requests on the proxy; Max-Forwards (483) and loop detection (482).
 * - Every datagram received and sent goes to the recorder; call events go to
 *   the journal; SDP can be rewritten for the media relay.
 *
 * Memory is bounded: transactions and calls live in tables with limits (503
 * with Retry-After when full) and are dropped by timers.
 */
import { createSocket, type Socket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { performance } from 'node:perf_hooks';
import { endpoint } from '../net/addr.js';
import { isSipParseError, parseSip, toSipMessage, type ParsedSip } from '../sip/parser.js';
import { parseNameAddr, parseUri, parseVia, splitHeaderList } from '../sip/uri.js';
import { findSdp } from '../sip/multipart.js';
import type { SipUri } from '../model.js';
import { SipMsg, setParams } from './message.js';
import { DigestAuth } from './digest.js';
import { LocationService, type Binding } from './location.js';
import { Journal } from './journal.js';
import { Recorder } from './recorder.js';
import { MediaRelay } from './media-relay.js';

/** RFC 3261 reason phrases for the codes the proxy produces itself. */
export const DEFAULT_REASONS: Record<number, string> = {
  100: 'Trying', 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 416: 'Unsupported URI Scheme',
  423: 'Interval Too Brief', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected', 483: 'Too Many Hops', 487: 'Request Terminated', 500: 'Server Internal Error',
  503: 'Service Unavailable', 513: 'Message Too Large',
};

export interface ProxyTimers {
  /** RFC 3261 T1, T2 (ms). */
  t1: number;
  t2: number;
  /** How long finished transactions are kept to absorb retransmissions (ms, 64*T1). */
  linger: number;
  /** Timer C: an INVITE branch with only provisional responses is cancelled after this (ms). */
  timerC: number;
}

export interface ProxyLimits {
  maxTransactions: number;
  maxCalls: number;
  maxAors: number;
  maxBindingsPerAor: number;
  /** A call with no SIP message for this long is forgotten (ms). */
  callIdleMs: number;
}

export interface ProxyConfig {
  host: string;
  port: number;
  /** Address written in Via, Record-Route and relayed SDP (default: host, or the first interface for 0.0.0.0). */
  advertise?: string;
  /** The SIP domain served (R-URI hosts that mean "look up the location service"). */
  domain?: string | null;
  users?: Map<string, string> | null;
  realm?: string;
  location?: LocationService;
  recorder?: Recorder | null;
  journal?: Journal;
  /** Reason phrase per status code, for every response the proxy sends. */
  reasons?: Record<number, string>;
  relay?: { portMin: number; portMax: number } | null;
  timers?: Partial<ProxyTimers>;
  limits?: Partial<ProxyLimits>;
  /** Default registration time when the client gives none, and the bounds (s). */
  expires?: { default: number; min: number; max: number };
}

interface Addr { ip: string; port: number }

type ServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted' | 'terminated';
type ClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

interface ServerTx {
  key: string;
  method: string;
  src: Addr;
  req: SipMsg;
  callId: string;
  state: ServerState;
  lastResponse: Buffer | null;
  lastStatus: number;
  toTag: string;
  clients: ClientTx[];
  best: { status: number; msg: SipMsg } | null;
  cancelled: boolean;
  expiresAt: number;
  retransmit: NodeJS.Timeout | null;
  /** Index of the next Via hop's position: responses go to src. */
  fromCaller: boolean;
}

interface ClientTx {
  key: string;
  branch: string;
  method: string;
  server: ServerTx | null;
  msg: SipMsg;
  buf: Buffer;
  dest: Addr;
  state: ClientState;
  final: number;
  cancelSent: boolean;
  cancelWanted: boolean;
  ack: Buffer | null;
  startedAt: number;
  deadline: number;
  retransmit: NodeJS.Timeout | null;
  interval: number;
  /** When the branch got its final response (0: not yet). */
  doneAt: number;
}

interface CallInfo {
  callId: string;
  callerTag: string | null;
  lastActivity: number;
  ended: boolean;
  /** Time after which the call entry may be dropped (set when it ended or failed). */
  dropAt: number | null;
}

export interface ProxyStats {
  received: number;
  sent: number;
  malformed: number;
  dropped: number;
  transactions: number;
  calls: number;
  registrations: number;
  relaySessions: number;
  rejectedOverload: number;
}

/** The byte layout of an IPv4 / IPv6 host in a SIP URI. */
function uriHost(ip: string): string { return ip.includes(':') ? `[${ip}]` : ip; }
function stripBrackets(h: string): string { return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h; }

function uriOf(nameAddrOrUri: string): SipUri | null {
  const t = nameAddrOrUri.trim();
  if (t.includes('<')) return parseNameAddr(t).uri;
  return parseUri(t);
}

/** The URI text inside <...> (or the whole value, up to parameters, for an addr-spec). */
function uriText(value: string): string {
  const lt = value.indexOf('<');
  if (lt >= 0) { const gt = value.indexOf('>', lt); return value.slice(lt + 1, gt < 0 ? undefined : gt); }
  const semi = value.indexOf(';');
  return (semi < 0 ? value : value.slice(0, semi)).trim();
}

export class SipProxy {
  private sock: Socket | null = null;
  readonly host: string;
  port: number;
  advertise: string;
  private readonly domain: string | null;
  private readonly auth: DigestAuth | null;
  readonly location: LocationService;
  private readonly recorder: Recorder | null;
  readonly journal: Journal;
  private readonly reasons: Record<number, string>;
  private readonly relay: MediaRelay | null;
  private readonly timers: ProxyTimers;
  private readonly limits: ProxyLimits;
  private readonly expires: { default: number; min: number; max: number };
  private readonly servers = new Map<string, ServerTx>();
  private readonly clients = new Map<string, ClientTx>();
  private readonly calls = new Map<string, CallInfo>();
  /** Non-2xx final answers the proxy made itself, by Call-ID and To tag: their ACKs end here even with a wrong branch. */
  private readonly localFinals = new Map<string, ServerTx>();
  private sweeper: NodeJS.Timeout | null = null;
  private branchCounter = 0;
  private readonly instance = createHash('md5').update(String(Math.random()) + process.pid).digest('hex').slice(0, 6);
  private closing = false;
  readonly stats: ProxyStats = { received: 0, sent: 0, malformed: 0, dropped: 0, transactions: 0, calls: 0, registrations: 0, relaySessions: 0, rejectedOverload: 0 };

  constructor(cfg: ProxyConfig) {
    this.host = cfg.host;
    this.port = cfg.port;
    this.advertise = cfg.advertise ?? cfg.host;
    this.domain = cfg.domain ?? null;
    this.auth = cfg.users ? new DigestAuth(cfg.realm ?? cfg.domain ?? 'sipflow', cfg.users) : null;
    this.location = cfg.location ?? new LocationService(null);
    this.recorder = cfg.recorder ?? null;
    this.journal = cfg.journal ?? new Journal({ stderr: false });
    this.reasons = { ...DEFAULT_REASONS, ...(cfg.reasons ?? {}) };
    this.timers = { t1: 500, t2: 4000, linger: 32000, timerC: 180000, ...(cfg.timers ?? {}) };
    this.limits = { maxTransactions: 100000, maxCalls: 20000, maxAors: 10000, maxBindingsPerAor: 10, callIdleMs: 4 * 3600 * 1000, ...(cfg.limits ?? {}) };
    this.expires = cfg.expires ?? { default: 3600, min: 10, max: 86400 };
    this.relay = cfg.relay ? new MediaRelay({
      bindIp: cfg.host, advertiseIp: this.advertise, portMin: cfg.relay.portMin, portMax: cfg.relay.portMax,
      onPacket: (s, sp, d, dp, data) => this.recorder?.udp(s, sp, d, dp, data, nowMs()),
      onNote: (s) => this.journal.note(s),
    }) : null;
  }

  /** Bind the UDP socket; resolves with the bound port (useful with port 0). */
  start(): Promise<number> {
    return new Promise((resolve, reject) => {
      const sock = createSocket({ type: this.host.includes(':') ? 'udp6' : 'udp4', recvBufferSize: 4 << 20, sendBufferSize: 4 << 20 });
      this.sock = sock;
      sock.once('error', reject);
      sock.on('message', (msg, r) => this.onDatagram(msg, r.address, r.port));
      sock.bind(this.port, this.host, () => {
        sock.off('error', reject);
        sock.on('error', (e) => this.journal.note(`socket error: ${e.message}`));
        this.port = sock.address().port;
        if (this.advertise === '0.0.0.0' || this.advertise === '::') this.advertise = this.host.includes(':') ? '::1' : '127.0.0.1';
        this.sweeper = setInterval(() => this.sweep(), 1000);
        resolve(this.port);
      });
    });
  }

  /** Stop: no new datagrams, timers cleared, tables dropped, stores closed. */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.servers.values()) if (t.retransmit) clearTimeout(t.retransmit);
    for (const t of this.clients.values()) if (t.retransmit) clearTimeout(t.retransmit);
    this.servers.clear();
    this.clients.clear();
    this.relay?.close();
    await new Promise<void>((r) => { if (this.sock) this.sock.close(() => r()); else r(); });
    this.sock = null;
    this.location.close();
  }

  getStats(): ProxyStats {
    return {
      ...this.stats, transactions: this.servers.size + this.clients.size, calls: this.calls.size,
      registrations: this.location.size, relaySessions: this.relay?.activeSessions ?? 0,
    };
  }

  // ------------------------------------------------------------------ I/O

  private send(buf: Buffer, to: Addr): void {
    if (!this.sock || this.closing) return;
    this.recorder?.udp(this.advertise, this.port, to.ip, to.port, buf, nowMs());
    this.stats.sent++;
    this.sock.send(buf, to.port, to.ip, (e) => { if (e) this.journal.note(`send to ${endpoint(to.ip, to.port)} failed: ${e.message}`); });
  }

  private onDatagram(buf: Buffer, ip: string, port: number): void {
    this.stats.received++;
    this.recorder?.udp(ip, port, this.advertise, this.port, buf, nowMs());
    try {
      this.handle(buf, { ip, port });
    } catch (e) {
      // Never let one datagram stop the proxy.
      this.stats.dropped++;
      this.journal.note(`internal error on a datagram from ${endpoint(ip, port)}: ${(e as Error).message}`);
    }
  }

  private handle(buf: Buffer, src: Addr): void {
    // Keep-alives (CRLF, CRLFCRLF) are answered by nothing over UDP.
    if (buf.length <= 4 && buf.every((c) => c === 13 || c === 10 || c === 0)) return;
    const p = parseSip(buf);
    if (isSipParseError(p)) {
      this.stats.malformed++;
      this.journal.note(`dropped malformed datagram from ${endpoint(src.ip, src.port)} (${buf.length} bytes): ${p.error}`);
      return;
    }
    const missing = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].filter((h) => !p.has(h));
    if (!p.callId || p.cseqNum === 0 || !p.cseqMethod) missing.push(...(p.callId ? ['CSeq'] : ['Call-ID']));
    if (p.isRequest && p.via === null && p.viaValue !== null) missing.push('Via');
    if (missing.length) {
      this.stats.malformed++;
      const what = [...new Set(missing)].join(', ');
      if (p.isRequest && p.via && p.method !== 'ACK') {
        this.journal.note(`400 to ${p.method} from ${endpoint(src.ip, src.port)}: missing or bad ${what}`);
        this.replyStateless(p, src, 400, `Bad Request - missing ${what}`);
      } else {
        this.journal.note(`dropped ${p.isRequest ? p.method : p.status} from ${endpoint(src.ip, src.port)}: missing or bad ${what}`);
      }
      return;
    }
    this.journal.message(toSipMessage(p, {
      frame: 0, time: 0, tsSec: 0, tsNsec: 0, src: endpoint(src.ip, src.port), dst: endpoint(this.advertise, this.port),
      srcIp: src.ip, dstIp: this.advertise, transport: 'UDP',
    }));
    if (p.isRequest) this.onRequest(p, src);
    else this.onResponse(p, src);
  }

  // ------------------------------------------------------------ helpers

  private isOurHost(host: string): boolean {
    const h = stripBrackets(host).toLowerCase();
    return h === this.advertise.toLowerCase() || h === this.host.toLowerCase() || (this.domain !== null && h === this.domain.toLowerCase())
      || ((this.host === '0.0.0.0' || this.host === '::') && (h === '127.0.0.1' || h === '::1' || h === 'localhost'));
  }

  /** A Route / R-URI that names this proxy (host ours, port ours or absent when we are on 5060). */
  private isUs(u: SipUri | null, portOptional: boolean): boolean {
    if (!u || !this.isOurHost(u.host)) return false;
    if (u.port === null) return portOptional || this.port === 5060 || (this.domain !== null && stripBrackets(u.host).toLowerCase() === this.domain.toLowerCase());
    return u.port === this.port;
  }

  private ourUri(): string { return `sip:${uriHost(this.advertise)}:${this.port}`; }

  private reason(status: number, fallback?: string): string {
    return this.reasons[status] ?? fallback ?? (status < 200 ? 'Trying' : status < 300 ? 'OK' : 'Error');
  }

  private txKey(p: { branch: string | null; viaValue: string | null; callId: string; cseqNum: number; fromTag: string | null }, method: string, sentBy: string): string {
    // RFC 3261 magic cookie: branch + sent-by + method; older clients: a fallback on dialog identifiers.
    if (p.branch && p.branch.startsWith('z9hG4bK')) return `${p.branch}|${sentBy}|${method}`;
    return `old|${p.callId}|${p.cseqNum}|${p.fromTag ?? ''}|${sentBy}|${method}`;
  }

  private newBranch(loopHash: string): string {
    return `z9hG4bK-sf${loopHash}-${this.instance}${(this.branchCounter++).toString(36)}`;
  }

  /** The top Via with received (when the host is not the source) and rport filled in. */
  private fixTopVia(m: SipMsg, p: ParsedSip, src: Addr): void {
    const via = p.via;
    if (!via || p.viaValue === null) return;
    const params: Record<string, string | null> = {};
    if (stripBrackets(via.host) !== src.ip) params['received'] = src.ip;
    if (via.hasRport) { params['rport'] = String(src.port); params['received'] = src.ip; }
    if (Object.keys(params).length) m.replaceFirst('Via', setParams(p.viaValue, params));
  }

  /** A response built from a request (RFC 3261 §8.2.6): Via, From, To (+tag), Call-ID, CSeq copied. */
  private buildResponse(req: SipMsg, status: number, reason?: string, toTag?: string | null, extra: [string, string][] = []): SipMsg {
    const r = new SipMsg({ isRequest: false, status, reason: this.reasons[status] !== undefined && (reason === undefined || DEFAULT_REASONS[status] === reason) ? this.reasons[status]! : reason ?? this.reason(status) });
    for (const h of req.headers) {
      if (h.name === 'Via' || h.name === 'From' || h.name === 'Call-ID' || h.name === 'CSeq') r.headers.push({ ...h });
      else if (h.name === 'To') {
        const hasTag = /;\s*tag=/i.test(h.value.slice(h.value.lastIndexOf('>') + 1));
        r.headers.push({ name: 'To', value: !hasTag && toTag && status > 100 ? `${h.value};tag=${toTag}` : h.value });
      }
    }
    if (status === 100) { const ts = req.get('Timestamp'); if (ts) r.append('Timestamp', ts); }
    r.append('Server', 'sipflow-proxy');
    for (const [n, v] of extra) r.append(n, v);
    return r;
  }

  private replyStateless(p: ParsedSip, src: Addr, status: number, reason?: string, extra: [string, string][] = []): void {
    const m = SipMsg.from(p);
    this.fixTopVia(m, p, src);
    const r = this.buildResponse(m, status, reason, md5hex(`${p.callId}|${p.fromTag}|${p.cseqNum}`).slice(0, 10), extra);
    this.send(r.toBuffer(), src);
  }

  /** Send a final or provisional response of a server transaction. */
  private respond(st: ServerTx, status: number, reason?: string, extra: [string, string][] = []): void {
    const r = this.buildResponse(st.req, status, reason, st.toTag, extra);
    this.sendUpstream(st, r, true);
  }

  private sendUpstream(st: ServerTx, r: SipMsg, local: boolean): void {
    if (!local) {
      this.applyReason(r);
      // The Via list upstream is the request's (received/rport included), whatever the downstream UA copied.
      r.setList('Via', st.req.all('Via'));
    }
    const buf = r.toBuffer();
    st.lastResponse = buf;
    st.lastStatus = r.status;
    this.send(buf, st.src);
    if (local && r.status >= 300 && st.method === 'INVITE') this.localFinals.set(`${st.callId}|${st.toTag}`, st);
    if (local && r.status >= 200 && st.method === 'INVITE') {
      // The journal sees the proxy's own final answers to INVITEs (404, 480, 407...).
      const p = parseSip(buf);
      if (!isSipParseError(p)) this.journal.message(toSipMessage(p, {
        frame: 0, time: 0, tsSec: 0, tsNsec: 0, src: endpoint(this.advertise, this.port), dst: endpoint(st.src.ip, st.src.port),
        srcIp: this.advertise, dstIp: st.src.ip, transport: 'UDP',
      }));
    }
    if (r.status >= 200) this.finishServer(st, r.status);
  }

  private finishServer(st: ServerTx, status: number): void {
    const now = Date.now();
    st.expiresAt = now + this.timers.linger;
    if (st.method !== 'INVITE') { st.state = 'completed'; return; }
    if (status < 300) { st.state = 'accepted'; return; }
    st.state = 'completed';
    this.callFailed(st.callId);
    // Timer G: retransmit the final response until the ACK (unreliable transport).
    let interval = this.timers.t1;
    const tick = () => {
      if (st.state !== 'completed' || this.closing || !st.lastResponse) { st.retransmit = null; return; }
      this.send(st.lastResponse, st.src);
      interval = Math.min(interval * 2, this.timers.t2);
      st.retransmit = setTimeout(tick, interval);
    };
    st.retransmit = setTimeout(tick, interval);
  }

  // ------------------------------------------------------------ requests

  private onRequest(p: ParsedSip, src: Addr): void {
    const method = p.method!;
    const sentBy = p.via ? `${p.via.host}:${p.via.port ?? 5060}` : '';
    if (method === 'ACK') {
      const st = this.servers.get(this.txKey(p, 'INVITE', sentBy)) ?? this.localFinals.get(`${p.callId}|${p.toTag}`);
      if (st && st.state !== 'accepted') {
        // The ACK of a non-2xx final response we sent: ends our server transaction (hop by hop).
        if (st.state === 'completed') st.state = 'confirmed';
        if (st.retransmit) { clearTimeout(st.retransmit); st.retransmit = null; }
        return;
      }
      void this.forwardStateless(p, src).catch((e) => this.journal.note(`ACK not forwarded: ${(e as Error).message}`));
      return;
    }
    if (method === 'CANCEL') { this.onCancel(p, src, sentBy); return; }

    const key = this.txKey(p, method, sentBy);
    const existing = this.servers.get(key);
    if (existing) {
      // A retransmission: answer with the last response, if any.
      if (existing.lastResponse) this.send(existing.lastResponse, existing.src);
      return;
    }
    const m = SipMsg.from(p);
    this.fixTopVia(m, p, src);
    if (this.servers.size + this.clients.size >= this.limits.maxTransactions
      || (method === 'INVITE' && p.toTag === null && !this.calls.has(p.callId) && this.calls.size >= this.limits.maxCalls)) {
      this.stats.rejectedOverload++;
      const r = this.buildResponse(m, 503, undefined, md5hex(key).slice(0, 10), [['Retry-After', '5']]);
      this.send(r.toBuffer(), src);
      return;
    }
    const st: ServerTx = {
      key, method, src, req: m, callId: p.callId, state: 'proceeding', lastResponse: null, lastStatus: 0,
      toTag: md5hex(key + this.instance).slice(0, 10), clients: [], best: null, cancelled: false,
      expiresAt: Date.now() + this.timers.linger + this.timers.timerC, retransmit: null, fromCaller: true,
    };
    this.servers.set(key, st);
    if (method === 'INVITE') this.respond(st, 100);
    this.touchCall(p);

    void this.route(st, p, m).catch((e) => {
      this.journal.note(`${method} ${p.callId}: ${(e as Error).message}`);
      if (st.state === 'proceeding' && st.clients.length === 0) this.respond(st, 500);
    });
  }

  private touchCall(p: ParsedSip): void {
    let c = this.calls.get(p.callId);
    if (!c) {
      if (!(p.isRequest && p.method === 'INVITE' && p.toTag === null)) return;
      c = { callId: p.callId, callerTag: p.fromTag, lastActivity: Date.now(), ended: false, dropAt: null };
      this.calls.set(p.callId, c);
    }
    c.lastActivity = Date.now();
    if (p.isRequest && p.method === 'BYE') { c.ended = true; c.dropAt = Date.now() + this.timers.linger; }
  }

  private callFailed(callId: string): void {
    const c = this.calls.get(callId);
    // A failed INVITE ends the call unless a dialog was established before (a failed re-INVITE).
    if (c && !c.ended && c.dropAt === null) {
      const established = [...this.servers.values()].some((s) => s.callId === callId && s.method === 'INVITE' && s.state === 'accepted');
      if (!established) { c.ended = true; c.dropAt = Date.now() + this.timers.linger; }
    }
  }

  private loopHash(p: ParsedSip): string {
    return md5hex(`${p.requestUri}|${p.fromTag}|${p.toTag}|${p.callId}|${p.cseqNum}|${p.headersNamed('Route').join(',')}|${p.header('Proxy-Require') ?? ''}`).slice(0, 8);
  }

  /** Decide where the request goes (§16.4, §16.5) and forward it, or answer it here. */
  private async route(st: ServerTx, p: ParsedSip, m: SipMsg): Promise<void> {
    const method = p.method!;
    // Max-Forwards (§16.3 step 3).
    const mfText = p.header('Max-Forwards');
    let mf = 70;
    if (mfText !== null) {
      mf = Number(mfText.trim());
      if (!Number.isInteger(mf) || mf < 0) { this.respond(st, 400, 'Bad Request - bad Max-Forwards'); return; }
      if (mf === 0) {
        if (method === 'OPTIONS' && this.isUs(uriOf(p.requestUri!), true) && uriOf(p.requestUri!)?.user === null) { this.respond(st, 200, undefined, [['Allow', ALLOW]]); return; }
        this.respond(st, 483); return;
      }
    }
    // Loop detection (§16.3 step 4): our own Via with this request's loop hash.
    const hash = this.loopHash(p);
    for (const v of p.headerValues('Via')) {
      const via = parseVia(v);
      if (via && via.branch?.startsWith(`z9hG4bK-sf${hash}-`) && this.isOurHost(via.host) && (via.port ?? 5060) === this.port) {
        this.respond(st, 482); return;
      }
    }
    // Pre-processing of routes (§16.4): strict-routing previous hop, then our own Route entries.
    let ruri = m.uri;
    const ruriParsed = parseUri(ruri);
    const routes = m.all('Route');
    if (ruriParsed && this.isUs(ruriParsed, false) && ruriParsed.params['lr'] !== undefined && routes.length) {
      ruri = uriText(routes[routes.length - 1]!);
      routes.pop();
    }
    while (routes.length && this.isUs(uriOf(routes[0]!), false)) routes.shift();
    m.uri = ruri;
    if (routes.length) m.setList('Route', routes); else m.remove('Route');

    if (routes.length) {
      // Loose routing: the next hop is the top Route; the R-URI stays.
      const u = uriOf(routes[0]!);
      if (!u) { this.respond(st, 400, 'Bad Request - bad Route'); return; }
      await this.forward(st, m, [{ uri: ruri, dest: await this.resolve(u) }], mf, hash);
      return;
    }
    const target = parseUri(ruri);
    if (!target) { this.respond(st, 416); return; }
    if (target.scheme !== 'sip' && target.scheme !== 'sips') { this.respond(st, 416); return; }

    const forUs = this.isUs(target, true) || (this.domain !== null && stripBrackets(target.host).toLowerCase() === this.domain.toLowerCase());
    if (method === 'REGISTER' && (forUs || target.user === null)) { this.register(st, p); return; }
    if (forUs && target.user === null) {
      // Requests to the proxy itself.
      if (method === 'OPTIONS') this.respond(st, 200, undefined, [['Allow', ALLOW], ['Accept', 'application/sdp']]);
      else this.respond(st, 404);
      return;
    }
    // Digest authentication for calls that start here (in-dialog requests are not challenged).
    if (this.auth && method === 'INVITE' && p.toTag === null) {
      const r = this.auth.verify(method, p.headersNamed('Proxy-Authorization'));
      if (!r.ok) {
        this.respond(st, 407, undefined, [['Proxy-Authenticate', this.auth.challenge(r.stale)]]);
        return;
      }
      const fromUser = p.from?.uri?.user ?? null;
      if (fromUser !== r.user) { this.respond(st, 403, `Forbidden - From ${fromUser ?? '?'} is not ${r.user}`); return; }
      // Credentials are for this hop only.
      m.headers = m.headers.filter((h) => h.name !== 'Proxy-Authorization' || !/realm="?([^",]*)/i.exec(h.value) || /realm="?([^",]*)/i.exec(h.value)![1] !== this.auth!.realm);
    }
    if (!forUs) {
      await this.forward(st, m, [{ uri: ruri, dest: await this.resolve(target) }], mf, hash);
      return;
    }
    const user = target.user!;
    const bindings = this.location.lookup(user);
    if (bindings.length === 0) {
      const known = this.location.isKnown(user) || (this.auth?.hasUser(user) ?? false);
      this.respond(st, known ? 480 : 404);
      return;
    }
    const targets: { uri: string; dest: Addr }[] = [];
    for (const b of bindings) targets.push({ uri: b.contact, dest: await this.bindingDest(b) });
    await this.forward(st, m, targets, mf, hash);
  }

  /** Where a binding is reached: the REGISTER's source when it came through a NAT, else the contact's address. */
  private async bindingDest(b: Binding): Promise<Addr> {
    if (b.received) {
      const i = b.received.lastIndexOf(':');
      return { ip: stripBrackets(b.received.slice(0, i)), port: Number(b.received.slice(i + 1)) };
    }
    const u = parseUri(b.contact);
    if (!u) throw new Error(`unusable contact ${b.contact}`);
    return this.resolve(u);
  }

  private async resolve(u: SipUri): Promise<Addr> {
    const maddr = u.params['maddr'];
    const host = stripBrackets(maddr ?? u.host);
    const port = u.port ?? 5060;
    if (isIP(host)) return { ip: host, port };
    const r = await lookup(host, { family: this.host.includes(':') ? 6 : 4 });
    return { ip: r.address, port };
  }

  /** Forward a request statefully to one or more targets (§16.6). */
  private async forward(st: ServerTx, m: SipMsg, targets: { uri: string; dest: Addr }[], mf: number, hash: string): Promise<void> {
    const method = st.method;
    const dialogCreating = m.get('To') !== null && !/;\s*tag=/i.test(m.get('To')!.slice(m.get('To')!.lastIndexOf('>') + 1))
      && (method === 'INVITE' || method === 'SUBSCRIBE' || method === 'REFER' || method === 'NOTIFY');
    let body: Buffer | null = null;
    if (this.relay && m.body.length) body = await this.relayBody(st.callId, m, true);
    if (st.cancelled || st.state !== 'proceeding') return;
    for (const t of targets) {
      const f = m.clone();
      f.uri = t.uri;
      f.set('Max-Forwards', String(mf - 1));
      if (dialogCreating) f.prepend('Record-Route', `<${this.ourUri()};lr>`);
      if (body) f.body = body;
      const branch = this.newBranch(hash);
      f.prepend('Via', `SIP/2.0/UDP ${uriHost(this.advertise)}:${this.port};branch=${branch};rport`);
      const buf = f.toBuffer();
      const ct: ClientTx = {
        key: `${branch} ${method}`, branch, method, server: st, msg: f, buf, dest: t.dest, state: 'calling', final: 0,
        cancelSent: false, cancelWanted: false, ack: null, startedAt: Date.now(),
        deadline: Date.now() + 64 * this.timers.t1, retransmit: null, interval: this.timers.t1, doneAt: 0,
      };
      this.clients.set(ct.key, ct);
      st.clients.push(ct);
      this.send(buf, t.dest);
      this.armRetransmit(ct);
    }
  }

  /** Timers A / E: retransmit a request until a response (INVITE: any; others: final, capped at T2). */
  private armRetransmit(ct: ClientTx): void {
    const tick = () => {
      ct.retransmit = null;
      if (this.closing) return;
      if (ct.method === 'INVITE' ? ct.state !== 'calling' : ct.final > 0) return;
      if (Date.now() >= ct.deadline) return;
      this.send(ct.buf, ct.dest);
      ct.interval = ct.method === 'INVITE' || ct.state === 'proceeding' ? Math.min(ct.interval * 2, ct.method === 'INVITE' ? Infinity : this.timers.t2) : Math.min(ct.interval * 2, this.timers.t2);
      ct.retransmit = setTimeout(tick, ct.interval);
    };
    ct.retransmit = setTimeout(tick, ct.interval);
  }

  /** Forward statelessly: the ACK of a 2xx (and other requests without a transaction). */
  private async forwardStateless(p: ParsedSip, src: Addr): Promise<void> {
    const m = SipMsg.from(p);
    this.fixTopVia(m, p, src);
    const mfText = p.header('Max-Forwards');
    const mf = mfText === null ? 70 : Number(mfText.trim());
    if (!(mf > 0)) return;
    const routes = m.all('Route');
    while (routes.length && this.isUs(uriOf(routes[0]!), false)) routes.shift();
    if (routes.length) m.setList('Route', routes); else m.remove('Route');
    let dest: Addr;
    if (routes.length) {
      const u = uriOf(routes[0]!);
      if (!u) return;
      dest = await this.resolve(u);
    } else {
      const target = parseUri(m.uri);
      if (!target) return;
      if (this.isUs(target, true) && target.user) {
        const b = this.location.lookup(target.user)[0];
        if (!b) return;
        m.uri = b.contact;
        dest = await this.bindingDest(b);
      } else dest = await this.resolve(target);
    }
    if (this.relay && m.body.length) {
      const body = await this.relayBody(p.callId, m, true);
      if (body) m.body = body;
    }
    m.set('Max-Forwards', String(mf - 1));
    const branch = `z9hG4bK-sfa${md5hex(`${p.branch}|${p.callId}|${p.cseqNum}|${this.instance}`).slice(0, 16)}`;
    m.prepend('Via', `SIP/2.0/UDP ${uriHost(this.advertise)}:${this.port};branch=${branch};rport`);
    this.send(m.toBuffer(), dest);
  }

  private onCancel(p: ParsedSip, src: Addr, sentBy: string): void {
    const st = this.servers.get(this.txKey(p, 'INVITE', sentBy));
    const cancelKey = this.txKey(p, 'CANCEL', sentBy);
    const prev = this.servers.get(cancelKey);
    if (prev) { if (prev.lastResponse) this.send(prev.lastResponse, prev.src); return; }
    if (!st) { this.replyStateless(p, src, 481); return; }
    const m = SipMsg.from(p);
    this.fixTopVia(m, p, src);
    const cst: ServerTx = {
      key: cancelKey, method: 'CANCEL', src, req: m, callId: p.callId, state: 'proceeding', lastResponse: null, lastStatus: 0,
      toTag: st.toTag, clients: [], best: null, cancelled: false, expiresAt: Date.now() + this.timers.linger, retransmit: null, fromCaller: true,
    };
    this.servers.set(cancelKey, cst);
    this.respond(cst, 200);
    if (st.state !== 'proceeding') return;
    st.cancelled = true;
    if (st.clients.length === 0) { this.respond(st, 487); return; }
    for (const ct of st.clients) this.cancelBranch(ct);
  }

  /** CANCEL a client INVITE transaction (§9.1): only once it has had a provisional response. */
  private cancelBranch(ct: ClientTx): void {
    if (ct.final > 0 || ct.cancelSent) return;
    if (ct.state !== 'proceeding') { ct.cancelWanted = true; return; }
    ct.cancelSent = true;
    const inv = ct.msg;
    const c = new SipMsg({ isRequest: true, method: 'CANCEL', uri: inv.uri });
    c.append('Via', inv.all('Via')[0]!);
    for (const r of inv.all('Route')) c.append('Route', r);
    c.append('Max-Forwards', '70');
    c.append('From', inv.get('From')!);
    c.append('To', inv.get('To')!);
    c.append('Call-ID', inv.get('Call-ID')!);
    c.append('CSeq', `${inv.get('CSeq')!.trim().split(/\s+/)[0]} CANCEL`);
    const reason = ct.server?.req.get('Reason');
    if (reason) c.append('Reason', reason);
    const buf = c.toBuffer();
    const cc: ClientTx = {
      key: `${ct.branch} CANCEL`, branch: ct.branch, method: 'CANCEL', server: null, msg: c, buf, dest: ct.dest, state: 'calling',
      final: 0, cancelSent: false, cancelWanted: false, ack: null, startedAt: Date.now(),
      deadline: Date.now() + 64 * this.timers.t1, retransmit: null, interval: this.timers.t1, doneAt: 0,
    };
    this.clients.set(cc.key, cc);
    this.send(buf, ct.dest);
    this.armRetransmit(cc);
  }

  // ------------------------------------------------------------ registrar

  private register(st: ServerTx, p: ParsedSip): void {
    const to = p.to?.uri;
    const aorText = to ? `${to.user ?? ''}@${to.host}` : '?';
    if (!to || !to.user) { this.respond(st, 404, 'Not Found - no user in To'); return; }
    const user = to.user;
    const src = endpoint(st.src.ip, st.src.port);
    // Behind a NAT (the top Via is not where the REGISTER came from), requests go back to the source address.
    const via = p.via;
    const natted = !!via && (stripBrackets(via.host) !== st.src.ip || (via.port ?? 5060) !== st.src.port);
    if (this.auth) {
      const r = this.auth.verify('REGISTER', p.headersNamed('Authorization'));
      if (!r.ok) {
        this.respond(st, 401, undefined, [['WWW-Authenticate', this.auth.challenge(r.stale)]]);
        if (r.reason !== 'missing' && !r.stale) this.journal.registrationFailed(p.callId, aorText, 401, src);
        return;
      }
      if (r.user !== user) {
        this.respond(st, 403, `Forbidden - ${r.user} may not register ${user}`);
        this.journal.registrationFailed(p.callId, aorText, 403, src);
        return;
      }
    }
    const contacts = p.headerValues('Contact');
    const expHeader = p.header('Expires');
    const headerExpires = expHeader !== null && /^\s*\d+\s*$/.test(expHeader) ? Number(expHeader) : null;
    const now = Date.now();
    if (contacts.length === 1 && contacts[0]!.trim() === '*') {
      if (headerExpires !== 0) { this.respond(st, 400, 'Bad Request - Contact: * needs Expires: 0'); return; }
      this.location.removeAll(user);
      this.journal.registered(p.callId, aorText, 0, src);
    } else {
      const changes: { contact: string; expires: number; q: number | null }[] = [];
      for (const c of contacts) {
        const na = parseNameAddr(c);
        if (!na.uri) { this.respond(st, 400, 'Bad Request - bad Contact'); return; }
        const ce = na.params['expires'];
        let exp = ce !== undefined && ce !== null && /^\d+$/.test(ce) ? Number(ce) : headerExpires ?? this.expires.default;
        if (exp > 0 && exp < this.expires.min) {
          this.respond(st, 423, undefined, [['Min-Expires', String(this.expires.min)]]);
          return;
        }
        exp = Math.min(exp, this.expires.max);
        const q = na.params['q'] !== undefined && na.params['q'] !== null ? Number(na.params['q']) : null;
        changes.push({ contact: uriText(c), expires: exp, q: Number.isFinite(q) ? q : null });
      }
      for (const ch of changes) {
        const old = this.location.lookup(user).find((b) => b.contact === ch.contact);
        if (old && old.callId === p.callId && old.cseq > p.cseqNum) continue; // out of order
        if (ch.expires === 0) { this.location.remove(user, ch.contact); continue; }
        const ok = this.location.upsert({
          aor: user, contact: ch.contact, expiresAt: now + ch.expires * 1000, callId: p.callId, cseq: p.cseqNum,
          received: natted ? src : '', q: ch.q, registeredAt: now,
        });
        if (!ok) { this.respond(st, 503, 'Service Unavailable - too many registrations', [['Retry-After', '60']]); return; }
      }
      if (changes.length) {
        const exp = changes.every((c) => c.expires === 0) ? 0 : Math.max(...changes.map((c) => c.expires));
        this.journal.registered(p.callId, aorText, exp, src);
      }
    }
    const extra: [string, string][] = this.location.lookup(user).map((b) => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`]);
    // No binding left: say so (Expires: 0), so an unregistration reads as one in a trace.
    if (extra.length === 0) extra.push(['Expires', '0']);
    extra.push(['Date', new Date(now).toUTCString()]);
    this.respond(st, 200, undefined, extra);
  }

  // ------------------------------------------------------------ responses

  private onResponse(p: ParsedSip, src: Addr): void {
    const via = p.via;
    if (!via || !this.isOurHost(via.host) || (via.port ?? 5060) !== this.port) {
      this.stats.dropped++;
      this.journal.note(`dropped ${p.status} from ${endpoint(src.ip, src.port)}: top Via is not this proxy`);
      return;
    }
    const status = p.status!;
    const ct = this.clients.get(`${p.branch} ${p.cseqMethod}`);
    const m = SipMsg.from(p);
    m.shift('Via');
    if (!ct) {
      // A 2xx to an INVITE after its transaction: forward it along the Via (§16.7 step 10 / RFC 6026).
      if (p.cseqMethod === 'INVITE' && status >= 200 && status < 300) this.forwardByVia(m);
      return;
    }
    if (ct.method === 'CANCEL') { ct.final = status; ct.state = 'completed'; return; }
    if (status < 200) {
      if (ct.state === 'calling') ct.state = 'proceeding';
      if (ct.method === 'INVITE') ct.deadline = ct.startedAt + this.timers.timerC;
      if (ct.cancelWanted) this.cancelBranch(ct);
      const st = ct.server;
      if (status === 100 || !st || st.state !== 'proceeding') return;
      void this.relayed(st.callId, m, false).then(() => { if (st.state === 'proceeding') this.sendUpstream(st, m, false); });
      return;
    }
    if (ct.method === 'INVITE' && status >= 300) {
      // Non-2xx final: ACK it here, hop by hop (§17.1.1.3); a retransmission is ACKed again.
      if (!ct.ack) ct.ack = this.buildAck(ct, p).toBuffer();
      this.send(ct.ack, ct.dest);
      if (ct.final > 0) return;
      ct.final = status;
      ct.state = 'completed';
      this.gotFinal(ct, status, m);
      return;
    }
    if (ct.method === 'INVITE') {
      // 2xx: every one (retransmissions too) goes upstream; the branch stays to pass them on.
      const first = ct.final === 0;
      ct.final = status;
      ct.state = 'accepted';
      const st = ct.server;
      if (!st) return;
      void this.relayed(st.callId, m, false).then(() => {
        this.applyReason(m);
        m.setList('Via', st.req.all('Via'));
        const buf = m.toBuffer();
        st.lastResponse = buf;
        st.lastStatus = status;
        this.send(buf, st.src);
        if (first) {
          if (st.state === 'proceeding') this.finishServer(st, status);
          st.state = 'accepted';
          // Parallel forking: the other branches are cancelled (§16.7 step 10).
          for (const o of st.clients) if (o !== ct) this.cancelBranch(o);
        }
      });
      return;
    }
    // Non-INVITE final.
    if (ct.final > 0) return;
    ct.final = status;
    ct.state = 'completed';
    if (ct.server && ct.server.method === 'BYE' && status < 300) this.callEnded(ct.server.callId);
    this.gotFinal(ct, status, m);
  }

  private applyReason(r: SipMsg): void {
    const custom = this.reasons[r.status];
    if (custom !== undefined && DEFAULT_REASONS[r.status] !== custom) r.reason = custom;
  }

  /** Response context (§16.7): keep the best final; send it when every branch is final, a 2xx at once. */
  private gotFinal(ct: ClientTx, status: number, m: SipMsg): void {
    const st = ct.server;
    if (!st || st.state !== 'proceeding') return;
    if (status < 300) { this.sendUpstream(st, m, false); for (const o of st.clients) if (o !== ct) this.cancelBranch(o); return; }
    if (!st.best || rank(status) < rank(st.best.status)) st.best = { status, msg: m };
    if (status >= 600) for (const o of st.clients) if (o !== ct) this.cancelBranch(o);
    if (st.clients.every((c) => c.final >= 200)) {
      const best = st.best!;
      if (best.status === 401 || best.status === 407) {
        // Challenges from every branch are merged (§16.7 step 7).
        for (const c of st.clients) void c;
      }
      if (best.status === 503) { best.msg.status = 500; best.msg.reason = this.reason(500); }
      this.sendUpstream(st, best.msg, false);
    }
  }

  private buildAck(ct: ClientTx, p: ParsedSip): SipMsg {
    const inv = ct.msg;
    const a = new SipMsg({ isRequest: true, method: 'ACK', uri: inv.uri });
    a.append('Via', inv.all('Via')[0]!);
    for (const r of inv.all('Route')) a.append('Route', r);
    a.append('Max-Forwards', '70');
    a.append('From', inv.get('From')!);
    a.append('To', p.toValue ?? inv.get('To')!);
    a.append('Call-ID', inv.get('Call-ID')!);
    a.append('CSeq', `${inv.get('CSeq')!.trim().split(/\s+/)[0]} ACK`);
    return a;
  }

  /** Send a response to the address of its (new) top Via: received/rport, else sent-by. */
  private forwardByVia(m: SipMsg): void {
    const top = m.all('Via')[0];
    const via = top ? parseVia(top) : null;
    if (!via) return;
    const ip = via.received ?? stripBrackets(via.host);
    const port = via.rport ?? via.port ?? 5060;
    if (!isIP(ip)) return;
    this.applyReason(m);
    this.send(m.toBuffer(), { ip, port });
  }

  private callEnded(callId: string): void {
    const c = this.calls.get(callId);
    if (c) { c.ended = true; c.dropAt = Date.now() + 5000; }
  }

  // ------------------------------------------------------------ media relay

  /** Rewrite the SDP of a message for the relay; returns the new body or null. */
  private async relayBody(callId: string, m: SipMsg, isRequest: boolean): Promise<Buffer | null> {
    if (!this.relay) return null;
    const ct = m.get('Content-Type');
    const text = m.body.toString('latin1');
    const sdp = findSdp(ct, text);
    if (sdp === null || sdp !== text) return null; // multipart bodies are passed through
    const call = this.calls.get(callId);
    const fromTag = parseNameAddr(m.get('From') ?? '').params['tag'] ?? null;
    const callerSent = call?.callerTag !== undefined && call?.callerTag !== null ? fromTag === call.callerTag : true;
    const side: 'a' | 'b' = (isRequest ? callerSent : !callerSent) ? 'a' : 'b';
    const out = await this.relay.rewrite(callId, side, text);
    return out === null ? null : Buffer.from(out, 'latin1');
  }

  private async relayed(callId: string, m: SipMsg, isRequest: boolean): Promise<void> {
    if (!this.relay || !m.body.length) return;
    const b = await this.relayBody(callId, m, isRequest);
    if (b) m.body = b;
  }

  // ------------------------------------------------------------ timers

  /** Once a second: expire transactions, time out branches (408), forget idle calls and expired bindings. */
  private sweep(): void {
    const now = Date.now();
    for (const ct of this.clients.values()) {
      if (ct.final === 0 && ct.state !== 'accepted') {
        if (now < ct.deadline) continue;
        // Timer B/F (or C once proceeding): the branch timed out; a proceeding INVITE is cancelled.
        if (ct.retransmit) { clearTimeout(ct.retransmit); ct.retransmit = null; }
        if (ct.method === 'INVITE' && ct.state === 'proceeding') this.cancelBranch(ct);
        ct.final = 408;
        ct.state = 'terminated';
        ct.doneAt = now;
        const st = ct.server;
        if (st && st.state === 'proceeding') this.gotFinal(ct, 408, this.buildResponse(st.req, 408, undefined, st.toTag));
      } else {
        if (ct.doneAt === 0) ct.doneAt = now;
        if (now - ct.doneAt >= this.timers.linger) {
          if (ct.retransmit) clearTimeout(ct.retransmit);
          this.clients.delete(ct.key);
        }
      }
    }
    for (const st of this.servers.values()) {
      if (st.state !== 'proceeding' && now >= st.expiresAt) {
        if (st.retransmit) clearTimeout(st.retransmit);
        this.servers.delete(st.key);
        this.localFinals.delete(`${st.callId}|${st.toTag}`);
      } else if (st.state === 'proceeding' && now >= st.expiresAt) {
        this.respond(st, 408);
      }
    }
    for (const c of this.calls.values()) {
      if ((c.dropAt !== null && now >= c.dropAt) || now - c.lastActivity > this.limits.callIdleMs) {
        this.calls.delete(c.callId);
        this.relay?.release(c.callId);
        this.journal.forget(c.callId);
      }
    }
    if (now % 60000 < 1000) this.location.sweep();
  }
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, REFER, NOTIFY, SUBSCRIBE, INFO, UPDATE, PRACK, MESSAGE';

/** §16.7 step 6: 6xx first, then the lowest class; within 4xx prefer 401/407 (merged challenges). */
function rank(status: number): number {
  if (status >= 600) return 0;
  if (status === 401 || status === 407) return 1;
  if (status === 503) return 5000;
  return status;
}

function md5hex(s: string): string { return createHash('md5').update(s).digest('hex'); }

const ORIGIN = performance.timeOrigin;
/** Wall-clock milliseconds with sub-millisecond precision. */
function nowMs(): number { return ORIGIN + performance.now(); }

export { splitHeaderList };
