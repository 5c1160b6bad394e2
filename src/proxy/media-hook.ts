/**
 * Where the proxy core meets the media relay: the SDP body of a message
 * passing through is handed to the relay with the side it comes from
 * (a: the caller, b: the callee), and the rewritten body comes back.
 * Multipart bodies are passed through untouched.
 */
import { findSdp } from '../sip/multipart.js';
import type { CallTable } from './call-table.js';
import type { MediaRelay } from './media-relay.js';
import type { SipMsg } from './message.js';

export class MediaHook {
  constructor(private readonly relay: MediaRelay, private readonly calls: CallTable) {}

  /**
   * The body of `m` rewritten for the relay, or null when it is not a plain
   * SDP body or nothing changed. `fromTag` is the message's From tag: a
   * request from the caller, or a response to the callee, comes from side a.
   */
  async rewrite(callId: string, fromTag: string | null, m: SipMsg, isRequest: boolean): Promise<Buffer | null> {
    if (!m.body.length) return null;
    const text = m.body.toString('latin1');
    const sdp = findSdp(m.get('Content-Type'), text);
    if (sdp === null || sdp !== text) return null;
    const callerTag = this.calls.callerTag(callId);
    const callerSent = callerTag !== undefined && callerTag !== null ? fromTag === callerTag : true;
    const side: 'a' | 'b' = (isRequest ? callerSent : !callerSent) ? 'a' : 'b';
    const out = await this.relay.rewrite(callId, side, text);
    return out === null ? null : Buffer.from(out, 'latin1');
  }

  /** Rewrite the body of `m` in place (see rewrite). */
  async apply(callId: string, fromTag: string | null, m: SipMsg, isRequest: boolean): Promise<void> {
    const b = await this.rewrite(callId, fromTag, m, isRequest);
    if (b) m.body = b;
  }
}
