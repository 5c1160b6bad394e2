/**
 * Link types and the network layer, built byte by byte, written as pcapng,
 * read back through CaptureParser (in random chunks) and NetDecoder:
 * Ethernet/VLAN/QinQ, NULL/LOOP in both byte orders, RAW, SLL, SLL2,
 * unsupported link types, IPv4 options, IPv6 extension headers, tunnels,
 * UDP trimming, TCP fields, and IPv4/IPv6 fragment reassembly with its limits.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CaptureParser } from '../../src/capture/parser.js';
import { MemorySink, PcapngWriter } from '../../src/capture/writer.js';
import { NetDecoder } from '../../src/net/decoder.js';
import type { ReassemblyLimits } from '../../src/net/reassembly.js';
import {
  ETHERTYPE_IPV4, ETHERTYPE_IPV6, IPPROTO_IPIP, IPPROTO_IPV6, IPPROTO_TCP, IPPROTO_UDP,
  ethernet, fragmentIpv4, fragmentIpv6, ipv4, ipv6, nullLoopback, sll, sll2, tcp, udp, udpFrames,
} from '../../src/net/build.js';
import type { Datagram, NetStats, Warning } from '../../src/model.js';

// ------------------------------------------------------------------ helpers

interface Pkt { linkType: number; data: Uint8Array; t?: number }
interface DRec extends Omit<Datagram, 'payload'> { payload: string }
interface Decoded { dgrams: DRec[]; warnings: Warning[]; stats: NetStats; frames: number }

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

/** Write the packets as pcapng (one interface per link type), read them back, decode. */
function run(pkts: Pkt[], limits: Partial<ReassemblyLimits> = {}, seed = 1): Decoded {
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { littleEndian: seed % 2 === 1 });
  const ifs = new Map<number, number>();
  pkts.forEach((p, i) => {
    let id = ifs.get(p.linkType);
    if (id === undefined) { id = w.addInterface({ linkType: p.linkType, tsUnitsPerSecond: 1e9 }); ifs.set(p.linkType, id); }
    const t = p.t ?? 1000 + i * 0.01;
    const sec = Math.floor(t);
    w.writePacket(id, sec, Math.round((t - sec) * 1e9), p.data);
  });
  const bytes = sink.toBytes();
  const once = (chunks: Uint8Array[]): Decoded => {
    const dgrams: DRec[] = [];
    const warnings: Warning[] = [];
    const dec = new NetDecoder((d) => dgrams.push({ ...d, payload: Buffer.from(d.payload).toString('hex') }), (w) => warnings.push(w), { limits });
    let frames = 0;
    const p = new CaptureParser('mem', { onFrame: (f) => { frames++; dec.decode(f); }, onWarning: (w) => warnings.push(w) });
    for (const c of chunks) p.push(Uint8Array.from(c));
    p.end();
    dec.finish();
    return { dgrams, warnings, stats: structuredClone(dec.stats), frames };
  };
  const whole = once([bytes]);
  const r = mulberry32(seed);
  const chunks: Uint8Array[] = [];
  for (let o = 0; o < bytes.length;) { const n = 1 + Math.floor(r() * 300); chunks.push(bytes.subarray(o, o + n)); o += n; }
  assert.deepEqual(once(chunks), whole, 'chunked reading decodes the same');
  return whole;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const text = (s: string) => Buffer.from(s);
const sipish = (i: number, n = 40) => Buffer.from(`OPTIONS sip:x SIP/2.0 #${i} `.padEnd(n, 'x'));

const v4udp = (payload: Uint8Array, src = '10.0.0.1', dst = '10.0.0.2', sport = 5060, dport = 5062) =>
  ipv4({ src, dst, proto: IPPROTO_UDP, payload: udp(sport, dport, payload) });
const v6udp = (payload: Uint8Array, src = '2001:db8::1', dst = '2001:db8::2', sport = 5060, dport = 5062) =>
  ipv6({ src, dst, nextHeader: IPPROTO_UDP, payload: udp(sport, dport, payload) });

function one(d: Decoded): DRec {
  assert.equal(d.dgrams.length, 1, `one datagram expected, got ${d.dgrams.length}; warnings ${JSON.stringify(d.warnings)}`);
  return d.dgrams[0]!;
}

// ------------------------------------------------------------------ link types

test('Ethernet: plain, 802.1Q, QinQ (802.1ad + 802.1Q), old QinQ 0x9100', () => {
  const p4 = v4udp(text('hello v4'));
  const p6 = v6udp(text('hello v6'));
  const d = run([
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, p4) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, p4, { vlans: [{ tpid: 0x8100, vid: 100 }] }) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV6, p6, { vlans: [{ tpid: 0x88a8, vid: 10 }, { tpid: 0x8100, vid: 20 }] }) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, p4, { vlans: [{ tpid: 0x9100, vid: 1 }, { tpid: 0x8100, vid: 2 }] }) },
    { linkType: 1, data: ethernet(0x0806, Buffer.alloc(28)) }, // ARP
    { linkType: 1, data: Buffer.alloc(10) }, // shorter than an Ethernet header
  ]);
  assert.deepEqual(d.dgrams.map((x) => [x.frame, x.ipVersion, x.src, x.dst, x.srcPort, x.dstPort, x.transport, Buffer.from(x.payload, 'hex').toString()]), [
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
  const pkts: Pkt[] = [
    { linkType: 0, data: nullLoopback(2, p4, true) },
    { linkType: 0, data: nullLoopback(2, p4, false) },
    ...[10, 23, 24, 28, 30].flatMap((af) => [{ linkType: 0, data: nullLoopback(af, p6, true) }, { linkType: 0, data: nullLoopback(af, p6, false) }]),
    { linkType: 108, data: nullLoopback(2, p4, false) }, // LOOP: network order
    { linkType: 108, data: nullLoopback(2, p4, true) },
    { linkType: 108, data: nullLoopback(24, p6, false) },
    { linkType: 0, data: nullLoopback(7, p4, true) }, // unknown family
    { linkType: 0, data: Buffer.from([2, 0]) }, // too short
  ];
  const d = run(pkts);
  assert.equal(d.dgrams.length, 15);
  assert.deepEqual(d.dgrams.map((x) => Buffer.from(x.payload, 'hex').toString()),
    ['n4', 'n4', ...Array(10).fill('n6'), 'n4', 'n4', 'n6']);
  assert.deepEqual(d.dgrams.map((x) => x.frame), Array.from({ length: 15 }, (_, i) => i + 1));
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
  ]);
  assert.deepEqual(d.dgrams.map((x) => [x.ipVersion, Buffer.from(x.payload, 'hex').toString()]),
    [[4, 'raw4'], [6, 'raw6'], [4, 'raw4'], [6, 'raw6'], [4, 'raw4'], [6, 'raw6']]);
  assert.equal(d.stats.notIp, 1);
});

test('Linux cooked captures SLL and SLL2', () => {
  const d = run([
    { linkType: 113, data: sll(ETHERTYPE_IPV4, v4udp(text('sll4'))) },
    { linkType: 113, data: sll(ETHERTYPE_IPV6, v6udp(text('sll6'))) },
    { linkType: 276, data: sll2(ETHERTYPE_IPV4, v4udp(text('sll2-4'))) },
    { linkType: 276, data: sll2(ETHERTYPE_IPV6, v6udp(text('sll2-6'))) },
    { linkType: 113, data: sll(0x0806, Buffer.alloc(28)) },
    { linkType: 276, data: Buffer.alloc(12) },
  ]);
  assert.deepEqual(d.dgrams.map((x) => Buffer.from(x.payload, 'hex').toString()), ['sll4', 'sll6', 'sll2-4', 'sll2-6']);
  assert.equal(d.stats.notIp, 1);
  assert.equal(d.stats.malformed, 1);
});

test('unsupported link types are counted by name, not fatal', () => {
  const d = run([
    { linkType: 105, data: Buffer.alloc(40) },
    { linkType: 147, data: Buffer.alloc(40) },
    { linkType: 105, data: Buffer.alloc(40) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, v4udp(text('ok'))) },
  ]);
  assert.deepEqual(d.stats.unsupportedLinkTypes, { 'IEEE 802.11 Wireless LAN': 2, 'link type 147': 1 });
  assert.equal(one(d).frame, 4);
});

// ------------------------------------------------------------------ IP, UDP, TCP

test('IPv4 options are skipped; ipLength is the whole IP packet', () => {
  const options = Uint8Array.of(0x94, 0x04, 0, 0, 0x01, 0x01, 0x07, 0x07, 4, 0, 0); // router alert, NOPs, record route (padded)
  const ip = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IPPROTO_UDP, payload: udp(1, 2, text('with options')), options });
  assert.equal(ip[0]! & 0x0f, 8);
  const x = one(run([{ linkType: 101, data: ip }]));
  assert.equal(Buffer.from(x.payload, 'hex').toString(), 'with options');
  assert.equal(x.ipLength, ip.length);
  const bad = Buffer.from(ip); bad[0] = 0x44; // IHL 16 bytes: impossible
  const d = run([{ linkType: 101, data: bad }]);
  assert.equal(d.dgrams.length, 0);
  assert.equal(d.stats.malformed, 1);
});

test('IPv6 extension headers: hop-by-hop, routing, destination options, AH, atomic fragment', () => {
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
    ipv6({ src: '2001:db8::a', dst: '2001:db8::b', nextHeader: IPPROTO_UDP, payload: u, extHeaders: [{ type: 44, data: Buffer.from([0, 0, 0, 0, 0, 9]) }] }),
  ];
  const d = run(pkts.map((data) => ({ linkType: 101, data })));
  assert.deepEqual(d.dgrams.map((x) => [x.src, x.dst, Buffer.from(x.payload, 'hex').toString(), x.ipLength, x.reassembled]), [
    ['fe80::1', 'ff02::1', 'behind extensions', pkts[0]!.length, false],
    ['2001:db8::a', '2001:db8::b', 'behind extensions', pkts[1]!.length, false],
    ['2001:db8::a', '2001:db8::b', 'behind extensions', pkts[2]!.length, false],
  ]);
  assert.equal(d.stats.fragments, 0);
  // An extension header running past the packet is malformed, not a crash.
  const cut = Buffer.from(pkts[0]!);
  cut[41] = 200; // hop-by-hop length far beyond the end
  const m = run([{ linkType: 101, data: cut }]);
  assert.equal(m.dgrams.length, 0);
  assert.equal(m.stats.malformed, 1);
});

test('tunnels: IP-in-IP, IPv6-in-IPv4, IPv4-in-IPv6; the innermost header is reported', () => {
  const inner4 = v4udp(text('inner v4'), '172.16.0.1', '172.16.0.2');
  const inner6 = v6udp(text('inner v6'), '2001:db8:1::1', '2001:db8:1::2');
  const d = run([
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: IPPROTO_IPIP, payload: inner4 })) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '198.51.100.1', dst: '198.51.100.2', proto: IPPROTO_IPV6, payload: inner6 })) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV6, ipv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IPPROTO_IPIP, payload: inner4 })) },
  ]);
  assert.deepEqual(d.dgrams.map((x) => [x.ipVersion, x.src, x.dst, Buffer.from(x.payload, 'hex').toString(), x.ipLength]), [
    [4, '172.16.0.1', '172.16.0.2', 'inner v4', inner4.length],
    [6, '2001:db8:1::1', '2001:db8:1::2', 'inner v6', inner6.length],
    [4, '172.16.0.1', '172.16.0.2', 'inner v4', inner4.length],
  ]);
  assert.equal(d.stats.tunnels, 3);
  // Nesting is bounded: a tunnel 10 deep is malformed, not a stack overflow.
  let pkt: Uint8Array = inner4;
  for (let i = 0; i < 10; i++) pkt = ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_IPIP, payload: pkt });
  const deep = run([{ linkType: 101, data: pkt }]);
  assert.equal(deep.dgrams.length, 0);
  assert.equal(deep.stats.malformed, 1);
});

test('UDP length trims the payload; Ethernet padding and captured trailers are ignored', () => {
  // UDP length says 8 + 5 while the IP payload carries 12 bytes after the header.
  const u = udp(1000, 2000, text('hello, world'));
  u.writeUInt16BE(8 + 5, 4);
  const a = one(run([{ linkType: 101, data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: u }) }]));
  assert.equal(Buffer.from(a.payload, 'hex').toString(), 'hello');
  // A UDP length larger than the packet is ignored: the IP payload bounds it.
  const v = udp(1000, 2000, text('abc')); v.writeUInt16BE(500, 4);
  assert.equal(Buffer.from(one(run([{ linkType: 101, data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: v }) }])).payload, 'hex').toString(), 'abc');
  // Short frame padded to 60 bytes with non-zero garbage; IPv4 and IPv6.
  const pad = (f: Buffer) => Buffer.concat([f, Buffer.alloc(Math.max(0, 60 - f.length), 0xee), Buffer.from([0xde, 0xad, 0xbe, 0xef])]);
  const d = run([
    { linkType: 1, data: pad(ethernet(ETHERTYPE_IPV4, v4udp(text('x')))) },
    { linkType: 1, data: pad(ethernet(ETHERTYPE_IPV6, v6udp(text('y')))) },
  ]);
  assert.deepEqual(d.dgrams.map((x) => [x.payload, x.ipLength]), [[hex(text('x')), 29], [hex(text('y')), 49]]);
  // UDP header cut short.
  const m = run([{ linkType: 101, data: ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_UDP, payload: Buffer.alloc(5) }) }]);
  assert.equal(m.dgrams.length, 0);
  assert.equal(m.stats.malformed, 1);
});

test('TCP: sequence, acknowledgement and flags handed up with the payload (options skipped)', () => {
  const seg = tcp({ srcPort: 5060, dstPort: 40000, seq: 0xfffffff0, ack: 0x80000001, flags: 0x18, payload: text('INVITE sip:x SIP/2.0\r\n') });
  // Same segment with 12 bytes of TCP options (data offset 8).
  const plain = tcp({ srcPort: 5061, dstPort: 40001, seq: 7, ack: 9, flags: 0x11, payload: text('tail') });
  const withOpts = Buffer.concat([plain.subarray(0, 20), Buffer.from([1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2]), plain.subarray(20)]);
  withOpts[12] = 8 << 4;
  const d = run([
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, payload: seg })) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV6, ipv6({ src: '::1', dst: '::2', nextHeader: IPPROTO_TCP, payload: withOpts })) },
    { linkType: 1, data: ethernet(ETHERTYPE_IPV4, ipv4({ src: '10.0.0.1', dst: '10.0.0.2', proto: IPPROTO_TCP, payload: seg.subarray(0, 15) })) },
  ]);
  assert.deepEqual(d.dgrams.map((x) => [x.transport, x.srcPort, x.dstPort, x.tcp, Buffer.from(x.payload, 'hex').toString()]), [
    ['TCP', 5060, 40000, { seq: 0xfffffff0, ack: 0x80000001, flags: 0x18 }, 'INVITE sip:x SIP/2.0\r\n'],
    ['TCP', 5061, 40001, { seq: 7, ack: 9, flags: 0x11 }, 'tail'],
  ]);
  assert.equal(d.stats.tcp, 2);
  assert.equal(d.stats.malformed, 1);
  assert.equal(d.dgrams[1]!.ipVersion, 6);
});

// ------------------------------------------------------------------ reassembly

const BIG = Buffer.from(Array.from({ length: 3000 }, (_, i) => `${i % 10}`).join('') + 'END');

function v4frags(payload = BIG, id = 0x4242, mtu = 600): Buffer[] {
  return fragmentIpv4({ src: '10.1.0.1', dst: '10.1.0.2', proto: IPPROTO_UDP, id, payload: udp(5060, 5060, payload) }, mtu)
    .map((ip) => ethernet(ETHERTYPE_IPV4, ip));
}
function v6frags(payload = BIG, id = 0x77, mtu = 600): Buffer[] {
  return fragmentIpv6({ src: '2001:db8::10', dst: '2001:db8::20', nextHeader: IPPROTO_UDP, payload: udp(5060, 5060, payload) }, mtu, id)
    .map((ip) => ethernet(ETHERTYPE_IPV6, ip));
}

for (const [name, make] of [['IPv4', v4frags], ['IPv6', v6frags]] as const) {
  test(`${name} reassembly: in order, out of order, with duplicates; frame of the completing fragment`, () => {
    const fr = make();
    assert.ok(fr.length >= 5);
    const eth = (b: Uint8Array): Pkt => ({ linkType: 1, data: b });
    const other = eth(ethernet(name === 'IPv4' ? ETHERTYPE_IPV4 : ETHERTYPE_IPV6, name === 'IPv4' ? v4udp(text('between')) : v6udp(text('between'))));
    const orders: [string, Pkt[], number][] = [
      ['in order', fr.map(eth), fr.length],
      ['reversed', [...fr].reverse().map(eth), fr.length],
      ['shuffled with an unrelated datagram', [fr[2]!, fr[0]!, other.data, fr[4]!, fr[1]!, ...fr.slice(5), fr[3]!].map(eth), fr.length + 1],
      ['duplicates', [fr[0]!, fr[0]!, fr[1]!, fr[3]!, fr[1]!, ...fr.slice(2)].map(eth), fr.length + 3],
    ];
    for (const [label, pkts, completing] of orders) {
      for (const seed of [1, 2]) {
        const d = run(pkts, {}, seed);
        const whole = d.dgrams.filter((x) => x.reassembled);
        assert.equal(whole.length, 1, label);
        const x = whole[0]!;
        assert.equal(Buffer.from(x.payload, 'hex').toString(), BIG.toString(), label);
        assert.equal(x.frame, completing, `${label}: frame of the completing fragment`);
        assert.equal(x.srcPort, 5060);
        assert.equal(x.ipLength, (name === 'IPv4' ? 20 : 40) + 8 + BIG.length);
        assert.deepEqual(d.warnings, [], label);
        assert.equal(d.stats.reassembled, 1);
        assert.equal(d.stats.fragments, pkts.length - (label.includes('unrelated') ? 1 : 0));
        if (label.includes('unrelated')) assert.equal(d.dgrams.find((y) => !y.reassembled)!.frame, 3);
      }
    }
  });
}

test('IPv4 reassembly: overlaps resolve deterministically (lowest offset first, first arrival wins)', () => {
  // 40-byte UDP datagram: 8-byte header + 32 bytes. Fragments (byte ranges of the IP payload):
  //   A [0,16)  = header + 'a'*8   (more)
  //   X [8,16)  = 'x'*8            (more)  overlaps A entirely: A starts lower, A wins
  //   B [8,24)  = 'b'*16           (more)  overlaps A: fills only [16,24)
  //   Y [16,24) = 'y'*8            (more)  same bytes as B's tail: B starts lower, B wins
  //   C [24,40) = 'c'*16           (last)
  // The datagram completes as soon as [0,40) is covered; the pieces present then decide.
  const hdr = udp(7000, 7001, Buffer.alloc(32)).subarray(0, 8);
  const frag = (off: number, body: Uint8Array, more: boolean) => ({
    linkType: 101, data: ipv4({ src: '10.2.0.1', dst: '10.2.0.2', proto: IPPROTO_UDP, id: 9, fragOffset: off, more, payload: body }),
  });
  const A = frag(0, Buffer.concat([hdr, Buffer.alloc(8, 'a')]), true);
  const X = frag(8, Buffer.alloc(8, 'x'), true);
  const B = frag(8, Buffer.alloc(16, 'b'), true);
  const Y = frag(16, Buffer.alloc(8, 'y'), true);
  const C = frag(24, Buffer.alloc(16, 'c'), false);
  const withB = 'a'.repeat(8) + 'b'.repeat(8) + 'c'.repeat(16);
  const withY = 'a'.repeat(8) + 'y'.repeat(8) + 'c'.repeat(16);
  const cases: [Pkt[], string, string, number][] = [
    [[A, X, B, Y, C], 'AXBYC', withB, 5],
    [[C, Y, B, X, A], 'CYBXA', withB, 5],
    [[X, B, Y, C, A], 'XBYCA', withB, 5],
    [[Y, B, X, A, C], 'YBXAC', withB, 5],
    [[B, A, C, Y, X], 'BACYX', withB, 3],
    [[Y, C, X, A, B], 'YCXAB', withY, 4],
  ];
  for (const [order, label, expect, frame] of cases) {
    for (const seed of [1, 2]) {
      const d = run(order, {}, seed);
      assert.equal(d.dgrams.length, 1, label);
      assert.equal(Buffer.from(d.dgrams[0]!.payload, 'hex').toString(), expect, label);
      assert.equal(d.dgrams[0]!.frame, frame, label);
    }
  }
  // Same offset, different lengths: arrival order decides.
  const P = frag(8, Buffer.alloc(8, 'p'), true);
  const Q = frag(8, Buffer.alloc(24, 'q'), true);
  const H = frag(0, hdr, true);
  const L = frag(32, Buffer.alloc(8, 'l'), false);
  assert.equal(Buffer.from(run([H, P, Q, L]).dgrams[0]!.payload, 'hex').toString(), 'p'.repeat(8) + 'q'.repeat(16) + 'l'.repeat(8));
  assert.equal(Buffer.from(run([H, Q, P, L]).dgrams[0]!.payload, 'hex').toString(), 'q'.repeat(24) + 'l'.repeat(8));
  // A stray fragment beyond the datagram's end does not block completion.
  const S = frag(64, Buffer.alloc(8, 's'), true);
  const withStray = run([H, S, Q, L]);
  assert.equal(withStray.dgrams.length, 1);
  assert.equal(Buffer.from(withStray.dgrams[0]!.payload, 'hex').toString(), 'q'.repeat(24) + 'l'.repeat(8));
});

test('IPv6 reassembly of a datagram that carries a tunnelled IPv4 packet', () => {
  const inner = v4udp(BIG.subarray(0, 1500), '192.168.1.1', '192.168.1.2');
  const frs = fragmentIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: IPPROTO_IPIP, payload: inner }, 500, 5);
  const d = run(frs.map((f) => ({ linkType: 101, data: f })));
  const x = one(d);
  assert.equal(x.src, '192.168.1.1');
  assert.equal(x.reassembled, true);
  assert.equal(x.frame, frs.length);
  assert.equal(Buffer.from(x.payload, 'hex').toString(), BIG.subarray(0, 1500).toString());
});

test('reassembly limits give warnings, never exceptions', () => {
  const eth = (b: Uint8Array): Pkt => ({ linkType: 1, data: b });
  // Too many fragments for one datagram.
  const many = run(v4frags(BIG, 1, 200).map((f) => eth(f)), { maxFragments: 4 });
  assert.equal(many.dgrams.length, 0);
  assert.ok(many.warnings.some((w) => w.code === 'reassembly-limit' && /more than 4 fragments/.test(w.message)), JSON.stringify(many.warnings));
  // Too large.
  const large = run(v6frags().map(eth), { maxDatagramBytes: 1000 });
  assert.equal(large.dgrams.length, 0);
  assert.ok(large.warnings.some((w) => w.code === 'reassembly-limit' && /1000-byte reassembly limit/.test(w.message)));
  // Too many open: three datagrams begun, room for two; the oldest (a) is dropped, b and c complete.
  const a = v4frags(BIG, 1), b = v4frags(BIG, 2), c = v4frags(BIG, 3);
  const inter: Buffer[] = [a[0]!, b[0]!, c[0]!, ...b.slice(1), ...c.slice(1)];
  const open = run(inter.map(eth), { maxOpen: 2 });
  assert.deepEqual(open.warnings.map((w) => [w.code, w.frame]), [['reassembly-limit', 3]]);
  assert.match(open.warnings[0]!.message, /more than 2 IP datagrams under reassembly; dropped the one begun in frame 1/);
  assert.equal(open.dgrams.length, 2);
  // Age: the rest arrives 10 s of capture time later.
  const fr = v4frags();
  const aged = run(fr.map((f, i) => ({ linkType: 1, data: f, t: i === 0 ? 100 : 110 + i * 0.001 })), { maxAgeS: 5 });
  assert.equal(aged.dgrams.length, 0);
  assert.ok(aged.warnings.some((w) => w.code === 'reassembly-limit' && /still incomplete after 5 s/.test(w.message) && w.frame === 2));
  // Incomplete at the end of the capture: reported once.
  const inc = run(fr.slice(1).map(eth));
  assert.equal(inc.dgrams.length, 0);
  assert.deepEqual(inc.warnings.map((w) => [w.code, w.frame]), [['reassembly-incomplete', 1]]);
});

test('decoding a fragment storm stays bounded: many open datagrams, limited and warned', () => {
  const pkts: Pkt[] = [];
  for (let i = 0; i < 300; i++) pkts.push({ linkType: 1, data: v4frags(BIG, i)[0]! });
  const d = run(pkts, { maxOpen: 50 });
  assert.equal(d.warnings.filter((w) => w.code === 'reassembly-limit').length, 250);
  assert.equal(d.warnings.filter((w) => w.code === 'reassembly-incomplete').length, 50);
});

test('udpFrames builder: fragmented SIP over every link framing decodes to the original', () => {
  for (const link of ['ethernet', 'null', 'raw', 'sll', 'sll2'] as const) {
    for (const [src, dst] of [['10.9.0.1', '10.9.0.2'], ['2001:db8::9', '2001:db8::a']] as const) {
      const payload = sipish(1, 2500);
      const frs = udpFrames({ src, dst, sport: 5060, dport: 5080, payload, link, mtu: 1000, ipId: 77 });
      const lt = { ethernet: 1, null: 0, raw: 101, sll: 113, sll2: 276 }[link];
      const x = one(run(frs.map((f) => ({ linkType: lt, data: f }))));
      assert.equal(x.payload, hex(payload), `${link} ${src}`);
      assert.equal(x.frame, frs.length);
      assert.equal(x.reassembled, true);
    }
  }
});
