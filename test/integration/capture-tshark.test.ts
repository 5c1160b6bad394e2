/**
 * The capture and network stages agree with tshark on every reference capture:
 * frame count, every frame's timestamp to the nanosecond, and the set of UDP
 * payloads after IP reassembly and decapsulation (ICMP-quoted datagrams
 * excluded: they carry nothing).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readCapture } from '../../src/capture/index.js';
import { NetDecoder } from '../../src/net/decoder.js';
import { allCaptures, corpusFiles, hasTshark, short, tshark, tsharkSkip } from '../helpers/corpus.js';

const skip = tsharkSkip();

for (const file of hasTshark() ? allCaptures() : []) {
  test(`capture layer agrees with tshark: ${short(file)}`, async () => {
    const times: string[] = [];
    const udp = new Set<string>();
    const dec = new NetDecoder((d) => {
      if (d.transport === 'UDP') udp.add(`${d.frame}\t${d.srcPort}\t${d.dstPort}\t${Buffer.from(d.payload).toString('hex')}`);
    }, () => {});
    const info = await readCapture(file, {
      onFrame(f) {
        times.push(`${f.number}\t${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`);
        dec.decode(f);
      },
      onWarning() {},
    });
    dec.finish();
    const expTimes = tshark(['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch']);
    assert.equal(info.frames, expTimes.length, 'frame count');
    assert.deepEqual(times, expTimes, 'frame numbers and timestamps');
    // The innermost UDP layer (occurrence=l): tunnels (GTP-U, VXLAN...) carry UDP inside UDP.
    const expUdp = new Set(tshark(['-r', file, '-Y', 'udp && !icmp && !icmpv6', '-T', 'fields', '-E', 'occurrence=l',
      '-e', 'frame.number', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload'])
      .map((l) => l.endsWith('\t') ? l : l));
    const missing = [...expUdp].filter((x) => !udp.has(x)).map((x) => x.slice(0, 60));
    const extra = [...udp].filter((x) => !expUdp.has(x)).map((x) => x.slice(0, 60));
    assert.deepEqual({ missing: missing.slice(0, 5), extra: extra.slice(0, 5) }, { missing: [], extra: [] });
    assert.equal(udp.size, expUdp.size);
  });
}

test('reference corpus present for capture tests', { skip }, () => {
  assert.ok(corpusFiles().length >= 15);
});
