/**
 * The proxy core (RFC 3261 §16), the transaction user on top of the
 * transaction layer: a request opens a server transaction (100 Trying for
 * an INVITE), is routed (routing.ts) and forked to its targets, one client
 * transaction per branch with our Via and, for dialog-creating requests,
 * Record-Route; the branches' responses meet in the response context
 * (§16.7: provisional ones go up at once, the first 2xx wins and cancels
 * the others, else the best final answer when all are done). CANCEL is
 * answered here and sent on to the branches (§16.10); a non-2xx final
 * answer is ACKed hop by hop, the ACK of a 2xx is forwarded statelessly.
 */
import { isIP } from 'node:net';
import { endpoint, unbracketed } from '../net/addr.js';
import type { ParsedSip } from '../sip/parser.js';
import { parseVia } from '../sip/uri.js';
import { cancelOrAck } from './cancel-ack.js';
import type { CallTable } from './call-table.js';
import type { Journal } from './journal.js';
import type { LocalAddress } from './local-address.js';
import type { MediaHook } from './media-hook.js';
import { SipMsg, withReceivedVia } from './message.js';
import type { Registrar } from './registrar.js';
import { buildResponse, tagOf, type ReasonPhrases } from './responses.js';
import { UnresolvableHop, type Router, type Target } from './routing.js';
import { toTagOf, type ClientTx, type ProxyTimers, type ServerTx, type TransactionLayer } from './transactions.js';
import type { Addr } from './transport.js';
import type { Upstream } from './upstream.js';

/** What the proxy core counts for the statistics. */
export interface CoreCounters {
  /** Responses dropped because their top Via is not this proxy. */
  dropped: number;
  /** Requests refused with 503 because a table was full. */
  rejectedOverload: number;
  /** Of those, new calls refused because their source held too many. */
  rejectedPerSource: number;
  /** ACKs and CANCELs refused or dropped because they match no transaction or dialog of theirs (authentication on). */
  refusedUnmatched: number;
}

export interface CoreParts {
  local: LocalAddress;
  tx: TransactionLayer;
  upstream: Upstream;
  router: Router;
  registrar: Registrar;
  calls: CallTable;
  media: MediaHook | null;
  reasons: ReasonPhrases;
  journal: Journal;
  timers: ProxyTimers;
  /** Authentication is on: ACK and CANCEL are matched strictly (§22.1). */
  secure: boolean;
  send(buf: Buffer, to: Addr): void;
}

/** §16.7 step 6: 6xx first, then the lowest class; within 4xx prefer 401/407; 503 last (it becomes 500). */
function rank(status: number): number {
  if (status >= 600) return 0;
  if (status === 401 || status === 407) return 1;
  if (status === 503) return 5000;
  return status;
}

const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export class ProxyCore {
  readonly counters: CoreCounters = { dropped: 0, rejectedOverload: 0, rejectedPerSource: 0, refusedUnmatched: 0 };

  constructor(private readonly c: CoreParts) {}

  // ------------------------------------------------------------ requests

  onRequest(p: ParsedSip, src: Addr): void {
    const { tx, calls, timers } = this.c;
    const method = p.method!;
    const sentBy = p.via ? `${p.via.host}:${p.via.port ?? 5060}` : '';
    if (method === 'ACK') { this.onAck(p, src, sentBy); return; }
    if (method === 'CANCEL') { this.onCancel(p, src, sentBy); return; }

    const key = tx.serverKey(p, method, sentBy);
    const existing = tx.server(key);
    if (existing) { tx.retransmitLast(existing); return; }
    const full = tx.full ? 'table' : calls.refuses(p, src.ip);
    if (full) {
      this.counters.rejectedOverload++;
      if (full === 'source') this.counters.rejectedPerSource++;
      this.c.upstream.stateless(p, src, 503, full === 'source' ? 'Service Unavailable - too many calls from this address' : undefined, tagOf(key), [['Retry-After', '5']]);
      return;
    }
    const m = withReceivedVia(p, src);
    const st = tx.addServer({
      key, method, src, req: m, parsed: p, tagSeed: key + tx.instance, expiresAt: Date.now() + timers.linger + timers.timerC,
    });
    // §17.2.1 wants a 100 only when no answer comes within 200 ms: an INVITE without credentials that
    // authentication will challenge gets its 407 in this turn, so its 100 would be one more datagram
    // for both ends under load (route() sends it if the INVITE is forwarded after all).
    const challengeLikely = this.c.secure && !p.has('Proxy-Authorization') && !p.has('Authorization') && p.toTag === null;
    if (method === 'INVITE' && !challengeLikely) this.c.upstream.respond(st, 100);
    void this.route(st, p, m, method === 'INVITE' && challengeLikely).catch((e) => {
      this.c.journal.note(`${method} ${p.callId}: ${(e as Error).message}`);
      if (st.state !== 'proceeding' || st.clients.length !== 0) return;
      if (e instanceof UnresolvableHop) this.c.upstream.respond(st, e.status, e.reason, e.status === 503 ? [['Retry-After', '30']] : undefined);
      else this.c.upstream.respond(st, 500);
    });
  }

  /**
   * The ACK of a non-2xx answer ends its server transaction here (hop by
   * hop); a 2xx's ACK goes on end to end. With authentication on, that ACK
   * must be in a dialog this proxy follows, through its Record-Route (an
   * ACK is never answered: a stray one is dropped and journaled).
   */
  private onAck(p: ParsedSip, src: Addr, sentBy: string): void {
    const st = this.c.tx.serverForAck(p, sentBy);
    if (st && st.state !== 'accepted') { this.c.tx.acked(st); return; }
    if (this.c.secure) {
      const m = SipMsg.from(p);
      if (p.toTag === null || !this.c.router.followsOurRoute(m) || !this.c.calls.knows(p)) {
        this.counters.refusedUnmatched++;
        this.c.journal.note(`dropped ACK from ${endpoint(src.ip, src.port)}: not in a dialog of this proxy through its Record-Route (${p.callId})`);
        return;
      }
    }
    this.c.calls.touch(p);
    void this.forwardStateless(p, src).catch((e) => this.c.journal.note(`ACK not forwarded: ${(e as Error).message}`));
  }

  private async route(st: ServerTx, p: ParsedSip, m: SipMsg, tryingDue: boolean): Promise<void> {
    const r = await this.c.router.route(p, m, st.src);
    if (r.kind === 'answer') { this.c.upstream.respond(st, r.status, r.reason, r.headers); return; }
    if (tryingDue && st.state === 'proceeding') this.c.upstream.respond(st, 100);
    if (r.kind === 'register') {
      const a = this.c.registrar.register(p, st.src);
      this.c.upstream.respond(st, a.status, a.reason, a.headers);
      return;
    }
    await this.forward(st, m, r.targets, r.maxForwards, r.loopHash);
  }

  /** Forward a request statefully to one or more targets (§16.6): one branch, one client transaction each. */
  private async forward(st: ServerTx, m: SipMsg, targets: Target[], mf: number, hash: string): Promise<void> {
    const { local, tx, media } = this.c;
    const p = st.parsed;
    const dialogCreating = p.toValue !== null && p.toTag === null && DIALOG_CREATING.has(st.method);
    let body: Buffer | null = null;
    if (media && m.body.length) body = await media.rewrite(st.callId, p.fromTag, m, true);
    if (st.cancelled || st.state !== 'proceeding') return;
    // Followed from here: a dialog this proxy Record-Routes, or a request in one.
    if (dialogCreating) this.c.calls.open(p, st.src.ip);
    else if (p.toTag !== null) this.c.calls.touch(p);
    for (const t of targets) {
      const f = m.clone();
      f.uri = t.uri;
      f.set('Max-Forwards', String(mf - 1));
      if (dialogCreating) f.prepend('Record-Route', `<${local.uri()};lr>`);
      if (body) f.body = body;
      const branch = tx.newBranch(hash);
      f.prepend('Via', local.via(branch));
      st.clients.push(tx.startClient({ branch, method: st.method, cseq: p.cseqNum, server: st, msg: f, dest: t.dest }));
    }
  }

  /** Forward statelessly (§16.11): the ACK of a 2xx, and other requests without a transaction. */
  private async forwardStateless(p: ParsedSip, src: Addr): Promise<void> {
    const m = withReceivedVia(p, src);
    const mfText = p.header('Max-Forwards');
    const mf = mfText === null ? 70 : Number(mfText.trim());
    if (!(mf > 0)) return;
    const dest = await this.c.router.statelessNextHop(m);
    if (!dest) return;
    if (this.c.media && m.body.length) await this.c.media.apply(p.callId, p.fromTag, m, true);
    m.set('Max-Forwards', String(mf - 1));
    m.prepend('Via', this.c.local.via(this.c.tx.statelessBranch(p)));
    this.c.send(m.toBuffer(), dest);
  }

  // ------------------------------------------------------------ CANCEL

  /** §16.10: a CANCEL is answered 200 here and sent on to every branch of its INVITE (487 when there is none yet). */
  private onCancel(p: ParsedSip, src: Addr, sentBy: string): void {
    const { tx, upstream } = this.c;
    const st = tx.server(tx.serverKey(p, 'INVITE', sentBy));
    const cancelKey = tx.serverKey(p, 'CANCEL', sentBy);
    const prev = tx.server(cancelKey);
    if (prev) { tx.retransmitLast(prev); return; }
    if (!st) { upstream.stateless(p, src, 481); return; }
    // §22.1: a CANCEL cannot be challenged; it is accepted from the hop that sent the INVITE, and from no one else.
    if (this.c.secure && (st.src.ip !== src.ip || st.src.port !== src.port)) {
      this.counters.refusedUnmatched++;
      this.c.journal.note(`refused CANCEL from ${endpoint(src.ip, src.port)}: its INVITE came from ${endpoint(st.src.ip, st.src.port)} (403) (${p.callId})`);
      upstream.stateless(p, src, 403, 'Forbidden - CANCEL from another hop than its INVITE');
      return;
    }
    const cst = tx.addServer({
      key: cancelKey, method: 'CANCEL', src, req: withReceivedVia(p, src), parsed: p, tagSeed: st.tagSeed,
      expiresAt: Date.now() + this.c.timers.linger,
    });
    upstream.respond(cst, 200);
    if (st.state !== 'proceeding') return;
    st.cancelled = true;
    if (st.clients.length === 0) { upstream.respond(st, 487); return; }
    for (const ct of st.clients) this.cancelBranch(ct);
  }

  /** CANCEL a client INVITE transaction (§9.1): only once it has had a provisional response. */
  private cancelBranch(ct: ClientTx): void {
    if (ct.final > 0 || ct.cancelSent) return;
    if (ct.state !== 'proceeding') { ct.cancelWanted = true; return; }
    ct.cancelSent = true;
    const cancel = cancelOrAck('CANCEL', ct.msg, ct.cseq, { reason: ct.server?.req.get('Reason') });
    this.c.tx.startClient({ branch: ct.branch, method: 'CANCEL', cseq: ct.cseq, server: null, msg: cancel, dest: ct.dest });
  }

  private cancelOthers(st: ServerTx, winner: ClientTx): void {
    for (const o of st.clients) if (o !== winner) this.cancelBranch(o);
  }

  // ------------------------------------------------------------ responses

  onResponse(p: ParsedSip, src: Addr): void {
    const { local, tx } = this.c;
    const via = p.via;
    if (!via || !local.isOurSentBy(via.host, via.port)) {
      this.counters.dropped++;
      this.c.journal.note(`dropped ${p.status} from ${endpoint(src.ip, src.port)}: top Via is not this proxy`);
      return;
    }
    const status = p.status!;
    const ct = tx.client(p.branch, p.cseqMethod);
    const m = SipMsg.from(p);
    m.shift('Via');
    if (!ct) {
      // A 2xx to an INVITE after its transaction: forward it along the Via (§16.7 step 10 / RFC 6026).
      if (p.cseqMethod === 'INVITE' && status >= 200 && status < 300) this.forwardByVia(m);
      return;
    }
    if (ct.method === 'CANCEL') { tx.answered(ct, status); return; }
    if (status < 200) { this.provisional(ct, p, m, status); return; }
    if (ct.method === 'INVITE' && status >= 300) {
      // Non-2xx final: ACK it here, hop by hop (§17.1.1.3); a retransmission is ACKed again.
      ct.ack ??= cancelOrAck('ACK', ct.msg, ct.cseq, { to: p.toValue }).toBuffer();
      this.c.send(ct.ack, ct.dest);
      if (ct.final > 0) return;
      tx.answered(ct, status);
      this.gotFinal(ct, status, m);
      return;
    }
    if (ct.method === 'INVITE') { this.accepted(ct, p, m, status); return; }
    // Non-INVITE final.
    if (ct.final > 0) return;
    tx.answered(ct, status);
    this.byeFinal(ct, status);
    if (ct.server && status < 300) this.c.calls.answered(ct.server.callId, p);
    this.gotFinal(ct, status, m);
  }

  private provisional(ct: ClientTx, p: ParsedSip, m: SipMsg, status: number): void {
    this.c.tx.proceeding(ct);
    if (ct.cancelWanted) this.cancelBranch(ct);
    const st = ct.server;
    if (status === 100 || !st || st.state !== 'proceeding') return;
    void this.relayed(st.callId, p, m).then(() => { if (st.state === 'proceeding') this.c.upstream.forward(st, m); });
  }

  /** A 2xx to an INVITE branch: every one (retransmissions too) goes upstream; the first wins (§16.7 step 10). */
  private accepted(ct: ClientTx, p: ParsedSip, m: SipMsg, status: number): void {
    const first = ct.final === 0;
    this.c.tx.answered(ct, status);
    const st = ct.server;
    if (!st) return;
    void this.relayed(st.callId, p, m).then(() => {
      this.c.tx.transmit(st, this.c.upstream.prepare(st, m));
      this.c.calls.answered(st.callId, p);
      if (!first) return;
      if (st.state === 'proceeding') this.c.upstream.finish(st, status);
      this.c.tx.accept(st);
      this.cancelOthers(st, ct);
    });
  }

  /** Response context (§16.7): keep the best final; send it when every branch is final, a 2xx at once. */
  private gotFinal(ct: ClientTx, status: number, m: SipMsg): void {
    const st = ct.server;
    if (!st || st.state !== 'proceeding') return;
    if (status < 300) { this.c.upstream.forward(st, m); this.cancelOthers(st, ct); return; }
    if (!st.best || rank(status) < rank(st.best.status)) st.best = { status, msg: m };
    if (status >= 600) this.cancelOthers(st, ct);
    if (st.clients.every((c) => c.final >= 200)) {
      // Challenges of several branches are not merged (§16.7 step 7): the best one goes up alone.
      const best = st.best!;
      // §16.7 step 6: a 503 is not passed on as such.
      if (best.status === 503) { best.msg.status = 500; best.msg.reason = this.c.reasons.phrase(500); }
      this.c.upstream.forward(st, best.msg);
    }
  }

  /** Send a response to the address of its (new) top Via: received/rport, else sent-by (§18.2.2, RFC 3581). */
  private forwardByVia(m: SipMsg): void {
    const top = m.all('Via')[0];
    const via = top ? parseVia(top) : null;
    if (!via) return;
    const ip = via.received ?? unbracketed(via.host);
    const port = via.rport ?? via.port ?? 5060;
    if (!isIP(ip)) return;
    this.c.reasons.applyCustom(m);
    this.c.send(m.toBuffer(), { ip, port });
  }

  /** The message's SDP rewritten for the media relay, when there is one. */
  private async relayed(callId: string, p: ParsedSip, m: SipMsg): Promise<void> {
    if (this.c.media) await this.c.media.apply(callId, p.fromTag, m, false);
  }

  // ------------------------------------------------------------ timeouts

  /** Timer B/F, or C (§16.8): a proceeding INVITE is cancelled; the branch counts as a 408. */
  branchTimedOut(ct: ClientTx, now: number): void {
    if (ct.method === 'INVITE' && ct.state === 'proceeding') this.cancelBranch(ct);
    this.c.tx.terminate(ct, 408, now);
    this.byeFinal(ct, 408);
    const st = ct.server;
    if (st && st.state === 'proceeding') this.gotFinal(ct, 408, buildResponse(st.req, st.parsed, 408, this.c.reasons.own(408), toTagOf(st)));
  }

  /**
   * A branch of a BYE got its final answer (received, or Timer F's 408): a 2xx
   * ends the dialog, and so do 408 and 481 (RFC 3261 §12.2.1.2), or the call
   * would hold its slot for the session time.
   */
  private byeFinal(ct: ClientTx, status: number): void {
    if (ct.server?.method === 'BYE' && (status < 300 || status === 408 || status === 481)) this.c.calls.ended(ct.server.callId);
  }

  /** A request never got a final answer in time: 408 upstream. */
  serverTimedOut(st: ServerTx): void {
    this.c.upstream.respond(st, 408);
  }
}
