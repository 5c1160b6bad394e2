/**
 * HTTP Digest authentication for SIP (RFC 3261 §22, RFC 2617 with qop=auth,
 * MD5): users file, stateless nonces, challenge and verification.
 *
 * Nonces are "<issued-ms-hex>.<hmac>" signed with a per-process secret, so
 * the proxy keeps no per-nonce state (bounded memory); a nonce older than
 * `nonceTtlS` is answered with a fresh challenge carrying stale=true.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

export function md5(s: string): string {
  return createHash('md5').update(s, 'utf8').digest('hex');
}

/**
 * Users file: one user a line, `user:password` or `user password`; blank
 * lines and lines starting with '#' are ignored. Returns user -> password.
 */
export function parseUsers(text: string, file = 'users file'): Map<string, string> {
  const users = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, i) => {
    const t = line.trim();
    if (!t || t.startsWith('#')) return;
    const m = /^([^\s:]+)\s*[:\s]\s*(.*)$/.exec(t);
    if (!m || !m[2]) throw new Error(`${file}:${i + 1}: expected "user:password"`);
    users.set(m[1]!, m[2]!);
  });
  return users;
}

export function loadUsers(path: string): Map<string, string> {
  return parseUsers(readFileSync(path, 'utf8'), path);
}

/** Parse `Digest k=v, k="v", ...` (parameter names lower-cased). Null when not Digest. */
export function parseDigest(value: string): Record<string, string> | null {
  const m = /^\s*digest\s+/i.exec(value);
  if (!m) return null;
  const out: Record<string, string> = {};
  let i = m[0].length;
  const s = value;
  while (i < s.length) {
    while (i < s.length && (s[i] === ',' || s[i] === ' ' || s[i] === '\t')) i++;
    const eq = s.indexOf('=', i);
    if (eq < 0) break;
    const name = s.slice(i, eq).trim().toLowerCase();
    i = eq + 1;
    while (s[i] === ' ') i++;
    let v = '';
    if (s[i] === '"') {
      i++;
      while (i < s.length && s[i] !== '"') { if (s[i] === '\\' && i + 1 < s.length) i++; v += s[i]; i++; }
      i++;
    } else {
      const c = s.indexOf(',', i);
      const e = c < 0 ? s.length : c;
      v = s.slice(i, e).trim();
      i = e;
    }
    if (name && !Object.hasOwn(out, name)) Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

export type AuthResult =
  | { ok: true; user: string }
  | { ok: false; stale: boolean; reason: 'missing' | 'unknown-user' | 'bad-response' | 'bad-nonce' | 'realm' | 'malformed' };

export class DigestAuth {
  private readonly secret = randomBytes(16);
  constructor(
    readonly realm: string,
    private readonly users: Map<string, string>,
    private readonly nonceTtlS = 300,
    private readonly now: () => number = Date.now,
  ) {}

  hasUser(user: string): boolean { return this.users.has(user); }

  /** Credentials (an Authorization or Proxy-Authorization value) meant for this realm. */
  isOwnCredential(value: string): boolean { return parseDigest(value)?.['realm'] === this.realm; }

  nonce(): string {
    const ts = this.now().toString(16);
    return `${ts}.${createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 32)}`;
  }

  /** 'ok', 'stale' (genuine but expired) or 'bad'. */
  private checkNonce(n: string): 'ok' | 'stale' | 'bad' {
    const dot = n.indexOf('.');
    if (dot < 0) return 'bad';
    const ts = n.slice(0, dot);
    const want = Buffer.from(createHmac('sha256', this.secret).update(ts).digest('hex').slice(0, 32));
    const got = Buffer.from(n.slice(dot + 1));
    if (got.length !== want.length || !timingSafeEqual(got, want)) return 'bad';
    const age = this.now() - parseInt(ts, 16);
    return age >= 0 && age <= this.nonceTtlS * 1000 ? 'ok' : 'stale';
  }

  /** The WWW-Authenticate / Proxy-Authenticate value. */
  challenge(stale = false): string {
    return `Digest realm="${this.realm}", nonce="${this.nonce()}", opaque="${md5(this.realm).slice(0, 16)}", algorithm=MD5, qop="auth"${stale ? ', stale=true' : ''}`;
  }

  /**
   * Check the credentials of a request: `values` are its Authorization (or
   * Proxy-Authorization) header values; the one for our realm is used.
   */
  verify(method: string, values: string[]): AuthResult {
    if (values.length === 0) return { ok: false, stale: false, reason: 'missing' };
    let d: Record<string, string> | null = null;
    for (const v of values) {
      const p = parseDigest(v);
      if (p && p['realm'] === this.realm) { d = p; break; }
      if (p && !d) d = p;
    }
    if (!d) return { ok: false, stale: false, reason: 'malformed' };
    if (d['realm'] !== this.realm) return { ok: false, stale: false, reason: 'realm' };
    const user = d['username'] ?? '';
    const nonce = d['nonce'] ?? '';
    const uri = d['uri'] ?? '';
    const response = (d['response'] ?? '').toLowerCase();
    const alg = (d['algorithm'] ?? 'MD5').toUpperCase();
    if (!user || !nonce || !response || alg !== 'MD5') return { ok: false, stale: false, reason: 'malformed' };
    const pass = this.users.get(user);
    if (pass === undefined) return { ok: false, stale: false, reason: 'unknown-user' };
    const ha1 = md5(`${user}:${this.realm}:${pass}`);
    const ha2 = md5(`${method}:${uri}`);
    const qop = d['qop'];
    let expect: string;
    if (qop === undefined) expect = md5(`${ha1}:${nonce}:${ha2}`);
    else if (qop.toLowerCase() === 'auth') expect = md5(`${ha1}:${nonce}:${d['nc'] ?? ''}:${d['cnonce'] ?? ''}:${qop}:${ha2}`);
    else return { ok: false, stale: false, reason: 'malformed' };
    if (expect !== response) return { ok: false, stale: false, reason: 'bad-response' };
    const n = this.checkNonce(nonce);
    if (n === 'bad') return { ok: false, stale: false, reason: 'bad-nonce' };
    if (n === 'stale') return { ok: false, stale: true, reason: 'bad-nonce' };
    return { ok: true, user };
  }
}
