/**
 * The encapsulations and transports of net/tunnels.ts, net/hep.ts,
 * net/sctp.ts and sip/websocket.ts without tshark: what each layer hands up,
 * what is counted, and that every layer stays bounded — cut or corrupted
 * frames, nesting, fragments that never complete, oversized messages — with
 * a warning instead of a throw or unbounded memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Datagram, Frame, Warning } from '../../src/model.js';
import { NetDecoder } from '../../src/net/decoder.js';
import { ethernet, gre, hep3, ip, ipv4, sctpData, udp, wsFrame } from '../../src/net/build.js';
import { ETHERTYPE_IPV4, IPPROTO_GRE, IPPROTO_SCTP, IPPROTO_UDP } from '../../src/net/constants.js';
import { TcpSipReassembler, type TcpMessageMeta } from '../../src/sip/tcp-stream.js';
import { parseSip, isSipParseError, type ParsedSip } from '../../src/sip/parser.js';
import { ENCAPSULATIONS, hepFrames, sipText, transportFrames, tunnelFrames, udpIp, type ScriptFrame } from '../helpers/wild-fixtures.js';

interface Out { dgrams: (Omit<Datagram, 'payload' | 'bytes' | 'start' | 'end'> & { payload: string })[]; warnings: Warning[]; dec: NetDecoder }

function decode(frames: (ScriptFrame | Uint8Array)[], opts: ConstructorParameters<typeof NetDecoder>[2] = {}): Out {
  const dgrams: Out['dgrams'] = [];
  const warnings: Warning[] = [];
  const dec = new NetDecoder(({ bytes: _b, start: _s, end: _e, ...d }) => dgrams.push({ ...d, payload: Buffer.from(d.payload).toString('latin1') }), (w) => warnings.push(w), opts);
  frames.forEach((f, i) => {
    const data = f instanceof Uint8Array ? f : f.data;
    const t = f instanceof Uint8Array ? i / 1000 : f.t;
    const frame: Frame = { number: i + 1, tsSec: 1700000000 + Math.floor(t), tsNsec: Math.round((t % 1) * 1e9), linkType: 1, interfaceId: 0, capLen: data.length, origLen: data.length, data };
    dec.decode(frame);
  });
  dec.finish();
  return { dgrams, warnings, dec };
}

const SIP = sipText('OPTIONS sip:b@example.test SIP/2.0', { callId: 'u-1', cseq: '1 OPTIONS' });

test('each encapsulation hands up the inner datagram and is counted by name', () => {
  const names: Record<string, string[]> = {
    'pppoe-ipv4': ['PPPoE'], 'pppoe-ipv6': ['PPPoE'], 'mpls-ipv4': ['MPLS'], 'mpls-ipv6': ['MPLS'], 'gre-ipv4': ['GRE'], 'gre-ipv6-payload': ['GRE'],
    'gre-over-ipv6': ['GRE'], 'gre-bridging': ['GRE'], 'gre-pptp-ppp': ['GRE'], 'erspan-ii': ['ERSPAN II', 'GRE'], 'erspan-iii': ['ERSPAN III', 'GRE'],
    'gtpu-volte-ipv6': ['GTP-U'], vxlan: ['VXLAN'], geneve: ['Geneve'],
  };
  for (const e of ENCAPSULATIONS) {
    const src = e.v6 ? '2001:db8::a' : '10.0.0.1';
    const dst = e.v6 ? '2001:db8::b' : '10.0.0.2';
    const { dgrams, dec } = decode([e.wrap(udpIp({ t: 0, src, sport: 5060, dst, dport: 5062, payload: Buffer.from(SIP) }), 1)]);
    assert.equal(dgrams.length, 1, e.name);
    assert.deepEqual([dgrams[0]!.src, dgrams[0]!.dst, dgrams[0]!.srcPort, dgrams[0]!.dstPort, dgrams[0]!.payload], [src, dst, 5060, 5062, SIP], e.name);
    assert.deepEqual(Object.keys(dec.stats.encapsulations).sort(), names[e.name]!.sort(), e.name);
    assert.deepEqual(dec.stats.undecoded, {}, e.name);
  }
});

test('cut and corrupted frames of every fixture never throw, and nothing is handed up past the bytes there were', () => {
  const all = [...tunnelFrames(), ...transportFrames(), ...hepFrames().hep];
  let seed = 7;
  const rnd = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff; };
  const mutated: Uint8Array[] = [];
  for (const f of all) {
    const cut = 14 + Math.floor(rnd() * Math.max(1, f.data.length - 14));
    mutated.push(f.data.subarray(0, cut));
    const flip = Buffer.from(f.data);
    for (let k = 0; k < 3; k++) flip[14 + Math.floor(rnd() * (flip.length - 14))] = Math.floor(rnd() * 256);
    mutated.push(flip);
  }
  const { dgrams } = decode(mutated);
  for (const d of dgrams) assert.ok(d.payload.length <= 65535 + 1024 * 1024);
});

test('GRE nested beyond the limit, unknown GRE payloads and ESP are counted and said once, not followed', () => {
  let deep: Uint8Array = udpIp({ t: 0, src: '10.0.0.1', sport: 5060, dst: '10.0.0.2', dport: 5060, payload: Buffer.from(SIP) });
  for (let i = 0; i < 12; i++) deep = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IPPROTO_GRE, payload: gre({ protocol: ETHERTYPE_IPV4 }, deep) });
  const odd = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: IPPROTO_GRE, payload: gre({ protocol: 0x880c }, Buffer.alloc(40)) });
  const esp = ipv4({ src: '192.0.2.1', dst: '192.0.2.2', proto: 50, payload: Buffer.alloc(40) });
  const { dgrams, warnings, dec } = decode([ethernet(ETHERTYPE_IPV4, deep), ethernet(ETHERTYPE_IPV4, odd), ethernet(ETHERTYPE_IPV4, odd), ethernet(ETHERTYPE_IPV4, esp), ethernet(0x88b5, Buffer.alloc(50))]);
  assert.equal(dgrams.length, 0);
  assert.deepEqual(dec.stats.undecoded, { 'tunnels nested deeper than 8': 1, 'GRE payload 0x880c': 2, 'IP protocol 50 (ESP, encrypted)': 1, 'EtherType 0x88b5': 1 });
  assert.deepEqual(warnings.filter((w) => w.code === 'not-decoded').map((w) => w.message).sort(), [
    '1 frame of EtherType 0x88b5 not decoded', '1 frame of IP protocol 50 (ESP, encrypted) not decoded', '1 frame of tunnels nested deeper than 8 not decoded',
    '2 frames of GRE payload 0x880c not decoded']);
});

test('SCTP: chunks bundled in one packet, fragments in any order, duplicates dropped; limits and incomplete messages warned', () => {
  const pkt = (chunks: Parameters<typeof sctpData>[2]) => ethernet(ETHERTYPE_IPV4, ip('10.0.0.1', '10.0.0.2', IPPROTO_SCTP, sctpData(5060, 5060, chunks)));
  const m = Buffer.from(SIP);
  const r = decode([
    pkt([{ tsn: 1, data: m }, { tsn: 2, stream: 3, data: Buffer.from(SIP.replace('u-1', 'u-2')) }]),
    // Unordered fragments arriving last-first, with a duplicate.
    pkt([{ tsn: 12, unordered: true, first: false, last: true, data: m.subarray(100) }]),
    pkt([{ tsn: 11, unordered: true, first: false, last: false, data: m.subarray(50, 100) }]),
    pkt([{ tsn: 12, unordered: true, first: false, last: true, data: m.subarray(100) }]),
    pkt([{ tsn: 10, unordered: true, first: true, last: false, data: m.subarray(0, 50) }]),
    // An ordered message that never completes.
    pkt([{ tsn: 20, stream: 1, ssn: 5, first: true, last: false, data: m.subarray(0, 10) }]),
  ]);
  assert.deepEqual(r.dgrams.map((d) => [d.transport, d.frame, d.payload.slice(0, 7), d.carriers ?? null]), [
    ['SCTP', 1, 'OPTIONS', null], ['SCTP', 1, 'OPTIONS', null], ['SCTP', 5, 'OPTIONS', [2, 3, 5]]]);
  assert.equal(r.dgrams[2]!.payload, SIP);
  assert.equal(r.dec.stats.sctpReassembled, 1);
  assert.deepEqual(r.warnings.map((w) => w.code), ['sctp-incomplete']);
  // Too many fragments for one message: dropped with one warning.
  const many = Array.from({ length: 10 }, (_, i) => pkt([{ tsn: 100 + i, first: i === 0, last: false, ssn: 9, data: m.subarray(0, 5) }]));
  const lim = decode(many, { sctpLimits: { maxFragments: 4 } });
  assert.equal(lim.dgrams.length, 0);
  assert.ok(lim.warnings.some((w) => w.code === 'sctp-reassembly-limit'));
});

test('HEP: a chunk running past the packet is malformed, a compressed payload or another payload type is counted, not decoded', () => {
  const h = hep3({ src: '10.1.1.1', dst: '10.1.1.2', srcPort: 5060, dstPort: 5060, payload: Buffer.from(SIP) });
  const bad = Buffer.from(h);
  bad.writeUInt16BE(0xfff0, 6 + 4); // first chunk's length
  const other = hep3({ src: '10.1.1.1', dst: '10.1.1.2', srcPort: 5060, dstPort: 5060, type: 100, payload: Buffer.from('{"x":1}') });
  const frame = (p: Uint8Array) => ethernet(ETHERTYPE_IPV4, ip('192.0.2.9', '192.0.2.10', IPPROTO_UDP, udp(40000, 9060, p)));
  const r = decode([frame(h), frame(bad), frame(other)]);
  assert.deepEqual(r.dgrams.map((d) => [d.src, d.dst, d.transport, d.payload === SIP]), [['10.1.1.1', '10.1.1.2', 'UDP', true]]);
  assert.equal(r.dec.stats.malformed, 1);
  assert.deepEqual(r.dec.stats.undecoded, { 'HEP payload type 100': 1 });
  assert.equal(r.dec.stats.encapsulations['HEP'], 2);
});

test('WebSocket: frames split byte by byte, control frames between fragments, an oversized message skipped with a warning', () => {
  const msgs: { text: string; transport: string | undefined }[] = [];
  const warnings: Warning[] = [];
  const r = new TcpSipReassembler({ onMessage: (b, _m: TcpMessageMeta, t) => msgs.push({ text: Buffer.from(b).toString('latin1'), transport: t }), onWarning: (w) => warnings.push(w) }, { maxMessageBytes: 4096 });
  const up = Buffer.from('GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Protocol: sip\r\n\r\n');
  const mask = Uint8Array.of(1, 2, 3, 4);
  const big = Buffer.from(sipText('MESSAGE sip:b@x SIP/2.0', { callId: 'big', cseq: '1 MESSAGE' }) + 'z'.repeat(5000));
  const stream = Buffer.concat([up, wsFrame(Buffer.from(SIP), { mask }), wsFrame(big, { mask }),
    wsFrame(Buffer.from(SIP).subarray(0, 30), { fin: false, mask }), wsFrame(Buffer.alloc(0), { opcode: 10, mask }), wsFrame(Buffer.from(SIP).subarray(30), { opcode: 0, mask })]);
  r.push('c>s', 100, 2, new Uint8Array(0), 1);
  let seq = 101;
  stream.forEach((byte, i) => r.push('c>s', seq++, 16, Uint8Array.of(byte), i + 2));
  r.finish();
  assert.deepEqual(msgs, [{ text: SIP, transport: 'WS' }, { text: SIP, transport: 'WS' }]);
  assert.deepEqual(warnings.map((w) => w.code), ['tcp-sip-oversize']);
  assert.equal(r.stats.webSocketUpgrades, 1);
});

test('parser: a bare CR ends a line (Wireshark), header lines of 32 KiB and bodies over 64 KiB parse; trailing whitespace is trimmed', () => {
  const ok = (t: string, stream = false): ParsedSip => { const p = parseSip(Buffer.from(t, 'latin1'), 0, undefined, stream); assert.ok(!isSipParseError(p), JSON.stringify(p)); return p as ParsedSip; };
  const a = ok('OPTIONS sip:b@x SIP/2.0\r\nCall-ID: x1 \t\r\nCSeq: 1 OPTIONS\rMax-Forwards: 70\r\n\r\n');
  assert.deepEqual([a.callId, a.cseqNum, a.header('Max-Forwards')], ['x1', 1, '70']);
  const b = ok('OPTIONS sip:b@x SIP/2.0\r\nCall-ID: x2\r\r\nCSeq: 1 OPTIONS\r\n\r\n');
  assert.deepEqual([b.callId, b.cseqNum, b.body], ['x2', 0, 'CSeq: 1 OPTIONS\r\n\r\n']);
  const long = ok(`INVITE sip:b@x SIP/2.0\r\nCall-ID: x3\r\nX-Long: ${'L'.repeat(32768)}\r\nContent-Length: 70000\r\n\r\n${'b'.repeat(70000)}`, true);
  assert.deepEqual([long.header('X-Long')!.length, long.body.length], [32768, 70000]);
  const v6 = ok('INVITE sip:4321@[fec0::1] SIP/2.0\r\nFrom: <sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0>;tag=1\r\nTo: sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060\r\nCall-ID: x4\r\n\r\n');
  assert.deepEqual([v6.from!.uri!.plain, v6.from!.uri!.host, v6.to!.uri!.plain, v6.to!.uri!.port], [
    'sip:9876@fe80:0:0:0:21a:a0ff:fe07:32e0', '[fe80:0:0:0:21a:a0ff:fe07:32e0]', 'sip:4321@fec0:0:0:0:216:d3ff:fe0d:22c:5060', 5060]);
});
