/**
 * `sipflow report --audio`: the page embeds a WAV per call (base64, no
 * file beside it), its CSP allows blob: media and nothing more, the clip
 * keeps to its size budget (8 kHz, then cut, with a note), and in Chromium
 * a click on the waveform plays from that point, with no policy violation
 * and no network request.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { htmlReport } from '../../src/html-report.js';
import { audioClip } from '../../src/render/html/audio.js';
import { decodeWav } from '../../src/media/audio/wav.js';
import { sipflow } from '../helpers/cli.js';
import { audioMedia, CALLEE, CALLER, callCapture, type Direction } from '../helpers/rtp-capture.js';
import { ALAW } from '../../src/media/audio/g711.js';

const CHROMIUM = '/usr/bin/chromium';
// Browser globals inside page.evaluate callbacks (the test's lib has no DOM types).
declare const window: any;
declare const document: any;
const work = mkdtempSync(join(tmpdir(), 'sipflow-html-audio-'));

/** A-law code nearest to x (-1..1). */
function alawOf(x: number): number {
  let best = 0;
  for (let i = 0; i < 256; i++) if (Math.abs(ALAW[i]! / 32768 - x) < Math.abs(ALAW[best]! / 32768 - x)) best = i;
  return best;
}

/** A 3 s call: tones both ways, a DTMF event from the caller at 2 s. */
function toneCall(): string {
  const code = new Map<number, number>();
  const tone = (f: number) => Array.from({ length: 150 }, (_, k) => Uint8Array.from({ length: 160 }, (_, i) => {
    const v = Math.round(400 * Math.sin(2 * Math.PI * f * (k * 160 + i) / 8000));
    if (!code.has(v)) code.set(v, alawOf(v / 1000));
    return code.get(v)!;
  }));
  const a: Direction = { from: CALLER, to: CALLEE, payloads: tone(440), pt: 8, tsStep: 160, start: 1, interval: 0.02,
    extra: [[3, 101, 5000, 99999, Uint8Array.of(1, 0x8a, 3, 0x20), true]] };
  const b: Direction = { from: CALLEE, to: CALLER, payloads: tone(880), pt: 8, tsStep: 160, start: 1.2, interval: 0.02, ssrc: 0xb0b };
  return callCapture(audioMedia(8, 'PCMA/8000'), [a, b]);
}

test('report without --audio embeds no audio and keeps its CSP; with it, one WAV per call and media-src blob:', async () => {
  const file = toneCall();
  const plain = await htmlReport(file, { generated: null });
  assert.doesNotMatch(plain.html, /id="a-1"/);
  assert.doesNotMatch(plain.html, /media-src/);
  const r = await htmlReport(file, { generated: null, audio: true });
  const m = /<script type="application\/json" id="a-1">([^<]*)<\/script>/.exec(r.html);
  assert.ok(m, 'the call has its audio block');
  const clip = JSON.parse(m[1]!) as { b64: string; rate: number; durationS: number; markers: { t: number; label: string; kind: string }[]; peaks: number[][]; labels: string[] };
  const wav = decodeWav(Buffer.from(clip.b64, 'base64'));
  assert.equal(wav.channels.length, 2);
  assert.equal(wav.rate, 8000);
  assert.ok(Math.abs(clip.durationS - 3.2) < 0.01, `3.2 s: ${clip.durationS}`);
  assert.equal(clip.peaks.length, 2);
  assert.ok(Math.max(...clip.peaks[0]!) > 0.3 && Math.max(...clip.peaks[1]!) > 0.3);
  const dtmf = clip.markers.find((x) => x.kind === 'dtmf')!;
  assert.equal(dtmf.label, '1');
  assert.ok(Math.abs(dtmf.t - 2) < 0.001, 'the digit at 2 s into the clip');
  assert.match(clip.labels[0]!, /^caller: 10\.9\.0\.1:40000 → 10\.9\.0\.2:50000/);
  assert.match(r.html, /media-src blob:;/);
  assert.doesNotMatch(r.html, /media-src[^;]*(http|\*)/);
});

test('the audio size budget: 8 kHz, then cut, with a note', () => {
  const n = 16000 * 10;
  const x = Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(i / 5));
  const full = audioClip({ samples: [x, x], rate: 16000, startS: 0, labels: ['a', 'b'], markers: [] }, 1 << 24);
  assert.equal(full.rate, 16000);
  assert.equal(full.note, null);
  const small = audioClip({ samples: [x, x], rate: 16000, startS: 0, labels: ['a', 'b'], markers: [{ t: 9.9, label: 'late', kind: 'ended' }] }, 400_000);
  assert.equal(small.rate, 8000);
  assert.ok(small.b64.length <= 400_000, `${small.b64.length} bytes`);
  assert.match(small.note!, /^only the first [\d.]+ s of 10\.0 s fit the audio size budget \(at 8 kHz\)$/);
  assert.equal(small.markers.length, 0, 'a marker past the cut is not drawn');
  const r = sipflow(['report', 'fixtures/call-completed.pcapng', '--audio', '--audio-max-size', 'lots', '-o', join(work, 'x.html')]);
  assert.equal(r.code, 64);
  // One line naming the option and what it accepts (the CLI's shared option check words it).
  assert.match(r.stderr, /--audio-max-size[^\n]*expect(s|ed) a size in MiB/);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(sipflow(['report', '--help']).stdout, /--audio-max-size <MiB>[\s\S]*Audio \(--audio, off by default\)/);
});

let pw: { chromium: { launch(o: { executablePath: string; args: string[] }): Promise<any> } } | null = null;
try { const name = 'playwright-core'; pw = await import(name); } catch { pw = null; }
const noBrowser = !existsSync(CHROMIUM) ? `${CHROMIUM} not found (apt-get install chromium)` : !pw ? 'playwright-core is not installed' : false;

test('in Chromium: a click on the waveform plays from that point; no CSP violation, no request', { skip: noBrowser }, async () => {
  const r = await htmlReport(toneCall(), { generated: null, audio: true });
  const file = join(work, 'audio.html');
  writeFileSync(file, r.html);
  const browser = await pw!.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const problems: string[] = [];
    page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
    page.on('console', (m: { type(): string; text(): string }) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('request', (q: { url(): string }) => { if (!/^(file|data|about|blob):/.test(q.url())) problems.push(`request: ${q.url()}`); });
    await page.addInitScript(() => {
      (window as any).__violations = [];
      document.addEventListener('securitypolicyviolation', (e: any) => (window as any).__violations.push(`${e.violatedDirective}: ${e.blockedURI}`));
    });
    await page.goto('file://' + file);
    const wave = page.locator('svg.wave').first();
    await wave.waitFor({ timeout: 15000 });
    await wave.scrollIntoViewIfNeeded();
    const box = await wave.boundingBox();
    await page.mouse.click(box.x + box.width * 0.75, box.y + box.height / 2);
    await page.waitForTimeout(400);
    const state = await page.evaluate(() => { const a = document.querySelector('.player audio') as any; return { t: a.currentTime, d: a.duration, paused: a.paused, error: a.error?.code ?? null }; });
    assert.equal(state.error, null, 'the WAV decodes in the browser');
    assert.ok(Math.abs(state.d - 3.2) < 0.05, `duration ${state.d}`);
    assert.ok(state.t >= 0.7 * 3.2 && state.t < 3.2, `plays from about 75 %: ${state.t}`);
    assert.deepEqual(await page.evaluate(() => (window as any).__violations), []);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
