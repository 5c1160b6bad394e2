/** boundedMemo: answers remembered, the table bounded, a throwing input not kept, null a real answer. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boundedMemo } from '../../src/memo.js';

test('boundedMemo computes each key once until the table is full, then starts again; throws are not kept', () => {
  const calls: string[] = [];
  const f = boundedMemo(3, (k: string) => { calls.push(k); if (k === 'bad') throw new Error('bad key'); return k === 'none' ? null : k.length; });
  assert.equal(f('ab'), 2);
  assert.equal(f('ab'), 2);
  assert.equal(f('none'), null);
  assert.equal(f('none'), null, 'null is an answer, remembered like any other');
  assert.deepEqual(calls, ['ab', 'none']);
  assert.throws(() => f('bad'), /bad key/);
  assert.throws(() => f('bad'), /bad key/);
  assert.deepEqual(calls, ['ab', 'none', 'bad', 'bad'], 'a throw is computed again');
  f('c');
  f('dd'); // the table held 3: cleared, then 'dd' kept
  f('ab');
  assert.deepEqual(calls.slice(4), ['c', 'dd', 'ab'], 'after the clear, old keys are computed again');
  f('dd');
  assert.equal(calls.length, 7, 'a key kept after the clear is a lookup');
});
