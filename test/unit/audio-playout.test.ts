/**
 * Playout behaviour on captures built in memory (no external tool needed):
 * comfort noise at its level, telephone-events skipped but listed, a fixed
 * jitter buffer's discards, an SSRC change on one side, DTX gaps, both
 * directions synchronised on capture time, undecodable codecs named and not
 * written, and the WAV writer's header.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callAudio } from '../../src/call-audio.js';
import { ALAW, ULAW } from '../../src/media/audio/g711.js';
import { decodeWav, encodeWav } from '../../src/media/audio/wav.js';
import { resample } from '../../src/media/audio/resample.js';
import { audioMedia, CALLEE, CALLER, callCapture, rms, type Direction } from '../helpers/rtp-capture.js';

/** µ-law code of the linear value nearest `x` (-1..1), from the decoder's own table. */
function ulawOf(x: number): number {
  let best = 0;
  for (let i = 0; i < 256; i++) if (Math.abs(ULAW[i]! / 32768 - x) < Math.abs(ULAW[best]! / 32768 - x)) best = i;
  return best;
}

/** `n` 20 ms PCMU packets of a 1 kHz tone at amplitude `a`, phase continuous. */
function tone(n: number, a = 0.3, f = 1000): Uint8Array[] {
  const codes = new Map<number, number>();
  return Array.from({ length: n }, (_, k) => Uint8Array.from({ length: 160 }, (_, i) => {
    const v = Math.round(a * Math.sin(2 * Math.PI * f * (k * 160 + i) / 8000) * 1000);
    if (!codes.has(v)) codes.set(v, ulawOf(v / 1000));
    return codes.get(v)!;
  }));
}

function pcmu(payloads: Uint8Array[], extra: Partial<Direction> = {}): Direction {
  return { from: CALLER, to: CALLEE, payloads, pt: 0, tsStep: 160, start: 1, interval: 0.02, ...extra };
}

test('G.711 tables: the decoder\'s extremes and zero codes', () => {
  assert.equal(ULAW[0x00], -32124);
  assert.equal(ULAW[0x80], 32124);
  assert.equal(ULAW[0xff], 0);
  assert.equal(ALAW[0xd5], 8);
  assert.equal(ALAW[0x55], -8);
  assert.equal(ALAW[0xaa], 32256);
});

test('comfort noise fills the silence at its signalled level; telephone-events leave no audio and no gap', async () => {
  const payloads = tone(100);
  // Packets 40-59: the sender is silent; one CN packet (40 dBov) at packet 40's timestamp, then nothing until 60.
  const lose = Array.from({ length: 20 }, (_, i) => 40 + i);
  const cn: [number, number, number, number, Uint8Array, boolean][] = [[1 + 40 * 0.02, 13, 100 + 40, 1000 + 40 * 160, Uint8Array.of(40), false]];
  // Packets 80-84 replaced by a telephone-event (digit 5) sharing their sequence numbers.
  const ev: [number, number, number, number, Uint8Array, boolean][] = [80, 81, 82, 83, 84].map((i) => [1 + i * 0.02, 101, 100 + i, 1000 + 80 * 160, Uint8Array.of(5, i === 84 ? 0x8a : 0x0a, 0, (i - 79) * 160 & 0xff), i === 80]);
  const seqFix = pcmu(payloads, { lose: [...lose, 80, 81, 82, 83, 84], extra: [...cn, ...ev] });
  const r = await callAudio(callCapture(audioMedia(0, 'PCMU/8000'), [seqFix]), { mono: true });
  const out = await r.render(r.plans[0]!);
  const x = out.samples[0]!;
  assert.equal(x.length, 100 * 160);
  const noise = rms(x, 41 * 160, 59 * 160);
  assert.ok(Math.abs(20 * Math.log10(noise) + 40) < 1, `comfort noise at -40 dBov: ${(20 * Math.log10(noise)).toFixed(2)} dB`);
  assert.ok(rms(x, 0, 40 * 160) > 0.2, 'the tone before');
  assert.equal(rms(x, 80 * 160, 85 * 160), 0, 'no audio where the digit was sent');
  const p = out.playouts[0]!;
  assert.equal(p.cnPackets, 1);
  assert.equal(p.eventPackets, 5);
  assert.equal(p.lost, 19, 'the 19 packets of the silence that the CN packet did not stand for; the events are no gap');
  assert.deepEqual(r.report.rtpStreams[0]!.dtmf!.map((d) => d.digit), ['5']);
});

test('a fixed jitter buffer discards packets later than it, counts them, and leaves silence', async () => {
  const d = pcmu(tone(50), { late: { 20: 0.1 } });
  const file = callCapture(audioMedia(0, 'PCMU/8000'), [d]);
  const none = await callAudio(file, { mono: true });
  const a = await none.render(none.plans[0]!);
  assert.equal(a.playouts[0]!.discarded, 0);
  assert.ok(rms(a.samples[0]!, 20 * 160, 21 * 160) > 0.2, 'without a buffer the late packet is played at its place');
  const jb = await callAudio(file, { mono: true, jitterBufferMs: 60 });
  const b = await jb.render(jb.plans[0]!);
  assert.equal(b.playouts[0]!.discarded, 1);
  assert.equal(b.playouts[0]!.lost, 0, 'a discarded packet came: it is no gap in the sequence');
  assert.equal(rms(b.samples[0]!, 20 * 160, 21 * 160), 0, 'discarded: silence');
  assert.equal(jb.report.rtpStreams[0]!.quality!.discarded, 1, 'the MOS counts the same discard');
  const roomy = await callAudio(file, { mono: true, jitterBufferMs: 150 });
  assert.equal((await roomy.render(roomy.plans[0]!)).playouts[0]!.discarded, 0, 'a 150 ms buffer holds it');
});

test('stereo per call: caller left, callee right, synchronised on capture time; an SSRC change stays on its side', async () => {
  const caller = pcmu(tone(100, 0.3, 500), { ssrcChange: { at: 50, ssrc: 0xbeef, seq0: 7000, ts0: 99999 } });
  const callee: Direction = { ...pcmu(tone(50, 0.3, 1500)), from: CALLEE, to: CALLER, ssrc: 0x0c, start: 1.5 };
  const r = await callAudio(callCapture(audioMedia(0, 'PCMU/8000'), [caller, callee]));
  assert.equal(r.plans.length, 1);
  const o = await r.render(r.plans[0]!);
  assert.equal(o.channels, 2);
  assert.equal(o.startS, 1);
  assert.equal(o.samples[0]!.length, 100 * 160, '2 s from the first packet');
  assert.deepEqual(o.sides.map((s) => [s.side, s.streams.length]), [['left', 2], ['right', 1]]);
  const [l, rr] = o.samples as [Float32Array, Float32Array];
  assert.equal(rms(rr, 0, 0.5 * 8000 - 1), 0, 'the callee starts 0.5 s later');
  const firstRight = rr.findIndex((v) => v !== 0);
  assert.ok(Math.abs(firstRight - 0.5 * 8000) <= 2, `right channel starts at ${firstRight}`);
  assert.ok(rms(l, 49 * 160, 51 * 160) > 0.2, 'no hole where the SSRC changed');
});

test('DTX: a timestamp jump matching the silence keeps its place (no re-anchoring)', async () => {
  // 20 packets, 1 s of nothing (timestamps and arrival jump alike), 20 packets with the marker set.
  const d = pcmu(tone(40), { tsStep: (i) => (i === 19 ? 160 + 8000 : 160), start: 1, interval: 0.02 });
  const times = (i: number) => (i < 20 ? 0 : 1);
  const file = callCapture(audioMedia(0, 'PCMU/8000'), [{ ...d, late: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [20 + k, times(20 + k)])) }]);
  const r = await callAudio(file, { mono: true });
  const o = await r.render(r.plans[0]!);
  assert.equal(o.samples[0]!.length, 40 * 160 + 8000, '0.8 s of audio and 1 s of silence');
  assert.equal(o.playouts[0]!.resyncs, 0);
  assert.equal(o.playouts[0]!.lost, 0);
});

test('undecodable codecs are named and not written', async () => {
  const g729 = { from: CALLER, to: CALLEE, payloads: Array.from({ length: 20 }, () => new Uint8Array(20).fill(0x55)), pt: 18, tsStep: 160, start: 1, interval: 0.02 };
  const r = await callAudio(callCapture(audioMedia(18, 'G729/8000'), [g729]));
  assert.equal(r.plans.length, 0, 'no file of noise');
  assert.equal(r.silent.length, 1);
  assert.match(r.silent[0]!.reason, /G729\/8000: G\.729 has no decoder/);
});

test('WAV writer: RIFF header fields, clipping, read back; resampling keeps a tone', () => {
  const x = Float32Array.from({ length: 800 }, (_, i) => 1.5 * Math.sin(2 * Math.PI * 440 * i / 8000));
  const wav = encodeWav([x, x], 8000);
  const v = new DataView(wav.buffer);
  assert.equal(Buffer.from(wav.subarray(0, 4)).toString(), 'RIFF');
  assert.equal(v.getUint32(4, true), wav.length - 8);
  assert.equal(v.getUint16(22, true), 2);
  assert.equal(v.getUint32(24, true), 8000);
  assert.equal(v.getUint32(40, true), 800 * 4);
  const back = decodeWav(wav);
  assert.equal(back.channels[0]!.length, 800);
  assert.ok(Math.max(...back.channels[0]!) <= 1 && Math.max(...back.channels[0]!) > 0.99, 'clipped at full scale');
  const y = Float32Array.from({ length: 8000 }, (_, i) => 0.5 * Math.sin(2 * Math.PI * 440 * i / 8000));
  const up = resample(y, 8000, 48000);
  assert.equal(up.length, 48000);
  const ref = Float32Array.from({ length: 48000 }, (_, i) => 0.5 * Math.sin(2 * Math.PI * 440 * i / 48000));
  let e = 0, s = 0;
  for (let i = 1000; i < 47000; i++) { e += (up[i]! - ref[i]!) ** 2; s += ref[i]! ** 2; }
  assert.ok(10 * Math.log10(s / e) > 40, 'upsampled tone within 40 dB');
});

test('corrupt payloads are counted and left silent (Opus without a word on the console, GSM without its signature)', async () => {
  // Opus: TOC-only packets (config 31, 20 ms, a frame of nothing) around an invalid code-3 packet with no frames.
  const opus = Array.from({ length: 10 }, (_, i) => (i === 5 ? Uint8Array.of(0xfb, 0x00) : Uint8Array.of(0xf8)));
  const errors: unknown[] = [];
  const log = console.error;
  console.error = (...a: unknown[]) => { errors.push(a); };
  let o;
  try {
    const r = await callAudio(callCapture(audioMedia(111, 'opus/48000/2'), [{ from: CALLER, to: CALLEE, payloads: opus, pt: 111, tsStep: 960, start: 1, interval: 0.02 }]), { mono: true });
    o = await r.render(r.plans[0]!);
  } finally { console.error = log; }
  assert.deepEqual(errors, []);
  assert.equal(o.playouts[0]!.corrupt, 1);
  assert.equal(o.samples[0]!.length, 10 * 960);
  const gsm = Array.from({ length: 10 }, (_, i) => { const f = new Uint8Array(33); f[0] = i === 3 ? 0x10 : 0xd0; return f; });
  const g = await callAudio(callCapture(audioMedia(3, null), [{ from: CALLER, to: CALLEE, payloads: gsm, pt: 3, tsStep: 160, start: 1, interval: 0.02 }]), { mono: true });
  assert.equal((await g.render(g.plans[0]!)).playouts[0]!.corrupt, 1);
});

test('a marker bit re-anchors a talkspurt whose timestamps say less silence than the capture saw', async () => {
  // 20 packets; then the sender's timestamps skip 1 s of silence but the talkspurt arrives 1.1 s later.
  const first = pcmu(tone(40), { tsStep: (i) => (i === 19 ? 160 + 8000 : 160), late: Object.fromEntries(Array.from({ length: 20 }, (_, k) => [20 + k, 1.1])) });
  // The marker on packet 20, the talkspurt's first (the helper sets it on a timestamp jump, here of nothing).
  const withMarker = { ...first, tsJump: { at: 20, by: 0 } };
  const plain = await callAudio(callCapture(audioMedia(0, 'PCMU/8000'), [first]), { mono: true });
  const p = await plain.render(plain.plans[0]!);
  assert.equal(p.playouts[0]!.resyncs, 0, 'without a marker 0.1 s is within jitter: kept on its timestamps');
  assert.equal(p.samples[0]!.length, 40 * 160 + 8000);
  const m = await callAudio(callCapture(audioMedia(0, 'PCMU/8000'), [withMarker]), { mono: true });
  const o = await m.render(m.plans[0]!);
  assert.equal(o.playouts[0]!.resyncs, 1, 'the marker packet re-anchors');
  assert.equal(o.samples[0]!.length, 40 * 160 + 8800, 'the talkspurt sits where it arrived, 0.1 s later');
  assert.ok(rms(o.samples[0]!, 20 * 160 + 8000, 20 * 160 + 8800) === 0, 'silence in the extra 0.1 s');
});
