/** What a user asks of the reference captures: codecs, video on/off, DTMF, transfer, one-way audio. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import { CORPUS, corpusSkip } from '../helpers/corpus.js';

const skip = corpusSkip();
const media = { heuristic: false };
const at = (f: string) => join(CORPUS, f);

test('Z1_videocall: opus and VP8 streams, Video ON and OFF at the re-INVITEs', { skip }, async () => {
  const r = await analyze(at('mtaa/Z1_videocall.pcapng'), { media });
  const call = r.calls.find((c) => c.kind === 'call')!;
  const codecs = new Set(call.streams.map((i) => r.rtpStreams[i - 1]!.codec));
  assert.ok(codecs.has('opus/48000'));
  assert.ok(codecs.has('VP8/90000'));
  assert.deepEqual(call.media.map((m) => m.type).sort(), ['audio', 'video']);
  const ev = call.events.map((e) => `${e.frame} ${e.text}`);
  assert.ok(ev.includes('155 Video ON'), ev.join('; '));
  assert.ok(ev.includes('1309 Video OFF'), ev.join('; '));
  assert.equal(ev[0], '2 Incoming call mobillin -> linPC');
  assert.ok(ev.some((e) => /Answered by linPC/.test(e)));
  assert.match(ev[ev.length - 1]!, /Ended by .* \(BYE\)/);
  const invite = call.messages.find((m) => m.frame === 155)!;
  assert.match(invite.sdpSummary ?? '', /^audio .*; video .*9078/);
});

test('SIP_DTMF2: the RFC 4733 digits of the answered call, one per key press', { skip }, async () => {
  const r = await analyze(at('wireshark-samples/SIP_DTMF2.pcap'), { media });
  const answered = r.calls.find((c) => c.outcome?.startsWith('ANSWERED'))!;
  const digits = answered.events.filter((e) => e.text.startsWith('DTMF')).map((e) => `${e.text.slice(5)}@${e.frame}`);
  assert.deepEqual(digits, ['6@339', '7@441', '8@473', '9@503', '1@543', '2@577', '3@615']);
  const declined = r.calls.find((c) => c.outcome === 'DECLINED')!;
  assert.ok(declined.events.some((e) => e.text === 'Declined (603)'));
  assert.deepEqual(answered.media[0]!.codecs.slice(0, 1), ['PCMA/8000']);
});

test('Z1_transfercall: the REFER shows as a transfer to tablet', { skip }, async () => {
  const r = await analyze(at('mtaa/Z1_transfercall.pcapng'), { media });
  const first = r.calls[0]!;
  assert.ok(first.events.some((e) => e.frame === 809 && e.text === 'Transfer to tablet (REFER)'), first.events.map((e) => e.text).join('; '));
  // The transferred call's media (mobile <-> tablet) never crossed the capturing PC: not judged as
  // "no audio", only reported as a path the capture did not see.
  const second = r.calls[1]!;
  assert.equal(second.outcome, 'COMPLETED');
  assert.ok(r.warnings.some((w) => w.code === 'media-not-captured' && /192\.168\.1\.19:7078/.test(w.message)));
  assert.ok(!r.warnings.some((w) => w.code === 'no-audio' || w.code === 'one-way-audio'));
});

test('Z1_conferencecall: every call has a timeline and RTP streams are found', { skip }, async () => {
  const r = await analyze(at('mtaa/Z1_conferencecall.pcapng'), { media });
  const texts = r.calls.flatMap((c) => c.events.map((e) => e.text));
  assert.ok(texts.some((t) => /Incoming call/.test(t)));
  assert.ok(r.rtpStreams.length >= 2);
});
