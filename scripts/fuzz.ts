/**
 * `npm run fuzz`: the hostile-input harness at length. Mutates every capture
 * of fixtures/ (and of the reference corpus with --corpus), adds the built
 * floods, and runs `analyze --json`, `capinfo`, `report` and `ladder` on each
 * case as child processes, checking: exit 0 or 2, one line on stderr for 2,
 * no internal error or stack trace, valid JSON, a time and a memory bound.
 *
 *   npm run fuzz -- [--seed N] [--per-seed N] [--flood N] [--only bitflip,gzip,...]
 *                   [--corpus] [--timeout-ms N] [--rss-mb N] [--keep DIR] [--commands analyze,capinfo]
 *
 * Prints the seed first and every failing case by name (class/seed/source);
 * `--only CLASS --seed N --per-seed 1` replays one. Exit 1 when a case failed.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benignCall, FUZZ_COMMANDS, fuzzCases, problems, runCli } from '../test/helpers/fuzz.js';
import { corpusFiles, ROOT } from '../test/helpers/corpus.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const flag = (name: string) => process.argv.includes(`--${name}`);

const seed = Number(arg('seed') ?? Math.floor(Math.random() * 2 ** 31));
const perSeed = Number(arg('per-seed') ?? 20);
const flood = Number(arg('flood') ?? 200_000);
const only = arg('only')?.split(',').filter(Boolean);
const timeoutMs = Number(arg('timeout-ms') ?? 60_000);
const rssMb = Number(arg('rss-mb') ?? 1024);
const keep = arg('keep');
const commands = arg('commands')?.split(',');

const seeds: { name: string; bytes: Uint8Array }[] = [{ name: 'built-call', bytes: benignCall() }];
const fixtures = join(ROOT, 'fixtures');
for (const f of readdirSync(fixtures).filter((n) => /\.pcapng?$/.test(n)).sort()) seeds.push({ name: f, bytes: readFileSync(join(fixtures, f)) });
if (flag('corpus')) {
  // Small corpus captures only: each is mutated perSeed times per class.
  for (const f of corpusFiles()) {
    if (f.endsWith('.gz')) continue;
    const b = readFileSync(f);
    if (b.length <= 2 * 1024 * 1024) seeds.push({ name: f.slice(f.lastIndexOf('/', f.lastIndexOf('/') - 1) + 1), bytes: b });
  }
}

const dir = keep ? (mkdirSync(keep, { recursive: true }), keep) : mkdtempSync(join(tmpdir(), 'sipflow-fuzz-'));
console.log(`fuzz: seed ${seed}, ${seeds.length} seed captures, ${perSeed} mutations per seed and class, floods of ${flood}; cases in ${dir}`);
const cmds = FUZZ_COMMANDS.filter((c) => !commands || commands.includes(c[0]!));
let cases = 0;
let runs = 0;
let failed = 0;
let slowest = { ms: 0, what: '' };
let biggest = { kb: 0, what: '' };
for (const c of fuzzCases({ seeds, seed, perSeed, flood, only })) {
  cases++;
  const file = join(dir, `case-${cases}${c.ext}`);
  writeFileSync(file, c.bytes);
  let bad = false;
  for (const args of cmds) {
    runs++;
    const r = runCli(args, file, join(dir, `out-${cases}`), { timeoutMs, heapMb: rssMb });
    if (r.ms > slowest.ms) slowest = { ms: r.ms, what: `${args[0]} ${c.name}` };
    if ((r.maxRssKb ?? 0) > biggest.kb) biggest = { kb: r.maxRssKb!, what: `${args[0]} ${c.name}` };
    const p = problems(args, r, { timeoutMs, rssMb });
    if (p.length) {
      bad = true;
      failed++;
      console.log(`FAIL ${c.name} [${args.join(' ')}] (${file}): ${p.join('; ')}`);
    }
  }
  if (!bad && !keep) rmSync(file, { force: true });
  for (const f of readdirSync(dir)) if (f.startsWith(`out-${cases}`)) rmSync(join(dir, f), { recursive: true, force: true });
  if (cases % 50 === 0) console.log(`  ${cases} cases, ${runs} runs, ${failed} failures`);
}
console.log(`fuzz: seed ${seed}: ${cases} cases, ${runs} runs, ${failed} failed; slowest ${Math.round(slowest.ms)} ms (${slowest.what}); most memory ${Math.round(biggest.kb / 1024)} MB (${biggest.what})`);
if (!keep && failed === 0) rmSync(dir, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
