/**
 * The reader's backpressure hook (ReadOptions.betweenReads): a promise it
 * returns holds the next read, so a consumer that cannot keep up (analyze
 * --ndjson on a slow pipe) stops the reading instead of queueing its output.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/index.js';
import { readCaptures } from '../../src/capture/merge.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';

function capture(frames: number, start: number): Uint8Array {
  const w = new PcapngWriter();
  const id = w.addInterface({ linkType: 1 });
  const payload = Buffer.alloc(900, 0x41);
  for (let i = 0; i < frames; i++) w.writePacket(id, start + Math.floor(i / 50), (i % 50) * 20_000_000, udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 4000, dport: 5000, payload }));
  return w.toBytes();
}

test('betweenReads: each promise holds the next read (one file, and several merged); every frame still comes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-bp-'));
  try {
    const a = join(dir, 'a.pcapng'), b = join(dir, 'b.pcapng');
    writeFileSync(a, capture(12_000, 1_700_000_000)); // ~11 MB: many reads
    writeFileSync(b, capture(9_000, 1_700_000_001));
    for (const paths of [[a], [a, b]]) {
      let waiting = false, waits = 0, frames = 0;
      await readCaptures(paths, {
        onFrame() { assert.equal(waiting, false, 'a frame came while a wait was pending'); frames++; },
        onWarning(w) { assert.fail(w.message); },
        betweenReads() {
          if (waits++ % 3) return undefined;
          waiting = true;
          return new Promise((r) => setTimeout(() => { waiting = false; r(); }, 5));
        },
      });
      assert.equal(frames, paths.length === 1 ? 12_000 : 21_000);
      assert.ok(waits >= 3, `${waits} calls between reads`);
    }
    // readCapture alone, the path a single file takes.
    let n = 0;
    await readCapture(a, { onFrame() { n++; }, onWarning() {}, betweenReads: () => undefined });
    assert.equal(n, 12_000);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
