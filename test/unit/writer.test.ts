/**
 * Writer round trips: PcapngWriter and PcapWriter, both byte orders, into
 * memory and into files, read back by the capture parser (and readCapture).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureParser, readCapture } from '../../src/capture/index.js';
import { FileSink, MemorySink, PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import type { CaptureInfo, Frame, Warning } from '../../src/model.js';

type Rec = Pick<Frame, 'number' | 'tsSec' | 'tsNsec' | 'linkType' | 'interfaceId' | 'origLen'> & { data: string };

function read(bytes: Uint8Array): { frames: Rec[]; warnings: Warning[]; info: CaptureInfo } {
  const frames: Rec[] = [];
  const warnings: Warning[] = [];
  const p = new CaptureParser('mem', {
    onFrame: (f) => frames.push({ number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, linkType: f.linkType, interfaceId: f.interfaceId, origLen: f.origLen, data: Buffer.from(f.data).toString('hex') }),
    onWarning: (w) => warnings.push(w),
  });
  p.push(bytes);
  return { frames, warnings, info: p.end() };
}

const pkt = (i: number, len = 1 + ((i * 37) % 300)) => udpFrame({ src: '192.0.2.7', dst: '198.51.100.9', sport: 5060, dport: 5060, payload: Buffer.alloc(len, i & 0xff) });

for (const le of [true, false]) {
  test(`PcapngWriter ${le ? 'LE' : 'BE'} round trip: interfaces, resolutions, offsets, comments, all packet block kinds`, () => {
    const sink = new MemorySink();
    const w = new PcapngWriter(sink, { littleEndian: le, comment: 'round trip ✓', application: 'sipflow' });
    const a = w.addInterface({ linkType: 1, name: 'eth0', description: 'Ethernet adapter' });
    const b = w.addInterface({ linkType: 101, tsUnitsPerSecond: 1e9, snapLen: 9000 });
    const c = w.addInterface({ linkType: 0, tsUnitsPerSecond: 2 ** 30, tsOffset: 1600000000, name: 'lo' });
    const d = w.addInterface({ linkType: 113, tsUnitsPerSecond: 1e3 });
    const expect: Omit<Rec, 'number'>[] = [];
    for (let i = 0; i < 40; i++) {
      const data = pkt(i);
      const sec = 1700000000 + i;
      switch (i % 6) {
        case 0: w.writePacket(a, sec, 123456000, data, data.length + 10, i % 12 === 0 ? `comment ${i}` : undefined); expect.push({ tsSec: sec, tsNsec: 123456000, linkType: 1, interfaceId: a, origLen: data.length + 10, data: data.toString('hex') }); break;
        case 1: w.writePacket(b, sec, 999999999, data); expect.push({ tsSec: sec, tsNsec: 999999999, linkType: 101, interfaceId: b, origLen: data.length, data: data.toString('hex') }); break;
        // 2^-30 s units: 0.25 s is exact
        case 2: w.writePacket(c, sec, 250000000, data); expect.push({ tsSec: sec, tsNsec: 250000000, linkType: 0, interfaceId: c, origLen: data.length, data: data.toString('hex') }); break;
        case 3: w.writePacket(d, sec, 7999999, data); expect.push({ tsSec: sec, tsNsec: 7000000, linkType: 113, interfaceId: d, origLen: data.length, data: data.toString('hex') }); break;
        case 4: w.writeObsoletePacket(b, sec, 5, data); expect.push({ tsSec: sec, tsNsec: 5, linkType: 101, interfaceId: b, origLen: data.length, data: data.toString('hex') }); break;
        case 5: w.writeSimplePacket(data); expect.push({ tsSec: 0, tsNsec: 0, linkType: 1, interfaceId: 0, origLen: data.length, data: data.toString('hex') }); break;
      }
    }
    w.writeRawBlock(5, new Uint8Array(12));
    w.newSection();
    const e = w.addInterface({ linkType: 276 });
    w.writePacket(e, 1, 1000, pkt(99));
    expect.push({ tsSec: 1, tsNsec: 1000, linkType: 276, interfaceId: 0, origLen: pkt(99).length, data: pkt(99).toString('hex') });
    w.close();
    assert.equal(w.packets, 41);
    const bytes = sink.toBytes();
    assert.equal(bytes.length % 4, 0);
    const r = read(bytes);
    assert.deepEqual(r.warnings, []);
    assert.deepEqual(r.frames, expect.map((x, i) => ({ number: i + 1, ...x })));
    assert.equal(r.info.sections, 2);
    assert.deepEqual(r.info.interfaces.map((i) => [i.section, i.id, i.linkType, i.tsUnitsPerSecond, i.tsOffset, i.name, i.description, i.snapLen]), [
      [0, 0, 1, 1e6, 0, 'eth0', 'Ethernet adapter', 262144],
      [0, 1, 101, 1e9, 0, null, null, 9000],
      [0, 2, 0, 2 ** 30, 1600000000, 'lo', null, 262144],
      [0, 3, 113, 1e3, 0, null, null, 262144],
      [1, 0, 276, 1e6, 0, null, null, 262144],
    ]);
    // Block structure: every block's trailer repeats its length; the byte order marker is right.
    for (let o = 0; o < bytes.length;) {
      const len = le ? bytes.readUInt32LE(o + 4) : bytes.readUInt32BE(o + 4);
      assert.equal(le ? bytes.readUInt32LE(o + len - 4) : bytes.readUInt32BE(o + len - 4), len);
      o += len;
    }
    assert.equal(le ? bytes.readUInt32LE(8) : bytes.readUInt32BE(8), 0x1a2b3c4d);
  });
}

for (const le of [true, false]) {
  for (const ns of [false, true]) {
    test(`PcapWriter ${le ? 'LE' : 'BE'} ${ns ? 'ns' : 'µs'} round trip`, () => {
      const sink = new MemorySink();
      const w = new PcapWriter(sink, { linkType: 276, littleEndian: le, nanosecond: ns, snapLen: 1500 });
      for (let i = 0; i < 20; i++) w.writePacket(1700000000 + (i % 3 === 0 ? -i : i), i * 1001001, pkt(i), pkt(i).length + i);
      w.close();
      const r = read(sink.toBytes());
      assert.deepEqual(r.warnings, []);
      assert.equal(r.info.format, 'pcap');
      assert.equal(r.info.interfaces[0]!.snapLen, 1500);
      assert.deepEqual(r.frames, Array.from({ length: 20 }, (_, i) => ({
        number: i + 1, tsSec: 1700000000 + (i % 3 === 0 ? -i : i), tsNsec: ns ? i * 1001001 : Math.floor(i * 1001001 / 1000) * 1000,
        linkType: 276, interfaceId: 0, origLen: pkt(i).length + i, data: pkt(i).toString('hex'),
      })));
    });
  }
}

test('writers reject what they cannot encode', () => {
  const w = new PcapngWriter(new MemorySink());
  assert.throws(() => w.writePacket(0, 0, 0, pkt(0)), /interface 0 was not declared/);
  assert.throws(() => w.writeObsoletePacket(3, 0, 0, pkt(0)), /interface 3 was not declared/);
  assert.throws(() => w.addInterface({ linkType: 1, tsUnitsPerSecond: 3000 }), /neither a power of 10 nor of 2/);
  w.addInterface({ linkType: 1 });
  w.newSection();
  assert.throws(() => w.writePacket(0, 0, 0, pkt(0)), /not declared/, 'a new section forgets the interfaces');
});

test('FileSink: pcapng and pcap files read back through readCapture', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-writer-'));
  try {
    const ng = join(dir, 'a.pcapng');
    const sink = new FileSink(ng);
    const w = new PcapngWriter(sink, { littleEndian: false });
    w.addInterface({ linkType: 1, tsUnitsPerSecond: 1e9 });
    for (let i = 0; i < 1000; i++) w.writePacket(0, 1700000000 + Math.floor(i / 50), (i % 50) * 20000000 + 7, pkt(i));
    w.close();
    w.close(); // closing twice is harmless
    assert.equal(sink.written, readFileSync(ng).length);
    assert.throws(() => sink.write(new Uint8Array(4)), /already closed/);
    let n = 0;
    const warnings: Warning[] = [];
    const info = await readCapture(ng, {
      onFrame: (f) => {
        const i = n++;
        assert.equal(f.number, i + 1);
        assert.equal(f.tsSec, 1700000000 + Math.floor(i / 50));
        assert.equal(f.tsNsec, (i % 50) * 20000000 + 7);
        assert.deepEqual(Buffer.from(f.data), pkt(i));
      },
      onWarning: (x) => warnings.push(x),
    });
    assert.equal(info.frames, 1000);
    assert.deepEqual(warnings, []);

    const pc = join(dir, 'a.pcap');
    const pw = new PcapWriter(new FileSink(pc), { linkType: 1, littleEndian: false, nanosecond: true });
    for (let i = 0; i < 10; i++) pw.writePacket(5, i, pkt(i));
    pw.close();
    const r = read(readFileSync(pc));
    assert.equal(r.frames.length, 10);
    assert.deepEqual(r.frames.map((f) => f.tsNsec), Array.from({ length: 10 }, (_, i) => i));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
