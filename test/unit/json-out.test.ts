/**
 * writeJson (cli/json-out.ts) writes exactly JSON.stringify(value, null, 2) + '\n',
 * in pieces: nested values, empty containers, members JSON leaves out, toJSON,
 * strings with line breaks, and a real report built in memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeJson } from '../../src/cli/json-out.js';
import { analyze } from '../../src/analyze.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

async function written(v: unknown): Promise<{ text: string; pieces: number }> {
  const parts: string[] = [];
  await writeJson({ write: (s: string) => { parts.push(s); return true; } } as never, v);
  return { text: parts.join(''), pieces: parts.length };
}

test('writeJson equals JSON.stringify(v, null, 2) + newline on awkward values', async () => {
  const cases: unknown[] = [
    null, 1, 'a\nb', [], {}, [[]], { a: {} }, [undefined, () => 1, Symbol('s')],
    { u: undefined, f: () => 1, n: NaN, d: new Date(0), nested: { x: [1, { y: 'line\nbreak', z: [] }], e: {} } },
    [{ calls: [{ a: 1, b: [1, 2, { c: 'q"uote\\' }] }, { a: 2 }], s: [] }, { calls: [] }],
    { toJSON: () => ({ replaced: [1, 2] }) },
    { deep: [[[[[1]]]]], str: '\u2028\u0000é' },
  ];
  for (const v of cases) assert.equal((await written(v)).text, JSON.stringify(v, null, 2) + '\n', JSON.stringify(v));
  assert.equal((await written(undefined)).text, 'undefined\n');
});

test('writeJson: a report is written in several pieces with the same bytes', async () => {
  const report = await analyze(join(ROOT, 'fixtures', 'call-completed.pcapng'));
  assert.ok(report.calls.length > 0 && report.rtpStreams.length > 0);
  const big = { ...report, calls: Array.from({ length: 40 }, () => report.calls).flat() };
  const { text, pieces } = await written(big);
  assert.equal(text, JSON.stringify(big, null, 2) + '\n');
  assert.ok(pieces > 1, `${pieces} pieces`);
});

test('writeJson waits for a full stream to drain: a slow reader gets the text as it reads, never all of it queued', async () => {
  const { Writable } = await import('node:stream');
  const big = { calls: Array.from({ length: 3000 }, (_, i) => ({ index: i, text: 'x'.repeat(200) })) };
  const expected = JSON.stringify(big, null, 2) + '\n';
  let got = '';
  let mostQueued = 0;
  const slow = new Writable({
    highWaterMark: 16 * 1024, decodeStrings: false,
    write(chunk: string, _enc, cb) { got += chunk; setTimeout(cb, 1); },
  });
  const write = slow.write.bind(slow);
  slow.write = ((c: string) => { const r = write(c); mostQueued = Math.max(mostQueued, slow.writableLength); return r; }) as typeof slow.write;
  await writeJson(slow, big);
  await new Promise<void>((r) => slow.end(r));
  assert.equal(got, expected);
  assert.ok(expected.length > 500_000, 'the text is much larger than the stream buffer');
  // At most one piece (~64 KB) beyond the stream's high-water mark is ever queued.
  assert.ok(mostQueued <= 16 * 1024 + 70 * 1024, `${mostQueued} characters queued at most`);
});
