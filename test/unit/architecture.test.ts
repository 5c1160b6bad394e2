/**
 * The shape of the code (ARCHITECTURE.md): data flows one way. Every import
 * between folders of src/ goes from a higher stage to a lower one (or within
 * one stage without a loop), so no renderer reaches back into the pipeline
 * and no parser knows about output. The stages, lowest first, are listed
 * here and in ARCHITECTURE.md; a new module is placed in one of them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { ROOT } from '../helpers/corpus.js';

const SRC = join(ROOT, 'src');

/** Stage of each module group (a folder of src/, or a top-level file without .ts). */
const STAGES: [number, string[]][] = [
  [0, ['model', 'version', 'time', 'heap', 'memo']],
  [1, ['capture']],
  [2, ['net']],
  [3, ['sip', 'aliases']],
  [4, ['events', 'tap']],
  [5, ['media']],
  [6, ['analyze', 'capinfo', 'filter']],
  [7, ['render', 'render/ladder', 'render/html']],
  [8, ['html-report', 'call-audio', 'check', 'extract']],
  [9, ['proxy', 'browse']],
  [10, ['cli', 'index']],
];
const STAGE = new Map(STAGES.flatMap(([n, groups]) => groups.map((g) => [g, n] as const)));

function groupOf(file: string): string {
  const parts = relative(SRC, file).split(sep);
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, '');
  return parts[0] === 'render' && parts.length > 2 ? `render/${parts[1]}` : parts[0]!;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sources(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Group -> groups it imports from, with one example import each. */
function folderGraph(): Map<string, Map<string, string>> {
  const g = new Map<string, Map<string, string>>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)/g)) {
      const spec = m[1] ?? m[2]!;
      const target = normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts');
      const a = groupOf(file), b = groupOf(target);
      if (a === b) continue;
      if (!g.has(a)) g.set(a, new Map());
      if (!g.get(a)!.has(b)) g.get(a)!.set(b, `${relative(ROOT, file)} imports ${spec}`);
    }
  }
  return g;
}

test('every module group of src/ has a stage', () => {
  const groups = new Set(sources(SRC).map(groupOf));
  const unplaced = [...groups].filter((x) => !STAGE.has(x));
  assert.deepEqual(unplaced, [], 'add new folders or top-level modules to STAGES and to ARCHITECTURE.md');
});

test('imports between folders only go down the stages', () => {
  const upward: string[] = [];
  for (const [a, targets] of folderGraph()) {
    for (const [b, example] of targets) {
      if ((STAGE.get(b) ?? -1) > (STAGE.get(a) ?? 99)) upward.push(`${a} (stage ${STAGE.get(a)}) -> ${b} (stage ${STAGE.get(b)}): ${example}`);
    }
  }
  assert.deepEqual(upward, []);
});

test('no import loop between folders', () => {
  const g = folderGraph();
  const loops: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (n: string) => {
    state.set(n, 'open');
    path.push(n);
    for (const m of g.get(n)?.keys() ?? []) {
      if (state.get(m) === 'open') loops.push([...path.slice(path.indexOf(m)), m].join(' -> ') + ` (${g.get(n)!.get(m)})`);
      else if (!state.has(m)) visit(m);
    }
    path.pop();
    state.set(n, 'done');
  };
  for (const n of g.keys()) if (!state.has(n)) visit(n);
  assert.deepEqual(loops, []);
});

test('code cites only files inside the repository', () => {
  const outside = sources(SRC).filter((f) => /DESIGN\.md|\.\.\/shared\//.test(readFileSync(f, 'utf8'))).map((f) => relative(ROOT, f));
  assert.deepEqual(outside, []);
});
