/**
 * The media stage through the whole pipeline, on captures built in memory:
 * SDP -> expected media, streams tied to calls, DTMF (RFC 4733 and INFO),
 * RTCP reports, re-INVITE adding video, multipart bodies, IPv6 SDP, heuristic
 * streams, SSRC changes, and the one-way / no-audio judgement.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { canonicalAddress } from '../../src/media/stage.js';
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import type { Report } from '../../src/model.js';

const dir = mkdtempSync(join(tmpdir(), 'sipflow-media-stage-'));
let files = 0;

interface Host { ip: string; rtp: number }
const A: Host = { ip: '10.0.0.1', rtp: 4000 };
const B: Host = { ip: '10.0.0.2', rtp: 6000 };

function sdp(h: Host, extra = '', video: number | null = null): string {
  const fam = h.ip.includes(':') ? 'IP6' : 'IP4';
  let s = `v=0\r\no=- 1 1 IN ${fam} ${h.ip}\r\ns=-\r\nc=IN ${fam} ${h.ip}\r\nt=0 0\r\n` +
    `m=audio ${h.rtp} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=ptime:20\r\n${extra}`;
  if (video !== null) s += `m=video ${video} RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n`;
  return s;
}

class Cap {
  readonly frames: { t: number; src: string; sport: number; dst: string; dport: number; payload: Buffer }[] = [];
  private branch = 0;
  callId = 'media-1';
  constructor(readonly a: Host = A, readonly b: Host = B) {}

  udp(t: number, src: string, sport: number, dst: string, dport: number, payload: Buffer): this {
    this.frames.push({ t, src, sport, dst, dport, payload });
    return this;
  }

  /** A SIP message; `fromA` says who sends it. Responses keep the dialog's From/To. */
  sip(t: number, fromA: boolean, start: string, cseq: string, body?: { ct?: string; text: string }, extra: string[] = []): this {
    const [s, d] = fromA ? [this.a, this.b] : [this.b, this.a];
    const response = start.startsWith('SIP/2.0');
    const h = [start, `Via: SIP/2.0/UDP ${s.ip.includes(':') ? `[${s.ip}]` : s.ip}:5060;branch=z9hG4bK${++this.branch}`,
      'From: <sip:alice@example.test>;tag=a', `To: <sip:bob@example.test>${response || cseq !== '1 INVITE' ? ';tag=b' : ''}`,
      `Call-ID: ${this.callId}`, `CSeq: ${cseq}`, 'Max-Forwards: 70', ...extra];
    if (body) h.push(`Content-Type: ${body.ct ?? 'application/sdp'}`);
    h.push(`Content-Length: ${body ? Buffer.byteLength(body.text) : 0}`);
    return this.udp(t, s.ip, 5060, d.ip, 5060, Buffer.from(h.join('\r\n') + '\r\n\r\n' + (body?.text ?? '')));
  }

  /** INVITE (SDP) / 200 (SDP) / ACK at t..t+0.02. */
  call(t: number, offer = sdp(this.a), answer = sdp(this.b)): this {
    return this.sip(t, true, 'INVITE sip:bob@example.test SIP/2.0', '1 INVITE', { text: offer })
      .sip(t + 0.01, false, 'SIP/2.0 200 OK', '1 INVITE', { text: answer })
      .sip(t + 0.02, true, 'ACK sip:bob@example.test SIP/2.0', '1 ACK');
  }

  bye(t: number): this {
    return this.sip(t, true, 'BYE sip:bob@example.test SIP/2.0', '2 BYE').sip(t + 0.01, false, 'SIP/2.0 200 OK', '2 BYE');
  }

  /** `n` PCMU packets every 20 ms from `from` to `to`. */
  rtp(t: number, from: Host, to: Host, n: number, o: { ssrc?: number; seq?: number; pt?: number; clock?: number; sport?: number; dport?: number } = {}): this {
    for (let i = 0; i < n; i++) {
      const p = Buffer.alloc(12 + 160, 0xff);
      p[0] = 0x80; p[1] = o.pt ?? 0;
      p.writeUInt16BE(((o.seq ?? 1) + i) & 0xffff, 2);
      p.writeUInt32BE((i * (o.clock ?? 160)) >>> 0, 4);
      p.writeUInt32BE((o.ssrc ?? 0xa1) >>> 0, 8);
      this.udp(t + i * 0.02, from.ip, o.sport ?? from.rtp, to.ip, o.dport ?? to.rtp, p);
    }
    return this;
  }

  async analyze(heuristic = false): Promise<Report> {
    const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
    // Frames in time order (stable), as a capture would hold them.
    const frames = this.frames.map((f, i) => ({ f, i })).sort((x, y) => x.f.t - y.f.t || x.i - y.i).map((x) => x.f);
    for (const f of frames) {
      const sec = Math.floor(f.t);
      w.writePacket(1700000000 + sec, Math.round((f.t - sec) * 1e9), udpFrame({ src: f.src, dst: f.dst, sport: f.sport, dport: f.dport, payload: f.payload }));
    }
    const file = join(dir, `${++files}.pcap`);
    writeFileSync(file, w.toBytes());
    return analyze(file, { media: { heuristic } });
  }
}

function event(pt: number, seq: number, ts: number, digit: number, end: boolean, dur: number): Buffer {
  const p = Buffer.alloc(16);
  p[0] = 0x80; p[1] = pt | (seq === 500 ? 0x80 : 0);
  p.writeUInt16BE(seq, 2); p.writeUInt32BE(ts, 4); p.writeUInt32BE(0xa1, 8);
  p[12] = digit; p[13] = (end ? 0x80 : 0) | 10; p.writeUInt16BE(dur, 14);
  return p;
}

test('a call with RTP both ways: streams, media, SDP summaries, DTMF from RTP and INFO, RTCP by SSRC', async () => {
  const c = new Cap().call(0).rtp(1, A, B, 50, { ssrc: 0xa1 }).rtp(1.005, B, A, 50, { ssrc: 0xb2, seq: 9000 });
  // Digit 5 as RFC 4733: three progress packets and an end packet sent three times, one timestamp.
  [[500, false, 160], [501, false, 320], [502, false, 480], [503, true, 800], [504, true, 800], [505, true, 800]].forEach(([seq, end, dur], k) =>
    c.udp(2.1 + k * 0.02, A.ip, A.rtp, B.ip, B.rtp, event(101, seq as number, 8000, 5, end as boolean, dur as number)));
  c.sip(2.5, true, 'INFO sip:bob@example.test SIP/2.0', '3 INFO', { ct: 'application/dtmf-relay', text: 'Signal=7\r\nDuration=160\r\n' });
  // Bob's receiver report on Alice's stream: 25 % lost recently, 3 in all, jitter 80 units.
  const rr = Buffer.alloc(32);
  rr[0] = 0x81; rr[1] = 201; rr.writeUInt16BE(7, 2); rr.writeUInt32BE(0xb2, 4); rr.writeUInt32BE(0xa1, 8); rr[12] = 64; rr[15] = 3; rr.writeUInt32BE(80, 20);
  c.udp(2.6, B.ip, B.rtp + 1, A.ip, A.rtp + 1, rr);
  // Alice's sender report (no report blocks) counts on her own stream.
  const sr = Buffer.alloc(28);
  sr[0] = 0x80; sr[1] = 200; sr.writeUInt16BE(6, 2); sr.writeUInt32BE(0xa1, 4);
  c.udp(2.7, A.ip, A.rtp + 1, B.ip, B.rtp + 1, sr);
  c.bye(3);
  const r = await c.analyze();
  const call = r.calls[0]!;
  assert.equal(r.rtpStreams.length, 2);
  assert.deepEqual(call.streams, [1, 2]);
  const [ab, ba] = r.rtpStreams as [typeof r.rtpStreams[0], typeof r.rtpStreams[0]];
  assert.equal(ab.src, '10.0.0.1:4000');
  assert.equal(ab.codec, 'PCMU/8000');
  assert.equal(ab.packets, 56);
  assert.deepEqual(ab.payloadTypes, [0, 101]);
  assert.equal(ab.lost, 449, 'the event packets jump the sequence from 50 to 500: Wireshark counts the gap as lost');
  assert.deepEqual(ab.dtmf?.map((d) => [d.digit, d.durationMs]), [['5', 100]]);
  assert.deepEqual(ab.rtcp, { senderReports: 1, receiverReports: 1, fractionLost: 25, cumulativeLost: 3, jitterMs: 10 });
  assert.equal(ba.rtcp, null, 'nothing reported on Bob\'s stream');
  assert.equal(ba.lost, 0);
  assert.ok(Math.abs(ba.ptimeMs - 20) < 1e-9);
  assert.ok(Math.abs(ba.pps - 50) < 0.01);
  assert.deepEqual(call.media, [{ type: 'audio', codecs: ['PCMU/8000', 'telephone-event/8000'], ptimeMs: 20, direction: 'sendrecv' }]);
  assert.equal(call.messages[0]!.sdpSummary, 'audio PCMU/8000 10.0.0.1:4000');
  assert.equal(call.messages[1]!.sdpSummary, 'audio PCMU/8000 10.0.0.2:6000');
  const dtmf = call.events.filter((e) => e.text.startsWith('DTMF'));
  assert.deepEqual(dtmf.map((e) => e.text), ['DTMF 5', 'DTMF 7 (INFO)']);
  assert.equal(dtmf[0]!.frame, 104, 'the first packet of the event');
  assert.equal(call.outcome, 'COMPLETED');
  assert.deepEqual(r.warnings, []);
});

test('audio in one direction only after the answer: ONE-WAY AUDIO', async () => {
  const r = await new Cap().call(0).rtp(1, A, B, 100).bye(3.5).analyze();
  assert.equal(r.calls[0]!.outcome, 'COMPLETED, ONE-WAY AUDIO');
  assert.ok(r.warnings.some((w) => w.code === 'one-way-audio' && w.message.includes('10.0.0.1:4000 -> 10.0.0.2:6000')));
});

test('both parties on one host (a loopback lab, a local relay): two-way audio is judged by endpoints, not hosts', async () => {
  const L1: Host = { ip: '127.0.0.1', rtp: 6000 };
  const L2: Host = { ip: '127.0.0.1', rtp: 6002 };
  const both = await new Cap(L1, L2).call(0).rtp(1, L1, L2, 100).rtp(1.01, L2, L1, 100, { ssrc: 0x77 }).bye(3.5).analyze();
  assert.equal(both.calls[0]!.outcome, 'COMPLETED');
  assert.ok(!both.warnings.some((w) => w.code === 'one-way-audio'));
  const one = await new Cap(L1, L2).call(0).rtp(1, L1, L2, 100).bye(3.5).analyze();
  assert.equal(one.calls[0]!.outcome, 'COMPLETED, ONE-WAY AUDIO');
});

test('no audio although the capture sees the media endpoints (STUN only): NO AUDIO', async () => {
  const stun = Buffer.from('000100002112a442000000000000000000000000', 'hex');
  const c = new Cap().call(0);
  for (let i = 0; i < 5; i++) c.udp(1 + i, A.ip, A.rtp, B.ip, B.rtp, stun).udp(1.1 + i, B.ip, B.rtp, A.ip, A.rtp, stun);
  const r = await c.bye(7).analyze();
  assert.equal(r.calls[0]!.outcome, 'COMPLETED, NO AUDIO');
  assert.ok(r.warnings.some((w) => w.code === 'no-audio'));
});

test('no datagram at all at the media endpoints: not judged, only reported as not captured', async () => {
  const r = await new Cap().call(0).bye(5).analyze();
  assert.equal(r.calls[0]!.outcome, 'COMPLETED');
  assert.deepEqual(r.warnings.map((w) => w.code), ['media-not-captured']);
});

test('re-INVITE adding video: VP8 stream at 90 kHz, video media, Video ON at the re-INVITE', async () => {
  const c = new Cap().call(0).rtp(1, A, B, 20).rtp(1.001, B, A, 20, { ssrc: 0xb2 });
  c.sip(1.5, true, 'INVITE sip:bob@example.test SIP/2.0', '3 INVITE', { text: sdp(A, '', 4002) })
    .sip(1.51, false, 'SIP/2.0 200 OK', '3 INVITE', { text: sdp(B, '', 6002) })
    .sip(1.52, true, 'ACK sip:bob@example.test SIP/2.0', '3 ACK');
  c.rtp(1.6, A, B, 30, { ssrc: 0xc3, pt: 96, clock: 3000, sport: 4002, dport: 6002 });
  const r = await c.analyze();
  const video = r.rtpStreams.find((s) => s.ssrc === '0x000000c3')!;
  assert.equal(video.codec, 'VP8/90000');
  assert.equal(video.clockRate, 90000);
  assert.equal(video.mediaType, 'video');
  const call = r.calls[0]!;
  assert.deepEqual(call.media.map((m) => [m.type, m.codecs[0]]), [['audio', 'PCMU/8000'], ['video', 'VP8/90000']]);
  const on = call.events.find((e) => e.text === 'Video ON')!;
  assert.equal(call.messages.find((m) => m.frame === on.frame)!.cseq, '3 INVITE');
});

test('SDP inside a multipart/mixed body registers its media', async () => {
  const body = ['--xyz', 'Content-Type: application/sdp', '', sdp(A), '--xyz', 'Content-Type: application/isup', '', 'binary', '--xyz--', ''].join('\r\n');
  const c = new Cap();
  c.sip(0, true, 'INVITE sip:bob@example.test SIP/2.0', '1 INVITE', { ct: 'multipart/mixed;boundary=xyz', text: body })
    .sip(0.01, false, 'SIP/2.0 200 OK', '1 INVITE')
    .rtp(1, B, A, 20);
  const r = await c.analyze();
  assert.equal(r.rtpStreams.length, 1);
  assert.equal(r.rtpStreams[0]!.callId, 'media-1');
  assert.ok(r.calls[0]!.messages[0]!.sdp);
  assert.match(r.calls[0]!.messages[0]!.sdpSummary ?? '', /^audio PCMU\/8000 10\.0\.0\.1:4000/);
});

test('IPv6: an SDP address written in full matches the datagram address', async () => {
  const a6: Host = { ip: '2001:db8:0:0:0:0:0:a', rtp: 4000 };
  const b6: Host = { ip: '2001:db8::b', rtp: 6000 };
  assert.equal(canonicalAddress(a6.ip), '2001:db8::a');
  const c = new Cap(a6, b6).call(0).rtp(1, { ip: '2001:db8::b', rtp: 6000 }, { ip: '2001:db8::a', rtp: 4000 }, 20);
  const r = await c.analyze();
  assert.equal(r.rtpStreams.length, 1);
  assert.equal(r.rtpStreams[0]!.dst, '[2001:db8::a]:4000');
});

test('a new SSRC on the same path within a call is flagged', async () => {
  const r = await new Cap().call(0).rtp(1, A, B, 20, { ssrc: 1 }).rtp(1.5, A, B, 20, { ssrc: 2, seq: 7000 }).rtp(1, B, A, 40, { ssrc: 3 }).analyze();
  assert.deepEqual(r.rtpStreams.map((s) => [s.ssrc, s.ssrcChange]), [['0x00000001', false], ['0x00000003', false], ['0x00000002', true]]);
  assert.equal(r.calls[0]!.outcome, 'ANSWERED', 'both directions flowed');
});

test('heuristic streams: only with the option, tied to the call sharing their addresses', async () => {
  // The SDP announces other ports than the ones the RTP uses (a capture that missed a re-INVITE).
  const c = new Cap().call(0).rtp(1, A, B, 30, { sport: 30000, dport: 40000 });
  const plain = await c.analyze(false);
  assert.equal(plain.rtpStreams.length, 0);
  const heur = await c.analyze(true);
  assert.equal(heur.rtpStreams.length, 1);
  const s = heur.rtpStreams[0]!;
  assert.equal(s.heuristic, true);
  assert.equal(s.callId, 'media-1');
  assert.equal(s.packets, 30);
  assert.deepEqual(heur.calls[0]!.streams, [1]);
});

test('the heuristic leaves STUN, DNS-port traffic and non-RTP bytes alone', async () => {
  const c = new Cap();
  const stun = Buffer.from('000100002112a442000000000000000000000000', 'hex');
  for (let i = 0; i < 10; i++) {
    c.udp(i * 0.02, A.ip, 30000, B.ip, 40000, stun);
    const dnsLike = Buffer.alloc(40, 0); dnsLike[0] = 0x80; dnsLike.writeUInt16BE(i, 2);
    c.udp(i * 0.02, A.ip, 53, B.ip, 40001, dnsLike);
    c.udp(i * 0.02, A.ip, 30002, B.ip, 40002, Buffer.from(`hello world ${i} and some text`));
  }
  const r = await c.analyze(true);
  assert.equal(r.rtpStreams.length, 0);
});

test('INFO DTMF bodies: dtmf-relay signals 0-9 * # A-D and 10/11 for * and #, application/dtmf', async () => {
  const { infoDtmfDigit } = await import('../../src/media/dtmf.js');
  assert.equal(infoDtmfDigit('application/dtmf-relay', 'Signal=10\r\nDuration=100\r\n'), '*');
  assert.equal(infoDtmfDigit('application/dtmf-relay', 'Signal= 11\r\n'), '#');
  assert.equal(infoDtmfDigit('application/dtmf-relay', 'Signal=1\r\nDuration=100\r\n'), '1');
  assert.equal(infoDtmfDigit('Application/DTMF-Relay', 'signal=d\r\n'), 'D');
  assert.equal(infoDtmfDigit('application/dtmf', '#'), '#');
  assert.equal(infoDtmfDigit('application/dtmf', '5\r\n'), '5');
  assert.equal(infoDtmfDigit('application/dtmf-relay', 'Duration=100\r\n'), null);
});

test('heuristic streams of a call caught mid-way are tied to it although its first SIP (a BYE) comes later', async () => {
  const c = new Cap().rtp(0, A, B, 50, { pt: 8 }).rtp(0.01, B, A, 50, { pt: 8, ssrc: 0xb2 }).bye(1.2);
  const r = await c.analyze(true);
  assert.deepEqual(r.rtpStreams.map((s) => [s.codec, s.callId, s.heuristic]), [['PCMA/8000', 'media-1', true], ['PCMA/8000', 'media-1', true]]);
  assert.equal(r.calls[0]!.partial, true);
  assert.deepEqual(r.calls[0]!.streams, [1, 2]);
});

test('a SIP-only capture of many answered calls gets one summary warning, not one per call', async () => {
  const c = new Cap();
  for (let i = 0; i < 5; i++) { c.callId = `sip-only-${i}`; c.call(i).bye(i + 0.5); }
  const r = await c.analyze();
  assert.deepEqual(r.calls.map((x) => x.outcome), Array(5).fill('COMPLETED'));
  assert.equal(r.warnings.length, 1);
  assert.equal(r.warnings[0]!.code, 'media-not-captured');
  assert.match(r.warnings[0]!.message, /^5 answered calls \(1, 2, 3, \.\.\.\) have no RTP .*holds no RTP at all/);
});
