/**
 * What colour a status gets, for every renderer: the SIP response class of a
 * message (ladders, message lists) and the tone of a call state or outcome
 * (tables, the report), each with its terminal colour and its colours on a
 * light and a dark background. A renderer picks its column of this table and
 * never decides on a status colour of its own.
 *
 * The report's script (html/client.ts) runs in the browser and cannot import
 * this module: its rowClass() repeats responseClass() and the stylesheet maps
 * the classes to these colours (r-ok is --ok ...).
 */
import { color } from './color.js';

/** A SIP message's class: request, 1xx, 2xx, 3xx, error (>= 400). */
export type ResponseClass = 'req' | 'prov' | 'ok' | 'redir' | 'err';

export function responseClass(request: boolean, status: number | null): ResponseClass {
  if (request || status === null) return 'req';
  if (status < 200) return 'prov';
  if (status < 300) return 'ok';
  if (status < 400) return 'redir';
  return 'err';
}

/** Colour family of a call state or outcome. */
export type Tone = 'ok' | 'warn' | 'bad' | 'cancel' | 'other';

/** Tone of a Wireshark call state or a sipflow outcome ("ANSWERED, ONE-WAY AUDIO" is bad: the media failed). */
export function tone(s: string | null): Tone {
  if (!s) return 'other';
  if (/^(COMPLETED|IN CALL|ANSWERED|REGISTERED|UNREGISTERED|OK)$/.test(s)) return 'ok';
  if (/^(CALL SETUP|RINGING|AUTH|DIVERTED|NO ANSWER|NO RESPONSE)$/.test(s)) return 'warn';
  if (/^(CANCELLED)$/.test(s)) return 'cancel';
  if (/^(REJECTED|BUSY|DECLINED|FAILED|NOT FOUND|TIMEOUT|UNAVAILABLE)$/.test(s) || /ONE-WAY|NO AUDIO/.test(s)) return 'bad';
  return 'other';
}

/** Tone of a call event kind (model.ts CallEventKind): what went well, what failed. */
export function eventTone(kind: string): Tone {
  switch (kind) {
    case 'answered': case 'registered': case 'unregistered': return 'ok';
    case 'challenged': case 'diverted': case 'hold': return 'warn';
    case 'cancelled': return 'cancel';
    case 'declined': case 'busy': case 'rejected': case 'registration-failed': case 'video-declined': return 'bad';
    default: return 'other';
  }
}

/**
 * The tone a ladder row class is drawn in: 2xx like a good call, 3xx like a
 * warning, errors like a failed one, RTP spans in the cancel colour (purple,
 * apart from every response). Requests and 1xx have colours of their own.
 */
export const ROW_TONE = { ok: 'ok', redir: 'warn', err: 'bad', rtp: 'cancel' } as const satisfies Record<string, Tone>;

/** Terminal colour of each tone (color.level decides whether it shows). */
export const TERMINAL: Record<Tone, (s: string) => string> = {
  ok: (s) => color.green(s),
  warn: (s) => color.yellow(s),
  bad: (s) => color.red(s),
  cancel: (s) => color.magenta(s),
  other: (s) => s,
};

/** Each tone on a light background (SVG ladders, the report's light theme). */
export const LIGHT: Record<Tone, string> = { ok: '#1a7f37', warn: '#9a6700', bad: '#cf222e', cancel: '#8250df', other: '#6e7781' };

/** Each tone on a dark background (the report's dark theme). */
export const DARK: Record<Tone, string> = { ok: '#3fb950', warn: '#d29922', bad: '#f85149', cancel: '#ab7df8', other: '#8b949e' };
