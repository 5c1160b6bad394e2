/**
 * extract, then analyze: for every call of every capture of the reference
 * corpus (its folders listed, skipped with a note when absent) and of
 * fixtures/, the cut `extract --call-id X` makes holds the same call (its
 * messages frame by frame, state, outcome, events, streams with the same
 * packets and loss) and nothing else, and every record of the cut is one of
 * the capture's, in order, byte for byte.
 *
 * Sampling, to keep the suite's time: a capture with more than SAMPLE
 * dialogs has SAMPLE of them checked, spread evenly from the first to the
 * last (only the 1 334-dialog SIPp capture is that large). tshark reads one
 * cut per capture (its largest call): it must exit 0 and count the frames
 * written, and the display filter of --wireshark-filter must select in the
 * capture exactly the frames the cut holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { extractFilterText, indexCalls, writeFrames } from '../../src/extract/index.js';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { allCaptures, corpusSkip, hasTshark, short } from '../helpers/corpus.js';
import { compareCut, frameKeys, mapFrames, sample } from '../helpers/extract-check.js';

const SAMPLE = 40;
const run = promisify(execFile);

/** tshark's output lines (as helpers/corpus.ts tshark(), without blocking). */
async function tsharkAsync(args: string[]): Promise<string[]> {
  const { stdout } = await run('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return stdout.split('\n').filter((l) => l.length > 0);
}
const tmp = mkdtempSync(join(tmpdir(), 'sipflow-extract-corpus-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const skip = corpusSkip();
if (skip) test(`extract then analyze on the corpus: skipped (${skip}); fixtures only`, { skip }, () => {});

for (const file of allCaptures()) {
  test(`extract --call-id X then analyze gives call X and nothing else: ${short(file)}`, async () => {
    const index = await indexCalls(file);
    const original = await frameKeys(file);
    const calls = sample(index.report.calls, SAMPLE);
    const out = join(tmp, `${process.pid}-cut.pcapng`);
    let largest: { callId: string; frames: number[]; written: number } | null = null;
    for (const call of calls) {
      const w = await writeFrames(index, [call], out);
      const map = mapFrames(original, await frameKeys(out));
      assert.equal(map.length, w.written, `${call.callId}: frames written`);
      const cut = await analyze(out);
      const r = compareCut(index.report, cut, call.callId, map);
      const what = `call ${call.index} (${call.callId})`;
      assert.deepEqual(r.got, r.want, `${what}: the same call in the cut`);
      assert.deepEqual(r.gotStreams, r.wantStreams, `${what}: the same streams`);
      assert.deepEqual(r.jitterDiffs, [], `${what}: timing beyond rounding`);
      assert.deepEqual(r.strangers, [], `${what}: no other call in the cut, but for messages in frames it shares`);
      assert.deepEqual(r.strangerStreams, [], `${what}: no stream of another call`);
      if (!largest || map.length > largest.frames.length) largest = { callId: call.callId, frames: map, written: w.written };
    }
    if (!largest || !hasTshark()) return;
    const call = index.report.calls.find((c) => c.callId === largest!.callId)!;
    await writeFrames(index, [call], out);
    // The two tshark runs are independent: side by side (tshark's start-up is most of their time).
    const filter = extractFilterText(index, [call]);
    const [read, rowsText] = await Promise.all([
      tsharkAsync(['-r', out, '-T', 'fields', '-e', 'frame.number']),
      tsharkAsync(['-r', file, '-Y', filter, '-T', 'fields', '-e', 'frame.number', '-e', 'sip.Call-ID']),
    ]);
    assert.equal(read.length, largest.written, 'tshark reads every frame of the cut');
    // The display filter selects the same frames in the capture. Wireshark also finds SIP that sipflow
    // does not take apart (WebSocket, SCTP, a message over sipflow's size limit): those frames only
    // carry sip.Call-ID, never a media flow or a listed frame number.
    const rows = rowsText.map((l) => l.split('\t'));
    const selected = new Set(rows.map(([n]) => Number(n)));
    assert.deepEqual(largest.frames.filter((f) => !selected.has(f)), [], 'frames of the cut the filter misses');
    const mine = new Set(largest.frames);
    const extra = rows.filter(([n]) => !mine.has(Number(n)));
    assert.deepEqual(extra.filter(([, ids]) => !(ids ?? '').split(',').includes(call.callId)).map(([n]) => Number(n)), [],
      'frames the filter takes beyond the cut, other than SIP of the call that sipflow does not parse');
  });
}
