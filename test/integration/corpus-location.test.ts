/** Says which reference corpus the integration tests use (SIPFLOW_CORPUS, else ../shared/corpus), and what is in it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { CORPUS, corpusFiles } from '../helpers/corpus.js';

test('reference corpus location', (t) => {
  const files = corpusFiles();
  t.diagnostic(files.length ? `corpus: ${CORPUS} (${files.length} captures)` : `corpus: none at ${CORPUS}; corpus tests are skipped (set SIPFLOW_CORPUS)`);
  assert.equal(files.length > 0, existsSync(CORPUS) && files.length > 0);
});
