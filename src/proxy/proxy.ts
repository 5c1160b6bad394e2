/**
 * sipflow proxy: a stateful SIP proxy and registrar on UDP (RFC 3261 §10,
 * §16, §17), built on the analyzer's SIP parser. SipProxy puts the layers
 * together and runs the receive path between them:
 *
 *   transport.ts      UDP socket, recorder hook, datagram counters
 *   (here)            parse, mandatory-header check (400), journal
 *   transactions.ts   server/client transactions, retransmission timers, sweep
 *   core.ts           proxy core: routing (routing.ts), forking, CANCEL,
 *                     Record-Route, response context; answers via upstream.ts
 *   registrar.ts      REGISTER, with digest.ts and the location service (location.ts)
 *   media-hook.ts     SDP handed to the media relay (media-relay.ts)
 *
 *   validate.ts       the strict checks an acting element owes RFC 4475 (400/505/420...)
 *   authenticate.ts   digest (digest.ts) and the per-source failure guard (auth-guard.ts)
 *
 * Memory is bounded: transactions and calls live in tables with limits (503
 * with Retry-After when full) and are dropped by the once-a-second sweep.
 */
import { endpoint } from '../net/addr.js';
import { isSipParseError, parseSip, type ParsedSip } from '../sip/parser.js';
import { CallTable } from './call-table.js';
import { ProxyCore } from './core.js';
import { AuthGuard, DEFAULT_GUARD, type GuardLimits } from './auth-guard.js';
import { Authenticator } from './authenticate.js';
import { DigestAuth, DIGEST_ALGORITHMS, NONCE_TTL_S, type DigestAlgorithm } from './digest.js';
import { Journal } from './journal.js';
import { liveSipMessage } from './live-message.js';
import { LocalAddress } from './local-address.js';
import { LocationService } from './location.js';
import { MediaHook } from './media-hook.js';
import { MediaRelay } from './media-relay.js';
import type { Recorder } from './recorder.js';
import { Registrar, type ExpiryLimits } from './registrar.js';
import { ReasonPhrases } from './responses.js';
import { Router } from './routing.js';
import { TransactionLayer, type ProxyTimers } from './transactions.js';
import { UdpTransport, nowMs, type Addr } from './transport.js';
import { Upstream } from './upstream.js';
import { salvageRequest, strictCheck } from './validate.js';

export { DEFAULT_REASONS } from './responses.js';
export type { ProxyTimers } from './transactions.js';

export interface ProxyLimits {
  maxTransactions: number;
  maxCalls: number;
  /** Open calls one source address may hold (503 beyond). */
  maxCallsPerSource: number;
  maxAors: number;
  maxBindingsPerAor: number;
  /** An established dialog with no request for this long is forgotten (ms), unless RFC 4028 session timers say otherwise. */
  callIdleMs: number;
  /** Authentication failures per source before it is refused for a while. */
  guard: GuardLimits;
}

export interface ProxyConfig {
  host: string;
  port: number;
  /** Address written in Via, Record-Route and relayed SDP (default: host, or loopback for 0.0.0.0 / ::). */
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
  expires?: ExpiryLimits;
  /** With users: authenticated users may send requests to other domains (else 403). */
  allowRelay?: boolean;
  /** Digest algorithms offered, in order (default SHA-256 then MD5). */
  digestAlgorithms?: DigestAlgorithm[];
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
  /** New calls refused because their source address held too many. */
  rejectedPerSource: number;
  /** Requests answered 4xx/5xx by the strict checks (validate.ts). */
  rejectedInvalid: number;
  /** Calls dropped by the sweep because their 2xx was never ACKed, or they were idle. */
  droppedUnacked: number;
  droppedIdle: number;
  /** Source addresses with open calls, and the most calls one holds. */
  callSources: number;
  maxCallsOneSource: number;
}

/** §8.1.1 / §16.3 step 1: the header fields without which a message cannot be handled ("" when none is missing). */
function missingHeaders(p: ParsedSip): string {
  const missing = ['Via', 'From', 'To', 'Call-ID', 'CSeq'].filter((h) => !p.has(h));
  if (!p.callId || p.cseqNum === 0 || !p.cseqMethod) missing.push(p.callId ? 'CSeq' : 'Call-ID');
  if (p.isRequest && p.via === null && p.viaValue !== null) missing.push('Via');
  return [...new Set(missing)].join(', ');
}

export class SipProxy {
  readonly location: LocationService;
  readonly journal: Journal;
  private readonly transport: UdpTransport;
  private readonly tx: TransactionLayer;
  private readonly calls: CallTable;
  private readonly upstream: Upstream;
  private readonly core: ProxyCore;
  private readonly relay: MediaRelay | null;
  private sweeper: NodeJS.Timeout | null = null;
  private closing = false;
  private malformed = 0;
  private invalid = 0;
  private droppedUnacked = 0;
  private droppedIdle = 0;
  /** Nonce lifetime of the digest authentication (s), null when it is off. */
  readonly nonceTtlS: number | null;
  /** Digest algorithms offered, in order (empty when authentication is off). */
  readonly digestAlgorithms: readonly string[];

  constructor(cfg: ProxyConfig) {
    this.location = cfg.location ?? new LocationService(null);
    this.journal = cfg.journal ?? new Journal({ stderr: false });
    const recorder = cfg.recorder ?? null;
    const timers: ProxyTimers = { t1: 500, t2: 4000, linger: 32000, timerC: 180000, ...(cfg.timers ?? {}) };
    const base = { maxTransactions: 100000, maxCalls: 20000, maxAors: 10000, maxBindingsPerAor: 10, callIdleMs: 2 * 3600 * 1000, guard: DEFAULT_GUARD, ...(cfg.limits ?? {}) };
    const limits: ProxyLimits = { maxCallsPerSource: Math.max(1, Math.floor(base.maxCalls / 4)), ...base };
    const note = (s: string) => this.journal.note(s);
    this.transport = new UdpTransport({
      host: cfg.host, port: cfg.port, advertise: cfg.advertise ?? cfg.host, recorder, onNote: note,
      onDatagram: (buf, src) => this.receive(buf, src),
    });
    const send = (buf: Buffer, to: Addr) => this.transport.send(buf, to);
    const local = new LocalAddress(this.transport, cfg.domain ?? null);
    const digest = cfg.users ? new DigestAuth(cfg.realm ?? cfg.domain ?? 'sipflow', cfg.users, NONCE_TTL_S, Date.now, 100000, cfg.digestAlgorithms ?? DIGEST_ALGORITHMS) : null;
    this.nonceTtlS = digest?.nonceTtlS ?? null;
    this.digestAlgorithms = digest?.algorithms ?? [];
    const auth = digest ? new Authenticator(digest, new AuthGuard(limits.guard, (ip, n, sec) => note(`authentication: ${n} failures from ${ip}: its requests are refused for ${sec} s`)), note) : null;
    this.relay = cfg.relay ? new MediaRelay({
      bindIp: cfg.host, advertiseIp: cfg.advertise ?? cfg.host, portMin: cfg.relay.portMin, portMax: cfg.relay.portMax,
      onPacket: (s, sp, d, dp, data) => recorder?.udp(s, sp, d, dp, data, nowMs()), onNote: note,
    }) : null;
    this.calls = new CallTable(limits, timers.linger, 64 * timers.t1);
    this.tx = new TransactionLayer(timers, limits.maxTransactions, send, {
      clientTimedOut: (ct, now) => this.core.branchTimedOut(ct, now),
      serverTimedOut: (st) => this.core.serverTimedOut(st),
    });
    const reasons = new ReasonPhrases(cfg.reasons);
    this.upstream = new Upstream(local, this.tx, this.calls, reasons, this.journal, send);
    this.core = new ProxyCore({
      local, tx: this.tx, upstream: this.upstream,
      router: new Router(local, this.location, auth ? { auth, dialogs: this.calls, allowRelay: !!cfg.allowRelay, refused: note } : null),
      registrar: new Registrar(this.location, auth, this.journal, cfg.expires ?? { default: 3600, min: 10, max: 86400 }),
      calls: this.calls, media: this.relay ? new MediaHook(this.relay, this.calls) : null, reasons, journal: this.journal, timers, send,
      secure: auth !== null,
    });
  }

  get host(): string { return this.transport.host; }
  get port(): number { return this.transport.port; }
  get advertise(): string { return this.transport.advertise; }

  /** Bind the UDP socket; resolves with the bound port (useful with port 0). */
  async start(): Promise<number> {
    const port = await this.transport.start();
    this.sweeper = setInterval(() => this.sweep(), 1000);
    return port;
  }

  /** Stop: no new datagrams, timers cleared, tables dropped, stores closed. */
  async stop(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.tx.stop();
    this.relay?.close();
    await this.transport.close();
    this.location.close();
  }

  getStats(): ProxyStats {
    return {
      received: this.transport.received, sent: this.transport.sent, malformed: this.malformed,
      dropped: this.transport.failed + this.core.counters.dropped, transactions: this.tx.size, calls: this.calls.size,
      registrations: this.location.size, relaySessions: this.relay?.activeSessions ?? 0,
      rejectedOverload: this.core.counters.rejectedOverload, rejectedPerSource: this.core.counters.rejectedPerSource,
      rejectedInvalid: this.invalid, droppedUnacked: this.droppedUnacked, droppedIdle: this.droppedIdle,
      callSources: this.calls.sources().size, maxCallsOneSource: Math.max(0, ...this.calls.sources().values()),
    };
  }

  /** The receive path: a datagram from the transport becomes a message for the proxy core. */
  private receive(buf: Buffer, src: Addr): void {
    // Keep-alives (CRLF, CRLFCRLF) are answered by nothing over UDP.
    if (buf.length <= 4 && buf.every((c) => c === 13 || c === 10 || c === 0)) return;
    const from = endpoint(src.ip, src.port);
    const p = parseSip(buf);
    if (isSipParseError(p)) {
      this.malformed++;
      const salvaged = p.reason === 'bad-start-line' ? salvageRequest(buf) : null;
      if (salvaged) {
        this.journal.floodNote(`400 to a request from ${from}: ${p.error}`);
        this.upstream.stateless(salvaged, src, 400, 'Bad Request - malformed request line');
        return;
      }
      this.journal.floodNote(`dropped malformed datagram from ${from} (${buf.length} bytes): ${p.error}`);
      return;
    }
    const missing = missingHeaders(p);
    if (missing) {
      this.malformed++;
      if (p.isRequest && p.via && p.method !== 'ACK') {
        this.journal.floodNote(`400 to ${p.method} from ${from}: missing or bad ${missing}`);
        this.upstream.stateless(p, src, 400, `Bad Request - missing ${missing}`);
      } else {
        this.journal.floodNote(`dropped ${p.isRequest ? p.method : p.status} from ${from}: missing or bad ${missing}`);
      }
      return;
    }
    const refusal = strictCheck(p);
    if (refusal) {
      this.malformed++;
      if (p.isRequest && p.method !== 'ACK') {
        this.invalid++;
        this.journal.floodNote(`${refusal.status} to ${p.method} from ${from}: ${refusal.reason} (${p.callId})`);
        this.upstream.stateless(p, src, refusal.status, refusal.reason, undefined, refusal.headers);
      } else {
        this.journal.floodNote(`dropped ${p.isRequest ? p.method : p.status} from ${from}: ${refusal.reason}`);
      }
      return;
    }
    this.journal.message(liveSipMessage(p, src, { ip: this.transport.advertise, port: this.transport.port }));
    if (p.isRequest) this.core.onRequest(p, src);
    else this.core.onResponse(p, src);
  }

  /** Once a second: transaction timeouts, then ended and idle calls, then (each minute) expired bindings. */
  private sweep(): void {
    const now = Date.now();
    this.journal.endFloodSecond(now);
    this.tx.sweep(now);
    for (const { callId, why } of this.calls.sweep(now)) {
      if (why === 'unacked') { this.droppedUnacked++; this.journal.note(`forgot call ${callId}: answered, never ACKed (64×T1)`); }
      if (why === 'idle') { this.droppedIdle++; this.journal.note(`forgot call ${callId}: no request for the session time`); }
      this.relay?.release(callId);
      this.journal.forget(callId);
    }
    if (now % 60000 < 1000) this.location.sweep();
  }
}
