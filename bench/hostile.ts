/**
 * Hostile files at size (issue 19): "a 1 GB hostile file cannot take more than
 * ~1 GB of memory or more than ~10x the time of a benign file of the same
 * size". Writes a capture of each flood class of the fuzz harness
 * (test/helpers/fuzz.ts, streamed to disk) and a benign synthetic capture
 * (bench/synthetic.ts) of about the same size, runs the CLI on each as a child
 * under /usr/bin/time -v and prints wall, CPU (user + system) and peak RSS,
 * with the CPU ratio to the benign file.
 *
 *   npm run build && node dist/bench/hostile.js [--size MB] [--only calls,ssrc,...]
 *       [--commands analyze,report,ladder] [--dir DIR] [--keep]
 *
 * --size: bytes of each capture in MB (default 1000). Classes: benign, calls
 * (INVITEs with SDP, a new Call-ID each), ssrc (RTP, a new SSRC each),
 * fragments (IPv4 fragments, a third never completed), tcp (a new TCP
 * connection each, a partial SIP message), interfaces (pcapng interface
 * blocks). Commands: `analyze --json` (stdout to /dev/null), `report -o`,
 * `ladder` (text, INVITE calls; run on the call flood and the benign file
 * only). The captures go to DIR (default bench/out/hostile, gitignored) and
 * are deleted afterwards unless --keep is given; a capture of the right size
 * that is already there (from --keep) is reused.
 */
import { existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileSink, PcapngWriter } from '../src/capture/writer.js';
import {
  fragmentFlood, interfaceFlood, ssrcFlood, tcpFlood,
  writeCallFlood, writeFragmentFlood, writeInterfaceFlood, writeSsrcFlood, writeTcpFlood,
} from '../test/helpers/fuzz.js';
import { generateSynthetic } from './synthetic.js';
import { arg, checkArgs, measureChild, type ChildMeasure } from './measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface FloodClass {
  name: string;
  /** The bytes of a small one (n entities), to size the big one from. */
  sample(n: number): Uint8Array;
  write(w: PcapngWriter, n: number): void;
}

const SAMPLE = 4000;
const FLOODS: FloodClass[] = [
  { name: 'calls', sample: (n) => { const w = new PcapngWriter(); writeCallFlood(w, n, true); return w.toBytes(); }, write: (w, n) => writeCallFlood(w, n, true) },
  { name: 'ssrc', sample: ssrcFlood, write: writeSsrcFlood },
  { name: 'fragments', sample: fragmentFlood, write: writeFragmentFlood },
  { name: 'tcp', sample: tcpFlood, write: writeTcpFlood },
  { name: 'interfaces', sample: interfaceFlood, write: (w, n) => writeInterfaceFlood(w, n) },
];
/** Average bytes per frame of the synthetic mix. */
const SYNTHETIC_FRAME_BYTES = 254;

checkArgs(`node dist/bench/hostile.js [--size MB] [--only calls,ssrc,fragments,tcp,interfaces] [--commands analyze,report,ladder] [--dir DIR] [--keep]
  writes a benign capture and one of each flood class of --size MB (default 1000) and measures sipflow on each`,
  { '--size': true, '--only': true, '--commands': true, '--dir': true, '--keep': false });
const sizeMb = Number(arg('--size') ?? 1000);
if (!(sizeMb > 0)) throw new Error('--size wants a number of MB');
const target = sizeMb * 1e6;
const only = arg('--only')?.split(',');
const commands = arg('--commands')?.split(',') ?? ['analyze', 'report', 'ladder'];
const dir = resolve(arg('--dir') ?? join(ROOT, 'bench', 'out', 'hostile'));
const keep = process.argv.includes('--keep');
mkdirSync(dir, { recursive: true });

const classes = ['benign', ...FLOODS.map((f) => f.name)].filter((c) => !only || only.includes(c) || c === 'benign');
const near = (path: string) => existsSync(path) && Math.abs(statSync(path).size - target) < target * 0.05;

/** Write (or reuse) the capture of one class; returns its path and what it holds. */
function capture(cls: string): { path: string; what: string } {
  const path = join(dir, `${cls}-${sizeMb}MB.pcapng`);
  const t0 = performance.now();
  let what: string;
  if (cls === 'benign') {
    const frames = Math.round(target / SYNTHETIC_FRAME_BYTES);
    what = `${frames} frames of bench/synthetic.ts`;
    if (!near(path)) generateSynthetic({ path, frames, seed: 1 });
  } else {
    const f = FLOODS.find((x) => x.name === cls)!;
    // What one more entity adds (a class's fixed part, such as the interface flood's packets, left out).
    const per = (f.sample(2 * SAMPLE).length - f.sample(SAMPLE).length) / SAMPLE;
    const n = Math.round(target / per);
    what = `n = ${n}`;
    if (!near(path)) {
      const sink = new FileSink(path, { bufferBytes: 1 << 20 });
      const w = new PcapngWriter(sink, { application: 'sipflow bench/hostile.ts', comment: `${cls} flood, n = ${n}` });
      f.write(w, n);
      sink.close();
    }
  }
  process.stderr.write(`${path}: ${(statSync(path).size / 1e6).toFixed(0)} MB, ${what} (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
  return { path, what };
}

interface Row { cls: string; cmd: string; m: ChildMeasure }
const rows: Row[] = [];
const runs = (cls: string) => commands.filter((c) => c !== 'ladder' || cls === 'calls' || cls === 'benign');

console.log(`hostile captures of ~${sizeMb} MB each; load average ${loadavg()[0]!.toFixed(1)} on entry`);
for (const cls of classes) {
  const { path } = capture(cls);
  for (const cmd of runs(cls)) {
    const html = join(dir, `${cls}.html`);
    const argv = cmd === 'analyze' ? ['analyze', '--json', path] : cmd === 'report' ? ['report', '-o', html, path] : ['ladder', path];
    const m = measureChild([process.execPath, CLI, ...argv]);
    rmSync(html, { force: true });
    rows.push({ cls, cmd, m });
    const base = rows.find((r) => r.cls === 'benign' && r.cmd === cmd)?.m;
    const ratio = base?.cpuS && m.cpuS ? `${(m.cpuS / base.cpuS).toFixed(1)}x` : '';
    const warn = m.stderr.split('\n').filter((l) => /limit/.test(l)).length;
    console.log(`${cls.padEnd(10)} ${cmd.padEnd(7)} ${m.wallS.toFixed(1).padStart(7)} s wall ${m.cpuS?.toFixed(1).padStart(7) ?? '      ?'} s CPU ${m.rssMb?.toFixed(0).padStart(6) ?? '     ?'} MB  ${ratio.padStart(6)}${m.status === 0 ? '' : `  exit ${m.status}: ${m.stderr.split('\n')[0]}`}${warn ? `  (${warn} limit warning lines)` : ''}`);
  }
  if (!keep) rmSync(path, { force: true });
}

console.log('\n| class | command | wall s | CPU s | peak RSS MB | CPU ratio to benign |');
console.log('|:--|:--|--:|--:|--:|--:|');
for (const r of rows) {
  const base = rows.find((x) => x.cls === 'benign' && x.cmd === r.cmd)?.m;
  const ratio = base?.cpuS && r.m.cpuS ? (r.m.cpuS / base.cpuS).toFixed(1) : '';
  console.log(`| ${r.cls} | ${r.cmd} | ${r.m.wallS.toFixed(1)} | ${r.m.cpuS?.toFixed(1) ?? '?'} | ${r.m.rssMb?.toFixed(0) ?? '?'} | ${ratio} |`);
}
const bad = rows.filter((r) => r.cls !== 'benign' && (r.m.status !== 0 || (r.m.rssMb ?? 0) > 1024 || (r.m.cpuS ?? 0) > 10 * (rows.find((x) => x.cls === 'benign' && x.cmd === r.cmd)?.m.cpuS ?? Infinity)));
if (bad.length) console.log(`\nover the bounds (~1 GB RSS, ~10x benign CPU, exit 0): ${bad.map((r) => `${r.cls} ${r.cmd}`).join(', ')}`);
process.exitCode = bad.length ? 1 : 0;
