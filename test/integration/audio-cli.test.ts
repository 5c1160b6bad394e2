/**
 * `sipflow audio` as a user runs it: help with examples, option checks
 * (exit 64 with the accepted values), unusable input (exit 2), what it
 * prints and writes; and on the reference corpus, an Opus call and an A-law
 * call with DTMF: the WAV is not silence, lasts as long as the capture's
 * RTP, and is silent where the RTP stopped (the digits' events).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sipflow } from '../helpers/cli.js';
import { CORPUS, corpusSkip } from '../helpers/corpus.js';
import { decodeWav } from '../../src/media/audio/wav.js';
import { rms } from '../helpers/rtp-capture.js';
import type { Report } from '../../src/model.js';

const work = mkdtempSync(join(tmpdir(), 'sipflow-audio-cli-'));

test('audio --help explains playout and MOS, with examples on the bundled fixtures', () => {
  const r = sipflow(['audio', '--help']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /--jitter-buffer <ms>/);
  assert.match(r.stdout, /G\.107 E-model/);
  assert.match(r.stdout, /sipflow audio fixtures\/call-completed\.pcapng -o/);
  for (const m of r.stdout.matchAll(/\$ sipflow audio (fixtures\/\S+)/g)) assert.ok(existsSync(m[1]!), `example capture ${m[1]} exists`);
  assert.match(sipflow(['--help']).stdout, /sipflow audio fixtures\/call-completed\.pcapng/);
});

test('bad options exit 64 with one line naming the accepted values', () => {
  const cases: [string[], RegExp][] = [
    [['--rate', '12345'], /^sipflow: --rate 12345: accepted values are 8000, 11025, .*48000\n$/],
    [['--jitter-buffer', 'soon'], /^sipflow: --jitter-buffer soon: accepted values are milliseconds from 1 to 2000\n$/],
    [['--jitter-buffer', '0'], /accepted values are milliseconds/],
    [['--call', 'x'], /^sipflow: --call "x": expected call numbers/],
    [['--mono', '--stereo'], /^sipflow: --mono and --stereo: accepted is one of them/],
    [['--call', '9'], /^sipflow: --call 9: no call 9 in fixtures\/call-completed\.pcapng; its dialogs: 1 \(call\)\n$/],
    [['--stream', '7'], /^sipflow: --stream 7: no RTP stream 7 .*its streams: 1, 2\n$/],
  ];
  for (const [args, re] of cases) {
    const r = sipflow(['audio', 'fixtures/call-completed.pcapng', '-o', join(work, 'bad'), ...args]);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.ok(!existsSync(join(work, 'bad')), 'nothing written on a usage error');
});

test('unusable input exits 2 with one line', () => {
  const missing = sipflow(['audio', join(work, 'nope.pcap'), '-o', join(work, 'x')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.pcap/);
  assert.equal(missing.stderr.trim().split('\n').length, 1);
  const notCapture = sipflow(['audio', 'README.md', '-o', join(work, 'x')]);
  assert.equal(notCapture.code, 2);
});

test('a fixture call: the folder is created, one stereo WAV, a line per side with loss and MOS', () => {
  const out = join(work, 'deep', 'er');
  const r = sipflow(['audio', 'fixtures/call-completed.pcapng', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readdirSync(out), ['call-1.wav']);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /call-1\.wav {2}3\.003 s {2}8000 Hz stereo \(left: caller, right: callee\) {2}from 1\.583 s {2}call 1$/);
  assert.match(lines[1]!, /^ {2}left {3}stream 2 {2}192\.0\.2\.10:40000 → 192\.0\.2\.20:50000 {2}PCMU\/8000 {2}150 packets, 0 lost in 0 gaps \(0 ms silent\) {2}MOS 4\.36/);
  assert.match(lines[2]!, /^ {2}right {2}stream 1 .* 1 lost in 1 gaps \(20 ms silent\) {2}MOS 4\.30/);
  const wav = decodeWav(readFileSync(join(out, 'call-1.wav')));
  assert.equal(wav.rate, 8000);
  assert.equal(wav.channels.length, 2);
  const mono = sipflow(['audio', 'fixtures/call-completed.pcapng', '-o', join(work, 'mono'), '--mono', '--rate', '16000', '--jitter-buffer', '60', '-q']);
  assert.equal(mono.code, 0, mono.stderr);
  assert.equal(mono.stdout, '', '-q prints nothing');
  assert.deepEqual(readdirSync(join(work, 'mono')).sort(), ['stream-1.wav', 'stream-2.wav']);
  assert.equal(decodeWav(readFileSync(join(work, 'mono', 'stream-1.wav'))).rate, 16000);
});

test('analyze shows MOS in the stream table, the JSON and the CSV', () => {
  const t = sipflow(['analyze', 'fixtures/call-completed.pcapng', '-w', '200']);
  // The exit first, with what the child said: one run printed nothing, and why was not shown.
  assert.equal(t.code, 0, `exit ${t.code}: ${t.stderr}`);
  assert.match(t.stdout, /│ +MOS │ Worst 5s │/);
  assert.match(t.stdout, /│ 4\.30 │ +4\.30 │/);
  const j = JSON.parse(sipflow(['analyze', 'fixtures/call-completed.pcapng', '--json']).stdout) as Report;
  assert.deepEqual(j.rtpStreams.map((s) => [s.mos, s.rFactor, s.mosWorst5s]), [[4.3, 88.6, 4.3], [4.36, 91.1, 4.36]]);
  const csv = sipflow(['analyze', 'fixtures/call-completed.pcapng', '--csv']).stdout.split('\r\n');
  assert.match(csv[0]!, /,minMos,minMosWorst5s$/);
  assert.match(csv[1]!, /,4\.3,4\.3$/);
});

const corpus = corpusSkip();

/** The one WAV `sipflow audio` writes for a corpus capture, and the capture's report. */
function corpusAudio(rel: string): { wav: ReturnType<typeof decodeWav>; report: Report; stdout: string } {
  const file = join(CORPUS, rel);
  const out = join(work, rel.replace(/\W/g, '_'));
  const r = sipflow(['audio', file, '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const wavs = readdirSync(out);
  assert.equal(wavs.length, 1, `one call with audio: ${wavs.join(', ')}`);
  const report = JSON.parse(sipflow(['analyze', file, '--json']).stdout) as Report;
  return { wav: decodeWav(readFileSync(join(out, wavs[0]!))), report, stdout: r.stdout };
}

test('corpus: the Opus call of Z1_fullcall is voice, as long as its RTP, silent before its RTP starts', { skip: corpus }, () => {
  const { wav, report, stdout } = corpusAudio('mtaa/Z1_fullcall.pcapng');
  assert.equal(wav.rate, 48000);
  const audio = report.rtpStreams.filter((s) => s.codec.startsWith('opus'));
  const start = Math.min(...audio.map((s) => s.start));
  const span = Math.max(...audio.map((s) => s.stop)) + 0.02 - start;
  const dur = wav.channels[0]!.length / wav.rate;
  assert.ok(Math.abs(dur - span) < 0.03, `WAV ${dur.toFixed(3)} s, RTP ${span.toFixed(3)} s`);
  const right = wav.channels[1]!;
  assert.ok(rms(right) > 0.01, `the callee's side is voice: RMS ${rms(right).toFixed(4)}`);
  const callee = audio.find((s) => s.start > start)!;
  const before = Math.floor((callee.start - start) * wav.rate) - 48;
  assert.equal(rms(right, 0, before), 0, 'silent before the callee\'s RTP starts');
  assert.match(stdout, /opus\/48000 {2}300 packets, 0 lost/);
});

test('corpus: SIP_DTMF2 (A-law + RFC 4733): voice, the capture\'s RTP duration, silence where the digits replaced the audio', { skip: corpus }, () => {
  const { wav, report, stdout } = corpusAudio('wireshark-samples/SIP_DTMF2.pcap');
  assert.equal(wav.rate, 8000);
  const streams = report.rtpStreams;
  const start = Math.min(...streams.map((s) => s.start));
  const span = Math.max(...streams.map((s) => s.stop)) + 0.02 - start;
  const dur = wav.channels[0]!.length / wav.rate;
  assert.ok(Math.abs(dur - span) < 0.05, `WAV ${dur.toFixed(3)} s, RTP ${span.toFixed(3)} s`);
  const withDigits = streams.find((s) => s.dtmf?.length)!;
  assert.equal(withDigits.dtmf!.map((d) => d.digit).join(''), '6789123');
  assert.match(stdout, /DTMF 6@81\.53 7@83\.06/);
  const ch = wav.channels[1]!;
  assert.ok(rms(ch) > 0.005, `voice: RMS ${rms(ch).toFixed(4)}`);
  for (const d of withDigits.dtmf!) {
    const a = Math.round((d.time - start + 0.01) * 8000), b = Math.round((d.time - start + d.durationMs! / 1000 - 0.01) * 8000);
    const during = rms(ch, a, b), around = rms(ch, a - 4000, a - 400);
    assert.ok(during < 1e-4 && around > 10 * during, `digit ${d.digit}: RMS ${during.toExponential(2)} while the events replace the audio, ${around.toFixed(4)} before`);
  }
});

test('corpus: both parties on 127.0.0.1 (a loopback lab): sides follow the SDP the caller announced, and a re-INVITE to Opus stays on its side', { skip: corpus }, () => {
  const r = sipflow(['audio', join(CORPUS, 'wild/NormB_sipnab__register-invite-reinvite-bye.pcap'), '-o', join(work, 'loop')]);
  assert.equal(r.code, 0, r.stderr);
  const sides = [...r.stdout.matchAll(/^ {2}(left|right) +stream \d+ {2}(\S+) → (\S+) {2}(\S+)/gm)].map((m) => [m[1], m[2], m[4]]);
  assert.deepEqual(sides, [
    ['left', '127.0.0.1:5094', 'PCMU/8000'], ['left', '127.0.0.1:5094', 'opus/48000'],
    ['right', '127.0.0.1:5084', 'PCMU/8000'], ['right', '127.0.0.1:5084', 'opus/48000'],
  ]);
  const wav = decodeWav(readFileSync(join(work, 'loop', 'call-2.wav')));
  assert.equal(wav.rate, 48000, 'the higher rate of the call\'s codecs');
});
