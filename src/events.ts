/**
 * Call events: a per-call timeline in the vocabulary of a proxy's call
 * journal ("Incoming call A -> B", "Ringing", "Answered by B", "Video ON",
 * "Transfer to C (REFER)", "Ended by A (BYE)"). The phrase builders are
 * exported so `sipflow proxy`'s journal speaks exactly the same language.
 */
import type { CallEvent, NameAddr, SipMessage } from './model.js';
import type { Sdp } from './media/sdp.js';

/** The words of the timeline. */
export const phrases = {
  incoming: (from: string, to: string) => `Incoming call ${from} -> ${to}`,
  ringing: () => 'Ringing',
  sessionProgress: () => 'Session progress (early media)',
  answered: (by: string) => `Answered by ${by}`,
  declined: (code: number) => `Declined (${code})`,
  busy: (code: number) => `Busy (${code})`,
  cancelled: () => 'Cancelled',
  redirected: (code: number, to: string | null) => `Diverted (${code})${to ? ` to ${to}` : ''}`,
  challenged: (code: number) => `Authentication requested (${code})`,
  rejected: (code: number, reason: string | null) => `Rejected (${code}${reason ? ' ' + reason : ''})`,
  videoOn: () => 'Video ON',
  videoOff: () => 'Video OFF',
  videoDeclined: () => 'Video declined',
  hold: (by: string) => `Hold by ${by}`,
  resume: (by: string) => `Resume by ${by}`,
  transfer: (to: string) => `Transfer to ${to} (REFER)`,
  conference: () => 'Conference (SUBSCRIBE to conference event)',
  dtmf: (digit: string, via: 'RTP' | 'INFO') => `DTMF ${digit}${via === 'INFO' ? ' (INFO)' : ''}`,
  ended: (by: string) => `Ended by ${by} (BYE)`,
  registered: (aor: string, expires: number | null) => `Registered ${aor}${expires !== null ? ` for ${expires} s` : ''}`,
  unregistered: (aor: string) => `Unregistered ${aor}`,
  registrationFailed: (aor: string, code: number) => `Registration of ${aor} failed (${code})`,
} as const;

/** How a party is named in events: display name, else the user part, else the host. */
export function partyName(na: NameAddr | null): string {
  if (!na) return '?';
  if (na.display) return na.display;
  const u = na.uri;
  if (u) return u.user ?? u.host;
  return na.uriText;
}

function aorOf(na: NameAddr | null): string {
  return na?.uri ? `${na.uri.user ? na.uri.user + '@' : ''}${na.uri.host}` : na?.uriText ?? '?';
}

interface MediaState {
  video: boolean;
  audioHeld: boolean;
}

function mediaState(sdp: Sdp): MediaState {
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
  /** CSeq numbers of INVITEs already reported (proxies forward each one). */
  /** "from-tag cseq" of requests already reported: a proxy forwards each one (CSeq counts per sender). */
  private seenInvites = new Set<string>();
  private seenRefers = new Set<string>();

  private push(m: SipMessage, time: number, text: string): CallEvent | null {
    if (this.events.length >= MAX_EVENTS) return null;
    const e = { frame: m.frame, time, text };
    this.events.push(e);
    return e;
  }

  add(m: SipMessage, sdp: Sdp | null, retransmission: boolean): void {
    if (retransmission) return;
    const t = m.time;
    if (m.isRequest) {
      switch (m.method) {
        case 'INVITE': {
          const inDialog = m.toTag !== null;
          if (!this.started && !inDialog) {
            this.started = true;
            this.push(m, t, phrases.incoming(partyName(m.from), partyName(m.to)));
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
          if (!this.answered && !this.cancelled) { this.cancelled = true; this.push(m, t, phrases.cancelled()); }
          break;
        case 'BYE':
          if (!this.ended) { this.ended = true; this.push(m, t, phrases.ended(partyName(m.from))); }
          break;
        case 'REFER': {
          const key = `${m.fromTag ?? ''} ${m.cseqNum}`;
          if (this.seenRefers.has(key)) break;
          this.seenRefers.add(key);
          const referTo = m.headers.find((h) => h.name === 'Refer-To')?.value ?? '';
          const target = /<?(?:sips?|tel):([^@;>]+)/i.exec(referTo)?.[1] ?? referTo;
          this.push(m, t, phrases.transfer(target));
          break;
        }
        case 'SUBSCRIBE': {
          const ev = m.headers.find((h) => h.name === 'Event')?.value ?? '';
          if (/^\s*conference\b/i.test(ev) && !this.events.some((e) => e.text === phrases.conference())) this.push(m, t, phrases.conference());
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
        this.push(m, t, code === 180 ? phrases.ringing() : phrases.sessionProgress());
      } else if (code >= 200 && code < 300) {
        if (!this.answered) { this.answered = true; this.push(m, t, phrases.answered(partyName(m.to))); }
        // Answers refine what was negotiated; the change was reported at the offer.
        if (sdp) this.mediaChange(m, sdp, false);
        this.pendingVideo = null;
      } else if (code >= 300 && this.answered && this.pendingVideo) {
        // A re-INVITE adding video failed (488, 491...): the video never came on.
        this.pendingVideo.event.text = phrases.videoDeclined();
        this.media = this.pendingVideo.before;
        this.pendingVideo = null;
      } else if (code >= 300 && !this.answered && !this.finalSeen) {
        if (code === 401 || code === 407) { this.push(m, t, phrases.challenged(code)); return; }
        this.finalSeen = true;
        if (code === 486 || code === 600) this.push(m, t, phrases.busy(code));
        else if (code === 603) this.push(m, t, phrases.declined(code));
        else if (code === 487) { if (!this.cancelled) { this.cancelled = true; this.push(m, t, phrases.cancelled()); } }
        else if (code < 400) {
          const contact = m.headers.find((h) => h.name === 'Contact')?.value ?? null;
          const to = contact ? /(?:sips?|tel):([^@;>]+)/i.exec(contact)?.[1] ?? null : null;
          this.push(m, t, phrases.redirected(code, to));
        } else this.push(m, t, phrases.rejected(code, m.reason));
      }
    } else if (m.cseqMethod === 'REGISTER' && code >= 200) {
      const aor = aorOf(m.to);
      if (code < 300) {
        const contact = m.headers.find((h) => h.name === 'Contact')?.value ?? '';
        const exp = /expires\s*=\s*(\d+)/i.exec(contact)?.[1] ?? m.headers.find((h) => h.name === 'Expires')?.value;
        const n = exp !== undefined && /^\s*\d+\s*$/.test(exp) ? Number(exp) : null;
        this.push(m, t, n === 0 ? phrases.unregistered(aor) : phrases.registered(aor, n));
      } else if (code !== 401 && code !== 407) {
        this.push(m, t, phrases.registrationFailed(aor, code));
      }
    }
  }

  /**
   * Compare the media an SDP describes with the last one: video on/off,
   * hold/resume. The first SDP of the call is the baseline; `report` is false
   * for answers, which only refine the baseline.
   */
  private mediaChange(m: SipMessage, sdp: Sdp, report: boolean): void {
    const now = mediaState(sdp);
    const before = this.media;
    // An answer settles whether video was accepted; hold is the offerer's word (sendonly/inactive).
    this.media = report || !before ? now : { video: now.video, audioHeld: before.audioHeld };
    if (!report && this.pendingVideo && !now.video) this.pendingVideo.event.text = phrases.videoDeclined();
    if (!before || !report) return;
    if (now.video && !before.video) {
      const e = this.push(m, m.time, phrases.videoOn());
      if (e) this.pendingVideo = { event: e, before };
    }
    if (!now.video && before.video) this.push(m, m.time, phrases.videoOff());
    const who = partyName(m.isRequest ? m.from : m.to);
    if (now.audioHeld && !before.audioHeld) this.push(m, m.time, phrases.hold(who));
    if (!now.audioHeld && before.audioHeld) this.push(m, m.time, phrases.resume(who));
  }

  /** Add an event found elsewhere (RTP DTMF) and keep frame order. */
  static merge(events: CallEvent[], extra: CallEvent[]): CallEvent[] {
    return [...events, ...extra].sort((a, b) => a.frame - b.frame || a.time - b.time);
  }
}
