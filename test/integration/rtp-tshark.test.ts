/**
 * RTP statistics against Wireshark (tshark -q -z rtp,streams is the oracle).
 *
 * 1. Every capture of the corpus and fixtures: every stream tshark lists is
 *    found (same src, dst, SSRC) with equal packets and lost, max delta within
 *    0.05 ms and mean jitter within 2 %. sipflow may list more streams than
 *    tshark (Wireshark hands a port to STUN once it saw STUN there); those are
 *    real RTP and allowed. With tshark's STUN dissector off the two lists
 *    must be equal and every number agree to its last printed digit.
 * 2. Synthetic captures, one per corner of Wireshark's rtppacket_analyse
 *    (sequence wrap, loss across the wrap, duplicates, reordering, timestamp
 *    wrap and going back, markers, comfort noise, payload-type changes,
 *    telephone-event, unknown dynamic PT, capture time going backwards,
 *    conflicting payload maps, re-INVITE to a new port, RTCP multiplexed on
 *    the RTP port): here every number tshark prints must agree to its last
 *    printed digit, and the stream lists must be equal.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import type { Report, RtpStream } from '../../src/model.js';
import { allCaptures, hasTshark, short, tsharkSkip } from '../helpers/corpus.js';
import { sameMin, tsharkStreams, type StreamRow } from '../helpers/voip-oracle.js';

type Row = StreamRow;

function find(report: Report, r: Row): RtpStream {
  const s = report.rtpStreams.find((x) => x.src === r.src && x.dst === r.dst && x.ssrc === r.ssrc);
  assert.ok(s, `stream ${r.src} -> ${r.dst} ${r.ssrc} found`);
  return s;
}

for (const file of hasTshark() ? allCaptures() : []) {
  test(`RTP streams agree with tshark -z rtp,streams: ${short(file)}`, async () => {
    const rows = tsharkStreams(file);
    const report = await analyze(file, { media: { heuristic: false } });
    for (const r of rows) {
      const s = find(report, r);
      assert.equal(s.packets, r.packets, `packets of ${r.src} -> ${r.dst}`);
      assert.equal(s.lost, r.lost, `lost of ${r.src} -> ${r.dst}`);
      assert.ok(Math.abs(s.maxDeltaMs - r.maxDelta) <= 0.05, `max delta ${s.maxDeltaMs} vs ${r.maxDelta}`);
      assert.ok(Math.abs(s.meanJitterMs - r.meanJitter) <= Math.max(0.02 * r.meanJitter, 0.0015), `mean jitter ${s.meanJitterMs} vs ${r.meanJitter}`);
    }
    assert.ok(report.rtpStreams.length >= rows.length);
  });
}

/** Every printed number within rounding of tshark's, streams listed by both equal as sets. */
function assertSame(report: Report, rows: Row[]): void {
  assert.deepEqual(report.rtpStreams.map((s) => `${s.src} ${s.dst} ${s.ssrc}`).sort(), rows.map((r) => `${r.src} ${r.dst} ${r.ssrc}`).sort(), 'same streams as tshark');
  const near = (a: number, b: number) => Math.abs(a - b) <= 0.0011;
  for (const r of rows) {
    const x = find(report, r);
    const what = `${r.src} -> ${r.dst} ${r.ssrc}`;
    assert.equal(x.packets, r.packets, `packets ${what}`);
    assert.equal(x.lost, r.lost, `lost ${what}`);
    assert.ok(sameMin(x.minDeltaMs, r, r.minDelta), `min delta ${x.minDeltaMs} vs ${r.minDelta} ${what}`);
    assert.ok(near(x.meanDeltaMs, r.meanDelta), `mean delta ${x.meanDeltaMs} vs ${r.meanDelta} ${what}`);
    assert.ok(near(x.maxDeltaMs, r.maxDelta), `max delta ${x.maxDeltaMs} vs ${r.maxDelta} ${what}`);
    assert.ok(near(x.meanJitterMs, r.meanJitter), `mean jitter ${x.meanJitterMs} vs ${r.meanJitter} ${what}`);
    assert.ok(near(x.maxJitterMs, r.maxJitter), `max jitter ${x.maxJitterMs} vs ${r.maxJitter} ${what}`);
  }
}

// The streams sipflow lists beyond tshark's are the ones Wireshark's STUN heuristic took over
// (ICE connectivity checks on the media port): with STUN off, both lists and all numbers agree.
for (const file of hasTshark() ? allCaptures() : []) {
  test(`RTP streams equal tshark's with STUN dissection off, to the printed digit: ${short(file)}`, async () => {
    const rows = tsharkStreams(file, ['--disable-protocol', 'stun']);
    assertSame(await analyze(file, { media: { heuristic: false } }), rows);
  });
}

test('tshark is available for the RTP differential tests', { skip: tsharkSkip() }, () => {
  assert.ok(allCaptures().length > 0);
});

// ---------------------------------------------------------------- synthetic corner cases

const A = { ip: '10.0.0.1', sip: 5060, rtp: 4000 };
const B = { ip: '10.0.0.2', sip: 5060, rtp: 6000 };
const DEFAULT_MAP = 'a=rtpmap:96 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n';

function sdp(ip: string, port: number, pts = '0 8 9 13 96 101', rtpmap = DEFAULT_MAP): string {
  return `v=0\r\no=u 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP ${pts}\r\n${rtpmap}`;
}

function sip(start: string, cseq: number, method: string, body?: string): Buffer {
  const h = [start, `Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK${cseq}${method}`, 'From: <sip:a@x>;tag=1',
    'To: <sip:b@x>' + (start.startsWith('SIP') ? ';tag=2' : ''), 'Call-ID: call-1', `CSeq: ${cseq} ${method}`, 'Max-Forwards: 70'];
  if (body) h.push('Content-Type: application/sdp');
  h.push(`Content-Length: ${body ? Buffer.byteLength(body) : 0}`);
  return Buffer.from(h.join('\r\n') + '\r\n\r\n' + (body ?? ''));
}

interface RtpFields { pt?: number; m?: boolean; seq: number; ts: number; ssrc?: number; len?: number; payload?: Buffer }

function rtp(o: RtpFields): Buffer {
  const p = Buffer.alloc(12 + (o.payload ? o.payload.length : o.len ?? 160), 0xd5);
  p[0] = 0x80;
  p[1] = (o.m ? 0x80 : 0) | (o.pt ?? 0);
  p.writeUInt16BE(o.seq & 0xffff, 2);
  p.writeUInt32BE(o.ts >>> 0, 4);
  p.writeUInt32BE((o.ssrc ?? 0x11223344) >>> 0, 8);
  o.payload?.copy(p, 12);
  return p;
}

/** A capture being scripted: frames in file order with their times in seconds. */
class Script {
  readonly frames: { t: number; src: string; sport: number; dst: string; dport: number; payload: Buffer }[] = [];
  private seed: number;
  constructor(seed: number) { this.seed = seed; }
  /** Deterministic 0..1 noise. */
  rnd(): number { this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff; return this.seed / 0x7fffffff; }
  add(t: number, src: string, sport: number, dst: string, dport: number, payload: Buffer): this {
    this.frames.push({ t, src, sport, dst, dport, payload });
    return this;
  }
  call(t0: number, offer = sdp(A.ip, A.rtp), answer = sdp(B.ip, B.rtp)): this {
    this.add(t0, A.ip, A.sip, B.ip, B.sip, sip('INVITE sip:b@10.0.0.2 SIP/2.0', 1, 'INVITE', offer));
    this.add(t0 + 0.01, B.ip, B.sip, A.ip, A.sip, sip('SIP/2.0 200 OK', 1, 'INVITE', answer));
    return this.add(t0 + 0.02, A.ip, A.sip, B.ip, B.sip, sip('ACK sip:b@10.0.0.2 SIP/2.0', 1, 'ACK'));
  }
  ab(t: number, o: RtpFields): this { return this.add(t, A.ip, A.rtp, B.ip, B.rtp, rtp(o)); }
  ba(t: number, o: RtpFields): this { return this.add(t, B.ip, B.rtp, A.ip, A.rtp, rtp(o)); }
  write(path: string): void {
    const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
    for (const f of this.frames) {
      const sec = Math.floor(f.t);
      w.writePacket(1700000000 + sec, Math.round((f.t - sec) * 1e9), udpFrame({ src: f.src, dst: f.dst, sport: f.sport, dport: f.dport, payload: f.payload }));
    }
    writeFileSync(path, w.toBytes());
  }
}

const SCENARIOS: Record<string, (s: Script) => void> = {
  'arrival jitter': (s) => { s.call(0); for (let i = 0; i < 200; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.008, { seq: 1000 + i, ts: 5000 + i * 160 }); },
  'sequence wrap': (s) => { s.call(0); for (let i = 0; i < 30; i++) s.ab(1 + i * 0.02, { seq: 65520 + i, ts: i * 160 }); },
  'loss across the wrap': (s) => {
    s.call(0);
    for (let i = 0; i < 30; i++) { const seq = (65525 + i) & 0xffff; if (seq !== 65535 && seq !== 0) s.ab(1 + i * 0.02, { seq, ts: i * 160 }); }
  },
  'first sequence number 0': (s) => { s.call(0); for (let i = 0; i < 20; i++) s.ab(1 + i * 0.02, { seq: i, ts: i * 160 }); },
  'loss, duplicates and reordering': (s) => {
    s.call(0);
    const order = Array.from({ length: 100 }, (_, i) => i);
    order.splice(10, 3);
    order.splice(20, 0, 19, 19);
    [order[40], order[41]] = [order[41]!, order[40]!];
    [order[60], order[63]] = [order[63]!, order[60]!];
    order.forEach((i, k) => s.ab(1 + k * 0.02 + (k % 7) * 0.001, { seq: 3000 + i, ts: 99999 + i * 160 }));
  },
  'more duplicates than losses (negative lost)': (s) => {
    s.call(0);
    for (let i = 0; i < 20; i++) { s.ab(1 + i * 0.02, { seq: 50 + i, ts: i * 160 }); if (i % 3 === 0) s.ab(1 + i * 0.02 + 0.001, { seq: 50 + i, ts: i * 160 }); }
  },
  'talk spurts with markers and comfort noise': (s) => {
    s.call(0);
    let seq = 7, ts = 0, t = 1;
    for (let burst = 0; burst < 4; burst++) {
      for (let i = 0; i < 25; i++) { s.ab(t, { seq: seq++, ts, m: i === 0 }); ts += 160; t += 0.02 + s.rnd() * 0.003; }
      s.ab(t, { pt: 13, seq: seq++, ts, len: 1 });
      t += 0.5; ts += 4000;
    }
  },
  'payload type changes PCMU, PCMA, G.722': (s) => {
    s.call(0);
    for (let i = 0; i < 60; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.002, { pt: i < 20 ? 0 : i < 40 ? 8 : 9, seq: 10 + i, ts: i * 160 });
  },
  'opus with an RFC 4733 event (end sent three times)': (s) => {
    s.call(0);
    let seq = 100, t = 1, ts = 1000;
    for (let i = 0; i < 50; i++) { s.ab(t, { pt: 96, seq: seq++, ts, len: 60 }); ts += 960; t += 0.02 + s.rnd() * 0.002; }
    const ev = ts;
    for (let k = 0; k < 8; k++) {
      const dur = Math.min(k, 5) * 160 + 160;
      s.ab(t, { pt: 101, m: k === 0, seq: seq++, ts: ev, payload: Buffer.from([5, (k >= 5 ? 0x80 : 0) | 10, dur >> 8, dur & 0xff]) });
      t += 0.02;
    }
    for (let i = 0; i < 50; i++) { ts += 960; s.ab(t, { pt: 96, seq: seq++, ts, len: 60 }); t += 0.02 + s.rnd() * 0.002; }
  },
  'RTP before the SDP is not a stream yet': (s) => {
    for (let i = 0; i < 10; i++) s.ab(0.1 + i * 0.02, { seq: 500 + i, ts: i * 160 });
    s.call(0.5);
    for (let i = 10; i < 60; i++) s.ab(0.5 + i * 0.02, { seq: 500 + i, ts: i * 160 });
    for (let i = 0; i < 50; i++) s.ba(0.7 + i * 0.02 + s.rnd() * 0.004, { seq: 9000 + i, ts: 777 + i * 160, ssrc: 0x55667788 });
  },
  'timestamp going back, then a sequence jump': (s) => {
    s.call(0);
    for (let i = 0; i < 30; i++) s.ab(1 + i * 0.02, { seq: 200 + i, ts: 10000 + i * 160 });
    s.ab(1.61, { seq: 230, ts: 9000 });
    for (let i = 31; i < 50; i++) s.ab(1 + i * 0.02, { seq: 200 + i, ts: 10000 + i * 160 });
    for (let i = 0; i < 20; i++) s.ab(2.1 + i * 0.02, { seq: 40000 + i, ts: 20000 + i * 160 });
  },
  'timestamp back but above the first one': (s) => {
    s.call(0);
    for (let i = 0; i < 60; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.003, { seq: 100 + i, ts: i === 30 ? 10000 + 20 * 160 : 10000 + i * 160 });
  },
  'timestamp wraps past 2^31 and 2^32': (s) => {
    s.call(0);
    for (let i = 0; i < 60; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.003, { seq: 100 + i, ts: 0x7fffff00 + i * 160, ssrc: 1 });
    for (let i = 0; i < 60; i++) s.ba(1 + i * 0.02 + s.rnd() * 0.003, { seq: 100 + i, ts: 0xfffff000 + i * 160, ssrc: 2 });
  },
  'video frames (H.263, 90 kHz) in several packets, marker on the last, timestamp wrap': (s) => {
    s.call(0, sdp(A.ip, A.rtp, '34', ''), sdp(B.ip, B.rtp, '34', ''));
    let seq = 65000, ts = 0xffff0000, t = 1;
    for (let f = 0; f < 60; f++) {
      const n = 1 + (f % 3);
      for (let k = 0; k < n; k++) { s.ab(t, { pt: 34, m: k === n - 1, seq: seq++, ts, len: 1000 }); t += 0.001 + s.rnd() * 0.002; }
      ts += 3000;
      t = 1 + (f + 1) / 30 + s.rnd() * 0.005;
    }
  },
  'SSRC change on one path': (s) => {
    s.call(0);
    for (let i = 0; i < 30; i++) s.ab(1 + i * 0.02, { seq: 100 + i, ts: i * 160, ssrc: 1 });
    for (let i = 0; i < 30; i++) s.ab(1.6 + i * 0.02, { seq: 7000 + i, ts: 555 + i * 160, ssrc: 2 });
  },
  'capture time going backwards': (s) => {
    s.call(0);
    for (let i = 0; i < 40; i++) s.ab(1 + i * 0.02 + (i === 20 ? -0.05 : 0), { seq: 100 + i, ts: i * 160 });
  },
  'sequence numbers restarting lower, a very late packet': (s) => {
    s.call(0);
    for (let i = 0; i < 20; i++) s.ab(1 + i * 0.02, { seq: 30000 + i, ts: i * 160 });
    for (let i = 20; i < 40; i++) s.ab(1 + i * 0.02, { seq: 100 + i, ts: i * 160 });
    s.ab(1.81, { seq: 30005, ts: 5 * 160 });
    for (let i = 40; i < 50; i++) s.ab(1 + i * 0.02 + 0.001, { seq: 100 + i, ts: i * 160 });
  },
  'dynamic payload type without rtpmap (no clock, no jitter)': (s) => {
    s.call(0);
    for (let i = 0; i < 30; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.003, { pt: 111, seq: 100 + i, ts: i * 160 });
  },
  're-INVITE moves the answerer to another port': (s) => {
    s.call(0);
    for (let i = 0; i < 30; i++) s.ba(1 + i * 0.02, { seq: 100 + i, ts: i * 160, ssrc: 9 });
    s.add(1.7, A.ip, A.sip, B.ip, B.sip, sip('INVITE sip:b@10.0.0.2 SIP/2.0', 2, 'INVITE', sdp(A.ip, A.rtp)));
    s.add(1.71, B.ip, B.sip, A.ip, A.sip, sip('SIP/2.0 200 OK', 2, 'INVITE', sdp(B.ip, 6100)));
    for (let i = 0; i < 30; i++) s.add(1.8 + i * 0.02, B.ip, 6100, A.ip, A.rtp, rtp({ seq: 130 + i, ts: (30 + i) * 160, ssrc: 9 }));
    for (let i = 0; i < 30; i++) s.add(1.803 + i * 0.02, A.ip, A.rtp, B.ip, 6100, rtp({ seq: 50 + i, ts: i * 160, ssrc: 10 }));
  },
  'payload maps disagree: the destination endpoint\'s map applies': (s) => {
    s.call(0, sdp(A.ip, A.rtp, '96', 'a=rtpmap:96 opus/48000/2\r\n'), sdp(B.ip, B.rtp, '96', 'a=rtpmap:96 speex/8000\r\n'));
    for (let i = 0; i < 50; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.004, { pt: 96, seq: 10 + i, ts: 1000 + i * 960, len: 50 });
    for (let i = 0; i < 50; i++) s.ba(1.001 + i * 0.02 + s.rnd() * 0.004, { pt: 96, seq: 300 + i, ts: 7000 + i * 960, len: 50, ssrc: 0xbbbb });
  },
  'only the offer has SDP; both directions are RTP': (s) => {
    s.add(0, A.ip, A.sip, B.ip, B.sip, sip('INVITE sip:b@10.0.0.2 SIP/2.0', 1, 'INVITE', sdp(A.ip, A.rtp, '96', 'a=rtpmap:96 opus/48000/2\r\n')));
    s.add(0.01, B.ip, B.sip, A.ip, A.sip, sip('SIP/2.0 200 OK', 1, 'INVITE'));
    for (let i = 0; i < 50; i++) s.ab(1 + i * 0.02 + s.rnd() * 0.004, { pt: 96, seq: 10 + i, ts: 1000 + i * 960, len: 50 });
    for (let i = 0; i < 50; i++) s.ba(1.001 + i * 0.02 + s.rnd() * 0.004, { pt: 96, seq: 300 + i, ts: 7000 + i * 960, len: 50, ssrc: 0xbbbb });
  },
  'two senders into one announced endpoint': (s) => {
    s.call(0);
    for (let i = 0; i < 50; i++) {
      s.ab(1 + i * 0.02 + s.rnd() * 0.004, { seq: 10 + i, ts: 100 + i * 160, ssrc: 1 });
      s.add(1.005 + i * 0.02 + s.rnd() * 0.004, '10.0.0.3', 7000, B.ip, B.rtp, rtp({ seq: 500 + i, ts: 0x90000000 + i * 160, ssrc: 2 }));
    }
  },
  'RTCP multiplexed on the RTP port, padding': (s) => {
    s.call(0);
    for (let i = 0; i < 40; i++) {
      const p = rtp({ seq: 100 + i, ts: i * 160 });
      if (i % 5 === 1) { p[0]! |= 0x20; p[p.length - 1] = 4; }
      s.add(1 + i * 0.02 + s.rnd() * 0.003, A.ip, A.rtp, B.ip, B.rtp, p);
      if (i === 20) {
        const r = Buffer.alloc(28);
        r[0] = 0x80; r[1] = 200; r.writeUInt16BE(6, 2); r.writeUInt32BE(0x11223344, 4);
        s.add(1 + i * 0.02 + 0.005, A.ip, A.rtp, B.ip, B.rtp, r);
      }
    }
  },
};

const dir = hasTshark() ? mkdtempSync(join(tmpdir(), 'sipflow-rtp-oracle-')) : '';
let seed = 1;
for (const [name, script] of Object.entries(SCENARIOS)) {
  const mySeed = seed++;
  test(`RTP corner case agrees with tshark to the printed digit: ${name}`, { skip: hasTshark() ? false : 'tshark is not installed' }, async () => {
    const s = new Script(mySeed * 7919);
    script(s);
    const file = join(dir, `${mySeed}.pcap`);
    s.write(file);
    assertSame(await analyze(file, { media: { heuristic: false } }), tsharkStreams(file));
  });
}
