/**
 * The call journal: one line per call event, in the analyzer's own words.
 * The events and the per-call logic are the analyzer's (src/events.ts,
 * CallEventBuilder and its phrase table), fed with the messages the proxy
 * receives, so a journal line and `sipflow analyze --events` say the same
 * thing; an entry's `event` is the event's `kind`.
 *
 * Text lines go to stderr and to an optional file; `json` writes one JSON
 * object a line ({"time","callId","event","text",...}).
 */
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { CallEventBuilder, eventText } from '../events.js';
import type { CallEventData, SipMessage } from '../model.js';
import { parseSdp, type Sdp } from '../media/sdp.js';
import { findSdp } from '../sip/multipart.js';
import { EndOfTurn } from './end-of-turn.js';

export type JournalFormat = 'text' | 'json';

/** Notices about malformed or refused datagrams written per second before the rest are only counted. */
export const FLOOD_NOTES_PER_SECOND = 20;

export interface JournalOptions {
  file?: string | null;
  format?: JournalFormat;
  /** Also write to stderr (default true). */
  stderr?: boolean;
  /** Most calls followed at once (oldest forgotten first). */
  maxCalls?: number;
  /** Receives every entry (tests). */
  onEntry?(e: JournalEntry): void;
}

export interface JournalEntry {
  time: string;
  callId: string | null;
  /** The event's kind ("incoming", "ringing", "answered", ..., "registered"; model.ts CallEventData), or "proxy" for notices. */
  event: string;
  text: string;
  src?: string;
}

export class Journal {
  private fd: number | null = null;
  private readonly format: JournalFormat;
  private readonly calls = new Map<string, CallEventBuilder>();
  private readonly maxCalls: number;
  private floodSecond = -1;
  private floodShown = 0;
  private floodHeld = 0;
  /** Lines written this turn of the event loop, not yet out: they go in one write when it ends. */
  private pending = '';
  private readonly turn = new EndOfTurn(() => this.writeOut());
  lines = 0;

  constructor(private readonly opts: JournalOptions = {}) {
    this.format = opts.format ?? 'text';
    this.maxCalls = opts.maxCalls ?? 20000;
    if (opts.file) {
      // As -o elsewhere: the folder is created.
      mkdirSync(dirname(opts.file), { recursive: true });
      this.fd = openSync(opts.file, 'a');
    }
  }

  /** Write one call event. */
  event(callId: string | null, data: CallEventData, src?: string): void {
    this.log(callId, eventText(data), src, data.kind);
  }

  /** Write one entry. */
  log(callId: string | null, text: string, src: string | undefined, event: string): void {
    const time = this.isoNow();
    // The entry object only for those who read it (JSON lines, onEntry); a text line is made directly.
    const e: JournalEntry | null = this.format === 'json' || this.opts.onEntry ? { time, callId, event, text, ...(src ? { src } : {}) } : null;
    this.write(this.format === 'json' ? JSON.stringify(e) : `${time} ${text}${callId ? ` (${callId})` : ''}`);
    if (e) this.opts.onEntry?.(e);
  }

  private lastMs = -1;
  private lastIso = '';

  /** The time stamp of a line: one Date formatted per millisecond, however many lines it has. */
  private isoNow(): string {
    const now = Date.now();
    if (now !== this.lastMs) { this.lastMs = now; this.lastIso = new Date(now).toISOString(); }
    return this.lastIso;
  }

  /**
   * A notice about a malformed or refused datagram. A flood of them (1 000
   * a second in the load test) would be a line each, filling the disk and
   * costing the proxy more than the datagrams: at most FLOOD_NOTES_PER_SECOND
   * a second are written, and the rest said in one line when the second ends.
   */
  floodNote(text: string, now = Date.now()): void {
    const second = Math.floor(now / 1000);
    if (second !== this.floodSecond) { this.endFloodSecond(); this.floodSecond = second; }
    if (this.floodShown < FLOOD_NOTES_PER_SECOND) { this.floodShown++; this.note(text); } else this.floodHeld++;
  }

  /** Say what floodNote held back, once its second is over (`now` given: the proxy's sweep, each second) or at once. */
  endFloodSecond(now?: number): void {
    if (now !== undefined && Math.floor(now / 1000) === this.floodSecond) return;
    if (this.floodHeld > 0) {
      this.note(`${this.floodHeld} more malformed or refused ${this.floodHeld === 1 ? 'datagram' : 'datagrams'} in that second, not journaled one by one (the statistics count them)`);
    }
    this.floodHeld = 0;
    this.floodShown = 0;
  }

  /** A proxy notice (start, stop, dropped datagrams) in the same stream. */
  note(text: string): void {
    const time = this.isoNow();
    this.write(this.format === 'json' ? JSON.stringify({ time, callId: null, event: 'proxy', text }) : `${time} ${text}`);
  }

  private write(line: string): void {
    this.lines++;
    this.pending += line + '\n';
    this.turn.request();
  }

  private writeOut(): void {
    const text = this.pending;
    this.pending = '';
    if (!text) return;
    if (this.opts.stderr !== false) process.stderr.write(text);
    if (this.fd !== null) {
      try { writeSync(this.fd, text); } catch { /* a full disk must not stop the proxy */ }
    }
  }

  /**
   * A SIP message the proxy received: dialog requests and their responses
   * drive the call's event builder; every new event becomes a line.
   */
  message(m: SipMessage): void {
    const method = m.isRequest ? m.method : m.cseqMethod;
    if (method === 'REGISTER' || method === 'OPTIONS' || method === 'PUBLISH') return;
    let b = this.calls.get(m.callId);
    if (!b) {
      // Only INVITE dialogs (and what happens in them) have a timeline.
      if (!(m.isRequest && m.method === 'INVITE' && m.toTag === null)) return;
      if (this.calls.size >= this.maxCalls) this.calls.delete(this.calls.keys().next().value!);
      b = new CallEventBuilder();
      this.calls.set(m.callId, b);
    }
    const before = b.events.length;
    let sdp: Sdp | null = null;
    const text = findSdp(m.contentType, m.body);
    if (text) sdp = parseSdp(text);
    b.add(m, sdp, false);
    for (let i = before; i < b.events.length; i++) this.log(m.callId, b.events[i]!.text, m.src, b.events[i]!.kind);
  }

  /** The call is over: forget its builder. */
  forget(callId: string): void { this.calls.delete(callId); }

  registered(callId: string, aor: string, expires: number, src: string): void {
    this.event(callId, expires === 0 ? { kind: 'unregistered', aor } : { kind: 'registered', aor, expires }, src);
  }

  registrationFailed(callId: string, aor: string, code: number, src: string): void {
    this.event(callId, { kind: 'registration-failed', aor, code }, src);
  }

  /** Everything written so far goes out now (before an exit, or to read the file). */
  flush(): void { this.turn.now(); }

  close(): void {
    this.endFloodSecond();
    this.turn.now();
    if (this.fd !== null) { try { closeSync(this.fd); } catch { /* ignore */ } this.fd = null; }
  }
}
