/** Says which reference corpus the integration tests use (SIPFLOW_CORPUS, else ../shared/corpus), and what is in it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CORPUS, corpusFiles } from '../helpers/corpus.js';

test('reference corpus location', (t) => {
  const files = corpusFiles();
  t.diagnostic(files.length ? `corpus: ${CORPUS} (${files.length} captures)` : `corpus: none at ${CORPUS}; corpus tests are skipped (set SIPFLOW_CORPUS)`);
  // A corpus that was asked for must be there: a typo in SIPFLOW_CORPUS would otherwise skip every corpus test quietly.
  if (process.env.SIPFLOW_CORPUS) assert.ok(existsSync(CORPUS), `SIPFLOW_CORPUS=${process.env.SIPFLOW_CORPUS} does not exist`);
  if (existsSync(CORPUS)) assert.ok(files.length > 0, `${CORPUS} holds no captures in its folders`);
});
