/**
 * The location service behind the registrar: address-of-record -> contact
 * bindings with expiry, kept in memory and written through to a store so
 * registrations survive restarts. The store is an SQLite file through Node's
 * built-in `node:sqlite` where the running Node has it (22.13+, or 22.5+ run
 * with --experimental-sqlite), else through the optional dependency
 * better-sqlite3 when it is installed, else a JSON file beside the path (and
 * the journal says what to install). `null` keeps bindings in memory only.
 * No engine is needed at install time: users who never run the registrar
 * never compile anything.
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
  /** The SQLite module behind a 'sqlite' store. */
  readonly engine?: SqliteEngine;
  load(): { bindings: Binding[]; known: string[] };
  put(b: Binding): void;
  remove(aor: string, contact: string): void;
  known(aor: string): void;
  close(): void;
}

/** What node:sqlite's DatabaseSync and better-sqlite3's Database have in common (pragmas go through exec). */
interface SqliteDb {
  prepare(sql: string): { run(...a: unknown[]): unknown; all(...a: unknown[]): unknown[] };
  exec(sql: string): void;
  close(): void;
}

export type SqliteEngine = 'node:sqlite' | 'better-sqlite3';

interface SqliteOpener { engine: SqliteEngine; open(path: string): SqliteDb }

/**
 * node:sqlite, loaded without the ExperimentalWarning Node prints on its
 * first load (the user asked for a proxy, not for news about SQLite's
 * stability); null where this Node has no such module.
 */
async function loadNodeSqlite(): Promise<SqliteOpener | null> {
  const emit = process.emitWarning;
  process.emitWarning = ((w: string | Error, ...rest: unknown[]) => {
    const text = typeof w === 'string' ? w : w.message;
    if (/sqlite/i.test(text)) return;
    (emit as (...a: unknown[]) => void).call(process, w, ...rest);
  }) as typeof process.emitWarning;
  try {
    // A variable specifier: @types/node 20 does not declare the module, and Node 20 lacks it.
    const spec = 'node:sqlite';
    const m = (await import(spec)) as { DatabaseSync?: new (p: string) => SqliteDb };
    const DatabaseSync = m.DatabaseSync;
    return DatabaseSync ? { engine: 'node:sqlite', open: (p) => new DatabaseSync(p) } : null;
  } catch {
    return null;
  } finally {
    process.emitWarning = emit;
  }
}

function loadBetterSqlite(): SqliteOpener | null {
  try {
    const Database = createRequire(import.meta.url)('better-sqlite3') as new (p: string) => SqliteDb;
    return { engine: 'better-sqlite3', open: (p) => new Database(p) };
  } catch {
    return null;
  }
}

let opener: Promise<SqliteOpener | null> | null = null;

/** The SQLite engine used for registrations: node:sqlite first (nothing to install), else better-sqlite3, else null. */
export function sqliteEngine(): Promise<SqliteOpener | null> {
  opener ??= loadNodeSqlite().then((o) => o ?? loadBetterSqlite());
  return opener;
}

/** What the journal says when neither engine loads. */
export const NO_SQLITE_NOTE = 'no SQLite engine: Node 22.13 or later has one built in (node:sqlite); on this Node, `npm install better-sqlite3` (an optional dependency; it may compile with python3, make and a C++ compiler)';

class SqliteStore implements BindingStore {
  readonly kind = 'sqlite' as const;
  private readonly db: SqliteDb;
  private readonly putStmt;
  private readonly delStmt;
  private readonly knownStmt;
  readonly engine: SqliteEngine;
  constructor(readonly path: string, o: SqliteOpener) {
    this.engine = o.engine;
    this.db = o.open(path);
    this.db.exec('PRAGMA journal_mode = WAL');
    this.db.exec('PRAGMA synchronous = NORMAL');
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

/** Fallback when no SQLite engine is available: the whole table rewritten atomically on change. */
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

/** Open the registrations store: SQLite when an engine loads (sqliteEngine()), else a JSON file beside the path. */
export async function openStore(path: string, onNote?: (s: string) => void, engine?: SqliteOpener | null): Promise<BindingStore> {
  const o = engine === undefined ? await sqliteEngine() : engine;
  if (!o) onNote?.(`${NO_SQLITE_NOTE}; registrations kept in ${path}.json`);
  else {
    try { return new SqliteStore(path, o); } catch (e) {
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
