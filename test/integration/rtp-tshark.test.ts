/**
 * RTP statistics against Wireshark: every stream `tshark -z rtp,streams` lists
 * is found (same src, dst, SSRC) with equal packets and lost, max delta within
 * 0.05 ms and mean jitter within 2 %. sipflow may list more streams than tshark
 * (Wireshark hands a port to STUN once it saw STUN there, or ignores an SDP
 * answer whose offer is not in the capture); those are real RTP and allowed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analyze.js';
import { mediaStageFactory } from '../../src/cli/media.js';
import { allCaptures, hasTshark, short, tshark, tsharkSkip } from '../helpers/corpus.js';

const LINE = /^\s*([\d.]+)\s+([\d.]+)\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+0x([0-9A-Fa-f]+)\s+(.*?)\s+(\d+)\s+(-?\d+) \(.*?\)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)/;
const ep = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

for (const file of hasTshark() ? allCaptures() : []) {
  test(`RTP streams agree with tshark -z rtp,streams: ${short(file)}`, async () => {
    const rows = tshark(['-q', '-r', file, '-z', 'rtp,streams']).filter((l) => /^\s+\d+\.\d+\s+\d/.test(l));
    const report = await analyze(file, { media: mediaStageFactory({ heuristic: false }) });
    for (const row of rows) {
      const m = LINE.exec(row);
      assert.ok(m, `unparsed tshark row: ${row}`);
      const src = ep(m[3]!, m[4]!), dst = ep(m[5]!, m[6]!), ssrc = '0x' + m[7]!.toLowerCase().padStart(8, '0');
      const s = report.rtpStreams.find((x) => x.src === src && x.dst === dst && x.ssrc === ssrc);
      assert.ok(s, `stream ${src} -> ${dst} ${ssrc} found`);
      assert.equal(s.packets, Number(m[9]), `packets of ${src} -> ${dst}`);
      assert.equal(s.lost, Number(m[10]), `lost of ${src} -> ${dst}`);
      assert.ok(Math.abs(s.maxDeltaMs - Number(m[13])) <= 0.05, `max delta ${s.maxDeltaMs} vs ${m[13]}`);
      const mj = Number(m[15]);
      assert.ok(Math.abs(s.meanJitterMs - mj) <= Math.max(0.02 * mj, 0.0015), `mean jitter ${s.meanJitterMs} vs ${mj}`);
    }
    assert.ok(report.rtpStreams.length >= rows.length);
  });
}

test('tshark is available for the RTP differential tests', { skip: tsharkSkip() }, () => {
  assert.ok(allCaptures().length > 0);
});
