/**
 * The location service behind the registrar: address-of-record -> contact
 * bindings with expiry, kept in memory and written through to a store so
 * registrations survive restarts. The default store is an embedded SQLite
 * file (better-sqlite3); when that module cannot be loaded a JSON file is
 * used instead (and said so); `null` keeps bindings in memory only.
 *
 * Addresses of record are keyed by user part (a lab proxy serves one domain).
 */
import { createRequire } from 'node:module';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';

export interface Binding {
  aor: string;
  /** Contact URI as registered (no display name, no header params). */
  contact: string;
  /** Expiry, milliseconds since the epoch. */
  expiresAt: number;
  callId: string;
  cseq: number;
  /** Where the REGISTER came from ("ip:port") when it came through a NAT (requests then go there), else "". */
  received: string;
  q: number | null;
  /** Registration time, ms since the epoch. */
  registeredAt: number;
}

export interface BindingStore {
  readonly kind: 'sqlite' | 'json';
  readonly path: string;
  load(): { bindings: Binding[]; known: string[] };
  put(b: Binding): void;
  remove(aor: string, contact: string): void;
  known(aor: string): void;
  close(): void;
}

interface SqliteDb {
  prepare(sql: string): { run(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
  exec(sql: string): void;
  pragma(s: string): unknown;
  close(): void;
}

class SqliteStore implements BindingStore {
  readonly kind = 'sqlite' as const;
  private readonly db: SqliteDb;
  private readonly putStmt;
  private readonly delStmt;
  private readonly knownStmt;
  constructor(readonly path: string, Database: new (p: string) => SqliteDb) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS bindings (
      aor TEXT NOT NULL, contact TEXT NOT NULL, expires_at INTEGER NOT NULL, call_id TEXT NOT NULL,
      cseq INTEGER NOT NULL, received TEXT NOT NULL, q REAL, registered_at INTEGER NOT NULL,
      PRIMARY KEY (aor, contact));
      CREATE TABLE IF NOT EXISTS users (aor TEXT PRIMARY KEY, first_seen INTEGER NOT NULL);`);
    this.putStmt = this.db.prepare(`INSERT OR REPLACE INTO bindings (aor, contact, expires_at, call_id, cseq, received, q, registered_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    this.delStmt = this.db.prepare('DELETE FROM bindings WHERE aor = ? AND contact = ?');
    this.knownStmt = this.db.prepare('INSERT OR IGNORE INTO users (aor, first_seen) VALUES (?, ?)');
  }
  load(): { bindings: Binding[]; known: string[] } {
    this.db.prepare('DELETE FROM bindings WHERE expires_at <= ?').run(Date.now());
    const rows = this.db.prepare('SELECT * FROM bindings').all() as Record<string, unknown>[];
    const bindings = rows.map((r) => ({
      aor: String(r.aor), contact: String(r.contact), expiresAt: Number(r.expires_at), callId: String(r.call_id),
      cseq: Number(r.cseq), received: String(r.received), q: r.q === null ? null : Number(r.q), registeredAt: Number(r.registered_at),
    }));
    const known = (this.db.prepare('SELECT aor FROM users').all() as { aor: string }[]).map((r) => r.aor);
    return { bindings, known };
  }
  put(b: Binding): void { this.putStmt.run(b.aor, b.contact, b.expiresAt, b.callId, b.cseq, b.received, b.q, b.registeredAt); }
  remove(aor: string, contact: string): void { this.delStmt.run(aor, contact); }
  known(aor: string): void { this.knownStmt.run(aor, Date.now()); }
  close(): void { this.db.close(); }
}

/** Fallback when better-sqlite3 is unavailable: the whole table rewritten atomically on change. */
class JsonStore implements BindingStore {
  readonly kind = 'json' as const;
  private bindings = new Map<string, Binding>();
  private knownSet = new Set<string>();
  constructor(readonly path: string) {}
  load(): { bindings: Binding[]; known: string[] } {
    if (existsSync(this.path)) {
      try {
        const j = JSON.parse(readFileSync(this.path, 'utf8')) as { bindings?: Binding[]; known?: string[] };
        for (const b of j.bindings ?? []) if (b.expiresAt > Date.now()) this.bindings.set(b.aor + '\n' + b.contact, b);
        for (const k of j.known ?? []) this.knownSet.add(k);
      } catch { /* unreadable: start empty */ }
    }
    return { bindings: [...this.bindings.values()], known: [...this.knownSet] };
  }
  private save(): void {
    const tmp = this.path + '.tmp';
    writeFileSync(tmp, JSON.stringify({ bindings: [...this.bindings.values()], known: [...this.knownSet] }));
    renameSync(tmp, this.path);
  }
  put(b: Binding): void { this.bindings.set(b.aor + '\n' + b.contact, b); this.save(); }
  remove(aor: string, contact: string): void { this.bindings.delete(aor + '\n' + contact); this.save(); }
  known(aor: string): void { if (!this.knownSet.has(aor)) { this.knownSet.add(aor); this.save(); } }
  close(): void {}
}

/** Open the registrations store: SQLite when better-sqlite3 loads, else a JSON file beside the path. */
export function openStore(path: string, onNote?: (s: string) => void): BindingStore {
  let Database: (new (p: string) => SqliteDb) | null = null;
  try {
    Database = createRequire(import.meta.url)('better-sqlite3') as new (p: string) => SqliteDb;
  } catch (e) {
    onNote?.(`better-sqlite3 unavailable (${(e as Error).message.split('\n')[0]}); registrations kept in ${path}.json`);
  }
  if (Database) {
    try { return new SqliteStore(path, Database); } catch (e) {
      onNote?.(`cannot open SQLite file ${path} (${(e as Error).message}); registrations kept in ${path}.json`);
    }
  }
  return new JsonStore(path + '.json');
}

export interface LocationLimits {
  maxAors: number;
  maxBindingsPerAor: number;
}

export class LocationService {
  private readonly table = new Map<string, Binding[]>();
  private readonly knownAors = new Set<string>();
  constructor(
    private readonly store: BindingStore | null,
    private readonly limits: LocationLimits = { maxAors: 10000, maxBindingsPerAor: 10 },
    private readonly now: () => number = Date.now,
  ) {
    if (store) {
      const { bindings, known } = store.load();
      for (const k of known) this.knownAors.add(k);
      for (const b of bindings) {
        const list = this.table.get(b.aor) ?? [];
        list.push(b);
        this.table.set(b.aor, list);
        this.knownAors.add(b.aor);
      }
    }
  }

  get storeKind(): string { return this.store ? `${this.store.kind} ${this.store.path}` : 'memory'; }

  /** Live bindings of an AoR, highest q first then most recent. Expired ones are dropped. */
  lookup(aor: string): Binding[] {
    const list = this.table.get(aor);
    if (!list) return [];
    const t = this.now();
    const live = list.filter((b) => b.expiresAt > t);
    if (live.length !== list.length) {
      for (const b of list) if (b.expiresAt <= t) this.store?.remove(b.aor, b.contact);
      if (live.length) this.table.set(aor, live); else this.table.delete(aor);
    }
    return live.sort((a, b) => (b.q ?? 1) - (a.q ?? 1) || b.registeredAt - a.registeredAt);
  }

  /** Has this user ever registered (or been declared)? */
  isKnown(aor: string): boolean { return this.knownAors.has(aor); }

  markKnown(aor: string): void {
    if (this.knownAors.has(aor)) return;
    if (this.knownAors.size >= this.limits.maxAors * 4) return;
    this.knownAors.add(aor);
    this.store?.known(aor);
  }

  /** Add or refresh a binding; false when a limit refuses it. */
  upsert(b: Binding): boolean {
    const list = this.lookup(b.aor);
    const i = list.findIndex((x) => x.contact === b.contact);
    if (i >= 0) list[i] = b;
    else {
      if (list.length >= this.limits.maxBindingsPerAor) return false;
      if (list.length === 0 && this.table.size >= this.limits.maxAors) return false;
      list.push(b);
    }
    this.table.set(b.aor, list);
    this.markKnown(b.aor);
    this.store?.put(b);
    return true;
  }

  remove(aor: string, contact: string): void {
    const list = this.table.get(aor);
    if (!list) return;
    const rest = list.filter((b) => b.contact !== contact);
    if (rest.length) this.table.set(aor, rest); else this.table.delete(aor);
    this.store?.remove(aor, contact);
  }

  removeAll(aor: string): void {
    for (const b of this.table.get(aor) ?? []) this.store?.remove(aor, b.contact);
    this.table.delete(aor);
  }

  /** Drop every expired binding (called periodically). */
  sweep(): void { for (const aor of [...this.table.keys()]) this.lookup(aor); }

  get size(): number { return this.table.size; }

  close(): void { this.store?.close(); }
}
