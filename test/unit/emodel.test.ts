/**
 * The E-model against G.107's reference point (all defaults: R = 93.2) and
 * cases worked out by hand from the Recommendation's formulas, then the
 * quality tap through analyze(): loss, bursts, the worst 5-second window,
 * jitter-buffer discards and the RTCP round trip.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codecImpairment, eModel, G107_DEFAULTS, mosFromR } from '../../src/media/emodel.js';
import { DEFAULT_JITTER_BUFFER_MS, DEFAULT_NETWORK_DELAY_MS, lossFigures } from '../../src/media/quality.js';
import { analyze } from '../../src/analyze.js';
import { audioMedia, CALLEE, CALLER, callCapture, rtpPackets, type Direction } from '../helpers/rtp-capture.js';
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const close = (a: number, b: number, eps: number, what: string) => assert.ok(Math.abs(a - b) <= eps, `${what}: ${a} vs ${b}`);

test('G.107 default parameters give R = 93.2 and MOS 4.41', () => {
  const r = eModel();
  close(r.R, 93.2, 0.05, 'R');
  close(r.Ro, 94.77, 0.01, 'Ro');
  close(r.Is, 1.41, 0.02, 'Is');
  close(r.mos, 4.41, 0.005, 'MOS');
  assert.equal(G107_DEFAULTS.T, 0);
});

test('hand-worked cases: codec, random and bursty loss, delay', () => {
  // G.711 with PLC (Bpl 25.1), 1 % random loss: Ie,eff = 95 * 1 / (1 + 25.1) = 3.64.
  close(eModel({ Ie: 0, Bpl: 25.1, Ppl: 1 }).R, 93.2 - 3.64, 0.06, 'G.711 1 %');
  // G.729A (Ie 11, Bpl 19), 2 %: Ie,eff = 11 + 84 * 2 / 21 = 19, R = 74.2, MOS = 1 + 0.035R + R(R-60)(100-R)7e-6 = 3.79.
  const g729 = eModel({ Ie: 11, Bpl: 19, Ppl: 2 });
  close(g729.IeEff, 19, 1e-9, 'Ie,eff');
  close(g729.R, 74.2, 0.06, 'G.729A 2 %');
  close(g729.mos, 3.79, 0.01, 'G.729A MOS');
  // Bursty loss (BurstR 2) hurts more than random at the same rate: 95 * 2 / (1 + 25.1) = 7.28.
  close(eModel({ Ie: 0, Bpl: 25.1, Ppl: 2, BurstR: 2 }).IeEff, 7.28, 0.01, 'bursty');
  // Absolute delay 200 ms: X = 1, Idd = 25((2)^(1/6) - 3(1 + 3^-6)^(1/6) + 2) = 3.04.
  close(eModel({ Ta: 200 }).R, 93.2 - 3.04, 0.06, 'Ta 200 ms');
  assert.equal(eModel({ Ta: 100 }).R, eModel().R, 'no delay impairment up to 100 ms');
  assert.equal(mosFromR(-5), 1);
  assert.equal(mosFromR(3), 1, 'the cubic dips under 1 near 0: clamped');
  assert.equal(mosFromR(120), 4.5);
});

test('codec figures: G.113 for G.711/G.729, stated assumptions for Opus, none for video', () => {
  assert.deepEqual([codecImpairment('PCMA/8000')?.Ie, codecImpairment('PCMA/8000')?.Bpl, codecImpairment('PCMA/8000')?.source], [0, 25.1, 'G.113']);
  assert.equal(codecImpairment('G729/8000')?.Ie, 11);
  assert.equal(codecImpairment('opus/48000')?.source, 'assumed');
  assert.equal(codecImpairment('VP8/90000'), null);
  assert.equal(codecImpairment('telephone-event/8000'), null);
});

test('loss runs give BurstR = 1/(p+q)', () => {
  assert.deepEqual(lossFigures(1000, 0, 0), { ppl: 0, burstR: 1 });
  // 10 lost in 2 runs of 5 among 1000: p = 2/990, q = 2/10 -> BurstR 4.95.
  const f = lossFigures(1000, 10, 2);
  close(f.ppl, 1, 1e-9, 'ppl');
  close(f.burstR, 1 / (2 / 990 + 2 / 10), 1e-9, 'BurstR');
  assert.equal(lossFigures(1000, 10, 10).burstR, 1, 'isolated losses are random loss');
});

function pcmu(n: number, extra: Partial<Direction> = {}): Direction {
  return { from: CALLER, to: CALLEE, payloads: Array.from({ length: n }, () => new Uint8Array(160).fill(0xff)), pt: 0, tsStep: 160, start: 1, interval: 0.02, ...extra };
}

test('quality tap: MOS from loss, the worst 5-second window, default delay stated', async () => {
  // 15 s of PCMU; 40 packets lost in 4 runs within seconds 5-10 only.
  const lose = [300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 450, 451, 452, 453, 454, 455, 456, 457, 458, 459];
  const r = await analyze(callCapture(audioMedia(0, 'PCMU/8000'), [pcmu(750, { lose })]));
  const s = r.rtpStreams[0]!;
  assert.equal(s.lost, 40);
  const q = s.quality!;
  assert.equal(q.delaySource, 'default');
  assert.equal(q.delayMs, DEFAULT_NETWORK_DELAY_MS + DEFAULT_JITTER_BUFFER_MS + 20);
  close(q.lossPct, 40 * 100 / 750, 0.001, 'overall loss');
  // BurstR: 4 runs of 10 among 750 -> p = 4/710, q = 4/40.
  close(q.burstR, 1 / (4 / 710 + 4 / 40), 0.01, 'BurstR');
  const expected = eModel({ Ie: 0, Bpl: 25.1, Ppl: 40 * 100 / 750, BurstR: 1 / (4 / 710 + 4 / 40), T: q.delayMs, Ta: q.delayMs, Tr: 2 * q.delayMs });
  close(s.rFactor!, expected.R, 0.051, 'R');
  close(s.mos!, expected.mos, 0.0051, 'MOS');
  assert.ok(s.mosWorst5s! < s.mos! - 0.3, `the lossy window is worse: ${s.mosWorst5s} vs ${s.mos}`);
  assert.equal(q.worstWindow!.start, 6, 'window [5 s, 10 s) of the stream, which started at 1 s');
  close(q.worstWindow!.lossPct, 40 * 100 / 250, 0.01, 'loss in the window');
});

test('quality tap: a fixed jitter buffer counts late packets as lost; RTCP gives the round trip', async () => {
  const late = { 30: 0.1, 31: 0.1 };
  const plain = await analyze(callCapture(audioMedia(0, 'PCMU/8000'), [pcmu(100, { late })]));
  assert.equal(plain.rtpStreams[0]!.quality!.discarded, 0, 'no buffer: every packet plays');
  const buffered = await analyze(callCapture(audioMedia(0, 'PCMU/8000'), [pcmu(100, { late })]), { jitterBufferMs: 60 });
  const q = buffered.rtpStreams[0]!.quality!;
  assert.equal(q.discarded, 2, 'two packets 100 ms late miss a 60 ms buffer');
  assert.equal(q.jitterBufferMs, 60);
  close(q.lossPct, 2, 1e-9, 'discards are loss');
  assert.ok(buffered.rtpStreams[0]!.mos! < plain.rtpStreams[0]!.mos!);

  // RTCP: the caller's SR (NTP middle 0x12345678) at 1.5 s, the callee's RR echoing it with DLSR 0.5 s at 2.1 s: a 100 ms loop.
  const sr = Buffer.alloc(28);
  sr[0] = 0x80; sr[1] = 200; sr.writeUInt16BE(6, 2); sr.writeUInt32BE(0x5eed, 4); sr.writeUInt32BE(0x00001234, 8); sr.writeUInt32BE(0x56780000, 12);
  const rr = Buffer.alloc(32);
  rr[0] = 0x81; rr[1] = 201; rr.writeUInt16BE(7, 2); rr.writeUInt32BE(0x7777, 4); rr.writeUInt32BE(0x5eed, 8); rr.writeUInt32BE(0x12345678, 24); rr.writeUInt32BE(32768, 28);
  const d = pcmu(100);
  const cap = callCaptureWithRtcp(d, [[1.5, CALLER, CALLEE, sr], [2.1, CALLEE, CALLER, rr]]);
  const rq = (await analyze(cap)).rtpStreams[0]!.quality!;
  assert.equal(rq.delaySource, 'rtcp');
  close(rq.rttMs!, 100, 0.01, 'round trip');
  close(rq.delayMs, 50 + DEFAULT_JITTER_BUFFER_MS + 20, 0.01, 'one-way delay');
});


/** A call whose RTP comes with RTCP packets (sent from and to the RTP port + 1). */
function callCaptureWithRtcp(d: Direction, rtcp: [number, typeof CALLER, typeof CALLER, Buffer][]): string {
  const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
  const sdp = (h: typeof CALLER) => `v=0\r\no=- 1 1 IN IP4 ${h.ip}\r\ns=-\r\nc=IN IP4 ${h.ip}\r\nt=0 0\r\n${audioMedia(0, 'PCMU/8000').replace(/PORT/g, String(h.port))}`;
  const msg = (start: string, cseq: string, body?: string) => Buffer.from([start, 'Via: SIP/2.0/UDP x;branch=z9hG4bK' + cseq.replace(' ', ''), 'From: <sip:a@x>;tag=a', `To: <sip:b@x>${start.startsWith('SIP') || cseq !== '1 INVITE' ? ';tag=b' : ''}`, 'Call-ID: rtcp-1', `CSeq: ${cseq}`, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${body ? Buffer.byteLength(body) : 0}`].join('\r\n') + '\r\n\r\n' + (body ?? ''));
  const frames: [number, typeof CALLER, typeof CALLER, Buffer][] = [
    [0, { ip: CALLER.ip, port: 5060 }, { ip: CALLEE.ip, port: 5060 }, msg('INVITE sip:b@x SIP/2.0', '1 INVITE', sdp(CALLER))],
    [0.01, { ip: CALLEE.ip, port: 5060 }, { ip: CALLER.ip, port: 5060 }, msg('SIP/2.0 200 OK', '1 INVITE', sdp(CALLEE))],
    [0.02, { ip: CALLER.ip, port: 5060 }, { ip: CALLEE.ip, port: 5060 }, msg('ACK sip:b@x SIP/2.0', '1 ACK')],
    ...rtpPackets(d).map(([t, p]): [number, typeof CALLER, typeof CALLER, Buffer] => [t, d.from, d.to, p]),
    ...rtcp.map(([t, a, b, p]): [number, typeof CALLER, typeof CALLER, Buffer] => [t, { ...a, port: a.port + 1 }, { ...b, port: b.port + 1 }, p]),
  ];
  frames.sort((a, b) => a[0] - b[0]);
  for (const [t, s, dd, p] of frames) w.writePacket(1700000000 + Math.floor(t), Math.round((t % 1) * 1e9), udpFrame({ src: s.ip, dst: dd.ip, sport: s.port, dport: dd.port, payload: p }));
  const f = join(mkdtempSync(join(tmpdir(), 'sipflow-rtcp-')), 'rtcp.pcap');
  writeFileSync(f, w.toBytes());
  return f;
}
