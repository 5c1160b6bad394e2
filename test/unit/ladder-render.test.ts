/**
 * Ladder layout and renderers on hand-built Reports: column order, aliases,
 * --by host, RTP spans, width fitting, and escaping of hostile strings in
 * SVG, Mermaid and Markdown.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { color } from '../../src/render/color.js';
import { displayWidth, printable } from '../../src/render/terminal.js';
import type { Call, CallMessage, Report, RtpStream } from '../../src/model.js';
import {
  buildLadder, diagramFileName, mermaidEscape, renderLadderSvg, renderLadderText,
  renderMarkdown, renderMermaid, ROW_ORDERS, sanitizeCallId, unknownColumns,
} from '../../src/render/ladder/index.js';
import { hasTerminalUnsafe, terminalText, xmlEscape } from '../../src/render/escape.js';
import { hostOf } from '../../src/net/addr.js';
import { parseAliases } from '../../src/aliases.js';

color.level = 0;

const A = '10.0.0.1:5060';
const P = '10.0.0.2:5060';
const B = '10.0.0.3:5062';

function msg(frame: number, time: number, src: string, dst: string, what: string | number, extra: Partial<CallMessage> = {}): CallMessage {
  const isReq = typeof what === 'string';
  const reason: Record<number, string> = { 100: 'Trying', 180: 'Ringing', 200: 'OK', 486: 'Busy Here', 603: 'Decline' };
  const label = isReq ? what : `${what} ${reason[what] ?? ''}`.trim();
  return {
    frame, time, src, dst, transport: 'UDP', method: isReq ? what : null, status: isReq ? null : what,
    reason: isReq ? null : reason[what] ?? null, cseq: `1 ${isReq ? what : 'INVITE'}`, label, sdp: false, retransmission: false, ...extra,
  };
}

function call(index: number, callId: string, messages: CallMessage[], extra: Partial<Call> = {}): Call {
  const parts: string[] = [];
  for (const m of messages) for (const e of [m.src, m.dst]) if (!parts.includes(e)) parts.push(e);
  return {
    index, callId, kind: 'call', partial: false, from: 'sip:alice@example.com', to: 'sip:bob@example.com',
    fromDisplay: 'Alice', toDisplay: null, initialSpeaker: '10.0.0.1', state: 'COMPLETED', outcome: 'COMPLETED',
    comment: 'INVITE 200', sipPackets: messages.length, firstFrame: messages[0]?.frame ?? 0, lastFrame: messages.at(-1)?.frame ?? 0,
    start: messages[0]?.time ?? 0, stop: messages.at(-1)?.time ?? 0, setupMs: null, durationS: null, participants: parts,
    messages, media: [], streams: [], events: [], ...extra,
  };
}

function stream(index: number, callId: string, src: string, dst: string, start: number, stop: number, packets: number): RtpStream {
  return {
    index, callId, heuristic: false, src, dst, ssrc: '0x0000abcd', payloadType: 0, codec: 'PCMU/8000', clockRate: 8000,
    packets, lost: 0, lossPct: 0, seqErrors: 0, minDeltaMs: 20, meanDeltaMs: 20, maxDeltaMs: 20, meanJitterMs: 0.1, maxJitterMs: 0.2,
    ptimeMs: 20, pps: 50, kbps: 80, start, stop, firstFrame: 100 + index, lastFrame: 200 + index,
  };
}

function report(calls: Call[], rtpStreams: RtpStream[] = []): Report {
  return {
    tool: 'sipflow', version: '0.0.0', file: 'lab.pcapng',
    capture: { format: 'pcapng', frames: 100, linkTypes: ['Ethernet'], firstTime: null, durationS: 10, truncated: false },
    calls, rtpStreams, warnings: [],
  };
}

/** A proxied call with a retransmission, SDP summaries and two RTP streams. */
function basic(): Report {
  const m = [
    msg(1, 0, A, P, 'INVITE', { label: 'INVITE (SDP)', sdp: true, sdpSummary: 'audio PCMU/8000 10.0.0.1:4000 sendrecv' }),
    msg(2, 0.001, P, B, 'INVITE', { label: 'INVITE (SDP)', sdp: true }),
    msg(3, 0.01, P, A, 100),
    msg(4, 0.5, B, P, 180),
    msg(5, 0.501, P, A, 180),
    msg(6, 2.5, B, P, 200, { label: '200 OK (SDP)', sdp: true, sdpSummary: 'audio PCMU/8000 10.0.0.3:5000 sendrecv' }),
    msg(7, 2.501, P, A, 200, { label: '200 OK (SDP)', sdp: true }),
    msg(8, 3.0, P, A, 200, { label: '200 OK (SDP)', sdp: true, retransmission: true }),
    msg(9, 3.1, A, P, 'ACK'),
    msg(10, 3.101, P, B, 'ACK'),
    msg(300, 9.0, A, P, 'BYE'),
    msg(301, 9.001, P, B, 'BYE'),
    msg(302, 9.1, B, P, 200),
    msg(303, 9.101, P, A, 200),
  ];
  const c = call(1, 'abc123@10.0.0.1', m, { streams: [1, 2] });
  return report([c], [stream(1, c.callId, '10.0.0.1:4000', '10.0.0.3:5000', 3.2, 8.9, 285), stream(2, c.callId, '10.0.0.3:5000', '10.0.0.1:4000', 3.25, 8.95, 284)]);
}

test('layout: columns by first appearance, rows in frame order, aliases and order', () => {
  const r = basic();
  const l = buildLadder(r, r.calls, {});
  assert.deepEqual(l.participants.map((p) => p.name), [A, P, B]);
  assert.deepEqual(l.rows.map((x) => x.frame), r.calls[0]!.messages.map((m) => m.frame));
  const aliased = buildLadder(r, r.calls, { aliases: parseAliases(['10.0.0.2=proxy', '10.0.0.3:5062=bob']), order: ['bob'] });
  assert.deepEqual(aliased.participants.map((p) => [p.name, p.address]), [['bob', B], [A, null], ['proxy', P]]);
  const first = aliased.rows[0]!;
  assert.equal(aliased.participants[first.from]!.key, A);
  assert.equal(aliased.participants[first.to]!.key, P);
});

test('layout: --by host merges ports into one column (messages to itself)', () => {
  const m = [msg(1, 0, '10.0.0.1:5060', '10.0.0.1:5070', 'OPTIONS'), msg(2, 0.1, '10.0.0.1:5070', '10.0.0.1:5060', 200)];
  const r = report([call(1, 'x', m)]);
  const l = buildLadder(r, r.calls, { by: 'host' });
  assert.deepEqual(l.participants.map((p) => p.key), ['10.0.0.1']);
  assert.ok(l.rows.every((x) => x.from === 0 && x.to === 0));
  const text = renderLadderText(l, { ascii: true });
  assert.match(text, /OPTIONS/);
  assert.ok(XMLValidator.validate(renderLadderSvg(l)) === true);
});

test('layout: RTP spans are placed among the messages by start time', () => {
  const r = basic();
  const l = buildLadder(r, r.calls, { rtp: true, sdp: true });
  const kinds = l.rows.map((x) => (x.kind === 'rtp' ? `rtp${x.stream}` : String(x.frame)));
  assert.deepEqual(kinds.slice(8, 13), ['9', '10', 'rtp1', 'rtp2', '300']);
  const rtp = l.rows.find((x) => x.kind === 'rtp')!;
  assert.equal(rtp.label, 'RTP PCMU/8000 · 285 pkts · 3.200–8.900 s');
  // A stream end goes to the SIP column of its host (one column per host here).
  assert.equal(l.participants.length, 3);
  assert.equal(rtp.from, 0);
  assert.equal(rtp.to, 2);
  // A host with two SIP columns: the stream end goes to the lifeline of the
  // endpoint whose SDP announced it (10.0.0.1:5060 announced 10.0.0.1:4000),
  // never to a column of its own.
  const r2 = basic();
  r2.calls[0]!.messages.unshift(msg(0, 0, '10.0.0.1:5070', P, 'OPTIONS'));
  const l2 = buildLadder(r2, r2.calls, { rtp: true });
  assert.equal(l2.participants[0]!.key, '10.0.0.1:5070');
  assert.ok(!l2.participants.some((p) => p.key === '10.0.0.1:4000'));
  const rtp2 = l2.rows.find((x) => x.kind === 'rtp' && x.stream === 1)!;
  assert.equal(l2.participants[rtp2.from]!.key, A);
  // Without an announcing SDP: the host's first SIP column.
  const r3 = basic();
  r3.calls[0]!.messages.unshift(msg(0, 0, '10.0.0.1:5070', P, 'OPTIONS'));
  for (const m of r3.calls[0]!.messages) m.sdpSummary = null;
  const l3 = buildLadder(r3, r3.calls, { rtp: true });
  const rtp3 = l3.rows.find((x) => x.kind === 'rtp' && x.stream === 1)!;
  assert.equal(l3.participants[rtp3.from]!.key, '10.0.0.1:5070');
  // A media host that sent no SIP: one column for the host, all its ports on it.
  const r4 = basic();
  r4.rtpStreams.push(stream(3, r4.calls[0]!.callId, '192.0.2.9:7000', '10.0.0.1:4000', 4, 5, 10), stream(4, r4.calls[0]!.callId, '192.0.2.9:7002', '10.0.0.1:4002', 4, 5, 10));
  r4.calls[0]!.streams.push(3, 4);
  const l4 = buildLadder(r4, r4.calls, { rtp: true, aliases: { '192.0.2.9': 'sbc' } });
  const media = l4.participants.filter((p) => p.key === '192.0.2.9');
  assert.equal(media.length, 1);
  assert.equal(media[0]!.name, 'sbc');
  assert.equal(l4.participants.length, 4);
  const byHost = buildLadder(r, r.calls, { rtp: true, by: 'host' });
  assert.equal(byHost.participants.length, 3);
  const t = renderLadderText(l, {});
  assert.match(t, /audio PCMU\/8000 10\.0\.0\.1:4000 sendrecv/);
  assert.match(t, /═+ RTP PCMU\/8000 · 285 pkts · 3\.200–8\.900 s ═+▶/);
});

test('text: unicode and ascii, retransmissions marked, margin with frame and time', () => {
  const r = basic();
  const l = buildLadder(r, r.calls, { aliases: { '10.0.0.2': 'proxy' } });
  const u = renderLadderText(l, {});
  assert.match(u, /^ {4}1 0\.000000 +├─+ INVITE \(SDP\) ─+▶│/m);
  assert.match(u, /^ {4}8 3\.000000 \+0\.499 +│◀┄+ 200 OK \(SDP\) \(retx\) ┄+┤/m);
  // The delta column: time since the row above, the first row has none; the header names it.
  assert.match(u, /^Frame +Time +Delta /m);
  assert.match(u, /^ {4}3 0\.010000 \+0\.009 /m);
  const a = renderLadderText(l, { ascii: true });
  assert.ok(/^[\x20-\x7e\n]*$/.test(a), 'ASCII output has only printable ASCII');
  assert.match(a, /^ {4}3 0\.010000 \+0\.009 +\|<-+ 100 Trying -+\|/m);
  assert.match(a, /proxy/);
  assert.match(a, /10\.0\.0\.2:5060/);
});

test('svg: the margin has the text ladder\'s Delta column (time since the row above; none on the first row)', () => {
  const r = basic();
  const l = buildLadder(r, r.calls, {});
  const svg = renderLadderSvg(l);
  assert.equal(XMLValidator.validate(svg), true);
  const heads = [...svg.matchAll(/<text class="mh" x="([\d.]+)"[^>]*>([^<]*)<\/text>/g)].map((m) => ({ x: Number(m[1]), text: m[2]! }));
  assert.deepEqual(heads.map((h) => h.text), ['Frame', 'Time (s)', 'Delta']);
  const deltaX = heads[2]!.x;
  assert.ok(deltaX > heads[1]!.x, 'Delta right of Time');
  // A row's margin: one <text class="m">, a <tspan> per column at that column's x.
  const cells = [...svg.matchAll(/<text class="m" [^>]*>(.*?)<\/text>/g)].flatMap((m) => [...m[1]!.matchAll(/<tspan x="([\d.]+)">([^<]*)<\/tspan>/g)]);
  const deltas = cells.filter((m) => Number(m[1]) === deltaX).map((m) => m[2]!);
  // The same strings as the text ladder's column, row for row after the first.
  const text = renderLadderText(l, {}).split('\n').filter((x) => /^ +\d+ \d+\.\d{6} [+-]\d/.test(x)).map((x) => x.trim().split(/ +/)[2]);
  assert.equal(deltas.length, l.rows.length - 1);
  assert.deepEqual(deltas, text);
  assert.ok(deltas.includes('+0.009'));
  // The first lifeline starts right of the margin: no arrow is drawn over the deltas.
  const firstLife = Number(/<line class="life" x1="([\d.]+)"/.exec(svg)![1]);
  assert.ok(firstLife > deltaX + 20, `lifeline at ${firstLife}, delta column ends at ${deltaX}`);
});

test('layout: rows in frame order by default, by timestamp with rows: "time"; unknown --order names are found', () => {
  const m = [msg(1, 0.5, A, P, 'INVITE'), msg(2, 0.2, P, B, 'INVITE'), msg(3, 0.6, B, P, 180)];
  const r = report([call(1, 'x', m)]);
  assert.deepEqual(buildLadder(r, r.calls, {}).rows.map((x) => x.frame), [1, 2, 3]);
  const byTime = buildLadder(r, r.calls, { rows: 'time' });
  assert.deepEqual(byTime.rows.map((x) => x.frame), [2, 1, 3]);
  assert.deepEqual([...ROW_ORDERS], ['frame', 'time']);
  // A negative delta says the timestamps went backwards in frame order.
  assert.match(renderLadderText(buildLadder(r, r.calls, {}), {}), /^ {4}2 0\.200000 -0\.300 /m);
  assert.match(renderLadderText(byTime, {}), /^ {4}1 0\.500000 \+0\.300 /m);
  const l = buildLadder(r, r.calls, { aliases: { '10.0.0.2': 'proxy' } });
  assert.deepEqual(unknownColumns([l], ['proxy', '10.0.0.1', '10.0.0.3:5062', 'nosuch']).unknown, ['nosuch']);
  assert.ok(unknownColumns([l], ['nosuch']).accepted.includes('proxy'));
});

test('text: fits the width it is given', () => {
  const r = basic();
  const l = buildLadder(r, r.calls, { rtp: true, sdp: true });
  for (const w of [50, 72, 100]) {
    const t = renderLadderText(l, { width: w });
    for (const line of t.split('\n')) assert.ok(line.length <= w, `${line.length} > ${w}: ${line}`);
    assert.match(t, /INVITE/);
  }
  // Natural width when unlimited: no label is clipped.
  assert.doesNotMatch(renderLadderText(l, {}), /…/);
});

test('text: wide and combining characters keep every lifeline in its column', () => {
  const r = basic();
  r.calls[0]!.messages[4]!.label = '180 呼び出し中';
  r.calls[0]!.messages[6]!.label = '200 OK - pohoda'.normalize('NFD').replace('o', 'o\u0301');
  const l = buildLadder(r, r.calls, { aliases: { '10.0.0.2': '代理サーバー', '10.0.0.1': 'Jiří' } });
  const lifelineColumns = (line: string) => {
    const cols: number[] = [];
    let col = 0;
    for (const ch of line) {
      if (ch === '│' || ch === '├' || ch === '┤' || ch === '▶' || ch === '◀') cols.push(col);
      col += displayWidth(ch);
    }
    return cols;
  };
  for (const width of [Infinity, 60]) {
    const t = renderLadderText(l, { width });
    assert.match(t, /呼び出し中|代理/);
    const rows = t.split('\n').filter((x) => /^ +\d+ \d/.test(x));
    const first = lifelineColumns(rows.find((x) => /[▶◀]/.test(x))!);
    const last = (xs: number[]) => xs[xs.length - 1];
    for (const line of rows) {
      assert.ok(displayWidth(line) <= width, `${displayWidth(line)} > ${width}: ${line}`);
      // Every arrow row ends on a lifeline column of the first row (a label
      // too long for its arrow is on a line of its own above it).
      if (!/[▶◀]/.test(line)) continue;
      const cols = lifelineColumns(line);
      assert.ok(cols.length > 0 && first.includes(last(cols)!), `${line}\n${first} vs ${cols}`);
    }
  }
});

test('text: colours only when color.level is on, control characters never printed', () => {
  const r = basic();
  r.calls[0]!.messages[4]!.label = '603 Decline\x1b[2J';
  r.calls[0]!.messages[4]!.status = 603;
  const l = buildLadder(r, r.calls);
  const plain = renderLadderText(l, {});
  assert.doesNotMatch(plain, /\x1b/);
  const saved = color.level;
  color.level = 1;
  try {
    const coloured = renderLadderText(l, {});
    assert.match(coloured, /\x1b\[31m[^\n]*603 Decline/); // >= 400 in red
    assert.doesNotMatch(coloured, /\x1b\[2J/);
  } finally { color.level = saved; }
});

const EVIL = '<script>alert(1)</script> & "q" \'s\' ; #1 %%{init}%%';

function evil(): Report {
  const m = [
    msg(1, 0, A, P, 'INVITE', { label: `INVITE ${EVIL}`, sdp: true, sdpSummary: `audio ${EVIL}` }),
    msg(2, 0.1, P, A, 486, { label: `486 ${EVIL}` }),
  ];
  const c = call(7, `${EVIL}@evil`, m, { fromDisplay: EVIL, toDisplay: '&amp; <b>', state: 'REJECTED', outcome: 'BUSY' });
  const r = report([c]);
  r.file = `cap<script>&.pcapng`;
  return r;
}

test('svg: well-formed XML, every packet-derived string escaped', () => {
  const r = evil();
  const l = buildLadder(r, r.calls, { sdp: true, aliases: { '10.0.0.2': '<img src=x onerror=alert(1)>' } });
  const svg = renderLadderSvg(l);
  assert.equal(XMLValidator.validate(svg), true);
  assert.doesNotMatch(svg, /<script|<img|<b>/);
  assert.match(svg, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;q&quot;/);
  const doc = new XMLParser({ ignoreAttributes: false }).parse(svg);
  assert.ok(doc.svg, 'root element is <svg>');
  assert.equal(doc.svg['@_xmlns'], 'http://www.w3.org/2000/svg');
  // The title carries the display name, decoded back to the original text.
  assert.ok(String(doc.svg.title).includes('<script>alert(1)</script>'));
  // Characters XML 1.0 forbids are replaced, so the document stays well-formed.
  r.calls[0]!.messages[0]!.label = 'INVITE \u0001\u0008\u000b\ud800';
  assert.equal(XMLValidator.validate(renderLadderSvg(buildLadder(r, r.calls))), true);
  assert.equal(xmlEscape('a<b>&"\''), 'a&lt;b&gt;&amp;&quot;&#39;');
});

test('mermaid: participants aliased with safe ids, labels escaped', () => {
  const r = evil();
  const l = buildLadder(r, r.calls, { sdp: true, aliases: { '10.0.0.2': 'proxy;x' } });
  const mm = renderMermaid(l);
  const lines = mm.trimEnd().split('\n');
  assert.equal(lines[0], 'sequenceDiagram');
  assert.ok(lines.includes('    participant P1 as 10.0.0.1:5060'));
  assert.ok(lines.includes('    participant P2 as proxy#59;x<br/>10.0.0.2:5060'));
  const body = lines.filter((x) => !x.trimStart().startsWith('%%'));
  for (const line of body.slice(1)) {
    // After the statement's own syntax, no character Mermaid would interpret.
    const text = line.replace(/^ {4}(participant P\d+ as |P\d+(->>|-->>|-\))P\d+: |Note over P\d+(,P\d+)?: )/, '').replace(/<br\/>/g, '').replace(/#\d+;/g, '');
    assert.doesNotMatch(text, /[;<>"&%`#]/, line);
  }
  assert.match(mm, /P1->>P2: \[1\] 0\.000000 INVITE #60;script#62;alert\(1\)#60;\/script#62; #38; #34;q#34; 's' #59; #35;1 #37;#37;\{init\}#37;#37;/);
  assert.match(mm, /P2-->>P1: /);
  assert.match(mm, /Note over P1,P2: audio #60;script#62;/);
  // Comment lines hold no line breaks from packets.
  assert.equal(mermaidEscape('a\nb\rc'), 'a b c');
  const md = renderMarkdown(l);
  assert.match(md, /^\*\*Call 7/);
  assert.doesNotMatch(md.split('```mermaid')[0]!, /<script|<b>/);
  assert.match(md, /```mermaid\nsequenceDiagram\n[\s\S]*\n```\n$/);
});

test('merge: several calls in one diagram, call index in the margin', () => {
  const r = basic();
  const c2 = call(2, 'second', [msg(5, 0.6, B, P, 'OPTIONS'), msg(11, 3.2, P, B, 200)], { kind: 'options', state: 'CALL SETUP', outcome: 'OK' });
  r.calls.push(c2);
  const l = buildLadder(r, r.calls, {});
  assert.ok(l.merged);
  const frames = l.rows.map((x) => x.frame);
  assert.deepEqual(frames, [...frames].sort((a, b) => a - b));
  const t = renderLadderText(l, { ascii: true });
  assert.match(t, /^Call Frame/m);
  assert.match(t, /^ {3}2 {5}5 0\.600000 .*OPTIONS/m);
  assert.match(l.title, /2 dialogs: 1 COMPLETED, 2 OK/);
  assert.equal(XMLValidator.validate(renderLadderSvg(l)), true);
});

test('file names and helpers', () => {
  assert.equal(sanitizeCallId('a84b4c76e66710@pc33.atlanta.com'), 'a84b4c76e66710_pc33.atlanta.com');
  assert.equal(sanitizeCallId('../../etc/passwd'), 'etc_passwd');
  assert.equal(sanitizeCallId('<>'), 'call');
  assert.equal(diagramFileName(basic().calls[0]!, 'png'), '1-abc123_10.0.0.1.png');
  assert.equal(hostOf('[2001:db8::1]:5060'), '2001:db8::1');
  assert.equal(hostOf('10.0.0.1:5060'), '10.0.0.1');
  assert.throws(() => parseAliases(['nothing']), /ADDRESS=NAME/);
  assert.deepEqual(parseAliases(['[2001:db8::1]=pbx']), { '2001:db8::1': 'pbx' });
});

test('mermaid: a Call-ID or file name holding a directive cannot become one; bidi controls never reach a diagram', () => {
  const r = basic();
  r.file = 'x%%{init: {"theme":"dark"}}%%.pcapng';
  r.calls[0]!.callId = '%%{init: {"theme":"forest"}}%%\u202e@x';
  r.calls[0]!.messages[4]!.label = '180 \u202eRinging\u2066 %%{init}%%';
  const l = buildLadder(r, r.calls, { aliases: { '10.0.0.2': 'pro\u202exy%%{x}%%' } });
  const src = renderMermaid(l);
  // Mermaid looks for %%{...}%% anywhere in the source: only comment starts may hold '%'.
  assert.ok(!src.replace(/^ {4}%% /gm, '').includes('%'), src);
  assert.ok(!/[{}]/.test(src.split('\n').filter((x) => x.startsWith('    %%')).join('')), 'no brace in a comment');
  assert.match(src, /^ {4}%% Call-ID #37;#37;#123;init: #123;"theme":"forest"#125;#125;#37;#37; @x$/m);
  assert.ok(!/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/.test(src), 'bidi controls in the Mermaid source');
  assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(renderMarkdown(l)));
  for (const t of [renderLadderText(l, {}), renderLadderText(l, { ascii: true })]) assert.ok(!/[\u202a-\u202e\u2066-\u2069\u200e\u200f]/.test(t), 'bidi controls in a text ladder');
});

test('terminalText: control, separator and bidi characters become U+FFFD; text, emoji and joiners stay', () => {
  const bad = ['\u0000', '\u001b', '\u0007', '\u007f', '\u0085', '\u009b', '\u2028', '\u2029', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069', '\u200e', '\u200f', '\u061c', '\ufff9', '\ufffb'];
  for (const ch of bad) {
    assert.equal(terminalText(`a${ch}b`), 'a\ufffdb', `U+${ch.charCodeAt(0).toString(16)}`);
    assert.equal(printable(`a${ch}b`), 'a\ufffdb', 'printable() is the same rule');
    assert.ok(hasTerminalUnsafe(ch));
  }
  for (const ok of ['plain', 'Jiří', '代理', '👩\u200d💻', 'ک\u200cه', 'שלום', 'مرحبا']) assert.equal(terminalText(ok), ok);
});

test('limits: a diagram past maxRows/maxColumns/maxStreams says what it left out, in every format', () => {
  const calls = Array.from({ length: 80 }, (_, i) => call(i + 1, `c${i}`, [msg(i + 1, i * 0.01, `10.1.0.${i}:5060`, P, 'INVITE')]));
  const r = report(calls);
  const l = buildLadder(r, calls, { maxColumns: 10 });
  assert.equal(l.participants.length, 10);
  assert.equal(l.rows.length, 9);
  assert.equal(l.rowsCut, 71);
  assert.match(renderLadderText(l, {}), /\(71 more messages not drawn: the diagram's limit/);
  assert.match(renderMermaid(l), /^ {4}Note over P1: \(71 more messages not drawn/m);
  const svg = renderLadderSvg(l);
  assert.equal(XMLValidator.validate(svg), true);
  assert.match(svg, /71 more messages not drawn/);
  // A merged caption names 50 dialogs, then says how many more.
  assert.match(l.title, /^80 dialogs: 1 COMPLETED, .*50 COMPLETED, … 30 more$/);
  assert.equal(l.parties.length, 51);
  const rows = buildLadder(r, calls, { maxRows: 5 });
  assert.deepEqual([rows.rows.length, rows.rowsCut], [5, 75]);
});
