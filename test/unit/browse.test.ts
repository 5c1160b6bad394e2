/**
 * The browser without a terminal: key decoding, the call list (sort, filter,
 * quick filters), the store's memory bound, and whole frames drawn by App
 * from an analysis of captures built in memory, hostile packet text included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeKeys, type KeyEvent } from '../../src/browse/keys.js';
import { safe, Line, renderLine } from '../../src/browse/text.js';
import { CallStore, SUMMARY_FACTOR, liveRtpCell } from '../../src/browse/store.js';
import { App } from '../../src/browse/app.js';
import { COLUMNS, initialList, visibleCalls, warmSearch } from '../../src/browse/list.js';
import { openFeed, parseHepListen, startAnalysis, FeedError } from '../../src/browse/feed.js';
import { displayWidth } from '../../src/render/terminal.js';
import { PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import type { Call } from '../../src/model.js';

const key = (name: string): KeyEvent => ({ type: 'key', name, ctrl: false, text: name.length === 1 ? name : null });
const SGR = /\x1b\[[0-9;]*m/g;

test('decodeKeys: arrows, pages, F1 in its spellings, Enter, Backspace, Ctrl-C, UTF-8, Escape', () => {
  const names = (s: string) => decodeKeys(s).map((e) => (e.type === 'key' ? (e.ctrl ? 'C-' : '') + e.name : `${e.action}@${e.x},${e.y}`));
  assert.deepEqual(names('\x1b[A\x1b[B\x1bOC\x1b[D'), ['up', 'down', 'right', 'left']);
  assert.deepEqual(names('\x1b[5~\x1b[6~\x1b[1~\x1b[4~\x1b[H\x1b[F'), ['pageup', 'pagedown', 'home', 'end', 'home', 'end']);
  assert.deepEqual(names('\x1bOP\x1b[11~\x1b[[A\x1b[[B'), ['f1', 'f1', 'f1', 'f2']);
  assert.deepEqual(names('\r\x7f\x03 /é😀'), ['enter', 'backspace', 'C-c', ' ', '/', 'é', '😀']);
  assert.deepEqual(names('\x1b'), ['escape']);
  const typed = decodeKeys('tab😀').map((e) => (e as KeyEvent).text);
  assert.deepEqual(typed, ['t', 'a', 'b', '😀']);
});

test('decodeKeys: SGR mouse reports (wheel, press; releases ignored), 0-based cells', () => {
  const ev = decodeKeys('\x1b[<64;10;5M\x1b[<65;1;1M\x1b[<0;3;7M\x1b[<0;3;7m');
  assert.deepEqual(ev, [
    { type: 'mouse', action: 'wheelup', x: 9, y: 4 },
    { type: 'mouse', action: 'wheeldown', x: 0, y: 0 },
    { type: 'mouse', action: 'press', x: 2, y: 6 },
  ]);
});

test('safe(): control characters, C1, line separators and bidi overrides/isolates become U+FFFD', () => {
  assert.equal(safe('a\x1b[2Jb\rc\x9bd\u2028e'), 'a\ufffd[2Jb\ufffdc\ufffdd\ufffde');
  for (const cp of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
    assert.equal(safe(`x${String.fromCodePoint(cp)}y`), 'x\ufffdy', cp.toString(16));
  }
  assert.equal(safe('plain text é 中文'), 'plain text é 中文');
});

test('renderLine: exactly the width asked, wide characters counted, colour only when allowed', () => {
  const l = new Line().add('中文中文中文', 'red').add(' tail');
  for (const w of [1, 5, 8, 13, 40]) {
    assert.equal(displayWidth(renderLine(l, w, { color: true, ascii: false }).replace(SGR, '')), w, `width ${w}`);
  }
  assert.match(renderLine(l, 20, { color: true, ascii: false }), /\x1b\[31m/);
  assert.doesNotMatch(renderLine(l, 20, { color: false, ascii: false }), /\x1b/);
  assert.match(renderLine(new Line('sel').add('x'), 5, { color: false, ascii: false }), /^\x1b\[7m/, 'the selection stays visible without colour');
  assert.equal(renderLine(new Line().add('a→b…'), 10, { color: false, ascii: true }), 'a->b~     ');
});

/** A capture of `n` calls; call i's From display name is `names(i)`. */
function capture(n: number, names: (i: number) => string, ua = 'unit-ua/1'): Buffer {
  const w = new PcapWriter(undefined, { linkType: 1 });
  let t = 1_700_000_000;
  for (let i = 1; i <= n; i++) {
    const id = `unit-${i}@test`;
    const from = `"${names(i)}" <sip:a${i}@ex.test>;tag=f${i}`;
    const send = (text: string, back = false) => {
      w.writePacket(Math.floor(t), 0, udpFrame({ src: back ? '192.0.2.2' : '192.0.2.1', dst: back ? '192.0.2.1' : '192.0.2.2', sport: 5060, dport: 5060, payload: Buffer.from(text, 'utf8') }));
      t += 1;
    };
    const hdr = (cseq: string, to: string) => `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${i}${cseq.replace(' ', '')}\r\nFrom: ${from}\r\nTo: ${to}\r\nCall-ID: ${id}\r\nCSeq: ${cseq}\r\nUser-Agent: ${ua}\r\nContent-Length: 0\r\n\r\n`;
    send(`INVITE sip:b${i}@ex.test SIP/2.0\r\n${hdr('1 INVITE', `<sip:b${i}@ex.test>`)}`);
    if (i % 3 === 0) { send(`SIP/2.0 486 Busy Here\r\n${hdr('1 INVITE', `<sip:b${i}@ex.test>;tag=t${i}`)}`, true); continue; }
    send(`SIP/2.0 200 OK\r\n${hdr('1 INVITE', `<sip:b${i}@ex.test>;tag=t${i}`)}`, true);
    send(`ACK sip:b${i}@ex.test SIP/2.0\r\n${hdr('1 ACK', `<sip:b${i}@ex.test>;tag=t${i}`)}`);
    if (i % 2 === 0) send(`BYE sip:b${i}@ex.test SIP/2.0\r\n${hdr('2 BYE', `<sip:b${i}@ex.test>;tag=t${i}`)}`);
  }
  return w.toBytes();
}

async function analyzed(bytes: Buffer): Promise<{ store: CallStore; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-browse-unit-'));
  const path = join(dir, 'c.pcap');
  writeFileSync(path, bytes);
  const feed = openFeed({ kind: 'files', paths: [path] });
  const store = new CallStore(feed.label);
  await startAnalysis(feed, store).done;
  return { store, dir };
}

function app(store: CallStore, cols = 100, rows = 20, color = true): App {
  return new App(store, { paint: { color, ascii: false }, label: store.file, live: false, save: async () => 'saved', quit() {} }, cols, rows);
}

test('App: hostile display names and headers reach the screen neutralised, every line exactly the terminal width', async () => {
  const evil = (i: number) => (i === 1 ? 'Evil\x1b]0;pwned\x07\u202eredro' : i === 2 ? 'tab\there\u2066x' : `User ${i}`);
  const { store, dir } = await analyzed(capture(4, evil, 'ua\x1b[2J\u202e'));
  try {
    assert.equal(store.calls.length, 4);
    const a = app(store);
    const check = (frame: string[]) => {
      assert.equal(frame.length, 20);
      for (const l of frame) {
        const plain = l.replace(SGR, '');
        assert.doesNotMatch(plain, /[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/, JSON.stringify(plain));
        assert.equal(displayWidth(plain), 100);
      }
      return frame.map((l) => l.replace(SGR, '')).join('\n');
    };
    let s = check(a.frame());
    assert.match(s, /Evil\ufffd\]0;pwned\ufffd\ufffdre/);
    assert.match(s, /tab\ufffdhere\ufffdx/);
    // The flow of call 1 and its INVITE's User-Agent in the panel.
    a.handle(key('enter'));
    s = check(a.frame());
    assert.match(s, /^From: "Evil\ufffd\]0;pwned\ufffd\ufffdredro"/m);
    a.handle(key('pagedown'));
    s = check(a.frame());
    assert.match(s, /User-Agent: ua\ufffd\[2J\ufffd/);
    a.handle(key('e'));
    s = check(a.frame());
    assert.match(s, /events & streams/);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('App: sort by any column both ways, filter on any header, quick filters, marks', async () => {
  const { store, dir } = await analyzed(capture(9, (i) => `User ${i}`));
  try {
    const a = app(store, 120, 30);
    const rows = () => a.frame().map((l) => l.replace(SGR, '')).filter((l) => /^ [ ●] +\d+ /.test(l)).map((l) => Number(/\d+/.exec(l)![0]));
    assert.deepEqual(rows(), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // Sort by State (column 5): COMPLETED < IN CALL < REJECTED, ties in index order.
    for (let i = 0; i < 5; i++) a.handle(key('s'));
    assert.equal(COLUMNS[a.list.sortCol]!.head, 'State');
    assert.deepEqual(rows(), [2, 4, 8, 1, 5, 7, 3, 6, 9]);
    a.handle(key('r'));
    assert.deepEqual(rows(), [3, 6, 9, 1, 5, 7, 2, 4, 8]);
    // Quick filter: REJECTED only, through the states present (IN CALL, COMPLETED, REJECTED), not every state there is.
    for (let i = 0; i < 3; i++) a.handle(key('f'));
    assert.equal(a.list.state, 'REJECTED');
    assert.deepEqual(rows(), [3, 6, 9]);
    a.handle(key('c'));
    // Filter as you type, over any header: the Call-ID of call 7, typed key by key.
    a.handle(key('/'));
    for (const ch of 'unit-7@') a.handle(key(ch));
    assert.deepEqual(rows(), [7]);
    a.handle(key('backspace'));
    a.handle(key('escape'));
    assert.equal(a.list.filter, '');
    a.handle(key('/'));
    for (const ch of 'UNIT-UA/1') a.handle(key(ch));
    assert.equal(rows().length, 9, 'User-Agent header, case-insensitive');
    a.handle(key('enter'));
    // Marks: two calls marked open as one flow of both (the list is still sorted by state, descending).
    a.handle(key('c'));
    a.handle(key('home'));
    a.handle(key(' '));
    a.handle(key(' '));
    assert.equal(a.marked.size, 2);
    a.handle(key('enter'));
    assert.equal(a.mode, 'flow');
    assert.deepEqual(a.flow!.calls.map((c) => c.index), [3, 6]);
    assert.match(a.frame().join('\n').replace(SGR, ''), /2 calls: 3, 6/);
    a.handle(key('q'));
    assert.equal(a.mode, 'list');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('App: the mouse: wheel scrolls, a click selects and a second opens, a header click sorts (again: reversed)', async () => {
  const { store, dir } = await analyzed(capture(6, (i) => `User ${i}`));
  try {
    const a = app(store, 120, 20);
    a.frame();
    const mouse = (action: 'wheelup' | 'wheeldown' | 'press', x: number, y: number) => { a.handle({ type: 'mouse', action, x, y }); a.frame(); };
    mouse('wheeldown', 10, 5);
    assert.equal(a.selected?.index, 4);
    mouse('wheelup', 10, 5);
    assert.equal(a.selected?.index, 1);
    // Row k of the list is screen line k + 2 (title, header).
    mouse('press', 10, 4);
    assert.equal(a.selected?.index, 3);
    assert.equal(a.mode, 'list');
    mouse('press', 10, 4);
    assert.equal(a.mode, 'flow');
    assert.equal(a.flow!.calls[0]!.index, 3);
    a.handle(key('q'));
    a.frame();
    // The header: find the Pkts column on screen and click it.
    const header = a.frame()[1]!.replace(SGR, '');
    const x = header.indexOf('Pkts');
    mouse('press', x, 1);
    assert.equal(COLUMNS[a.list.sortCol]!.head, 'Pkts');
    assert.equal(a.list.sortDesc, false);
    mouse('press', x, 1);
    assert.equal(a.list.sortDesc, true);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('visibleCalls: non-INVITE dialogs only with --all (the a key) or a kind filter', () => {
  const mk = (index: number, kind: Call['kind']): Call => ({
    index, callId: `c${index}`, kind, partial: false, from: 'sip:a@x', to: 'sip:b@x', fromDisplay: null, toDisplay: null, initialSpeaker: '1.1.1.1',
    state: 'COMPLETED', outcome: 'OK', comment: '', sipPackets: 1, firstFrame: 1, lastFrame: 1, start: 0, stop: 0, setupMs: null, durationS: null,
    participants: [], messages: [], media: [], streams: [], events: [],
  });
  const calls = [mk(1, 'call'), mk(2, 'registration'), mk(3, 'options')];
  const r = { tool: 'sipflow', version: '', file: '', capture: { format: 'pcap', frames: 0, linkTypes: [], firstTime: null, durationS: 0, truncated: false }, calls, rtpStreams: [], warnings: [] } as const;
  const ids = (s: Partial<ReturnType<typeof initialList>>) => visibleCalls(calls, r as never, { ...initialList(), ...s }).map((c) => c.index);
  assert.deepEqual(ids({}), [1]);
  assert.deepEqual(ids({ all: true }), [1, 2, 3]);
  assert.deepEqual(ids({ kind: 'registration' }), [2]);
  assert.deepEqual(ids({ all: true, sortCol: 0, sortDesc: true }), [3, 2, 1]);
});

test('CallStore: past --max-calls the oldest ended calls lose their messages, past ten times that they are forgotten', () => {
  const store = new CallStore('live', 3);
  const mk = (i: number): Call => ({
    index: i, callId: `c${i}`, kind: 'call', partial: false, from: '', to: '', fromDisplay: null, toDisplay: null, initialSpeaker: '',
    state: 'COMPLETED', outcome: 'COMPLETED', comment: '', sipPackets: 1, firstFrame: i, lastFrame: i, start: i, stop: i, setupMs: null, durationS: null,
    participants: [], messages: [{ frame: i, time: i, src: 'a:1', dst: 'b:2', transport: 'UDP', method: 'INVITE', status: null, reason: null, cseq: '1 INVITE', label: 'INVITE', sdp: false, retransmission: false, raw: 'INVITE x SIP/2.0\r\n\r\n' }],
    media: [], streams: [], events: [],
  });
  for (let i = 1; i <= 5; i++) store.retire(mk(i), []);
  assert.equal(store.calls.length, 5);
  assert.equal(store.summarised, 2);
  assert.deepEqual(store.calls.map((c) => c.messages.length), [0, 0, 1, 1, 1]);
  for (let i = 6; i <= 3 * SUMMARY_FACTOR + 7; i++) store.retire(mk(i), []);
  assert.equal(store.calls.length, 3 * SUMMARY_FACTOR);
  assert.equal(store.forgotten, 7);
  assert.equal(store.calls.filter((c) => c.messages.length).length, 3);
  assert.equal(store.summarised, 3 * SUMMARY_FACTOR - 3);
  // The screen says so.
  const a = app(store);
  assert.match(a.frame().at(-1)!.replace(SGR, ''), /max-calls 3: 27 summarised, 7 forgotten/);
});

test('CallStore: a live call counts its RTP until its statistics arrive', () => {
  const store = new CallStore('live', 10);
  const call = { index: 1, callId: 'r1', kind: 'call', messages: [], streams: [] } as unknown as Call;
  store.onSip({ call } as never);
  assert.equal(liveRtpCell(call), null);
  for (let i = 0; i < 5; i++) store.onRtp('r1', 'a>b#1');
  store.onRtp('r1', 'b>a#2');
  store.onRtp('other', 'x>y#3');
  store.onRtp(null, 'x>y#4');
  assert.equal(liveRtpCell(call), '2×/6 live');
  store.retire(call, []);
  assert.equal(liveRtpCell(call), null, 'the settled streams take over');
});

test('parseHepListen: udp:ADDR:PORT, [v6]:PORT, PORT; bad values are FeedErrors', () => {
  assert.deepEqual(parseHepListen('udp:0.0.0.0:9060'), { host: '0.0.0.0', port: 9060 });
  assert.deepEqual(parseHepListen('udp:[::1]:9061'), { host: '::1', port: 9061 });
  assert.deepEqual(parseHepListen('9062'), { host: '0.0.0.0', port: 9062 });
  assert.deepEqual(parseHepListen(':9063'), { host: '0.0.0.0', port: 9063 });
  assert.throws(() => parseHepListen('udp:host'), FeedError);
  assert.throws(() => parseHepListen('udp:1.2.3.4:70000'), FeedError);
});

test('5 000 calls: a frame after a keypress (scroll, sort, filter, the first filter keystroke too) costs a few ms, not the call count', async (t) => {
  const { store, dir } = await analyzed(capture(5000, (i) => `User ${i}`));
  try {
    assert.equal(store.calls.length, 5000);
    const a = app(store, 200, 60);
    const time = (f: () => void) => { const t0 = process.hrtime.bigint(); f(); return Number(process.hrtime.bigint() - t0) / 1e6; };
    const open = time(() => a.frame());
    // What browse does once the file is read, in slices between keys: build every call's search text.
    let slices = 0;
    const warm = time(() => { while (!warmSearch(store.calls, 15)) slices++; });
    const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
    const scroll: number[] = [];
    for (let i = 0; i < 50; i++) scroll.push(time(() => { a.handle(key('pagedown')); a.frame(); }));
    const sort: number[] = [];
    for (let i = 0; i < 11; i++) sort.push(time(() => { a.handle(key('s')); a.frame(); }));
    const filter: number[] = [];
    a.handle(key('/'));
    for (const ch of 'user 4999') filter.push(time(() => { a.handle(key(ch)); a.frame(); }));
    a.handle(key('enter'));
    assert.equal(a.frame().filter((l) => l.includes('User 4999')).length, 1);
    t.diagnostic(`ms over 5000 calls: first frame ${open.toFixed(1)}, search text warmed in ${warm.toFixed(1)} (${slices + 1} slices of 15 ms); per keypress + frame, median (max): scroll ${median(scroll).toFixed(2)} (${Math.max(...scroll).toFixed(2)}), sort ${median(sort).toFixed(2)} (${Math.max(...sort).toFixed(2)}), filter ${median(filter).toFixed(2)} (${Math.max(...filter).toFixed(2)}), first filter keystroke ${filter[0]!.toFixed(2)}`);
    // 50 ms is the target; the bounds here leave room for a loaded CI machine.
    assert.ok(median(scroll) < 50, `scroll ${median(scroll)} ms`);
    assert.ok(median(filter) < 150, `filter ${median(filter)} ms`);
    // The first keystroke is not the one that pays for every call's search text (it was 143-311 ms).
    assert.ok(filter[0]! < 3 * median(filter) + 20, `first filter keystroke ${filter[0]} ms, others ${median(filter)} ms`);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

const plain = (a: App) => a.frame().map((l) => l.replace(SGR, ''));

test('--ascii: arrows, ×, the mark and the sort arrow have ASCII forms, not "?"', () => {
  const ascii = { color: false, ascii: true };
  assert.equal(renderLine(new Line().add('↑↓ move ← ▲▼ 2×/1428 live ● │ … █'), 40, ascii).trimEnd(), '^v move <- ^v 2x/1428 live * | ~ _');
  const store = new CallStore('x');
  store.finish({ tool: 'sipflow', version: '', file: 'x', capture: { format: 'pcap', frames: 0, linkTypes: [], firstTime: null, durationS: 0, truncated: false }, calls: [], rtpStreams: [], warnings: [] });
  const a = new App(store, { paint: ascii, label: 'x', live: false, save: async () => '', quit() {} }, 80, 24);
  for (const l of plain(a)) assert.doesNotMatch(l, /\?\?/, l);
  a.handle(key('?'));
  for (const l of plain(a)) assert.doesNotMatch(l, /[^\x20-\x7e]|\?\?/, l);
});

test('80 columns: the key hints fit, "? help" and "q quit" kept; the status line drops what does not fit; a save notice gets its own line', async () => {
  const { store, dir } = await analyzed(capture(3, (i) => `User ${i}`));
  try {
    store.summarised = 1597; store.forgotten = 4597;
    (store as { maxCalls: number }).maxCalls = 500;
    store.warnings = [{ frame: 3, code: 'x', message: 'one' }];
    const notice = 'saved /tmp/some/where/sipflow-call-1.pcapng (5 frames: SIP and media frames as captured); ladder .txt .svg, list .csv';
    const a = new App(store, { paint: { color: false, ascii: false }, label: store.file, live: true, stats: () => '200 pkt/s · 129 MB', save: async () => notice, quit() {} }, 80, 24);
    let s = plain(a);
    const hint = s.at(-2)!;
    assert.match(hint, /\? help  q quit/);
    assert.match(hint, /Enter flow/);
    assert.doesNotMatch(hint, /…/, 'no entry cut half-way');
    const status = s.at(-1)!;
    assert.match(status, /max-calls 500: 1597 summarised, 4597 forgotten/);
    assert.match(status, /1 warning \(W\)/, 'one warning, not "1 warnings"');
    assert.doesNotMatch(status, /…/);
    a.handle(key('enter'));
    s = plain(a);
    assert.match(s.at(-2)!, /q back  \? help/);
    a.handle(key('q'));
    // The notice at 120 columns, whole, on the line above the status line.
    a.cols = 120;
    a.handle(key('w'));
    a.handle(key('enter'));
    await new Promise((r) => setImmediate(r));
    s = plain(a);
    assert.equal(s.at(-2)!.trimEnd(), notice);
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('columns stay put: the same header on every page, under a filter down to one row and with no row at all', async () => {
  // Call 17 has a long display name: it is on the second page, and decides the From width on the first too.
  const { store, dir } = await analyzed(capture(30, (i) => (i === 17 ? 'A rather long display name for one caller' : `U${i}`)));
  try {
    const a = app(store, 120, 14);
    const header = () => plain(a)[1]!;
    const first = header();
    assert.match(first, /Comment/);
    a.handle(key('pagedown'));
    assert.equal(header(), first, 'second page');
    a.handle(key('/'));
    for (const ch of 'u3@') a.handle(key(ch));
    // "U3" only matches call 3 (its display name), "u3@" nothing else.
    a.handle(key('backspace'));
    assert.equal(header(), first, 'filtered');
    for (const ch of 'zzz') a.handle(key(ch));
    assert.match(plain(a).join('\n'), /no call matches/);
    assert.equal(header(), first, 'no row');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('the message panel wraps long header lines (the whole text is shown) and says which lines are in view beside the ladder', async () => {
  const ua = 'long-agent/1 ' + Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + ' END';
  const { store, dir } = await analyzed(capture(1, () => 'Caller', ua));
  try {
    for (const [cols, rows] of [[80, 24], [160, 14]] as const) {
      const a = app(store, cols, rows, false);
      a.handle(key('enter'));
      let all = '';
      // Page through the panel; the User-Agent comes back whole once its pieces are joined.
      for (let i = 0; i < 6; i++) { all += plain(a).join('\n') + '\n'; a.handle(key('pagedown')); }
      const joined = all.replace(/\s+/g, ' ');
      assert.match(joined, /User-Agent: long-agent\/1 word0 word1/);
      assert.match(joined, /word38 word39 END/, `${cols} columns: the end of the long line is shown, not cut`);
      assert.doesNotMatch(all, /wor\n|\bd7\b/, 'lines break between words');
      a.handle(key('home'));
      const s = plain(a).join('\n');
      assert.doesNotMatch(s, /─── message {2}/, 'the label has one space after its name');
      if (cols >= 150) assert.match(s, /│─── message 1-\d+\/\d+ PgUp\/PgDn ─/, 'beside the ladder: which lines are in view');
    }
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

test('flow: t keeps the selected message; the title names a sort column too narrow a terminal hides; c keeps --all; W lists the warnings', async () => {
  const { store, dir } = await analyzed(capture(4, (i) => `User ${i}`));
  try {
    store.warnings = [{ frame: 2, code: 'evil', message: 'bad \x1b[2J header' }, { frame: null, code: 'n', message: 'second' }];
    const a = app(store, 80, 24, false);
    a.handle(key('enter'));
    plain(a);
    a.handle(key('down'));
    a.handle(key('down'));
    plain(a);
    const before = a.flow!.view!.ladder.rows[a.flow!.sel]!;
    a.handle(key('t'));
    plain(a);
    const after = a.flow!.view!.ladder.rows[a.flow!.sel]!;
    assert.equal(a.flow!.sel, 2);
    assert.equal(after.frame, before.frame, 'the same message stays selected');
    a.handle(key('q'));
    // Comment is dropped at 80 columns: sorting on it says so in the title.
    for (let i = 0; i < 10; i++) a.handle(key('s'));
    assert.equal(COLUMNS[a.list.sortCol]!.head, 'Comment');
    assert.doesNotMatch(plain(a)[1]!, /Comment/);
    assert.match(plain(a)[0]!, /sorted by Comment ▲/);
    a.handle(key('a'));
    a.handle(key('c'));
    assert.equal(a.list.all, true, 'c clears filters, not the all-dialogs view');
    assert.match(plain(a).at(-1)!, /2 warnings \(W\)/);
    a.handle(key('W'));
    const s = plain(a).join('\n');
    assert.match(s, /2 warnings · any key returns/);
    assert.match(s, /frame 2: bad \ufffd\[2J header \[evil\]/);
    assert.match(s, /second \[n\]/);
    a.handle(key('x'));
    assert.equal(a.mode, 'list');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
