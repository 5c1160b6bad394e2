/**
 * The proxy's transaction layer (RFC 3261 §17, unreliable transport): the
 * server and client transaction tables, their keys, the retransmission
 * timers (A/E for requests sent, G for a non-2xx final answer to an INVITE)
 * and their lifetimes (B/F and C through the proxy core, linger 64*T1), all
 * swept once a second. What a timeout means for the call is the proxy
 * core's business: it is told through TransactionHooks.
 */
import type { ParsedSip } from '../sip/parser.js';
import { md5 } from './digest.js';
import type { SipMsg } from './message.js';
import { tagOf } from './responses.js';
import type { Addr } from './transport.js';

export interface ProxyTimers {
  /** RFC 3261 T1, T2 (ms). */
  t1: number;
  t2: number;
  /** How long finished transactions are kept to absorb retransmissions (ms, 64*T1). */
  linger: number;
  /** Timer C: an INVITE branch with only provisional responses is cancelled after this (ms). */
  timerC: number;
}

type ServerState = 'proceeding' | 'completed' | 'confirmed' | 'accepted';
type ClientState = 'calling' | 'proceeding' | 'completed' | 'accepted' | 'terminated';

export interface ServerTx {
  key: string;
  method: string;
  /** Where the request came from: responses go back there (RFC 3581). */
  src: Addr;
  /** The request as the proxy keeps and forwards it (top Via with received/rport). */
  req: SipMsg;
  /** The request as parsed on arrival. */
  parsed: ParsedSip;
  callId: string;
  /** 'accepted': a 2xx to an INVITE went upstream (RFC 6026); the 2xx ACK is not ours. */
  state: ServerState;
  /** The last response sent, for retransmissions of the request. */
  lastResponse: Buffer | null;
  /** What the To tag of the proxy's own responses is made from (a retransmission gets the same tag). */
  tagSeed: string;
  /** That tag, once made (toTagOf): most transactions are forwarded and never need one. */
  toTag: string | null;
  expiresAt: number;
  retransmit: NodeJS.Timeout | null;
  // The proxy core's response context (§16.7), kept with the transaction it answers.
  /** The branches forwarded for this request. */
  clients: ClientTx[];
  best: { status: number; msg: SipMsg } | null;
  cancelled: boolean;
}

export interface ClientTx {
  key: string;
  branch: string;
  method: string;
  /** CSeq number of the request (its CANCEL and ACK reuse it). */
  cseq: number;
  /** The server transaction this branch was forwarded for (null for a CANCEL the proxy sent). */
  server: ServerTx | null;
  msg: SipMsg;
  buf: Buffer;
  dest: Addr;
  state: ClientState;
  /** Final status received (0: none yet). */
  final: number;
  startedAt: number;
  deadline: number;
  retransmit: NodeJS.Timeout | null;
  interval: number;
  /** When the branch got its final response (0: not yet). */
  doneAt: number;
  // The proxy core's CANCEL (§9.1) and hop-by-hop ACK (§17.1.1.3) of an INVITE branch.
  cancelSent: boolean;
  /** A CANCEL is due once the branch has had a provisional response. */
  cancelWanted: boolean;
  ack: Buffer | null;
}

/** What the proxy core decides when a transaction times out. */
export interface TransactionHooks {
  /** Timer B/F, or C once proceeding: a branch has no final response in time. */
  clientTimedOut(ct: ClientTx, now: number): void;
  /** A server transaction still proceeding outlived its lifetime. */
  serverTimedOut(st: ServerTx): void;
}

export type NewServerTx = Pick<ServerTx, 'key' | 'method' | 'src' | 'req' | 'parsed' | 'tagSeed' | 'expiresAt'>;

/** The To tag of the proxy's own responses on st, made the first time one is needed. */
export function toTagOf(st: ServerTx): string {
  return st.toTag ??= tagOf(st.tagSeed);
}
export type NewClientTx = Pick<ClientTx, 'branch' | 'method' | 'cseq' | 'server' | 'msg' | 'dest'>;

export class TransactionLayer {
  private readonly servers = new Map<string, ServerTx>();
  private readonly clients = new Map<string, ClientTx>();
  /** Non-2xx final answers the proxy made itself, by Call-ID and To tag: their ACKs end here even with a wrong branch. */
  private readonly localFinals = new Map<string, ServerTx>();
  /** INVITE server transactions kept in state 'accepted', counted by Call-ID (hasAcceptedInvite without a scan of the table). */
  private readonly acceptedInvites = new Map<string, number>();
  private branchCounter = 0;
  /** Makes this process's branches and tags its own. */
  readonly instance = md5(String(Math.random()) + process.pid).slice(0, 6);
  private closing = false;

  constructor(
    private readonly timers: ProxyTimers,
    private readonly maxTransactions: number,
    private readonly send: (buf: Buffer, to: Addr) => void,
    private readonly hooks: TransactionHooks,
  ) {}

  get size(): number { return this.servers.size + this.clients.size; }

  /** The tables are full: new requests get 503. */
  get full(): boolean { return this.size >= this.maxTransactions; }

  /** §17.2.3: branch + sent-by + method with the magic cookie; older clients: a fallback on dialog identifiers. */
  serverKey(p: ParsedSip, method: string, sentBy: string): string {
    if (p.branch && p.branch.startsWith('z9hG4bK')) return `${p.branch}|${sentBy}|${method}`;
    return `old|${p.callId}|${p.cseqNum}|${p.fromTag ?? ''}|${sentBy}|${method}`;
  }

  server(key: string): ServerTx | undefined { return this.servers.get(key); }

  /** The INVITE server transaction an ACK belongs to: by key, or a local non-2xx answer by Call-ID and To tag. */
  serverForAck(p: ParsedSip, sentBy: string): ServerTx | undefined {
    return this.servers.get(this.serverKey(p, 'INVITE', sentBy)) ?? this.localFinals.get(`${p.callId}|${p.toTag}`);
  }

  addServer(init: NewServerTx): ServerTx {
    // Spelled out, not spread: one object shape for every transaction (this runs for each request).
    const st: ServerTx = {
      key: init.key, method: init.method, src: init.src, req: init.req, parsed: init.parsed, callId: init.parsed.callId,
      state: 'proceeding', lastResponse: null, tagSeed: init.tagSeed, toTag: null, expiresAt: init.expiresAt, retransmit: null,
      clients: [], best: null, cancelled: false,
    };
    this.servers.set(st.key, st);
    return st;
  }

  /** A branch for a request forwarded: the loop hash of §16.6 step 8 goes in it. */
  newBranch(loopHash: string): string {
    return `z9hG4bK-sf${loopHash}-${this.instance}${(this.branchCounter++).toString(36)}`;
  }

  /** §16.11: a request forwarded statelessly gets the same branch each time it is retransmitted. */
  statelessBranch(p: ParsedSip): string {
    return `z9hG4bK-sfa${md5(`${p.branch}|${p.callId}|${p.cseqNum}|${this.instance}`).slice(0, 16)}`;
  }

  /** The client transaction a response belongs to (§17.1.3: branch and CSeq method). */
  client(branch: string | null, method: string): ClientTx | undefined { return this.clients.get(`${branch} ${method}`); }

  /** Start a client transaction: keep it, send the request, retransmit it on Timer A/E. */
  startClient(init: NewClientTx): ClientTx {
    const now = Date.now();
    const ct: ClientTx = {
      key: `${init.branch} ${init.method}`, branch: init.branch, method: init.method, cseq: init.cseq, server: init.server,
      msg: init.msg, buf: init.msg.toBuffer(), dest: init.dest, state: 'calling', final: 0,
      startedAt: now, deadline: now + 64 * this.timers.t1, retransmit: null, interval: this.timers.t1, doneAt: 0,
      cancelSent: false, cancelWanted: false, ack: null,
    };
    this.clients.set(ct.key, ct);
    this.send(ct.buf, ct.dest);
    this.armRetransmit(ct);
    return ct;
  }

  /** A provisional response arrived: Timer C replaces Timer B for an INVITE. */
  proceeding(ct: ClientTx): void {
    if (ct.state === 'calling') ct.state = 'proceeding';
    if (ct.method === 'INVITE') ct.deadline = ct.startedAt + this.timers.timerC;
  }

  /** A response that ends a client transaction's wait; a 2xx to an INVITE leaves it accepted (more 2xx may follow, RFC 6026). */
  answered(ct: ClientTx, status: number): void {
    ct.final = status;
    ct.state = ct.method === 'INVITE' && status >= 200 && status < 300 ? 'accepted' : 'completed';
  }

  /** The branch is over without a response (timeout): `status` stands for the answer. */
  terminate(ct: ClientTx, status: number, now: number): void {
    ct.final = status;
    ct.state = 'terminated';
    ct.doneAt = now;
  }

  /** Send a response of a server transaction; it is kept to answer retransmissions of the request. */
  transmit(st: ServerTx, buf: Buffer): void {
    st.lastResponse = buf;
    this.send(buf, st.src);
  }

  /** A retransmitted request: the last response again, if there is one. */
  retransmitLast(st: ServerTx): void {
    if (st.lastResponse) this.send(st.lastResponse, st.src);
  }

  /** A final response went upstream: the transaction lingers; a non-2xx to an INVITE is retransmitted until ACKed. */
  complete(st: ServerTx, status: number): void {
    st.expiresAt = Date.now() + this.timers.linger;
    if (st.method !== 'INVITE') { st.state = 'completed'; return; }
    if (status < 300) { this.accept(st); return; }
    st.state = 'completed';
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

  /** A 2xx went upstream (a late or a forked one, RFC 6026): the ACK and what follows go end to end. */
  accept(st: ServerTx): void {
    if (st.state === 'accepted') return;
    st.state = 'accepted';
    if (st.method === 'INVITE') this.acceptedInvites.set(st.callId, (this.acceptedInvites.get(st.callId) ?? 0) + 1);
  }

  private forgetServer(st: ServerTx): void {
    this.servers.delete(st.key);
    // Only a transaction whose tag was made can be among the local finals (rememberLocalFinal makes it).
    if (st.toTag !== null) this.localFinals.delete(`${st.callId}|${st.toTag}`);
    if (st.state === 'accepted' && st.method === 'INVITE') {
      const n = (this.acceptedInvites.get(st.callId) ?? 1) - 1;
      if (n > 0) this.acceptedInvites.set(st.callId, n); else this.acceptedInvites.delete(st.callId);
    }
  }

  /** The proxy answered this INVITE itself with a non-2xx: its ACK is matched by dialog too. */
  rememberLocalFinal(st: ServerTx): void {
    this.localFinals.set(`${st.callId}|${toTagOf(st)}`, st);
  }

  /** The ACK of a non-2xx final response: the transaction is confirmed, Timer G stops. */
  acked(st: ServerTx): void {
    if (st.state === 'completed') st.state = 'confirmed';
    if (st.retransmit) { clearTimeout(st.retransmit); st.retransmit = null; }
  }

  /** A dialog exists for this call: one of its INVITEs was answered with a 2xx. */
  hasAcceptedInvite(callId: string): boolean {
    return this.acceptedInvites.has(callId);
  }

  /** Timers A / E: retransmit a request until a response (INVITE: any, interval doubling; others: final, capped at T2). */
  private armRetransmit(ct: ClientTx): void {
    const tick = () => {
      ct.retransmit = null;
      if (this.closing) return;
      if (ct.method === 'INVITE' ? ct.state !== 'calling' : ct.final > 0) return;
      if (Date.now() >= ct.deadline) return;
      this.send(ct.buf, ct.dest);
      ct.interval = ct.method === 'INVITE' ? ct.interval * 2 : Math.min(ct.interval * 2, this.timers.t2);
      ct.retransmit = setTimeout(tick, ct.interval);
    };
    ct.retransmit = setTimeout(tick, ct.interval);
  }

  /** Once a second: time out branches and proceeding server transactions, forget finished ones. */
  sweep(now: number): void {
    for (const ct of this.clients.values()) {
      if (ct.final === 0 && ct.state !== 'accepted') {
        if (now < ct.deadline) continue;
        if (ct.retransmit) { clearTimeout(ct.retransmit); ct.retransmit = null; }
        this.hooks.clientTimedOut(ct, now);
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
        this.forgetServer(st);
      } else if (st.state === 'proceeding' && now >= st.expiresAt) {
        this.hooks.serverTimedOut(st);
      }
    }
  }

  /** Stop every timer and drop the tables. */
  stop(): void {
    this.closing = true;
    for (const t of this.servers.values()) if (t.retransmit) clearTimeout(t.retransmit);
    for (const t of this.clients.values()) if (t.retransmit) clearTimeout(t.retransmit);
    this.servers.clear();
    this.clients.clear();
    this.localFinals.clear();
    this.acceptedInvites.clear();
  }
}
