/**
 * Load bench for `sipflow proxy` (not part of npm test):
 *
 *   npm run build && node dist/bench/proxy-load.js [rate=200] [seconds=30] [--record] [--auth] [--junk=N] [--prof=DIR] [--keep]
 *
 * Starts the proxy as its own process on 127.0.0.1 (so its memory is its own),
 * registers bob with sipp, runs bob's sipp as the callee and alice's sipp as
 * the caller at `rate` calls/s for `seconds` (INVITE, 180, 200, ACK, BYE, 200
 * through the proxy; each call held 500 ms), samples the proxy's RSS every
 * second, and prints calls/s reached, failed calls, the proxy's CPU and the RSS curve.
 *
 * --auth runs the load test's conditions (test/integration/proxy-load.test.ts):
 * digest authentication (INVITE, 407, ACK, INVITE with credentials), T1 250 ms,
 * a callee that lingers 16xT1 after the BYE; --junk=N adds N malformed
 * datagrams a second (the test sends 1000); --prof=DIR writes the proxy's
 * V8 CPU profile there (--cpu-prof) when it stops; --keep keeps the trace and journal.
 * Only loopback addresses are used; every sipp run is bounded by -m and -timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PASSWORDS, ROOT, USERS_FILE, findSipp, freePorts, runSipp, sleep } from '../test/helpers/sipp-runner.js';
import { counter, flood, lingeringCallee } from '../test/helpers/proxy-load.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flag = (name: string): string | undefined => process.argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`))?.replace(/^[^=]*=?/, '');
const rate = Number(args[0] ?? 200);
const seconds = Number(args[1] ?? 30);
const record = flag('record') !== undefined;
const auth = flag('auth') !== undefined;
const junkPerSecond = Number(flag('junk') ?? 0);
const profDir = flag('prof');
const T1 = 250;
const calls = rate * seconds;

if (!findSipp()) { console.error('proxy-load: sipp is not installed'); process.exit(2); }
const work = mkdtempSync(join(tmpdir(), 'sipflow-load-'));
const [proxyPort, alice, bob] = await freePorts(3) as [number, number, number];
const trace = join(work, 'load.pcapng');
const proxy = spawn(process.execPath, [...(profDir ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'proxy',
  '--listen', `127.0.0.1:${proxyPort}`, '--no-db', '--quiet', '--stats', '1', '--journal', join(work, 'journal.log'), ...(record ? ['--record', trace] : []),
  ...(auth ? ['--users', USERS_FILE, '--realm', 'sipflow-lab', '--digest-algorithms', 'MD5,SHA-256', '--timer-t1', String(T1)] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
let proxyErr = '';
proxy.stderr!.on('data', (d: Buffer) => { proxyErr += d.toString(); });
await sleep(800);

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
/** CPU time (user + system, in 10 ms ticks) of a process, or of one of its threads (/proc/PID/task/TID). */
function cpuTicks(pid: number, tid?: number, which: 'user' | 'system' | 'both' = 'both'): number {
  const f = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (which === 'system' ? 0 : Number(f[11])) + (which === 'user' ? 0 : Number(f[12]));
}

const reg = await runSipp({
  scenario: auth ? 'register-auth.xml' : 'register.xml', proxyPort, localPort: bob, service: 'bob', keys: { expires: 3600 }, timeoutS: 10, cwd: work,
  ...(auth ? { auth: { user: 'bob', password: PASSWORDS['bob']! } } : {}),
});
if (reg.code !== 0) { console.error('registration failed', reg.stderr); proxy.kill('SIGINT'); process.exit(1); }

const samples: { t: number; rss: number }[] = [];
const t0 = Date.now();
const cpu0 = cpuTicks(proxy.pid!), main0 = cpuTicks(proxy.pid!, proxy.pid!), mainSys0 = cpuTicks(proxy.pid!, proxy.pid!, 'system');
const sampler = setInterval(() => { try { samples.push({ t: Math.round((Date.now() - t0) / 1000), rss: rssMB(proxy.pid!) }); } catch { /* gone */ } }, 1000);

const junk = junkPerSecond > 0 ? flood(proxyPort, junkPerSecond) : null;
// With authentication the callee has headroom (as in the load test: sipp in server mode makes a call of every unknown Call-ID) and is stopped once the caller is done.
let callee: ChildProcess | null = null;
const uas = runSipp({ scenario: auth ? lingeringCallee(work, T1) : 'uas-answer.xml', proxyPort, localPort: bob, calls: auth ? calls * 3 : calls, onStart: (c) => { callee = c; }, timeoutS: seconds + 40, cwd: work, extra: ['-trace_stat', '-fd', '1', '-buff_size', '4194304'] });
await sleep(300);
const uac = await runSipp({
  scenario: auth ? 'uac-auth-call.xml' : 'uac-call.xml', proxyPort, localPort: alice, service: 'bob', keys: { caller: 'alice' }, calls, rate, limit: rate * 5,
  ...(auth ? { auth: { user: 'alice', password: PASSWORDS['alice']!, uri: `bob@127.0.0.1:${proxyPort}` } } : {}),
  pauseMs: 500, timeoutS: seconds + 30, cwd: work, extra: ['-trace_stat', '-fd', '1', '-timeout_error', '-buff_size', '4194304'],
});
const elapsed = (Date.now() - t0) / 1000;
const junkSent = junk ? await junk.stop() : 0;
if (auth) { (callee as ChildProcess | null)?.kill('SIGUSR1'); await sleep(200); (callee as ChildProcess | null)?.kill('SIGUSR1'); }
const uasR = await Promise.race([uas, sleep(5000).then(() => null)]);
if (!uasR) (callee as ChildProcess | null)?.kill('SIGKILL');
clearInterval(sampler);
const cpuS = (cpuTicks(proxy.pid!) - cpu0) / 100;
// The main thread is the one that must keep up (it reads the socket); the rest is V8's GC and compiler threads and libuv's pool.
const mainS = (cpuTicks(proxy.pid!, proxy.pid!) - main0) / 100, mainSysS = (cpuTicks(proxy.pid!, proxy.pid!, 'system') - mainSys0) / 100;
proxy.kill('SIGINT');
await new Promise((r) => proxy.on('close', r));

const ok = counter(uac.stdout, 'Successful call');
const failed = counter(uac.stdout, 'Failed call');
const stats = /stopping \(SIGINT\): (.*)/.exec(proxyErr)?.[1] ?? '';
console.log(`sipflow proxy load: ${calls} calls offered at ${rate} calls/s (${seconds} s), each held 500 ms, recording ${record ? 'on' : 'off'}, authentication ${auth ? 'on' : 'off'}, ${junkSent} malformed datagrams`);
console.log(`caller sipp exit ${uac.code}, callee sipp exit ${uasR?.code ?? 'still running'}`);
console.log(`successful calls ${ok}, failed calls ${failed}, wall ${elapsed.toFixed(1)} s -> ${ok !== null ? (ok / (elapsed - 0.5)).toFixed(1) : '?'} calls/s completed`);
console.log(`proxy CPU ${cpuS.toFixed(1)} s (${(100 * cpuS / elapsed).toFixed(0)}% of one core), of which its main thread ${mainS.toFixed(1)} s (${(1000 * mainS / calls).toFixed(2)} ms per call offered, ${(100 * mainSysS / mainS).toFixed(0)}% of it in the kernel); ${stats}`);
if (record) console.log(`trace ${Math.round(statSync(trace).size / 1048576)} MB`);
const drops = [...readFileSync(join(work, 'journal.log'), 'utf8').matchAll(/dropped by the kernel \(receive queue full\): (\d+)/g)].at(-1)?.[1];
console.log(`datagrams the kernel dropped at the proxy's socket: ${drops ?? 'not known here'}`);
console.log(`proxy RSS (MB) each second: ${samples.map((s) => s.rss).join(' ')}`);
const peak = Math.max(...samples.map((s) => s.rss));
console.log(`RSS first ${samples[0]?.rss} MB, peak ${peak} MB, last ${samples[samples.length - 1]?.rss} MB`);
const lags = [...readFileSync(join(work, 'journal.log'), 'utf8').matchAll(/max event-loop delay (\d+) ms/g)].map((m) => Number(m[1]));
console.log(`proxy event-loop delay, max per second (ms): ${lags.join(' ')}`);
const busy = [...readFileSync(join(work, 'journal.log'), 'utf8').matchAll(/event loop busy (\d+) %/g)].map((m) => Number(m[1]));
console.log(`proxy event loop busy each second (%; near 100 the socket's queue fills): ${busy.join(' ')}`);
const screens = uac.stdout.split('Test Terminated');
const last = screens.length > 2 ? screens[screens.length - 3]! : uac.stdout;
const table = last.slice(last.lastIndexOf('Messages  Retrans') - 40);
console.log(`caller's last sipp screen (retransmissions, timeouts, unexpected messages):\n${table.trim()}`);
if (flag('keep') !== undefined) console.log(`kept ${work} (load.pcapng, journal.log)`); else rmSync(work, { recursive: true, force: true });
