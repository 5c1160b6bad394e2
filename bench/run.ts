/**
 * sipflow benchmark: one table of throughput figures on a large synthetic
 * capture, next to the reference tools timed in the same run.
 *
 *   npm run bench
 *   node dist/bench/run.js [--file F] [--frames N] [--runs R] [--only a,b] [--no-tshark] [--list]
 *
 * Without --file it benchmarks bench/out/synth-v<version>-<frames>.pcapng,
 * generating it first (bench/synth.ts) when missing. Every benchmark runs R
 * times (default 3) after the file was read once into the page cache; the
 * table shows the best wall time, the CPU time of that run (steadier on a
 * busy machine), frames/s and MB/s, and ratios against `cat` and against the
 * benchmark's tshark counterpart.
 *
 * Adding a stage: append a Benchmark to BENCHMARKS below (see the marked
 * places); a sipflow benchmark names its reference with `against`.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readSync, renameSync, statSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readCapture } from '../src/capture/index.js';
import { CaptureParser } from '../src/capture/parser.js';
import { NetDecoder } from '../src/net/decoder.js';
import { DEFAULT_FRAMES, synthesize } from './synth.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const OUT = join(ROOT, 'bench', 'out');
/** Bump when bench/synth.ts changes what it writes, so cached files are regenerated. */
const SYNTH_VERSION = 1;

// ---------------------------------------------------------------- the benchmark list

/** What one timed run reports besides its wall time. */
export interface RunResult {
  /** Frames the run saw (null when it does not count them, e.g. cat). */
  frames: number | null;
  /** CPU time in ms (user + system), when known. */
  cpuMs: number | null;
  /** Free-form detail for the notes under the table (e.g. "500234 datagrams"). */
  note?: string;
}

export interface BenchContext {
  file: string;
  bytes: number;
  /** Why tshark rows are skipped (not installed, --no-tshark), or null. */
  tsharkSkip: string | null;
}

export interface Benchmark {
  /** Row label, unique. */
  name: string;
  /** Stage heading the row is listed under. */
  stage: string;
  /** 'sipflow' rows are ours; 'reference' rows are the tools we compare with. */
  kind: 'sipflow' | 'reference';
  /** For a sipflow row: the reference row it is compared with (ratio column). */
  against?: string;
  /** A reason to skip this run, or null. */
  skip?(ctx: BenchContext): string | null;
  run(ctx: BenchContext): Promise<RunResult> | RunResult;
}

function cpuSince(c0: NodeJS.CpuUsage): number {
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / 1000;
}

let timeCmd: boolean | null = null;
/** Run a shell command; CPU time through /usr/bin/time when it is there. */
function shell(cmd: string): RunResult {
  if (timeCmd === null) timeCmd = spawnSync('/usr/bin/time', ['-f', '%U', 'true'], { stdio: 'ignore' }).status === 0;
  const args = timeCmd ? ['/usr/bin/time', '-f', 'CPU %U %S', 'sh', '-c', cmd] : ['sh', '-c', cmd];
  const r = spawnSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  return { frames: null, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : null };
}

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const noTshark = (ctx: BenchContext) => ctx.tsharkSkip;

export const BENCHMARKS: Benchmark[] = [
  // ---------------------------------------------------------------- stage: capture (bytes -> Frame)
  {
    name: 'cat > /dev/null', stage: 'capture', kind: 'reference',
    run: (ctx) => shell(`cat ${q(ctx.file)} > /dev/null`),
  },
  {
    name: 'tshark frame.number', stage: 'capture', kind: 'reference', skip: noTshark,
    run: (ctx) => shell(`tshark -r ${q(ctx.file)} -T fields -e frame.number > /dev/null 2>&1`),
  },
  {
    name: 'reader (readCapture)', stage: 'capture', kind: 'sipflow', against: 'tshark frame.number',
    async run(ctx) {
      let n = 0;
      const c0 = process.cpuUsage();
      await readCapture(ctx.file, { onFrame() { n++; }, onWarning() {} });
      return { frames: n, cpuMs: cpuSince(c0) };
    },
  },
  {
    // The parser alone, fed by readSync into one reused buffer: the difference
    // to the row above is what the stream source (fs stream, async iteration,
    // a fresh 1 MiB buffer per chunk) costs.
    name: 'parser, sync reads', stage: 'capture', kind: 'sipflow', against: 'tshark frame.number',
    run(ctx) {
      let n = 0;
      const c0 = process.cpuUsage();
      const p = new CaptureParser(ctx.file, { onFrame() { n++; }, onWarning() {} });
      const buf = Buffer.allocUnsafe(1 << 20);
      const fd = openSync(ctx.file, 'r');
      try {
        for (;;) {
          const got = readSync(fd, buf, 0, buf.length, null);
          if (got <= 0) break;
          p.push(buf.subarray(0, got));
        }
      } finally { closeSync(fd); }
      p.end();
      return { frames: n, cpuMs: cpuSince(c0) };
    },
  },
  // ---------------------------------------------------------------- stage: net (Frame -> Datagram)
  {
    name: 'reader + NetDecoder', stage: 'net', kind: 'sipflow', against: 'tshark frame.number',
    async run(ctx) {
      let n = 0;
      let d = 0;
      const c0 = process.cpuUsage();
      const dec = new NetDecoder(() => { d++; }, () => {});
      await readCapture(ctx.file, { onFrame(f) { n++; dec.decode(f); }, onWarning() {} });
      dec.finish();
      return { frames: n, cpuMs: cpuSince(c0), note: `${d} datagrams` };
    },
  },
  // ---------------------------------------------------------------- stage: sip  (to be added)
  // {
  //   name: 'tshark sip,stat', stage: 'sip', kind: 'reference', skip: noTshark,
  //   run: (ctx) => shell(`tshark -q -r ${q(ctx.file)} -z sip,stat > /dev/null 2>&1`),
  // },
  // {
  //   name: 'analyze (calls)', stage: 'sip', kind: 'sipflow', against: 'tshark sip,stat',
  //   async run(ctx) { ... analyze(ctx.file, ...) ...; return { frames, cpuMs, note: `${calls} calls` }; },
  // },
  // ---------------------------------------------------------------- stage: rtp  (to be added)
  // {
  //   name: 'tshark rtp,streams', stage: 'rtp', kind: 'reference', skip: noTshark,
  //   run: (ctx) => shell(`tshark -q -r ${q(ctx.file)} -z rtp,streams > /dev/null 2>&1`),
  // },
  // {
  //   name: 'analyze (calls + RTP)', stage: 'rtp', kind: 'sipflow', against: 'tshark rtp,streams',
  //   async run(ctx) { ... },
  // },
];

/** Targets checked after the table: [benchmark, description, test on its row]. */
export const TARGETS: { name: string; text: string; ok(row: Row, rows: Map<string, Row>): boolean | null }[] = [
  { name: 'reader (readCapture)', text: 'reader >= 1 M frames/s', ok: (r) => (r.framesPerS === null ? null : r.framesPerS >= 1e6) },
  {
    name: 'reader (readCapture)', text: 'reader within 5x of cat',
    ok: (r, rows) => { const c = rows.get('cat > /dev/null'); return c?.wallMs ? r.wallMs! <= 5 * c.wallMs : null; },
  },
];

// ---------------------------------------------------------------- harness

export interface Row {
  bench: Benchmark;
  skipped: string | null;
  error: string | null;
  wallMs: number | null;
  cpuMs: number | null;
  frames: number | null;
  framesPerS: number | null;
  mbPerS: number | null;
  note: string | null;
}

const SLOW_MS = 15_000;

async function measure(b: Benchmark, ctx: BenchContext, runs: number, totalFrames: number): Promise<Row> {
  const row: Row = { bench: b, skipped: null, error: null, wallMs: null, cpuMs: null, frames: null, framesPerS: null, mbPerS: null, note: null };
  const why = b.skip?.(ctx) ?? null;
  if (why) { row.skipped = why; return row; }
  try {
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      const r = await b.run(ctx);
      const wall = Number(process.hrtime.bigint() - t0) / 1e6;
      if (row.wallMs === null || wall < row.wallMs) {
        row.wallMs = wall;
        row.cpuMs = r.cpuMs;
        row.frames = r.frames;
        row.note = r.note ?? null;
      }
      // A run of more than SLOW_MS is not repeated: best-of-N matters for short runs.
      if (i === 0 && wall > SLOW_MS && runs > 1) {
        row.note = [row.note, `one run only (over ${SLOW_MS / 1000} s)`].filter(Boolean).join('; ');
        break;
      }
    }
  } catch (e) {
    row.error = (e as Error).message;
    return row;
  }
  row.mbPerS = ctx.bytes / 1e6 / (row.wallMs! / 1000);
  // reference tools read the same frames: frames/s for every row
  row.framesPerS = (row.frames ?? totalFrames) / (row.wallMs! / 1000);
  return row;
}

function fmtRate(x: number | null): string {
  if (x === null) return '';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(0)} k`;
  return x.toFixed(0);
}

function table(rows: Row[]): string {
  const byName = new Map(rows.map((r) => [r.bench.name, r]));
  const cat = byName.get('cat > /dev/null');
  const head = ['benchmark', 'wall s', 'CPU s', 'frames/s', 'MB/s', 'x cat', 'vs reference'];
  const lines: string[][] = [];
  let stage = '';
  for (const r of rows) {
    if (r.bench.stage !== stage) { stage = r.bench.stage; lines.push([`[${stage}]`]); }
    const name = `  ${r.bench.name}`;
    if (r.skipped || r.error) { lines.push([name, `skipped: ${r.skipped ?? r.error}`]); continue; }
    const wall = r.wallMs!;
    const fps = r.framesPerS;
    let vs = '';
    const ref = r.bench.against ? byName.get(r.bench.against) : undefined;
    if (ref?.wallMs) vs = `${(ref.wallMs / wall).toFixed(1)}x faster than ${ref.bench.name}`;
    else if (r.bench.against) vs = `(${r.bench.against} not run)`;
    lines.push([
      name, (wall / 1000).toFixed(3), r.cpuMs === null ? '' : (r.cpuMs / 1000).toFixed(3), fmtRate(fps), r.mbPerS!.toFixed(0),
      cat?.wallMs ? (wall / cat.wallMs).toFixed(1) : '', vs,
    ]);
  }
  const widths = head.map((h, i) => Math.max(h.length, ...lines.filter((l) => l.length > 2).map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  const out = [fmt(head), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const l of lines) out.push(l.length <= 2 ? l.join('  ') : fmt(l));
  return out.join('\n');
}

interface Args { file: string | null; frames: number; runs: number; only: string[] | null; tshark: boolean; list: boolean }

function parseArgs(argv: string[]): Args {
  const a: Args = { file: null, frames: DEFAULT_FRAMES, runs: 3, only: null, tshark: true, list: false };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const v = (): string => {
      const x = argv[++i];
      if (x === undefined) throw new Error(`${k} needs a value`);
      return x;
    };
    if (k === '--file') a.file = v();
    else if (k === '--frames') a.frames = Number(v());
    else if (k === '--runs') a.runs = Number(v());
    else if (k === '--only') a.only = v().split(',').map((s) => s.trim().toLowerCase());
    else if (k === '--no-tshark') a.tshark = false;
    else if (k === '--list') a.list = true;
    else throw new Error(`unknown option ${k} (options: --file F --frames N --runs R --only a,b --no-tshark --list)`);
  }
  if (!(a.frames >= 1) || !(a.runs >= 1)) throw new Error('--frames and --runs take positive numbers');
  return a;
}

export async function main(argv: string[]): Promise<void> {
  const args = parseArgs(argv);
  if (args.list) {
    for (const b of BENCHMARKS) console.log(`${b.stage.padEnd(8)} ${b.kind.padEnd(9)} ${b.name}${b.against ? `  (vs ${b.against})` : ''}`);
    return;
  }
  let file = args.file;
  if (!file) {
    mkdirSync(OUT, { recursive: true });
    file = join(OUT, `synth-v${SYNTH_VERSION}-${args.frames}.pcapng`);
    if (!existsSync(file)) {
      process.stdout.write(`generating ${file} ... `);
      const t0 = Date.now();
      const s = synthesize(file + '.tmp', { frames: args.frames });
      // rename only when complete, so an interrupted run never leaves a short file behind
      renameSync(file + '.tmp', file);
      console.log(`${s.frames} frames, ${(s.bytes / 1e6).toFixed(1)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    }
  }
  const bytes = statSync(file).size;
  const tsharkSkip = !args.tshark ? '--no-tshark'
    : spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0 ? null : 'tshark is not installed (apt-get install tshark)';
  const ctx: BenchContext = { file, bytes, tsharkSkip };
  // Frames in the file (for the reference rows' frames/s) and a warm page cache.
  let frames = 0;
  await readCapture(file, { onFrame() { frames++; }, onWarning() {} });
  shell(`cat ${q(file)} > /dev/null`);

  const cpu = cpus();
  console.log(`file: ${file}`);
  console.log(`      ${frames} frames, ${(bytes / 1e6).toFixed(1)} MB; best of ${args.runs} runs each`);
  console.log(`host: ${cpu.length} x ${cpu[0]?.model ?? 'cpu'}, node ${process.version}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  if (tsharkSkip) console.log(`note: tshark rows skipped: ${tsharkSkip}`);
  console.log('');

  const selected = BENCHMARKS.filter((b) => !args.only || args.only.some((o) => b.name.toLowerCase().includes(o) || b.stage === o));
  const rows: Row[] = [];
  for (const b of selected) {
    const r = await measure(b, ctx, args.runs, frames);
    rows.push(r);
  }
  console.log(table(rows));
  const notes = rows.filter((r) => r.note).map((r) => `  ${r.bench.name}: ${r.note}`);
  if (notes.length) console.log(['', 'notes:', ...notes].join('\n'));
  const byName = new Map(rows.map((r) => [r.bench.name, r]));
  const checks: string[] = [];
  for (const t of TARGETS) {
    const r = byName.get(t.name);
    if (!r || r.wallMs === null) continue;
    const ok = t.ok(r, byName);
    if (ok !== null) checks.push(`  ${ok ? 'met   ' : 'MISSED'}  ${t.text}`);
  }
  if (checks.length) console.log(['', 'targets:', ...checks].join('\n'));
  console.log('\nIn-process rows exclude node start-up; cat and tshark rows include their process start-up.');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`bench: ${(e as Error).message}`);
    process.exit(2);
  });
}
