/**
 * Property-based robustness of the capture and network stages: random bytes
 * (bare or behind a valid magic) and randomly damaged valid captures (bit
 * flips, overwritten bytes and length fields, huge lengths, truncation,
 * inserted or deleted bytes), pushed in random chunks through CaptureParser
 * and NetDecoder. Nothing but NotACaptureError may escape, parsing ends,
 * frames are numbered 1..n in order, warnings are well formed, and the
 * chunking never changes the result.
 *
 * The fast-check seeds are fixed so a run is reproducible; a failure report
 * names the seed and path to replay.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CaptureParser, NotACaptureError } from '../../src/capture/parser.js';
import { PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { NetDecoder } from '../../src/net/decoder.js';
import { ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP } from '../../src/net/constants.js';
import {
  ethernet, fragmentHeader, ipv4, ipv6, loop, nullLoopback, sll, sll2, tcp, tcpFrame, udp, udpFrames,
} from '../../src/net/build.js';
import type { Warning } from '../../src/model.js';

// ---------------------------------------------------------------- the harness

interface Outcome { frames: number; datagrams: number; warnings: Warning[]; notCapture: boolean }

/** Parse and decode `bytes` pushed as chunks cut at the given points; assert the invariants. */
function check(bytes: Uint8Array, cuts: number[]): Outcome {
  const numbers: number[] = [];
  const warnings: Warning[] = [];
  let datagrams = 0;
  const dec = new NetDecoder(
    (d) => {
      datagrams++;
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
      assert.equal(f.number, numbers.length, 'frames numbered 1..n in file order');
      assert.equal(f.capLen, f.data.length);
      assert.ok(Number.isInteger(f.tsSec) && Number.isInteger(f.tsNsec) && f.tsNsec >= 0 && f.tsNsec < 1e9, `timestamp ${f.tsSec}.${f.tsNsec}`);
      dec.decode(f);
    },
    onWarning: (w) => warnings.push(w),
  });
  let notCapture = false;
  try {
    // Pushing goes on after the parser has stopped: later pushes must be ignored.
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
  return { frames: numbers.length, datagrams, warnings, notCapture };
}

// ---------------------------------------------------------------- seeds: valid captures

const SIP = Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nCall-ID: a@b\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n');

function sipText(i: number, size: number): Buffer {
  const head = `INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: fuzz-${i}@example.com\r\nCSeq: ${i} INVITE\r\n\r\n`;
  return Buffer.from(head.padEnd(size, 'v'));
}

interface Pk { linkType: number; data: Uint8Array }

/** Set A: SIP over UDP (some fragmented, IPv6 behind VLANs), TCP, IP-in-IP, NULL, LOOP with IPv6 extension headers, SLL, SLL2, RAW with options, 802.11. */
function packetsA(): Pk[] {
  const out: Pk[] = [];
  const e = (d: Uint8Array) => out.push({ linkType: 1, data: d });
  e(udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: SIP })[0]!);
  for (const f of udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: Buffer.concat([SIP, Buffer.alloc(600, 0x61)]), mtu: 300, ipId: 5 })) e(f);
  for (const f of udpFrames({ src: '2001:db8::1', dst: '2001:db8::2', sport: 5060, dport: 5060, payload: Buffer.concat([SIP, Buffer.alloc(400, 0x62)]), mtu: 300, ipId: 6, vlans: [7, 8] })) e(f);
  e(tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 5060, dstPort: 5060, seq: 1, ack: 2, payload: SIP }));
  e(ethernet(ETHERTYPE_IPV4, ipv4({ src: '1.1.1.1', dst: '2.2.2.2', proto: IPPROTO_IPIP, payload: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: udp(1, 2, SIP) }) })));
  out.push({ linkType: 0, data: nullLoopback(2, ipv4({ src: '127.0.0.1', dst: '127.0.0.1', proto: IPPROTO_UDP, payload: udp(1, 2, SIP) })) });
  out.push({ linkType: 108, data: loop(24, ipv6({ src: '::1', dst: '::1', nextHeader: IPPROTO_UDP, payload: udp(1, 2, SIP), extHeaders: [{ type: 0, data: new Uint8Array(6) }, fragmentHeader(0, false, 3)] })) });
  out.push({ linkType: 113, data: sll(0x0800, ipv4({ src: '10.0.0.3', dst: '10.0.0.4', proto: IPPROTO_TCP, payload: Buffer.alloc(20) })) });
  out.push({ linkType: 276, data: sll2(0x86dd, ipv6({ src: '::2', dst: '::3', nextHeader: IPPROTO_UDP, payload: udp(3, 4, SIP) })) });
  out.push({ linkType: 101, data: ipv4({ src: '10.0.0.5', dst: '10.0.0.6', proto: IPPROTO_UDP, payload: udp(5, 6, SIP), options: Uint8Array.of(1, 1, 1, 1) }) });
  out.push({ linkType: 105, data: Buffer.alloc(30, 1) });
  return out;
}

/** pcapng (2^-20 / ns units, offsets, ISB, unknown block, SPB, PB, a second section in the other byte order) and pcap (µs, ns), both byte orders. */
function seedsA(): Uint8Array[] {
  const pk = packetsA();
  const out: Uint8Array[] = [];
  for (const byteOrder of ['little', 'big'] as const) {
    const ng = new PcapngWriter(undefined, { byteOrder, comment: 'fuzz seed' });
    const ids = new Map<number, number>();
    pk.forEach((p, i) => {
      let id = ids.get(p.linkType);
      if (id === undefined) { id = ng.addInterface({ linkType: p.linkType, tsUnitsPerSecond: i % 2 ? 1e9 : 2 ** 20, tsOffset: i % 3 }); ids.set(p.linkType, id); }
      ng.writePacket(id, 1700000000 + i, i * 1000, p.data);
      if (i === 3) ng.writeInterfaceStatistics(0, 1700000000, 0, 5, 0);
      if (i === 5) ng.writeRawBlock(0xbad, Buffer.alloc(9, 7));
    });
    ng.writeSimplePacket(pk[0]!.data);
    ng.writeObsoletePacket(0, 1700000100, 5, pk[1]!.data);
    ng.newSection({ byteOrder: byteOrder === 'little' ? 'big' : 'little', interfaces: [{ linkType: 1 }] });
    ng.writePacket(0, 1700000200, 0, pk[0]!.data);
    out.push(ng.toBytes());
    for (const nanosecond of [false, true]) {
      const pc = new PcapWriter(undefined, { linkType: 1, byteOrder, nanosecond });
      pk.filter((p) => p.linkType === 1).forEach((p, i) => pc.writePacket(1700000000 + i, i * 7, p.data));
      out.push(pc.toBytes());
    }
  }
  return out;
}

/** Set B: fragmented SIP over every link framing and both IP versions, tunnels, IPv6 TCP behind hop-by-hop, QinQ, LOOP, ARP, short SLL2, an unknown link type. */
function packetsB(): Pk[] {
  const out: Pk[] = [];
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

/** pcapng (2^-24 / ns units, offsets, PBs, comments, ISBs, time going back, SPB, a second section with a RAW interface) and pcap (µs, ns), both byte orders. */
function seedsB(): Uint8Array[] {
  const fs = packetsB();
  const out: Uint8Array[] = [];
  for (const le of [true, false]) {
    const w = new PcapngWriter(undefined, { littleEndian: le, comment: 'fuzz seed' });
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
    out.push(w.toBytes());
    for (const ns of [false, true]) {
      const p = new PcapWriter(undefined, { linkType: 1, littleEndian: le, nanosecond: ns });
      fs.filter((f) => f.linkType === 1).forEach((f, k) => p.writePacket(2000 + k, k, f.data));
      out.push(p.toBytes());
    }
  }
  return out;
}

const SEEDS = [...seedsA(), ...seedsB()];
const SEED_FRAMES = SEEDS.map((s) => check(s, []).frames);

test('the seed captures themselves decode cleanly', () => {
  for (const [i, s] of SEEDS.entries()) {
    const r = check(s, []);
    assert.equal(r.notCapture, false, `seed ${i}`);
    assert.ok(r.frames >= 8, `seed ${i}: ${r.frames} frames`);
    assert.ok(r.datagrams >= 5, `seed ${i}: ${r.datagrams} datagrams`);
    assert.ok(!r.warnings.some((w) => w.code === 'truncated' || w.code === 'bad-block-length'), `seed ${i}: ${JSON.stringify(r.warnings)}`);
  }
});

// ---------------------------------------------------------------- properties

const cutsArb = fc.array(fc.nat({ max: 6000 }), { maxLength: 12 });

test('random bytes: only NotACaptureError escapes', { timeout: 30_000 }, () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), cutsArb, (bytes, cuts) => {
    const r = check(bytes, cuts);
    // fewer than 4 bytes cannot even hold a magic number
    if (!r.notCapture) assert.ok(bytes.length >= 4);
  }), { seed: 0x51f10, numRuns: 400, includeErrorInReport: true });
});

test('random bytes behind a valid magic: nothing escapes, frames numbered in order', { timeout: 30_000 }, () => {
  const magics = [
    Buffer.from('d4c3b2a1', 'hex'), Buffer.from('a1b2c3d4', 'hex'), Buffer.from('4d3cb2a1', 'hex'), Buffer.from('a1b2cd34', 'hex'),
    Buffer.from('0a0d0d0a', 'hex'), // pcapng block type alone: the length and byte-order magic are random
    Buffer.from('0a0d0d0a1c0000004d3c2b1a', 'hex'), Buffer.from('0a0d0d0a0000001c1a2b3c4d', 'hex'),
  ];
  fc.assert(fc.property(fc.constantFrom(...magics), fc.uint8Array({ maxLength: 3000 }), cutsArb, (m, rest, cuts) => {
    check(Buffer.concat([m, rest]), cuts);
  }), { seed: 0x3a61c, numRuns: 600, includeErrorInReport: true });
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'set32'; at: number; value: number }
  | { kind: 'huge'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; len: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.nat({ max: 255 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set32' as const), at: fc.nat(), value: fc.oneof(fc.nat({ max: 70000 }), fc.integer({ min: 0, max: 0xffffffff })) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), value: fc.constantFrom(0, 1, 12, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffc, 0xffffffff, 16 * 1024 * 1024, 16 * 1024 * 1024 + 4, 262145) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 40 }) }) },
);

function mutate(src: Uint8Array, ms: Mutation[]): Buffer {
  let b = Buffer.from(src);
  for (const m of ms) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip': b[at]! ^= 1 << m.bit; break;
      case 'byte': b[at] = m.value; break;
      case 'set32': if (at + 4 <= b.length) b.writeUInt32LE(m.value >>> 0, at); break;
      case 'huge': {
        // Lengths sit at 4-byte aligned offsets in both formats; hit one of them, in either byte order.
        const o = at & ~3;
        if (o + 4 <= b.length) { if (at & 1) b.writeUInt32BE(m.value >>> 0, o); else b.writeUInt32LE(m.value >>> 0, o); }
        break;
      }
      case 'truncate': b = b.subarray(0, at); break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.len)]); break;
    }
  }
  return b;
}

/** What must not depend on chunking (a warning's text may: it can name where pushing stopped). */
const summary = (r: Outcome) => ({ frames: r.frames, datagrams: r.datagrams, notCapture: r.notCapture, codes: r.warnings.map((w) => w.code) });

test('damaged valid captures: nothing but NotACaptureError escapes, bounded output, the same result whatever the chunking', { timeout: 90_000 }, () => {
  fc.assert(fc.property(
    fc.nat({ max: SEEDS.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), cutsArb, cutsArb,
    (k, ms, c1, c2) => {
      const bytes = mutate(SEEDS[k]!, ms);
      const a = check(bytes, c1);
      // frames can never outnumber the record headers (12 bytes at least each) the bytes can hold
      assert.ok(a.frames <= bytes.length / 12, `${a.frames} frames in ${bytes.length} bytes`);
      // chunking never changes the result: whole, and two random chunkings
      const whole = check(bytes, []);
      assert.deepEqual(summary(a), summary(whole));
      assert.deepEqual(summary(check(bytes, c2)), summary(whole));
    },
  ), { seed: 0x51f10, numRuns: 1000, includeErrorInReport: true });
});

test('only the tail damaged: every frame before the damage is still read', { timeout: 30_000 }, () => {
  fc.assert(fc.property(
    fc.nat({ max: SEEDS.length - 1 }), fc.double({ min: 0.3, max: 1, noNaN: true }), fc.uint8Array({ maxLength: 200 }), cutsArb,
    (which, keep, garbage, cuts) => {
      const seed = SEEDS[which]!;
      const at = Math.floor(seed.length * keep);
      const damaged = Buffer.concat([seed.subarray(0, at), garbage]);
      const clean = check(seed.subarray(0, at), []);
      const r = check(damaged, cuts);
      assert.equal(r.notCapture, false);
      assert.ok(r.frames >= clean.frames, `${r.frames} frames with garbage after byte ${at}, ${clean.frames} without`);
      assert.ok(clean.frames <= SEED_FRAMES[which]!);
    },
  ), { seed: 0x7a11, numRuns: 150, includeErrorInReport: true });
});
