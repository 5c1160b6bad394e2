/**
 * Capture-layer and pipeline benchmark on a large synthetic SIP+RTP capture.
 *
 *   npm run bench                         (build, generate bench/out/synthetic.pcapng if missing, measure)
 *   node dist/bench/bench.js [--file F] [--frames N] [--seed S] [--runs R] [--no-tshark]
 *
 * In one run, prints one table: `cat FILE > /dev/null`, the reader alone
 * (readCapture counting frames), reader + NetDecoder, analyze() with the media
 * stage + JSON.stringify (in process), `sipflow analyze FILE --json` as a child
 * process (wall time and peak RSS), and tshark reading the same file three
 * ways; then the targets of issue 2 / the analyze issue, met or missed.
 * Results are also written to bench/out/results.json.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../src/capture/index.js';
import { NetDecoder } from '../src/net/decoder.js';
import { analyze } from '../src/analyze.js';
import { DEFAULT_FRAMES, DEFAULT_SEED, generateSynthetic, type SyntheticStats } from './synthetic.js';
import { arg, checkArgs } from './measure.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'bench', 'out');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
/** Bump when synthetic.ts changes what it writes: the cached capture is then regenerated. */
const GENERATOR_VERSION = 1;

checkArgs(`node dist/bench/bench.js [--file F] [--frames N] [--seed S] [--runs R] [--no-tshark]
  sipflow against cat, tshark and sngrep on the synthetic capture (npm run bench)`,
  { '--file': true, '--frames': true, '--seed': true, '--runs': true, '--no-tshark': false });
const flag = (name: string) => process.argv.includes(name);

interface Row {
  name: string;
  wallS: number | null;
  cpuS: number | null;
  rssMb: number | null;
  note: string;
  /** Frames processed (rates shown when set). */
  frames: number | null;
  skipped?: string;
}

// ---------------------------------------------------------------- the capture

function ensureCapture(): { file: string; stats: SyntheticStats | null } {
  const given = arg('--file');
  if (given) return { file: resolve(given), stats: null };
  const frames = Number(arg('--frames') ?? DEFAULT_FRAMES);
  const seed = Number(arg('--seed') ?? DEFAULT_SEED);
  mkdirSync(OUT, { recursive: true });
  const file = join(OUT, frames === DEFAULT_FRAMES && seed === DEFAULT_SEED ? 'synthetic.pcapng' : `synthetic-${frames}-${seed}.pcapng`);
  const meta = file.replace(/\.pcapng$/, '.json');
  const want = { generator: GENERATOR_VERSION, frames, seed };
  if (existsSync(file) && existsSync(meta)) {
    try {
      const m = JSON.parse(readFileSync(meta, 'utf8')) as typeof want & { stats: SyntheticStats };
      if (m.generator === want.generator && m.frames === frames && m.seed === seed && statSync(file).size === m.stats.bytes) return { file, stats: m.stats };
    } catch { /* regenerate */ }
  }
  process.stderr.write(`generating ${file} (${frames} frames, seed ${seed})...\n`);
  const t0 = performance.now();
  const stats = generateSynthetic({ path: file, frames, seed, onProgress: (n) => process.stderr.write(`\r  ${n} frames`) });
  process.stderr.write(`\r  ${stats.frames} frames, ${(stats.bytes / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  writeFileSync(meta, JSON.stringify({ ...want, stats }, null, 2) + '\n');
  return { file, stats };
}

// ---------------------------------------------------------------- measuring

/** Best of `runs` (lowest wall time) of an in-process task; CPU = this process's user+system time. */
async function inProcess(runs: number, fn: () => Promise<number>): Promise<{ wallS: number; cpuS: number; result: number }> {
  let best = { wallS: Infinity, cpuS: Infinity, result: 0 };
  for (let i = 0; i < runs; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const result = await fn();
    const wallS = (performance.now() - t0) / 1000;
    const c = process.cpuUsage(c0);
    if (wallS < best.wallS) best = { wallS, cpuS: (c.user + c.system) / 1e6, result };
  }
  return best;
}

const HAVE_TIME = existsSync('/usr/bin/time');

interface ChildResult { wallS: number; cpuS: number | null; rssMb: number | null; status: number | null; stdout: string; stderr: string }

/**
 * Run a command (stdout to /dev/null unless captured), under /usr/bin/time -v when present.
 * Best of `runs` by wall time.
 */
function child(cmd: string[], runs = 1, captureStdout = false): ChildResult {
  let best: ChildResult | null = null;
  for (let i = 0; i < runs; i++) {
    const devnull = openSync('/dev/null', 'w');
    const argv = HAVE_TIME ? ['/usr/bin/time', '-v', ...cmd] : cmd;
    const t0 = performance.now();
    const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', captureStdout ? 'pipe' : devnull, 'pipe'], maxBuffer: 256 << 20 });
    const wallS = (performance.now() - t0) / 1000;
    closeSync(devnull);
    const err = r.stderr?.toString() ?? '';
    const num = (re: RegExp) => { const m = re.exec(err); return m ? Number(m[1]) : null; };
    const user = num(/User time \(seconds\): ([\d.]+)/);
    const sys = num(/System time \(seconds\): ([\d.]+)/);
    const rss = num(/Maximum resident set size \(kbytes\): (\d+)/);
    const res: ChildResult = {
      wallS, cpuS: user !== null && sys !== null ? user + sys : null, rssMb: rss !== null ? rss / 1024 : null,
      status: r.status, stdout: captureStdout ? r.stdout.toString() : '', stderr: err,
    };
    if (!best || res.wallS < best.wallS) best = res;
  }
  return best!;
}

/** Peak RSS of `sipflow analyze FILE --json` without /usr/bin/time: a child reports its own maxRSS. */
function analyzeChildNoTime(file: string): ChildResult {
  const script = `
    process.argv = [process.argv[0], ${JSON.stringify(CLI)}, 'analyze', ${JSON.stringify(file)}, '--json', '--quiet'];
    process.on('exit', () => process.stderr.write('MAXRSS_KB ' + process.resourceUsage().maxRSS + '\\n'));
    await import(${JSON.stringify(CLI)});`;
  const devnull = openSync('/dev/null', 'w');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', devnull, 'pipe'] });
  const wallS = (performance.now() - t0) / 1000;
  closeSync(devnull);
  const err = r.stderr.toString();
  const m = /MAXRSS_KB (\d+)/.exec(err);
  return { wallS, cpuS: null, rssMb: m ? Number(m[1]) / 1024 : null, status: r.status, stdout: '', stderr: err };
}

/** Median wall time of `runs` runs of a command (start-up figures are noisy; the median is the fair one). */
function medianWall(cmd: string[], runs = 5): number {
  const t: number[] = [];
  for (let i = 0; i < runs; i++) t.push(child(cmd).wallS);
  t.sort((a, b) => a - b);
  return t[Math.floor(t.length / 2)]!;
}

function hasCommand(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

/** A smaller synthetic capture for the multi-file rows (generated once, cached in bench/out). */
function smallCapture(): string {
  const frames = 60000, seed = 2;
  const file = join(OUT, `synthetic-${frames}-${seed}.pcapng`);
  mkdirSync(OUT, { recursive: true });
  if (!existsSync(file)) generateSynthetic({ path: file, frames, seed });
  return file;
}

function hasTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

// ---------------------------------------------------------------- main

async function main(): Promise<void> {
  const runs = Math.max(1, Number(arg('--runs') ?? 3));
  const { file, stats } = ensureCapture();
  const size = statSync(file).size;
  const load0 = loadavg()[0]!;
  const rows: Row[] = [];
  const say = (s: string) => process.stderr.write(s + '\n');

  say(`measuring ${file} (${(size / 1e6).toFixed(1)} MB), best of ${runs} where repeated...`);

  const cat = child(['cat', file], runs);
  rows.push({ name: 'cat FILE > /dev/null', wallS: cat.wallS, cpuS: cat.cpuS, rssMb: cat.rssMb, frames: null, note: '' });

  const reader = await inProcess(runs, async () => {
    let n = 0;
    await readCapture(file, { onFrame: () => { n++; }, onWarning: () => {} });
    return n;
  });
  const frames = reader.result;
  rows.push({ name: 'sipflow reader (readCapture, counting frames)', wallS: reader.wallS, cpuS: reader.cpuS, rssMb: null, frames, note: '' });

  const decoder = await inProcess(runs, async () => {
    let d = 0;
    const dec = new NetDecoder(() => { d++; }, () => {});
    await readCapture(file, { onFrame: (f) => dec.decode(f), onWarning: () => {} });
    dec.finish();
    return d;
  });
  rows.push({ name: 'reader + NetDecoder', wallS: decoder.wallS, cpuS: decoder.cpuS, rssMb: null, frames, note: `${decoder.result} datagrams` });

  let calls = 0, streams = 0, sipMsgs = 0, jsonBytes = 0;
  const an = await inProcess(Math.min(runs, 2), async () => {
    const report = await analyze(file, { media: { heuristic: false } });
    const json = JSON.stringify(report, null, 2);
    jsonBytes = json.length;
    calls = report.calls.length;
    streams = report.rtpStreams.length;
    sipMsgs = report.calls.reduce((a, c) => a + c.sipPackets, 0);
    return report.capture.frames;
  });
  rows.push({ name: 'analyze() + JSON.stringify (in process, warm)', wallS: an.wallS, cpuS: an.cpuS, rssMb: null, frames, note: `${calls} dialogs, ${streams} RTP streams, ${sipMsgs} SIP msgs, ${(jsonBytes / 1e6).toFixed(1)} MB JSON` });

  const cli = HAVE_TIME ? child([process.execPath, CLI, 'analyze', file, '--json', '--quiet']) : analyzeChildNoTime(file);
  rows.push({
    name: 'sipflow analyze FILE --json > /dev/null', wallS: cli.wallS, cpuS: cli.cpuS, rssMb: cli.rssMb, frames,
    note: cli.status === 0 ? (HAVE_TIME ? 'child, /usr/bin/time -v' : 'child, own maxRSS') : `exit ${cli.status}: ${cli.stderr.split('\n')[0]}`,
  });

  const nd = child([process.execPath, CLI, 'analyze', file, '--ndjson']);
  rows.push({ name: 'sipflow analyze FILE --ndjson > /dev/null', wallS: nd.wallS, cpuS: nd.cpuS, rssMb: nd.rssMb, frames, note: nd.status === 0 ? 'calls written as they end' : `exit ${nd.status}` });
  const cap = child([process.execPath, CLI, 'capinfo', file]);
  rows.push({ name: 'sipflow capinfo FILE', wallS: cap.wallS, cpuS: cap.cpuS, rssMb: cap.rssMb, frames, note: cap.status === 0 ? '' : `exit ${cap.status}` });

  // Start-up: a small capture and --version against Node's own start, medians of 5.
  say('  start-up (medians of 5)...');
  const small = join(ROOT, 'fixtures', 'call-completed.pcapng');
  const nodeStart = medianWall([process.execPath, '-e', '0']);
  const smallRun = medianWall([process.execPath, CLI, 'analyze', small]);
  const version = medianWall([process.execPath, CLI, '--version']);
  rows.push({ name: 'node -e 0 (median of 5)', wallS: nodeStart, cpuS: null, rssMb: null, frames: null, note: 'Node\'s own start-up' });
  rows.push({ name: 'sipflow analyze <small fixture> (median of 5)', wallS: smallRun, cpuS: null, rssMb: null, frames: null, note: `${(smallRun / nodeStart).toFixed(2)}x node -e 0` });
  rows.push({ name: 'sipflow --version (median of 5)', wallS: version, cpuS: null, rssMb: null, frames: null, note: `${(version / nodeStart).toFixed(2)}x node -e 0` });
  // The small file against tshark too (the "at least 3x faster than tshark -q -z sip,stat" on it).
  const smallTshark = !flag('--no-tshark') && hasTshark() ? medianWall(['tshark', '-q', '-r', small, '-z', 'sip,stat']) : null;
  rows.push(smallTshark === null
    ? { name: 'tshark -q -z sip,stat <small fixture> (median of 5)', wallS: null, cpuS: null, rssMb: null, frames: null, note: '', skipped: flag('--no-tshark') ? 'skipped (--no-tshark)' : 'skipped: tshark not installed (apt-get install tshark)' }
    : { name: 'tshark -q -z sip,stat <small fixture> (median of 5)', wallS: smallTshark, cpuS: null, rssMb: null, frames: null, note: `${(smallTshark / smallRun).toFixed(2)}x sipflow's time` });

  // Several files: 8 copies of a smaller capture, one job and two.
  say('  8 files, 1 and 2 jobs...');
  const eight = Array.from({ length: 8 }, () => smallCapture());
  const one = child([process.execPath, CLI, 'analyze', ...eight, '--json', '--jobs', '1']);
  const two = child([process.execPath, CLI, 'analyze', ...eight, '--json', '--jobs', '2']);
  rows.push({ name: 'sipflow analyze 8 files --json --jobs 1', wallS: one.wallS, cpuS: one.cpuS, rssMb: one.rssMb, frames: null, note: '' });
  rows.push({ name: 'sipflow analyze 8 files --json --jobs 2', wallS: two.wallS, cpuS: two.cpuS, rssMb: two.rssMb, frames: null, note: `${(one.wallS / two.wallS).toFixed(2)}x the throughput of 1 job` });

  const tsharkRows: [string, string[], boolean][] = [
    ['tshark -r FILE -T fields -e frame.number', ['-r', file, '-T', 'fields', '-e', 'frame.number'], false],
    ['tshark -q -r FILE -z sip,stat', ['-q', '-r', file, '-z', 'sip,stat'], true],
    ['tshark -q -r FILE -z rtp,streams', ['-q', '-r', file, '-z', 'rtp,streams'], true],
    ['tshark -q -r FILE -z sip,stat -z rtp,streams', ['-q', '-r', file, '-z', 'sip,stat', '-z', 'rtp,streams'], true],
  ];
  const tsharkOk = !flag('--no-tshark') && hasTshark();
  for (const [name, args, capture] of tsharkRows) {
    if (!tsharkOk) { rows.push({ name, wallS: null, cpuS: null, rssMb: null, frames: null, note: '', skipped: flag('--no-tshark') ? 'skipped (--no-tshark)' : 'skipped: tshark not installed (apt-get install tshark)' }); continue; }
    say(`  ${name}...`);
    const r = child(['tshark', ...args], 1, capture);
    let note = r.status === 0 ? '' : `exit ${r.status}`;
    if (capture && r.status === 0) {
      const m = /Number of SIP messages: (\d+)/.exec(r.stdout);
      if (m) note = `${m[1]} SIP msgs`;
      if (name.includes('rtp')) note = `${r.stdout.split('\n').filter((l) => /0x[0-9A-F]{8}/i.test(l)).length} RTP streams`;
    }
    rows.push({ name, wallS: r.wallS, cpuS: r.cpuS, rssMb: r.rssMb, frames, note });
  }
  if (!flag('--no-tshark') && hasCommand('sngrep', ['-V'])) {
    say('  sngrep -N -q -I FILE...');
    const r = child(['sngrep', '-N', '-q', '-I', file]);
    rows.push({ name: 'sngrep -N -q -I FILE', wallS: r.wallS, cpuS: r.cpuS, rssMb: r.rssMb, frames, note: r.status === 0 ? '' : `exit ${r.status}` });
  } else rows.push({ name: 'sngrep -N -q -I FILE', wallS: null, cpuS: null, rssMb: null, frames: null, note: '', skipped: 'skipped: sngrep not installed (apt-get install sngrep)' });
  const load1 = loadavg()[0]!;

  // ------------------------------------------------------------ table
  const mb = size / 1e6;
  const fmt = (x: number | null, d = 3) => (x === null ? '-' : x.toFixed(d));
  const rate = (n: number) => n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : `${(n / 1e3).toFixed(0)} k`;
  const header = ['', 'wall s', 'CPU s', 'frames/s', 'MB/s', 'peak RSS MB', 'ratio', 'notes'];
  const body = rows.map((r) => {
    if (r.skipped) return [r.name, '-', '-', '-', '-', '-', '-', r.skipped];
    let ratio = '';
    if (r.name.startsWith('sipflow reader') || r.name.startsWith('reader +')) ratio = `${(r.wallS! / cat.wallS).toFixed(1)}x cat`;
    // Against the big file's analyze run; the small-file rows carry their own ratio in the notes.
    if ((r.name.startsWith('tshark') || r.name.startsWith('sngrep')) && !r.name.includes('<small fixture>')) ratio = `${(r.wallS! / cli.wallS).toFixed(1)}x analyze`;
    if (r.name === 'sipflow capinfo FILE') ratio = `${(r.wallS! / (cat.wallS + nodeStart)).toFixed(1)}x cat+node`;
    return [
      r.name, fmt(r.wallS), fmt(r.cpuS, 2), r.frames && r.wallS ? rate(r.frames / r.wallS) : '-',
      r.wallS ? (mb / r.wallS).toFixed(0) : '-', r.rssMb === null ? '-' : r.rssMb.toFixed(0), ratio, r.note,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => '| ' + cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ') + ' |';
  const out: string[] = [];
  out.push(`file: ${file}`);
  out.push(`      ${frames} frames, ${mb.toFixed(1)} MB` + (stats ? `; ${stats.calls} calls (${stats.answered} answered, ${stats.busy} busy, ${stats.declined} declined, ${stats.cancelled} cancelled), ${stats.registrations} registrations, ${stats.rtpStreams} RTP streams, ${stats.sipMessages} SIP messages, up to ${stats.maxConcurrentCalls} concurrent calls` : ''));
  out.push(`host: node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), load average ${load0.toFixed(1)} at start, ${load1.toFixed(1)} at end`);
  out.push('');
  out.push(line(header));
  out.push('|' + widths.map((w, i) => (i === 0 || i === widths.length - 1 ? ':' + '-'.repeat(w + 1) : '-'.repeat(w + 1) + ':')).join('|') + '|');
  for (const b of body) out.push(line(b));
  out.push('');

  // ------------------------------------------------------------ targets
  const readerRate = frames / reader.wallS;
  const readerCpuRate = frames / reader.cpuS;
  const vsCat = reader.wallS / cat.wallS;
  const sipStat = rows.find((r) => r.name === 'tshark -q -r FILE -z sip,stat');
  const both = rows.find((r) => r.name === 'tshark -q -r FILE -z sip,stat -z rtp,streams');
  const targets: [string, boolean | null, string][] = [
    ['analyze --json >= 10x faster than tshark sip,stat+rtp,streams', both?.wallS ? both.wallS / cli.wallS >= 10 : null,
      both?.wallS ? `${(both.wallS / cli.wallS).toFixed(1)}x (wall), ${both.cpuS && cli.cpuS ? (both.cpuS / cli.cpuS).toFixed(1) + 'x (CPU)' : ''}` : 'tshark not measured'],
    ['analyze --json peak RSS < 150 MB', cli.rssMb === null ? null : cli.rssMb < 150, cli.rssMb === null ? 'not measured' : `${cli.rssMb.toFixed(0)} MB`],
    ['small file within 1.5x of node -e 0', smallRun / nodeStart <= 1.5, `${(smallRun / nodeStart).toFixed(2)}x (${smallRun.toFixed(3)} s vs ${nodeStart.toFixed(3)} s)`],
    ['--version within 1.2x of node -e 0', version / nodeStart <= 1.2, `${(version / nodeStart).toFixed(2)}x`],
    ['small file >= 3x faster than tshark sip,stat', smallTshark === null ? null : smallTshark / smallRun >= 3,
      smallTshark === null ? 'tshark not measured' : `${(smallTshark / smallRun).toFixed(2)}x (${smallRun.toFixed(3)} s vs ${smallTshark.toFixed(3)} s)`],
    ['capinfo within 5x of cat + node start', cap.wallS / (cat.wallS + nodeStart) <= 5, `${(cap.wallS / (cat.wallS + nodeStart)).toFixed(2)}x`],
    ['2 jobs over 8 files >= 1.7x one job', one.wallS / two.wallS >= 1.7, `${(one.wallS / two.wallS).toFixed(2)}x`],
    ['--ndjson peak RSS < 150 MB', nd.rssMb === null ? null : nd.rssMb < 150, nd.rssMb === null ? 'not measured' : `${nd.rssMb.toFixed(0)} MB`],
    ['reader >= 1 M frames/s', readerRate >= 1e6, `${rate(readerRate)} frames/s wall, ${rate(readerCpuRate)} frames/s per CPU second`],
    ['reader within 5x of cat', vsCat <= 5, `${vsCat.toFixed(2)}x`],
    ['analyze >= 20x faster than tshark sip,stat', sipStat?.wallS ? sipStat.wallS / cli.wallS >= 20 : null,
      sipStat?.wallS ? `${(sipStat.wallS / cli.wallS).toFixed(1)}x (CLI, cold); ${(sipStat.wallS / an.wallS).toFixed(1)}x (in process, warm)` : 'tshark not measured'],
    ['analyze peak RSS < 200 MB', cli.rssMb === null ? null : cli.rssMb < 200, cli.rssMb === null ? 'not measured' : `${cli.rssMb.toFixed(0)} MB`],
  ];
  out.push('targets:');
  for (const [what, ok, detail] of targets) out.push(`  ${ok === null ? 'n/a ' : ok ? 'MET ' : 'MISS'}  ${what.padEnd(44)} ${detail}`);
  if (load0 > cpus().length) out.push(`note: the machine was busy (load ${load0.toFixed(1)} on ${cpus().length} CPUs): wall times are inflated; the CPU column is steadier.`);
  console.log(out.join('\n'));

  writeFileSync(join(OUT, 'results.json'), JSON.stringify({
    date: new Date().toISOString(), file, bytes: size, frames, node: process.version, load: [load0, load1], rows,
    targets: targets.map(([what, ok, detail]) => ({ what, ok, detail })),
  }, null, 2) + '\n');
}

await main();
