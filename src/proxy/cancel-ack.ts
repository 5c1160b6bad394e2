/**
 * The two requests a proxy builds from an INVITE it sent: the CANCEL of a
 * ringing branch (RFC 3261 §9.1) and the ACK of a non-2xx final response
 * (§17.1.1.3). Both copy the INVITE's Request-URI, its top Via only (same
 * branch: they belong to the INVITE's transaction), its Route set, From,
 * Call-ID and CSeq number; the CANCEL keeps the INVITE's To, the ACK takes
 * the response's (with the callee's tag).
 */
import { SipMsg } from './message.js';

export interface FollowUpOptions {
  /** The To of the ACK: the final response's To. Default: the INVITE's. */
  to?: string | null;
  /** A Reason header to carry (RFC 3326). */
  reason?: string | null;
}

export function cancelOrAck(method: 'CANCEL' | 'ACK', invite: SipMsg, cseq: number, opts: FollowUpOptions = {}): SipMsg {
  const m = new SipMsg({ isRequest: true, method, uri: invite.uri });
  m.append('Via', invite.all('Via')[0]!);
  for (const r of invite.all('Route')) m.append('Route', r);
  m.append('Max-Forwards', '70');
  m.append('From', invite.get('From')!);
  m.append('To', opts.to ?? invite.get('To')!);
  m.append('Call-ID', invite.get('Call-ID')!);
  m.append('CSeq', `${cseq} ${method}`);
  if (opts.reason) m.append('Reason', opts.reason);
  return m;
}
