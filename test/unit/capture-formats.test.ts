/**
 * Capture containers built byte by byte in memory and read back through the
 * push parser: classic pcap (both byte orders, µs and ns magic), pcapng (both
 * byte orders, several sections and interfaces, if_tsresol, if_tsoffset, EPB,
 * SPB, obsolete PB, skipped blocks), gzip through readCapture, and bad input.
 *
 * Every capture is parsed whole and again in random-sized chunks (records
 * straddling chunks, down to 1-byte chunks); the results must be identical.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { CaptureParser, NotACaptureError, readCapture, sniffFormat } from '../../src/capture/index.js';
import { MemorySink, PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import type { CaptureInfo, Warning } from '../../src/model.js';

// ------------------------------------------------------------------ helpers

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface FrameRec { number: number; tsSec: number; tsNsec: number; linkType: number; interfaceId: number; origLen: number; data: string }
interface Parsed { frames: FrameRec[]; warnings: Warning[]; info: CaptureInfo }

function splitRandom(bytes: Uint8Array, seed: number, max: number): Uint8Array[] {
  const r = mulberry32(seed);
  const out: Uint8Array[] = [];
  for (let o = 0; o < bytes.length;) {
    const n = 1 + Math.floor(r() * max);
    out.push(bytes.subarray(o, o + n));
    o += n;
  }
  return out;
}

function parseChunks(chunks: Uint8Array[], file = 'mem.cap'): Parsed {
  const frames: FrameRec[] = [];
  const warnings: Warning[] = [];
  const p = new CaptureParser(file, {
    onFrame: (f) => {
      assert.equal(f.capLen, f.data.length);
      frames.push({ number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId, origLen: f.origLen, data: Buffer.from(f.data).toString('hex') });
    },
    onWarning: (w) => warnings.push(w),
  });
  // Copy each chunk so a frame view into a reused buffer would show up as corrupt data.
  for (const c of chunks) p.push(Uint8Array.from(c));
  const info = p.end();
  return { frames, warnings, info: structuredClone(info) };
}

/** Parse whole, then in random chunks of several sizes; all must agree. */
function parse(bytes: Uint8Array): Parsed {
  const whole = parseChunks([bytes]);
  for (const [seed, max] of [[1, 1], [2, 7], [3, 64], [4, 1500], [5, 9000]] as const) {
    const part = parseChunks(splitRandom(bytes, seed, max));
    assert.deepEqual(part.frames, whole.frames, `frames differ with chunks of at most ${max} bytes`);
    assert.deepEqual(part.warnings, whole.warnings, `warnings differ with chunks of at most ${max} bytes`);
    // bytes = what was pushed before parsing stopped, so it depends on chunking once an impossible block stops it.
    assert.deepEqual({ ...part.info, bytes: 0 }, { ...whole.info, bytes: 0 }, `info differs with chunks of at most ${max} bytes`);
    if (!whole.warnings.some((w) => /stopped reading/.test(w.message))) assert.equal(part.info.bytes, bytes.length);
  }
  return whole;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function payload(i: number, len = 20 + i): Buffer {
  return Buffer.from(Array.from({ length: len }, (_, k) => (i * 31 + k) & 0xff));
}

function frameBytes(i: number): Buffer {
  return udpFrame({ src: '192.0.2.1', dst: '192.0.2.2', sport: 5060, dport: 5060 + i, payload: payload(i) });
}

// Hand-built pcapng blocks, independent of the writer.
function pad4(n: number): number { return (n + 3) & ~3; }
function u16(le: boolean, v: number): Buffer { const b = Buffer.alloc(2); if (le) b.writeUInt16LE(v); else b.writeUInt16BE(v); return b; }
function u32(le: boolean, v: number): Buffer { const b = Buffer.alloc(4); if (le) b.writeUInt32LE(v >>> 0); else b.writeUInt32BE(v >>> 0); return b; }
function block(le: boolean, type: number, body: Uint8Array): Buffer {
  const padded = Buffer.alloc(pad4(body.length));
  padded.set(body);
  const total = 12 + padded.length;
  return Buffer.concat([u32(le, type), u32(le, total), padded, u32(le, total)]);
}
function opt(le: boolean, code: number, v: Uint8Array): Buffer {
  const b = Buffer.alloc(4 + pad4(v.length));
  b.set(u16(le, code), 0); b.set(u16(le, v.length), 2); b.set(v, 4);
  return b;
}
const endOpt = Buffer.alloc(4);
function shb(le: boolean): Buffer {
  return block(le, 0x0a0d0d0a, Buffer.concat([u32(le, 0x1a2b3c4d), u16(le, 1), u16(le, 0), Buffer.alloc(8, 0xff)]));
}
function idb(le: boolean, linkType: number, opts: Buffer[] = []): Buffer {
  return block(le, 1, Buffer.concat([u16(le, linkType), u16(le, 0), u32(le, 65535), ...(opts.length ? [...opts, endOpt] : [])]));
}
function epb(le: boolean, ifId: number, high: number, low: number, data: Uint8Array, origLen = data.length): Buffer {
  const d = Buffer.alloc(pad4(data.length)); d.set(data);
  return block(le, 6, Buffer.concat([u32(le, ifId), u32(le, high), u32(le, low), u32(le, data.length), u32(le, origLen), d]));
}
function tsresol(le: boolean, r: number): Buffer { return opt(le, 9, Uint8Array.of(r)); }
function tsoffset(le: boolean, s: number): Buffer {
  const v = Buffer.alloc(8);
  if (le) v.writeBigInt64LE(BigInt(s)); else v.writeBigInt64BE(BigInt(s));
  return opt(le, 14, v);
}

// ------------------------------------------------------------------ classic pcap

for (const le of [true, false]) {
  for (const ns of [false, true]) {
    test(`pcap ${le ? 'little' : 'big'}-endian, ${ns ? 'nanosecond' : 'microsecond'} magic`, () => {
      const sink = new MemorySink();
      const w = new PcapWriter(sink, { linkType: 1, littleEndian: le, nanosecond: ns, snapLen: 65535 });
      const stamps: [number, number][] = [[1700000000, 123456789], [1700000001, 0], [1699999999, 999999999]];
      stamps.forEach(([s, n], i) => w.writePacket(s, n, frameBytes(i), 1000 + i));
      const bytes = sink.toBytes();
      assert.equal(bytes.readUInt32LE(0), le ? (ns ? 0xa1b23c4d : 0xa1b2c3d4) : (ns ? 0x4d3cb2a1 : 0xd4c3b2a1));
      assert.equal(sniffFormat(bytes), 'pcap');
      const { frames, warnings, info } = parse(bytes);
      assert.deepEqual(warnings, []);
      assert.equal(info.format, 'pcap');
      assert.equal(info.frames, 3);
      assert.deepEqual(info.linkTypes, ['Ethernet']);
      assert.equal(info.interfaces[0]!.tsUnitsPerSecond, ns ? 1e9 : 1e6);
      assert.equal(info.interfaces[0]!.snapLen, 65535);
      assert.equal(info.truncated, false);
      assert.deepEqual(frames.map((f) => f.number), [1, 2, 3]);
      assert.deepEqual(frames.map((f) => [f.tsSec, f.tsNsec]), stamps.map(([s, n]) => [s, ns ? n : Math.floor(n / 1000) * 1000]));
      assert.deepEqual(frames.map((f) => f.origLen), [1000, 1001, 1002]);
      frames.forEach((f, i) => assert.equal(f.data, hex(frameBytes(i))));
      // Timestamps going backwards: numbering stays in file order, min/max follow time.
      assert.equal(info.firstTsSec, 1700000000);
      assert.equal(info.minTime, ns ? 1699999999 + 999999999 / 1e9 : 1699999999.999999);
      assert.equal(info.maxTime, 1700000001);
    });
  }
}

test('pcap: Kuznetzov (modified) magic has 24-byte record headers', () => {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(0xa1b2cd34, 0); h.writeUInt16LE(2, 4); h.writeUInt16LE(4, 6); h.writeUInt32LE(65535, 16); h.writeUInt32LE(101, 20);
  const data = Buffer.from('450000140000000040ff0000c0000201c0000202', 'hex');
  const rec = Buffer.alloc(24);
  rec.writeUInt32LE(10, 0); rec.writeUInt32LE(5, 4); rec.writeUInt32LE(data.length, 8); rec.writeUInt32LE(data.length, 12);
  const { frames, warnings } = parse(Buffer.concat([h, rec, data, rec, data]));
  assert.deepEqual(warnings, []);
  assert.deepEqual(frames.map((f) => [f.number, f.tsSec, f.tsNsec, f.linkType, f.data]), [[1, 10, 5000, 101, hex(data)], [2, 10, 5000, 101, hex(data)]]);
});

test('pcap: link type field upper bits (FCS flags) are masked off', () => {
  const sink = new MemorySink();
  new PcapWriter(sink, { linkType: 1 }).writePacket(1, 0, frameBytes(0));
  const bytes = sink.toBytes();
  bytes.writeUInt32LE(0x14000001, 20); // FCS present, 4 bytes (the "F" bit + length 2)
  const { frames, info } = parse(bytes);
  assert.equal(frames[0]!.linkType, 1);
  assert.deepEqual(info.linkTypes, ['Ethernet']);
});

// ------------------------------------------------------------------ pcapng

for (const le of [true, false]) {
  test(`pcapng ${le ? 'little' : 'big'}-endian: interfaces of different link types, EPB/SPB/PB, skipped blocks`, () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink, { littleEndian: le, comment: 'unit test', application: 'sipflow tests' });
    const eth = w.addInterface({ linkType: 1, name: 'eth0', description: 'wired' });
    const raw = w.addInterface({ linkType: 101, tsUnitsPerSecond: 1e9, name: 'raw0' });
    const lo = w.addInterface({ linkType: 0, tsUnitsPerSecond: 2 ** 20, name: '\\Device\\NPF_Loopback' });
    const ipOnly = frameBytes(1).subarray(14);
    const nullFrame = Buffer.concat([Buffer.from([2, 0, 0, 0]), ipOnly]);
    w.writePacket(eth, 1700000000, 250000000, frameBytes(0), 2000, 'a comment');
    w.writeRawBlock(5, Buffer.concat([u32(le, 0), u32(le, 0), u32(le, 0), endOpt])); // Interface Statistics Block
    w.writePacket(raw, 1700000000, 123456789, ipOnly);
    w.writeRawBlock(4, Buffer.alloc(4)); // Name Resolution Block, end of records
    w.writeRawBlock(0x0badcafe & 0x7fffffff, Buffer.from('some unknown block body')); // unknown type
    w.writeRawBlock(0x00000bad, Buffer.alloc(0)); // unknown, empty body
    w.writePacket(lo, 1700000000, 500000000, nullFrame); // 0.5 s is exact in 2^-20 units
    w.writeSimplePacket(frameBytes(3)); // interface 0, no timestamp
    w.writeObsoletePacket(eth, 1700000002, 7000, frameBytes(4));
    w.writeRawBlock(0x40000bad, Buffer.from([1, 2, 3])); // custom-ish type, odd body padded
    w.writePacket(eth, 1600000000, 1000, frameBytes(5)); // goes back in time
    const bytes = sink.toBytes();
    assert.equal(sniffFormat(bytes), 'pcapng');
    const { frames, warnings, info } = parse(bytes);
    assert.deepEqual(warnings, []);
    assert.equal(info.format, 'pcapng');
    assert.equal(info.sections, 1);
    assert.equal(info.truncated, false);
    assert.deepEqual(info.linkTypes, ['Ethernet', 'Raw IP', 'NULL/Loopback']);
    assert.deepEqual(info.interfaces.map((i) => [i.id, i.linkType, i.tsUnitsPerSecond, i.name, i.frames]),
      [[0, 1, 1e6, 'eth0', 4], [1, 101, 1e9, 'raw0', 1], [2, 0, 2 ** 20, '\\Device\\NPF_Loopback', 1]]);
    assert.equal(info.interfaces[0]!.description, 'wired');
    assert.deepEqual(frames.map((f) => [f.number, f.interfaceId, f.linkType, f.tsSec, f.tsNsec]), [
      [1, 0, 1, 1700000000, 250000000],
      [2, 1, 101, 1700000000, 123456789],
      [3, 2, 0, 1700000000, 500000000],
      [4, 0, 1, 0, 0],
      [5, 0, 1, 1700000002, 7000],
      [6, 0, 1, 1600000000, 1000],
    ]);
    assert.equal(frames[0]!.origLen, 2000);
    assert.deepEqual(frames.map((f) => f.data), [frameBytes(0), ipOnly, nullFrame, frameBytes(3), frameBytes(4), frameBytes(5)].map(hex));
    assert.equal(info.frames, 6);
    assert.equal(info.firstTsSec, 1700000000);
    assert.equal(info.firstTsNsec, 250000000);
    assert.equal(info.minTime, 0); // the SPB has no timestamp
    assert.equal(info.maxTime, 1700000002.000007);
  });
}

test('pcapng: several sections, each with its own byte order and interfaces', () => {
  const a = new MemorySink();
  const w1 = new PcapngWriter(a, { littleEndian: true });
  w1.addInterface({ linkType: 1 });
  w1.writePacket(0, 100, 1000, frameBytes(0));
  w1.newSection(); // same byte order, interfaces start over
  w1.addInterface({ linkType: 113 });
  w1.addInterface({ linkType: 1 });
  w1.writePacket(1, 101, 2000, frameBytes(1));
  w1.writePacket(0, 102, 3000, frameBytes(2));
  const b = new MemorySink();
  const w2 = new PcapngWriter(b, { littleEndian: false });
  w2.addInterface({ linkType: 276, tsUnitsPerSecond: 1e9 });
  w2.writePacket(0, 50, 999999999, frameBytes(3)); // earlier than everything before
  const bytes = Buffer.concat([a.toBytes(), b.toBytes()]);
  const { frames, warnings, info } = parse(bytes);
  assert.deepEqual(warnings, []);
  assert.equal(info.sections, 3);
  assert.deepEqual(info.interfaces.map((i) => [i.section, i.id, i.linkType]), [[0, 0, 1], [1, 0, 113], [1, 1, 1], [2, 0, 276]]);
  assert.deepEqual(info.linkTypes, ['Ethernet', 'Linux cooked-mode capture v1', 'Linux cooked-mode capture v2']);
  assert.deepEqual(frames.map((f) => [f.number, f.interfaceId, f.linkType, f.tsSec, f.tsNsec]), [
    [1, 0, 1, 100, 1000], [2, 1, 1, 101, 2000], [3, 0, 113, 102, 3000], [4, 0, 276, 50, 999999999],
  ]);
  assert.equal(info.minTime, 50.999999999);
});

for (const le of [true, false]) {
  test(`pcapng ${le ? 'LE' : 'BE'}: if_tsresol 10^-n and 2^-n, if_tsoffset, 64-bit timestamps exact`, () => {
    const d = frameBytes(0);
    const bytes = Buffer.concat([
      shb(le),
      idb(le, 1), // default µs
      idb(le, 1, [tsresol(le, 9)]), // ns
      idb(le, 1, [tsresol(le, 0x80 | 20)]), // 2^-20 s
      idb(le, 1, [tsresol(le, 3), tsoffset(le, 1000000000)]), // ms, offset 1e9 s
      idb(le, 1, [tsresol(le, 0x80 | 10), tsoffset(le, -100)]), // 2^-10 s, negative offset
      idb(le, 1, [tsresol(le, 0)]), // whole seconds
      // µs: 1700000000.123456 s = 1700000000123456 µs
      epb(le, 0, Math.floor(1700000000123456 / 2 ** 32), 1700000000123456 % 2 ** 32, d),
      // ns: 1700000000.123456789 s; beyond 2^53, the exact BigInt path
      epb(le, 1, Number(1700000000123456789n >> 32n), Number(1700000000123456789n & 0xffffffffn), d),
      // 2^-20: 3 s + 1 unit -> 953.67431640625 ns, truncated to 953
      epb(le, 2, 0, 3 * 2 ** 20 + 1, d),
      // ms with offset: 5250 ms -> 5.25 s + 1e9
      epb(le, 3, 0, 5250, d),
      // 2^-10 with offset -100: 200.5 s -> 100.5 s
      epb(le, 4, 0, 200 * 1024 + 512, d),
      // whole seconds: high word set
      epb(le, 5, 1, 5, d),
    ]);
    const { frames, warnings } = parse(bytes);
    assert.deepEqual(warnings, []);
    assert.deepEqual(frames.map((f) => [f.interfaceId, f.tsSec, f.tsNsec]), [
      [0, 1700000000, 123456000],
      [1, 1700000000, 123456789],
      [2, 3, 953],
      [3, 1000000005, 250000000],
      [4, 100, 500000000],
      [5, 2 ** 32 + 5, 0],
    ]);
  });
}

test('pcapng: a packet naming an undeclared interface is skipped with a warning, numbering continues', () => {
  const le = true;
  const bytes = Buffer.concat([shb(le), idb(le, 1), epb(le, 0, 0, 1, frameBytes(0)), epb(le, 7, 0, 2, frameBytes(1)), epb(le, 0, 0, 3, frameBytes(2))]);
  const { frames, warnings } = parse(bytes);
  assert.deepEqual(frames.map((f) => [f.number, f.tsNsec]), [[1, 1000], [2, 3000]]);
  assert.deepEqual(warnings.map((w) => w.code), ['unknown-interface']);
});

test('pcapng: simple packet block honours the snap length and the block size', () => {
  const le = false;
  const data = payload(0, 100);
  const spb = block(le, 3, Buffer.concat([u32(le, 1500), data])); // original 1500, 100 captured
  const snapIdb = block(le, 1, Buffer.concat([u16(le, 101), u16(le, 0), u32(le, 64)]));
  const { frames } = parse(Buffer.concat([shb(le), snapIdb, spb]));
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.origLen, 1500);
  assert.equal(frames[0]!.data, hex(data.subarray(0, 64)));
});

// ------------------------------------------------------------------ bad input

function sampleNg(n = 5): Buffer {
  const sink = new MemorySink();
  const w = new PcapngWriter(sink);
  w.addInterface({ linkType: 1 });
  for (let i = 0; i < n; i++) w.writePacket(0, 1000 + i, 0, frameBytes(i));
  return sink.toBytes();
}
function samplePcap(n = 5): Buffer {
  const sink = new MemorySink();
  const w = new PcapWriter(sink, { linkType: 1 });
  for (let i = 0; i < n; i++) w.writePacket(1000 + i, 0, frameBytes(i));
  return sink.toBytes();
}

for (const [name, make] of [['pcapng', sampleNg], ['pcap', samplePcap]] as const) {
  test(`${name}: truncated file keeps the frames before the cut and warns "cut short at byte N"`, () => {
    const full = make();
    const whole = parse(full).frames;
    // Cut in the middle of the 4th record: 5 bytes before the first prefix that holds 4 frames.
    let cut = 0;
    for (let k = 24; k <= full.length && !cut; k++) if (parseChunks([full.subarray(0, k)]).frames.length === 4) cut = k - 5;
    assert.ok(cut > 0);
    const { frames, warnings, info } = parse(full.subarray(0, cut));
    assert.deepEqual(frames, whole.slice(0, 3));
    assert.equal(info.truncated, true);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.code, 'truncated');
    assert.match(warnings[0]!.message, new RegExp(`cut short at byte ${cut}\\b`));
  });

  test(`${name}: a file cut inside its header is truncated, not "not a capture"`, () => {
    const { frames, warnings, info } = parse(make().subarray(0, 10));
    assert.equal(frames.length, 0);
    assert.equal(info.truncated, true);
    assert.match(warnings[0]!.message, /cut short at byte 10/);
  });
}

test('pcapng: impossible block length stops reading with a warning and keeps earlier frames', () => {
  const full = sampleNg(5);
  // Block layout: SHB, IDB, then 5 EPBs of known sizes; find the 3rd EPB by walking.
  const offs: number[] = [];
  for (let o = 0; o < full.length; o += full.readUInt32LE(o + 4)) offs.push(o);
  for (const bad of [0, 8, 13, 0x7ffffffc, 0xfffffff0]) {
    const b = Buffer.from(full);
    b.writeUInt32LE(bad >>> 0, offs[4]! + 4);
    const { frames, warnings, info } = parse(b);
    assert.equal(frames.length, 2, `length ${bad}`);
    assert.equal(info.truncated, true);
    assert.deepEqual(warnings.map((w) => w.code), ['bad-block-length']);
    assert.match(warnings[0]!.message, new RegExp(`at byte ${offs[4]}.*stopped reading`));
  }
  // A trailer that disagrees with the header is impossible too.
  const b = Buffer.from(full);
  b.writeUInt32LE(12345, offs[3]! - 4);
  const r = parse(b);
  assert.equal(r.frames.length, 0);
  assert.match(r.warnings[0]!.message, /trailer/);
  // A packet block whose captured length exceeds the block.
  const c = Buffer.from(full);
  c.writeUInt32LE(100000, offs[5]! + 20);
  assert.equal(parse(c).frames.length, 3);
  // A simple packet block shorter than its fixed part.
  const spb = Buffer.concat([full.subarray(0, offs[3]!), block(true, 3, Buffer.alloc(0)), full.subarray(offs[3]!)]);
  const s = parse(spb);
  assert.equal(s.frames.length, 1);
  assert.deepEqual(s.warnings.map((w) => w.code), ['bad-block-length']);
});

test('pcapng: section header with a bad byte-order magic stops reading', () => {
  const full = sampleNg(3);
  const second = Buffer.from(sampleNg(2));
  second.writeUInt32LE(0xdeadbeef, 8);
  const { frames, warnings } = parse(Buffer.concat([full, second]));
  assert.equal(frames.length, 3);
  assert.deepEqual(warnings.map((w) => w.code), ['bad-section-header']);
});

test('pcap: a record claiming more than 256 KiB stops reading with a warning', () => {
  const full = samplePcap(4);
  const b = Buffer.from(full);
  const third = 24 + 2 * (16 + frameBytes(0).length) + (frameBytes(1).length - frameBytes(0).length);
  b.writeUInt32LE(0x40000000, third + 8);
  const { frames, warnings, info } = parse(b);
  assert.equal(frames.length, 2);
  assert.equal(info.truncated, true);
  assert.deepEqual(warnings.map((w) => w.code), ['bad-record-length']);
});

test('not a capture: NotACaptureError names the file and "pcap or pcapng"', async () => {
  for (const bytes of [Buffer.from('hello, this is text\n'), Buffer.from([0xd4, 0xc3]), Buffer.alloc(0), Buffer.from('GIF89a')]) {
    let err: unknown;
    try { parseChunks(splitRandom(bytes, 9, 3), 'some/file.txt'); } catch (e) { err = e; }
    assert.ok(err instanceof NotACaptureError, `for ${hex(bytes)}`);
    assert.match((err as Error).message, /^some\/file\.txt: .*pcap or pcapng/);
    assert.ok(!(err as Error).message.includes('\n'));
  }
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-cap-'));
  try {
    const f = join(dir, 'notes.txt');
    writeFileSync(f, 'just some notes, no packets here\n');
    await assert.rejects(readCapture(f, { onFrame() {}, onWarning() {} }), (e: Error) => e instanceof NotACaptureError && e.message.includes(f) && e.message.includes('pcap or pcapng'));
    // gzip of something that is not a capture
    writeFileSync(f + '.gz', gzipSync(Buffer.from('not a capture either')));
    await assert.rejects(readCapture(f + '.gz', { onFrame() {}, onWarning() {} }), NotACaptureError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('parsing stops after an impossible block: later pushes are ignored', () => {
  const full = Buffer.from(sampleNg(3));
  full.writeUInt32LE(6, 28 + 4); // length 6 on the IDB (the SHB is 28 bytes)
  const frames: number[] = [];
  const p = new CaptureParser('x', { onFrame: (f) => frames.push(f.number), onWarning() {} });
  p.push(full);
  assert.equal(p.done, true);
  p.push(sampleNg(3));
  p.end();
  assert.deepEqual(frames, []);
});

// ------------------------------------------------------------------ gzip, files, stdin

async function readFile(path: string): Promise<{ frames: FrameRec[]; warnings: Warning[]; info: CaptureInfo }> {
  const frames: FrameRec[] = [];
  const warnings: Warning[] = [];
  const info = await readCapture(path, {
    onFrame: (f) => frames.push({ number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId, origLen: f.origLen, data: hex(f.data) }),
    onWarning: (w) => warnings.push(w),
  });
  return { frames, warnings, info };
}

test('readCapture: plain and gzip-compressed files give the same frames; truncated gzip warns', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-cap-'));
  try {
    const ng = sampleNg(200);
    const pc = samplePcap(200);
    const ref = parse(ng).frames;
    writeFileSync(join(dir, 'a.pcapng'), ng);
    writeFileSync(join(dir, 'a.pcapng.gz'), gzipSync(ng));
    writeFileSync(join(dir, 'a.pcap.gz'), gzipSync(pc, { level: 1 }));
    const plain = await readFile(join(dir, 'a.pcapng'));
    const gz = await readFile(join(dir, 'a.pcapng.gz'));
    assert.deepEqual(plain.frames, ref);
    assert.deepEqual(gz.frames, ref);
    assert.equal(plain.info.gzip, false);
    assert.equal(gz.info.gzip, true);
    assert.deepEqual(gz.warnings, []);
    const pgz = await readFile(join(dir, 'a.pcap.gz'));
    assert.equal(pgz.info.format, 'pcap');
    assert.equal(pgz.frames.length, 200);
    // A gzip stream cut short: the frames decompressed so far plus a truncation warning.
    const z = gzipSync(ng);
    writeFileSync(join(dir, 'cut.pcapng.gz'), z.subarray(0, Math.floor(z.length * 0.6)));
    const cut = await readFile(join(dir, 'cut.pcapng.gz'));
    assert.ok(cut.frames.length > 0 && cut.frames.length < 200, `${cut.frames.length} frames`);
    assert.deepEqual(cut.frames, ref.slice(0, cut.frames.length));
    assert.equal(cut.info.truncated, true);
    assert.ok(cut.warnings.some((w) => w.code === 'truncated' && /cut short/.test(w.message)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const HERE = dirname(fileURLToPath(import.meta.url));
const CAPTURE_INDEX = resolve(HERE, '..', '..', 'src', 'capture', 'index.js');

/** Run readCapture('-') in a child process with `input` on its standard input. */
function readStdin(input: Buffer): { frames: number; first: string; warnings: string[]; gzip: boolean; err: string } {
  const script = `
    import { readCapture } from ${JSON.stringify(CAPTURE_INDEX)};
    let n = 0, first = '';
    const warnings = [];
    try {
      const info = await readCapture('-', {
        onFrame(f) { if (!n++) first = f.tsSec + '.' + f.tsNsec; },
        onWarning(w) { warnings.push(w.code + ': ' + w.message); },
      });
      console.log(JSON.stringify({ frames: n, first, warnings, gzip: info.gzip, file: info.file, err: '' }));
    } catch (e) { console.log(JSON.stringify({ frames: n, first, warnings, gzip: false, err: e.message })); }`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { input });
  assert.equal(r.status, 0, r.stderr.toString());
  return JSON.parse(r.stdout.toString());
}

test('readCapture("-"): standard input, plain and gzip, truncated, not a capture', () => {
  const ng = sampleNg(300);
  assert.deepEqual(readStdin(ng), { frames: 300, first: '1000.0', warnings: [], gzip: false, file: 'standard input', err: '' });
  assert.deepEqual(readStdin(gzipSync(ng)), { frames: 300, first: '1000.0', warnings: [], gzip: true, file: 'standard input', err: '' });
  const cut = readStdin(ng.subarray(0, ng.length - 10));
  assert.equal(cut.frames, 299);
  assert.equal(cut.warnings.length, 1);
  assert.match(cut.warnings[0]!, new RegExp(`^truncated: .*cut short at byte ${ng.length - 10}`));
  const bad = readStdin(Buffer.from('no capture at all'));
  assert.match(bad.err, /^standard input: .*pcap or pcapng/);
});

test('pcap: a corrupt fraction of a second (>= 1 s) carries into the seconds', () => {
  const sink = new MemorySink();
  const w = new PcapWriter(sink, { linkType: 1, littleEndian: true });
  w.writePacket(100, 0, frameBytes(0));
  const b = sink.toBytes();
  b.writeUInt32LE(2500000, 24 + 4); // 2.5 s of microseconds
  const { frames } = parse(b);
  assert.deepEqual(frames.map((f) => [f.tsSec, f.tsNsec]), [[102, 500000000]]);
});
