/**
 * Property-based robustness of the capture and network stages: random bytes
 * and randomly damaged valid captures (bit flips, overwritten length fields,
 * truncation, inserted garbage), pushed in random chunks through CaptureParser
 * and NetDecoder. Nothing but NotACaptureError may escape, parsing ends, and
 * frames are numbered 1..n in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CaptureParser, NotACaptureError } from '../../src/capture/parser.js';
import { PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { NetDecoder } from '../../src/net/decoder.js';
import {
  ETHERTYPE_IPV4, IPPROTO_IPIP, IPPROTO_TCP, IPPROTO_UDP, ethernet, fragmentHeader, ipv4, ipv6, loop, nullLoopback, sll, sll2,
  tcpFrame, udp, udpFrames,
} from '../../src/net/build.js';

interface Outcome { frames: number; datagrams: number; notACapture: boolean; warnings: number }

/** Run bytes through parser and decoder, chunked at the given cut points. */
function feed(bytes: Uint8Array, cuts: number[]): Outcome {
  let frames = 0;
  let datagrams = 0;
  let warnings = 0;
  const dec = new NetDecoder((d) => {
    datagrams++;
    assert.ok(d.frame >= 1 && d.frame <= frames);
    assert.ok(d.payload.length <= 65535);
  }, () => { warnings++; }, { limits: { maxOpen: 4, maxFragments: 8, maxDatagramBytes: 4000, maxAgeS: 5 } });
  const parser = new CaptureParser('fuzz', {
    onFrame(f) {
      frames++;
      assert.equal(f.number, frames, 'frames numbered 1..n in file order');
      assert.equal(f.capLen, f.data.length);
      assert.ok(Number.isInteger(f.tsSec) && Number.isInteger(f.tsNsec) && f.tsNsec >= 0 && f.tsNsec < 1e9, `timestamp ${f.tsSec}.${f.tsNsec}`);
      dec.decode(f);
    },
    onWarning() { warnings++; },
  });
  try {
    let prev = 0;
    for (const c of [...cuts.filter((x) => x > 0 && x < bytes.length).sort((a, b) => a - b), bytes.length]) {
      parser.push(bytes.subarray(prev, c));
      prev = c;
      if (parser.done) break;
    }
    const info = parser.end();
    assert.equal(info.frames, frames);
  } catch (e) {
    if (e instanceof NotACaptureError) return { frames, datagrams, notACapture: true, warnings };
    throw e;
  }
  dec.finish();
  return { frames, datagrams, notACapture: false, warnings };
}

// ---------------------------------------------------------------- seeds: valid captures

const SIP = Buffer.from('INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1;branch=z9hG4bK1\r\nCall-ID: a@b\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n');

function packets(): { linkType: number; data: Uint8Array }[] {
  const out: { linkType: number; data: Uint8Array }[] = [];
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

function seeds(): Uint8Array[] {
  const pk = packets();
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

const SEEDS = seeds();
const SEED_FRAMES = SEEDS.map((s) => feed(s, []).frames);

test('the seed captures themselves decode cleanly', () => {
  for (let i = 0; i < SEEDS.length; i++) {
    const whole = feed(SEEDS[i]!, []);
    assert.equal(whole.notACapture, false);
    assert.ok(whole.frames >= 8);
    assert.ok(whole.datagrams >= 5);
  }
});

// ---------------------------------------------------------------- properties

const cutsArb = fc.array(fc.nat({ max: 6000 }), { maxLength: 12 });
const PARAMS = { seed: 0x51f10, numRuns: 250, includeErrorInReport: true } as const;

test('random bytes: only NotACaptureError escapes, frames are numbered 1..n', { timeout: 20_000 }, () => {
  const magics = [
    Uint8Array.of(0xd4, 0xc3, 0xb2, 0xa1), Uint8Array.of(0xa1, 0xb2, 0xc3, 0xd4), Uint8Array.of(0x4d, 0x3c, 0xb2, 0xa1),
    Uint8Array.of(0xa1, 0xb2, 0xcd, 0x34), Uint8Array.of(0x0a, 0x0d, 0x0d, 0x0a), new Uint8Array(0),
  ];
  fc.assert(fc.property(
    fc.constantFrom(...magics), fc.uint8Array({ maxLength: 3000 }), cutsArb,
    (magic, body, cuts) => {
      const bytes = new Uint8Array(magic.length + body.length);
      bytes.set(magic, 0);
      bytes.set(body, magic.length);
      const r = feed(bytes, cuts);
      if (magic.length === 0 && !r.notACapture) assert.ok(bytes.length >= 4);
    },
  ), PARAMS);
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set32'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; n: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat({ max: 7 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('set32' as const), at: fc.nat(), value: fc.oneof(fc.nat({ max: 70000 }), fc.integer({ min: 0, max: 0xffffffff })) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }) },
);

function mutate(src: Uint8Array, muts: Mutation[]): Uint8Array {
  let b = Buffer.from(src);
  for (const m of muts) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    switch (m.kind) {
      case 'flip': b[at]! ^= 1 << m.bit; break;
      case 'set32': if (at + 4 <= b.length) b.writeUInt32LE(m.value >>> 0, at); break;
      case 'truncate': b = b.subarray(0, at); break;
      case 'insert': b = Buffer.concat([b.subarray(0, at), m.bytes, b.subarray(at)]); break;
      case 'delete': b = Buffer.concat([b.subarray(0, at), b.subarray(at + m.n)]); break;
    }
  }
  return b;
}

test('damaged valid captures: no exception, bounded output, frames numbered 1..n', { timeout: 30_000 }, () => {
  fc.assert(fc.property(
    fc.nat({ max: SEEDS.length - 1 }), fc.array(mutationArb, { minLength: 1, maxLength: 6 }), cutsArb,
    (which, muts, cuts) => {
      const damaged = mutate(SEEDS[which]!, muts);
      const r = feed(damaged, cuts);
      // frames can never outnumber the bytes of record headers that hold them
      assert.ok(r.frames <= damaged.length / 12 + 1);
      // chunking never changes the result
      const whole = feed(damaged, []);
      assert.deepEqual(whole, r);
    },
  ), PARAMS);
});

test('only the tail damaged: every frame before the damage is still read', { timeout: 20_000 }, () => {
  fc.assert(fc.property(
    fc.nat({ max: SEEDS.length - 1 }), fc.double({ min: 0.3, max: 1, noNaN: true }), fc.uint8Array({ maxLength: 200 }), cutsArb,
    (which, keep, garbage, cuts) => {
      const seed = SEEDS[which]!;
      const at = Math.floor(seed.length * keep);
      const damaged = Buffer.concat([seed.subarray(0, at), garbage]);
      const clean = feed(seed.subarray(0, at), []);
      const r = feed(damaged, cuts);
      assert.equal(r.notACapture, false);
      assert.ok(r.frames >= clean.frames, `${r.frames} frames with garbage after byte ${at}, ${clean.frames} without`);
      assert.ok(clean.frames <= SEED_FRAMES[which]!);
    },
  ), { seed: 0x7a11, numRuns: 150, includeErrorInReport: true });
});
