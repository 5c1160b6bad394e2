/**
 * One authentication step shared by the registrar (401, Authorization) and
 * the proxy core's routing (407, Proxy-Authorization): refuse a source that
 * is locked out for guessing (auth-guard.ts), verify the credentials
 * (digest.ts), count and journal real failures, and say which answer to send.
 */
import { endpoint } from '../net/addr.js';
import type { ParsedSip } from '../sip/parser.js';
import type { AuthGuard } from './auth-guard.js';
import { isBenignFailure, type DigestAuth } from './digest.js';
import type { HeaderList } from './responses.js';
import type { Addr } from './transport.js';

export type AuthStep =
  | { ok: true; user: string }
  | { ok: false; status: number; reason?: string; headers?: HeaderList; /** A real failure (journaled, counted). */ failure: boolean };

export class Authenticator {
  constructor(
    readonly digest: DigestAuth,
    private readonly guard: AuthGuard,
    private readonly note: (text: string) => void,
  ) {}

  /** `kind` 'www': a registrar's 401 with WWW-Authenticate; 'proxy': 407 with Proxy-Authenticate (RFC 3261 §22.3). */
  check(p: ParsedSip, src: Addr, kind: 'www' | 'proxy'): AuthStep {
    const locked = this.guard.refusedFor(src.ip);
    if (locked > 0) {
      return { ok: false, status: 403, reason: `Forbidden - too many authentication failures, retry in ${Math.ceil(locked / 1000)} s`, failure: false };
    }
    const r = this.digest.verify(p.method!, p.requestUri ?? '', p.headersNamed(kind === 'www' ? 'Authorization' : 'Proxy-Authorization'));
    if (r.ok) return r;
    const failure = !isBenignFailure(r);
    if (failure) {
      this.note(`authentication failed: ${p.method} from ${endpoint(src.ip, src.port)} (${r.reason})`);
      this.guard.failed(src.ip);
    }
    const header = kind === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate';
    return {
      ok: false, status: kind === 'www' ? 401 : 407, failure,
      headers: this.digest.challenges(r.stale).map((c) => [header, c] as [string, string]),
    };
  }
}
