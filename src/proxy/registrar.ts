/**
 * The registrar (RFC 3261 §10.3): checks a REGISTER (digest authentication
 * through digest.ts, §22), applies its bindings to the location service
 * (location.ts) with the lifetimes of src/sip/register.ts, and says which
 * response to send: the 200 lists every remaining binding (§10.3 step 8).
 * It knows nothing of transactions: the proxy core sends the answer.
 */
import { endpoint, unbracketed } from '../net/addr.js';
import type { ParsedSip } from '../sip/parser.js';
import { registerExpiry } from '../sip/register.js';
import type { Authenticator } from './authenticate.js';
import type { Journal } from './journal.js';
import type { LocationService } from './location.js';
import type { HeaderList } from './responses.js';
import type { Addr } from './transport.js';

/** Registration lifetimes (s): when the client gives none, the shortest accepted (423 below), the longest granted. */
export interface ExpiryLimits { default: number; min: number; max: number }

/** The response the registrar wants sent. */
export interface RegistrarAnswer {
  status: number;
  /** A reason phrase that says more than the standard one. */
  reason?: string;
  headers?: HeaderList;
}

interface Change { contact: string; expires: number; q: number | null }

export class Registrar {
  constructor(
    private readonly location: LocationService,
    private readonly auth: Authenticator | null,
    private readonly journal: Journal,
    private readonly expires: ExpiryLimits,
  ) {}

  register(p: ParsedSip, src: Addr): RegistrarAnswer {
    const to = p.to?.uri;
    const aorText = to ? `${to.user ?? ''}@${to.host}` : '?';
    if (!to || !to.user) return { status: 404, reason: 'Not Found - no user in To' };
    const user = to.user;
    const from = endpoint(src.ip, src.port);
    if (this.auth) {
      const r = this.auth.check(p, src, 'www');
      if (!r.ok) {
        // A first REGISTER without credentials, or a stale nonce, is the normal challenge, not a failure.
        if (r.failure || r.status === 403) this.journal.registrationFailed(p.callId, aorText, r.status, from);
        return { status: r.status, ...(r.reason ? { reason: r.reason } : {}), ...(r.headers ? { headers: r.headers } : {}) };
      }
      if (r.user !== user) {
        this.journal.registrationFailed(p.callId, aorText, 403, from);
        return { status: 403, reason: `Forbidden - ${r.user} may not register ${user}` };
      }
    }
    const now = Date.now();
    const reg = registerExpiry(p);
    if (reg.wildcard) {
      if (reg.expiresHeader !== 0) return { status: 400, reason: 'Bad Request - Contact: * needs Expires: 0' };
      this.location.removeAll(user);
      this.journal.registered(p.callId, aorText, 0, from);
    } else {
      const changes: Change[] = [];
      for (const c of reg.contacts) {
        if (!c.nameAddr.uri) return { status: 400, reason: 'Bad Request - bad Contact' };
        const exp = c.expires ?? this.expires.default;
        if (exp > 0 && exp < this.expires.min) return { status: 423, headers: [['Min-Expires', String(this.expires.min)]] };
        const q = c.nameAddr.params['q'] !== undefined && c.nameAddr.params['q'] !== null ? Number(c.nameAddr.params['q']) : null;
        changes.push({ contact: c.nameAddr.uriText, expires: Math.min(exp, this.expires.max), q: Number.isFinite(q) ? q : null });
      }
      const refused = this.apply(user, changes, p, this.natSource(p, src), now);
      if (refused) return refused;
      if (changes.length) {
        const exp = changes.every((c) => c.expires === 0) ? 0 : Math.max(...changes.map((c) => c.expires));
        this.journal.registered(p.callId, aorText, exp, from);
      }
    }
    const headers: HeaderList = this.location.lookup(user).map((b) => ['Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`]);
    // No binding left: say so (Expires: 0), so an unregistration reads as one in a trace.
    if (headers.length === 0) headers.push(['Expires', '0']);
    headers.push(['Date', new Date(now).toUTCString()]);
    return { status: 200, headers };
  }

  /**
   * Behind a NAT (the top Via is not where the REGISTER came from), requests
   * go back to the source address: it is kept with the binding ("" otherwise).
   */
  private natSource(p: ParsedSip, src: Addr): string {
    const via = p.via;
    const natted = !!via && (unbracketed(via.host) !== src.ip || (via.port ?? 5060) !== src.port);
    return natted ? endpoint(src.ip, src.port) : '';
  }

  /** Add, refresh or remove the bindings (§10.3 step 7); a 503 when the location service is full. */
  private apply(user: string, changes: Change[], p: ParsedSip, received: string, now: number): RegistrarAnswer | null {
    for (const ch of changes) {
      const old = this.location.lookup(user).find((b) => b.contact === ch.contact);
      // An older REGISTER of the same Call-ID arriving late changes nothing.
      if (old && old.callId === p.callId && old.cseq > p.cseqNum) continue;
      if (ch.expires === 0) { this.location.remove(user, ch.contact); continue; }
      const ok = this.location.upsert({
        aor: user, contact: ch.contact, expiresAt: now + ch.expires * 1000, callId: p.callId, cseq: p.cseqNum,
        received, q: ch.q, registeredAt: now,
      });
      if (!ok) return { status: 503, reason: 'Service Unavailable - too many registrations', headers: [['Retry-After', '60']] };
    }
    return null;
  }
}
