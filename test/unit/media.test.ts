/** Media layer on bytes built in memory: SDP, RTP statistics, DTMF, RTCP, heuristic streams. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSdp } from '../../src/media/sdp.js';
import { RtpStats, TimestampUnwrapper } from '../../src/media/rtp-stats.js';
import { DtmfDecoder, infoDtmfDigit } from '../../src/media/dtmf.js';
import { parseRtcp } from '../../src/media/rtcp.js';
import { analysisClockRate, codecName } from '../../src/media/codecs.js';
import { FileSink, PcapngWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import { analyze } from '../../src/analyze.js';

test('SDP: session and media c=, rtpmap, fmtp, ptime, direction, rtcp, rejected streams', () => {
  const sdp = parseSdp([
    'v=0', 'o=- 1 1 IN IP4 10.0.0.1', 's=-', 'c=IN IP4 10.0.0.1', 't=0 0', 'a=sendonly',
    'm=audio 4000 RTP/AVP 96 0 101', 'a=rtpmap:96 opus/48000/2', 'a=fmtp:96 useinbandfec=1', 'a=rtpmap:101 telephone-event/8000',
    'a=ptime:20', 'a=maxptime:60', 'a=rtcp:4005 IN IP4 10.0.0.9',
    'm=video 0 RTP/AVP 97', 'c=IN IP4 10.0.0.2', 'a=rtpmap:97 VP8/90000', 'a=inactive',
  ].join('\r\n'));
  assert.equal(sdp.media.length, 2);
  const [a, v] = sdp.media as [typeof sdp.media[0], typeof sdp.media[0]];
  assert.equal(a.address, '10.0.0.1');
  assert.equal(a.port, 4000);
  assert.deepEqual(a.rtpmap.get(96), { name: 'opus', rate: 48000, channels: 2 });
  assert.equal(a.fmtp.get(96), 'useinbandfec=1');
  assert.equal(a.ptime, 20);
  assert.equal(a.maxptime, 60);
  assert.equal(a.direction, 'sendonly', 'session-level direction applies');
  assert.equal(a.rtcpPort, 4005);
  assert.equal(a.rtcpAddress, '10.0.0.9');
  assert.equal(v.rejected, true);
  assert.equal(v.address, '10.0.0.2');
  assert.equal(v.direction, 'inactive');
  assert.equal(codecName(96, a.rtpmap.get(96)), 'opus/48000');
  assert.equal(codecName(9, undefined), 'G722/8000', "G.722's RTP clock is 8000");
  assert.equal(analysisClockRate(101, a.rtpmap.get(101)), 0, 'telephone-event timing is not analysed');
  assert.equal(analysisClockRate(97, { name: 'VP8', rate: 90000, channels: null }), 90000);
});

/** Feed packets [timeMs, seq, ts] of PT 0 into a stats object. */
function feed(pkts: [number, number, number][], marker0 = false): RtpStats {
  const s = new RtpStats();
  const u = new TimestampUnwrapper();
  pkts.forEach(([t, seq, ts], i) => s.add(t, seq, u.next(ts), 0, marker0 && i === 0, 8000, 200));
  return s;
}

test('RTP stats: perfect 20 ms stream has no loss, no jitter, 20 ms deltas', () => {
  const s = feed(Array.from({ length: 50 }, (_, i) => [i * 20, 100 + i, 1000 + i * 160] as [number, number, number]));
  assert.equal(s.packets, 50);
  assert.equal(s.lost, 0);
  assert.equal(s.seqErrors, 0);
  assert.equal(s.maxDelta, 20);
  assert.equal(s.minDelta, 20);
  assert.equal(s.meanJitter, 0);
  assert.equal(s.ptimeMs(), 20);
});

test('RTP stats: loss, duplicates and reordering counted like Wireshark', () => {
  // seq 1,2,4,5 (3 lost), then 5 again (duplicate), then 6
  const s = feed([[0, 1, 0], [20, 2, 160], [60, 4, 480], [80, 5, 640], [81, 5, 640], [100, 6, 800]]);
  assert.equal(s.packets, 6);
  assert.equal(s.lost, 0, 'expected 6 (1..6), received 6 including the duplicate');
  assert.equal(s.seqErrors, 2, 'one gap, one duplicate');
  const t = feed([[0, 10, 0], [20, 11, 160], [60, 13, 480]]);
  assert.equal(t.lost, 1);
});

test('RTP stats: sequence wrap counts a cycle', () => {
  const s = feed([[0, 65534, 0], [20, 65535, 160], [40, 0, 320], [60, 1, 480]]);
  assert.equal(s.expected, 4);
  assert.equal(s.lost, 0);
  assert.equal(s.seqErrors, 0);
});

test('RTP stats: RFC 3550 jitter arithmetic on a hand-computed example', () => {
  // Second packet 5 ms late: D = 5 -> J = 5/16; third on time relative to the second: D = |40-(25+20)| = 5 -> J = (15*5/16+5)/16
  const s = feed([[0, 1, 0], [25, 2, 160], [40, 3, 320]]);
  const j2 = 5 / 16;
  const j3 = (15 * j2 + 5) / 16;
  assert.ok(Math.abs(s.jitter - j3) < 1e-12);
  assert.ok(Math.abs(s.maxJitter - j3) < 1e-12);
  assert.ok(Math.abs(s.meanJitter - (j2 + j3) / 2) < 1e-12);
  assert.equal(s.maxDelta, 25);
  assert.equal(s.minDelta, 15);
});

test('RTP stats: a marker packet is left out of delta and jitter statistics', () => {
  const s = new RtpStats();
  s.add(0, 1, 0, 0, false, 8000, 200);
  s.add(500, 2, 160, 0, true, 8000, 200); // talk spurt after silence
  s.add(520, 3, 320, 0, false, 8000, 200);
  assert.equal(s.maxDelta, 20);
  assert.equal(s.markers, 1);
});

test('DTMF: one digit per event, end packets repeated three times, duration from the end packet', () => {
  const d = new DtmfDecoder();
  const pkt = (ev: number, end: boolean, dur: number) => Uint8Array.of(ev, (end ? 0x80 : 0) | 10, dur >> 8, dur & 0xff);
  d.add(pkt(5, false, 160), 1000, 8000, 10, 1.0);
  d.add(pkt(5, false, 320), 1000, 8000, 11, 1.02);
  for (let i = 0; i < 3; i++) d.add(pkt(5, true, 800), 1000, 8000, 12 + i, 1.1);
  d.add(pkt(11, false, 160), 9000, 8000, 20, 2.0);
  d.add(pkt(11, true, 400), 9000, 8000, 21, 2.05);
  assert.deepEqual(d.digits.map((x) => [x.digit, x.frame, x.durationMs]), [['5', 10, 100], ['#', 20, 50]]);
  assert.equal(infoDtmfDigit('application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n'), '5');
  assert.equal(infoDtmfDigit('application/dtmf-relay', 'Signal=*\r\n'), '*');
  assert.equal(infoDtmfDigit('application/dtmf', '11'), '#');
  assert.equal(infoDtmfDigit('text/plain', '5'), null);
});

test('RTCP: receiver report blocks give loss and jitter per SSRC', () => {
  const b = Buffer.alloc(8 + 24);
  b[0] = 0x81; b[1] = 201; b.writeUInt16BE(7, 2); b.writeUInt32BE(0xaabbccdd, 4);
  b.writeUInt32BE(0x11223344, 8); b[12] = 64; b[13] = 0; b[14] = 0; b[15] = 3; b.writeUInt32BE(80, 20);
  const r = parseRtcp(b);
  assert.equal(r.receiverReports, 1);
  assert.deepEqual(r.blocks, [{ ssrc: 0x11223344, fractionLost: 0.25, cumulativeLost: 3, jitter: 80, lsr: 0, dlsr: 0 }]);
});

test('heuristic RTP: found only with --rtp-heuristic, marked heuristic', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-media-'));
  const file = join(dir, 'rtp-only.pcapng');
  const w = new PcapngWriter(new FileSink(file));
  const i = w.addInterface({ linkType: 1 });
  for (let n = 0; n < 20; n++) {
    const rtp = Buffer.alloc(172);
    rtp[0] = 0x80; rtp[1] = 8; rtp.writeUInt16BE(500 + n, 2); rtp.writeUInt32BE(n * 160, 4); rtp.writeUInt32BE(0xdeadbeef, 8);
    w.writePacket(i, 1700000000, n * 20_000_000, udpFrame({ src: '10.1.1.1', dst: '10.1.1.2', sport: 30000, dport: 40000, payload: rtp }));
  }
  w.close();
  const plain = await analyze(file, { media: { heuristic: false } });
  assert.equal(plain.rtpStreams.length, 0);
  const heur = await analyze(file, { media: { heuristic: true } });
  assert.equal(heur.rtpStreams.length, 1);
  const s = heur.rtpStreams[0]!;
  assert.equal(s.heuristic, true);
  assert.equal(s.packets, 20);
  assert.equal(s.codec, 'PCMA/8000');
  assert.equal(s.ssrc, '0xdeadbeef');
  assert.equal(s.lost, 0);
  assert.ok(Math.abs(s.ptimeMs - 20) < 1e-9);
});
