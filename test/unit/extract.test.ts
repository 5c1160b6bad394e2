/**
 * sipflow extract and the merged reader on captures built in memory: which
 * frames belong to a call (fragments, TCP segments, media spans closed when a
 * port goes to another call, T.38, RTCP), what the copy keeps of a record
 * (bytes, comments, big-endian sections), mergecap's order, the option checks,
 * the display filter's text and the expansion of folders and patterns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CaptureParser, readCapture } from '../../src/capture/index.js';
import { readMerged } from '../../src/capture/merge.js';
import { probeCapture } from '../../src/capture/probe.js';
import { MemorySink, PcapngWriter, PcapWriter } from '../../src/capture/writer.js';
import { tcpFrame, udpFrame, udpFrames } from '../../src/net/build.js';
import { analyze } from '../../src/analyze.js';
import {
  FilterError, RecordFormatError, extract, indexCalls, parseExtractFilter, selectExtractCalls, wiresharkFilter, writeFrames,
} from '../../src/index.js';
import { frameSet, wiresharkString } from '../../src/extract/wireshark-filter.js';
import { expandInputs, glob } from '../../src/cli/inputs.js';

const tmp = mkdtempSync(join(tmpdir(), 'sipflow-extract-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

const A = '10.0.0.1';
const B = '10.0.0.2';
const C = '10.0.0.3';

function sipText(lines: { start: string; callId: string; cseq: string; body?: string; from?: string }): string {
  const body = lines.body ?? '';
  return [
    lines.start,
    `Via: SIP/2.0/UDP ${A}:5060;branch=z9hG4bK${lines.cseq.replace(/\W/g, '')}${lines.callId.length}`,
    `From: <sip:${lines.from ?? 'alice'}@example.test>;tag=f1`,
    `To: <sip:bob@example.test>${lines.start.startsWith('SIP/2.0') ? ';tag=t1' : ''}`,
    `Call-ID: ${lines.callId}`,
    `CSeq: ${lines.cseq}`,
    ...(body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

function sdp(ip: string, port: number, extra = ''): string {
  return `v=0\r\no=x 1 1 IN IP4 ${ip}\r\ns=-\r\nc=IN IP4 ${ip}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n${extra}`;
}

function rtp(seq: number, ssrc: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0xff);
  b[0] = 0x80; b[1] = 0;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc >>> 0, 8);
  return b;
}

function rtcpRr(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80; b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc, 4);
  return b;
}

/** A capture as a list of frames with times; written as pcapng (one Ethernet interface). */
class Cap {
  frames: { t: number; data: Buffer; comment?: string }[] = [];
  t = 0;
  sip(src: string, dst: string, text: string, opts: { mtu?: number } = {}): this {
    for (const data of udpFrames({ src, dst, sport: 5060, dport: 5060, payload: Buffer.from(text, 'latin1'), mtu: opts.mtu, ipId: this.frames.length + 1 })) {
      this.frames.push({ t: (this.t += 0.01), data });
    }
    return this;
  }
  udp(src: string, sport: number, dst: string, dport: number, payload: Buffer, comment?: string): this {
    this.frames.push({ t: (this.t += 0.02), data: udpFrame({ src, dst, sport, dport, payload }), comment });
    return this;
  }
  write(path: string, opts: { bigEndian?: boolean; base?: number } = {}): string {
    const w = new PcapngWriter(new MemorySink(), { byteOrder: opts.bigEndian ? 'big' : 'little' });
    w.addInterface({ linkType: 1, name: 'eth0', tsUnitsPerSecond: 1e9 });
    const base = opts.base ?? 1_700_000_000;
    for (const f of this.frames) {
      const ns = Math.round(f.t * 1e9);
      w.writePacket(0, base + Math.floor(ns / 1e9), ns % 1e9, f.data, f.data.length, f.comment);
    }
    writeFileSync(path, w.toBytes());
    return path;
  }
}

/** Frame numbers of a cut, in the original's numbering (the cut's frames found by their bytes, in order). */
async function originalFrames(orig: string, cut: string): Promise<number[]> {
  const keys: string[] = [];
  await readCapture(orig, { onFrame: (f) => keys.push(Buffer.from(f.data).toString('hex') + f.tsNsec), onWarning: () => {} });
  const out: number[] = [];
  let i = 0;
  await readCapture(cut, {
    onFrame: (f) => {
      const k = Buffer.from(f.data).toString('hex') + f.tsNsec;
      while (i < keys.length && keys[i] !== k) i++;
      assert.ok(i < keys.length, 'every frame of the cut is a frame of the original, in order');
      out.push(++i);
    },
    onWarning: () => {},
  });
  return out;
}

test('a call cut out: its SIP (every IP fragment), RTP both ways, RTCP, T.38; not the other call on the same port, nor unrelated UDP', async () => {
  const c = new Cap();
  const t38 = 'm=image 6000 udptl t38\r\n';
  /** The frame numbers the steps in `f` add. */
  const frames = (f: () => void): number[] => { const a = c.frames.length; f(); return Array.from({ length: c.frames.length - a }, (_, i) => a + i + 1); };
  const invite = frames(() => c.sip(A, B, sipText({ start: 'INVITE sip:bob@example.test SIP/2.0', callId: 'one', cseq: '1 INVITE', body: sdp(A, 4000) + 'a=x:' + 'y'.repeat(1400) + '\r\n' }), { mtu: 600 }));
  assert.ok(invite.length >= 3, 'the INVITE is fragmented');
  const setup = frames(() => {
    c.sip(B, A, sipText({ start: 'SIP/2.0 200 OK', callId: 'one', cseq: '1 INVITE', body: sdp(B, 5000, t38) }));
    c.sip(A, B, sipText({ start: 'ACK sip:bob@example.test SIP/2.0', callId: 'one', cseq: '1 ACK' }));
  });
  const media = frames(() => {
    for (let i = 0; i < 5; i++) c.udp(A, 4000, B, 5000, rtp(i, 0x1111)).udp(B, 5000, A, 4000, rtp(i, 0x2222));
    c.udp(A, 4001, B, 5001, rtcpRr(0x1111)); // RTCP on port + 1
    c.udp(A, 6000, B, 6000, Buffer.from('\x00\x01t38 udptl', 'latin1')); // T.38 on the image port
  });
  const unrelated = frames(() => c.udp(C, 9999, B, 7777, Buffer.from('unrelated')));
  const bye = frames(() => c.sip(A, B, sipText({ start: 'BYE sip:bob@example.test SIP/2.0', callId: 'one', cseq: '2 BYE' })));
  const late = frames(() => c.udp(A, 4000, B, 5000, rtp(5, 0x1111))); // after the BYE
  const ok = frames(() => c.sip(B, A, sipText({ start: 'SIP/2.0 200 OK', callId: 'one', cseq: '2 BYE' })));
  // Call two (through a media relay at B) announces B:5000 again: from its SDP on, the flow A:4000 -> B:5000 is its own.
  const two = frames(() => {
    c.sip(C, A, sipText({ start: 'INVITE sip:alice@example.test SIP/2.0', callId: 'two', cseq: '1 INVITE', body: sdp(B, 5000), from: 'carol' }));
    c.sip(A, C, sipText({ start: 'SIP/2.0 200 OK', callId: 'two', cseq: '1 INVITE', body: sdp(A, 4000) }));
    for (let i = 0; i < 3; i++) c.udp(A, 4000, B, 5000, rtp(100 + i, 0x3333));
  });
  assert.equal(unrelated.length, 1);
  const file = c.write(join(tmp, 'two-calls.pcapng'));

  const index = await indexCalls(file);
  assert.equal(index.report.calls.length, 2);
  const one = index.report.calls.find((x) => x.callId === 'one')!;
  const out = join(tmp, 'one.pcapng');
  const r = await writeFrames(index, [one], out);
  const got = await originalFrames(file, out);
  assert.deepEqual(got, [...invite, ...setup, ...media, ...bye, ...late, ...ok]);
  assert.equal(r.written, got.length);
  assert.equal(r.sip, invite.length + 4, 'every fragment of the INVITE, four more messages');
  const cut = await analyze(out);
  assert.deepEqual(cut.calls.map((x) => [x.callId, x.state, x.sipPackets]), [['one', 'COMPLETED', 5]]);
  assert.deepEqual(cut.rtpStreams.map((s) => [s.src, s.dst, s.packets]), [[`${A}:4000`, `${B}:5000`, 6], [`${B}:5000`, `${A}:4000`, 5]]);

  // --media-until-bye leaves out the late RTP; --sip-only keeps the SIP alone.
  await writeFrames(index, [one], out, { mediaUntilBye: true });
  assert.deepEqual(await originalFrames(file, out), [...invite, ...setup, ...media, ...bye, ...ok]);
  await writeFrames(index, [one], out, { sipOnly: true });
  assert.deepEqual(await originalFrames(file, out), [...invite, ...setup, ...bye, ...ok]);

  // Call two: its messages and the three datagrams after its SDP, not the earlier ones of that flow.
  await writeFrames(index, index.report.calls.filter((x) => x.callId === 'two'), out);
  assert.deepEqual(await originalFrames(file, out), two);

  // The display filter says the same in Wireshark's words.
  const filter = wiresharkFilter([index.frames.get('one')!], { mediaUntilBye: true });
  assert.ok(filter.startsWith(`sip.Call-ID == "one" || frame.number in {${invite[0]}..${invite[invite.length - 2]}} || `), filter);
  assert.ok(filter.includes(`(ip.src == ${A} && udp.srcport == 4000 && ip.dst == ${B} && udp.dstport == 5000 && !icmp && !icmpv6 && frame.number in {${media[0]}..${bye[0]}})`), filter);
});

test('SIP over TCP: the segments of a message, and a segment shared by two calls goes to both', async () => {
  const m1 = sipText({ start: 'INVITE sip:bob@example.test SIP/2.0', callId: 'tcp-1', cseq: '1 INVITE' }).replace('UDP', 'TCP');
  const m2 = sipText({ start: 'OPTIONS sip:bob@example.test SIP/2.0', callId: 'tcp-2', cseq: '1 OPTIONS' }).replace('UDP', 'TCP');
  const bytes = Buffer.from(m1 + m2, 'latin1');
  const cut1 = 100;
  const cut2 = m1.length + 40;
  const w = new PcapngWriter(new MemorySink());
  w.addInterface({ linkType: 1 });
  let seq = 1000;
  const seg = (payload: Buffer, flags: number, t: number) => {
    w.writePacket(0, 1_700_000_000, t * 1000, tcpFrame({ src: A, dst: B, srcPort: 40000, dstPort: 5060, seq, ack: 1, flags, payload }));
    seq += payload.length + (flags & 2 ? 1 : 0);
  };
  seg(Buffer.alloc(0), 2, 1); // SYN
  seg(bytes.subarray(0, cut1), 0x18, 2);
  seg(bytes.subarray(cut1, cut2), 0x18, 3); // ends tcp-1, starts tcp-2
  seg(bytes.subarray(cut2), 0x18, 4);
  const file = join(tmp, 'tcp.pcapng');
  writeFileSync(file, w.toBytes());
  const index = await indexCalls(file);
  const out = join(tmp, 'tcp-cut.pcapng');
  for (const [id, want] of [['tcp-1', [2, 3]], ['tcp-2', [3, 4]]] as const) {
    await writeFrames(index, index.report.calls.filter((c) => c.callId === id), out);
    assert.deepEqual(await originalFrames(file, out), want, id);
  }
});

test('the copy keeps each record: bytes, nanosecond timestamps, comments; a big-endian section comes out little-endian', async () => {
  const c = new Cap();
  c.sip(A, B, sipText({ start: 'OPTIONS sip:bob@example.test SIP/2.0', callId: 'opt', cseq: '1 OPTIONS' }));
  c.frames[0]!.comment = 'a comment ✓ kept';
  c.udp(C, 1, C, 2, Buffer.from('x'), 'not this one');
  for (const bigEndian of [false, true]) {
    const file = c.write(join(tmp, `be-${bigEndian}.pcapng`), { bigEndian, base: 1_700_000_123 });
    const out = join(tmp, `be-${bigEndian}-cut.pcapng`);
    await extract(file, out, { filter: { callId: 'opt' } });
    const bytes = readFileSync(out);
    assert.equal(bytes.readUInt32LE(8), 0x1a2b3c4d, 'a little-endian section');
    const frames: { ts: string; data: string }[] = [];
    const p = new CaptureParser(out, { onFrame: (f) => frames.push({ ts: `${f.tsSec}.${f.tsNsec}`, data: Buffer.from(f.data).toString('hex') }), onWarning: () => {} });
    p.push(bytes);
    const info = p.end();
    assert.equal(info.interfaces.length, 1);
    assert.equal(info.interfaces[0]!.tsUnitsPerSecond, 1e9);
    assert.equal(info.interfaces[0]!.name, 'eth0');
    assert.deepEqual(frames, [{ ts: `1700000123.${Math.round(0.01 * 1e9)}`, data: c.frames[0]!.data.toString('hex') }]);
    assert.ok(bytes.includes(Buffer.from('a comment ✓ kept')), 'the packet comment is copied');
    assert.ok(!bytes.includes(Buffer.from('not this one')));
  }
});

test('pcap output: records of a microsecond pcap copied byte for byte; two link types refused', async () => {
  const w = new PcapWriter(new MemorySink(), { linkType: 1 });
  const sip = sipText({ start: 'OPTIONS sip:bob@example.test SIP/2.0', callId: 'p', cseq: '1 OPTIONS' });
  const frame = udpFrame({ src: A, dst: B, sport: 5060, dport: 5060, payload: Buffer.from(sip) });
  w.writePacket(1_700_000_000, 123_456_000, frame);
  const file = join(tmp, 'in.pcap');
  const inBytes = w.toBytes();
  writeFileSync(file, inBytes);
  const out = join(tmp, 'out.pcap');
  await extract(file, out, { format: 'pcap' });
  assert.deepEqual(readFileSync(out).subarray(24), inBytes.subarray(24), 'the same record');

  // Ethernet and raw IP interfaces in one pcapng: pcap cannot hold both.
  const g = new PcapngWriter(new MemorySink());
  g.addInterface({ linkType: 1 });
  g.addInterface({ linkType: 101 });
  g.writePacket(0, 1_700_000_000, 0, frame);
  g.writePacket(1, 1_700_000_001, 0, frame.subarray(14));
  const two = join(tmp, 'two-links.pcapng');
  writeFileSync(two, g.toBytes());
  await assert.rejects(extract(two, join(tmp, 'x.pcap'), { format: 'pcap' }), (e: Error) => e instanceof RecordFormatError && /one link type/.test(e.message));
  const r = await extract(two, join(tmp, 'x.pcapng'));
  assert.equal(r.written, 2, 'pcapng keeps both interfaces');
});

/** A pcap with one frame per [time, tag]. */
function pcapOf(path: string, frames: [number, number][]): string {
  const w = new PcapWriter(new MemorySink(), { linkType: 1 });
  for (const [s, tag] of frames) { const d = Buffer.alloc(60); d[59] = tag; w.writePacket(s, 0, d); }
  writeFileSync(path, w.toBytes());
  return path;
}

test('merge: earliest pending frame first, ties to the file given later, each file in its own order, numbered 1, 2, 3...', async () => {
  const a = pcapOf(join(tmp, 'm-a.pcap'), [[10, 1], [20, 2], [30, 3]]);
  const b = pcapOf(join(tmp, 'm-b.pcap'), [[10, 11], [20, 12], [25, 13]]);
  const c = pcapOf(join(tmp, 'm-c.pcap'), [[5, 21], [40, 22], [1, 23]]);
  const empty = pcapOf(join(tmp, 'm-empty.pcap'), []);
  const read = async (paths: string[]) => {
    const got: string[] = [];
    const info = await readMerged(paths, { onFrame: (f) => got.push(`${f.number}:${f.data[59]}`), onWarning: () => {} });
    return { got, info };
  };
  // As mergecap 4.0 writes them (checked by hand with mergecap -w, and in the corpus test).
  assert.deepEqual((await read([a, b])).got, ['1:11', '2:1', '3:12', '4:2', '5:13', '6:3']);
  assert.deepEqual((await read([b, a])).got, ['1:1', '2:11', '3:2', '4:12', '5:13', '6:3']);
  const r = await read([a, c, empty]);
  assert.deepEqual(r.got, ['1:21', '2:1', '3:2', '4:3', '5:22', '6:23']);
  assert.equal(r.info.frames, 6);
  assert.equal(r.info.interfaces.length, 3, 'every file keeps its interface, the empty one too');
  assert.deepEqual(r.info.interfaces.map((i) => i.section), [0, 1, 2]);
  assert.equal(r.info.firstTsSec, 5);
  // The probe reads the first frame only.
  assert.deepEqual((await probeCapture(c)).first, [5, 0]);
  assert.equal((await probeCapture(empty)).first, null);
});

test('a call that spans two rotated files is one call with --merge, and extract takes it whole from both', async () => {
  const c = new Cap();
  c.sip(A, B, sipText({ start: 'INVITE sip:bob@example.test SIP/2.0', callId: 'rot', cseq: '1 INVITE', body: sdp(A, 4000) }));
  c.sip(B, A, sipText({ start: 'SIP/2.0 200 OK', callId: 'rot', cseq: '1 INVITE', body: sdp(B, 5000) }));
  c.sip(A, B, sipText({ start: 'ACK sip:bob@example.test SIP/2.0', callId: 'rot', cseq: '1 ACK' }));
  for (let i = 0; i < 4; i++) c.udp(A, 4000, B, 5000, rtp(i, 7));
  c.sip(A, B, sipText({ start: 'BYE sip:bob@example.test SIP/2.0', callId: 'rot', cseq: '2 BYE' }));
  c.sip(B, A, sipText({ start: 'SIP/2.0 200 OK', callId: 'rot', cseq: '2 BYE' }));
  const whole = c.write(join(tmp, 'rot-whole.pcapng'));
  const first = new Cap(); first.frames = c.frames.slice(0, 5);
  const second = new Cap(); second.frames = c.frames.slice(5);
  const p1 = first.write(join(tmp, 'rot-2.pcapng'));
  const p0 = second.write(join(tmp, 'rot-1.pcapng')); // named so that name order is not time order
  const merged = await analyze([p0, p1]);
  assert.deepEqual(merged.calls.map((x) => [x.state, x.sipPackets]), [['COMPLETED', 5]]);
  assert.equal(merged.file, `${p0} + ${p1}`);
  assert.deepEqual(merged.files, [p0, p1]);
  const out = join(tmp, 'rot-cut.pcapng');
  await extract([p0, p1], out, { filter: { callId: 'rot' } });
  assert.deepEqual(await originalFrames(whole, out), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
});

test('option checks name what is accepted', () => {
  const bad = (f: Parameters<typeof parseExtractFilter>[0], re: RegExp) => assert.throws(() => parseExtractFilter(f), (e: Error) => e instanceof FilterError && re.test(e.message));
  bad({ state: 'sleeping' }, /--state "sleeping": sleeping is not one of the states or outcomes.*in-call.*one-way-audio/);
  bad({ outcome: 'happy' }, /--outcome "happy": happy is not one of the outcomes.*busy.*declined/);
  bad({ kind: 'call,chat' }, /--kind "call,chat": chat is not one of the dialog kinds.*registration.*options/);
  bad({ state: ',' }, /--state ",": expected states/);
  bad({ call: '0' }, /N, N,M or N-M/);
  bad({ call: '3-1' }, /N, N,M or N-M/);
  bad({ since: 'soon' }, /--since "soon": expected seconds/);
  bad({ since: '10', until: '5' }, /must run forward/);
  assert.deepEqual(parseExtractFilter({ call: '1,3-5', state: 'in_call,busy', outcome: 'ONE-WAY-AUDIO' }), {
    calls: [1, 3, 4, 5], state: 'in_call,busy', outcome: 'ONE-WAY-AUDIO',
  });
});

test('call selection: numbers, outcome parts, the time window', async () => {
  const report = await analyze(join(process.cwd(), 'fixtures', 'call-completed.pcapng'));
  const sel = (f: Parameters<typeof selectExtractCalls>[1]) => selectExtractCalls(report, f).map((c) => c.index);
  assert.deepEqual(sel({}), [1]);
  assert.deepEqual(sel({ outcome: 'completed' }), [1]);
  assert.deepEqual(sel({ outcome: 'busy' }), []);
  assert.deepEqual(sel({ since: 4 }), [1], 'active until its BYE at 4.7 s');
  assert.deepEqual(sel({ since: 5 }), []);
  assert.deepEqual(sel({ until: 0 }), [1], 'it starts at 0');
  assert.throws(() => sel({ calls: [2] }), /no call 2 in .*; its dialogs: 1 \(call\)/);
});

test('display filter text: Wireshark string escapes, runs of frames as ranges', () => {
  assert.equal(wiresharkString('a"b\\c\x01'), '"a\\"b\\\\c\\x01"');
  assert.equal(frameSet([1, 2, 3, 7, 9, 10]), 'frame.number in {1..3, 7, 9..10}');
  assert.equal(wiresharkFilter([]), 'frame.number == 0');
});

test('folders and patterns: captures told by content, ordered by their first frame, the rest noted', async () => {
  const dir = join(tmp, 'inputs');
  mkdirSync(join(dir, 'sub'), { recursive: true });
  pcapOf(join(dir, 'b-first.pcap'), [[100, 1]]);
  pcapOf(join(dir, 'a-second.pcap'), [[200, 1]]);
  writeFileSync(join(dir, 'c-third.bin.gz'), gzipSync(readFileSync(pcapOf(join(tmp, 'third.pcap'), [[300, 1]]))));
  pcapOf(join(dir, 'sub', 'deep.pcap'), [[50, 1]]);
  writeFileSync(join(dir, 'notes.txt'), 'not a capture');
  const names = (r: Awaited<ReturnType<typeof expandInputs>>) => r.files.map((f) => f.path.slice(dir.length + 1));
  const flat = await expandInputs([dir]);
  assert.deepEqual(names(flat), ['b-first.pcap', 'a-second.pcap', 'c-third.bin.gz']);
  assert.deepEqual(flat.notes, [`${dir}: skipped a file that is not pcap or pcapng: notes.txt`]);
  assert.deepEqual(names(await expandInputs([dir], { recursive: true })), ['sub/deep.pcap', 'b-first.pcap', 'a-second.pcap', 'c-third.bin.gz']);
  assert.deepEqual(names(await expandInputs([join(dir, '*.pcap')])), ['b-first.pcap', 'a-second.pcap']);
  assert.deepEqual(names(await expandInputs([join(dir, '**', '*.pcap')])), ['sub/deep.pcap', 'b-first.pcap', 'a-second.pcap']);
  assert.deepEqual(glob(join(dir, '[ab]-*')).paths.map((p) => p.slice(dir.length + 1)), ['a-second.pcap', 'b-first.pcap']);
  const none = await expandInputs([join(dir, '*.nothing')]);
  assert.deepEqual([none.files, none.empty], [[], [join(dir, '*.nothing')]]);
  // A file named on the command line is taken as it is (its reader reports what is wrong with it).
  assert.deepEqual(names(await expandInputs([join(dir, 'notes.txt')])), ['notes.txt']);
});
