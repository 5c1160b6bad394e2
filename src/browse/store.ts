/**
 * What the browser shows, as the analysis produces it: every call seen so far
 * (open calls are the call tracker's own live objects, so their state and
 * packet counts move as messages arrive), their RTP streams once known, and
 * the counters of the status line.
 *
 * Memory on a long live feed: past `maxCalls` calls, the oldest calls that
 * are over lose their messages (their table row stays: a summary), and past
 * SUMMARY_FACTOR × maxCalls the oldest summaries are forgotten; both are
 * counted and the status line says so.
 */
import type { Call, Report, RtpStream, Warning } from '../model.js';
import type { CallTrack } from '../sip/calls.js';
import { settle } from '../sip/calls.js';

/**
 * RTP seen so far of calls whose statistics are not settled yet (a live call:
 * the analysis hands its streams over when the call is over). Keyed by the
 * Call object, so it goes with it.
 */
const liveRtp = new WeakMap<Call, { streams: Set<string>; packets: number }>();

/** "2×/1410 live": streams and packets of a live call's RTP so far, or null. */
export function liveRtpCell(c: Call): string | null {
  const r = liveRtp.get(c);
  return r ? `${r.streams.size}×/${r.packets} live` : null;
}

/** Calls whose messages the store dropped (a call never has none of its own). */
const summarisedCalls = new WeakSet<Call>();

/** Calls the analysis still has open (live ones, or every call while a file is read): their outcome is not decided. */
const openCalls = new WeakSet<Call>();

/** The call is still open in the analysis: what the list shows of it may change. */
export function isOpen(c: Call): boolean { return openCalls.has(c); }

/** Summaries kept per call allowed with messages, before the oldest are forgotten. */
export const SUMMARY_FACTOR = 10;

/** An open call whose outcome is still only a guess: an INVITE dialog in setup, any other dialog without its final answer. */
function undecided(c: Call): boolean {
  if (c.kind === 'call') return c.state === 'CALL SETUP' || c.state === 'RINGING';
  return c.outcome === null || c.outcome === 'NO RESPONSE';
}

export class CallStore {
  /** Every call known, in index order of arrival (retired and open alike). */
  calls: Call[] = [];
  private readonly open = new Map<string, CallTrack>();
  private readonly known = new Set<Call>();
  /** Streams by RtpStream.index. */
  readonly streams = new Map<number, RtpStream>();
  warnings: Warning[] = [];
  frames = 0;
  bytes = 0;
  /** Calls shown without their messages now (summarised), and calls forgotten altogether. */
  summarised = 0;
  forgotten = 0;
  /** Analysis over: the report is final. */
  done = false;
  /** Set when something changed since the screen last drew it. */
  dirty = true;
  /** Bumped whenever the set of calls or any call changed (list caches key on it). */
  version = 0;
  report: Report | null = null;
  error: string | null = null;
  private summarisedFrom = 0;

  constructor(readonly file: string, readonly maxCalls = Infinity) {}

  /** A SIP message was added to `track`'s call. */
  onSip(track: CallTrack): void {
    const c = track.call;
    if (!this.known.has(c)) {
      this.known.add(c);
      this.calls.push(c);
      this.open.set(c.callId, track);
      openCalls.add(c);
    }
    // The outcome and duration as they stand: the pass settles them again when the call is handed over.
    settle(track);
    // An outcome that only the call's end can decide ("NO ANSWER" one message after the INVITE) is
    // not shown as one: the list says "pending" until the state machine has moved past setup.
    if (undecided(c)) c.outcome = null;
    this.touch();
  }

  /** Absolute time (s) of the first frame: message times are relative to it. */
  epoch = 0;

  onFrame(capLen: number, tsSec: number, tsNsec: number): void {
    if (this.frames++ === 0) this.epoch = tsSec + tsNsec / 1e9;
    this.bytes += capLen;
  }

  /** An RTP packet of a live call (the media tap tied it to the call's SDP). */
  onRtp(callId: string | null, stream: string): void {
    if (callId === null) return;
    const c = this.open.get(callId)?.call;
    if (!c) return;
    let r = liveRtp.get(c);
    if (!r) liveRtp.set(c, r = { streams: new Set(), packets: 0 });
    r.streams.add(stream);
    r.packets++;
    // Counting is not worth a redraw of its own: the next message or the rate tick draws it.
  }

  /** Streaming: the call is over and its streams are numbered. */
  retire(call: Call, streams: RtpStream[]): void {
    this.open.delete(call.callId);
    openCalls.delete(call);
    liveRtp.delete(call);
    for (const s of streams) this.streams.set(s.index, s);
    if (!this.known.has(call)) { this.known.add(call); this.calls.push(call); }
    this.bound();
    this.touch();
  }

  /** The pass is over: the report's calls (the ones still open, or all of them) are final. */
  finish(report: Report): void {
    this.report = report;
    for (const s of report.rtpStreams) this.streams.set(s.index, s);
    for (const c of report.calls) if (!this.known.has(c)) { this.known.add(c); this.calls.push(c); }
    this.calls.sort((a, b) => a.index - b.index);
    this.warnings = report.warnings;
    for (const t of this.open.values()) openCalls.delete(t.call);
    this.open.clear();
    this.done = true;
    this.touch();
  }

  touch(): void { this.dirty = true; this.version++; }

  /** Streams in index order, as a Report holds them (renderers index report.rtpStreams by position). */
  streamList(): RtpStream[] {
    return [...this.streams.values()].sort((a, b) => a.index - b.index);
  }

  /** A Report over what is known now, for the renderers (table cells, ladders, CSV). */
  view(): Report {
    const base = this.report;
    return {
      tool: 'sipflow', version: base?.version ?? '', file: this.file,
      capture: base?.capture ?? { format: 'pcapng', frames: this.frames, linkTypes: [], firstTime: null, durationS: 0, truncated: false },
      calls: this.calls, rtpStreams: this.streamList(), warnings: this.warnings,
    };
  }

  /**
   * Keep memory bounded: messages of the oldest ended calls go past maxCalls,
   * whole calls past SUMMARY_FACTOR × maxCalls. Calls still open are never
   * touched: the call tracker still owns them, and one forgotten here would
   * come back as unknown when it ends (counted twice, out of order).
   */
  private bound(): void {
    if (!Number.isFinite(this.maxCalls)) return;
    const withMessages = this.calls.length - this.summarised;
    if (withMessages > this.maxCalls) {
      let excess = withMessages - this.maxCalls;
      // summarisedFrom only moves past calls already summarised: an open one in between is looked at again once it ends.
      let contiguous = true;
      for (let i = this.summarisedFrom; i < this.calls.length && excess > 0; i++) {
        const c = this.calls[i]!;
        if (summarisedCalls.has(c)) { if (contiguous) this.summarisedFrom = i + 1; continue; }
        if (this.open.has(c.callId)) { contiguous = false; continue; }
        c.messages = [];
        summarisedCalls.add(c);
        this.summarised++;
        excess--;
        if (contiguous) this.summarisedFrom = i + 1;
      }
    }
    const limit = this.maxCalls * SUMMARY_FACTOR;
    if (this.calls.length > limit) {
      let drop = this.calls.length - limit;
      const kept: Call[] = [];
      let i = 0;
      for (; i < this.calls.length && drop > 0; i++) {
        const c = this.calls[i]!;
        if (this.open.has(c.callId)) { kept.push(c); continue; }
        this.known.delete(c);
        for (const s of c.streams) this.streams.delete(s);
        if (summarisedCalls.delete(c)) this.summarised--;
        this.forgotten++;
        drop--;
      }
      const removed = i - kept.length;
      this.calls = kept.concat(this.calls.slice(i));
      // Every call before summarisedFrom was summarised or open; the open ones are kept at the front.
      this.summarisedFrom = Math.max(0, this.summarisedFrom - removed);
    }
  }

}
