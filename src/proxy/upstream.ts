/**
 * Answering upstream, for the proxy core: the responses a server
 * transaction sends back to where its request came from, whether the proxy
 * made them (§8.2.6; its final answers to INVITEs go to the journal) or
 * passes them on from a branch (§16.7 step 9: the Via list is the
 * request's, the phrase the configured one); and the stateless answers to
 * requests without a transaction (400, 481, 503).
 */
import type { ParsedSip } from '../sip/parser.js';
import type { CallTable } from './call-table.js';
import type { Journal } from './journal.js';
import { liveResponseMessage } from './live-message.js';
import type { LocalAddress } from './local-address.js';
import { withReceivedVia, type SipMsg } from './message.js';
import { buildResponse, tagOf, type HeaderList, type ReasonPhrases } from './responses.js';
import { toTagOf, type ServerTx, type TransactionLayer } from './transactions.js';
import type { Addr } from './transport.js';

export class Upstream {
  constructor(
    private readonly local: LocalAddress,
    private readonly tx: TransactionLayer,
    private readonly calls: CallTable,
    private readonly reasons: ReasonPhrases,
    private readonly journal: Journal,
    private readonly send: (buf: Buffer, to: Addr) => void,
  ) {}

  /** Send a response of the proxy's own on a server transaction. */
  respond(st: ServerTx, status: number, reason?: string, extra: HeaderList = []): void {
    // A tag only where buildResponse puts one (not on 100, not when the request had a To tag).
    const r = buildResponse(st.req, st.parsed, status, this.reasons.own(status, reason), status > 100 && st.parsed.toTag === null ? toTagOf(st) : null, extra);
    const buf = r.toBuffer();
    this.tx.transmit(st, buf);
    if (st.method === 'INVITE' && status >= 300) this.tx.rememberLocalFinal(st);
    // The journal sees the proxy's own final answers to INVITEs (404, 480, 407...).
    if (st.method === 'INVITE' && status >= 200) {
      this.journal.message(liveResponseMessage(st.parsed, r, buf, { ip: this.local.advertise, port: this.local.port }, st.src));
    }
    if (status >= 200) this.finish(st, status);
  }

  /** Pass a branch's response upstream on its server transaction. */
  forward(st: ServerTx, r: SipMsg): void {
    this.tx.transmit(st, this.prepare(st, r));
    if (r.status >= 200) this.finish(st, r.status);
  }

  /**
   * A branch's response made ready for upstream: the configured phrase, and
   * the Via list of the request (received/rport included), whatever the
   * downstream UA copied. Returns its bytes.
   */
  prepare(st: ServerTx, r: SipMsg): Buffer {
    this.reasons.applyCustom(r);
    r.setList('Via', st.req.all('Via'));
    return r.toBuffer();
  }

  /** A final response went upstream: the transaction completes; a failed INVITE may end its call. */
  finish(st: ServerTx, status: number): void {
    this.tx.complete(st, status);
    if (st.method === 'INVITE' && status >= 300) this.calls.failed(st.callId, () => this.tx.hasAcceptedInvite(st.callId));
  }

  /** Answer a request that has no server transaction (and will not get one). */
  stateless(p: ParsedSip, src: Addr, status: number, reason?: string, toTag = tagOf(`${p.callId}|${p.fromTag}|${p.cseqNum}`), extra: HeaderList = []): void {
    const r = buildResponse(withReceivedVia(p, src), p, status, this.reasons.own(status, reason), toTag, extra);
    this.send(r.toBuffer(), src);
  }
}
