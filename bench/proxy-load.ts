/**
 * Load bench for `sipflow proxy` (not part of npm test):
 *
 *   npm run build && node dist/bench/proxy-load.js [rate=200] [seconds=30] [--record]
 *
 * Starts the proxy as its own process on 127.0.0.1 (so its memory is its own),
 * registers bob with sipp, runs bob's sipp as the callee and alice's sipp as
 * the caller at `rate` calls/s for `seconds` (INVITE, 180, 200, ACK, BYE, 200
 * through the proxy; each call held 500 ms), samples the proxy's RSS every
 * second, and prints calls/s reached, failed calls and the RSS curve.
 * Only loopback addresses are used; every sipp run is bounded by -m and -timeout.
 */
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, findSipp, freePorts, runSipp, sleep } from '../test/helpers/sipp-runner.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const rate = Number(args[0] ?? 200);
const seconds = Number(args[1] ?? 30);
const record = process.argv.includes('--record');
const calls = rate * seconds;

if (!findSipp()) { console.error('proxy-load: sipp is not installed'); process.exit(2); }
const work = mkdtempSync(join(tmpdir(), 'sipflow-load-'));
const [proxyPort, alice, bob] = await freePorts(3) as [number, number, number];
const trace = join(work, 'load.pcapng');
const proxy = spawn(process.execPath, [join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'proxy', '--listen', `127.0.0.1:${proxyPort}`,
  '--no-db', '--quiet', '--stats', '1', '--journal', join(work, 'journal.log'), ...(record ? ['--record', trace] : [])], { stdio: ['ignore', 'ignore', 'pipe'] });
let proxyErr = '';
proxy.stderr!.on('data', (d: Buffer) => { proxyErr += d.toString(); });
await sleep(800);

function rssMB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}
function cpuTicks(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(f[11]) + Number(f[12]);
}

const reg = await runSipp({ scenario: 'register.xml', proxyPort, localPort: bob, service: 'bob', keys: { expires: 3600 }, timeoutS: 10, cwd: work });
if (reg.code !== 0) { console.error('registration failed', reg.stderr); proxy.kill('SIGINT'); process.exit(1); }

const samples: { t: number; rss: number }[] = [];
const t0 = Date.now();
const cpu0 = cpuTicks(proxy.pid!);
const sampler = setInterval(() => { try { samples.push({ t: Math.round((Date.now() - t0) / 1000), rss: rssMB(proxy.pid!) }); } catch { /* gone */ } }, 1000);

const uas = runSipp({ scenario: 'uas-answer.xml', proxyPort, localPort: bob, calls, timeoutS: seconds + 40, cwd: work, extra: ['-trace_stat', '-fd', '1', '-buff_size', '4194304'] });
await sleep(300);
const uac = await runSipp({
  scenario: 'uac-call.xml', proxyPort, localPort: alice, service: 'bob', keys: { caller: 'alice' }, calls, rate, limit: rate * 5,
  pauseMs: 500, timeoutS: seconds + 30, cwd: work, extra: ['-trace_stat', '-fd', '1', '-timeout_error', '-buff_size', '4194304'],
});
const elapsed = (Date.now() - t0) / 1000;
const uasR = await Promise.race([uas, sleep(5000).then(() => null)]);
clearInterval(sampler);
const cpuS = (cpuTicks(proxy.pid!) - cpu0) / 100;
proxy.kill('SIGINT');
await new Promise((r) => proxy.on('close', r));

/** The last value of a counter in sipp's final statistics screen. */
function counter(out: string, name: string): number | null {
  const re = new RegExp(`${name}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`, 'g');
  let m: RegExpExecArray | null, last: number | null = null;
  while ((m = re.exec(out)) !== null) last = Number(m[2]);
  return last;
}
const ok = counter(uac.stdout, 'Successful call');
const failed = counter(uac.stdout, 'Failed call');
const stats = /stopping \(SIGINT\): (.*)/.exec(proxyErr)?.[1] ?? '';
console.log(`sipflow proxy load: ${calls} calls offered at ${rate} calls/s (${seconds} s), each held 500 ms, recording ${record ? 'on' : 'off'}`);
console.log(`caller sipp exit ${uac.code}, callee sipp exit ${uasR?.code ?? 'still running'}`);
console.log(`successful calls ${ok}, failed calls ${failed}, wall ${elapsed.toFixed(1)} s -> ${ok !== null ? (ok / (elapsed - 0.5)).toFixed(1) : '?'} calls/s completed`);
console.log(`proxy CPU ${cpuS.toFixed(1)} s (${(100 * cpuS / elapsed).toFixed(0)}% of one core); ${stats}`);
if (record) console.log(`trace ${Math.round(statSync(trace).size / 1048576)} MB`);
console.log(`proxy RSS (MB) each second: ${samples.map((s) => s.rss).join(' ')}`);
const peak = Math.max(...samples.map((s) => s.rss));
console.log(`RSS first ${samples[0]?.rss} MB, peak ${peak} MB, last ${samples[samples.length - 1]?.rss} MB`);
const lags = [...readFileSync(join(work, 'journal.log'), 'utf8').matchAll(/max event-loop delay (\d+) ms/g)].map((m) => Number(m[1]));
console.log(`proxy event-loop delay, max per second (ms): ${lags.join(' ')}`);
const screens = uac.stdout.split('Test Terminated');
const last = screens.length > 2 ? screens[screens.length - 3]! : uac.stdout;
const table = last.slice(last.lastIndexOf('Messages  Retrans') - 40);
console.log(`caller's last sipp screen (retransmissions, timeouts, unexpected messages):\n${table.trim()}`);
rmSync(work, { recursive: true, force: true });
