/**
 * Slows password guessing: authentication failures are counted per source
 * IP address (a wrong password, an unknown user, a replayed or misdirected
 * credential; not the first request without credentials, nor an expired
 * nonce). Past `maxFailures` within `windowMs`, the address is refused for
 * `lockMs`, doubled at each new lockout up to `maxLockMs`: while refused its
 * credentials are not even checked, so a guesser gets a handful of tries per
 * lockout instead of thousands per second. Each lockout is journaled once.
 *
 * Bounded: at most `maxSources` addresses are remembered (the least recently
 * failing goes first).
 */

export interface GuardLimits {
  maxFailures: number;
  windowMs: number;
  lockMs: number;
  maxLockMs: number;
  maxSources: number;
}

export const DEFAULT_GUARD: GuardLimits = { maxFailures: 5, windowMs: 60_000, lockMs: 10_000, maxLockMs: 300_000, maxSources: 10_000 };

interface SourceState {
  /** Failure times within the window, oldest first (at most maxFailures kept). */
  failures: number[];
  lockedUntil: number;
  lockouts: number;
}

export class AuthGuard {
  private readonly sources = new Map<string, SourceState>();
  constructor(
    private readonly limits: GuardLimits = DEFAULT_GUARD,
    private readonly onLock: (ip: string, failures: number, seconds: number) => void = () => {},
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds this address stays refused (0: not refused). */
  refusedFor(ip: string): number {
    const s = this.sources.get(ip);
    if (!s) return 0;
    const left = s.lockedUntil - this.now();
    return left > 0 ? left : 0;
  }

  /** Count one failure; may start a lockout. */
  failed(ip: string): void {
    const now = this.now();
    let s = this.sources.get(ip);
    if (s) this.sources.delete(ip);
    else {
      s = { failures: [], lockedUntil: 0, lockouts: 0 };
      if (this.sources.size >= this.limits.maxSources) this.sources.delete(this.sources.keys().next().value!);
    }
    // Re-inserted: the Map's order is least recently failing first.
    this.sources.set(ip, s);
    s.failures = s.failures.filter((t) => now - t < this.limits.windowMs);
    s.failures.push(now);
    if (s.failures.length >= this.limits.maxFailures && s.lockedUntil <= now) {
      s.lockouts++;
      const ms = Math.min(this.limits.lockMs * 2 ** (s.lockouts - 1), this.limits.maxLockMs);
      s.lockedUntil = now + ms;
      this.onLock(ip, s.failures.length, Math.round(ms / 1000));
      s.failures = [];
    }
  }

  get size(): number { return this.sources.size; }
}
