/**
 * The calls the proxy follows, by Call-ID: who called (the caller's From
 * tag, which tells the media relay which side an SDP comes from), when the
 * call was last active and when its entry may go. Bounded: a new call
 * beyond `maxCalls` is refused (503) by the proxy core; ended, failed and
 * idle calls are dropped by the sweep.
 */
import type { ParsedSip } from '../sip/parser.js';

export interface CallLimits {
  maxCalls: number;
  /** A call with no SIP message for this long is forgotten (ms). */
  callIdleMs: number;
}

interface CallInfo {
  callId: string;
  callerTag: string | null;
  lastActivity: number;
  ended: boolean;
  /** Time after which the call entry may be dropped (set when it ended or failed). */
  dropAt: number | null;
}

/** How long an ended call is kept after a 2xx to its BYE (ms): late retransmissions still find it. */
const AFTER_BYE_OK_MS = 5000;

export class CallTable {
  private readonly calls = new Map<string, CallInfo>();

  /** `lingerMs`: how long an ended or failed call is kept after its BYE or failure. */
  constructor(private readonly limits: CallLimits, private readonly lingerMs: number) {}

  get size(): number { return this.calls.size; }

  /** A new call would exceed the limit. */
  refuses(p: ParsedSip): boolean {
    return p.method === 'INVITE' && p.toTag === null && !this.calls.has(p.callId) && this.calls.size >= this.limits.maxCalls;
  }

  /** The caller's From tag, when the call is followed and its first INVITE had one. */
  callerTag(callId: string): string | null | undefined { return this.calls.get(callId)?.callerTag; }

  /** A request of a call: an out-of-dialog INVITE starts one, a BYE ends it. */
  touch(p: ParsedSip): void {
    let c = this.calls.get(p.callId);
    if (!c) {
      if (!(p.isRequest && p.method === 'INVITE' && p.toTag === null)) return;
      c = { callId: p.callId, callerTag: p.fromTag, lastActivity: Date.now(), ended: false, dropAt: null };
      this.calls.set(p.callId, c);
    }
    c.lastActivity = Date.now();
    if (p.isRequest && p.method === 'BYE') { c.ended = true; c.dropAt = Date.now() + this.lingerMs; }
  }

  /** An INVITE failed: the call ends unless a dialog was established before (a failed re-INVITE). */
  failed(callId: string, established: () => boolean): void {
    const c = this.calls.get(callId);
    if (c && !c.ended && c.dropAt === null && !established()) { c.ended = true; c.dropAt = Date.now() + this.lingerMs; }
  }

  /** A BYE was answered with a 2xx. */
  ended(callId: string): void {
    const c = this.calls.get(callId);
    if (c) { c.ended = true; c.dropAt = Date.now() + AFTER_BYE_OK_MS; }
  }

  /** Drop ended and idle calls; returns their Call-IDs. */
  sweep(now: number): string[] {
    const dropped: string[] = [];
    for (const c of this.calls.values()) {
      if ((c.dropAt !== null && now >= c.dropAt) || now - c.lastActivity > this.limits.callIdleMs) {
        this.calls.delete(c.callId);
        dropped.push(c.callId);
      }
    }
    return dropped;
  }
}
