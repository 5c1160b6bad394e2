/**
 * Bytes read in place: the reader's frames say where their bytes lie in the
 * chunk read (`bytes`, `offset`) and make `data` only when it is read; the
 * decoder's UDP datagrams and analyze()'s tap packets give their payload as
 * `bytes[start, end)` (every datagram does) and make the `payload` view only
 * when it is read (the reused UDP record and analyze()'s tap record). Both
 * views are plain Uint8Arrays even when the chunk is a Buffer (a Buffer's
 * slice() is a view, where the taps' copies expect Uint8Array's copy).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CaptureParser } from '../../src/capture/parser.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { tcpFrame, udpFrame } from '../../src/net/build.js';
import { NetDecoder } from '../../src/net/decoder.js';
import { analyze } from '../../src/analyze.js';
import type { Datagram, Frame } from '../../src/model.js';
import type { Tap, TransportPacket } from '../../src/tap.js';

const LINKS = ['ethernet', 'null', 'raw', 'sll', 'sll2'] as const;

function capture(): { bytes: Buffer; frames: Buffer[] } {
  const w = new PcapngWriter();
  const ids = { ethernet: w.addInterface({ linkType: 1 }), null: w.addInterface({ linkType: 0 }), raw: w.addInterface({ linkType: 101 }), sll: w.addInterface({ linkType: 113 }), sll2: w.addInterface({ linkType: 276 }) };
  const frames: Buffer[] = [];
  LINKS.forEach((link, i) => {
    const f = udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 4000 + i, dport: 5000, payload: Buffer.from(`payload over ${link}`), link });
    frames.push(f);
    w.writePacket(ids[link], 1700000000, i * 1000, f);
  });
  const t = tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 4100, dstPort: 5100, seq: 1, payload: Buffer.from('tcp bytes') });
  frames.push(t);
  w.writePacket(ids.ethernet, 1700000001, 0, t);
  return { bytes: w.toBytes(), frames };
}

test('the reader gives each frame where its bytes lie, and data (a plain Uint8Array) only when read', () => {
  const { bytes, frames } = capture();
  for (const chunked of [false, true]) {
    const seen: Frame[] = [];
    const p = new CaptureParser('x.pcapng', { onFrame: (f) => seen.push(f), onWarning: (w) => assert.fail(w.message) });
    // A Buffer chunk (as fs gives), whole or in pieces that cut records.
    if (chunked) for (let o = 0; o < bytes.length; o += 37) p.push(bytes.subarray(o, o + 37));
    else p.push(bytes);
    p.end();
    assert.equal(seen.length, frames.length);
    seen.forEach((f, i) => {
      assert.ok(f.bytes, 'bytes given');
      assert.equal(f.bytes!.constructor, Uint8Array, 'the chunk as a plain Uint8Array');
      assert.deepEqual(Buffer.from(f.bytes!.subarray(f.offset!, f.offset! + f.capLen)), frames[i]);
      assert.equal(f.data.constructor, Uint8Array);
      assert.deepEqual(Buffer.from(f.data), frames[i]);
      assert.equal(f.data, f.data, 'one view, made once');
    });
  }
});

test('every datagram gives its payload in place, bytes[start, end), on every link type, TCP too', () => {
  const { bytes } = capture();
  const got: { inPlace: string; payload: string; ctor: unknown; transport: string }[] = [];
  const dec = new NetDecoder((d: Datagram) => {
    got.push({
      inPlace: Buffer.from(d.bytes.subarray(d.start, d.end)).toString(),
      payload: Buffer.from(d.payload).toString(), ctor: d.payload.constructor, transport: d.transport,
    });
  }, (w) => assert.fail(w.message));
  const p = new CaptureParser('x.pcapng', { onFrame: (f) => dec.decode(f), onWarning: (w) => assert.fail(w.message) });
  p.push(bytes);
  p.end();
  assert.deepEqual(got.map((g) => g.payload), [...LINKS.map((l) => `payload over ${l}`), 'tcp bytes']);
  for (const g of got) assert.equal(g.inPlace, g.payload);
  assert.deepEqual(got.map((g) => g.transport), [...LINKS.map(() => 'UDP'), 'TCP']);
  for (const g of got) assert.equal(g.ctor, Uint8Array, 'payload views are plain Uint8Arrays');
});

test("analyze() hands taps the payload in place and as a view, the same bytes", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-inplace-'));
  try {
    const file = join(dir, 'c.pcapng');
    writeFileSync(file, capture().bytes);
    const seen: string[] = [];
    const tap: Tap = {
      name: 'probe',
      onUdp(p: TransportPacket) {
        assert.ok(p.bytes, 'bytes given');
        const inPlace = Buffer.from(p.bytes!.subarray(p.start, p.end)).toString();
        assert.equal(Buffer.from(p.payload).toString(), inPlace);
        assert.equal(p.payload, p.payload, 'one view per packet');
        seen.push(inPlace);
      },
    };
    await analyze(file, { taps: [tap] });
    assert.deepEqual(seen, LINKS.map((l) => `payload over ${l}`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
