/**
 * Decoders and playout against independent encoders: a known signal (a sine
 * sweep; two tones for the stereo case) is encoded by sox or ffmpeg,
 * packetised into RTP in a capture (test/helpers/rtp-capture.ts) with loss,
 * reordering and a timestamp jump, decoded by sipflow, and compared with the
 * reference decoder's output by SNR and by length to the sample.
 * Skipped, saying why, when sox or ffmpeg is not installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callAudio, type AudioOutput } from '../../src/call-audio.js';
import { audioMedia, CALLEE, CALLER, callCapture, hasTool, oggPackets, rms, run, s16le, snr, type Direction } from '../helpers/rtp-capture.js';

const SOX = hasTool('sox');
const FFMPEG = hasTool('ffmpeg');
const noSox = SOX ? false : 'sox is not installed (apt-get install sox)';
const noFfmpeg = FFMPEG ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';
const work = mkdtempSync(join(tmpdir(), 'sipflow-audio-dec-'));

/** A sine sweep written by sox as raw 16-bit little-endian at `rate`. */
function sweep(rate: number, seconds: number, to: number, channels = 1): string {
  const f = join(work, `sweep-${rate}-${channels}.raw`);
  const synth = channels === 2 ? ['synth', String(seconds), 'sine', `200-${to}`, 'sine', '440'] : ['synth', String(seconds), 'sine', `200-${to}`];
  run('sox', ['-n', '-r', String(rate), '-c', String(channels), '-b', '16', '-e', 'signed', '-L', '-t', 'raw', f, ...synth, 'vol', '0.5']);
  return f;
}

function frames(b: Uint8Array, size: number): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let o = 0; o + size <= b.length; o += size) out.push(b.subarray(o, o + size));
  return out;
}

function dir(payloads: Uint8Array[], pt: number, tsStep: number, extra: Partial<Direction> = {}): Direction {
  return { from: CALLER, to: CALLEE, payloads, pt, tsStep, start: 1, interval: 0.02, ...extra };
}

async function decodeOne(file: string, opts: { jitterBufferMs?: number; rate?: number } = {}): Promise<{ out: AudioOutput; all: Awaited<ReturnType<typeof callAudio>> }> {
  const all = await callAudio(file, { mono: true, ...opts });
  assert.equal(all.plans.length, 1, `one stream to play (${all.silent.map((s) => s.reason).join('; ')})`);
  return { out: await all.render(all.plans[0]!), all };
}

/**
 * The reference with `spp` zero samples in place of each lost packet. `ref`
 * holds either every packet's samples (`full`: a stateless codec decoded
 * whole) or only those of the packets that arrived, in order.
 */
function withGaps(ref: Float32Array, spp: number, count: number, lost: number[], full = false): Float32Array {
  const out = new Float32Array(count * spp);
  let k = 0;
  for (let i = 0; i < count; i++) {
    if (lost.includes(i)) continue;
    const from = (full ? i : k) * spp;
    out.set(ref.subarray(from, from + spp), i * spp);
    k++;
  }
  return out;
}

/** SNR of `x` against `ref` at the lag (0..maxLag samples of delay in x) that fits best. */
function bestLagSnr(ref: Float32Array, x: Float32Array, n: number, maxLag: number): number {
  let best = -Infinity;
  for (let lag = 0; lag <= maxLag; lag++) best = Math.max(best, snr(ref.subarray(0, n), x.subarray(lag, lag + n)));
  return best;
}

/** Loss, a late (reordered) packet and a timestamp jump, the same for every codec. */
const LOST = [10, 11, 40];
const TROUBLE = { lose: LOST, late: { 20: 0.03 }, tsJump: { at: 60, by: 123456 } };

/** DTMF digits 1, 5, 9 (two sines each, 0.3 s on, 0.2 s off) written by sox as raw 16-bit little-endian at 8 kHz. */
function dtmfTones(): string {
  const parts = [[697, 1209], [770, 1336], [852, 1477]].map(([lo, hi], i) => {
    const f = join(work, `dtmf-${i}.raw`);
    run('sox', ['-n', '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed', '-L', '-t', 'raw', f, 'synth', '0.3', 'sine', String(lo), 'sine', String(hi), 'remix', '-', 'pad', '0', '0.2', 'vol', '0.4']);
    return readFileSync(f);
  });
  const f = join(work, 'dtmf.raw');
  writeFileSync(f, Buffer.concat([...parts, ...parts, ...parts, ...parts]));
  return f;
}

for (const [law, pt, name, signal] of [['u-law', 0, 'PCMU', 'sweep'], ['a-law', 8, 'PCMA', 'DTMF']] as const) {
  test(`G.711 ${law} (${signal}): sox's encoding decodes sample-exact; loss is silence, the reordered packet and the timestamp jump keep their place`, { skip: noSox }, async () => {
    const src = signal === 'sweep' ? sweep(8000, 2, 3500) : dtmfTones();
    const enc = run('sox', ['-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1', '-L', src, '-t', 'raw', '-e', law, '-']);
    const ref = s16le(run('sox', ['-t', 'raw', '-r', '8000', '-e', law, '-c', '1', writeTmp(enc), '-t', 'raw', '-e', 'signed', '-b', '16', '-L', '-']))[0]!;
    const pk = frames(enc, 160);
    const file = callCapture(audioMedia(pt, `${name}/8000`), [dir(pk, pt, 160, TROUBLE)]);
    const { out } = await decodeOne(file);
    assert.equal(out.rate, 8000);
    assert.equal(out.samples[0]!.length, pk.length * 160, 'the track is as long as the packets sent, to the sample');
    const expect = withGaps(ref, 160, pk.length, LOST, true);
    assert.ok(snr(expect, out.samples[0]!) > 90, `SNR ${snr(expect, out.samples[0]!).toFixed(1)} dB`);
    assert.equal(rms(out.samples[0]!, 10 * 160, 12 * 160), 0, 'lost packets are silence');
    const p = out.playouts[0]!;
    assert.equal(p.lost, 3);
    assert.equal(p.gaps, 2);
    assert.equal(p.resyncs, 1, 'the timestamp jump re-anchored once');
  });
}

function writeTmp(b: Uint8Array): string {
  const f = join(work, `tmp-${Math.random().toString(36).slice(2)}.bin`);
  writeFileSync(f, b);
  return f;
}

test('G.722 at 16 kHz: ffmpeg\'s encoding decodes bit-exact with ffmpeg\'s decoder, with loss, reordering and a timestamp jump', { skip: noFfmpeg || noSox }, async () => {
  const src = sweep(16000, 2, 7000);
  const g722 = join(work, 's.g722');
  run('ffmpeg', ['-loglevel', 'error', '-y', '-f', 's16le', '-ar', '16000', '-ac', '1', '-i', src, '-c:a', 'g722', '-f', 'g722', g722]);
  const pk = frames(readFileSync(g722), 160);
  // The reference decoder sees what sipflow's sees: the packets that arrived, in order.
  const kept = Buffer.concat(pk.filter((_, i) => !LOST.includes(i)));
  const ref = s16le(run('ffmpeg', ['-loglevel', 'error', '-f', 'g722', '-i', writeTmp(kept), '-f', 's16le', '-']))[0]!;
  const file = callCapture(audioMedia(9, 'G722/8000'), [dir(pk, 9, 160, TROUBLE)]);
  const { out } = await decodeOne(file);
  assert.equal(out.rate, 16000, 'G.722 plays at 16 kHz although its RTP clock is 8000');
  assert.equal(out.samples[0]!.length, pk.length * 320);
  const expect = withGaps(ref, 320, pk.length, LOST);
  const s = snr(expect, out.samples[0]!);
  assert.ok(s > 90, `SNR ${s.toFixed(1)} dB`);
  // And the codec itself against the original sweep: wideband, so a 6 kHz tone survives.
  const orig = s16le(readFileSync(src))[0]!;
  const s0 = bestLagSnr(orig, out.samples[0]!, 320 * 10, 64);
  assert.ok(s0 > 10, `close to the source sweep once the QMF delay is allowed for: ${s0.toFixed(1)} dB`);
});

test('GSM 06.10: sox\'s (libgsm) encoding decodes bit-exact, loss and reordering included', { skip: noSox }, async () => {
  const src = sweep(8000, 2, 3500);
  const gsm = run('sox', ['-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1', '-L', src, '-t', 'gsm', '-']);
  const pk = frames(gsm, 33);
  const kept = Buffer.concat(pk.filter((_, i) => !LOST.includes(i)));
  const ref = s16le(run('sox', ['-t', 'gsm', writeTmp(kept), '-t', 'raw', '-e', 'signed', '-b', '16', '-L', '-']))[0]!;
  const file = callCapture(audioMedia(3, null), [dir(pk, 3, 160, TROUBLE)]);
  const { out } = await decodeOne(file);
  assert.equal(out.samples[0]!.length, pk.length * 160);
  const s = snr(withGaps(ref, 160, pk.length, LOST), out.samples[0]!);
  assert.ok(s > 90, `SNR ${s.toFixed(1)} dB`);
  const orig = s16le(readFileSync(src))[0]!;
  const s0 = bestLagSnr(orig, out.samples[0]!, 1600, 8);
  assert.ok(s0 > 3, `GSM is lossy but follows the sweep: ${s0.toFixed(1)} dB`);
});

test('L16 stereo at 16 kHz (rtpmap L16/16000/2): both channels exact, network byte order', { skip: noSox }, async () => {
  const src = sweep(16000, 1, 7000, 2);
  const be = Buffer.from(readFileSync(src));
  for (let i = 0; i + 1 < be.length; i += 2) { const t = be[i]!; be[i] = be[i + 1]!; be[i + 1] = t; }
  const pk = frames(be, 320 * 2 * 2);
  const file = callCapture(audioMedia(97, 'L16/16000/2'), [dir(pk, 97, 320, { lose: [5], late: { 20: 0.03 } })]);
  const { out } = await decodeOne(file);
  assert.equal(out.channels, 2);
  assert.equal(out.rate, 16000);
  const [l, r] = s16le(readFileSync(src), 2);
  assert.equal(out.samples[0]!.length, pk.length * 320);
  const el = withGaps(l!, 320, pk.length, [5], true), er = withGaps(r!, 320, pk.length, [5], true);
  assert.equal(snr(el, out.samples[0]!), Infinity, 'left channel sample-exact');
  assert.equal(snr(er, out.samples[1]!), Infinity, 'right channel sample-exact');
});

test('Opus at 48 kHz: ffmpeg (libopus) packets decode close to ffmpeg\'s own decoding, with loss, reordering and a timestamp jump', { skip: noFfmpeg || noSox }, async (t) => {
  const src = sweep(48000, 2, 12000);
  const ogg = join(work, 's.ogg');
  run('ffmpeg', ['-loglevel', 'error', '-y', '-f', 's16le', '-ar', '48000', '-ac', '1', '-i', src, '-c:a', 'libopus', '-b:a', '96k', '-frame_duration', '20', '-application', 'audio', ogg]);
  const packets = oggPackets(readFileSync(ogg));
  const head = packets[0]!;
  assert.equal(Buffer.from(head.subarray(0, 8)).toString(), 'OpusHead');
  const preSkip = head[10]! | (head[11]! << 8);
  const pk = packets.slice(2);
  const ref = s16le(run('ffmpeg', ['-loglevel', 'error', '-i', ogg, '-f', 's16le', '-ar', '48000', '-ac', '1', '-']))[0]!;
  const file = callCapture(audioMedia(111, 'opus/48000/2'), [dir(pk, 111, 960, TROUBLE)]);
  const started = performance.now();
  const { out } = await decodeOne(file);
  t.diagnostic(`capture analysed and ${pk.length} Opus packets decoded in ${(performance.now() - started).toFixed(0)} ms`);
  assert.equal(out.rate, 48000);
  assert.equal(out.samples[0]!.length, pk.length * 960, 'one 20 ms frame per packet, to the sample');
  // RTP has no pre-skip: sipflow's output runs preSkip samples behind the Ogg decoding.
  const ours = out.samples[0]!.subarray(preSkip);
  // Compare away from the losses (the decoder's state differs for a while after one).
  const clean: [number, number][] = [[0, 10], [14, 40], [44, pk.length - 2]];
  for (const [a, b] of clean) {
    const s = snr(ref, ours, a * 960, b * 960 - preSkip);
    t.diagnostic(`Opus packets ${a}-${b}: SNR ${s.toFixed(1)} dB against ffmpeg's decoding`);
    assert.ok(s > 25, `packets ${a}-${b}: SNR ${s.toFixed(1)} dB against ffmpeg's decoding`);
  }
  assert.equal(rms(out.samples[0]!, 10 * 960 + 10, 12 * 960), 0, 'lost packets are silence');
});

test('Opus is loaded only when an Opus stream is decoded, and its load cost is measured', { skip: noSox || noFfmpeg }, async (t) => {
  const before = performance.now();
  const mod = await import('opus-decoder');
  const d = new mod.OpusDecoder({ channels: 1 });
  await d.ready;
  const ms = performance.now() - before;
  d.free();
  t.diagnostic(`opus-decoder: import + WebAssembly instantiation ${ms.toFixed(1)} ms`);
  assert.ok(ms < 5000, `loading took ${ms} ms`);
  // A G.711 call in a fresh process: no opus-decoder module resolved on the way.
  const hook = `data:text/javascript,${encodeURIComponent("export async function resolve(s, c, n) { if (s.includes('opus-decoder')) process.stderr.write('LOADED ' + s + '\\n'); return n(s, c); }")}`;
  const reg = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)});`)}`;
  const main = join(process.cwd(), 'dist/src/cli/main.js');
  const src = sweep(8000, 1, 3000);
  const enc = run('sox', ['-t', 'raw', '-r', '8000', '-e', 'signed', '-b', '16', '-c', '1', '-L', src, '-t', 'raw', '-e', 'a-law', '-']);
  const pcma = callCapture(audioMedia(8, 'PCMA/8000'), [dir(frames(enc, 160), 8, 160)]);
  const { spawnSync } = await import('node:child_process');
  const g711 = spawnSync(process.execPath, ['--import', reg, main, 'audio', pcma, '-o', join(work, 'lazy'), '-q']);
  assert.equal(g711.status, 0, g711.stderr.toString());
  assert.doesNotMatch(g711.stderr.toString(), /LOADED/, 'a G.711 call does not load the Opus decoder');
  const ogg = join(work, 'lazy.ogg');
  run('ffmpeg', ['-loglevel', 'error', '-y', '-f', 's16le', '-ar', '8000', '-ac', '1', '-i', src, '-c:a', 'libopus', '-ar', '48000', ogg]);
  const opus = callCapture(audioMedia(111, 'opus/48000/2'), [dir(oggPackets(readFileSync(ogg)).slice(2), 111, 960)]);
  const op = spawnSync(process.execPath, ['--import', reg, main, 'audio', opus, '-o', join(work, 'lazy'), '-q']);
  assert.equal(op.status, 0, op.stderr.toString());
  assert.match(op.stderr.toString(), /LOADED/, 'an Opus call does');
});
