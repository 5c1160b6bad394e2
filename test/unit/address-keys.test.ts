/**
 * The hot path's numbers: address keys (net/addr.ts) agree between the
 * decoder and text, the integer-keyed indexes (media/endpoint-index.ts)
 * behave as maps (IPv6 keys verified by text, deletion, growth), the
 * timestamp unwrapper's division-free step equals the remainder rule, the
 * E-model rater equals eModel, and the decoder's reused UDP record carries keys.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ipv4Key, ipv6Key, ipv4ToString, ipv6ToString, V6_KEY_BASE } from '../../src/net/addr.js';
import { ipv4Bytes, ipv6Bytes, udpFrame } from '../../src/net/build.js';
import { addrKey, EndpointIndex, FlowIndex } from '../../src/media/endpoint-index.js';
import { TimestampUnwrapper } from '../../src/media/rtp-stats.js';
import { eModel, eModelRater } from '../../src/media/emodel.js';
import { NetDecoder } from '../../src/net/decoder.js';
import type { Datagram, Frame } from '../../src/model.js';

test('address keys: text and bytes agree; IPv4 exact, IPv6 above 2^32; non-canonical text is no address', () => {
  for (const ip of ['0.0.0.0', '10.0.0.1', '192.168.1.14', '255.255.255.255']) {
    assert.equal(addrKey(ip), ipv4Key(ipv4Bytes(ip), 0), ip);
    assert.ok(addrKey(ip) < V6_KEY_BASE);
  }
  assert.equal(addrKey('10.0.0.1'), 0x0a000001);
  for (const ip of ['2001:db8::1', '::1', '::', 'fe80::21a:a0ff:fe07:32e0', '::ffff:10.0.0.1', '2001:db8:0:1:2:3:4:5']) {
    const b = ipv6Bytes(ip);
    assert.equal(addrKey(ip), ipv6Key(b, 0), ip);
    assert.ok(addrKey(ip) >= V6_KEY_BASE && Number.isSafeInteger(addrKey(ip)), ip);
    assert.equal(addrKey(ipv6ToString(b, 0)), addrKey(ip), 'canonical text, same key');
  }
  assert.notEqual(addrKey('2001:db8::1'), addrKey('2001:db8::2'));
  // Spellings the decoder never prints: no key, so no datagram can match them (as with text before).
  for (const t of ['010.0.0.1', '256.1.1.1', 'pbx.example.com', '', 'zz::1']) assert.equal(addrKey(t), -1, t);
});

test('EndpointIndex: set/get/delete on keys, IPv6 and host names checked by text, growth keeps every entry', () => {
  const ix = new EndpointIndex<number>();
  ix.set('10.0.0.1', 4000, 1);
  ix.set('2001:db8::1', 4000, 2);
  ix.set('pbx.example.com', 4000, 3);
  ix.set('other.example.com', 4000, 4); // same key (-1) and port: told apart by text
  assert.equal(ix.get('10.0.0.1', 4000), 1);
  assert.equal(ix.getKeyed(0x0a000001, '10.0.0.1', 4000), 1);
  assert.equal(ix.get('10.0.0.1', 4001), undefined);
  assert.equal(ix.get('2001:db8::1', 4000), 2);
  assert.equal(ix.get('pbx.example.com', 4000), 3);
  assert.equal(ix.get('other.example.com', 4000), 4);
  // A forged IPv6 key collision: same key, different text, different entries.
  const k = addrKey('2001:db8::1');
  ix.setKeyed(k, 'forged', 4000, 5);
  assert.equal(ix.getKeyed(k, '2001:db8::1', 4000), 2);
  assert.equal(ix.getKeyed(k, 'forged', 4000), 5);
  assert.equal(ix.size, 5);
  ix.set('10.0.0.1', 4000, 10);
  assert.equal(ix.size, 5, 'replacing keeps the count');
  ix.delete('10.0.0.1', 4000);
  ix.delete('10.0.0.1', 4000);
  assert.equal(ix.size, 4);
  assert.equal(ix.get('10.0.0.1', 4000), undefined);
  // Many entries, deletions between them (tombstones), re-adds: a Map is the oracle.
  const oracle = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const ip = `10.${(i >> 8) & 255}.${i & 255}.${i % 7}`;
    const port = 10000 + (i % 97) * 2;
    ix.set(ip, port, i);
    oracle.set(`${ip} ${port}`, i);
    if (i % 3 === 0) {
      const j = Math.floor(i / 2);
      const ipj = `10.${(j >> 8) & 255}.${j & 255}.${j % 7}`;
      const portj = 10000 + (j % 97) * 2;
      ix.delete(ipj, portj);
      oracle.delete(`${ipj} ${portj}`);
    }
  }
  for (const [key, v] of oracle) {
    const [ip, port] = key.split(' ');
    assert.equal(ix.get(ip!, Number(port)), v, key);
  }
  assert.equal(ix.size, oracle.size + 4, "the four entries from before stay");
});

test('FlowIndex: one direction of a flow, keyed; forEach visits each value once', () => {
  const ix = new FlowIndex<string>();
  const a = '10.0.0.1', b = '10.0.0.2', v6 = '2001:db8::7';
  ix.set(a, 4000, b, 5000, 'ab');
  ix.set(b, 5000, a, 4000, 'ba');
  ix.set(v6, 4000, b, 5000, 'v6b');
  assert.equal(ix.get(a, 4000, b, 5000), 'ab');
  assert.equal(ix.get(b, 5000, a, 4000), 'ba');
  assert.equal(ix.get(a, 5000, b, 4000), undefined, 'ports swapped is another flow');
  assert.equal(ix.getKeyed(addrKey(v6), v6, 4000, addrKey(b), b, 5000), 'v6b');
  assert.equal(ix.getKeyed(addrKey(v6), 'forged', 4000, addrKey(b), b, 5000), undefined, 'an IPv6 key alone does not decide');
  const oracle = new Map<string, string>([[`${a}|4000|${b}|5000`, 'ab'], [`${b}|5000|${a}|4000`, 'ba'], [`${v6}|4000|${b}|5000`, 'v6b']]);
  for (let i = 0; i < 3000; i++) {
    const src = `192.168.${i & 15}.${(i >> 4) & 255}`;
    const k = `${src}|${20000 + i}|${b}|${65535 - (i & 1023)}`;
    ix.set(src, 20000 + i, b, 65535 - (i & 1023), k);
    oracle.set(k, k);
    if (i % 4 === 1) { ix.delete(src, 20000 + i, b, 65535 - (i & 1023)); oracle.delete(k); }
  }
  for (const [k, v] of oracle) {
    const [s, sp, d, dp] = k.split('|');
    assert.equal(ix.get(s!, Number(sp), d!, Number(dp)), v, k);
  }
  const seen: string[] = [];
  ix.forEach((v) => seen.push(v));
  assert.equal(seen.length, oracle.size);
  assert.deepEqual(new Set(seen), new Set(oracle.values()));
  assert.equal(ix.size, oracle.size);
});

/** The unwrapper as it was written before (remainder of the extended value), the oracle. */
function unwrapOld(): (ts: number) => number {
  let last: number | null = null;
  return (ts) => {
    if (last === null) { last = ts + 0x100000000; return last; }
    const low = last % 0x100000000;
    let diff = ts - low;
    if (diff > 0x7fffffff) diff -= 0x100000000;
    else if (diff < -0x80000000) diff += 0x100000000;
    last += diff;
    return last;
  };
}

test('TimestampUnwrapper: the signed 32-bit step equals the remainder rule (wraps, jumps, backwards, below zero)', () => {
  let seed = 7;
  const rnd = () => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return seed; };
  const cases: number[][] = [
    [0xfffffe00, 0xffffff00, 0x00000060, 0x00000160], // wrap forwards
    [0x100, 0xfffffff0, 0x50], // back across zero, then on
    [0x7fffffff, 0, 0x80000000, 0, 0x80000001, 0xffffffff], // steps of exactly 2^31
  ];
  // Long walks: random steps, some of them huge, many backwards (driving the value below zero).
  for (let w = 0; w < 20; w++) {
    const seq: number[] = [];
    let ts = rnd();
    for (let i = 0; i < 2000; i++) {
      const r = rnd();
      const step = r % 5 === 0 ? -(rnd() & 0x7fffffff) : r % 7 === 0 ? rnd() : (r & 0xfff);
      ts = (((ts + step) % 0x100000000) + 0x100000000) % 0x100000000;
      seq.push(ts);
    }
    cases.push(seq);
  }
  let belowZero = false;
  for (const seq of cases) {
    const now = new TimestampUnwrapper();
    const old = unwrapOld();
    for (const ts of seq) {
      const want = old(ts);
      if (want < 0) belowZero = true;
      assert.equal(now.next(ts), want);
    }
  }
  assert.ok(belowZero, 'some walk went below zero');
});

test('eModelRater gives the numbers eModel gives, to the last bit', () => {
  for (const T of [0, 45, 150, 400]) {
    const base = { Ie: 11, Bpl: 19, T, Ta: T, Tr: 2 * T };
    const rate = eModelRater(base);
    for (const [Ppl, BurstR] of [[0, 1], [1, 1], [2.5, 1.7], [40, 3], [100, 20]] as const) {
      assert.deepEqual(rate(Ppl, BurstR), eModel({ ...base, Ppl, BurstR }));
    }
  }
  assert.deepEqual(eModelRater()(0, 1), eModel());
});

test('decoder: a plain UDP datagram comes in one reused record, with address keys; IPv6 gets keys too', () => {
  const frames: Buffer[] = [
    udpFrame({ src: '10.0.0.1', dst: '10.0.0.2', sport: 4000, dport: 5000, payload: Buffer.from('one') }),
    udpFrame({ src: '10.0.0.3', dst: '10.0.0.1', sport: 4002, dport: 5002, payload: Buffer.from('two') }),
    udpFrame({ src: '2001:db8::1', dst: '2001:db8::2', sport: 4000, dport: 5000, payload: Buffer.from('six') }),
  ];
  const seen: Datagram[] = [];
  const copies: Datagram[] = [];
  const dec = new NetDecoder((d) => { seen.push(d); copies.push({ ...d }); }, () => {});
  frames.forEach((data, i) => {
    const f: Frame = { number: i + 1, tsSec: 1, tsNsec: 0, linkType: 1, interfaceId: 0, capLen: data.length, origLen: data.length, data } as Frame;
    dec.decode(f);
  });
  assert.equal(seen.length, 3);
  assert.equal(seen[0], seen[1], 'one record for every UDP datagram');
  assert.deepEqual(copies.map((d) => [d.src, d.srcKey, d.dst, d.dstKey, d.srcPort, d.frame]), [
    ['10.0.0.1', 0x0a000001, '10.0.0.2', 0x0a000002, 4000, 1],
    ['10.0.0.3', 0x0a000003, '10.0.0.1', 0x0a000001, 4002, 2],
    ['2001:db8::1', addrKey('2001:db8::1'), '2001:db8::2', addrKey('2001:db8::2'), 4000, 3],
  ]);
  assert.equal(Buffer.from(copies[1]!.payload).toString(), 'two');
  // The cached dotted quads are the text ipv4ToString writes.
  assert.equal(copies[1]!.dst, ipv4ToString(ipv4Bytes('10.0.0.1'), 0));
});
