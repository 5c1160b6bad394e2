/**
 * The dialogs the proxy follows, by Call-ID: the ones it forwarded a
 * dialog-creating request for with its own Record-Route (INVITE, SUBSCRIBE,
 * REFER, NOTIFY). Who started it (the From tag, which tells the media relay
 * which side an SDP comes from and lets in-dialog requests be recognised),
 * where from (counted per source address), when it was last active and when
 * its entry may go.
 *
 * Bounded, and nothing is held forever (issue: junk INVITEs answered and
 * never ACKed filled the table for hours):
 * - a call answered with a 2xx whose ACK never came goes after 64×T1 (the
 *   time a UAS retransmits its 2xx, RFC 3261 §13.3.1.4);
 * - an established dialog with no request for the session time goes: the
 *   Session-Expires of RFC 4028 when the INVITE or its 2xx carried one (plus
 *   the 32 s the RFC allows for the BYE), else the configured session time; a
 *   Session-Expires longer than the session time counts as the session time
 *   (a peer could otherwise hold its slot for decades with one header);
 * - ended and failed calls linger briefly for late retransmissions;
 * - a new call beyond `maxCalls`, or beyond `maxCallsPerSource` open calls
 *   from one source address, is refused (503) by the proxy core.
 */
import type { ParsedSip } from '../sip/parser.js';

export interface CallLimits {
  maxCalls: number;
  /** Open (not ended) calls one source address may hold. */
  maxCallsPerSource: number;
  /** An established dialog with no request for this long is forgotten (ms), unless session timers say otherwise. */
  callIdleMs: number;
}

interface CallInfo {
  callId: string;
  callerTag: string | null;
  /** From tags of the dialog-creating requests forwarded on this Call-ID (the caller's side). */
  tags: Set<string>;
  /** Source IP of the request that opened it. */
  source: string;
  lastActivity: number;
  ended: boolean;
  /** Time after which the call entry may be dropped (set when it ended or failed). */
  dropAt: number | null;
  /** A 2xx to its INVITE went upstream at this time (0: not answered, or ACKed). */
  answeredAt: number;
  /** CSeq number of the INVITE whose 2xx was last ACKed: a retransmission of that 2xx (its ACK crossed it) arms nothing. */
  ackedCseq: number;
  /** RFC 4028 Session-Expires in force (ms), 0 when none was negotiated. */
  sessionMs: number;
  /** A 2xx answered its dialog-creating request. */
  established: boolean;
}

/** How long an ended call is kept after a 2xx to its BYE (ms): late retransmissions still find it. */
const AFTER_BYE_OK_MS = 5000;
/** A call still being set up is never idle before this (ms): Timer C (180 s) ends its INVITE first. */
const SETUP_IDLE_MS = 200_000;
/** RFC 4028 §10: the BYE may come up to 32 s before expiry (min(32, SE/3)); wait that long after it. */
const SESSION_GRACE_MS = 32_000;

const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

/** Session-Expires (RFC 4028 §4, compact form x) in ms, 0 when absent or unusable. */
export function sessionExpiresMs(p: ParsedSip): number {
  const v = p.header('Session-Expires');
  if (v === null) return 0;
  const m = /^\s*(\d{1,9})\s*(?:;|$)/.exec(v);
  return m ? Number(m[1]) * 1000 : 0;
}

export class CallTable {
  private readonly calls = new Map<string, CallInfo>();
  private readonly perSource = new Map<string, number>();

  /**
   * `lingerMs`: how long an ended or failed call is kept after its BYE or
   * failure; `unackedMs`: how long an answered call waits for its ACK (64×T1).
   */
  constructor(private readonly limits: CallLimits, private readonly lingerMs: number, private readonly unackedMs: number) {}

  get size(): number { return this.calls.size; }

  /** Open calls per source address (for the statistics line). */
  sources(): ReadonlyMap<string, number> { return this.perSource; }

  /** Why a new call would be refused: the table is full, or its source holds too many; null when it is not refused. */
  refuses(p: ParsedSip, srcIp: string): 'table' | 'source' | null {
    if (!(p.method === 'INVITE' && p.toTag === null && !this.calls.has(p.callId))) return null;
    if (this.calls.size >= this.limits.maxCalls) return 'table';
    if ((this.perSource.get(srcIp) ?? 0) >= this.limits.maxCallsPerSource) return 'source';
    return null;
  }

  /** The caller's From tag, when the call is followed and its first INVITE had one. */
  callerTag(callId: string): string | null | undefined { return this.calls.get(callId)?.callerTag; }

  /** A dialog-creating request was forwarded with our Record-Route: follow its dialog. */
  open(p: ParsedSip, srcIp: string): void {
    if (!(p.isRequest && DIALOG_CREATING.has(p.method!) && p.toTag === null)) return;
    let c = this.calls.get(p.callId);
    if (!c) {
      c = {
        callId: p.callId, callerTag: p.fromTag, tags: new Set(), source: srcIp, lastActivity: Date.now(), ended: false,
        dropAt: null, answeredAt: 0, ackedCseq: -1, sessionMs: 0, established: false,
      };
      this.calls.set(p.callId, c);
      this.perSource.set(srcIp, (this.perSource.get(srcIp) ?? 0) + 1);
    }
    if (p.fromTag !== null && c.tags.size < 16) c.tags.add(p.fromTag);
    c.sessionMs = sessionExpiresMs(p) || c.sessionMs;
    c.lastActivity = Date.now();
  }

  /**
   * An in-dialog request (To tag present) belongs to a dialog this proxy
   * follows: its Call-ID is known and one of its tags is the creator's.
   */
  knows(p: ParsedSip): boolean {
    const c = this.calls.get(p.callId);
    if (!c || c.dropAt !== null && c.ended && Date.now() >= c.dropAt) return false;
    return (p.fromTag !== null && c.tags.has(p.fromTag)) || (p.toTag !== null && c.tags.has(p.toTag));
  }

  /** An in-dialog request passed through: the dialog is alive; a BYE ends it; an ACK confirms an answer. */
  touch(p: ParsedSip): void {
    const c = this.calls.get(p.callId);
    if (!c) return;
    c.lastActivity = Date.now();
    if (p.method === 'ACK') { c.answeredAt = 0; c.ackedCseq = p.cseqNum; }
    const se = sessionExpiresMs(p);
    if (se) c.sessionMs = se;
    if (p.method === 'BYE' && !c.ended) this.end(c, Date.now() + this.lingerMs);
  }

  /** A 2xx to an INVITE went upstream: its ACK is due within 64×T1; a Session-Expires in it is in force. */
  answered(callId: string, r: ParsedSip): void {
    const c = this.calls.get(callId);
    if (!c) return;
    c.established = true;
    if (c.answeredAt === 0 && r.cseqMethod === 'INVITE' && r.cseqNum !== c.ackedCseq) c.answeredAt = Date.now();
    const se = sessionExpiresMs(r);
    if (se) c.sessionMs = se;
  }

  /** An INVITE failed: the call ends unless a dialog was established before (a failed re-INVITE). */
  failed(callId: string, established: () => boolean): void {
    const c = this.calls.get(callId);
    if (c && !c.ended && c.dropAt === null && !established()) this.end(c, Date.now() + this.lingerMs);
  }

  /** A BYE was answered with a 2xx, or ended by 408/481 (RFC 3261 §12.2.1.2: the dialog is over either way). */
  ended(callId: string): void {
    const c = this.calls.get(callId);
    if (!c) return;
    if (!c.ended) this.end(c, 0);
    c.dropAt = Date.now() + AFTER_BYE_OK_MS;
  }

  private end(c: CallInfo, dropAt: number): void {
    c.ended = true;
    c.dropAt = dropAt;
    this.release(c.source);
  }

  private release(source: string): void {
    const n = (this.perSource.get(source) ?? 1) - 1;
    if (n > 0) this.perSource.set(source, n); else this.perSource.delete(source);
  }

  private idleLimit(c: CallInfo): number {
    const limit = c.sessionMs ? Math.min(c.sessionMs, this.limits.callIdleMs) + SESSION_GRACE_MS : this.limits.callIdleMs;
    return c.established ? limit : Math.max(limit, SETUP_IDLE_MS);
  }

  /** Drop ended, unacknowledged and idle calls; returns their Call-IDs with why. */
  sweep(now: number): { callId: string; why: 'ended' | 'unacked' | 'idle' }[] {
    const dropped: { callId: string; why: 'ended' | 'unacked' | 'idle' }[] = [];
    for (const c of this.calls.values()) {
      let why: 'ended' | 'unacked' | 'idle' | null = null;
      if (c.dropAt !== null && now >= c.dropAt) why = 'ended';
      else if (c.answeredAt > 0 && now - c.answeredAt > this.unackedMs) why = 'unacked';
      else if (now - c.lastActivity > this.idleLimit(c)) why = 'idle';
      if (!why) continue;
      this.calls.delete(c.callId);
      if (!c.ended) this.release(c.source);
      dropped.push({ callId: c.callId, why });
    }
    return dropped;
  }
}
