/**
 * Network layer (src/net): frames built byte by byte with src/net/build.ts,
 * written with the pcapng writer, read back through CaptureParser (whole and
 * in random chunks, which must decode the same) and decoded by NetDecoder into
 * datagrams: the builders themselves, Ethernet/VLAN/QinQ, NULL/LOOP in both
 * byte orders, RAW, SLL, SLL2, unsupported link types, IPv4 options, IPv6
 * extension headers, tunnels, UDP trimming, TCP fields, malformed headers, and
 * IPv4/IPv6 fragment reassembly with its limits. Last, bench/synthetic.ts's
 * capture decoded end to end.
 */
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Datagram, NetStats, Warning } from '../../src/model.js';
import { readCapture } from '../../src/capture/index.js';
import { CaptureParser } from '../../src/capture/parser.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { NetDecoder } from '../../src/net/decoder.js';
import type { ReassemblyLimits } from '../../src/net/reassembly.js';
import { ipv6ToString } from '../../src/net/addr.js';
import { generateSynthetic } from '../../bench/synthetic.js';
import {
  AF, ETHERTYPE_ARP, ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_DSTOPTS, IPPROTO_HOPOPTS, IPPROTO_IPIP, IPPROTO_IPV6,
  IPPROTO_ROUTING, IPPROTO_TCP, IPPROTO_UDP, TCP_FLAGS,
} from '../../src/net/constants.js';
import {
  LINK_TYPE_OF, checksum, ethernet, fragmentHeader, fragmentIpv4,
  fragmentIpv6, ipv4, ipv4Bytes, ipv6, ipv6Bytes, loop, macBytes, nullLoopback, sll, sll2, tcp, tcpFrame, transportChecksum,
  udp, udpFrame, udpFrames, type LinkKind,
} from '../../src/net/build.js';
import { rng } from '../helpers/rng.js';

// ---------------------------------------------------------------- helpers

interface Pkt { linkType: number; data: Uint8Array; t?: number }
/** A datagram with its payload as a latin1 string (one character per byte). */
interface D extends Omit<Datagram, 'payload' | 'bytes' | 'start' | 'end'> { payload: string }
/** `open`: datagrams still under reassembly at the end of the capture, before finish(). */
interface Result { dgrams: D[]; warnings: Warning[]; stats: NetStats; frames: number; open: number }


/**
 * Write the packets as pcapng (byte order from the seed; one interface per
 * link type, in order of first use; packet i at time 1000 + i ms unless
 * given), read them back whole and in random chunks (which must decode the
 * same) and decode every frame. Returns the whole-buffer result.
 */
function run(pkts: Pkt[], limits: Partial<ReassemblyLimits> = {}, seed = 1): Result {
  const w = new PcapngWriter(undefined, { byteOrder: seed % 2 ? 'little' : 'big' });
  const ifs = new Map<number, number>();
  pkts.forEach((p, i) => {
    let id = ifs.get(p.linkType);
    if (id === undefined) { id = w.addInterface({ linkType: p.linkType, tsUnitsPerSecond: 1e9 }); ifs.set(p.linkType, id); }
    const t = p.t ?? 1000 + i / 1000;
    const sec = Math.floor(t);
    w.writePacket(id, sec, Math.round((t - sec) * 1e9), p.data);
  });
  const bytes = w.toBytes();
  const once = (chunks: Uint8Array[]): Result => {
    const dgrams: D[] = [];
    const warnings: Warning[] = [];
    const dec = new NetDecoder(({ bytes: _b, start: _s, end: _e, ...d }) => dgrams.push({ ...d, payload: Buffer.from(d.payload).toString('latin1') }), (x) => warnings.push(x), { limits });
    let frames = 0;
    const parser = new CaptureParser('mem', {
      onFrame(f) { assert.equal(f.number, ++frames); dec.decode(f); },
      onWarning(x) { warnings.push(x); },
    });
    for (const c of chunks) parser.push(Uint8Array.from(c));
    parser.end();
    const open = dec.openReassemblies;
    dec.finish();
    return { dgrams, warnings, stats: structuredClone(dec.stats), frames, open };
  };
  const whole = once([bytes]);
  const r = rng(seed);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; ) {
    const n = 1 + Math.floor(r() * 200);
    chunks.push(bytes.subarray(i, i + n));
    i += n;
  }
  assert.deepEqual(once(chunks), whole, 'chunked reading decodes the same');
  return whole;
}

const text = (s: string) => Buffer.from(s, 'latin1');
const SIP = 'OPTIONS sip:bob@example.com SIP/2.0\r\nCall-ID: x\r\n\r\n';
const v4udp = (payload: Uint8Array, src = '10.0.0.1', dst = '10.0.0.2', sport = 5060, dport = 5062) =>
  ipv4({ src, dst, proto: IPPROTO_UDP, payload: udp(sport, dport, payload), id: 7 });
const v6udp = (payload: Uint8Array, src = '2001:db8::1', dst = '2001:db8::2', sport = 5060, dport = 5062) =>
  ipv6({ src, dst, nextHeader: IPPROTO_UDP, payload: udp(sport, dport, payload, { src, dst }) });
const eth = (ip: Uint8Array): Pkt => ({ linkType: 1, data: ethernet((ip[0]! >> 4) === 6 ? ETHERTYPE_IPV6 : ETHERTYPE_IPV4, ip) });

function one(r: Result): D {
  assert.equal(r.dgrams.length, 1, `one datagram expected, got ${r.dgrams.length}; warnings ${JSON.stringify(r.warnings)}`);
  return r.dgrams[0]!;
}

// ---------------------------------------------------------------- builders

describe('builders', () => {
  test('IPv6 text addresses', () => {
    const cases: [string, string][] = [
      ['2001:db8::1', '20010db8000000000000000000000001'],
      ['::', '00000000000000000000000000000000'],
      ['::1', '00000000000000000000000000000001'],
      ['fe80::', 'fe800000000000000000000000000000'],
      ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
      ['1:2:3:4:5:6::8', '00010002000300040005000600000008'],
      ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
      ['64:ff9b::10.0.0.1', '0064ff9b0000000000000000_0a000001'.replace('_', '')],
      ['[2001:DB8:0:0:1::1]', '20010db8000000000001000000000001'],
      ['fe80::1%eth0', 'fe800000000000000000000000000001'],
    ];
    for (const [t, h] of cases) {
      assert.equal(Buffer.from(ipv6Bytes(t)).toString('hex'), h, t);
      // the decoder's formatter is the inverse, RFC 5952 form
      assert.deepEqual(ipv6Bytes(ipv6ToString(ipv6Bytes(t), 0)), ipv6Bytes(t));
    }
    assert.equal(ipv6ToString(ipv6Bytes('2001:0db8:0000:0000:0000:ff00:0042:8329'), 0), '2001:db8::ff00:42:8329');
    for (const bad of ['', '1', '1:2:3', '1:::2', '1::2::3', '12345::', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4::5:6:7:8', '::1.2.3', '::300.1.1.1']) {
      assert.throws(() => ipv6Bytes(bad), /bad IPv6 address/, bad);
    }
    assert.throws(() => ipv4Bytes('1.2.3.256'), /bad IPv4/);
    assert.throws(() => ipv4Bytes('1.2.3'), /bad IPv4/);
    assert.deepEqual([...macBytes('02:00:5e:10:00:01')], [2, 0, 0x5e, 0x10, 0, 1]);
    assert.throws(() => macBytes('02:00'), /bad MAC/);
  });

  test('IPv4 header checksum, UDP/TCP checksums verify to zero', () => {
    const ip = ipv4({ src: '192.0.2.1', dst: '198.51.100.7', proto: IPPROTO_UDP, payload: udp(1, 2, text('abc')), id: 0x1234, ttl: 17, options: Uint8Array.of(1, 1, 1) });
    assert.equal(ip[0], 0x46);
    assert.equal(checksum(ip.subarray(0, 24)), 0);
    assert.equal(ip.readUInt16BE(2), ip.length);
    for (const [src, dst] of [['192.0.2.1', '192.0.2.2'], ['2001:db8::1', 'fe80::2']]) {
      const u = udp(5060, 5061, text('hello, odd length'), { src: src!, dst: dst! });
      assert.notEqual(u.readUInt16BE(6), 0);
      assert.equal(transportChecksum(src!, dst!, IPPROTO_UDP, u), 0);
      const t = tcp({ srcPort: 1, dstPort: 2, seq: 3, payload: text('xyz'), pseudo: { src: src!, dst: dst! } });
      assert.equal(transportChecksum(src!, dst!, IPPROTO_TCP, t), 0);
    }
  });

  test('fragmenters split at the MTU in multiples of 8', () => {
    const payload = Buffer.alloc(3001, 1);
    const f4 = fragmentIpv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload, id: 9 }, 576);
    assert.ok(f4.every((f) => f.length <= 576));
    assert.deepEqual(f4.map((f) => (f.readUInt16BE(6) & 0x1fff) * 8), [0, 552, 1104, 1656, 2208, 2760]);
    assert.deepEqual(f4.map((f) => (f.readUInt16BE(6) >> 13) & 1), [1, 1, 1, 1, 1, 0]);
    assert.equal(f4.reduce((a, f) => a + f.length - 20, 0), 3001);
    const f6 = fragmentIpv6({ src: '::1', dst: '::2', nextHeader: IPPROTO_UDP, payload }, 1280, 0xabcdef01);
    assert.ok(f6.every((f) => f.length <= 1280));
    assert.deepEqual(f6.map((f) => f[6]), [44, 44, 44]);
    assert.deepEqual(f6.map((f) => f.readUInt32BE(44)), [0xabcdef01, 0xabcdef01, 0xabcdef01]);
    assert.deepEqual(f6.map((f) => f.readUInt16BE(42)), [0 | 1, 1232 | 1, 2464]);
  });

  test('Ethernet: both spellings, MACs, VLAN ids, QinQ and padding', () => {
    const a = ethernet('aa:bb:cc:dd:ee:ff', '11:22:33:44:55:66', ETHERTYPE_IPV4, text('x'), [100, 200]);
    assert.equal(a.toString('hex'), 'aabbccddeeff' + '112233445566' + '88a80064' + '810000c8' + '0800' + '78');
    const b = ethernet(ETHERTYPE_IPV4, text('x'), { vlans: [{ vid: 5, pcp: 3 }], pad: true });
    assert.equal(b.length, 60);
    assert.equal(b.subarray(12, 18).toString('hex'), '81006005' + '0800');
    const c = ethernet(null, undefined, ETHERTYPE_IPV6, text('y'));
    assert.equal(c.subarray(0, 14).toString('hex'), '020000000002' + '020000000001' + '86dd');
  });
});

// ---------------------------------------------------------------- link layers

describe('link layers', () => {
  const ip4 = v4udp(text(SIP));

  test('Ethernet: plain, 802.1Q, QinQ (802.1ad + 802.1Q), old QinQ 0x9100', () => {
    const p4 = v4udp(text('hello v4'));
    const p6 = v6udp(text('hello v6'));
    const d = run([
      { linkType: 1, data: ethernet(ETHERTYPE_IPV4, p4) },
      { linkType: 1, data: ethernet(ETHERTYPE_IPV4, p4, { vlans: [{ tpid: 0x8100, vid: 100 }] }) },
      { linkType: 1, data: ethernet(ETHERTYPE_IPV6, p6, { vlans: [{ tpid: 0x88a8, vid: 10 }, { tpid: 0x8100, vid: 20 }] }) },
      { linkType: 1, data: ethernet(ETHERTYPE_IPV4, p4, { vlans: [{ tpid: 0x9100, vid: 1 }, { tpid: 0x8100, vid: 2 }] }) },
      { linkType: 1, data: ethernet(ETHERTYPE_ARP, Buffer.alloc(28)) },
      { linkType: 1, data: Buffer.alloc(10) }, // shorter than an Ethernet header
    ]);
    assert.deepEqual(d.dgrams.map((x) => [x.frame, x.ipVersion, x.src, x.dst, x.srcPort, x.dstPort, x.transport, x.payload]), [
      [1, 4, '10.0.0.1', '10.0.0.2', 5060, 5062, 'UDP', 'hello v4'],
      [2, 4, '10.0.0.1', '10.0.0.2', 5060, 5062, 'UDP', 'hello v4'],
      [3, 6, '2001:db8::1', '2001:db8::2', 5060, 5062, 'UDP', 'hello v6'],
      [4, 4, '10.0.0.1', '10.0.0.2', 5060, 5062, 'UDP', 'hello v4'],
    ]);
    assert.equal(d.stats.notIp, 1);
    assert.equal(d.stats.malformed, 1);
    assert.equal(d.stats.ipv4, 3);
    assert.equal(d.stats.ipv6, 1);
    assert.equal(d.stats.udp, 4);
  });

  test('NULL and LOOP: address family in either byte order, IPv4 and the IPv6 families of every OS', () => {
    const p4 = v4udp(text('n4'));
    const p6 = v6udp(text('n6'));
    const families6 = [AF.INET6_LINUX, AF.INET6_WINDOWS, AF.INET6_BSD, AF.INET6_FREEBSD, AF.INET6_DARWIN];
    assert.deepEqual(families6, [10, 23, 24, 28, 30]);
    const pkts: Pkt[] = [
      { linkType: 0, data: nullLoopback(AF.INET, p4, true) },
      { linkType: 0, data: nullLoopback(AF.INET, p4, 'be') },
      ...families6.flatMap((af) => [{ linkType: 0, data: nullLoopback(af, p6, 'le') }, { linkType: 0, data: nullLoopback(af, p6, false) }]),
      { linkType: 108, data: loop(AF.INET, p4) }, // LOOP: network order
      { linkType: 108, data: nullLoopback(AF.INET, p4, 'le') },
      { linkType: 108, data: loop(AF.INET6_BSD, p6) },
      { linkType: 0, data: nullLoopback(7, p4, true) }, // unknown family
      { linkType: 0, data: Buffer.from([2, 0]) }, // too short
    ];
    const d = run(pkts);
    assert.equal(d.dgrams.length, 15);
    assert.deepEqual(d.dgrams.map((x) => [x.ipVersion, x.payload]),
      [[4, 'n4'], [4, 'n4'], ...Array(10).fill([6, 'n6']), [4, 'n4'], [4, 'n4'], [6, 'n6']]);
    assert.deepEqual(d.dgrams.map((x) => x.frame), Array.from({ length: 15 }, (_, i) => i + 1));
    assert.ok(d.dgrams.every((x) => x.srcPort === 5060 && x.dstPort === 5062));
    assert.equal(d.stats.notIp, 1);
    assert.equal(d.stats.malformed, 1);
  });

  test('RAW (101, 12, 14), raw IPv4 (228) and raw IPv6 (229)', () => {
    const p4 = v4udp(text('raw4'));
    const p6 = v6udp(text('raw6'));
    const d = run([
      { linkType: 101, data: p4 }, { linkType: 101, data: p6 }, { linkType: 12, data: p4 }, { linkType: 14, data: p6 },
      { linkType: 228, data: p4 }, { linkType: 229, data: p6 },
      { linkType: 101, data: Buffer.from([0x50, 0, 0, 0]) }, // version 5
      { linkType: 101, data: Uint8Array.of(0x10, 0, 0) }, // version 1
    ]);
    assert.deepEqual(d.dgrams.map((x) => [x.frame, x.ipVersion, x.payload]),
      [[1, 4, 'raw4'], [2, 6, 'raw6'], [3, 4, 'raw4'], [4, 6, 'raw6'], [5, 4, 'raw4'], [6, 6, 'raw6']]);
    assert.equal(d.stats.notIp, 2);
  });

  test('Linux cooked captures SLL and SLL2 (any packet type and interface index)', () => {
    const d = run([
      { linkType: 113, data: sll(ETHERTYPE_IPV4, v4udp(text('sll4'))) },
      { linkType: 113, data: sll(ETHERTYPE_IPV6, v6udp(text('sll6'))) },
      { linkType: 276, data: sll2(ETHERTYPE_IPV4, v4udp(text('sll2-4'))) },
      { linkType: 276, data: sll2(ETHERTYPE_IPV6, v6udp(text('sll2-6'))) },
      { linkType: 113, data: sll(ETHERTYPE_IPV6, v6udp(text('sll6 outgoing')), 4) },
      { linkType: 276, data: sll2(ETHERTYPE_IPV6, v6udp(text('sll2-6 if 3, outgoing')), 3, 4) },
      { linkType: 113, data: sll(ETHERTYPE_ARP, Buffer.alloc(28)) },
      { linkType: 276, data: Buffer.alloc(12) },
    ]);
    assert.deepEqual(d.dgrams.map((x) => [x.frame, x.payload]),
      [[1, 'sll4'], [2, 'sll6'], [3, 'sll2-4'], [4, 'sll2-6'], [5, 'sll6 outgoing'], [6, 'sll2-6 if 3, outgoing']]);
    assert.equal(d.stats.notIp, 1);
    assert.equal(d.stats.malformed, 1);
  });

  test('udpFrame for every link kind decodes to the same datagram', () => {
    for (const link of Object.keys(LINK_TYPE_OF) as LinkKind[]) {
      for (const [src, dst] of [['192.0.2.1', '192.0.2.2'], ['2001:db8::a', '2001:db8::b']] as const) {
        const d = one(run([{ linkType: LINK_TYPE_OF[link], data: udpFrame({ src, dst, sport: 1234, dport: 5060, payload: text(SIP), link }) }]));
        assert.deepEqual([d.src, d.dst, d.srcPort, d.dstPort, d.transport, d.payload], [src, dst, 1234, 5060, 'UDP', SIP], `${link} ${src}`);
      }
    }
  });

  test('unsupported link types are counted by name, not fatal', () => {
    const d = run([
      { linkType: 105, data: Buffer.alloc(40) },
      { linkType: 147, data: Buffer.alloc(4) },
      { linkType: 105, data: Buffer.alloc(40) },
      eth(ip4),
    ]);
    assert.deepEqual(d.stats.unsupportedLinkTypes, { 'IEEE 802.11 Wireless LAN': 2, 'link type 147': 1 });
    assert.equal(one(d).frame, 4);
    assert.equal(one(d).payload, SIP);
  });
});

// ---------------------------------------------------------------- IP and transport

describe('IP and transport', () => {
  test('IPv4 options are skipped by the header length; ipLength is the whole IP packet', () => {
    const options = Uint8Array.of(0x94, 0x04, 0, 0, 0x01, 0x01, 0x07, 0x07, 4, 0, 0); // router alert, NOPs, record route (padded)
    const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IPPROTO_UDP, payload: udp(1, 2, text('with options')), options });
    assert.equal(ip[0]! & 0x0f, 8);
    const x = one(run([{ linkType: 101, data: ip }]));
    assert.equal(x.payload, 'with options');
    assert.equal(x.ipLength, ip.length);
    const bad = Buffer.from(ip); bad[0] = 0x44; // IHL 16 bytes: impossible
    const d = run([{ linkType: 101, data: bad }]);
    assert.equal(d.dgrams.length, 0);
    assert.equal(d.stats.malformed, 1);
  });

  test('IPv6 extension headers: hop-by-hop, destination options, routing, AH, atomic fragment', () => {
    const src = '2001:db8::1', dst = '2001:db8::2';
    const chain = ipv6({
      src, dst, nextHeader: IPPROTO_UDP, payload: udp(5060, 5080, text(SIP), { src, dst }),
      extHeaders: [
        { type: IPPROTO_HOPOPTS, data: Uint8Array.of(5, 2, 0, 0, 1, 0) }, // router alert + PadN
        { type: IPPROTO_DSTOPTS, data: new Uint8Array(14) },
        { type: IPPROTO_ROUTING, data: Buffer.concat([Uint8Array.of(0, 0, 0, 0, 0, 0), ipv6Bytes('2001:db8::99')]) },
        { type: IPPROTO_DSTOPTS, data: new Uint8Array(6) },
      ],
    });
    assert.equal(chain[6], 0);
    const u = udp(5060, 5060, text('behind extensions'));
    const ah = Buffer.alloc(24); // AH: next header, payload len = 24/4 - 2 = 4
    ah[0] = IPPROTO_UDP; ah[1] = 4; ah.writeUInt32BE(0x1234, 4);
    const pkts = [
      ipv6({ src: 'fe80::1', dst: 'ff02::1', nextHeader: IPPROTO_UDP, payload: u, extHeaders: [
        { type: 0, data: Buffer.alloc(4) },
        { type: 43, data: Buffer.alloc(22) },
        { type: 60, data: Buffer.alloc(12) },
      ] }),
      ipv6({ src: '2001:db8::a', dst: '2001:db8::b', nextHeader: 51, payload: Buffer.concat([ah, u]) }),
      // an atomic fragment (offset 0, M=0) is an ordinary packet
      ipv6({ src: '2001:db8::a', dst: '2001:db8::b', nextHeader: IPPROTO_UDP, payload: u, extHeaders: [{ type: 44, data: Buffer.from([0, 0, 0, 0, 0, 9]) }] }),
    ];
    const d = run([eth(chain), ...pkts.map((data) => ({ linkType: 101, data }))]);
    assert.deepEqual(d.dgrams.map((x) => [x.ipVersion, x.src, x.dst, x.srcPort, x.dstPort, x.payload, x.ipLength, x.reassembled]), [
      [6, src, dst, 5060, 5080, SIP, chain.length, false],
      [6, 'fe80::1', 'ff02::1', 5060, 5060, 'behind extensions', pkts[0]!.length, false],
      [6, '2001:db8::a', '2001:db8::b', 5060, 5060, 'behind extensions', pkts[1]!.length, false],
      [6, '2001:db8::a', '2001:db8::b', 5060, 5060, 'behind extensions', pkts[2]!.length, false],
    ]);
    assert.equal(d.stats.fragments, 0);
    // An extension header running past the packet is malformed, not a crash:
    // the payload length cuts the chain short, or a header's own length runs past the end.
    const cut = Buffer.from(chain.subarray(0, 44));
    cut.writeUInt16BE(4, 4);
    const long = Buffer.from(pkts[0]!);
    long[41] = 200; // hop-by-hop length far beyond the end
    for (const m of [run([eth(cut)]), run([{ linkType: 101, data: long }])]) {
      assert.equal(m.dgrams.length, 0);
      assert.equal(m.stats.malformed, 1);
    }
  });

  test('IP-in-IP, IPv6-in-IPv4, IPv4-in-IPv6: the innermost addresses win', () => {
    const inner4 = v4udp(text(SIP), '172.16.0.1', '172.16.0.2');
    const inner6 = v6udp(text(SIP), 'fd00::1', 'fd00::2');
    const r = run([
      eth(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_IPIP, payload: inner4 })),
      eth(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_IPV6, payload: inner6 })),
      eth(ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IPPROTO_IPIP, payload: inner4 })),
      eth(ipv4({ src: '10.9.9.9', dst: '10.9.9.8', proto: IPPROTO_IPIP, payload: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_IPV6, payload: inner6 }) })),
    ]);
    assert.deepEqual(r.dgrams.map((d) => [d.ipVersion, d.src, d.dst, d.payload, d.ipLength]), [
      [4, '172.16.0.1', '172.16.0.2', SIP, inner4.length], [6, 'fd00::1', 'fd00::2', SIP, inner6.length],
      [4, '172.16.0.1', '172.16.0.2', SIP, inner4.length], [6, 'fd00::1', 'fd00::2', SIP, inner6.length],
    ]);
    assert.equal(r.stats.tunnels, 5);
    // nesting is bounded: a tunnel 10 deep is not followed (and said so), not a stack overflow
    let deep: Uint8Array = inner4;
    for (let i = 0; i < 10; i++) deep = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_IPIP, payload: deep });
    const d = run([eth(deep)]);
    assert.equal(d.dgrams.length, 0);
    assert.deepEqual(d.stats.undecoded, { 'tunnels nested deeper than 8': 1 });
  });

  test('UDP length trims trailing bytes; IP length trims Ethernet padding and captured trailers', () => {
    // UDP length says 8 + 3, the IP packet carries 5 more bytes
    const u = Buffer.concat([udp(1, 2, text('abc')), text('TRAIL')]);
    const ip = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: u });
    // UDP length rewritten to 8 + 5 while the IP payload carries 12 bytes after the header
    const u5 = udp(1000, 2000, text('hello, world'));
    u5.writeUInt16BE(8 + 5, 4);
    // a short datagram padded to the Ethernet minimum, with non-zero padding
    const small = v4udp(text('hi'));
    const padded = ethernet(ETHERTYPE_IPV4, small, { pad: true });
    padded.fill(0xee, 14 + small.length);
    const small6 = v6udp(text('hi6'));
    const padded6 = Buffer.concat([ethernet(ETHERTYPE_IPV6, small6), Buffer.alloc(10, 0xee)]);
    // padded to 60 bytes with non-zero garbage and followed by a 4-byte trailer (an FCS); IPv4 and IPv6
    const pad = (f: Buffer) => Buffer.concat([f, Buffer.alloc(Math.max(0, 60 - f.length), 0xee), Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
    // a UDP length larger than what is there: keep what is there
    const long = udp(1, 2, text('xyz'));
    long.writeUInt16BE(500, 4);
    const r = run([
      eth(ip),
      { linkType: 101, data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: u5 }) },
      { linkType: 1, data: padded },
      { linkType: 1, data: padded6 },
      { linkType: 1, data: pad(ethernet(ETHERTYPE_IPV4, v4udp(text('x')))) },
      { linkType: 1, data: pad(ethernet(ETHERTYPE_IPV6, v6udp(text('y')))) },
      eth(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: long })),
    ]);
    assert.deepEqual(r.dgrams.map((d) => [d.payload, d.ipLength]), [
      ['abc', ip.length], ['hello', 20 + 8 + 12], ['hi', small.length], ['hi6', small6.length], ['x', 29], ['y', 49], ['xyz', 31],
    ]);
    // UDP header cut short
    const m = run([{ linkType: 101, data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: Buffer.alloc(5) }) }]);
    assert.equal(m.dgrams.length, 0);
    assert.equal(m.stats.malformed, 1);
  });

  test('TCP: ports, seq, ack, flags and the payload after the data offset are handed up', () => {
    const seg = tcp({ srcPort: 5060, dstPort: 40000, seq: 0xfffffff0, ack: 0x80000001, flags: 0x18, payload: text('INVITE sip:x SIP/2.0\r\n') });
    // a segment with 12 bytes of TCP options inserted by hand (data offset 8)
    const plain = tcp({ srcPort: 5061, dstPort: 40001, seq: 7, ack: 9, flags: 0x11, payload: text('tail') });
    const withOpts = Buffer.concat([plain.subarray(0, 20), Buffer.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]), plain.subarray(20)]);
    withOpts[12] = 8 << 4;
    const r = run([
      { linkType: 1, data: tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 5060, seq: 0xfffffff0, ack: 12345, flags: TCP_FLAGS.SYN }) },
      { linkType: 1, data: tcpFrame({ src: '10.0.0.1', dst: '10.0.0.2', srcPort: 40000, dstPort: 5060, seq: 0xfffffff1, ack: 1, flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK, payload: text(SIP), options: Uint8Array.of(1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2) }) },
      { linkType: 113, data: sll(ETHERTYPE_IPV6, ipv6({ src: '::1', dst: '::2', nextHeader: IPPROTO_TCP, payload: tcp({ srcPort: 5060, dstPort: 40000, seq: 7, ack: 8, flags: TCP_FLAGS.FIN | TCP_FLAGS.ACK }) })) },
      // data offset beyond the segment: malformed
      eth(ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, payload: (() => { const t = tcp({ srcPort: 1, dstPort: 2, seq: 0 }); t[12] = 0xf0; return t; })() })),
      { linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, payload: seg })) },
      { linkType: 1, data: ethernet(ETHERTYPE_IPV6, ipv6({ src: '::1', dst: '::2', nextHeader: IPPROTO_TCP, payload: withOpts })) },
      // a segment shorter than the fixed TCP header: malformed
      { linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, payload: seg.subarray(0, 15) })) },
    ]);
    assert.deepEqual(r.dgrams.map((d) => [d.frame, d.ipVersion, d.transport, d.srcPort, d.dstPort, d.tcp, d.payload]), [
      [1, 4, 'TCP', 40000, 5060, { seq: 0xfffffff0, ack: 12345, flags: 2 }, ''],
      [2, 4, 'TCP', 40000, 5060, { seq: 0xfffffff1, ack: 1, flags: 24 }, SIP],
      [3, 6, 'TCP', 5060, 40000, { seq: 7, ack: 8, flags: 17 }, ''],
      [5, 4, 'TCP', 5060, 40000, { seq: 0xfffffff0, ack: 0x80000001, flags: 0x18 }, 'INVITE sip:x SIP/2.0\r\n'],
      [6, 6, 'TCP', 5061, 40001, { seq: 7, ack: 9, flags: 0x11 }, 'tail'],
    ]);
    assert.equal(r.stats.tcp, 5);
    assert.equal(r.stats.malformed, 2);
  });

  test('truncated and bogus headers are counted as malformed, never thrown', () => {
    const ip = v4udp(text(SIP));
    const r = run([
      eth(ip.subarray(0, 19)),
      eth((() => { const b = Buffer.from(ip); b[0] = 0x44; return b; })()), // IHL 16 < 20
      eth((() => { const b = Buffer.from(ip); b.writeUInt16BE(10, 2); return b; })()), // total < IHL
      eth(ip.subarray(0, 25)), // UDP header cut
      eth(v6udp(text('x')).subarray(0, 39)),
      eth((() => { const b = Buffer.from(ip); b[0] = 0x55; return b; })()), // version 5
    ]);
    assert.equal(r.dgrams.length, 0);
    assert.equal(r.stats.malformed, 5);
    assert.equal(r.stats.notIp, 1);
  });
});

// ---------------------------------------------------------------- reassembly

describe('IP fragment reassembly', () => {
  const BIG = text(Array.from({ length: 3000 }, (_, i) => String.fromCharCode(65 + (i % 26))).join('') + 'END');
  const v4frags = (payload: Uint8Array = BIG, id = 0x4242, mtu = 600) =>
    fragmentIpv4({ src: '10.1.0.1', dst: '10.1.0.2', proto: IPPROTO_UDP, id, payload: udp(5060, 5060, payload) }, mtu).map(eth);
  const v6frags = (payload: Uint8Array = BIG, id = 0x77, mtu = 600) =>
    fragmentIpv6({ src: '2001:db8::10', dst: '2001:db8::20', nextHeader: IPPROTO_UDP, payload: udp(5060, 5060, payload, { src: '2001:db8::10', dst: '2001:db8::20' }) }, mtu, id).map(eth);

  for (const [name, make, ipHdr] of [['IPv4', v4frags, 20], ['IPv6', v6frags, 40]] as const) {
    test(`${name}: in order, out of order, with duplicates; the completing fragment's frame, reassembled=true`, () => {
      const fr = make();
      assert.equal(fr.length, 6);
      const unrelated = eth(name === 'IPv4' ? v4udp(text('between')) : v6udp(text('between')));
      const orders: [string, Pkt[], number][] = [
        ['in order', fr, 6],
        ['reversed', [...fr].reverse(), 6],
        ['shuffled, an unrelated datagram between', [fr[2]!, fr[0]!, unrelated, fr[4]!, fr[1]!, fr[5]!, fr[3]!], 7],
        ['duplicates', [fr[0]!, fr[0]!, fr[1]!, fr[3]!, fr[1]!, fr[2]!, fr[4]!, fr[4]!, fr[5]!], 9],
        ['last fragment first', [fr[5]!, fr[1]!, fr[0]!, fr[2]!, fr[3]!, fr[4]!], 6],
      ];
      for (const [what, pkts, completing] of orders) {
        for (const seed of [1, 2]) { // both byte orders
          const r = run(pkts, {}, seed);
          const whole = r.dgrams.filter((d) => d.reassembled);
          assert.equal(whole.length, 1, what);
          const d = whole[0]!;
          assert.equal(d.payload, BIG.toString('latin1'), what);
          assert.equal(d.frame, completing, what);
          assert.equal(d.srcPort, 5060, what);
          assert.equal(d.ipLength, ipHdr + 8 + BIG.length, what);
          assert.equal(r.stats.fragments, pkts.length - (what.includes('unrelated') ? 1 : 0), what);
          assert.equal(r.stats.reassembled, 1, what);
          assert.equal(r.open, 0, what);
          assert.deepEqual(r.warnings, [], what);
          if (what.includes('unrelated')) {
            assert.equal(r.dgrams.length, 2, what);
            const small = r.dgrams.find((x) => x.payload === 'between')!;
            assert.equal(small.reassembled, false);
            assert.equal(small.frame, 3);
          } else {
            assert.equal(r.dgrams.length, 1, what);
          }
        }
      }
    });
  }

  test('IPv6: extension headers after the Fragment header are walked in the reassembled payload', () => {
    const src = '2001:db8::10', dst = '2001:db8::20';
    // The fragmentable part starts with a destination options header (RFC 8200 4.5), then UDP.
    const dstopts = Buffer.alloc(16);
    dstopts[0] = IPPROTO_UDP;
    dstopts[1] = 1; // (1 + 1) * 8 = 16 bytes
    const fragmentable = Buffer.concat([dstopts, udp(5060, 5062, BIG, { src, dst })]);
    const frags = fragmentIpv6({ src, dst, nextHeader: IPPROTO_DSTOPTS, payload: fragmentable, extHeaders: [{ type: IPPROTO_HOPOPTS, data: new Uint8Array(6) }] }, 600, 9).map(eth);
    const r = run(frags);
    const d = one(r);
    assert.deepEqual([d.srcPort, d.dstPort, d.payload, d.reassembled, d.frame], [5060, 5062, BIG.toString('latin1'), true, frags.length]);
    assert.equal(d.ipLength, 40 + 8 + fragmentable.length, 'fixed header + hop-by-hop + reassembled part');
    // A second Fragment header inside the reassembled part is malformed, not a loop.
    const frag2 = Buffer.concat([Buffer.from([IPPROTO_UDP, 0, 0, 1, 0, 0, 0, 5]), udp(1, 2, BIG, { src, dst })]);
    const r2 = run(fragmentIpv6({ src, dst, nextHeader: 44, payload: frag2 }, 600, 10).map(eth));
    assert.equal(r2.dgrams.length, 0);
    assert.equal(r2.stats.malformed, 1);
  });

  test('IPv6 reassembly of a datagram that carries a tunnelled IPv4 packet', () => {
    const inner = v4udp(BIG.subarray(0, 1500), '192.168.1.1', '192.168.1.2');
    const frs = fragmentIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IPPROTO_IPIP, payload: inner }, 500, 5);
    const x = one(run(frs.map((f) => ({ linkType: 101, data: f }))));
    assert.equal(x.src, '192.168.1.1');
    assert.equal(x.reassembled, true);
    assert.equal(x.frame, frs.length);
    assert.equal(x.payload, BIG.subarray(0, 1500).toString('latin1'));
  });

  test('interleaved datagrams with distinct ids reassemble separately; same id, other addresses do not mix', () => {
    const a = v4frags(text('A'.repeat(1500)), 1);
    const b = v4frags(text('B'.repeat(1500)), 2);
    const c = fragmentIpv4({ src: '10.1.0.9', dst: '10.1.0.2', proto: IPPROTO_UDP, id: 1, payload: udp(1, 1, text('C'.repeat(1500))) }, 600).map(eth);
    const pkts: Pkt[] = [];
    for (let i = 0; i < 3; i++) pkts.push(a[i]!, b[2 - i]!, c[i]!);
    const r = run(pkts);
    assert.deepEqual(r.dgrams.map((d) => [d.frame, d.payload[0], d.payload.length]), [[7, 'A', 1500], [8, 'B', 1500], [9, 'C', 1500]]);
  });

  test('overlaps resolve deterministically: lowest offset first, first arrival among equal offsets', () => {
    // Raw IPv4 fragments of an 8+24 byte UDP datagram with conflicting contents
    const hdr = udp(9, 9, new Uint8Array(24)); // only the first 8 bytes (UDP header) are used
    const u = hdr.subarray(0, 8);
    const frag = (off: number, more: boolean, data: Uint8Array) =>
      eth(ipv4({ src: '10.2.0.1', dst: '10.2.0.2', proto: IPPROTO_UDP, id: 99, fragOffset: off, more, payload: data }));
    const head = (fill: string, n: number) => Buffer.concat([u, text(fill.repeat(n - 8))]);
    const A = frag(0, true, head('a', 16));            // [0,16)  UDP header + aaaaaaaa
    const B = frag(8, true, text('b'.repeat(16)));     // [8,24)  overlaps A on [8,16)
    const C = frag(24, false, text('c'.repeat(8)));    // [24,32) last
    const X = frag(0, true, head('x', 24));            // [0,24)  same offset as A, longer
    const cases: [string, Pkt[], string][] = [
      ['lower offset wins over a later-starting overlap', [A, B, C], 'aaaaaaaa' + 'bbbbbbbb' + 'cccccccc'],
      ['still when the overlapping piece arrives first', [B, A, C], 'aaaaaaaa' + 'bbbbbbbb' + 'cccccccc'],
      ['equal offsets: the first arrival wins (short first)', [A, X, C], 'aaaaaaaa' + 'xxxxxxxx' + 'cccccccc'],
      ['equal offsets: the first arrival wins (long first)', [X, A, C], 'xxxxxxxx' + 'xxxxxxxx' + 'cccccccc'],
      ['last fragment first', [C, B, A], 'aaaaaaaa' + 'bbbbbbbb' + 'cccccccc'],
    ];
    for (const [what, pkts, want] of cases) {
      const r = run(pkts);
      const d = one(r);
      assert.equal(d.payload, want, what);
      assert.equal(d.frame, pkts.length, what);
      assert.deepEqual(r.warnings, [], what);
    }
    // IPv6 the same way
    const f6 = (off: number, more: boolean, data: Uint8Array) =>
      eth(ipv6({ src: 'fd00::1', dst: 'fd00::2', nextHeader: IPPROTO_UDP, payload: data, extHeaders: [fragmentHeader(off, more, 5)] }));
    const r6 = run([f6(8, true, text('b'.repeat(16))), f6(24, false, text('c'.repeat(8))), f6(0, true, head('a', 16))]);
    assert.equal(one(r6).payload, 'aaaaaaaa' + 'bbbbbbbb' + 'cccccccc');
    assert.equal(one(r6).frame, 3);

    // A larger matrix on RAW IPv4: a 40-byte UDP datagram, 8-byte header + 32 bytes. Fragments (byte ranges of the IP payload):
    //   A [0,16)  = header + 'a'*8   (more)
    //   X [8,16)  = 'x'*8            (more)  overlaps A entirely: A starts lower, A wins
    //   B [8,24)  = 'b'*16           (more)  overlaps A: fills only [16,24)
    //   Y [16,24) = 'y'*8            (more)  same bytes as B's tail: B starts lower, B wins
    //   C [24,40) = 'c'*16           (last)
    // The datagram completes as soon as [0,40) is covered; the pieces present then decide.
    const h8 = udp(7000, 7001, Buffer.alloc(32)).subarray(0, 8);
    const raw = (off: number, body: Uint8Array, more: boolean): Pkt => ({
      linkType: 101, data: ipv4({ src: '10.2.0.1', dst: '10.2.0.2', proto: IPPROTO_UDP, id: 9, fragOffset: off, more, payload: body }),
    });
    const A2 = raw(0, Buffer.concat([h8, Buffer.alloc(8, 'a')]), true);
    const X2 = raw(8, Buffer.alloc(8, 'x'), true);
    const B2 = raw(8, Buffer.alloc(16, 'b'), true);
    const Y2 = raw(16, Buffer.alloc(8, 'y'), true);
    const C2 = raw(24, Buffer.alloc(16, 'c'), false);
    const withB = 'a'.repeat(8) + 'b'.repeat(8) + 'c'.repeat(16);
    const withY = 'a'.repeat(8) + 'y'.repeat(8) + 'c'.repeat(16);
    const matrix: [Pkt[], string, string, number][] = [
      [[A2, X2, B2, Y2, C2], 'AXBYC', withB, 5],
      [[C2, Y2, B2, X2, A2], 'CYBXA', withB, 5],
      [[X2, B2, Y2, C2, A2], 'XBYCA', withB, 5],
      [[Y2, B2, X2, A2, C2], 'YBXAC', withB, 5],
      [[B2, A2, C2, Y2, X2], 'BACYX', withB, 3],
      [[Y2, C2, X2, A2, B2], 'YCXAB', withY, 4],
    ];
    for (const [order, label, expect, frame] of matrix) {
      for (const seed of [1, 2]) {
        const d = run(order, {}, seed);
        assert.equal(d.dgrams.length, 1, label);
        assert.equal(d.dgrams[0]!.payload, expect, label);
        assert.equal(d.dgrams[0]!.frame, frame, label);
      }
    }
    // Same offset, different lengths: arrival order decides.
    const P = raw(8, Buffer.alloc(8, 'p'), true);
    const Q = raw(8, Buffer.alloc(24, 'q'), true);
    const H = raw(0, h8, true);
    const L = raw(32, Buffer.alloc(8, 'l'), false);
    assert.equal(one(run([H, P, Q, L])).payload, 'p'.repeat(8) + 'q'.repeat(16) + 'l'.repeat(8));
    assert.equal(one(run([H, Q, P, L])).payload, 'q'.repeat(24) + 'l'.repeat(8));
    // A stray fragment beyond the datagram's end does not block completion.
    const S = raw(64, Buffer.alloc(8, 's'), true);
    assert.equal(one(run([H, S, Q, L])).payload, 'q'.repeat(24) + 'l'.repeat(8));
  });

  test('limits produce warnings, not exceptions: too many fragments, too large, too many open, too old, never completed', () => {
    // too many fragments for one datagram
    const many = v4frags(BIG, 1, 100); // 3000 bytes in 80-byte pieces
    const r1 = run(many, { maxFragments: 10 });
    assert.equal(r1.dgrams.length, 0);
    assert.ok(r1.warnings.some((w) => w.code === 'reassembly-limit' && /more than 10 fragments/.test(w.message)), JSON.stringify(r1.warnings));

    // reassembled size beyond the limit, IPv4 and IPv6
    for (const frags of [v4frags(BIG, 2), v6frags()]) {
      const r2 = run(frags, { maxDatagramBytes: 1000 });
      assert.equal(r2.dgrams.length, 0);
      assert.ok(r2.warnings.some((w) => w.code === 'reassembly-limit' && /1000-byte reassembly limit/.test(w.message)), JSON.stringify(r2.warnings));
    }

    // too many datagrams open at once: the oldest is dropped, the others complete
    const a = v4frags(text('A'.repeat(1200)), 10), b = v4frags(text('B'.repeat(1200)), 11), c = v4frags(text('C'.repeat(1200)), 12);
    const r3 = run([a[0]!, b[0]!, c[0]!, ...b.slice(1), ...c.slice(1), ...a.slice(1)], { maxOpen: 2 });
    assert.deepEqual(r3.dgrams.map((d) => d.payload[0]), ['B', 'C']);
    const w3 = r3.warnings.filter((w) => w.code === 'reassembly-limit');
    assert.equal(w3.length, 1);
    assert.match(w3[0]!.message, /more than 2 IP datagrams under reassembly; dropped the one begun in frame 1/);
    assert.equal(w3[0]!.frame, 3);
    // the rest of the dropped datagram (frames 8, 9) never completes
    assert.deepEqual(r3.warnings.filter((w) => w.code !== 'reassembly-limit').map((w) => [w.code, w.frame]), [['reassembly-incomplete', 8]]);

    // too old: capture time passes maxAgeS between fragments
    const old = v4frags(BIG, 3);
    const timed: Pkt[] = old.map((p, i) => ({ ...p, t: i < 3 ? 100 + i : 200 + i }));
    const r4 = run(timed, { maxAgeS: 30 });
    assert.equal(r4.dgrams.length, 0);
    assert.ok(r4.warnings.some((w) => w.code === 'reassembly-limit' && /still incomplete after 30 s/.test(w.message)));
    // the warning names the frame that found the datagram too old
    const fr = v4frags();
    const aged = run(fr.map((p, i) => ({ ...p, t: i === 0 ? 100 : 110 + i * 0.001 })), { maxAgeS: 5 });
    assert.equal(aged.dgrams.length, 0);
    assert.ok(aged.warnings.some((w) => w.code === 'reassembly-limit' && /still incomplete after 5 s/.test(w.message) && w.frame === 2), JSON.stringify(aged.warnings));

    // never completed: reported once at the end, at the datagram's first frame (whether its head or its tail is missing)
    const r5 = run(v4frags(BIG, 4).slice(0, 4));
    assert.equal(r5.open, 1);
    assert.deepEqual(r5.warnings.map((w) => [w.code, w.frame]), [['reassembly-incomplete', 1]]);
    assert.match(r5.warnings[0]!.message, /never completed \(4 fragments/);
    const headless = run(fr.slice(1));
    assert.equal(headless.dgrams.length, 0);
    assert.deepEqual(headless.warnings.map((w) => [w.code, w.frame]), [['reassembly-incomplete', 1]]);

    // IPv6 limits take the same path
    const r6 = run(v6frags(BIG, 9, 200), { maxFragments: 5 });
    assert.equal(r6.dgrams.length, 0);
    assert.ok(r6.warnings.some((w) => w.code === 'reassembly-limit'));
  });

  test('a fragment storm stays bounded: many open datagrams, limited and warned', () => {
    const pkts: Pkt[] = [];
    for (let i = 0; i < 300; i++) pkts.push(v4frags(BIG, i)[0]!);
    const d = run(pkts, { maxOpen: 50 });
    // The first 20 of each are listed, then one line sums them up (a storm must not fill the warning list).
    const limit = d.warnings.filter((w) => w.code === 'reassembly-limit');
    const incomplete = d.warnings.filter((w) => w.code === 'reassembly-incomplete');
    assert.equal(limit.length, 21);
    assert.match(limit.at(-1)!.message, /^250 IP datagrams dropped by the reassembly limits in all/);
    assert.equal(incomplete.length, 21);
    assert.match(incomplete.at(-1)!.message, /^50 IP datagrams never completed in all/);
  });

  test('udpFrames fragments large datagrams over every link kind and the decoder puts them back', () => {
    for (const link of Object.keys(LINK_TYPE_OF) as LinkKind[]) {
      for (const [src, dst] of [['192.0.2.1', '192.0.2.2'], ['2001:db8::a', '2001:db8::b']] as const) {
        const frames = udpFrames({ src, dst, sport: 5060, dport: 5060, payload: BIG, link, mtu: 1280, ipId: 77 });
        assert.ok(frames.length >= 3);
        const d = one(run(frames.map((data) => ({ linkType: LINK_TYPE_OF[link], data }))));
        assert.equal(d.payload, BIG.toString('latin1'));
        assert.equal(d.frame, frames.length);
        assert.equal(d.reassembled, true);
      }
    }
  });
});

// ---------------------------------------------------------------- the bench's synthetic capture

describe('bench/synthetic.ts', () => {
  test('deterministic for a seed, at least the frames asked for, well-formed SIP, consistent RTP', async () => {
    const FRAMES = 15_000;
    const BASE_SEC = 1_700_000_000;
    const dir = mkdtempSync(join(tmpdir(), 'sipflow-synthetic-test-'));
    try {
      const gen = (seed: number, name: string) => {
        const path = join(dir, name);
        const stats = generateSynthetic({ path, frames: FRAMES, seed });
        return { path, stats, bytes: readFileSync(path) };
      };
      // seed 2 at 15 000 frames: answered, busy, declined and cancelled calls, registrations, lost RTP packets
      const a = gen(2, 'a.pcapng');
      const b = gen(2, 'b.pcapng');
      assert.ok(a.bytes.equals(b.bytes), 'same seed, same bytes');
      assert.deepEqual(b.stats, a.stats);
      assert.ok(!gen(3, 'c.pcapng').bytes.equals(a.bytes), 'another seed, other bytes');
      const s = a.stats;
      assert.ok(s.frames >= FRAMES, `${s.frames} frames`);
      assert.equal(s.bytes, a.bytes.length);
      assert.equal(s.frames, s.sipMessages + s.rtpPackets);
      assert.equal(s.calls, s.answered + s.busy + s.declined + s.cancelled);
      assert.equal(s.rtpStreams, 2 * s.answered, 'one stream each way per answered call');
      for (const k of ['answered', 'busy', 'declined', 'cancelled', 'registrations', 'rtpLost'] as const) assert.ok(s[k] > 0, `the capture has ${k}`);

      let frames = 0;
      let lastT = -1;
      const sip: string[] = [];
      const rtp = new Map<number, { seq: number; ts: number; flow: string }>();
      let rtpPackets = 0;
      let gapLost = 0;
      const flows = new Set<string>();
      const dec = new NetDecoder((d) => {
        assert.equal(d.transport, 'UDP');
        assert.equal(d.ipVersion, 4);
        const p = Buffer.from(d.payload);
        if (d.srcPort === 5060) {
          assert.equal(d.dstPort, 5060);
          sip.push(p.toString('latin1'));
          return;
        }
        rtpPackets++;
        assert.equal(p.length, 12 + 160);
        assert.equal(p[0], 0x80, 'RTP version 2, no padding, extension or CSRCs');
        assert.equal(p[1]! & 0x7f, 0, 'PCMU');
        const ssrc = p.readUInt32BE(8), seq = p.readUInt16BE(2), ts = p.readUInt32BE(4);
        const flow = `${d.src}:${d.srcPort} > ${d.dst}:${d.dstPort}`;
        const prev = rtp.get(ssrc);
        if (prev) {
          const dseq = (seq - prev.seq) & 0xffff;
          assert.ok(dseq >= 1 && dseq <= 4, `sequence step ${dseq}`);
          assert.equal((ts - prev.ts) >>> 0, dseq * 160, 'timestamp advances 160 per packet');
          assert.equal(p[1]! & 0x80, 0, 'marker only on the first packet');
          assert.equal(flow, prev.flow, 'an SSRC keeps its addresses and ports');
          gapLost += dseq - 1;
        } else {
          assert.equal(p[1]! & 0x80, 0x80, 'marker on the first packet');
        }
        rtp.set(ssrc, { seq, ts, flow });
        flows.add(`${d.dst}:${d.dstPort}`);
      }, (w) => assert.fail(JSON.stringify(w)));
      const info = await readCapture(a.path, {
        onFrame(f) {
          frames++;
          const t = f.tsSec + f.tsNsec / 1e9;
          assert.ok(t >= lastT, 'time order');
          assert.equal(f.tsNsec % 1000, 0, 'microsecond timestamps');
          lastT = t;
          dec.decode(f);
        },
        onWarning(w) { assert.fail(JSON.stringify(w)); },
      });
      dec.finish();
      assert.equal(info.format, 'pcapng');
      assert.deepEqual(info.linkTypes, ['Ethernet']);
      assert.equal(info.interfaces[0]!.name, 'eth0');
      assert.deepEqual([info.firstTsSec, info.firstTsNsec], [BASE_SEC, 0]);
      assert.ok(info.maxTime! - BASE_SEC <= s.durationS + 1e-6);
      assert.equal(frames, s.frames);
      assert.equal(dec.stats.udp, s.frames);
      assert.equal(dec.stats.fragments, 0);
      assert.equal(sip.length, s.sipMessages);
      assert.equal(rtpPackets, s.rtpPackets);
      assert.equal(rtp.size, s.rtpStreams);
      // losses inside a stream show as sequence gaps (a loss at a stream's end cannot)
      assert.ok(gapLost > 0 && gapLost <= s.rtpLost, `${gapLost} packets missing in sequence, ${s.rtpLost} lost`);

      const starts = new Map<string, number>();
      const callIds = new Set<string>();
      const announced = new Set<string>();
      for (const m of sip) {
        const end = m.indexOf('\r\n\r\n');
        assert.ok(end > 0, m);
        const [head, body] = [m.slice(0, end), m.slice(end + 4)];
        const first = head.slice(0, head.indexOf('\r\n'));
        const hdr = (n: string) => new RegExp(`^${n}: (.*)$`, 'mi').exec(head)?.[1];
        assert.equal(Number(hdr('Content-Length')), Buffer.byteLength(body, 'latin1'), head);
        for (const h of ['Via', 'From', 'To', 'Call-ID', 'CSeq']) assert.ok(hdr(h), `${h} in ${head}`);
        assert.match(hdr('Via')!, /^SIP\/2\.0\/UDP [\d.]+:5060;branch=z9hG4bK[0-9a-f]{16};rport/);
        assert.match(hdr('From')!, /;tag=\w+/);
        const cseq = /^(\d+) ([A-Z]+)$/.exec(hdr('CSeq')!);
        assert.ok(cseq, hdr('CSeq'));
        callIds.add(hdr('Call-ID')!);
        const req = /^([A-Z]+) sip:\S+ SIP\/2\.0$/.exec(first);
        let invite2xx = false;
        if (req) {
          assert.equal(cseq[2], req[1], `CSeq method of ${first}`);
          assert.equal(hdr('Max-Forwards'), '70', first);
          starts.set(req[1]!, (starts.get(req[1]!) ?? 0) + 1);
        } else {
          const res = /^SIP\/2\.0 (\d{3}) (.+)$/.exec(first);
          assert.ok(res, first);
          assert.ok(['INVITE', 'BYE', 'CANCEL', 'REGISTER'].includes(cseq[2]!), `CSeq ${cseq[2]} of a response`);
          if (res[1] !== '100') assert.match(hdr('To')!, /;tag=\w+/, first);
          starts.set(`${res[1]} ${res[2]}`, (starts.get(`${res[1]} ${res[2]}`) ?? 0) + 1);
          invite2xx = res[1] === '200' && cseq[2] === 'INVITE';
        }
        // SDP offer in the INVITE, answer in its 200; no other bodies
        assert.equal(body !== '', req?.[1] === 'INVITE' || invite2xx, `body of ${first}`);
        if (body) {
          assert.equal(hdr('Content-Type'), 'application/sdp');
          assert.match(body, /^v=0\r\n/);
          const c = /^c=IN IP4 ([\d.]+)\r$/m.exec(body);
          const media = /^m=audio (\d+) RTP\/AVP 0 8 101\r$/m.exec(body);
          assert.ok(c && media, body);
          announced.add(`${c[1]}:${media[1]}`);
        }
      }
      // every RTP stream goes to an address and port an SDP announced
      for (const f of flows) assert.ok(announced.has(f), `RTP to ${f} was never announced`);
      assert.equal(callIds.size, s.calls + s.registrations);
      assert.deepEqual(Object.fromEntries([...starts].sort()), Object.fromEntries(Object.entries({
        INVITE: s.calls,
        ACK: s.calls,
        BYE: s.answered,
        CANCEL: s.cancelled,
        REGISTER: 2 * s.registrations,
        '100 Trying': s.calls,
        '180 Ringing': s.calls,
        '200 OK': 2 * s.answered + s.cancelled + s.registrations, // INVITE and BYE, CANCEL, REGISTER
        '401 Unauthorized': s.registrations,
        '486 Busy Here': s.busy,
        '487 Request Terminated': s.cancelled,
        '603 Decline': s.declined,
      }).sort()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
