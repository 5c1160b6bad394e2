/** `sipflow proxy` as a library: start a proxy from options, stop it cleanly. */
import { mkdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname } from 'node:path';
import { endpoint } from '../net/addr.js';
import { loadUsers, type DigestAlgorithm } from './digest.js';
import { LocationService, openStore, type BindingStore } from './location.js';
import { Journal, type JournalFormat, type JournalEntry } from './journal.js';
import { Recorder, type RecordLink } from './recorder.js';
import { SipProxy, type ProxyLimits, type ProxyTimers } from './proxy.js';

export { SipProxy } from './proxy.js';
export { Recorder } from './recorder.js';
export { Journal } from './journal.js';
export { defaultRegistrationsFile, DEFAULT_REGISTRATIONS_HELP } from './state-dir.js';
export { explainStartError } from './errors.js';
export { parseAlgorithms } from './digest.js';

export interface ProxyOptions {
  listen?: string;
  advertise?: string;
  domain?: string | null;
  usersFile?: string | null;
  users?: Map<string, string> | null;
  realm?: string;
  /**
   * SQLite file for registrations (its folder is created); null or absent:
   * memory only. The command's default is defaultRegistrationsFile().
   */
  db?: string | null;
  record?: string | null;
  /** Replace the trace file when it exists (else the next free name is used). */
  force?: boolean;
  rotateSizeMB?: number;
  rotateTimeS?: number;
  link?: RecordLink;
  journal?: string | null;
  journalFormat?: JournalFormat;
  /** Write journal lines to stderr (default true). */
  journalStderr?: boolean;
  onJournal?(e: JournalEntry): void;
  reasons?: Record<number, string>;
  mediaRelay?: boolean;
  relayPorts?: string;
  timers?: Partial<ProxyTimers>;
  limits?: Partial<ProxyLimits>;
  expires?: { default: number; min: number; max: number };
  /** With users: authenticated users may reach other domains (`--allow-relay`). */
  allowRelay?: boolean;
  /** Digest algorithms offered, in order (`--digest-algorithms`). */
  digestAlgorithms?: DigestAlgorithm[];
}

export interface RunningProxy {
  proxy: SipProxy;
  recorder: Recorder | null;
  journal: Journal;
  host: string;
  port: number;
  /** Stop the proxy, close the trace and the journal. */
  stop(): Promise<void>;
}

/** "127.0.0.1:5060", "[::1]:5070", "0.0.0.0", ":5080" -> host and port. */
export function parseListen(s: string): { host: string; port: number } {
  const m = /^\[([0-9a-fA-F:.]+)\](?::(\d+))?$/.exec(s) ?? /^([^:\s]*)(?::(\d+))?$/.exec(s);
  if (!m) throw new Error(`bad listen address "${s}" (expected host:port, [v6]:port)`);
  const port = m[2] === undefined ? 5060 : Number(m[2]);
  if (!(port >= 0 && port <= 65535)) throw new Error(`bad port in "${s}": expected a port from 1 to 65535 (0: any free port)`);
  return { host: m[1] || '127.0.0.1', port };
}

/** --advertise: an IP address (it is written into Via, Record-Route and SDP, where a typo breaks every call silently). */
export function checkAdvertise(s: string): string {
  if (isIP(s) === 0) throw new Error(`bad address "${s}": expected an IPv4 or IPv6 address (e.g. 192.0.2.10), the one peers reach this proxy at`);
  return s;
}

/** "30000-30100" -> bounds. */
export function parsePortRange(s: string): { portMin: number; portMax: number } {
  const m = /^(\d+)\s*-\s*(\d+)$/.exec(s.trim());
  if (!m) throw new Error(`bad port range "${s}" (expected LOW-HIGH)`);
  const portMin = Number(m[1]), portMax = Number(m[2]);
  if (portMin < 1024 || portMax > 65535 || portMax - portMin < 3) throw new Error(`port range "${s}" must be within 1024-65535 and hold at least two pairs`);
  return { portMin, portMax };
}

/** '200="OK - pohoda"' or '200=OK - pohoda' -> [200, "OK - pohoda"]. */
export function parseReason(s: string): [number, string] {
  const m = /^\s*(\d{3})\s*=\s*(.*)$/.exec(s);
  if (!m) throw new Error(`bad --reason "${s}" (expected CODE="text")`);
  let text = m[2]!.trim();
  if (text.length >= 2 && text.startsWith('"') && text.endsWith('"')) text = text.slice(1, -1);
  const code = Number(m[1]);
  if (code < 100 || code > 699) throw new Error(`bad status code in --reason "${s}"`);
  if (/[\r\n]/.test(text)) throw new Error('a reason phrase cannot contain line breaks');
  return [code, text];
}

/** The registrations store at `path`, its folder created first (the default one lives in a state folder that may not exist yet). */
async function openRegistrations(path: string, journal: Journal): Promise<BindingStore> {
  mkdirSync(dirname(path), { recursive: true });
  return openStore(path, (s) => journal.note(s));
}

export async function startProxy(o: ProxyOptions): Promise<RunningProxy> {
  const { host, port } = parseListen(o.listen ?? '127.0.0.1:5060');
  const journal = new Journal({ file: o.journal ?? null, format: o.journalFormat ?? 'text', stderr: o.journalStderr ?? true, onEntry: o.onJournal });
  const users = o.users ?? (o.usersFile ? loadUsers(o.usersFile) : null);
  const store = o.db ? await openRegistrations(o.db, journal) : null;
  const location = new LocationService(store, { maxAors: o.limits?.maxAors ?? 10000, maxBindingsPerAor: o.limits?.maxBindingsPerAor ?? 10 });
  const advertise = o.advertise !== undefined ? checkAdvertise(o.advertise) : host;
  const recorder = o.record ? new Recorder({
    path: o.record, link: o.link ?? 'ethernet',
    rotateBytes: o.rotateSizeMB ? Math.round(o.rotateSizeMB * 1024 * 1024) : 0,
    rotateSeconds: o.rotateTimeS ?? 0,
    comment: `listening on udp ${endpoint(host, port)}`, force: !!o.force,
  }) : null;
  const proxy = new SipProxy({
    host, port, advertise: advertise === '0.0.0.0' || advertise === '::' ? undefined : advertise,
    domain: o.domain ?? null, users, realm: o.realm ?? o.domain ?? 'sipflow', location, recorder, journal,
    reasons: o.reasons, relay: o.mediaRelay ? parsePortRange(o.relayPorts ?? '30000-30100') : null,
    timers: o.timers, limits: o.limits, expires: o.expires, allowRelay: o.allowRelay, digestAlgorithms: o.digestAlgorithms,
  });
  let bound: number;
  try {
    bound = await proxy.start();
  } catch (e) {
    recorder?.close();
    journal.close();
    location.close();
    throw e;
  }
  let stopped = false;
  return {
    proxy, recorder, journal, host, port: bound,
    async stop() {
      if (stopped) return;
      stopped = true;
      await proxy.stop();
      recorder?.close();
      journal.close();
    },
  };
}
