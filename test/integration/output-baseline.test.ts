/**
 * Every command's output on every capture equals the reviewed baseline
 * (test/expected/outputs.sha256.json, written by scripts/output-baseline.ts).
 * A structural change must keep this green; a change meant to alter output
 * regenerates the manifest (`npm run outputs:manifest`) and says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { captures, collect, corpusDir, fileName, MANIFEST, ROOT, sha, writeOutputs } from '../../scripts/output-baseline.js';

const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;
const haveCorpus = captures().some((c) => !c.fixture);

test('every command on every capture prints what the baseline recorded', { timeout: 20 * 60_000 }, async (t) => {
  if (!haveCorpus) t.diagnostic(`reference corpus not found at ${corpusDir()}: comparing fixtures only`);
  else t.diagnostic(`corpus: ${corpusDir()}`);
  const outputs = await collect(join(ROOT, 'dist', 'src', 'cli', 'main.js'));
  const differing: string[] = [];
  const unrecorded: string[] = [];
  for (const [key, text] of outputs) {
    const want = manifest[key];
    if (want === undefined) unrecorded.push(key);
    else if (want !== sha(text)) differing.push(key);
  }
  const missing = Object.keys(manifest).filter((k) => !outputs.has(k) && (haveCorpus || k.startsWith('fixtures/')));
  if (differing.length || unrecorded.length || missing.length) {
    const dir = join(ROOT, 'tmp', 'outputs', 'after');
    writeOutputs(dir, outputs);
    t.diagnostic(`outputs written to ${relative(ROOT, dir)}; compare with a build of the baseline commit: node dist/scripts/output-baseline.js compare --ref <commit>`);
    for (const k of differing.slice(0, 40)) t.diagnostic(`differs: ${k} (${relative(ROOT, join(dir, fileName(k)))})`);
  }
  assert.deepEqual({ differing, unrecorded, missing }, { differing: [], unrecorded: [], missing: [] });
  assert.ok(outputs.size >= 17 * 12, `expected every fixture's outputs, got ${outputs.size}`);
  assert.ok(existsSync(MANIFEST));
});
