/** SIP over TCP: reordering, retransmissions, framing, resynchronisation, limits (src/sip/tcp-stream.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Datagram, Warning } from '../../src/model.js';
import { TcpSipReassembler, contentLengthOf, type TcpMessageMeta, type TcpSipLimits } from '../../src/sip/tcp-stream.js';
import { parseSip, isSipParseError } from '../../src/sip/parser.js';

const FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16;
const KEY = '10.0.0.1:5060>10.0.0.2:5060';

function sipMessage(n: number, body = ''): string {
  return [
    `MESSAGE sip:bob@example.com SIP/2.0`,
    `Via: SIP/2.0/TCP 10.0.0.1:5060;branch=z9hG4bK-${n}`,
    `From: <sip:alice@example.com>;tag=a${n}`,
    `To: <sip:bob@example.com>`,
    `Call-ID: call-${n}@example.com`,
    `CSeq: ${n} MESSAGE`,
    `Content-Type: text/plain`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

interface Got { text: string; frame: number; meta: TcpMessageMeta }

function harness(limits: Partial<TcpSipLimits> = {}) {
  const got: Got[] = [];
  const warnings: Warning[] = [];
  const r = new TcpSipReassembler({
    onMessage: (bytes, meta) => got.push({ text: Buffer.from(bytes).toString('latin1'), frame: meta.frame, meta }),
    onWarning: (w) => warnings.push(w),
  }, limits);
  return { r, got, warnings, callIds: () => got.map((g) => /Call-ID: (\S+)/.exec(g.text)?.[1]) };
}

const b = (s: string) => Buffer.from(s, 'latin1');

test('two messages in one segment, both credited to that frame', () => {
  const { r, got, warnings } = harness();
  const m1 = sipMessage(1, 'hello');
  const m2 = sipMessage(2, 'world!');
  r.push(KEY, 1000, PSH | ACK, b(m1 + m2), 5);
  assert.deepEqual(got.map((g) => [g.text, g.frame]), [[m1, 5], [m2, 5]]);
  assert.deepEqual(warnings, []);
  const p = parseSip(b(got[1]!.text), 0, undefined, true);
  assert.ok(!isSipParseError(p));
  assert.equal(p.body, 'world!');
});

test('one message over three segments is emitted once, in the frame of the last segment', () => {
  const { r, got } = harness();
  const m = sipMessage(3, 'x'.repeat(300));
  const seg = [m.slice(0, 40), m.slice(40, 250), m.slice(250)];
  let seq = 5000;
  seg.forEach((s, i) => { r.push(KEY, seq, ACK, b(s), 10 + i); seq += s.length; });
  assert.equal(got.length, 1);
  assert.equal(got[0]!.text, m);
  assert.equal(got[0]!.frame, 12);
});

test('out-of-order segments are reordered; the frame that fills the gap completes the message', () => {
  const { r, got, warnings } = harness();
  const m = sipMessage(4, 'body');
  const s1 = m.slice(0, 60), s2 = m.slice(60, 120), s3 = m.slice(120);
  r.push(KEY, 100, ACK, b(s1), 1);
  r.push(KEY, 100 + 120, ACK, b(s3), 2); // arrives early
  assert.equal(got.length, 0);
  r.push(KEY, 100 + 60, ACK, b(s2), 3);
  assert.equal(got.length, 1);
  assert.equal(got[0]!.text, m);
  assert.equal(got[0]!.frame, 3);
  assert.deepEqual(warnings, []);
  assert.equal(r.stats.outOfOrderSegments, 1);
});

test('retransmitted and overlapping segments do not duplicate bytes or messages', () => {
  const { r, got, warnings } = harness();
  const m1 = sipMessage(5), m2 = sipMessage(6, 'abc');
  const all = m1 + m2;
  r.push(KEY, 1, ACK, b(all.slice(0, 100)), 1);
  r.push(KEY, 1, ACK, b(all.slice(0, 100)), 2); // retransmission
  r.push(KEY, 51, ACK, b(all.slice(50, m1.length + 20)), 3); // overlap + new bytes, completes m1
  r.push(KEY, 1 + m1.length + 20, ACK, b(all.slice(m1.length + 20)), 4);
  r.push(KEY, 1 + m1.length + 20, ACK, b(all.slice(m1.length + 20)), 5); // retransmission of the last one
  r.push(KEY, 1, ACK, b(all), 6); // everything again
  assert.deepEqual(got.map((g) => [g.text, g.frame]), [[m1, 3], [m2, 4]]);
  assert.deepEqual(warnings, []);
  assert.ok(r.stats.retransmittedBytes > 0);
});

test('SYN gives the ISN: data starts at ISN+1; a retransmitted SYN changes nothing', () => {
  const { r, got } = harness();
  const m = sipMessage(7);
  r.push(KEY, 0xfffffff0, SYN, new Uint8Array(0), 1);
  r.push(KEY, 0xfffffff0, SYN, new Uint8Array(0), 2);
  // Sequence numbers wrap around 2^32 in the middle of the message.
  r.push(KEY, 0xfffffff1, ACK, b(m.slice(0, 30)), 3);
  r.push(KEY, (0xfffffff1 + 30) >>> 0, ACK, b(m.slice(30)), 4);
  assert.deepEqual(got.map((g) => [g.text, g.frame]), [[m, 4]]);
});

test('a SYN seen after the stream was picked up mid-stream does not reset it', () => {
  const { r, got, warnings } = harness();
  const m = sipMessage(90);
  r.push(KEY, 1001, ACK, b(m.slice(0, 70)), 1);
  r.push(KEY, 1000, SYN, new Uint8Array(0), 2); // the SYN, captured late
  r.push(KEY, 1071, ACK, b(m.slice(70)), 3);
  assert.deepEqual(got.map((g) => [g.text, g.frame]), [[m, 3]]);
  assert.equal(warnings.length, 0);
  // A SYN far away in sequence space is a new connection: the unfinished message is reported.
  r.push(KEY, 1001 + m.length, ACK, b(m.slice(0, 30)), 4);
  r.push(KEY, 90000000, SYN, new Uint8Array(0), 5);
  r.push(KEY, 90000001, ACK, b(m), 6);
  assert.deepEqual(got.map((g) => g.frame), [3, 6]);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-incomplete']);
});

test('CRLF keep-alives between messages are skipped; a message without Content-Length has an empty body', () => {
  const { r, got, warnings } = harness();
  const noCl = 'OPTIONS sip:x@example.com SIP/2.0\r\nCall-ID: ka\r\nCSeq: 1 OPTIONS\r\n\r\n';
  r.push(KEY, 1, ACK, b('\r\n\r\n'), 1);
  r.push(KEY, 5, ACK, b(noCl + '\r\n\r\n' + sipMessage(8) + '\r\n'), 2);
  r.push(KEY, 5 + noCl.length + 4 + sipMessage(8).length + 2, ACK, b('\r\n\r\n'), 3);
  assert.deepEqual(got.map((g) => g.text), [noCl, sipMessage(8)]);
  assert.deepEqual(warnings, []);
});

test('garbage before a message is skipped (mid-stream start); garbage between messages is reported', () => {
  const { r, got, warnings } = harness();
  // Capture started inside a body: the rest of a previous message, then a full one.
  const tail = 'of a body whose message began before the capture\r\nsome: thing\r\n';
  const m1 = sipMessage(9, 'ok');
  r.push(KEY, 777, ACK, b(tail + m1), 1);
  assert.deepEqual(got.map((g) => g.text), [m1]);
  assert.equal(warnings.length, 0, 'not reported before the stream is known to be SIP');
  const junk = '\x00\x01binary junk\r\nmore junk\r\n';
  const m2 = sipMessage(10);
  r.push(KEY, 777 + tail.length + m1.length, ACK, b(junk + m2), 2);
  assert.deepEqual(got.map((g) => g.text), [m1, m2]);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-sip-garbage']);
  assert.equal(warnings[0]!.frame, 2);
});

test('garbage line split over segments does not resynchronise in its middle', () => {
  const { r, got } = harness();
  const m1 = sipMessage(11);
  r.push(KEY, 1, ACK, b(m1 + 'garbage line that continues '), 1);
  const second = 'INVITE sip:not-a-start@x SIP/2.0 (inside the garbage line)\r\n' + sipMessage(12);
  r.push(KEY, 1 + m1.length + 28, ACK, b(second), 2);
  assert.deepEqual(got.map((g) => g.text), [m1, sipMessage(12)]);
});

test('a connection that does not start with SIP is ignored (TLS, HTTP)', () => {
  const { r, got, warnings } = harness();
  r.push('tls', 10, SYN, new Uint8Array(0), 1);
  r.push('tls', 11, ACK, Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]), 2);
  r.push('tls', 22, ACK, b(sipMessage(13)), 3); // even if SIP-looking bytes show up later
  r.push('http', 10, SYN, new Uint8Array(0), 4);
  r.push('http', 11, ACK, b('GET / HTTP/1.1\r\nHost: example.com\r\n\r\n'), 5);
  r.push('acks', 1, ACK, new Uint8Array(0), 6);
  r.push('other', 1, ACK, b('random application data without the magic words'), 7);
  assert.equal(got.length, 0);
  assert.deepEqual(warnings, []);
  assert.equal(r.stats.ignoredStreams, 2);
  assert.equal(r.streamCount, 2, 'ACK-only and non-SIP mid-stream directions are not tracked');
});

test('a gap that never fills: at the end, later messages are still delivered and the gap reported', () => {
  const { r, got, warnings } = harness();
  const m1 = sipMessage(14), m2 = sipMessage(15), m3 = sipMessage(16);
  r.push(KEY, 1, ACK, b(m1), 1);
  // m2's first 10 bytes are never captured.
  r.push(KEY, 1 + m1.length + 10, ACK, b(m2.slice(10) + m3), 2);
  assert.equal(got.length, 1);
  r.finish();
  assert.deepEqual(got.map((g) => [g.text, g.frame]), [[m1, 1], [m3, 2]]);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-gap']);
  assert.match(warnings[0]!.message, /10 bytes missing/);
});

test('too many held segments: the gap is given up during the capture', () => {
  const { r, got, warnings } = harness({ maxPendingSegments: 4 });
  const msgs = Array.from({ length: 8 }, (_, i) => sipMessage(20 + i));
  let seq = 1;
  r.push(KEY, seq, ACK, b(msgs[0]!), 1);
  seq += msgs[0]!.length + msgs[1]!.length; // msgs[1] lost
  for (let i = 2; i < 8; i++) {
    r.push(KEY, seq, ACK, b(msgs[i]!), i);
    seq += msgs[i]!.length;
  }
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-gap']);
  assert.deepEqual(got.map((g) => g.text), [msgs[0], ...msgs.slice(2)]);
});

test('FIN with an incomplete message and RST are reported; the direction is forgotten', () => {
  const { r, got, warnings } = harness();
  const m = sipMessage(30, 'complete');
  r.push(KEY, 1, ACK, b(m + sipMessage(31, 'cut short').slice(0, 50)), 1);
  r.push(KEY, 1 + m.length + 50, FIN | ACK, new Uint8Array(0), 2);
  assert.equal(got.length, 1);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-incomplete']);
  assert.equal(r.streamCount, 0);
  r.push('k2', 1, ACK, b(sipMessage(32)), 3);
  r.push('k2', 1000, RST, new Uint8Array(0), 4);
  assert.equal(r.streamCount, 0);
});

test('oversized messages are skipped with a warning and framing continues after them', () => {
  const { r, got, warnings } = harness({ maxMessageBytes: 2000 });
  const big = sipMessage(40, 'B'.repeat(5000));
  const after = sipMessage(41);
  const all = b(sipMessage(39) + big + after);
  for (let off = 0, f = 1; off < all.length; off += 700, f++) r.push(KEY, 1 + off, ACK, all.subarray(off, off + 700), f);
  assert.deepEqual(got.map((g) => /CSeq: (\d+)/.exec(g.text)![1]), ['39', '41']);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-sip-oversize']);
});

test('stream limit: the least recently used direction is dropped, with a warning', () => {
  const { r, got, warnings } = harness({ maxStreams: 2 });
  const m = sipMessage(50);
  r.push('a', 1, ACK, b(m), 1);
  r.push('b', 1, ACK, b(m), 2);
  r.push('a', 1 + m.length, ACK, b(m.slice(0, 20)), 3); // 'a' used again: 'b' is now the oldest
  r.push('c', 1, ACK, b(m), 4);
  assert.equal(r.streamCount, 2);
  assert.equal(r.stats.evictedStreams, 1);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-stream-limit']);
  r.push('a', 1 + m.length + 20, ACK, b(m.slice(20)), 5);
  assert.deepEqual(got.map((g) => g.frame), [1, 2, 4, 5], "'a' kept its buffered bytes");
});

test('a sequence jump far outside any window resynchronises', () => {
  const { r, got, warnings } = harness();
  r.push(KEY, 1, ACK, b(sipMessage(60)), 1);
  r.push(KEY, 0x40000000, ACK, b(sipMessage(61)), 2);
  assert.equal(got.length, 2);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-seq-jump']);
});

test('Datagram input: key from addresses and ports, metadata of the completing segment', () => {
  const { r, got } = harness();
  const m = sipMessage(70);
  const dg = (frame: number, seq: number, flags: number, payload: Uint8Array, src = '2001:db8::1', dst = '2001:db8::2'): Datagram => ({
    frame, tsSec: 1000 + frame, tsNsec: 500, ipVersion: 6, src, dst, srcPort: 5060, dstPort: 5070, transport: 'TCP',
    payload, bytes: payload, start: 0, end: payload.length, ipLength: 40 + payload.length, reassembled: false, tcp: { seq, ack: 0, flags },
  });
  r.push(dg(1, 99, SYN, new Uint8Array(0)));
  r.push(dg(2, 100, ACK, b(m.slice(0, 80))));
  r.push(dg(3, 180, PSH | ACK, b(m.slice(80))));
  // The reverse direction is a stream of its own.
  r.push(dg(4, 5000, PSH | ACK, b(sipMessage(71)), '2001:db8::2', '2001:db8::1'));
  // Not TCP: ignored.
  r.push({ ...dg(5, 1, 0, b(sipMessage(72))), transport: 'UDP', tcp: null });
  assert.equal(got.length, 2);
  assert.deepEqual(got[0]!.meta, { frame: 3, tsSec: 1003, tsNsec: 500, src: '2001:db8::1', dst: '2001:db8::2', srcPort: 5060, dstPort: 5070, carriers: [2, 3] });
  assert.equal(got[0]!.text, m);
  assert.equal(got[1]!.meta.src, '2001:db8::2');
});

test('contentLengthOf finds Content-Length and l in raw header bytes', () => {
  const h = (s: string) => { const x = b(s); return contentLengthOf(x, 0, x.length); };
  assert.equal(h('INVITE sip:x SIP/2.0\r\nContent-Length: 42\r\n'), 42);
  assert.equal(h('INVITE sip:x SIP/2.0\r\ncontent-length:7\r\n'), 7);
  assert.equal(h('INVITE sip:x SIP/2.0\nl : 3\n'), 3);
  assert.equal(h('INVITE sip:x SIP/2.0\r\nContent-Type: a/b\r\n'), -1);
  assert.equal(h('INVITE sip:x SIP/2.0\r\nContent-Length: abc\r\n'), -2);
  assert.equal(h('INVITE sip:x SIP/2.0\r\nContent-Length: 12 34\r\n'), -2);
  assert.equal(h('INVITE sip:x SIP/2.0\r\nLocation: 5\r\nl: 9\r\n'), 9);
});

test('a large message in 1-byte segments is framed in linear time', () => {
  const { r, got, warnings } = harness();
  const headers = Array.from({ length: 600 }, (_, i) => `X-Filler-${i}: ${'f'.repeat(40)}`).join('\r\n');
  const m = sipMessage(80, 'B'.repeat(20000)).replace('Content-Type: text/plain', headers + '\r\nContent-Type: text/plain');
  assert.ok(m.length > 50000 && m.length < 65536);
  const bytes = b(m + sipMessage(81));
  const t0 = process.hrtime.bigint();
  r.push(KEY, 0, SYN, new Uint8Array(0), 0);
  for (let i = 0; i < bytes.length; i++) r.push(KEY, 1 + i, ACK, bytes.subarray(i, i + 1), i + 1);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.deepEqual(got.map((g) => g.frame), [m.length, bytes.length]);
  assert.equal(got[0]!.text, m);
  assert.equal(warnings.length, 0);
  // Quadratic rescanning of the header block would take minutes here.
  assert.ok(ms < 20000, `took ${ms.toFixed(0)} ms`);
});

// ---- property tests ----

test('property: any segmentation, order, duplication of a stream yields the same messages in order', () => {
  const bodies = ['', 'short', 'a longer body\r\nwith lines\r\n', 'x'.repeat(700)];
  fc.assert(fc.property(
    fc.array(fc.nat(bodies.length - 1), { minLength: 1, maxLength: 6 }),
    fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 40 }),
    fc.array(fc.nat(), { maxLength: 10 }),
    fc.array(fc.nat(), { maxLength: 6 }),
    fc.nat(0xffffffff),
    fc.boolean(),
    (which, cuts, swaps, dups, isn, withSyn) => {
      const msgs = which.map((w, i) => sipMessage(100 + i, bodies[w]!));
      // Keep-alives after every other message.
      const stream = b(msgs.map((m, i) => m + (i % 2 ? '\r\n\r\n' : '')).join(''));
      // Cut into segments.
      const segs: { seq: number; data: Uint8Array }[] = [];
      let off = 0;
      for (let i = 0; off < stream.length; i++) {
        const len = cuts[i % cuts.length]!;
        segs.push({ seq: (isn + 1 + off) >>> 0, data: stream.subarray(off, off + len) });
        off += len;
      }
      // Local reordering (a few adjacent swaps) and duplicates.
      for (const s of swaps) {
        const i = s % segs.length;
        if (i + 1 < segs.length) [segs[i], segs[i + 1]] = [segs[i + 1]!, segs[i]!];
      }
      for (const d of dups) segs.splice(d % (segs.length + 1), 0, segs[d % segs.length]!);
      const { r, got, warnings } = harness();
      if (withSyn) r.push(KEY, isn, SYN, new Uint8Array(0), 0);
      // Without a SYN a direction is picked up on a segment that shows SIP: let the first one hold the start line.
      else segs.unshift({ seq: (isn + 1) >>> 0, data: stream.subarray(0, 60) });
      segs.forEach((s, i) => r.push(KEY, s.seq, ACK, s.data, i + 1));
      r.finish();
      assert.deepEqual(got.map((g) => g.text), msgs);
      assert.deepEqual(warnings, []);
    }), { numRuns: 300 });
});

test('property: random segments (bytes, seqs, flags) never make the reassembler throw', () => {
  fc.assert(fc.property(fc.array(fc.record({
    key: fc.constantFrom('a', 'b', 'c'),
    seq: fc.oneof(fc.nat(2000), fc.nat(0xffffffff)),
    flags: fc.nat(31),
    data: fc.oneof(fc.uint8Array({ maxLength: 300 }), fc.constantFrom(b(sipMessage(1)), b(sipMessage(2, 'zz')).subarray(0, 90), b('\r\n\r\n'), b('SIP/2.0 200 OK\r\nContent-Length: 99999999\r\n\r\n'))),
  }), { maxLength: 40 }), (segs) => {
    const { r } = harness({ maxStreams: 2, maxPendingSegments: 3, maxBufferedBytes: 4096, maxMessageBytes: 2048 });
    segs.forEach((s, i) => r.push(s.key, s.seq, s.flags, s.data, i + 1));
    r.finish();
  }), { numRuns: 1500 });
});

test('carriers: every frame whose bytes are in a message, also across retransmissions, reordering and shared segments', () => {
  const { r, got } = harness();
  const m1 = sipMessage(80);
  const m2 = sipMessage(81);
  const all = b(m1 + m2);
  const cut1 = 60;
  const cut2 = m1.length + 30; // segment 2 ends m1 and starts m2
  r.push(KEY, 1, ACK, all.subarray(0, cut1), 1);
  r.push(KEY, 1, ACK, all.subarray(0, cut1), 2); // a retransmission: no new byte
  r.push(KEY, 1 + cut2, ACK, all.subarray(cut2), 4); // out of order: held
  r.push(KEY, 1 + cut1, ACK, all.subarray(cut1, cut2), 3); // fills the gap, completes both
  assert.equal(got.length, 2);
  assert.deepEqual(got[0]!.meta.carriers, [1, 3]);
  assert.deepEqual(got[1]!.meta.carriers, [3, 4]);
  assert.equal(got[1]!.frame, 3, 'reported in the frame that completed it');
  // One segment, one message: no carriers list.
  r.push(KEY, 1 + all.length, ACK, b(sipMessage(82)), 5);
  assert.equal(got[2]!.meta.carriers, undefined);
});
