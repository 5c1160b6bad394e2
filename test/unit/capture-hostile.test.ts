/**
 * Hostile input through the library, on captures built in memory: every
 * if_tsresol and if_tsoffset class and extreme timestamps give warnings and
 * raw-seconds times (never "Invalid time value"), corrupt gzip keeps what was
 * read with a `cut short` warning, interface / fragment / call floods stay
 * linear and hit their named limits, and the RFC 4475 / 5118 torture
 * messages are accepted or reported with their frame as the RFCs say.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { CaptureParser, MAX_INTERFACES } from '../../src/capture/parser.js';
import { readCapture } from '../../src/capture/index.js';
import { PcapngWriter } from '../../src/capture/writer.js';
import { udpFrames } from '../../src/net/build.js';
import { analyze } from '../../src/analyze.js';
import { capinfo } from '../../src/capinfo.js';
import { isoTime, isoTimeOrNull } from '../../src/time.js';
import type { Frame, Warning } from '../../src/model.js';
import { TSOFFSET_VALUES, TSRESOL_VALUES, benignCall, callFlood, fragmentFlood, interfaceFlood, timestampAbuse } from '../helpers/fuzz.js';
import { TORTURE_MESSAGES, tortureBytes } from '../helpers/torture.js';

const dir = mkdtempSync(join(tmpdir(), 'sipflow-hostile-'));
process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const file = (bytes: Uint8Array, ext = '.pcapng'): string => { const p = join(dir, `c${++n}${ext}`); writeFileSync(p, bytes); return p; };

function parseAll(bytes: Uint8Array): { frames: Frame[]; warnings: Warning[] } {
  const frames: Frame[] = [];
  const warnings: Warning[] = [];
  const p = new CaptureParser('t', { onFrame: (f) => frames.push(f), onWarning: (w) => warnings.push(w) });
  p.push(bytes);
  p.end();
  return { frames, warnings };
}

test('isoTime: dates within years 0000-9999, raw seconds outside, never a throw', () => {
  assert.equal(isoTime(0, 0), '1970-01-01T00:00:00.000000Z');
  assert.equal(isoTime(253402300799, 999999000), '9999-12-31T23:59:59.999999Z');
  assert.equal(isoTime(253402300800, 0), '253402300800.000000 s');
  assert.equal(isoTime(2 ** 64, 5), '18446744073709551616.000000005 s');
  assert.equal(isoTime(-(2 ** 63), 0), '-9223372036854775808.000000 s');
  assert.equal(isoTimeOrNull(2 ** 62, 0), null);
  assert.equal(isoTimeOrNull(1700000000, 0), '2023-11-14T22:13:20.000000Z');
});

test('every if_tsresol class with every if_tsoffset class: frames kept, times finite, one warning, capinfo and analyze print', async () => {
  for (const r of TSRESOL_VALUES) {
    for (const off of TSOFFSET_VALUES) {
      const bytes = timestampAbuse(r, off, r * 31 + Number(off % 1000n));
      const { frames, warnings } = parseAll(bytes);
      assert.equal(frames.length, 5, `tsresol ${r} tsoffset ${off}`);
      for (const f of frames) {
        assert.ok(Number.isFinite(f.tsSec) && Number.isInteger(f.tsNsec) && f.tsNsec >= 0 && f.tsNsec < 1e9, `tsresol ${r}: ${f.tsSec}.${f.tsNsec}`);
        assert.doesNotThrow(() => isoTime(f.tsSec, f.tsNsec));
      }
      assert.ok(warnings.filter((w) => w.code === 'timestamp-out-of-range').length <= 1);
    }
  }
  // Through the commands' library entry points: the capture whose first time is no date.
  const path = file(timestampAbuse(0, 2n ** 62n, 1));
  const info = await capinfo(path);
  assert.match(info.firstTime!, /^\d+\.\d{6} s$/);
  assert.ok(info.warnings.some((w) => w.code === 'timestamp-out-of-range' && w.frame === 1));
  const report = await analyze(path);
  assert.equal(report.capture.firstTime, null);
  assert.equal(report.calls.length, 1);
  assert.equal(report.calls[0]!.sipPackets, 5);
});

test('corrupt gzip: a bad CRC keeps every frame, damage mid-stream keeps the frames before it, both say cut short', async () => {
  const plain = benignCall(400);
  const whole = parseAll(plain).frames.length;
  const gz = Buffer.from(gzipSync(plain));
  const crc = Buffer.from(gz); crc[crc.length - 6]! ^= 0xff;
  const w1: Warning[] = [];
  const info1 = await readCapture(file(crc, '.pcapng.gz'), { onFrame: () => {}, onWarning: (w) => w1.push(w) });
  assert.equal(info1.frames, whole);
  assert.ok(info1.truncated);
  assert.ok(w1.some((w) => w.code === 'truncated' && /cut short.*incorrect data check/.test(w.message)), JSON.stringify(w1));

  const mid = Buffer.from(gz); for (let i = 0; i < 64; i++) mid[Math.floor(mid.length * 0.7) + i]! ^= 0x5a;
  const w2: Warning[] = [];
  const info2 = await readCapture(file(mid, '.pcapng.gz'), { onFrame: () => {}, onWarning: (w) => w2.push(w) });
  assert.ok(info2.frames > 0 && info2.frames < whole, `${info2.frames} of ${whole}`);
  assert.ok(w2.some((w) => /cut short|stopped reading/.test(w.message)));

  // Damage in the first bytes: one line, an input error (exit 2), not an internal one.
  const head = Buffer.from(gz); head[12]! ^= 0xff; head[13]! ^= 0xff; head[14]! ^= 0xff;
  await assert.rejects(readCapture(file(head, '.pcapng.gz'), { onFrame: () => {}, onWarning: () => {} }), (e: Error) => e.name === 'InputError' || /cut short/.test(e.message) || e.name === 'NotACaptureError');
});

test('65 536 interface blocks of distinct link types parse in linear time; beyond MAX_INTERFACES they are not kept', () => {
  const t0 = process.hrtime.bigint();
  const { frames } = parseAll(interfaceFlood(65536));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.equal(frames.length, 200);
  assert.ok(ms < 8000, `${ms} ms (the quadratic link-type list took minutes)`);
  const w = new PcapngWriter();
  for (let i = 0; i < MAX_INTERFACES + 10; i++) w.addInterface({ linkType: 1 });
  const frame = udpFrames({ src: '10.0.0.1', dst: '10.0.0.2', sport: 5060, dport: 5060, payload: Buffer.from('x') })[0]!;
  w.writePacket(0, 1, 0, frame);
  w.writePacket(MAX_INTERFACES + 5, 1, 0, frame);
  const r = parseAll(w.toBytes());
  assert.equal(r.frames.length, 1);
  assert.equal(r.warnings.filter((x) => x.code === 'interface-limit').length, 1);
  assert.ok(r.warnings.some((x) => x.code === 'unknown-interface'));
});

test('a fragment flood reassembles linearly and its warnings stay bounded', async () => {
  const t0 = process.hrtime.bigint();
  const report = await analyze(file(fragmentFlood(30000)));
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  assert.ok(report.calls.length > 5000, `${report.calls.length} calls`);
  assert.ok(ms < 30000, `${ms} ms`);
  assert.ok(report.warnings.filter((w) => w.code === 'reassembly-limit' || w.code === 'reassembly-incomplete').length <= 42);
});

test('a call flood hits the named call limit (messages of new Call-IDs counted, not analysed)', async () => {
  const { CallTracker } = await import('../../src/sip/calls.js');
  const warnings: Warning[] = [];
  const t = new CallTracker((w) => warnings.push(w), { maxCalls: 100 });
  const { parseSip, toSipMessage } = await import('../../src/sip/parser.js');
  let refused = 0;
  for (let i = 0; i < 150; i++) {
    const p = parseSip(Buffer.from(`INVITE sip:b@x SIP/2.0\r\nCall-ID: c${i}\r\nCSeq: 1 INVITE\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n\r\n`));
    assert.ok(!('error' in p));
    const m = toSipMessage(p, { frame: i + 1, time: i, src: '1.1.1.1:5060', dst: '2.2.2.2:5060', srcIp: '1.1.1.1', dstIp: '2.2.2.2', transport: 'UDP' } as never);
    if (t.add(m) === null) refused++;
  }
  assert.equal(refused, 50);
  assert.equal(t.finish().length, 100);
  assert.equal(warnings.filter((w) => w.code === 'call-limit').length, 2);
  assert.match(warnings[0]!.message, /call limit/);
  // The flood builder's calls all become calls below the limit.
  const report = await analyze(file(callFlood(300)));
  assert.equal(report.calls.length, 300);
});

test('RFC 4475 / 5118 torture messages: valid ones make their dialogs (intmeth too), invalid ones are warned about with their frame', async () => {
  const w = new PcapngWriter();
  const id = w.addInterface({ linkType: 1 });
  TORTURE_MESSAGES.forEach((m, i) => {
    for (const f of udpFrames({ src: '192.0.2.1', dst: '192.0.2.2', sport: 5060, dport: 5060, payload: tortureBytes(m), mtu: 9000 })) w.writePacket(id, 1700000000 + i, 0, f);
  });
  const report = await analyze(file(w.toBytes()));
  const warnedFrames = new Set(report.warnings.filter((x) => /^sip-(malformed|suspicious|no-call-id)$/.test(x.code)).map((x) => x.frame));
  const seen = new Set(report.calls.flatMap((c) => c.messages.map((m) => m.frame)));
  const intmeth = report.calls.find((c) => c.callId.startsWith('intmeth.'));
  assert.ok(intmeth, 'the valid intmeth message (a 43-character method) makes its dialog');
  assert.equal(intmeth.messages[0]!.method, "!interesting-Method0123456789_*+`.%indeed'~");
  // Messages the RFCs mean to trouble an element although their syntax is valid, and that the analyzer names.
  const troubled = new Set(['insuf', 'mcl01', 'ipv6-in-sdp', 'multi01']);
  const wrong: string[] = [];
  TORTURE_MESSAGES.forEach((m, i) => {
    const frame = i + 1;
    if (m.rfcSays === 'invalid') { if (!warnedFrames.has(frame)) wrong.push(`${m.name} (frame ${frame}) is invalid and was not warned about`); }
    else {
      if (!troubled.has(m.name) && warnedFrames.has(frame)) wrong.push(`${m.name} (frame ${frame}) is valid and got a warning`);
      if (troubled.has(m.name) && !warnedFrames.has(frame)) wrong.push(`${m.name} (frame ${frame}) troubles an element and was not warned about`);
      if (m.name !== 'insuf' && !seen.has(frame)) wrong.push(`${m.name} (frame ${frame}) is valid and is in no dialog`);
    }
  });
  assert.deepEqual(wrong, []);
});
