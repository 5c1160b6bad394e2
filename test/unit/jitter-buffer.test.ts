/**
 * The fixed jitter buffer shared by the playout and the quality tap: late
 * packets discarded, early/late timelines re-anchored, a marker starts a new
 * schedule, and an underrun (late packets for as long as the buffer holds)
 * re-anchors instead of discarding the rest of a call. And the E-model's
 * Ie,eff cap for long bursts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FixedJitterBuffer } from '../../src/media/jitter-buffer.js';
import { eModel } from '../../src/media/emodel.js';

/** Offer packets every 20 ms with arrival delay `delay(i)` s; the verdicts. */
function run(bufferMs: number, n: number, delay: (i: number) => number, marker: (i: number) => boolean = () => false): { played: boolean[]; jb: FixedJitterBuffer } {
  const jb = new FixedJitterBuffer(bufferMs);
  const played: boolean[] = [];
  for (let i = 0; i < n; i++) played.push(jb.offer(i * 0.02 + delay(i), i * 160, 8000, marker(i)));
  return { played, jb };
}

test('a packet later than the buffer is discarded; within it, played', () => {
  const { played, jb } = run(60, 10, (i) => (i === 4 ? 0.08 : i === 6 ? 0.05 : 0));
  assert.deepEqual(played.map((p, i) => (p ? '' : i)).filter((x) => x !== ''), [4]);
  assert.equal(jb.discarded, 1);
  assert.equal(run(60, 10, () => 0, (i) => i === 0).jb.resyncs, 1, 'the first packet sets the schedule');
});

test('an underrun re-anchors: a path 200 ms slower for good costs one buffer of packets, not the call', () => {
  const { played, jb } = run(60, 100, (i) => (i < 20 ? 0 : 0.2));
  assert.equal(jb.discarded, 3, 'late for 60 ms of media (3 packets), then scheduled anew');
  assert.ok(played.slice(23).every(Boolean));
  assert.equal(jb.resyncs, 2);
});

test('a marker starts a new schedule; a timestamp jump (early by more than buffer + 1 s) too', () => {
  const late = run(60, 40, (i) => (i >= 20 ? 0.15 : 0), (i) => i === 20);
  assert.equal(late.jb.discarded, 0, 'the talkspurt after the marker is scheduled from its own arrival');
  const jb = new FixedJitterBuffer(60);
  assert.equal(jb.offer(0, 0, 8000, false), true);
  assert.equal(jb.offer(0.02, 160 + 8000 * 5, 8000, false), true, '5 s early: a new timeline');
  assert.equal(jb.resyncs, 2);
  assert.equal(jb.offer(0.04, 0, 0, false), true, 'telephone-events (clock 0) are never late');
});

test('E-model: Ie,eff stays at most 95 with heavy loss in long bursts', () => {
  const r = eModel({ Ie: 0, Bpl: 25.1, Ppl: 90, BurstR: 20 });
  assert.equal(r.IeEff, 95);
  assert.equal(r.mos, 1);
});
