/**
 * Drives the proxy with real SIP user agents: sipp (Debian `sip-tester`)
 * scenarios from test/sipp/, caller and callee on 127.0.0.1 with their own
 * ports, the proxy in this process recording a pcapng trace. Shared by the
 * integration tests, `npm run record-fixtures` and the load bench.
 *
 * Only loopback addresses are ever used; every sipp run is bounded by a call
 * count (-m) and a global timeout (-timeout), so it stops by itself.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProxy, type ProxyOptions, type RunningProxy } from '../../src/proxy/index.js';
import type { JournalEntry } from '../../src/proxy/journal.js';

/** Project root, from dist/test/helpers/ or test/helpers/. */
export const ROOT = (() => {
  let d = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) { if (existsSync(join(d, 'package.json'))) return d; d = dirname(d); }
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
})();
export const SIPP_DIR = join(ROOT, 'test', 'sipp');
export const USERS_FILE = join(SIPP_DIR, 'users.txt');
export const LOOPBACK = '127.0.0.1';

/** Path of the sipp binary, or null when it is not installed. */
export function findSipp(): string | null {
  for (const p of [process.env.SIPP, '/usr/bin/sipp', '/usr/local/bin/sipp']) if (p && existsSync(p)) return p;
  const r = spawnSync('sh', ['-c', 'command -v sipp'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

/** A free UDP port on 127.0.0.1 (bound then released; sipp binds it right after). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createSocket('udp4');
    s.once('error', rej);
    s.bind(0, LOOPBACK, () => { const p = s.address().port; s.close(() => res(p)); });
  });
}

/** A pair of free ports p, p+1... sipp's media port lives beside its SIP port; keep them apart. */
export async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  while (out.length < n) {
    const p = await freePort();
    if (!out.some((q) => Math.abs(q - p) < 8)) out.push(p);
  }
  return out;
}

export interface SippRun {
  /** A file of test/sipp/, or an absolute path (a scenario the test wrote). */
  scenario: string;
  /** The proxy's port on 127.0.0.1 (sipp's remote address). */
  proxyPort: number;
  localPort: number;
  /** -s: the user called or registered. */
  service?: string;
  keys?: Record<string, string | number>;
  /** -au / -ap, and -auth_uri (without "sip:", sipp adds it): sipp's digest uri is "sip:remote" unless told; the proxy wants the Request-URI. */
  auth?: { user: string; password: string; uri?: string };
  calls?: number;
  rate?: number;
  /** Concurrent calls limit (-l). */
  limit?: number;
  timeoutS?: number;
  pauseMs?: number;
  extra?: string[];
  cwd?: string;
  /** Given the sipp process once started (to signal it: SIGUSR1 twice makes sipp stop at once and print its counters). */
  onStart?: (child: ChildProcess) => void;
}

export interface SippResult { code: number; stdout: string; stderr: string; args: string[]; /** The signal that ended it, when one did. */ signal: string | null }

/** Run one sipp process to its end (bounded by -m and -timeout). */
export function runSipp(r: SippRun): Promise<SippResult> {
  const sipp = findSipp();
  if (!sipp) return Promise.reject(new Error('sipp is not installed'));
  const args = [
    `${LOOPBACK}:${r.proxyPort}`, '-sf', isAbsolute(r.scenario) ? r.scenario : join(SIPP_DIR, r.scenario), '-i', LOOPBACK, '-p', String(r.localPort),
    '-mi', LOOPBACK, '-m', String(r.calls ?? 1), '-timeout', `${r.timeoutS ?? 20}s`, '-nostdin', '-max_recv_loops', '10000',
  ];
  if (r.service) args.push('-s', r.service);
  for (const [k, v] of Object.entries(r.keys ?? {})) args.push('-key', k, String(v));
  if (r.auth) args.push('-au', r.auth.user, '-ap', r.auth.password, ...(r.auth.uri ? ['-auth_uri', r.auth.uri] : []));
  if (r.rate) args.push('-r', String(r.rate));
  if (r.limit) args.push('-l', String(r.limit));
  if (r.pauseMs !== undefined) args.push('-d', String(r.pauseMs));
  args.push(...(r.extra ?? []));
  return new Promise((res) => {
    const child = spawn(sipp, args, { cwd: r.cwd ?? tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    r.onStart?.(child);
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); if (stdout.length > 1 << 20) stdout = stdout.slice(-(1 << 19)); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); if (stderr.length > 1 << 20) stderr = stderr.slice(-(1 << 19)); });
    // sipp's own -timeout ends it; this is a last resort.
    const guard = setTimeout(() => child.kill('SIGKILL'), ((r.timeoutS ?? 20) + 15) * 1000);
    child.on('close', (code, signal) => { clearTimeout(guard); res({ code: code ?? -1, stdout, stderr, args, signal }); });
  });
}

/** One lab scenario: who registers, what the callee (UAS) and the caller (UAC) play. */
export interface LabScenario {
  description: string;
  /** Callee scenario; omitted for registration-only scenarios. */
  uas?: string;
  /** Caller scenario (or the registration scenario). */
  uac: string;
  uacKeys?: Record<string, string | number>;
  /** Digest authentication on (users from test/sipp/users.txt). */
  auth?: boolean;
  /** Unregister the caller's registration afterwards (registration scenario). */
  unregister?: boolean;
}

export const PASSWORDS: Record<string, string> = { alice: 'alice-secret', bob: 'bob-secret', carol: 'carol-secret' };

export const LAB_SCENARIOS: Record<string, LabScenario> = {
  register: { description: 'alice registers, then unregisters (Expires: 0)', uac: 'register.xml', unregister: true },
  call: { description: 'alice calls bob, bob answers, alice hangs up', uas: 'uas-answer.xml', uac: 'uac-call.xml' },
  cancel: { description: 'alice calls bob, bob rings, alice cancels', uas: 'uas-cancel.xml', uac: 'uac-cancel.xml' },
  decline: { description: 'alice calls bob, bob rings and declines (603)', uas: 'uas-decline.xml', uac: 'uac-decline.xml' },
  busy: { description: 'alice calls bob, bob is busy (486)', uas: 'uas-busy.xml', uac: 'uac-busy.xml' },
  video: { description: 'alice calls bob with audio, then adds video with a re-INVITE', uas: 'uas-reinvite-video.xml', uac: 'uac-reinvite-video.xml' },
  transfer: { description: 'alice calls bob, then REFERs him to carol (blind transfer); bob NOTIFYs', uas: 'uas-refer.xml', uac: 'uac-refer.xml', uacKeys: { target: 'carol' } },
  auth: { description: 'digest authentication: bob registers (401 then 200), alice calls (407 then 200)', uas: 'uas-answer.xml', uac: 'uac-auth-call.xml', auth: true },
};

export interface LabResult {
  trace: string;
  journal: JournalEntry[];
  uac: SippResult;
  uas: SippResult | null;
  registrations: SippResult[];
  proxyPort: number;
  ports: { alice: number; bob: number };
}

/**
 * Run a lab scenario through a fresh proxy that records to `trace`:
 * bob registers (unless registration is the scenario), bob's sipp waits as
 * the callee, alice's sipp calls bob@proxy.
 */
export async function runLabScenario(name: string, trace: string, opts: { pauseMs?: number; proxy?: Partial<ProxyOptions> } = {}): Promise<LabResult> {
  const sc = LAB_SCENARIOS[name];
  if (!sc) throw new Error(`unknown scenario ${name}`);
  const work = mkdtempSync(join(tmpdir(), 'sipflow-sipp-'));
  const journal: JournalEntry[] = [];
  const [alice, bob] = await freePorts(2) as [number, number];
  let running: RunningProxy | null = null;
  try {
    running = await startProxy({
      listen: `${LOOPBACK}:0`, db: null, record: trace, journalStderr: false, onJournal: (e) => journal.push(e),
      usersFile: sc.auth ? USERS_FILE : null, realm: 'sipflow-lab',
      // sipp 3.6 answers only the first challenge and knows only MD5 among digest algorithms.
      digestAlgorithms: ['MD5', 'SHA-256'], ...(opts.proxy ?? {}),
    });
    const proxyPort = running.port;
    const registrations: SippResult[] = [];
    const reg = (user: string, port: number, expires: number) => runSipp({
      scenario: sc.auth ? 'register-auth.xml' : 'register.xml', proxyPort, localPort: port, service: user,
      keys: { expires }, auth: sc.auth ? { user, password: PASSWORDS[user]! } : undefined, timeoutS: 10, cwd: work,
    });
    if (!sc.uas) {
      const r1 = await reg('alice', alice, 3600);
      const uac = r1;
      registrations.push(r1);
      if (sc.unregister) registrations.push(await reg('alice', alice, 0));
      return { trace, journal, uac, uas: null, registrations, proxyPort, ports: { alice, bob } };
    }
    registrations.push(await reg('bob', bob, 3600));
    const uasP = runSipp({ scenario: sc.uas, proxyPort, localPort: bob, timeoutS: 20, cwd: work });
    await sleep(300); // let the callee's sipp bind its port
    const uac = await runSipp({
      scenario: sc.uac, proxyPort, localPort: alice, service: 'bob', keys: { caller: 'alice', ...(sc.uacKeys ?? {}) },
      auth: sc.auth ? { user: 'alice', password: PASSWORDS['alice']!, uri: `bob@${LOOPBACK}:${proxyPort}` } : undefined, pauseMs: opts.pauseMs ?? 300, timeoutS: 20, cwd: work,
    });
    const uas = await uasP;
    await sleep(100); // the last datagrams
    return { trace, journal, uac, uas, registrations, proxyPort, ports: { alice, bob } };
  } finally {
    await running?.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }
