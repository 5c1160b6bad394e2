/**
 * Call events: a per-call timeline as data (model.ts CallEventData: a stable
 * `kind` with its fields) in the vocabulary of a proxy's call journal, said in
 * words by one phrase table (`eventText`). `sipflow proxy`'s journal feeds the
 * same builder, so a journal line and `sipflow analyze --events` say the same.
 *
 * The builder reads SDP through the small structural view below, so this
 * module depends on no media code (the media tap imports it, not the reverse).
 */
import type { CallEvent, CallEventData, CallEventKind, NameAddr, SipMessage } from './model.js';
import { header } from './sip/parser.js';
import { grantedExpiry } from './sip/register.js';

/** The phrase of every event kind: the one place events become words. */
const PHRASES: { [K in CallEventKind]: (e: Extract<CallEventData, { kind: K }>) => string } = {
  'incoming': (e) => `Incoming call ${e.from} -> ${e.to}`,
  'ringing': () => 'Ringing',
  'progress': () => 'Session progress (early media)',
  'answered': (e) => `Answered by ${e.by}`,
  'declined': (e) => `Declined (${e.code})`,
  'busy': (e) => `Busy (${e.code})`,
  'cancelled': () => 'Cancelled',
  'diverted': (e) => `Diverted (${e.code})${e.target ? ` to ${e.target}` : ''}`,
  'challenged': (e) => `Authentication requested (${e.code})`,
  'rejected': (e) => `Rejected (${e.code}${e.reason ? ' ' + e.reason : ''})`,
  'video-on': () => 'Video ON',
  'video-off': () => 'Video OFF',
  'video-declined': () => 'Video declined',
  'hold': (e) => `Hold by ${e.by}`,
  'resume': (e) => `Resume by ${e.by}`,
  'transfer': (e) => `Transfer to ${e.target} (REFER)`,
  'conference': () => 'Conference (SUBSCRIBE to conference event)',
  'dtmf': (e) => `DTMF ${e.digit}${e.via === 'INFO' ? ' (INFO)' : ''}`,
  'ended': (e) => `Ended by ${e.by} (BYE)`,
  'registered': (e) => `Registered ${e.aor}${e.expires !== null ? ` for ${e.expires} s` : ''}`,
  'unregistered': (e) => `Unregistered ${e.aor}`,
  'registration-failed': (e) => `Registration of ${e.aor} failed (${e.code})`,
};

/** Every event kind, in the order of the phrase table (the schema's enum). */
export const EVENT_KINDS = Object.keys(PHRASES) as CallEventKind[];

/** The words for an event. */
export function eventText(e: CallEventData): string {
  return (PHRASES[e.kind] as (x: CallEventData) => string)(e);
}

/** An event at a frame and time, its text made from its data. */
export function callEvent(frame: number, time: number, data: CallEventData): CallEvent {
  return { frame, time, ...data, text: eventText(data) } as CallEvent;
}

/** Turn an event into another kind in place (a "Video ON" whose answer refused it). */
function rewrite(e: CallEvent, data: CallEventData): void {
  for (const k of Object.keys(e)) if (k !== 'frame' && k !== 'time') delete (e as unknown as Record<string, unknown>)[k];
  Object.assign(e, data, { text: eventText(data) });
}

/** The parts of a parsed SDP the timeline reads (media/sdp.ts Sdp has them). */
export interface SdpView {
  media: readonly { type: string; rejected: boolean; direction: string; address: string | null }[];
}

/** The registration event a REGISTER's final response means, or null (challenges are not events). */
export function registrationEvent(aor: string, code: number, expires: number | null): CallEventData | null {
  if (code >= 200 && code < 300) return expires === 0 ? { kind: 'unregistered', aor } : { kind: 'registered', aor, expires };
  if (code >= 300 && code !== 401 && code !== 407) return { kind: 'registration-failed', aor, code };
  return null;
}

/** How a party is named in events: display name, else the user part, else the host. */
export function partyName(na: NameAddr | null): string {
  if (!na) return '?';
  if (na.display) return na.display;
  const u = na.uri;
  if (u) return u.user ?? u.host;
  return na.uriText;
}

/** A registration's address of record as events name it: user@host. */
export function aorOf(na: NameAddr | null): string {
  return na?.uri ? `${na.uri.user ? na.uri.user + '@' : ''}${na.uri.host}` : na?.uriText ?? '?';
}

interface MediaState {
  video: boolean;
  audioHeld: boolean;
}

function mediaState(sdp: SdpView): MediaState {
  const video = sdp.media.some((m) => m.type === 'video' && !m.rejected && m.direction !== 'inactive');
  const audio = sdp.media.filter((m) => m.type === 'audio');
  const audioHeld = audio.length > 0 && audio.every((m) => m.rejected || m.direction === 'sendonly' || m.direction === 'inactive' || m.address === '0.0.0.0');
  return { video, audioHeld };
}

/** Events kept per call. */
export const MAX_EVENTS = 1000;

/**
 * Builds one call's timeline from its SIP messages (in frame order) and the
 * SDP each carried. Retransmissions are ignored.
 */
export class CallEventBuilder {
  readonly events: CallEvent[] = [];
  private started = false;
  private rang = false;
  private answered = false;
  private ended = false;
  private finalSeen = false;
  private cancelled = false;
  private media: MediaState | null = null;
  /** A "Video ON" offered but not yet answered: the answer may refuse it. */
  private pendingVideo: { event: CallEvent; before: MediaState } | null = null;
  /** "from-tag cseq" of requests already reported: a proxy forwards each one (CSeq counts per sender). */
  private seenInvites = new Set<string>();
  private seenRefers = new Set<string>();

  private push(m: SipMessage, time: number, data: CallEventData): CallEvent | null {
    if (this.events.length >= MAX_EVENTS) return null;
    const e = callEvent(m.frame, time, data);
    this.events.push(e);
    return e;
  }

  add(m: SipMessage, sdp: SdpView | null, retransmission: boolean): void {
    if (retransmission) return;
    const t = m.time;
    if (m.isRequest) {
      switch (m.method) {
        case 'INVITE': {
          const inDialog = m.toTag !== null;
          if (!this.started && !inDialog) {
            this.started = true;
            this.push(m, t, { kind: 'incoming', from: partyName(m.from), to: partyName(m.to) });
          }
          const key = `${m.fromTag ?? ''} ${m.cseqNum}`;
          if (sdp && !this.seenInvites.has(key)) {
            this.seenInvites.add(key);
            this.mediaChange(m, sdp, true);
          }
          break;
        }
        case 'UPDATE':
          if (sdp) this.mediaChange(m, sdp, true);
          break;
        case 'CANCEL':
          // The caller gave up; the 487 that follows says the same and is not repeated.
          if (!this.answered && !this.cancelled) { this.cancelled = true; this.push(m, t, { kind: 'cancelled' }); }
          break;
        case 'BYE':
          if (!this.ended) { this.ended = true; this.push(m, t, { kind: 'ended', by: partyName(m.from) }); }
          break;
        case 'REFER': {
          const key = `${m.fromTag ?? ''} ${m.cseqNum}`;
          if (this.seenRefers.has(key)) break;
          this.seenRefers.add(key);
          const referTo = header(m, 'Refer-To') ?? '';
          const target = /<?(?:sips?|tel):([^@;>]+)/i.exec(referTo)?.[1] ?? referTo;
          this.push(m, t, { kind: 'transfer', target });
          break;
        }
        case 'SUBSCRIBE': {
          const ev = header(m, 'Event') ?? '';
          if (/^\s*conference\b/i.test(ev) && !this.events.some((e) => e.kind === 'conference')) this.push(m, t, { kind: 'conference' });
          break;
        }
        case 'REGISTER':
          break;
      }
      return;
    }
    const code = m.status ?? 0;
    if (m.cseqMethod === 'INVITE') {
      if ((code === 180 || code === 183) && !this.rang && !this.answered) {
        this.rang = true;
        this.push(m, t, code === 180 ? { kind: 'ringing' } : { kind: 'progress' });
      } else if (code >= 200 && code < 300) {
        if (!this.answered) { this.answered = true; this.push(m, t, { kind: 'answered', by: partyName(m.to) }); }
        // Answers refine what was negotiated; the change was reported at the offer.
        if (sdp) this.mediaChange(m, sdp, false);
        this.pendingVideo = null;
      } else if (code >= 300 && this.answered && this.pendingVideo) {
        // A re-INVITE adding video failed (488, 491...): the video never came on.
        rewrite(this.pendingVideo.event, { kind: 'video-declined' });
        this.media = this.pendingVideo.before;
        this.pendingVideo = null;
      } else if (code >= 300 && !this.answered && !this.finalSeen) {
        if (code === 401 || code === 407) { this.push(m, t, { kind: 'challenged', code }); return; }
        this.finalSeen = true;
        if (code === 486 || code === 600) this.push(m, t, { kind: 'busy', code });
        else if (code === 603) this.push(m, t, { kind: 'declined', code });
        else if (code === 487) { if (!this.cancelled) { this.cancelled = true; this.push(m, t, { kind: 'cancelled' }); } }
        else if (code < 400) {
          const contact = header(m, 'Contact');
          const target = contact ? /(?:sips?|tel):([^@;>]+)/i.exec(contact)?.[1] ?? null : null;
          this.push(m, t, { kind: 'diverted', code, target });
        } else this.push(m, t, { kind: 'rejected', code, reason: m.reason });
      }
    } else if (m.cseqMethod === 'REGISTER' && code >= 200) {
      const e = registrationEvent(aorOf(m.to), code, code < 300 ? grantedExpiry(m) : null);
      if (e) this.push(m, t, e);
    }
  }

  /**
   * Compare the media an SDP describes with the last one: video on/off,
   * hold/resume. The first SDP of the call is the baseline; `report` is false
   * for answers, which only refine the baseline.
   */
  private mediaChange(m: SipMessage, sdp: SdpView, report: boolean): void {
    const now = mediaState(sdp);
    const before = this.media;
    // An answer settles whether video was accepted; hold is the offerer's word (sendonly/inactive).
    this.media = report || !before ? now : { video: now.video, audioHeld: before.audioHeld };
    if (!report && this.pendingVideo && !now.video) rewrite(this.pendingVideo.event, { kind: 'video-declined' });
    if (!before || !report) return;
    if (now.video && !before.video) {
      const e = this.push(m, m.time, { kind: 'video-on' });
      if (e) this.pendingVideo = { event: e, before };
    }
    if (!now.video && before.video) this.push(m, m.time, { kind: 'video-off' });
    const who = partyName(m.isRequest ? m.from : m.to);
    if (now.audioHeld && !before.audioHeld) this.push(m, m.time, { kind: 'hold', by: who });
    if (!now.audioHeld && before.audioHeld) this.push(m, m.time, { kind: 'resume', by: who });
  }

  /** Add an event found elsewhere (RTP DTMF) and keep frame order. */
  static merge(events: CallEvent[], extra: CallEvent[]): CallEvent[] {
    return [...events, ...extra].sort((a, b) => a.frame - b.frame || a.time - b.time);
  }
}
