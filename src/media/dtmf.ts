/**
 * RFC 4733 (ex 2833) telephone-event decoding: one digit per event (all
 * packets of an event share its RTP timestamp; the end packet is usually sent
 * three times), and SIP INFO DTMF bodies (application/dtmf-relay, application/dtmf).
 */

const EVENT_NAMES = '0123456789*#ABCD';

/** "5", "*", "A", or "flash"/"event 42" for other events. */
export function eventName(code: number): string {
  if (code < 16) return EVENT_NAMES[code]!;
  if (code === 16) return 'flash';
  return `event ${code}`;
}

export interface DtmfDigit {
  digit: string;
  frame: number;
  /** Seconds relative to the first frame: when the event began. */
  time: number;
  /** Duration in ms from the event's duration field, when the end was seen. */
  durationMs: number | null;
  volume: number;
}

/** Tracks telephone-event packets of one stream and yields each digit once. */
export class DtmfDecoder {
  readonly digits: DtmfDigit[] = [];
  private lastTs: number | null = null;
  private lastEvent = -1;
  private current: DtmfDigit | null = null;

  /** Feed the RTP payload of a telephone-event packet. */
  add(payload: Uint8Array, rtpTimestamp: number, clockRate: number, frame: number, time: number): void {
    if (payload.length < 4) return;
    const event = payload[0]!;
    const end = (payload[1]! & 0x80) !== 0;
    const volume = payload[1]! & 0x3f;
    const duration = (payload[2]! << 8) | payload[3]!;
    // A new event has a new timestamp (RFC 4733 2.5.1.2); a sender reusing one for another key is still a new digit.
    if (rtpTimestamp !== this.lastTs || event !== this.lastEvent) {
      this.lastTs = rtpTimestamp;
      this.lastEvent = event;
      this.current = { digit: eventName(event), frame, time, durationMs: null, volume };
      if (this.digits.length < 10000) this.digits.push(this.current);
    }
    if (end && this.current && this.current.durationMs === null) {
      this.current.durationMs = Math.round((duration / (clockRate || 8000)) * 1000);
    }
  }
}

/** The digit of a SIP INFO DTMF body, or null. */
export function infoDtmfDigit(contentType: string | null, body: string): string | null {
  const ct = (contentType ?? '').toLowerCase();
  if (ct.startsWith('application/dtmf-relay')) {
    const m = /signal\s*=\s*(1[0-6]|[0-9A-Da-d*#])(?![0-9])/i.exec(body);
    if (!m) return null;
    const s = m[1]!;
    if (/^\d{2}$/.test(s)) return eventName(Number(s));
    return s === '10' ? '*' : s === '11' ? '#' : s.toUpperCase();
  }
  if (ct.startsWith('application/dtmf')) {
    const t = body.trim();
    if (/^[0-9*#A-Da-d]$/.test(t)) return t.toUpperCase();
    if (/^\d+$/.test(t) && Number(t) < 16) return eventName(Number(t));
  }
  return null;
}
