/**
 * The HTML report's pieces without a browser: escaping, the inline JSON,
 * the size budget, plot series, ladder hooks and the page's structure
 * (CSP hash, one executable script, no external references).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import type { Call, CallMessage, Report, RtpStream } from '../../src/model.js';
import {
  callBudget, callPayload, cleanText, esc, jsonForScript, ladderFor, renderHtmlReport, timelineSvg,
  MAX_MESSAGE_CHARS, MIN_CALL_BYTES, MAX_CALL_BYTES,
} from '../../src/render/html/index.js';

const EVIL = `</script><script>alert(1)</script><!--<img src=x onerror=alert(2)>"'&\u2028\u0000`;

function msg(i: number, over: Partial<CallMessage> = {}): CallMessage {
  const req = i % 2 === 0;
  return {
    frame: i + 1, time: i * 0.1, src: req ? '10.0.0.1:5060' : '10.0.0.2:5060', dst: req ? '10.0.0.2:5060' : '10.0.0.1:5060',
    transport: 'UDP', method: req ? 'INVITE' : null, status: req ? null : 200, reason: req ? null : 'OK',
    cseq: '1 INVITE', label: req ? 'INVITE' : '200 OK', sdp: false, retransmission: false,
    raw: `${req ? 'INVITE sip:b@x SIP/2.0' : 'SIP/2.0 200 OK'}\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n`, ...over,
  };
}

function call(index: number, messages: CallMessage[], over: Partial<Call> = {}): Call {
  return {
    index, callId: `call-${index}`, kind: 'call', partial: false, from: 'sip:alice@x', to: 'sip:bob@y', fromDisplay: null, toDisplay: null,
    initialSpeaker: '10.0.0.1', state: 'COMPLETED', outcome: 'COMPLETED', comment: 'INVITE 200', sipPackets: messages.length,
    firstFrame: 1, lastFrame: messages.length, start: 0, stop: messages.length * 0.1, setupMs: 100, durationS: 1,
    participants: ['10.0.0.1:5060', '10.0.0.2:5060'], messages, media: [], streams: [], events: [], ...over,
  };
}

function report(calls: Call[], streams: RtpStream[] = []): Report {
  return {
    tool: 'sipflow', version: '0.0.0', file: 'x.pcapng',
    capture: { format: 'pcapng', frames: 10, linkTypes: ['Ethernet'], firstTime: null, durationS: 10, truncated: false },
    calls, rtpStreams: streams, warnings: [],
  };
}

function stream(index: number, over: Partial<RtpStream> = {}): RtpStream {
  return {
    index, callId: 'call-1', heuristic: false, src: '10.0.0.1:4000', dst: '10.0.0.2:4000', ssrc: '0x00000001', payloadType: 0,
    codec: 'PCMU/8000', clockRate: 8000, packets: 5000, lost: 0, lossPct: 0, seqErrors: 0, minDeltaMs: 19, meanDeltaMs: 20, maxDeltaMs: 40,
    meanJitterMs: 1, maxJitterMs: 3, ptimeMs: 20, pps: 50, kbps: 80, start: 0, stop: 100, firstFrame: 1, lastFrame: 5000, ...over,
  };
}

test('esc escapes the five HTML specials and drops characters HTML forbids', () => {
  assert.equal(esc(`<a href="x" title='y'>&</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;');
  assert.equal(esc('a\u0000b\u0007c\td\ne'), 'a\ufffdb\ufffdc\td\ne');
  assert.equal(esc('\ud800x'), '\ufffdx', 'a lone surrogate is replaced');
  assert.equal(esc('😀'), '😀', 'a surrogate pair stays');
  assert.equal(esc(null), '');
  assert.equal(cleanText('ok'), 'ok');
});

test('jsonForScript cannot close or re-enter the script element and round-trips', () => {
  const v = { s: EVIL, nested: [EVIL, { k: '</SCRIPT >' }] };
  const j = jsonForScript(v);
  assert.ok(!/<\/script/i.test(j) && !j.includes('<!--') && !/<script/i.test(j) && !j.includes('<'), j);
  assert.ok(!j.includes('\u2028'));
  const back = JSON.parse(j) as typeof v;
  assert.equal(back.s, EVIL.replace('\u0000', '\ufffd'));
  assert.equal(back.nested[1] && (back.nested[1] as { k: string }).k, '</SCRIPT >');
});

test('call budget: shared by the calls, between the per-call bounds', () => {
  assert.equal(callBudget(1), MAX_CALL_BYTES);
  assert.equal(callBudget(1_000_000), MIN_CALL_BYTES);
  const b = callBudget(1000, 48 * 1048576);
  assert.ok(b > 40 * 1024 && b < 48 * 1024, String(b));
});

test('a message text over the per-message limit is cut with the count of what is missing', () => {
  const big = 'INVITE sip:b@x SIP/2.0\r\nX: ' + 'a'.repeat(MAX_MESSAGE_CHARS * 2);
  const c = call(1, [msg(0, { raw: big })]);
  const { payload } = callPayload(report([c]), c, [], { budget: MAX_CALL_BYTES });
  assert.equal(payload.msgs[0]!.x!.length, MAX_MESSAGE_CHARS);
  assert.equal(payload.msgs[0]!.cut, big.length - MAX_MESSAGE_CHARS);
});

test('a call over its budget loses plot points, then message text (longest first), and says so', () => {
  const messages = Array.from({ length: 40 }, (_, i) => msg(i, { raw: `SIP/2.0 200 OK\r\nX: ${'b'.repeat(i === 3 ? 12000 : 2000)}\r\n\r\n` }));
  const c = call(1, messages, { streams: [1] });
  const s = stream(1, { callId: c.callId, packets: 5000 });
  const t = Array.from({ length: 500 }, (_, i) => i * 0.2);
  const series = new Map([[1, { stream: 1, packets: 5000, binS: 0.2, t, jitter: t.map(() => 1.5), dmax: t.map(() => 21.25), dmin: t.map(() => 18.5) }]]);
  const budget = 40 * 1024;
  const { payload } = callPayload(report([c], [s]), c, [s], { budget, series });
  const size = jsonForScript(payload).length;
  assert.ok(size <= budget * 1.02, `payload ${size} bytes over budget ${budget}`);
  assert.ok(payload.notes.some((n) => /plots (reduced|left out)/.test(n)), payload.notes.join('; '));
  if (payload.series.length) assert.ok(payload.series[0]!.t.length < 500 && payload.series[0]!.t.length >= 60, `plot points ${payload.series[0]!.t.length}`);
  // With more room the plots stay (thinned) and the texts are cut less.
  const roomy = callPayload(report([c], [s]), c, [s], { budget: 80 * 1024, series }).payload;
  assert.ok(jsonForScript(roomy).length <= 80 * 1024);
  assert.equal(roomy.series.length, 1);
  assert.ok(roomy.series[0]!.t.length >= 60 && roomy.series[0]!.t.length < 500);
  const cut = payload.msgs.filter((m) => m.cut);
  assert.ok(cut.length > 0);
  assert.ok(payload.msgs[3]!.cut! > 0, 'the longest text is cut');
  assert.ok(payload.notes.some((n) => /message texts? cut/.test(n)), payload.notes.join('; '));
  // Every message still starts with its start line.
  for (const m of payload.msgs) assert.ok(m.x!.startsWith('SIP/2.0 200 OK'));
});

test('ladder hooks: one data-row per row, the renderer style lifted out, rows mapped to messages and streams', () => {
  const c = call(1, [msg(0), msg(1), msg(2, { label: `INVITE <script>x</script>` })], { streams: [1] });
  const r = report([c], [stream(1, { callId: c.callId, start: 0.15, stop: 0.3 })]);
  const l = ladderFor(r, c, 400);
  assert.ok(l.hooks, 'every row group found');
  assert.equal((l.svg.match(/data-row="/g) ?? []).length, l.rows.length);
  assert.deepEqual(l.rows.filter((x) => x >= 0), [0, 1, 2]);
  assert.ok(l.rows.includes(-2), 'the RTP span maps to stream 1');
  assert.ok(!l.svg.includes('<style') && !l.svg.startsWith('<?xml'));
  assert.ok(l.style && l.style.includes('{'));
  assert.ok(!l.svg.includes('<script>') && l.svg.includes('&lt;script&gt;'));
  const cut = ladderFor(r, call(1, Array.from({ length: 30 }, (_, i) => msg(i))), 10);
  assert.equal(cut.cut, 20);
});

test('timeline: one bar per call linking to it; tooltips escaped', () => {
  const calls = [call(1, [msg(0)], { fromDisplay: '<b>x</b>' }), call(2, [msg(0)], { start: 3, stop: 4, state: 'REJECTED', outcome: 'BUSY' })];
  const svg = timelineSvg(report(calls), calls);
  assert.equal((svg.match(/<rect data-n="/g) ?? []).length, 2);
  assert.ok(svg.includes('class="b-bad"'));
  assert.ok(!svg.includes('<b>') && svg.includes('&lt;b&gt;'));
});

test('page: self-contained, CSP allows exactly our script, packet strings escaped everywhere', () => {
  const c = call(1, [msg(0, { raw: EVIL, label: EVIL })], { callId: EVIL, fromDisplay: EVIL, toDisplay: EVIL, comment: EVIL, participants: ['10.0.0.1:5060', EVIL] });
  const r = report([c]);
  r.file = `/tmp/${EVIL}.pcapng`;
  r.warnings = [{ frame: 1, code: EVIL, message: EVIL }];
  const { html, stats } = renderHtmlReport(r, { generated: null });
  // One executable script, allowed by its hash.
  const scripts = [...html.matchAll(/<script(\s[^>]*)?>([\s\S]*?)<\/script>/g)];
  const exec = scripts.filter((m) => !/type="application\/json"/.test(m[1] ?? ''));
  assert.equal(exec.length, 1);
  const hash = createHash('sha256').update(exec[0]![2]!, 'utf8').digest('base64');
  assert.ok(html.includes(`script-src 'sha256-${hash}'`), 'CSP hash matches the inline script');
  assert.ok(html.includes("default-src 'none'"));
  // The evil string never appears raw, only escaped.
  assert.ok(!html.includes('<img src=x'), 'no raw img tag');
  assert.ok(!html.includes('<script>alert'), 'no raw script');
  assert.equal((html.match(/<\/script>/g) ?? []).length, scripts.length, 'every </script> closes one of ours');
  assert.ok(!/(src|href)=["']?(https?:|\/\/)/i.test(html), 'no external references');
  assert.ok(!/url\(/i.test(html), 'no CSS urls');
  assert.equal(stats.calls, 1);
  // Deterministic without a generation time.
  assert.equal(renderHtmlReport(r, { generated: null }).html, html);
});
