/**
 * The examples in README.md and docs/*.md are run as written, so the docs
 * cannot drift from the program: in a fenced block, a line `$ sipflow ...`
 * (or `$ npx sipflow ...`) is a command and the lines after it, up to the next
 * `$` line, are what it prints (standard output and error), compared exactly (trailing spaces
 * aside; a line `…` stands for any number of lines). A `# comment` after
 * the command is dropped; `../shared/corpus/` means the reference corpus.
 * Commands run in a scratch folder where `fixtures/` is the project's, so
 * files they write do not land in the repository.
 *
 * Blocks that also run other programs (the check tutorial's dumpcap and
 * sipp) or read files the docs do not ship (its call.pcapng) cannot run
 * here: they are listed as such, never silently passed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS, ROOT, corpusSkip } from '../helpers/corpus.js';
import { CLI } from '../helpers/cli.js';

interface Example { doc: string; line: number; command: string; expected: string[] }
interface Block { doc: string; line: number; examples: Example[]; others: string[] }

function blocks(doc: string): Block[] {
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const out: Block[] = [];
  let cur: Block | null = null;
  let ex: Example | null = null;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^```/.test(l)) {
      if (cur) { if (cur.examples.length || cur.others.length) out.push(cur); cur = null; ex = null; }
      else cur = { doc, line: i + 1, examples: [], others: [] };
      continue;
    }
    if (!cur) continue;
    const m = /^\$ (.*)$/.exec(l);
    if (m) {
      const command = m[1]!.replace(/\s+#\s.*$/, '').trim();
      if (/^(npx )?sipflow\b/.test(command)) {
        ex = { doc, line: i + 1, command: command.replace(/^npx /, ''), expected: [] };
        cur.examples.push(ex);
      } else { cur.others.push(command); ex = null; }
      continue;
    }
    if (ex) ex.expected.push(l);
  }
  return out;
}

const DOCS = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
const all = DOCS.flatMap(blocks);

/** Compare output lines with expected ones, `…` matching any run of lines. */
function matches(actual: string[], expected: string[]): boolean {
  const a = actual.map((l) => l.trimEnd());
  const e = expected.map((l) => l.trimEnd());
  while (a.length && a[a.length - 1] === '') a.pop();
  while (e.length && e[e.length - 1] === '') e.pop();
  const go = (i: number, j: number): boolean => {
    if (j === e.length) return i === a.length;
    if (e[j] === '…') { for (let k = i; k <= a.length; k++) if (go(k, j + 1)) return true; return false; }
    return i < a.length && a[i] === e[j] && go(i + 1, j + 1);
  };
  return go(0, 0);
}

const work = mkdtempSync(join(tmpdir(), 'sipflow-docs-'));
test.after(() => rmSync(work, { recursive: true, force: true }));
symlinkSync(join(ROOT, 'fixtures'), join(work, 'fixtures'));
// The corpus where the docs say it is (../shared/corpus from the project): the same relative path from the scratch folder.
mkdirSync(join(work, 'x', 'shared'), { recursive: true });
if (existsSync(CORPUS)) symlinkSync(CORPUS, join(work, 'x', 'shared', 'corpus'));
const bin = join(work, 'bin');
mkdirSync(bin);
writeFileSync(join(bin, 'sipflow'), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
chmodSync(join(bin, 'sipflow'), 0o755);
const cwd = join(work, 'x', 'project');
mkdirSync(cwd, { recursive: true });
symlinkSync(join(ROOT, 'fixtures'), join(cwd, 'fixtures'));
symlinkSync(join(ROOT, 'schema'), join(cwd, 'schema'));

/** Why an example cannot run here, or null. */
function unrunnable(b: Block, ex: Example): string | null {
  if (b.others.length) return `the block also runs ${b.others.map((o) => o.split(' ')[0]).join(', ')}`;
  for (const word of ex.command.split(/\s+/).slice(2)) {
    const w = word.replace(/^'|'$/g, '');
    if (w.startsWith('-') || !/\.(pcapng|pcap|cap|gz|ya?ml)$|\/$/.test(w) || w.startsWith('/tmp/')) continue;
    if (/[*?]/.test(w)) continue;
    if (w.includes('../shared/corpus') && corpusSkip()) return 'the reference corpus is absent';
    if (!existsSync(join(cwd, w)) && !/^-o$/.test(word)) {
      // An output file named after -o is written, not read.
      const k = ex.command.split(/\s+/).indexOf(word);
      if (['-o', '--output', '--junit'].includes(ex.command.split(/\s+/)[k - 1] ?? '')) continue;
      return `it reads ${w}, which the docs do not ship`;
    }
  }
  return null;
}

const runnable = all.flatMap((b) => b.examples.map((ex) => ({ b, ex, why: unrunnable(b, ex) })));

test('the docs hold examples that run here', (t) => {
  const run = runnable.filter((r) => r.why === null);
  assert.ok(run.length >= 6, `only ${run.length} runnable examples found`);
  for (const r of runnable.filter((x) => x.why !== null)) {
    // Visible in the test output: which examples were not run, and why.
    t.diagnostic(`not run: ${r.ex.doc}:${r.ex.line} "${r.ex.command}": ${r.why}`);
  }
});

for (const { b, ex, why } of runnable) {
  test(`${ex.doc}:${ex.line} $ ${ex.command}`, { skip: why ?? false }, () => {
    void b;
    // What the terminal would show: standard output and standard error in the order written.
    const r = spawnSync('sh', ['-c', `${ex.command} 2>&1`], {
      cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1', FORCE_COLOR: undefined, COLUMNS: undefined } as NodeJS.ProcessEnv,
    });
    assert.equal(r.status, 0, `exit ${r.status}: ${r.stderr}`);
    if (ex.expected.some((l) => l.trim() !== '')) {
      const actual = r.stdout.split('\n');
      assert.ok(matches(actual, ex.expected), `output differs from ${ex.doc}:${ex.line}:\n--- documented\n${ex.expected.join('\n')}\n--- actual\n${r.stdout}`);
    }
  });
}
