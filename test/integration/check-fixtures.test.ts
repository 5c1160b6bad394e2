/**
 * The project's own captures keep their call flows: `sipflow check fixtures/`
 * compares every fixtures/X.pcap(ng) with its reviewed fixtures/X.flow.yaml, so a
 * change in the analyzer that alters a flow fails here. After an intended
 * change: `sipflow snapshot fixtures/ --force`, review the diff, commit.
 *
 * An empty fixtures/ is a failure, not a vacuous pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/corpus.js';
import { sipflow } from '../helpers/cli.js';

const FIXTURES = join(ROOT, 'fixtures');

test('every capture in fixtures/ matches its .flow.yaml (sipflow check fixtures/)', () => {
  const captures = existsSync(FIXTURES) ? readdirSync(FIXTURES).filter((f) => /\.(pcapng|pcap)(\.gz)?$/.test(f)) : [];
  assert.ok(captures.length > 0,
    `fixtures/ has no captures (${FIXTURES}): this test checks every fixture against its expected flow and must not pass on nothing`);
  const r = sipflow(['check', 'fixtures/', '--no-color']);
  assert.equal(r.code, 0, `sipflow check fixtures/ exited ${r.code}:\n${r.stdout}${r.stderr}`);
  assert.match(r.stdout, new RegExp(`${captures.length} captures?: ${captures.length} match, 0 differ`));
});
