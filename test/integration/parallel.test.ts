/** `analyze FILE... --jobs N`: the same output, in argument order, whatever the number of jobs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureFiles, ROOT } from '../helpers/corpus.js';
import { sipflow } from '../helpers/cli.js';
import { relative } from 'node:path';

const files = fixtureFiles().map((f) => relative(ROOT, f));

for (const mode of [['--json'], ['--csv'], ['-a', '-e', '-w', '120']]) {
  test(`analyze ${files.length} fixtures ${mode.join(' ')}: --jobs 2 prints what --jobs 1 prints`, () => {
    const one = sipflow(['analyze', ...files, ...mode, '--jobs', '1']);
    const two = sipflow(['analyze', ...files, ...mode, '--jobs', '2']);
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(two.stdout, one.stdout);
    assert.ok(one.stdout.length > 1000);
  });
}

test('--jobs: a missing file is reported in its place and exits 2; a bad value exits 64', () => {
  const r = sipflow(['analyze', files[0]!, 'no-such.pcap', files[1]!, '--json', '--jobs', '2']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /no-such\.pcap/);
  assert.equal((JSON.parse(r.stdout) as unknown[]).length, 2, 'the two readable files are reported');
  for (const bad of ['0', 'two', '1.5', '65']) {
    const b = sipflow(['analyze', files[0]!, '--jobs', bad]);
    assert.equal(b.code, 64, bad);
    assert.match(b.stderr, /--jobs <n>' argument .* is invalid\. expected parallel jobs: a whole number from 1 to 64/);
  }
});
