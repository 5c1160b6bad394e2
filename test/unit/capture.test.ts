/**
 * Capture layer (src/capture): every container variant built byte by byte with
 * the project's writers (src/capture/writer.ts) and read back through the push
 * parser, whole and in random-sized chunks so records straddle chunk borders.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, openSync, closeSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { spawn, spawnSync } from 'node:child_process';
import type { CaptureInfo, Frame, Warning } from '../../src/model.js';
import { CaptureParser, NotACaptureError, readCapture, sniffFormat, InputError, MAX_PCAP_PACKET } from '../../src/capture/index.js';
import { FileSink, MemorySink, PcapngWriter, PcapWriter, tsresolUnits, unitsTsresol } from '../../src/capture/writer.js';

// ---------------------------------------------------------------- helpers

interface Got {
  number: number; tsSec: number; tsNsec: number; linkType: number; interfaceId: number;
  capLen: number; origLen: number; hex: string;
}

interface Parsed { frames: Got[]; warnings: Warning[]; info: CaptureInfo }

/** Deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Split bytes into chunks: 'whole', 1-byte chunks, or random sizes 1..max from a seed. */
function split(bytes: Uint8Array, how: 'whole' | 'bytes' | number): Uint8Array[] {
  if (how === 'whole') return [bytes];
  if (how === 'bytes') return Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
  const r = rng(how);
  const out: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * (r() < 0.5 ? 13 : 300));
    // hand the parser its own copy: it must not rely on chunks staying unchanged
    out.push(Uint8Array.from(bytes.subarray(i, i + n)));
    i += n;
  }
  return out;
}

/**
 * Push the chunks (with `reuse`, each copied into one shared Buffer that is
 * scribbled over after every push: the parser must not keep views of chunks).
 */
function parseChunks(chunks: Uint8Array[], file = 'mem.cap', reuse = false): Parsed {
  const frames: Got[] = [];
  const warnings: Warning[] = [];
  const p = new CaptureParser(file, {
    onFrame(f: Frame) {
      assert.equal(f.capLen, f.data.length);
      frames.push({
        number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId,
        capLen: f.capLen, origLen: f.origLen, hex: Buffer.from(f.data).toString('hex'),
      });
    },
    onWarning(w) { warnings.push(w); },
  });
  const shared = reuse ? Buffer.alloc(Math.max(1, ...chunks.map((c) => c.length))) : null;
  for (const c of chunks) {
    if (!shared) { p.push(c); continue; }
    shared.set(c, 0);
    p.push(shared.subarray(0, c.length));
    shared.fill(0xee);
  }
  const info = p.end();
  return { frames, warnings, info };
}

/** Parse whole, byte by byte and in random chunks; all three must agree. Returns the whole-buffer result. */
function parse(bytes: Uint8Array, file = 'mem.cap'): Parsed {
  const whole = parseChunks(split(bytes, 'whole'), file);
  const strip = (x: Parsed) => ({ frames: x.frames, warnings: x.warnings.map((w) => w.code), truncated: x.info.truncated, interfaces: x.info.interfaces });
  for (const how of ['bytes', 1, 2, 3] as const) {
    const other = parseChunks(split(bytes, how), file);
    assert.deepEqual(strip(other), strip(whole), `chunking ${how} changes the result`);
  }
  const reused = parseChunks(split(bytes, 4), file, true);
  assert.deepEqual(strip(reused), strip(whole), 'a chunk buffer reused by the caller changes the result');
  return whole;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
function bytesOf(n: number, seed: number): Buffer {
  const r = rng(seed);
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (r() * 256) | 0;
  return b;
}

const tmp = mkdtempSync(join(tmpdir(), 'sipflow-capture-test-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------- classic pcap

describe('classic pcap', () => {
  for (const byteOrder of ['little', 'big'] as const) {
    for (const nanosecond of [false, true]) {
      test(`${byteOrder}-endian, ${nanosecond ? 'nanosecond' : 'microsecond'} magic`, () => {
        const w = new PcapWriter(new MemorySink(), { linkType: 101, byteOrder, nanosecond, snapLen: 96 });
        const pkts = [bytesOf(60, 1), bytesOf(1, 2), bytesOf(96, 3), bytesOf(0, 4)];
        const times: [number, number][] = [[1700000000, 123456789], [1700000001, 0], [4294967295, 999999999], [0, 1000]];
        pkts.forEach((p, i) => w.writePacket(times[i]![0], times[i]![1], p, i === 2 ? 1500 : p.length));
        const bytes = w.toBytes();
        assert.equal(sniffFormat(bytes), 'pcap');
        const magic = nanosecond ? 'a1b23c4d' : 'a1b2c3d4';
        assert.equal(hex(bytes.subarray(0, 4)), byteOrder === 'big' ? magic : magic.match(/../g)!.reverse().join(''));
        const { frames, warnings, info } = parse(bytes);
        assert.deepEqual(warnings, []);
        assert.equal(info.format, 'pcap');
        assert.equal(info.frames, 4);
        assert.equal(info.sections, 1);
        assert.equal(info.truncated, false);
        assert.equal(info.interfaces.length, 1);
        assert.equal(info.interfaces[0]!.tsUnitsPerSecond, nanosecond ? 1e9 : 1e6);
        assert.equal(info.interfaces[0]!.snapLen, 96);
        assert.deepEqual(info.linkTypes, ['Raw IP']);
        assert.deepEqual(frames.map((f) => f.number), [1, 2, 3, 4]);
        assert.deepEqual(frames.map((f) => [f.tsSec, f.tsNsec]), times.map(([s, ns]) => [s, nanosecond ? ns : Math.floor(ns / 1000) * 1000]));
        assert.deepEqual(frames.map((f) => f.hex), pkts.map(hex));
        assert.deepEqual(frames.map((f) => f.origLen), [60, 1, 1500, 0]);
        assert.ok(frames.every((f) => f.linkType === 101 && f.interfaceId === 0));
      });
    }
  }

  test('upper bits of the link type field (FCS length) are ignored', () => {
    const w = new PcapWriter(undefined, { linkType: 1 });
    w.writePacket(1, 0, bytesOf(20, 5));
    const b = w.toBytes();
    b.writeUInt32LE(0x14000001, 20); // FCS present, 4 bytes, Ethernet
    const { frames, info } = parse(b);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.linkType, 1);
    assert.deepEqual(info.linkTypes, ['Ethernet']);
  });

  test('frame numbers follow file order even when timestamps go backwards', () => {
    const w = new PcapWriter(undefined, { linkType: 1, nanosecond: true });
    const ts = [[100, 5], [99, 7], [100, 4], [50, 0], [200, 1]];
    for (const [s, ns] of ts) w.writePacket(s!, ns!, bytesOf(14, s!));
    const { frames, info } = parse(w.toBytes());
    assert.deepEqual(frames.map((f) => [f.number, f.tsSec, f.tsNsec]), ts.map(([s, ns], i) => [i + 1, s, ns]));
    assert.equal(info.firstTsSec, 100);
    assert.equal(info.firstTsNsec, 5);
    assert.equal(info.minTime, 50);
    assert.equal(info.maxTime, 200 + 1e-9);
  });

  test('a truncated file keeps the frames before the cut and warns', () => {
    const w = new PcapWriter(undefined, { linkType: 1 });
    for (let i = 0; i < 5; i++) w.writePacket(10 + i, 0, bytesOf(100, i));
    const full = w.toBytes();
    for (const cut of [full.length - 1, full.length - 100, 24 + 4 * 116 + 8]) {
      const { frames, warnings, info } = parse(full.subarray(0, cut));
      assert.equal(frames.length, 4, `cut at ${cut}`);
      assert.equal(warnings.length, 1);
      assert.equal(warnings[0]!.code, 'truncated');
      assert.match(warnings[0]!.message, /cut short at byte/);
      assert.match(warnings[0]!.message, new RegExp(`byte ${cut}\\b`));
      assert.equal(info.truncated, true);
    }
    // a cut exactly between records is a whole file
    const clean = parse(full.subarray(0, 24 + 2 * 116));
    assert.equal(clean.frames.length, 2);
    assert.deepEqual(clean.warnings, []);
    // only the file header
    const empty = parse(full.subarray(0, 24));
    assert.equal(empty.frames.length, 0);
    assert.deepEqual(empty.warnings, []);
    assert.equal(empty.info.firstTsSec, null);
  });

  test('an impossible record length stops reading and keeps earlier frames', () => {
    const w = new PcapWriter(undefined, { linkType: 1 });
    for (let i = 0; i < 3; i++) w.writePacket(i, 0, bytesOf(40, i));
    const b = w.toBytes();
    b.writeUInt32LE(MAX_PCAP_PACKET + 1, 24 + 56 + 8); // incl_len of the second record
    const { frames, warnings, info } = parse(b);
    assert.equal(frames.length, 1);
    assert.deepEqual(warnings.map((x) => x.code), ['bad-record-length']);
    assert.match(warnings[0]!.message, /byte 80/);
    assert.equal(info.truncated, true);
  });
});

// ---------------------------------------------------------------- pcapng

describe('pcapng', () => {
  for (const byteOrder of ['little', 'big'] as const) {
    test(`${byteOrder}-endian: interfaces with different link types and timestamp resolutions`, () => {
      const w = new PcapngWriter(new MemorySink(), { byteOrder, comment: 'unit test', application: 'sipflow test', hardware: 'x86', os: 'Linux' });
      const eth = w.addInterface({ linkType: 1, name: 'eth0', description: 'wired', snapLen: 65535 });
      const raw = w.addInterface({ linkType: 101, tsUnitsPerSecond: 1e9, name: 'tun0' });
      const nul = w.addInterface({ linkType: 0, tsresol: 0x80 | 20 });        // 2^-20 s
      const off = w.addInterface({ linkType: 113, tsOffset: 1_000_000_000, tsresol: 3 }); // ms, offset
      const sll2 = w.addInterface({ linkType: 276, tsresol: 0x80 | 30, tsOffset: -5 });
      assert.deepEqual([eth, raw, nul, off, sll2], [0, 1, 2, 3, 4]);
      const p = (i: number) => bytesOf(17 + i, 100 + i);
      // 2^-20: nanosecond values that are whole units round-trip exactly
      const u20 = (k: number) => Math.floor((k * 1e9) / 2 ** 20);
      const u30 = (k: number) => Math.floor((k * 1e9) / 2 ** 30);
      w.writePacket(eth, 1705312800, 123456000, p(0));
      w.writePacket(raw, 1705312800, 123456789, p(1), 9000);
      w.writePacket(nul, 1705312801, u20(12345), p(2));
      w.writePacket(off, 1705312802, 5_000_000, p(3));
      w.writePacket(sll2, 1705312803, u30(987654321), p(4));
      w.writePacket(raw, 1705312700, 1, p(5)); // backwards in time
      w.writePacket(raw, 4102444800, 999999999, p(6)); // 2100-01-01, nanoseconds beyond 2^53 units
      const bytes = w.toBytes();
      assert.equal(sniffFormat(bytes), 'pcapng');
      for (const s of ['unit test', 'sipflow test', 'eth0', 'wired', 'tun0']) assert.ok(bytes.includes(Buffer.from(s)), s);
      const { frames, warnings, info } = parse(bytes);
      assert.deepEqual(warnings, []);
      assert.equal(info.format, 'pcapng');
      assert.equal(info.sections, 1);
      assert.deepEqual(frames.map((f) => f.number), [1, 2, 3, 4, 5, 6, 7]);
      assert.deepEqual(frames.map((f) => f.interfaceId), [0, 1, 2, 3, 4, 1, 1]);
      assert.deepEqual(frames.map((f) => f.linkType), [1, 101, 0, 113, 276, 101, 101]);
      assert.deepEqual(frames.map((f) => [f.tsSec, f.tsNsec]), [
        [1705312800, 123456000],
        [1705312800, 123456789],
        [1705312801, u20(12345)],
        [1705312802, 5_000_000],
        [1705312803, u30(987654321)],
        [1705312700, 1],
        [4102444800, 999999999],
      ]);
      assert.deepEqual(frames.map((f) => f.hex), [0, 1, 2, 3, 4, 5, 6].map((i) => hex(p(i))));
      assert.equal(frames[1]!.origLen, 9000);
      assert.deepEqual(info.interfaces.map((i) => [i.id, i.linkType, i.tsUnitsPerSecond, i.tsOffset, i.name, i.frames]), [
        [0, 1, 1e6, 0, 'eth0', 1], [1, 101, 1e9, 0, 'tun0', 3], [2, 0, 2 ** 20, 0, null, 1], [3, 113, 1e3, 1e9, null, 1], [4, 276, 2 ** 30, -5, null, 1],
      ]);
      assert.equal(info.interfaces[0]!.description, 'wired');
      assert.equal(info.interfaces[0]!.snapLen, 65535);
      assert.deepEqual(info.linkTypes, ['Ethernet', 'Raw IP', 'NULL/Loopback', 'Linux cooked-mode capture v1', 'Linux cooked-mode capture v2']);
    });
  }

  test('several sections, each with its own byte order and interfaces', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }, { linkType: 101, tsUnitsPerSecond: 1e9 }] });
    w.writePacket(0, 10, 1000, bytesOf(30, 1));
    w.writePacket(1, 11, 1, bytesOf(31, 2));
    w.newSection({ byteOrder: 'big', interfaces: [{ linkType: 113, tsUnitsPerSecond: 1e9 }] });
    assert.equal(w.littleEndian, false);
    w.writePacket(0, 12, 2, bytesOf(32, 3));
    assert.throws(() => w.writePacket(1, 0, 0, bytesOf(1, 1)), /interface 1 was not declared/);
    w.newSection({ byteOrder: 'little' });
    w.addInterface({ linkType: 276 });
    w.addInterface({ linkType: 0 });
    w.writePacket(1, 13, 3000, bytesOf(33, 4));
    w.writePacket(0, 14, 4000, bytesOf(34, 5));
    const { frames, warnings, info } = parse(w.toBytes());
    assert.deepEqual(warnings, []);
    assert.equal(info.sections, 3);
    assert.deepEqual(frames.map((f) => [f.number, f.interfaceId, f.linkType, f.tsSec, f.tsNsec]), [
      [1, 0, 1, 10, 1000], [2, 1, 101, 11, 1], [3, 0, 113, 12, 2], [4, 1, 0, 13, 3000], [5, 0, 276, 14, 4000],
    ]);
    assert.deepEqual(info.interfaces.map((i) => [i.section, i.id, i.linkType, i.frames]), [
      [0, 0, 1, 1], [0, 1, 101, 1], [1, 0, 113, 1], [2, 0, 276, 1], [2, 1, 0, 1],
    ]);
  });

  for (const byteOrder of ['little', 'big'] as const) {
    test(`${byteOrder}-endian: EPB, SPB and obsolete PB read; statistics, name resolution, custom and unknown blocks skipped`, () => {
      const w = new PcapngWriter(undefined, { byteOrder, interfaces: [{ linkType: 1, snapLen: 64 }, { linkType: 101, tsUnitsPerSecond: 1e9 }] });
      w.writeRawBlock(0x00000004, Buffer.from('0100080004030201c0a8000100000000', 'hex')); // NRB-ish
      w.writePacket(0, 100, 1000, bytesOf(60, 1), 60, 'an EPB comment');
      w.writeSimplePacket(bytesOf(50, 2));
      w.writeSimplePacket(bytesOf(100, 3), 1514); // cut to snaplen 64
      w.writeObsoletePacket(1, 101, 7, bytesOf(41, 4), 41);
      w.writeInterfaceStatistics(0, 102, 0, 10, 1);
      w.writeRawBlock(0x00000bad, bytesOf(13, 5)); // custom block, padded
      w.writeRawBlock(0x40000bad, bytesOf(8, 6));
      w.writeRawBlock(0x12345678, new Uint8Array(0)); // unknown, empty body
      w.writeRawBlock(0x0000000a, bytesOf(20, 7)); // decryption secrets
      w.writePacket(1, 103, 999999999, bytesOf(3, 8), 3, 'x');
      assert.equal(w.packets, 5);
      const { frames, warnings } = parse(w.toBytes());
      assert.deepEqual(warnings, []);
      assert.deepEqual(frames.map((f) => [f.number, f.interfaceId, f.linkType, f.tsSec, f.tsNsec, f.capLen, f.origLen]), [
        [1, 0, 1, 100, 1000, 60, 60],
        [2, 0, 1, 0, 0, 50, 50],
        [3, 0, 1, 0, 0, 64, 1514],
        [4, 1, 101, 101, 7, 41, 41],
        [5, 1, 101, 103, 999999999, 3, 3],
      ]);
      assert.equal(frames[2]!.hex, hex(bytesOf(100, 3).subarray(0, 64)));
      assert.equal(frames[3]!.hex, hex(bytesOf(41, 4)));
    });
  }

  test('a packet block naming an undeclared interface is skipped with a warning', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }] });
    w.writePacket(0, 1, 0, bytesOf(20, 1));
    const b = w.toBytes();
    const bad = Buffer.from(b);
    const epb = b.length - (12 + 20 + 20);
    bad.writeUInt32LE(7, epb + 8);
    const good = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }] });
    good.writePacket(0, 2, 0, bytesOf(20, 2));
    const goodBytes = good.toBytes();
    const all = Buffer.concat([bad, goodBytes.subarray(goodBytes.length - 52)]);
    const { frames, warnings } = parse(all);
    assert.deepEqual(frames.map((f) => [f.number, f.tsSec]), [[1, 2]]);
    assert.deepEqual(warnings.map((x) => x.code), ['unknown-interface']);
  });

  test('a truncated file keeps the frames before the cut and warns "cut short at byte"', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }] });
    for (let i = 0; i < 4; i++) w.writePacket(0, 50 + i, i, bytesOf(70, i));
    const full = w.toBytes();
    const blockLen = 12 + 20 + 72;
    for (const cut of [full.length - 1, full.length - blockLen + 5, full.length - blockLen + 12]) {
      const { frames, warnings, info } = parse(full.subarray(0, cut));
      assert.equal(frames.length, 3);
      assert.deepEqual(frames.map((f) => f.tsSec), [50, 51, 52]);
      assert.deepEqual(warnings.map((x) => x.code), ['truncated']);
      assert.match(warnings[0]!.message, /cut short at byte/);
      assert.equal(info.truncated, true);
    }
    // cut inside the section header
    const shb = parse(full.subarray(0, 20));
    assert.equal(shb.frames.length, 0);
    assert.deepEqual(shb.warnings.map((x) => x.code), ['truncated']);
  });

  test('an impossible block length stops reading, keeps earlier frames and ignores the rest', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }] });
    for (let i = 0; i < 4; i++) w.writePacket(0, i, 0, bytesOf(40, i));
    const full = w.toBytes();
    const epbLen = 12 + 20 + 40;
    const third = full.length - 2 * epbLen;
    for (const [what, patch] of [
      ['not a multiple of 4', (b: Buffer) => b.writeUInt32LE(epbLen + 2, third + 4)],
      ['below 12', (b: Buffer) => b.writeUInt32LE(8, third + 4)],
      ['beyond the limit', (b: Buffer) => b.writeUInt32LE(0xfffffff0, third + 4)],
      ['trailer disagrees', (b: Buffer) => b.writeUInt32LE(epbLen + 4, third + epbLen - 4)],
      ['captured length beyond the block', (b: Buffer) => b.writeUInt32LE(200, third + 20)],
    ] as const) {
      const b = Buffer.from(full);
      patch(b);
      const { frames, warnings, info } = parse(b);
      assert.equal(frames.length, 2, what);
      assert.deepEqual(warnings.map((x) => x.code), ['bad-block-length'], what);
      assert.match(warnings[0]!.message, new RegExp(`byte ${third}\\b`), what);
      assert.match(warnings[0]!.message, /frames before it were kept/);
      assert.equal(info.truncated, true);
    }
  });

  test('a section header without byte-order magic stops reading', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }] });
    w.writePacket(0, 1, 0, bytesOf(20, 1));
    w.newSection({ interfaces: [{ linkType: 1 }] });
    w.writePacket(0, 2, 0, bytesOf(20, 2));
    const b = w.toBytes();
    const second = b.indexOf(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]), 4);
    b.writeUInt32LE(0xdeadbeef, second + 8);
    const { frames, warnings } = parse(b);
    assert.equal(frames.length, 1);
    assert.deepEqual(warnings.map((x) => x.code), ['bad-section-header']);
  });

  test('writer timestamps: 2^-n, if_tsoffset and resolutions coarser than the input', () => {
    assert.equal(tsresolUnits(6), 1e6);
    assert.equal(tsresolUnits(9), 1e9);
    assert.equal(tsresolUnits(0x80 | 10), 1024);
    assert.equal(unitsTsresol(1e9), 9);
    assert.equal(unitsTsresol(2 ** 16), 0x90);
    assert.throws(() => unitsTsresol(3000), /neither a power of 10 nor of 2/);
    const w = new PcapngWriter(undefined, { interfaces: [
      { linkType: 1, tsUnitsPerSecond: 1e6 },
      { linkType: 1, tsUnitsPerSecond: 100 },
      { linkType: 1, tsUnitsPerSecond: 2 ** 10 },
      { linkType: 1, tsUnitsPerSecond: 1e9, tsOffset: 1700000000 },
    ] });
    w.writePacket(0, 1705312800, 123456789, bytesOf(1, 1)); // microseconds: rounded down
    w.writePacket(1, 1705312800, 129999999, bytesOf(1, 1)); // centiseconds
    w.writePacket(2, 1705312800, 500000000, bytesOf(1, 1)); // 512/1024
    w.writePacket(3, 1705312800, 42, bytesOf(1, 1)); // stored as 5312800 s + 42 ns after the offset
    const b = w.toBytes();
    const { frames } = parse(b);
    assert.deepEqual(frames.map((f) => [f.tsSec, f.tsNsec]), [
      [1705312800, 123456000], [1705312800, 120000000], [1705312800, 500000000], [1705312800, 42],
    ]);
    // the stored 64-bit value of the offset interface is relative to the offset
    const last = b.subarray(b.length - (12 + 20 + 4));
    const ts = (BigInt(last.readUInt32LE(12)) << 32n) | BigInt(last.readUInt32LE(16));
    assert.equal(ts, 5312800n * 1000000000n + 42n);
  });
});

// ---------------------------------------------------------------- not a capture, gzip, files

describe('input files', () => {
  test('a non-capture raises NotACaptureError naming the file and "pcap or pcapng"', async () => {
    const p = new CaptureParser('notes.txt', { onFrame() {}, onWarning() {} });
    assert.throws(() => p.push(Buffer.from('Hello, this is text\n')), (e: unknown) => {
      assert.ok(e instanceof NotACaptureError);
      assert.match(e.message, /notes\.txt/);
      assert.match(e.message, /pcap or pcapng/);
      assert.match(e.message, /48 65 6c 6c/);
      return true;
    });
    // fewer than 4 bytes, then end of input
    const q = new CaptureParser('tiny', { onFrame() {}, onWarning() {} });
    q.push(Uint8Array.of(0xd4, 0xc3));
    assert.throws(() => q.end(), NotACaptureError);
    const e = new CaptureParser('empty.pcap', { onFrame() {}, onWarning() {} });
    assert.throws(() => e.end(), /empty\.pcap.*pcap or pcapng.*empty/);

    const file = join(tmp, 'notes.txt');
    writeFileSync(file, 'not a capture at all\n'.repeat(100));
    await assert.rejects(readCapture(file, { onFrame() {}, onWarning() {} }), (err: unknown) => {
      assert.ok(err instanceof NotACaptureError);
      assert.ok(err.message.includes(file));
      assert.match(err.message, /pcap or pcapng/);
      return true;
    });
    // gzip of a non-capture is still a non-capture
    const gz = join(tmp, 'notes.txt.gz');
    writeFileSync(gz, gzipSync(Buffer.from('plain text inside gzip\n')));
    await assert.rejects(readCapture(gz, { onFrame() {}, onWarning() {} }), NotACaptureError);
    await assert.rejects(readCapture(join(tmp, 'missing.pcap'), { onFrame() {}, onWarning() {} }), InputError);
  });

  test('gzip-compressed pcapng and pcap read through readCapture', async () => {
    const ng = new PcapngWriter(undefined, { byteOrder: 'big', interfaces: [{ linkType: 1 }, { linkType: 101, tsUnitsPerSecond: 1e9 }] });
    const pc = new PcapWriter(undefined, { linkType: 113, nanosecond: true });
    for (let i = 0; i < 2000; i++) {
      ng.writePacket(i % 2, 1700000000 + i, (i * 7919) % 1000000 * 1000, bytesOf(60 + (i % 200), i));
      pc.writePacket(1700000000 + i, i, bytesOf(40 + (i % 50), i));
    }
    for (const [name, w, frames] of [['a.pcapng.gz', ng, 2000], ['b.pcap.gz', pc, 2000]] as const) {
      const raw = w.toBytes();
      const file = join(tmp, name);
      writeFileSync(file, gzipSync(raw));
      const got: Got[] = [];
      const warnings: Warning[] = [];
      let progress = 0;
      const info = await readCapture(file, {
        onFrame(f) { got.push({ number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId, capLen: f.capLen, origLen: f.origLen, hex: hex(f.data) }); },
        onWarning(x) { warnings.push(x); },
        onProgress() { progress++; },
      });
      assert.equal(info.gzip, true);
      assert.equal(info.frames, frames);
      assert.equal(info.bytes, raw.length);
      assert.deepEqual(warnings, []);
      assert.ok(progress > 0);
      assert.deepEqual(got, parseChunks([raw]).frames);
      // cut the compressed file short: frames before the cut, a truncated warning
      const cut = join(tmp, 'cut-' + name);
      const gz = readFileSync(file);
      writeFileSync(cut, gz.subarray(0, Math.floor(gz.length / 2)));
      const w2: Warning[] = [];
      let n = 0;
      const info2 = await readCapture(cut, { onFrame(f) { assert.equal(f.number, ++n); }, onWarning(x) { w2.push(x); } });
      assert.ok(n > 100 && n < frames, `read ${n} frames of a half file`);
      assert.equal(info2.truncated, true);
      assert.ok(w2.some((x) => x.code === 'truncated'));
    }
  });

  test('chunks larger than the join window, records straddling them, a reused chunk buffer', () => {
    const w = new PcapngWriter(undefined, { interfaces: [{ linkType: 1 }, { linkType: 101, tsUnitsPerSecond: 1e9 }] });
    const sizes: number[] = [];
    for (let i = 0; i < 6000; i++) {
      // mostly small packets, a few jumbo ones up to 600 KB (beyond the parser's 256 KiB join window)
      const n = i % 1000 === 999 ? 600_000 - i : 60 + ((i * 7919) % 1400);
      sizes.push(n);
      w.writePacket(i % 2, 1000 + i, i, n <= 2000 ? bytesOf(n, i) : Buffer.concat([bytesOf(2000, i), Buffer.alloc(n - 2000, i & 0xff)]));
    }
    const bytes = w.toBytes();
    const want = parseChunks([bytes]);
    assert.equal(want.frames.length, 6000);
    assert.deepEqual(want.frames.map((f) => f.capLen), sizes);
    for (const size of [300_000, 1 << 20, 777_777]) {
      const chunks: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
      for (const reuse of [false, true]) {
        const got = parseChunks(chunks, 'mem', reuse);
        assert.deepEqual(got.frames, want.frames, `chunks of ${size}${reuse ? ', reused' : ''}`);
        assert.deepEqual(got.warnings, []);
      }
    }
  });

  test('uncompressed file, truncated on disk', async () => {
    const w = new PcapngWriter(new MemorySink(), { interfaces: [{ linkType: 1 }] });
    for (let i = 0; i < 10; i++) w.writePacket(0, i, 0, bytesOf(64, i));
    const b = w.toBytes();
    const file = join(tmp, 'cut.pcapng');
    writeFileSync(file, b.subarray(0, b.length - 10));
    const warnings: Warning[] = [];
    let n = 0;
    const info = await readCapture(file, { onFrame() { n++; }, onWarning(x) { warnings.push(x); } });
    assert.equal(n, 9);
    assert.equal(info.gzip, false);
    assert.equal(info.truncated, true);
    assert.deepEqual(warnings.map((x) => x.code), ['truncated']);
    assert.match(warnings[0]!.message, /cut short at byte/);
  });

  test('FileSink: paths, descriptors, buffering; the file is whole after every block', () => {
    const path = join(tmp, 'sink.pcapng');
    const sink = new FileSink(path);
    const w = new PcapngWriter(sink, { interfaces: [{ linkType: 101 }] });
    for (let i = 0; i < 20; i++) {
      w.writePacket(0, i, 0, bytesOf(10 + i, i));
      // what is on disk right now parses cleanly, with every packet written so far
      const now = parseChunks([readFileSync(path)]);
      assert.equal(now.frames.length, i + 1);
      assert.deepEqual(now.warnings, []);
    }
    w.close();
    assert.equal(statSync(path).size, w.bytes);
    assert.equal(sink.written, w.bytes);

    const fdPath = join(tmp, 'fd.pcap');
    const fd = openSync(fdPath, 'w');
    const buffered = new FileSink(fd, { bufferBytes: 100 });
    const pw = new PcapWriter(buffered, { linkType: 1 });
    for (let i = 0; i < 50; i++) pw.writePacket(i, 0, bytesOf(i % 10 === 5 ? 150 : i % 7, i)); // some records larger than the buffer
    const mid = statSync(fdPath).size;
    assert.ok(mid < pw.bytes, 'buffered');
    assert.deepEqual(parseChunks([readFileSync(fdPath)]).warnings, [], 'flushes hold whole records only');
    pw.close();
    closeSync(fd); // the sink does not close a descriptor it was given
    const all = parseChunks([readFileSync(fdPath)]);
    assert.equal(all.frames.length, 50);
    assert.deepEqual(all.warnings, []);
    assert.throws(() => buffered.write(Uint8Array.of(1)), /closed/);
  });

  test('a writer process killed at a random moment leaves a file valid up to its last block', async () => {
    const here = dirname(fileURLToPath(import.meta.url));
    const writerJs = resolve(here, '..', '..', 'src', 'capture', 'writer.js');
    const path = join(tmp, 'killed.pcapng');
    const script = `
      import { FileSink, PcapngWriter } from ${JSON.stringify(writerJs)};
      const w = new PcapngWriter(new FileSink(${JSON.stringify(path)}), { interfaces: [{ linkType: 1 }] });
      const data = Buffer.alloc(3000, 0xab);
      let i = 0;
      process.stdout.write('go\\n');
      for (;;) { w.writePacket(0, i, 0, data.subarray(0, 60 + (i * 37) % 2900)); i++; }`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => child.stdout!.once('data', () => res()));
    await new Promise((res) => setTimeout(res, 150));
    child.kill('SIGKILL');
    await new Promise((res) => child.once('exit', res));
    const { frames, warnings } = parseChunks([readFileSync(path)]);
    assert.ok(frames.length > 10, `${frames.length} frames written before the kill`);
    assert.deepEqual(warnings, []);
    assert.deepEqual(frames.map((f) => f.tsSec), frames.map((_, i) => i));
  });

  test('tshark reads what the writers write (when installed)', { skip: spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0 ? false : 'tshark is not installed' }, () => {
    const w = new PcapngWriter(undefined, { byteOrder: 'big', comment: 'c', interfaces: [{ linkType: 101, tsUnitsPerSecond: 1e9 }, { linkType: 1, tsresol: 0x80 | 20 }] });
    const ip = Buffer.from('4500001c000000004011000001020304050607080035003500080000', 'hex');
    w.writePacket(0, 1705312800, 123456789, ip);
    w.writePacket(1, 1705312801, Math.floor(12345 * 1e9 / 2 ** 20), Buffer.concat([Buffer.alloc(12), Buffer.from('0800', 'hex'), ip]));
    w.writeInterfaceStatistics(0, 1705312802, 0, 2, 0);
    w.newSection({ interfaces: [{ linkType: 101, tsOffset: 100 }] });
    w.writeObsoletePacket(0, 1705312803, 5000, ip);
    w.writeSimplePacket(ip);
    const file = join(tmp, 'for-tshark.pcapng');
    writeFileSync(file, w.toBytes());
    const out = spawnSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'udp.dstport'], { encoding: 'utf8' });
    assert.equal(out.status, 0, out.stderr);
    // tshark shows no time for a simple packet block (it has none); sipflow reads it as 0
    const ours = parseChunks([readFileSync(file)]).frames.map((f, i) => `${f.number}\t${i === 3 ? '' : `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`}\t53`);
    assert.deepEqual(out.stdout.trim().split('\n'), ours);
  });
});
