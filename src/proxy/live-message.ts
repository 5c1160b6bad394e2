/**
 * The analyzer's SipMessage (src/model.ts) for a message the proxy handles
 * live, so the journal can run the analyzer's call-event builder on it. A
 * live message comes from no capture: it has no frame number and no capture
 * clock (frame and times are 0; the journal stamps its own time).
 */
import { endpoint } from '../net/addr.js';
import type { SipMessage } from '../model.js';
import { toSipMessage, type ParsedSip } from '../sip/parser.js';
import { parseNameAddr } from '../sip/uri.js';
import type { SipMsg } from './message.js';
import type { Addr } from './transport.js';

/** A message received (or sent) by the proxy, from its parse. */
export function liveSipMessage(p: ParsedSip, src: Addr, dst: Addr): SipMessage {
  return toSipMessage(p, {
    frame: 0, time: 0, tsSec: 0, tsNsec: 0, src: endpoint(src.ip, src.port), dst: endpoint(dst.ip, dst.port),
    srcIp: src.ip, dstIp: dst.ip, transport: 'UDP',
  });
}

/**
 * A response the proxy made itself to `request`, as sent in `wire`. Its
 * Call-ID, CSeq, From and Via are the request's (RFC 3261 §8.2.6), so the
 * request's parse supplies them; only To may have gained the proxy's tag.
 */
export function liveResponseMessage(request: ParsedSip, r: SipMsg, wire: Buffer, src: Addr, dst: Addr): SipMessage {
  const toValue = r.get('To');
  const to = toValue === null ? null : parseNameAddr(toValue);
  return {
    ...liveSipMessage(request, src, dst),
    isRequest: false, method: null, requestUri: null, status: r.status, reason: r.reason,
    headers: r.wireHeaders(), to, toTag: to?.params['tag'] ?? null,
    contentType: r.get('Content-Type'), body: r.body.toString('latin1'), raw: wire.toString('utf8'),
  };
}
