/**
 * udpFrameHeader (the proxy recorder's frame headers, built apart from the
 * datagram) against the frame composed layer by layer from udp(), ipv4() /
 * ipv6() and the link framings, and PcapngWriter.writePacketParts against
 * writePacket of the joined bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameIp, ipv4, ipv6, udp, udpFrame, udpFrameHeader, type LinkKind, type VlanTag } from '../../src/net/build.js';
import { IPPROTO_UDP } from '../../src/net/constants.js';
import { MemorySink, PcapngWriter } from '../../src/capture/writer.js';
import { CaptureParser } from '../../src/capture/index.js';

function composed(src: string, dst: string, payload: Buffer, link: LinkKind, checksum: boolean, id: number, vlans?: VlanTag[]): Buffer {
  const v6 = src.includes(':');
  const u = udp(4000, 5060, payload, v6 || checksum ? { src, dst } : undefined);
  const packet = v6 ? ipv6({ src, dst, nextHeader: IPPROTO_UDP, payload: u }) : ipv4({ src, dst, proto: IPPROTO_UDP, payload: u, id });
  return frameIp(link, packet, vlans);
}

test('udpFrameHeader + the datagram is the frame built layer by layer (v4/v6, every link, VLANs, checksums, odd lengths)', () => {
  const links: LinkKind[] = ['ethernet', 'null', 'raw', 'sll', 'sll2'];
  let checked = 0;
  for (const [src, dst] of [['192.0.2.7', '198.51.100.9'], ['2001:db8::1', '2001:db8:0:1::25']] as const) {
    for (const link of links) {
      for (const len of [0, 1, 7, 8, 333, 1499, 9000]) {
        for (const checksum of [false, true]) {
          const payload = Buffer.from(Array.from({ length: len }, (_, i) => (i * 131 + len) & 0xff));
          const vlans = link === 'ethernet' && len === 333 ? [10, { vid: 20, pcp: 5 }] : undefined;
          const o = { src, dst, sport: 4000, dport: 5060, payload, link, ipId: len * 17, udpChecksum: checksum, ...(vlans ? { vlans } : {}) };
          const want = composed(src, dst, payload, link, checksum, len * 17, vlans);
          const head = udpFrameHeader(o);
          assert.deepEqual(Buffer.concat([head, payload]), want, `${src} ${link} ${len} bytes checksum ${checksum}`);
          assert.deepEqual(udpFrame(o), want);
          checked++;
        }
      }
    }
  }
  assert.equal(checked, 140);
});

test('writePacketParts writes the block writePacket writes for the joined bytes, in both byte orders', () => {
  for (const littleEndian of [true, false]) {
    const a = new MemorySink(), b = new MemorySink();
    const wa = new PcapngWriter(a, { littleEndian }), wb = new PcapngWriter(b, { littleEndian });
    for (const w of [wa, wb]) w.addInterface({ linkType: 1, tsUnitsPerSecond: 1e9 });
    for (let i = 0; i < 40; i++) {
      const head = Buffer.alloc(i % 5 === 0 ? 0 : 42, i), tail = Buffer.alloc((i * 37) % 101, 255 - i);
      wa.writePacket(0, 1_700_000_000 + i, i * 1000 + 1, Buffer.concat([head, tail]));
      wb.writePacketParts(0, 1_700_000_000 + i, i * 1000 + 1, head, tail);
    }
    assert.deepEqual(Buffer.from(b.toBytes()), Buffer.from(a.toBytes()));
    let frames = 0;
    const p = new CaptureParser('mem', { onFrame: () => { frames++; }, onWarning: (w) => assert.fail(w.message) });
    p.push(b.toBytes());
    p.end();
    assert.equal(frames, 40);
  }
});
