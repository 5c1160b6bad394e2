/**
 * `sipflow extract` of one call out of a 1 GB capture, in bounded memory.
 *
 *   npm run build && node dist/bench/extract.js [--file F] [--frames N] [--seed S] [--compare]
 *
 * Writes bench/out/synthetic-N-S.pcapng with bench/synthetic.ts when missing
 * (default 4 100 000 frames, about 1 GB: several minutes), finds the Call-ID
 * of an answered call in the middle of it (a reader-only scan), then runs
 * `sipflow extract FILE --call-id ID -o bench/out/extract-one.pcapng` as a
 * child under /usr/bin/time -v and prints wall time, CPU and peak RSS; the
 * cut is checked (one call, its two streams). --compare also measures
 * `sipflow analyze FILE --json` (the first pass alone, as a reference) and
 * an extract of the same call from the capture cut in four rotated pieces
 * (--merge). Results also go to bench/out/extract-results.json. Not part of
 * the test suite: it takes minutes.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../src/capture/index.js';
import { analyze } from '../src/analyze.js';
import { generateSynthetic } from './synthetic.js';
import { arg, measureChild, type ChildMeasure } from './measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

interface Measured extends ChildMeasure { what: string }

/** One child measured (bench/measure.ts), named for the table. */
function measure(what: string, cmd: string[]): Measured {
  return { what, ...measureChild(cmd) };
}

/** The Call-ID of the INVITE with SDP found after `skipFrames` frames (a reader-only pass that stops there). */
async function pickCall(file: string, skipFrames: number): Promise<string> {
  let found: string | null = null;
  const marker = Buffer.from('INVITE sip:');
  try {
    await readCapture(file, {
      onFrame(f) {
        if (found || f.number < skipFrames) return;
        const b = Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength);
        const at = b.indexOf(marker);
        if (at < 0) return;
        const m = /\r\nCall-ID: ([^\r\n]+)/.exec(b.subarray(at).toString('latin1'));
        if (m) { found = m[1]!; throw new Found(); }
      },
      onWarning() {},
    });
  } catch (e) {
    if (!(e instanceof Found)) throw e;
  }
  if (!found) throw new Error(`no INVITE after frame ${skipFrames} in ${file}`);
  return found;
}
class Found extends Error {}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const frames = Number(arg('--frames') ?? 4_100_000);
  const seed = Number(arg('--seed') ?? 1);
  let file = arg('--file');
  if (!file) {
    file = join(OUT, `synthetic-${frames}-${seed}.pcapng`);
    if (!existsSync(file)) {
      process.stderr.write(`writing ${file} (${frames} frames)...\n`);
      const t0 = performance.now();
      const s = generateSynthetic({ path: file, frames, seed, onProgress: (n) => { if (n % 500_000 === 0) process.stderr.write(`  ${n} frames\n`); } });
      process.stderr.write(`  ${s.frames} frames, ${(s.bytes / 1e9).toFixed(2)} GB, ${s.calls} calls, ${s.rtpStreams} streams in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
    }
  }
  const size = statSync(file).size;
  const callId = await pickCall(file, Math.floor(frames / 2));
  const out = join(OUT, 'extract-one.pcapng');
  const runs: Measured[] = [];
  runs.push(measure(`sipflow extract --call-id ${callId}`, [process.execPath, CLI, 'extract', file, '--call-id', callId, '-o', out, '-q']));
  const cut = await analyze(out);
  const call = cut.calls.find((c) => c.callId === callId);
  const check = `cut: ${statSync(out).size} bytes, ${cut.capture.frames} frames, ${cut.calls.length} call(s) (${call?.state ?? 'missing'}, ${call?.sipPackets ?? 0} SIP), ${cut.rtpStreams.length} streams (${cut.rtpStreams.map((s) => s.packets).join(' + ')} packets)`;

  if (process.argv.includes('--compare')) {
    runs.push(measure('sipflow analyze --json (first pass alone)', [process.execPath, CLI, 'analyze', file, '--json', '-q']));
    const pieces = join(OUT, 'extract-pieces');
    rmSync(pieces, { recursive: true, force: true }); // pieces of an earlier run would be read too
    mkdirSync(pieces, { recursive: true });
    const editcap = spawnSync('editcap', ['-c', String(Math.ceil(frames / 4)), file, join(pieces, 'rot.pcapng')], { stdio: 'ignore' });
    if (editcap.status === 0) {
      runs.push(measure(`sipflow extract DIR (4 rotated pieces) --call-id ${callId}`, [process.execPath, CLI, 'extract', pieces, '--call-id', callId, '-o', join(OUT, 'extract-one-merged.pcapng'), '-q']));
    }
  }

  const mb = (x: number | null) => (x === null ? '-' : x.toFixed(0));
  console.log(`input: ${file}, ${(size / 1e9).toFixed(2)} GB`);
  console.log('| run | wall s | CPU s | peak RSS MB | exit |');
  console.log('|:--|--:|--:|--:|--:|');
  for (const r of runs) console.log(`| ${r.what} | ${r.wallS.toFixed(1)} | ${r.cpuS === null ? '-' : r.cpuS.toFixed(1)} | ${mb(r.rssMb)} | ${r.status} |`);
  console.log(check);
  for (const r of runs) if (r.status !== 0) console.log(`${r.what}: ${r.stderr}`);
  writeFileSync(join(OUT, 'extract-results.json'), JSON.stringify({ file, bytes: size, callId, runs, check }, null, 2) + '\n');
}

await main();
