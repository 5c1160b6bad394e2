/**
 * The page budget of `sipflow report` past what fits (issue 20): a page of
 * many thousand dialogs shows the worst ones, counts the rest in its summary
 * with a note, and stays near --max-size whatever the number of dialogs; a
 * call with thousands of streams lists and draws a bounded number.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Call, CallMessage, Report, RtpStream } from '../../src/model.js';
import { MAX_CALL_SECTIONS, MAX_CALL_STREAMS, planPage, renderHtmlReport } from '../../src/render/html/index.js';
import { buildLadder } from '../../src/render/ladder/index.js';

function invite(i: number): CallMessage {
  return {
    frame: i + 1, time: i * 0.001, src: `10.1.${(i >> 8) & 255}.${i & 255}:5060`, dst: '10.0.0.1:5060', transport: 'UDP', method: 'INVITE',
    status: null, reason: null, cseq: '1 INVITE', label: 'INVITE', sdp: false, retransmission: false, raw: `INVITE sip:b@x SIP/2.0\r\nCall-ID: f-${i}\r\n\r\n`,
  };
}

function call(i: number, over: Partial<Call> = {}): Call {
  const m = invite(i);
  return {
    index: i + 1, callId: `f-${i}`, kind: 'call', partial: false, from: `sip:u${i}@x`, to: 'sip:b@x', fromDisplay: null, toDisplay: null,
    initialSpeaker: m.src, state: 'CALL SETUP', outcome: 'NO RESPONSE', comment: 'INVITE', sipPackets: 1, firstFrame: i + 1, lastFrame: i + 1,
    start: m.time, stop: m.time, setupMs: null, durationS: null, participants: [m.src, m.dst], messages: [m], media: [], streams: [], events: [], ...over,
  };
}

function report(calls: Call[], streams: RtpStream[] = []): Report {
  return {
    tool: 'sipflow', version: '0.0.0', file: 'flood.pcapng',
    capture: { format: 'pcapng', frames: calls.length, linkTypes: ['Ethernet'], firstTime: null, durationS: calls.length / 1000, truncated: false },
    calls, rtpStreams: streams, warnings: [],
  };
}

function stream(index: number, callId: string, packets: number): RtpStream {
  return {
    index, callId, heuristic: false, src: `10.0.0.2:${4000 + index}`, dst: '10.0.0.3:4000', ssrc: `0x${index.toString(16).padStart(8, '0')}`, payloadType: 0,
    codec: 'PCMU/8000', clockRate: 8000, packets, lost: 0, lossPct: 0, seqErrors: 0, minDeltaMs: 20, meanDeltaMs: 20, maxDeltaMs: 20,
    meanJitterMs: 0, maxJitterMs: 0, ptimeMs: 20, pps: 50, kbps: 80, start: 1, stop: 2, firstFrame: 1, lastFrame: 2,
  };
}

test('planPage: every dialog when they fit; past the budget the worst ones, in index order', () => {
  const few = Array.from({ length: 50 }, (_, i) => call(i));
  assert.equal(planPage(few, 0, 48 << 20, () => ({ lost: 0, mos: 5 })).omitted, 0);
  const many = Array.from({ length: 3000 }, (_, i) => call(i, i % 100 === 7 ? { state: 'REJECTED', outcome: 'BUSY' } : {}));
  const plan = planPage(many, 0, 4 << 20, () => ({ lost: 0, mos: 5 }));
  assert.ok(plan.shown.length > 100 && plan.shown.length < 500, `${plan.shown.length} shown`);
  assert.equal(plan.omitted, many.length - plan.shown.length);
  // The 30 busy calls are worst: all shown.
  assert.equal(plan.shown.filter((c) => c.outcome === 'BUSY').length, 30);
  assert.deepEqual(plan.shown.map((c) => c.index), [...plan.shown.map((c) => c.index)].sort((a, b) => a - b));
  // Lost packets rank among equally finished calls.
  const lossy = planPage(many, 0, 1 << 20, (c) => ({ lost: c.index === 2999 ? 50 : 0, mos: 5 }));
  assert.ok(lossy.shown.some((c) => c.index === 2999));
  // A hard cap whatever the budget.
  const huge = Array.from({ length: MAX_CALL_SECTIONS + 10 }, (_, i) => call(i));
  assert.equal(planPage(huge, 0, 4000 * 1048576, () => ({ lost: 0, mos: 5 })).shown.length, MAX_CALL_SECTIONS);
});

test('a page of 20 000 one-INVITE dialogs stays within --max-size and says what it left out', () => {
  const calls = Array.from({ length: 20000 }, (_, i) => call(i));
  const max = 8 << 20;
  const t0 = performance.now();
  const { html, stats } = renderHtmlReport(report(calls), { maxBytes: max, generated: null });
  const ms = performance.now() - t0;
  assert.ok(stats.bytes <= max, `${stats.bytes} bytes > ${max}`);
  assert.ok(stats.omittedCalls > 15000, `${stats.omittedCalls} omitted`);
  assert.equal(stats.calls + stats.omittedCalls, 20000);
  assert.match(html, /Page budget: 20000 dialogs do not fit/);
  assert.match(html, /dialogs are only counted in the summary above/);
  // The summary counts all of them.
  assert.match(html, /<th>Dialogs<\/th><td>20000 \(\d+ shown\)<\/td>/);
  assert.match(html, /NO RESPONSE<\/span> <b>20000<\/b>/);
  const sections = html.match(/<details class="call"/g)?.length ?? 0;
  assert.equal(sections, stats.calls);
  assert.ok(ms < 30000, `${ms} ms`);
});

test('a call with thousands of streams: its section and ladder keep the biggest MAX_CALL_STREAMS, with a note', () => {
  const c = call(0);
  const streams = Array.from({ length: 3000 }, (_, i) => stream(i + 1, c.callId, i === 2500 ? 9999 : 10));
  c.streams = streams.map((s) => s.index);
  const { html } = renderHtmlReport(report([c], streams), { generated: null });
  const data = JSON.parse(/<script type="application\/json" id="d-1">([\s\S]*?)<\/script>/.exec(html)![1]!) as { streams: RtpStream[]; notes: string[] };
  assert.equal(data.streams.length, MAX_CALL_STREAMS);
  assert.ok(data.streams.some((s) => s.index === 2501), 'the stream with the most packets is kept');
  assert.ok(data.notes.some((n) => /3000 RTP streams: the 200 with the most packets/.test(n)), data.notes.join('; '));
  const l = buildLadder(report([c], streams), [c], { rtp: true, maxStreams: 50 });
  assert.equal(l.rows.filter((r) => r.kind === 'rtp').length, 50);
  assert.equal(l.streamsCut, 2950);
});

test('ladder maxRows: rows past the limit are counted, spans after the last kept message too', () => {
  const calls = Array.from({ length: 30 }, (_, i) => call(i));
  const r = report(calls, [stream(1, 'f-0', 10)]);
  const l = buildLadder(r, calls, { maxRows: 10, rtp: true });
  assert.equal(l.rows.length, 10);
  assert.equal(l.rowsCut, 21);
});
