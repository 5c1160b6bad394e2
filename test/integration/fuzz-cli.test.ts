/**
 * A small fixed sample of the hostile-input harness (test/helpers/fuzz.ts)
 * through the CLI, as `npm run fuzz` runs it at length: each case of every
 * class (bit flips, truncation at block boundaries, absurd lengths, gzip
 * corruption, if_tsresol/if_tsoffset abuse, interface, fragment, SSRC, call
 * and TCP floods) through analyze --json, capinfo, report and ladder in child
 * processes. Each run must exit 0 or 2 (2 with one line), print no internal
 * error or stack trace, give valid JSON, and stay within a time and memory
 * bound. Seeds are fixed; a failure names the case to replay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benignCall, FUZZ_COMMANDS, fuzzCases, problems, runCli } from '../helpers/fuzz.js';
import { ROOT } from '../helpers/corpus.js';

const SEED = 4475;
/** Per run on a loaded machine: generous, a hang or a quadratic step is minutes. */
const LIMITS = { timeoutMs: 30_000, heapMb: 512, rssMb: 600 };

test('hostile captures through analyze --json, capinfo, report and ladder: exit 0/2, one line, valid JSON, bounded', { timeout: 240_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-fuzz-cli-'));
  try {
    const seeds = [
      { name: 'built-call', bytes: benignCall(20) },
      { name: 'call-completed.pcapng', bytes: readFileSync(join(ROOT, 'fixtures', 'call-completed.pcapng')) },
    ];
    const all = [...fuzzCases({ seeds, seed: SEED, perSeed: 1, flood: 3000 })];
    // Two cuts per seed capture, every fourth if_tsresol value (the unit test reads them all in-process), the rest whole.
    const perClass = new Map<string, number>();
    const picked = all.filter((c) => {
      const key = `${c.cls}/${c.name.split('/').slice(2).join('/')}`;
      const k = (perClass.get(key) ?? 0) + 1;
      perClass.set(key, k);
      if (c.cls === 'truncate') return k <= 2;
      if (c.cls === 'timestamp') return k % 4 === 1;
      return true;
    });
    const failures: string[] = [];
    let runs = 0;
    picked.forEach((c, i) => {
      const file = join(dir, `case-${i}${c.ext}`);
      writeFileSync(file, c.bytes);
      // Mutations through analyze (and capinfo every other case), floods through analyze and report,
      // ladder on the call flood, capinfo on the interface flood: about 40 runs in all.
      const flood = ['interfaces', 'fragments', 'ssrc', 'calls', 'tcp'].includes(c.cls);
      const cmds = FUZZ_COMMANDS.filter((a) => a[0] === 'analyze'
        || (a[0] === 'capinfo' && (flood ? c.cls === 'interfaces' : i % 2 === 0 || c.cls === 'gzip'))
        || (a[0] === 'report' && flood)
        || (a[0] === 'ladder' && c.cls === 'calls'));
      for (const args of cmds) {
        runs++;
        const r = runCli(args, file, join(dir, `out-${i}`), LIMITS);
        for (const p of problems(args, r, LIMITS)) failures.push(`${c.name} [${args.join(' ')}]: ${p}`);
      }
    });
    assert.ok(runs >= 30, `${runs} runs`);
    assert.deepEqual(failures, [], `seed ${SEED}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
