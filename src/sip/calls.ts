/**
 * SipMessage -> Call: groups messages by Call-ID, marks retransmissions,
 * matches responses to transactions, and runs Wireshark's VoIP Calls state
 * machine (ui/voip_calls.c, sip_calls_packet) so `state` and `comment` agree
 * with Wireshark to the frame. `outcome` adds sipflow's finer label.
 *
 * Messages must be fed in frame order (the order Wireshark's taps see them).
 */
import type { Call, CallKind, CallMessage, CallState, SipMessage, Warning } from '../model.js';
import { grantedExpiry } from './register.js';
import { MinHeap } from '../heap.js';

/** Retired Call-IDs whose index is remembered (about 100 bytes each). */
export const MAX_RETIRED_IDS = 100000;

/**
 * Calls (Call-IDs) held in memory at once: every call of the capture unless
 * the analysis streams them out (`--ndjson`). A SIP flood of new Call-IDs
 * would otherwise grow without bound (a few KB each, report included);
 * beyond it, messages of new Call-IDs are counted and not analysed (call-limit).
 */
export const MAX_CALLS = 100_000;

/** Messages kept per call for the report; beyond it they are counted, not stored. */
export const MAX_MESSAGES_PER_CALL = 20000;

type SipState = 'INVITE_SENT' | '200_REC' | 'CANCEL_SENT';

/** Methods whose appearance as the first request means the capture began mid-dialog. */
const IN_DIALOG_OF_INVITE = new Set(['ACK', 'BYE', 'CANCEL', 'PRACK', 'UPDATE', 'INFO', 'REFER']);
/** Requests that never start a dialog of their own. */
const ONLY_IN_DIALOG = new Set(['ACK', 'BYE', 'CANCEL', 'PRACK', 'UPDATE']);

export interface CallTrack {
  call: Call;
  /** Wireshark's per-call SIP state and remembered INVITE CSeq number. */
  sipState: SipState;
  inviteCseq: number;
  /** Source IP of the first request (Wireshark's initial speaker), null until one is seen. */
  speaker: string | null;
  seenRequest: boolean;
  /**
   * The VoIP Calls fields were started by an INVITE. A Call-ID whose first
   * request was something else (a REGISTER, in SIPp load tests) starts them
   * again at its first INVITE, as Wireshark's VoIP Calls makes the call there.
   */
  fromInvite: boolean;
  firstInviteTime: number | null;
  answerTime: number | null;
  byeTime: number | null;
  byeFrom: string | null;
  /** Final responses to INVITEs, in order: status codes. */
  inviteFinals: number[];
  sawCancel: boolean;
  sawRinging: boolean;
  lastFinal: number | null;
  /** Expires granted by the last 2xx to REGISTER (for the registration outcome). */
  registerExpires: number | null;
  droppedMessages: number;
  /** Capture time of its last message, and when its dialog was seen ending (null while open). */
  lastTime: number;
  closedAt: number | null;
  /** Wireshark's resend table of this Call-ID: per direction (src, dst) the last CSeq and its state. */
  resend: Map<string, ResendEntry>;
}

interface ResendEntry { cseq: number; method: string; state: 0 | 1 | 2 | 3; code: number }

function kindOf(method: string): CallKind {
  switch (method) {
    case 'INVITE': return 'call';
    case 'REGISTER': return 'registration';
    case 'SUBSCRIBE':
    case 'NOTIFY': return 'subscription';
    case 'PUBLISH': return 'publish';
    case 'MESSAGE': return 'message';
    case 'OPTIONS': return 'options';
    default: return 'other';
  }
}

/** The label Wireshark's flow shows for a message: method, or "code reason", plus "(SDP)". */
export function messageLabel(m: SipMessage, hasSdp: boolean): string {
  const base = m.isRequest ? (m.method ?? '?') : `${m.status}${m.reason ? ' ' + m.reason : ''}`;
  return hasSdp ? `${base} (SDP)` : base;
}

/** True when the message carries an SDP body (plain or inside a multipart body). */
export function carriesSdp(m: SipMessage): boolean {
  if (!m.body) return false;
  const ct = (m.contentType ?? '').toLowerCase();
  if (ct.startsWith('application/sdp')) return true;
  if (ct.startsWith('multipart/')) return /content-type:\s*application\/sdp/i.test(m.body);
  return false;
}

/**
 * Wireshark's retransmission detection (packet-sip.c sip_is_packet_resend),
 * literally: per Call-ID and direction (addresses and ports) the last CSeq
 * seen and its transaction state. UDP only; ACK and CANCEL are never resends.
 * The table lives in the call's track, so it goes when the call does.
 */
function isResend(table: Map<string, ResendEntry>, m: SipMessage): boolean {
  if (m.transport !== 'UDP' || !m.cseqMethod) return false;
  const key = `${m.src}\u0000${m.dst}`;
  let v = table.get(key);
  let compare = 0;
  if (v) {
    compare = v.cseq;
    if (m.cseqNum !== v.cseq) { v.cseq = m.cseqNum; v.method = m.cseqMethod; v.state = NOTHING; }
  } else {
    v = { cseq: m.cseqNum, method: m.cseqMethod, state: NOTHING, code: 0 };
    table.set(key, v);
  }
  const same = m.cseqNum === compare && m.cseqMethod === v.method;
  let resend = false;
  if (m.isRequest) {
    resend = same && v.state === REQUEST_SEEN && m.cseqMethod !== 'ACK' && m.cseqMethod !== 'CANCEL';
    v.state = REQUEST_SEEN;
  } else {
    const code = m.status ?? 0;
    resend = same && v.state === FINAL_SEEN && code >= 200 && code === v.code;
    if (code >= 200) { v.code = code; v.state = FINAL_SEEN; } else v.state = PROVISIONAL_SEEN;
  }
  return resend;
}

/**
 * Does this message end its dialog (for --ndjson, which writes a call once it
 * is over)? A final response to BYE; a failed INVITE's final response (its
 * ACK follows within the linger); for non-INVITE dialogs (REGISTER, OPTIONS,
 * MESSAGE...) any final response. A new request reopens the dialog.
 */
function closes(kind: CallKind, m: SipMessage, answered: boolean): boolean {
  if (m.isRequest || (m.status ?? 0) < 200) return false;
  if (m.cseqMethod === 'BYE') return true;
  if (kind !== 'call') return m.cseqMethod !== 'ACK' && m.cseqMethod !== 'CANCEL';
  return m.cseqMethod === 'INVITE' && (m.status ?? 0) >= 300 && !answered;
}

const NOTHING = 0, REQUEST_SEEN = 1, PROVISIONAL_SEEN = 2, FINAL_SEEN = 3;

/**
 * A call's place in CallTracker's due bookkeeping: its position in `byId`
 * order, the key of its live heap entry, and the call itself until it is
 * retired. Heap entries point here, not at the call, so a stale entry (one a
 * newer entry superseded, or one of a retired call) holds a few numbers until
 * it is popped, not a whole call with its messages.
 */
interface DueMeta { seq: number; key: number; gen: number; t: CallTrack | null }
/** One entry of the due heap: the earliest time its call can be due, valid while `gen` is its meta's. */
interface DueEntry { key: number; meta: DueMeta; gen: number }
const earlierDue = (x: DueEntry, y: DueEntry): boolean => x.key < y.key;

export class CallTracker {
  /** The calls in memory, in order of their first message (Map order). */
  private readonly byId = new Map<string, CallTrack>();
  /** Calls made so far (retired ones included): the next call's index. */
  private made = 0;
  /**
   * Indexes of retired Call-IDs (bounded, oldest forgotten first): a Call-ID
   * seen again after it was handed over (a REGISTER refresh, say) keeps its
   * index, so every other call keeps the index the whole-file analysis gives.
   */
  private readonly retiredIndex = new Map<string, number>();

  /** Messages of Call-IDs refused for MAX_CALLS, and how many Call-IDs (approximately: refused ones are not remembered). */
  private refusedMessages = 0;

  /**
   * For due(): the calls by the earliest capture time each can be due (a
   * min-heap, entries made stale by a newer one skipped), so a call is looked
   * at when it may be over, not every second (a scan of every call each
   * second made --ndjson quadratic in a flood of open calls). Built on the
   * first due() call; `dueMeta` holds each call's position in `byId` order
   * and its live entry.
   */
  private dueHeap: MinHeap<DueEntry> | null = null;
  private readonly dueMeta = new Map<CallTrack, DueMeta>();
  private dueSeq = 0;
  private dueLinger = NaN;
  private dueIdle = NaN;

  constructor(private readonly warn: (w: Warning) => void, private readonly opts: { keepRaw?: boolean; maxCalls?: number } = {}) {}

  get calls(): Call[] { return [...this.byId.values()].map((t) => t.call); }
  /** Entries in the due heap, stale ones included (for tests: it must follow the calls in memory). */
  get dueEntries(): number { return this.dueHeap?.size ?? 0; }
  get tracks(): readonly CallTrack[] { return [...this.byId.values()]; }
  track(callId: string): CallTrack | undefined { return this.byId.get(callId); }

  /** Feed one SIP message (in frame order). Returns its call track, or null when the call limit refused a new Call-ID. */
  add(m: SipMessage): CallTrack | null {
    let t = this.byId.get(m.callId);
    if (!t) {
      const max = this.opts.maxCalls ?? MAX_CALLS;
      if (this.byId.size >= max) {
        if (this.refusedMessages++ === 0) {
          this.warn({ frame: m.frame, code: 'call-limit', message: `more than ${max} calls in memory at once (call limit): from this frame on, SIP messages of new Call-IDs are counted, not analysed (--ndjson streams calls out and keeps few in memory)` });
        }
        return null;
      }
      t = this.create(m);
      this.byId.set(m.callId, t);
    }
    const c = t.call;
    const hasSdp = carriesSdp(m);

    const retransmission = isResend(t.resend, m);

    this.wiresharkState(t, m);
    this.outcomeFacts(t, m, retransmission);
    t.lastTime = m.time;
    if (closes(c.kind, m, t.answerTime !== null)) t.closedAt = m.time;
    else if (m.isRequest && m.method !== 'ACK' && !retransmission) t.closedAt = null;
    if (this.dueHeap) this.dueTouch(t);

    c.sipPackets++;
    c.lastFrame = m.frame;
    c.stop = m.time;
    if (m.time < c.start) c.start = m.time;
    if (!c.participants.includes(m.src)) c.participants.push(m.src);
    if (!c.participants.includes(m.dst)) c.participants.push(m.dst);
    // Display names of the call's own From/To parties only (a BYE from the callee swaps them).
    if (c.fromDisplay === null && m.from?.display && (m.from.uri?.plain ?? m.from.uriText) === c.from) c.fromDisplay = m.from.display;
    if (c.toDisplay === null && m.to?.display && (m.to.uri?.plain ?? m.to.uriText) === c.to) c.toDisplay = m.to.display;

    const msg: CallMessage = {
      frame: m.frame, time: m.time, src: m.src, dst: m.dst, transport: m.transport,
      method: m.isRequest ? m.method : null, status: m.isRequest ? null : m.status,
      reason: m.isRequest ? null : m.reason, cseq: `${m.cseqNum} ${m.cseqMethod}`,
      label: messageLabel(m, hasSdp), sdp: hasSdp, retransmission,
    };
    if (this.opts.keepRaw) msg.raw = m.raw;
    if (c.messages.length < MAX_MESSAGES_PER_CALL) c.messages.push(msg);
    else if (t.droppedMessages++ === 0) {
      this.warn({ frame: m.frame, code: 'call-message-limit', message: `call ${c.callId} has more than ${MAX_MESSAGES_PER_CALL} SIP messages; later ones are counted but not listed` });
    }
    return t;
  }

  /** Compute derived fields (outcome, setup time, duration). Call once at the end. */
  finish(): Call[] {
    if (this.refusedMessages) this.warn({ frame: null, code: 'call-limit', message: `${this.refusedMessages} SIP messages of Call-IDs beyond the call limit were not analysed` });
    for (const t of this.byId.values()) settle(t);
    return this.calls;
  }

  /**
   * The calls that may leave memory at capture time `now`: ended (closedAt)
   * and quiet for `lingerS`, or quiet for `idleS` whatever their state.
   * `quietSince(callId)` lets the media say when it last saw the call's RTP.
   */
  due(now: number, lingerS: number, idleS: number, quietSince: (callId: string) => number): CallTrack[] {
    if (!this.dueHeap || lingerS !== this.dueLinger || idleS !== this.dueIdle) {
      this.dueHeap = new MinHeap<DueEntry>(earlierDue);
      this.dueMeta.clear();
      this.dueSeq = 0;
      this.dueLinger = lingerS;
      this.dueIdle = idleS;
      for (const t of this.byId.values()) this.dueTouch(t);
    }
    const heap = this.dueHeap;
    const out: CallTrack[] = [];
    const again: DueEntry[] = [];
    while (heap.size && heap.peek()!.key <= now) {
      const e = heap.pop()!;
      const meta = e.meta, t = meta.t;
      if (!t || e.gen !== meta.gen) continue; // retired, or a newer entry stands for it
      const key = this.dueKey(t);
      if (key > now) { meta.key = key; meta.gen++; heap.push({ key, meta, gen: meta.gen }); continue; } // it moved on since
      // The test itself, as every call had it each time.
      const last = Math.max(t.lastTime, quietSince(t.call.callId));
      if ((t.closedAt !== null && now - last >= lingerS) || now - last >= idleS) out.push(t);
      // Looked at again next time: its media is not quiet yet, or it is due and the caller keeps it.
      again.push(e);
    }
    for (const e of again) heap.push(e);
    // In the order of the calls in memory (first message), as the scan gave them.
    if (out.length > 1) out.sort((a, b) => this.dueMeta.get(a)!.seq - this.dueMeta.get(b)!.seq);
    return out;
  }

  /**
   * The earliest capture time `t` can be due: its last SIP message plus the
   * linger (ended) or idle time, a microsecond early so that rounding never
   * makes it late (due() then applies the exact test). Media only delays it.
   */
  private dueKey(t: CallTrack): number {
    const wait = t.closedAt !== null ? Math.min(this.dueLinger, this.dueIdle) : this.dueIdle;
    return t.lastTime + wait - 1e-6;
  }

  /** After a new call or a message: a new heap entry when the call may now be due sooner than its entry says. */
  private dueTouch(t: CallTrack): void {
    const key = this.dueKey(t);
    let meta = this.dueMeta.get(t);
    if (!meta) {
      meta = { seq: this.dueSeq++, key, gen: 0, t };
      this.dueMeta.set(t, meta);
      this.dueHeap!.push({ key, meta, gen: 0 });
    } else if (key < meta.key) {
      meta.key = key;
      meta.gen++;
      this.dueHeap!.push({ key, meta, gen: meta.gen });
    } else return;
    this.dueCompact();
  }

  /**
   * Stale entries wait in the heap until their (late) key comes up: an hour of
   * capture time for a call that ended early. Past twice the live ones, the
   * heap is rebuilt from the live entries, so its size follows the calls in
   * memory, not the calls seen in the last hour.
   */
  private dueCompact(): void {
    const heap = this.dueHeap!;
    if (heap.size <= 2 * this.dueMeta.size + 1024) return;
    const fresh = new MinHeap<DueEntry>(earlierDue);
    for (const meta of this.dueMeta.values()) fresh.push({ key: meta.key, meta, gen: meta.gen });
    this.dueHeap = fresh;
  }

  /** Settle a call's derived fields and forget it (its Call-ID seen again starts a new call). */
  retire(t: CallTrack): Call {
    settle(t);
    this.byId.delete(t.call.callId);
    const meta = this.dueMeta.get(t);
    if (meta) { meta.t = null; this.dueMeta.delete(t); }
    this.retiredIndex.set(t.call.callId, t.call.index);
    if (this.retiredIndex.size > MAX_RETIRED_IDS) this.retiredIndex.delete(this.retiredIndex.keys().next().value!);
    return t.call;
  }

  private create(m: SipMessage): CallTrack {
    const index = this.retiredIndex.get(m.callId) ?? ++this.made;
    const first = m.isRequest ? m.method ?? '' : m.cseqMethod;
    // Caught mid-dialog: first seen through a response, a request carrying a To tag,
    // or a request that only exists inside an INVITE dialog.
    const partial = !m.isRequest || m.toTag !== null || ONLY_IN_DIALOG.has(first);
    let kind = kindOf(first);
    // A dialog caught mid-way through an INVITE session is still a call.
    if (partial && (first === 'INVITE' || IN_DIALOG_OF_INVITE.has(first))) kind = 'call';
    const call: Call = {
      index, callId: m.callId, kind, partial,
      from: m.from?.uri?.plain ?? m.from?.uriText ?? '', to: m.to?.uri?.plain ?? m.to?.uriText ?? '',
      fromDisplay: null, toDisplay: null,
      initialSpeaker: m.isRequest ? m.srcIp : m.dstIp,
      state: 'CALL SETUP', outcome: null, comment: '', sipPackets: 0,
      firstFrame: m.frame, lastFrame: m.frame, start: m.time, stop: m.time,
      setupMs: null, durationS: null, participants: [], messages: [], media: [], streams: [], events: [],
    };
    return {
      call, sipState: 'INVITE_SENT', inviteCseq: m.cseqNum, speaker: null, seenRequest: false, fromInvite: false,
      firstInviteTime: null, answerTime: null, byeTime: null, byeFrom: null,
      inviteFinals: [], sawCancel: false, sawRinging: false, lastFinal: null, registerExpires: null,
      droppedMessages: 0, lastTime: m.time, closedAt: null, resend: new Map(),
    };
  }

  /**
   * Wireshark's sip_calls_packet (ui/voip_calls.c), literally; ARCHITECTURE.md
   * "Semantics" lists its rules. The call starts at the first request (the
   * SIP Flows view, FLOW_ALL), and again at the first INVITE when that came
   * later: VoIP Calls (FLOW_ONLY_INVITES) makes a call only from an INVITE.
   */
  private wiresharkState(t: CallTrack, m: SipMessage): void {
    const c = t.call;
    const firstInvite = m.isRequest && m.method === 'INVITE' && !t.fromInvite;
    if (!t.seenRequest || firstInvite) {
      // Wireshark creates the call on the first request; responses before it change nothing.
      if (!m.isRequest) return;
      t.seenRequest = true;
      t.fromInvite = m.method === 'INVITE';
      t.speaker = m.srcIp;
      c.initialSpeaker = m.srcIp;
      t.inviteCseq = m.cseqNum;
      t.sipState = 'INVITE_SENT';
      c.state = 'CALL SETUP';
      c.comment = m.method ?? '';
      if (firstInvite && c.sipPackets > 0) {
        // The Call-ID carried something else first (a REGISTER): from here on it is a call,
        // with the INVITE's parties, as VoIP Calls lists it.
        c.kind = 'call';
        c.from = m.from?.uri?.plain ?? m.from?.uriText ?? '';
        c.to = m.to?.uri?.plain ?? m.to?.uriText ?? '';
        c.fromDisplay = null;
        c.toDisplay = null;
      }
    }
    if (!m.isRequest) {
      if (m.cseqNum === t.inviteCseq && m.dstIp === t.speaker) {
        const code = m.status ?? 0;
        if (code > 199 && code < 300 && t.sipState === 'INVITE_SENT') t.sipState = '200_REC';
        else if (code > 299 && t.sipState === 'INVITE_SENT') c.state = 'REJECTED';
        if (code >= 200) c.comment = `${c.comment} ${code}`;
      }
      return;
    }
    const method = m.method;
    const fromSpeaker = m.srcIp === t.speaker;
    if (method === 'INVITE' && fromSpeaker) {
      t.inviteCseq = m.cseqNum;
      c.state = 'CALL SETUP';
    } else if (method === 'ACK' && m.cseqNum === t.inviteCseq && fromSpeaker && t.sipState === '200_REC' && c.state === 'CALL SETUP') {
      c.state = 'IN CALL';
    } else if (method === 'BYE') {
      c.state = 'COMPLETED';
    } else if (method === 'CANCEL' && m.cseqNum === t.inviteCseq && fromSpeaker && c.state === 'CALL SETUP') {
      c.state = 'CANCELLED';
      t.sipState = 'CANCEL_SENT';
    }
  }

  /** Facts behind sipflow's own `outcome`, setup time and duration. */
  private outcomeFacts(t: CallTrack, m: SipMessage, retransmission: boolean): void {
    if (retransmission) return;
    const c = t.call;
    if (m.isRequest) {
      if (m.method === 'INVITE' && t.firstInviteTime === null) t.firstInviteTime = m.time;
      if (m.method === 'CANCEL') t.sawCancel = true;
      if (m.method === 'BYE' && t.byeTime === null) { t.byeTime = m.time; t.byeFrom = m.srcIp; }
      return;
    }
    const code = m.status ?? 0;
    if (m.cseqMethod === 'INVITE') {
      if (code === 180 || code === 183) t.sawRinging = true;
      if (code >= 200) {
        t.inviteFinals.push(code);
        if (code < 300 && t.answerTime === null) t.answerTime = m.time;
        // Setup time: first INVITE to the first final answer that decided the call
        // (a 401/407 challenge is part of setup, not its end).
        if (c.setupMs === null && code !== 401 && code !== 407 && t.firstInviteTime !== null) {
          c.setupMs = round3((m.time - t.firstInviteTime) * 1000);
        }
      }
    }
    if (code >= 200 && m.cseqMethod !== 'CANCEL' && m.cseqMethod !== 'ACK' && m.cseqMethod !== 'BYE') {
      t.lastFinal = code;
      if (m.cseqMethod === 'REGISTER' && code < 300) t.registerExpires = grantedExpiry(m);
    }
  }
}


/** The fields that are known once a call's messages are all in: outcome and duration (browse also calls it on a live call for a provisional outcome). */
export function settle(t: CallTrack): void {
  const c = t.call;
  c.outcome = outcomeOf(t);
  c.durationS = t.answerTime !== null && t.byeTime !== null ? round6(t.byeTime - t.answerTime) : null;
}

function outcomeOf(t: CallTrack): string | null {
  const c = t.call;
  const last = t.lastFinal;
  switch (c.kind) {
    case 'call': {
      if (t.answerTime !== null) return t.byeTime !== null ? 'COMPLETED' : 'ANSWERED';
      const f = t.inviteFinals.length ? t.inviteFinals[t.inviteFinals.length - 1]! : null;
      if (f === null) {
        if (t.sawCancel) return 'CANCELLED';
        if (t.byeTime !== null) return 'COMPLETED';
        return t.sawRinging ? 'RINGING' : c.partial ? null : 'NO ANSWER';
      }
      if (f === 487 || t.sawCancel) return 'CANCELLED';
      if (f === 486 || f === 600) return 'BUSY';
      if (f === 603) return 'DECLINED';
      if (f >= 300 && f < 400) return 'DIVERTED';
      if (f === 401 || f === 407) return 'AUTH';
      if (f === 404 || f === 604) return 'NOT FOUND';
      if (f === 408) return 'TIMEOUT';
      if (f === 480) return 'UNAVAILABLE';
      return 'FAILED';
    }
    case 'registration':
      if (last === null) return 'NO RESPONSE';
      if (last >= 200 && last < 300) return t.registerExpires === 0 ? 'UNREGISTERED' : 'REGISTERED';
      if (last === 401 || last === 407) return 'AUTH';
      return 'FAILED';
    default:
      if (last === null) return null;
      if (last >= 200 && last < 300) return 'OK';
      if (last === 401 || last === 407) return 'AUTH';
      return 'FAILED';
  }
}

function round3(x: number): number { return Math.round(x * 1000) / 1000; }
function round6(x: number): number { return Math.round(x * 1e6) / 1e6; }

export type { CallState };
