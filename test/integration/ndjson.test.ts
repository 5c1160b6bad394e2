/**
 * Streaming analysis (`analyze({ onCallDone })`, `analyze --ndjson`): every
 * call, stream and warning of the whole-file report, written as calls end.
 * Calls whose Call-ID comes back after they were written are the documented
 * exception (a new record); the captures here have none.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analyze.js';
import type { Call, RtpStream } from '../../src/model.js';
import { allCaptures, corpusSkip, short } from '../helpers/corpus.js';
import { sipflow } from '../helpers/cli.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { ROOT } from '../helpers/corpus.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8'));
const ajv = new (Ajv as unknown as typeof Ajv.default)({ allErrors: true, strict: false });
ajv.addSchema(schema, 'report');
const validRecord = ajv.compile({ $ref: 'report#/definitions/ndjsonRecord' });

/** A stream without its position in the report (numbering follows the order streams are written). */
const streamKey = (s: RtpStream) => `${s.src} ${s.dst} ${s.ssrc} ${s.firstFrame}`;

function comparable(calls: Call[], streams: RtpStream[]) {
  const byIndex = new Map(streams.map((s) => [s.index, s]));
  const c = calls.map((x) => ({ ...x, streams: x.streams.map((i) => streamKey(byIndex.get(i)!)) })).sort((a, b) => a.index - b.index);
  const s = streams.map(({ index: _i, ...rest }) => { void _i; return rest; }).sort((a, b) => (streamKey(a as RtpStream) < streamKey(b as RtpStream) ? -1 : 1));
  return { c, s };
}

test('streaming analysis hands over every call and stream of the whole-file report', { skip: corpusSkip() ? `${corpusSkip()} (fixtures only)` : false }, async () => {
  // With the corpus absent the test above is skipped visibly; the fixture test below still runs.
});

for (const file of allCaptures()) {
  test(`streaming = whole-file: ${short(file)}`, async () => {
    const whole = await analyze(file, { media: { heuristic: true } });
    const calls: Call[] = [];
    const streams: RtpStream[] = [];
    // A short linger so calls really leave memory during these small captures.
    const rest = await analyze(file, { media: { heuristic: true }, lingerS: 2, onCallDone: (c, s) => { calls.push(c); streams.push(...s); } });
    calls.push(...rest.calls);
    streams.push(...rest.rtpStreams);
    // A Call-ID that came back after it was written (a REGISTER refresh) is a second record with the same
    // index: together their messages are the whole-file call's; every other call is identical.
    const count = new Map<string, number>();
    for (const c of calls) count.set(c.callId, (count.get(c.callId) ?? 0) + 1);
    for (const [id, n] of count) {
      if (n < 2) continue;
      const parts = calls.filter((c) => c.callId === id);
      const w = whole.calls.find((c) => c.callId === id)!;
      assert.ok(parts.every((p) => p.index === w.index), `${id}: same index in every record`);
      assert.deepEqual(parts.flatMap((p) => p.messages), w.messages);
    }
    const single = (c: Call) => count.get(c.callId) === 1;
    const a = comparable(whole.calls.filter(single), whole.rtpStreams);
    const b = comparable(calls.filter(single), streams);
    assert.deepEqual(b.c, a.c);
    assert.deepEqual(b.s, a.s);
    const w = (x: { code: string; frame: number | null; message: string }[]) => x.map((y) => `${y.code} ${y.frame} ${y.message}`).sort();
    // Warnings about a call cut in two records are the records' own; the rest are the same.
    if ([...count.values()].every((n) => n === 1)) assert.deepEqual(w(rest.warnings), w(whole.warnings));
    assert.equal(new Set(streams.map((s) => s.index)).size, streams.length, 'stream indexes unique');
  });
}

test('--ndjson: a file header, streams before their call, warnings, then the capture record', () => {
  const r = sipflow(['analyze', 'fixtures/call-completed.pcapng', '--ndjson']);
  assert.equal(r.code, 0, r.stderr);
  const recs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; index?: number; streams?: number[] });
  for (const rec of recs) assert.ok(validRecord(rec), `${rec.type} record follows the schema: ${ajv.errorsText(validRecord.errors)}`);
  assert.equal(recs[0]!.type, 'file');
  assert.equal(recs[recs.length - 1]!.type, 'capture');
  const call = recs.find((x) => x.type === 'call')!;
  const before = recs.slice(0, recs.indexOf(call)).filter((x) => x.type === 'stream').map((x) => x.index);
  assert.deepEqual(call.streams, before);
  const json = JSON.parse(sipflow(['analyze', 'fixtures/call-completed.pcapng', '--json']).stdout);
  const { type: _t, ...ndCall } = call as Record<string, unknown>;
  void _t;
  assert.deepEqual(ndCall, json.calls[0]);
});
