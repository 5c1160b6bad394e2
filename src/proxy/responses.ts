/**
 * Responses the proxy makes itself (RFC 3261 §8.2.6, §16.7 step 5) and the
 * reason phrases of every response it sends: its own, and the forwarded ones
 * whose code has a phrase set with --reason.
 */
import type { ParsedSip } from '../sip/parser.js';
import { md5 } from './digest.js';
import { SipMsg } from './message.js';

/** RFC 3261 reason phrases for the codes the proxy produces itself. */
export const DEFAULT_REASONS: Record<number, string> = {
  100: 'Trying', 200: 'OK', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 416: 'Unsupported URI Scheme',
  423: 'Interval Too Brief', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected', 483: 'Too Many Hops', 487: 'Request Terminated', 500: 'Server Internal Error',
  503: 'Service Unavailable', 513: 'Message Too Large',
};

/** Extra header fields of a response, in order. */
export type HeaderList = [string, string][];

export class ReasonPhrases {
  private readonly table: Record<number, string>;

  constructor(custom: Record<number, string> = {}) {
    this.table = { ...DEFAULT_REASONS, ...custom };
  }

  /** The phrase for a code: configured, else the class's generic word. */
  phrase(status: number): string {
    return this.table[status] ?? (status < 200 ? 'Trying' : status < 300 ? 'OK' : 'Error');
  }

  /**
   * The phrase of a response the proxy makes: the configured one unless the
   * caller says more than the standard words ("Bad Request - missing Via").
   */
  own(status: number, reason?: string): string {
    const configured = this.table[status];
    if (configured !== undefined && (reason === undefined || DEFAULT_REASONS[status] === reason)) return configured;
    return reason ?? this.phrase(status);
  }

  /** A forwarded response takes the phrase set with --reason for its code; others keep theirs. */
  applyCustom(r: SipMsg): void {
    const custom = this.table[r.status];
    if (custom !== undefined && DEFAULT_REASONS[r.status] !== custom) r.reason = custom;
  }
}

/**
 * A response to `req` (§8.2.6): its Via, From, Call-ID and CSeq copied, its To
 * with `toTag` added when the request had none (not on 100), a 100 echoing
 * Timestamp (§8.2.6.1), then Server and `extra`. `parsed` is the request's
 * parse (for the To tag); `req` is the request as the proxy keeps it (top Via
 * with received/rport).
 */
export function buildResponse(req: SipMsg, parsed: ParsedSip, status: number, reason: string, toTag: string | null, extra: HeaderList = []): SipMsg {
  const r = new SipMsg({ isRequest: false, status, reason });
  for (const h of req.headers) {
    if (h.name === 'Via' || h.name === 'From' || h.name === 'Call-ID' || h.name === 'CSeq') r.headers.push({ ...h });
    else if (h.name === 'To') r.headers.push({ name: 'To', value: parsed.toTag === null && toTag && status > 100 ? `${h.value};tag=${toTag}` : h.value });
  }
  if (status === 100) { const ts = req.get('Timestamp'); if (ts) r.append('Timestamp', ts); }
  r.append('Server', 'sipflow-proxy');
  for (const [n, v] of extra) r.append(n, v);
  return r;
}

/** A To tag for the proxy's own responses, derived from what identifies the request: a retransmission gets the same one. */
export function tagOf(key: string): string { return md5(key).slice(0, 10); }
