/**
 * HTTP Digest authentication for SIP (RFC 3261 §22, RFC 7616 / 2617 with
 * qop=auth; SHA-256 offered first, MD5 beside it for older clients, RFC 8760):
 * users file, nonces, challenges and verification.
 *
 * Nonces are "<issued-ms-hex>-<sequence>.<hmac>" signed with a per-process secret, so a
 * forged or foreign nonce is recognised without state; a nonce older than
 * `nonceTtlS` (300 s) is answered with a fresh challenge carrying stale=true.
 * Replays are refused: the highest `nc` accepted per nonce is kept (a nonce
 * without qop counts once) in a bounded ledger, and a request whose `nc` is
 * not above it is a replay (401/407 stale=false). When the ledger is full,
 * its oldest entries go and every nonce issued before them counts as stale,
 * so an evicted nonce can never be replayed either. The digest `uri` must be
 * the Request-URI itself (RFC 3261 §22.4: a credential is for one request).
 */
import * as nodeCrypto from 'node:crypto';
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * crypto.hash (Node 20.12 and later): a one-shot digest without a Hash
 * object, several times cheaper for the short strings hashed here (branches,
 * tags, digests: a few per request); read from the namespace so that Node
 * 20.10 and 20.11 load this module and take createHash.
 */
const oneShotHash = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;

function hexDigest(algorithm: 'md5' | 'sha256', s: string): string {
  return oneShotHash ? oneShotHash(algorithm, s, 'hex') : createHash(algorithm).update(s, 'utf8').digest('hex');
}

export function md5(s: string): string {
  return hexDigest('md5', s);
}

export type DigestAlgorithm = 'SHA-256' | 'MD5';

/**
 * The default order of the challenges (RFC 7616 §3.7, RFC 8760 §2.4: most
 * preferred first). Clients that read only the first challenge and know
 * only MD5 (sipp 3.6) need MD5 first: `--digest-algorithms MD5,SHA-256`.
 */
export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

/** "SHA-256,MD5" -> the algorithms in that order (case-insensitive, no repeats). */
export function parseAlgorithms(text: string): DigestAlgorithm[] {
  const out: DigestAlgorithm[] = [];
  for (const w of text.split(',').map((x) => x.trim().toUpperCase()).filter(Boolean)) {
    const a = DIGEST_ALGORITHMS.find((x) => x === w);
    if (!a) throw new Error(`bad digest algorithm "${w}" (expected SHA-256, MD5 or both, comma-separated)`);
    if (!out.includes(a)) out.push(a);
  }
  if (!out.length) throw new Error('bad --digest-algorithms: expected SHA-256, MD5 or both');
  return out;
}

function digestHash(alg: DigestAlgorithm, s: string): string {
  return hexDigest(alg === 'MD5' ? 'md5' : 'sha256', s);
}

/** How long a nonce is accepted (seconds); the proxy's start line and docs/proxy.md say it. */
export const NONCE_TTL_S = 300;

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
      const close = s.indexOf('"', i);
      const plain = close >= 0 ? s.slice(i, close) : null;
      if (plain !== null && !plain.includes('\\')) {
        // No escape inside: the value is the text up to the closing quote.
        v = plain;
        i = close;
      } else {
        while (i < s.length && s[i] !== '"') { if (s[i] === '\\' && i + 1 < s.length) i++; v += s[i]; i++; }
      }
      i++;
    } else {
      const c = s.indexOf(',', i);
      const e = c < 0 ? s.length : c;
      v = s.slice(i, e).trim();
      i = e;
    }
    if (!name || Object.hasOwn(out, name)) continue;
    // A plain store keeps the object fast; only "__proto__" needs defining (a store would set the prototype).
    if (name === '__proto__') Object.defineProperty(out, name, { value: v, enumerable: true, writable: true, configurable: true });
    else out[name] = v;
  }
  return out;
}

export type AuthFailure = 'missing' | 'unknown-user' | 'bad-response' | 'bad-nonce' | 'realm' | 'malformed' | 'replay' | 'uri-mismatch';

export type AuthResult =
  | { ok: true; user: string }
  | { ok: false; stale: boolean; reason: AuthFailure };

/** Failures that are a client's normal first step (no credentials yet, or an expired nonce): not counted as guesses. */
export function isBenignFailure(r: AuthResult): boolean {
  return !r.ok && (r.reason === 'missing' || r.stale);
}

/** Highest `nc` accepted per nonce, bounded: see the module comment. */
class NonceLedger {
  private readonly seen = new Map<string, { nc: number; issued: number }>();
  /** Nonces issued at or before this time (ms) are no longer tracked: they count as stale. */
  private floor = -Infinity;
  constructor(private readonly max: number, private readonly ttlMs: number) {}

  get size(): number { return this.seen.size; }

  /** 'ok' (and `nc` recorded), 'replay' or 'stale'. */
  use(nonce: string, issued: number, nc: number, now: number): 'ok' | 'replay' | 'stale' {
    const e = this.seen.get(nonce);
    if (e) {
      if (nc <= e.nc) return 'replay';
      e.nc = nc;
      return 'ok';
    }
    if (issued <= this.floor) return 'stale';
    // Expired entries first (they are stale by age anyway), then the oldest when still full.
    for (const [k, v] of this.seen) {
      if (now - v.issued <= this.ttlMs && this.seen.size < this.max) break;
      this.seen.delete(k);
      if (now - v.issued <= this.ttlMs) this.floor = Math.max(this.floor, v.issued);
    }
    this.seen.set(nonce, { nc, issued });
    return 'ok';
  }
}

export class DigestAuth {
  private readonly secret = randomBytes(16);
  private readonly ledger: NonceLedger;
  constructor(
    readonly realm: string,
    private readonly users: Map<string, string>,
    readonly nonceTtlS = NONCE_TTL_S,
    private readonly now: () => number = Date.now,
    maxTrackedNonces = 100000,
    /** Offered in this order, and the only ones accepted. */
    readonly algorithms: readonly DigestAlgorithm[] = DIGEST_ALGORITHMS,
  ) {
    this.ledger = new NonceLedger(maxTrackedNonces, nonceTtlS * 1000);
    this.opaque = md5(realm).slice(0, 16);
  }

  private readonly opaque: string;
  /** HA1 = H(user:realm:password) per algorithm, user and password: the same for every request of that user. */
  private readonly ha1s = new Map<string, string>();

  private ha1(alg: DigestAlgorithm, user: string, pass: string): string {
    const key = `${alg}\u0000${user}\u0000${pass}`;
    let h = this.ha1s.get(key);
    if (h === undefined) {
      h = digestHash(alg, `${user}:${this.realm}:${pass}`);
      // Bounded by the users file (each user, each algorithm).
      this.ha1s.set(key, h);
    }
    return h;
  }

  hasUser(user: string): boolean { return this.users.has(user); }

  /** Nonces whose `nc` is being tracked. */
  get trackedNonces(): number { return this.ledger.size; }

  /** Credentials (an Authorization or Proxy-Authorization value) meant for this realm. */
  isOwnCredential(value: string): boolean { return parseDigest(value)?.['realm'] === this.realm; }

  private nonceSeq = 0;

  /** "<issued-ms-hex>-<sequence-hex>.<hmac>": unique per challenge (two in one millisecond differ), so nc counts per challenge. */
  nonce(): string {
    const id = `${this.now().toString(16)}-${(this.nonceSeq++ & 0xffffffff).toString(16)}`;
    return `${id}.${createHmac('sha256', this.secret).update(id).digest('hex').slice(0, 32)}`;
  }

  /** The nonce's issue time when it is one of ours ('bad' otherwise), and whether it is still young enough. */
  private checkNonce(n: string): { state: 'ok' | 'stale' | 'bad'; issued: number } {
    const dot = n.indexOf('.');
    if (dot < 0) return { state: 'bad', issued: 0 };
    const id = n.slice(0, dot);
    const want = Buffer.from(createHmac('sha256', this.secret).update(id).digest('hex').slice(0, 32));
    const got = Buffer.from(n.slice(dot + 1));
    if (got.length !== want.length || !timingSafeEqual(got, want)) return { state: 'bad', issued: 0 };
    const issued = parseInt(id, 16);
    const age = this.now() - issued;
    return { state: age >= 0 && age <= this.nonceTtlS * 1000 ? 'ok' : 'stale', issued };
  }

  /**
   * The WWW-Authenticate / Proxy-Authenticate values: one challenge per
   * algorithm, SHA-256 first, sharing one nonce (RFC 8760 §2.4).
   */
  challenges(stale = false): string[] {
    const nonce = this.nonce();
    const opaque = this.opaque;
    return this.algorithms.map((alg) => `Digest realm="${this.realm}", nonce="${nonce}", opaque="${opaque}", algorithm=${alg}, qop="auth"${stale ? ', stale=true' : ''}`);
  }

  /** The first challenge alone (for callers that want one value). */
  challenge(stale = false): string {
    return this.challenges(stale)[0]!;
  }

  /**
   * Check the credentials of a request: `values` are its Authorization (or
   * Proxy-Authorization) header values; the one for our realm is used.
   * `requestUri` is the request's R-URI as received: the digest `uri` must
   * be the same text.
   */
  verify(method: string, requestUri: string, values: string[]): AuthResult {
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
    const algText = (d['algorithm'] ?? 'MD5').toUpperCase();
    const alg = this.algorithms.find((a) => a === algText);
    if (!user || !nonce || !response || !alg) return { ok: false, stale: false, reason: 'malformed' };
    const pass = this.users.get(user);
    if (pass === undefined) return { ok: false, stale: false, reason: 'unknown-user' };
    const H = (s: string) => digestHash(alg, s);
    const ha1 = this.ha1(alg, user, pass);
    const ha2 = H(`${method}:${uri}`);
    const qop = d['qop'];
    let expect: string;
    let nc = 0;
    if (qop === undefined) expect = H(`${ha1}:${nonce}:${ha2}`);
    else if (qop.toLowerCase() === 'auth') {
      const ncText = d['nc'] ?? '';
      if (!/^[0-9a-fA-F]{8}$/.test(ncText) || !d['cnonce']) return { ok: false, stale: false, reason: 'malformed' };
      nc = parseInt(ncText, 16);
      expect = H(`${ha1}:${nonce}:${ncText}:${d['cnonce']}:${qop}:${ha2}`);
    } else return { ok: false, stale: false, reason: 'malformed' };
    const a = Buffer.from(expect), b = Buffer.from(response);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return { ok: false, stale: false, reason: 'bad-response' };
    const n = this.checkNonce(nonce);
    if (n.state === 'bad') return { ok: false, stale: false, reason: 'bad-nonce' };
    if (n.state === 'stale') return { ok: false, stale: true, reason: 'bad-nonce' };
    // The password is right; the credential must still be for this very request, and new.
    if (uri !== requestUri) return { ok: false, stale: false, reason: 'uri-mismatch' };
    const used = this.ledger.use(nonce, n.issued, nc, this.now());
    if (used === 'replay') return { ok: false, stale: false, reason: 'replay' };
    if (used === 'stale') return { ok: false, stale: true, reason: 'bad-nonce' };
    return { ok: true, user };
  }
}
