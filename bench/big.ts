/**
 * Memory at any size: `sipflow analyze --ndjson` and `--json` on a 4 GB
 * synthetic capture, peak RSS against the targets (ndjson < 150 MB,
 * json < 300 MB). Opt-in, not part of `npm run bench` or the tests: writing
 * the capture takes minutes (16.3 M frames), each analysis about a minute of CPU.
 *
 *   npm run build && node dist/bench/big.js [--file F] [--frames N] [--keep]
 *
 * Without --file it writes bench/out/synthetic-big.pcapng with
 * bench/synthetic.ts and deletes it afterwards unless --keep is given.
 * Each run is a child under /usr/bin/time -v (peak RSS of the process).
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateSynthetic } from './synthetic.js';
import { arg, checkArgs, measureChild } from './measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** About 4 GB of the synthetic mix (250 bytes a frame on average). */
const DEFAULT_FRAMES = 16_300_000;
const TARGET_MB: Record<string, number> = { '--ndjson': 150, '--json': 300 };

checkArgs(`node dist/bench/big.js [--file F] [--frames N] [--keep]
  analyze --ndjson and --json on a 4 GB synthetic capture (written first unless --file): peak RSS`,
  { '--file': true, '--frames': true, '--keep': false });
const given = arg('--file');
const file = given ? resolve(given) : join(OUT, 'synthetic-big.pcapng');
if (!given) {
  mkdirSync(OUT, { recursive: true });
  const frames = Number(arg('--frames') ?? DEFAULT_FRAMES);
  process.stderr.write(`writing ${file} (${frames} frames)...\n`);
  const t0 = performance.now();
  const s = generateSynthetic({ path: file, frames, seed: 1, onProgress: (n) => { if (n % 1_000_000 === 0) process.stderr.write(`\r  ${n} frames`); } });
  process.stderr.write(`\r  ${s.frames} frames, ${(s.bytes / 1e9).toFixed(2)} GB, ${s.calls} calls, ${s.rtpStreams} streams in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
}
const gb = statSync(file).size / 1e9;
console.log(`${file}: ${gb.toFixed(2)} GB; load average ${loadavg()[0]!.toFixed(1)} on entry`);
let ok = true;
for (const mode of ['--ndjson', '--json']) {
  const m = measureChild([process.execPath, CLI, 'analyze', mode, file]);
  const target = TARGET_MB[mode]!;
  const met = m.status === 0 && m.rssMb !== null && m.rssMb < target;
  ok &&= met;
  console.log(`analyze ${mode.padEnd(8)} ${m.wallS.toFixed(1)} s wall, ${m.cpuS?.toFixed(1) ?? '?'} s CPU, peak RSS ${m.rssMb?.toFixed(0) ?? '?'} MB (target < ${target} MB: ${met ? 'met' : 'missed'})${m.status === 0 ? '' : ` exit ${m.status}: ${m.stderr.split('\n')[0]}`}`);
}
if (!given && !process.argv.includes('--keep')) rmSync(file, { force: true });
process.exitCode = ok ? 0 : 1;
