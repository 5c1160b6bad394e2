/**
 * Property tests: random bytes and mutated valid captures (bit flips,
 * truncation, inserted garbage, huge lengths) through CaptureParser and
 * NetDecoder, pushed in random chunks. Nothing but NotACaptureError escapes,
 * parsing terminates, frames are numbered 1..n in order, warnings are well formed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CaptureParser, NotACaptureError } from '../../src/capture/parser.js';
import { MemorySink, PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { NetDecoder } from '../../src/net/decoder.js';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_TCP, ethernet, ipv4, ipv6, nullLoopback, sll, sll2, tcp, udp, udpFrames,
} from '../../src/net/build.js';
import type { Warning } from '../../src/model.js';

// ------------------------------------------------------------------ valid seed captures

function sipText(i: number, size: number): Buffer {
  const head = `INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: fuzz-${i}@example.com\r\nCSeq: ${i} INVITE\r\n\r\n`;
  return Buffer.from(head.padEnd(size, 'v'));
}

/** A handful of frames of every kind the decoder knows, some fragmented. */
function frames(): { linkType: number; data: Buffer }[] {
  const out: { linkType: number; data: Buffer }[] = [];
  const lt = { ethernet: 1, null: 0, raw: 101, sll: 113, sll2: 276 } as const;
  let i = 0;
  for (const link of ['ethernet', 'null', 'raw', 'sll', 'sll2'] as const) {
    for (const [src, dst] of [['10.0.0.1', '10.0.0.2'], ['2001:db8::1', '2001:db8::2']] as const) {
      for (const f of udpFrames({ src, dst, sport: 5060, dport: 5060, payload: sipText(i++, 90 + 300 * (i % 4)), link, mtu: 400, ipId: i })) {
        out.push({ linkType: lt[link], data: f });
      }
    }
  }
  const inner = ipv4({ src: '172.16.0.1', dst: '172.16.0.2', proto: 17, payload: udp(1, 2, sipText(99, 60)) });
  out.push({ linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: IPPROTO_IPIP, payload: inner })) });
  out.push({ linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: IPPROTO_IPV6, payload: ipv6({ src: '::1', dst: '::2', nextHeader: 17, payload: udp(3, 4, sipText(98, 50)) }) })) });
  out.push({ linkType: 1, data: ethernet(ETHERTYPE_IPV6, ipv6({ src: '::1', dst: '::2', nextHeader: IPPROTO_TCP, payload: tcp({ srcPort: 5060, dstPort: 5061, seq: 1, payload: sipText(97, 80) }), extHeaders: [{ type: 0, data: Buffer.alloc(6) }] })) });
  out.push({ linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: 17, payload: udp(5, 6, Buffer.alloc(3)), options: Uint8Array.of(1, 1, 1, 1) }), { vlans: [{ tpid: 0x88a8, vid: 1 }, { tpid: 0x8100, vid: 2 }] }) });
  out.push({ linkType: 108, data: nullLoopback(2, ipv4({ src: '127.0.0.1', dst: '127.0.0.1', proto: 17, payload: udp(7, 8, Buffer.from('x')) }), false) });
  out.push({ linkType: 113, data: sll(0x0806, Buffer.alloc(28)) });
  out.push({ linkType: 276, data: sll2(ETHERTYPE_IPV6, Buffer.alloc(10)) });
  out.push({ linkType: 147, data: Buffer.alloc(30, 7) });
  return out;
}

function seeds(): Buffer[] {
  const fs = frames();
  const out: Buffer[] = [];
  for (const le of [true, false]) {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink, { littleEndian: le, comment: 'fuzz seed' });
    const ids = new Map<number, number>();
    fs.forEach((f, k) => {
      let id = ids.get(f.linkType);
      if (id === undefined) { id = w.addInterface({ linkType: f.linkType, tsUnitsPerSecond: k % 2 ? 1e9 : 2 ** 24, tsOffset: k % 3 }); ids.set(f.linkType, id); }
      if (k % 7 === 3) w.writeObsoletePacket(id, 1000 + k, k * 1000, f.data);
      else w.writePacket(id, 1000 - k, k * 1000, f.data, f.data.length, k % 5 === 0 ? 'c' : undefined);
      if (k % 9 === 4) w.writeRawBlock(5, new Uint8Array(16));
    });
    w.writeSimplePacket(fs[0]!.data);
    w.newSection();
    w.addInterface({ linkType: 101 });
    w.writePacket(0, 5, 5, fs[2]!.data.subarray(14));
    out.push(sink.toBytes());
    for (const ns of [false, true]) {
      const s = new MemorySink();
      const p = new PcapWriter(s, { linkType: 1, littleEndian: le, nanosecond: ns });
      fs.filter((f) => f.linkType === 1).forEach((f, k) => p.writePacket(2000 + k, k, f.data));
      out.push(s.toBytes());
    }
  }
  return out;
}

const SEEDS = seeds();

// ------------------------------------------------------------------ the property

interface Outcome { frames: number; warnings: Warning[]; notCapture: boolean }

/** Parse and decode `bytes` pushed as the given chunks; assert the invariants. */
function check(bytes: Uint8Array, cuts: number[]): Outcome {
  const numbers: number[] = [];
  const warnings: Warning[] = [];
  const dec = new NetDecoder(
    (d) => {
      assert.ok(d.frame >= 1 && d.frame <= numbers.length);
      assert.ok(d.srcPort >= 0 && d.srcPort < 65536 && d.dstPort >= 0 && d.dstPort < 65536);
      assert.ok(d.payload.length <= 65535);
    },
    (w) => warnings.push(w),
    { limits: { maxFragments: 8, maxOpen: 4, maxDatagramBytes: 4000, maxAgeS: 2 } },
  );
  const p = new CaptureParser('fuzz', {
    onFrame: (f) => {
      numbers.push(f.number);
      assert.equal(f.capLen, f.data.length);
      assert.ok(f.tsNsec >= 0 && f.tsNsec < 1e9, `tsNsec ${f.tsNsec}`);
      dec.decode(f);
    },
    onWarning: (w) => warnings.push(w),
  });
  let notCapture = false;
  try {
    const sorted = [...new Set(cuts.map((c) => Math.min(c, bytes.length)))].sort((a, b) => a - b);
    let prev = 0;
    for (const c of [...sorted, bytes.length]) { p.push(bytes.subarray(prev, c)); prev = c; }
    const info = p.end();
    assert.equal(info.frames, numbers.length);
  } catch (e) {
    if (!(e instanceof NotACaptureError)) throw e;
    assert.match(e.message, /^fuzz: .*pcap or pcapng/);
    notCapture = true;
  }
  dec.finish();
  assert.deepEqual(numbers, Array.from({ length: numbers.length }, (_, i) => i + 1), 'frames numbered 1..n in order');
  for (const w of warnings) {
    assert.equal(typeof w.code, 'string');
    assert.equal(typeof w.message, 'string');
    assert.ok(w.frame === null || (Number.isInteger(w.frame) && w.frame >= 1 && w.frame <= numbers.length));
  }
  return { frames: numbers.length, warnings, notCapture };
}

const cutsArb = fc.array(fc.nat({ max: 4000 }), { maxLength: 12 });

test('seed captures parse cleanly', () => {
  for (const s of SEEDS) {
    const r = check(s, []);
    assert.ok(r.frames > 5);
    assert.ok(!r.notCapture);
    assert.ok(!r.warnings.some((w) => w.code === 'truncated' || w.code === 'bad-block-length'), JSON.stringify(r.warnings));
  }
});

test('random bytes: only NotACaptureError escapes', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), cutsArb, (bytes, cuts) => { check(bytes, cuts); }), { numRuns: 400 });
});

test('random bytes behind a valid magic: nothing escapes, frames numbered in order', () => {
  const magics = [
    Buffer.from('d4c3b2a1', 'hex'), Buffer.from('a1b2c3d4', 'hex'), Buffer.from('4d3cb2a1', 'hex'), Buffer.from('a1b2cd34', 'hex'),
    Buffer.from('0a0d0d0a1c0000004d3c2b1a', 'hex'), Buffer.from('0a0d0d0a0000001c1a2b3c4d', 'hex'),
  ];
  fc.assert(fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 800 }), cutsArb, (m, rest, cuts) => {
    check(Buffer.concat([m, rest]), cuts);
  }), { numRuns: 600 });
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number }
  | { kind: 'huge'; at: number; value: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 12, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 16 * 1024 * 1024, 16 * 1024 * 1024 + 4, 262145) }),
);

function mutate(src: Buffer, ms: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip': b[at]! ^= 1 << m.bit; break;
      case 'byte': b[at] = m.value; break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]); break;
      case 'huge': {
        // Lengths sit at 4-byte aligned offsets in both formats; hit one of them.
        const o = at & ~3;
        if (o + 4 <= b.length) { if (at & 1) b.writeUInt32BE(m.value >>> 0, o); else b.writeUInt32LE(m.value >>> 0, o); }
        break;
      }
    }
  }
  return b;
}

test('mutated valid captures: nothing but NotACaptureError escapes, frames numbered 1..n, terminates', { timeout: 60_000 }, () => {
  fc.assert(fc.property(
    fc.nat({ max: SEEDS.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), cutsArb,
    (k, ms, cuts) => {
      const bytes = mutate(SEEDS[k]!, ms);
      const r = check(bytes, cuts);
      // A mutation never invents frames beyond what the bytes can hold (16 bytes of header each at least).
      assert.ok(r.frames <= bytes.length / 12);
    },
  ), { numRuns: 700 });
});

test('the same mutated capture gives the same frames whatever the chunking', () => {
  fc.assert(fc.property(
    fc.nat({ max: SEEDS.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), cutsArb, cutsArb,
    (k, ms, c1, c2) => {
      const bytes = mutate(SEEDS[k]!, ms);
      const a = check(bytes, c1);
      const b = check(bytes, c2);
      assert.equal(a.frames, b.frames);
      assert.equal(a.notCapture, b.notCapture);
      // Same warnings, except the byte count in a warning that depends on where pushing stopped.
      assert.deepEqual(a.warnings.map((w) => w.code), b.warnings.map((w) => w.code));
    },
  ), { numRuns: 300 });
});
