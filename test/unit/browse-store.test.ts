/**
 * The browser's store and list rules on calls built in memory: the
 * --max-calls bound with calls still open, "#" sorting by index whatever
 * the store's order, and the outcome of an open call shown as pending.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallStore, SUMMARY_FACTOR, isOpen } from '../../src/browse/store.js';
import { COLUMNS, initialList, visibleCalls } from '../../src/browse/list.js';
import type { Call } from '../../src/model.js';
import type { CallTrack } from '../../src/sip/calls.js';

export function mkCall(i: number, over: Partial<Call> = {}): Call {
  return {
    index: i, callId: `c${i}`, kind: 'call', partial: false, from: `sip:a${i}@x`, to: `sip:b${i}@x`, fromDisplay: null, toDisplay: null, initialSpeaker: '',
    state: 'COMPLETED', outcome: 'COMPLETED', comment: '', sipPackets: 1, firstFrame: i, lastFrame: i, start: i, stop: i, setupMs: null, durationS: null,
    participants: [], messages: [{ frame: i, time: i, src: 'a:1', dst: 'b:2', transport: 'UDP', method: 'INVITE', status: null, reason: null, cseq: '1 INVITE', label: 'INVITE', sdp: false, retransmission: false, raw: 'INVITE x SIP/2.0\r\n\r\n' }],
    media: [], streams: [], events: [], ...over,
  };
}

/** A live track as the call tracker hands it to the tap: settle() reads these fields. */
export function mkTrack(call: Call, over: Partial<CallTrack> = {}): CallTrack {
  return {
    call, answerTime: null, byeTime: null, inviteFinals: [], sawCancel: false, sawRinging: false, lastFinal: null, registerExpires: null, ...over,
  } as unknown as CallTrack;
}

test('--max-calls: calls still open are neither summarised nor forgotten, and the counters add up', () => {
  const max = 5;
  const store = new CallStore('live', max);
  // Calls 1..3 start and stay open (long calls); then 200 short calls come and go.
  const long = [1, 2, 3].map((i) => mkCall(i, { state: 'IN CALL', outcome: 'ANSWERED' }));
  for (const c of long) store.onSip(mkTrack(c, { answerTime: 0 }));
  const total = 3 + 200;
  for (let i = 4; i <= total; i++) {
    const c = mkCall(i);
    store.onSip(mkTrack(c, { answerTime: 0, byeTime: 1 }));
    store.retire(c, []);
  }
  assert.equal(store.calls.length, max * SUMMARY_FACTOR);
  assert.equal(store.calls.length + store.forgotten, total, 'every call is either listed or counted as forgotten');
  for (const c of long) {
    assert.ok(store.calls.includes(c), `open call ${c.index} kept`);
    assert.equal(c.messages.length, 1, `open call ${c.index} keeps its messages`);
  }
  assert.equal(store.calls.filter((c) => c.messages.length).length, max + 0, 'exactly max calls with messages (the 3 open ones among them)');
  // The long calls end: they are not added again (they were never forgotten) and, now the oldest ended calls, go first.
  for (const c of long) store.retire(c, []);
  assert.equal(store.calls.length + store.forgotten, total, 'an ended call that was kept is not counted twice');
  assert.equal(new Set(store.calls).size, store.calls.length, 'no call listed twice');
  const next = mkCall(total + 1);
  store.onSip(mkTrack(next, { answerTime: 0, byeTime: 1 }));
  store.retire(next, []);
  assert.equal(store.calls.includes(long[0]!), false, 'the oldest ended call is the one forgotten');
  assert.equal(store.calls.length + store.forgotten, total + 1);
  // "#" ascending is index order, even though the open calls sat at the front of the store.
  const shown = visibleCalls(store.calls, store.view(), initialList()).map((c) => c.index);
  assert.deepEqual(shown, [...shown].sort((a, b) => a - b));
  assert.deepEqual(shown.slice(0, 2), [2, 3], 'the open calls kept at the front of the store are listed by index');
});

test('--max-calls: a long call that ends after later calls were summarised is summarised in its turn', () => {
  const max = 5;
  const store = new CallStore('live', max);
  const long = [1, 2, 3].map((i) => mkCall(i, { state: 'IN CALL', outcome: 'ANSWERED' }));
  for (const c of long) store.onSip(mkTrack(c, { answerTime: 0 }));
  const short = (i: number) => { const c = mkCall(i); store.onSip(mkTrack(c, { answerTime: 0, byeTime: 1 })); store.retire(c, []); };
  for (let i = 4; i <= 20; i++) short(i);
  assert.deepEqual(store.calls.filter((c) => c.messages.length).map((c) => c.index), [1, 2, 3, 19, 20]);
  for (const c of long) store.retire(c, []);
  for (let i = 21; i <= 23; i++) short(i);
  assert.deepEqual(store.calls.filter((c) => c.messages.length).map((c) => c.index), [19, 20, 21, 22, 23]);
  assert.ok(long.every((c) => c.messages.length === 0), 'the long calls are summarised');
  assert.equal(store.summarised, 18);
  assert.equal(store.forgotten, 0);
});

test('"#" sorts by index in both directions whatever order the store holds', () => {
  const calls = [mkCall(3), mkCall(1), mkCall(2)];
  const r = { tool: 'sipflow', version: '', file: '', capture: { format: 'pcap', frames: 0, linkTypes: [], firstTime: null, durationS: 0, truncated: false }, calls, rtpStreams: [], warnings: [] } as never;
  assert.deepEqual(visibleCalls(calls, r, initialList()).map((c) => c.index), [1, 2, 3]);
  assert.deepEqual(visibleCalls(calls, r, { ...initialList(), sortDesc: true }).map((c) => c.index), [3, 2, 1]);
});

test('an open call in setup shows its outcome as pending, not NO ANSWER; once handed over the outcome is final', () => {
  const store = new CallStore('live', 100);
  const c = mkCall(1, { state: 'CALL SETUP', outcome: null });
  const track = mkTrack(c);
  store.onSip(track);
  const outcome = COLUMNS.find((x) => x.head === 'Outcome')!;
  const r = store.view();
  assert.equal(isOpen(c), true);
  assert.equal(c.outcome, null, 'settle() said NO ANSWER: not decided while the call is open');
  assert.equal(outcome.cell(c, r), 'pending');
  // Answered (200 OK) but still in setup until the ACK: still pending rather than "CALL SETUP / ANSWERED".
  track.answerTime = 1;
  store.onSip(track);
  assert.equal(outcome.cell(c, r), 'pending');
  c.state = 'IN CALL';
  store.onSip(track);
  assert.equal(outcome.cell(c, r), 'ANSWERED');
  // A registration without its final answer is pending too.
  const reg = mkCall(2, { kind: 'registration', state: 'UNKNOWN', outcome: null });
  store.onSip(mkTrack(reg));
  assert.equal(outcome.cell(reg, r), 'pending');
  // Handed over by the analysis (its outcome settled there): no longer open.
  c.state = 'CALL SETUP'; c.outcome = 'NO ANSWER';
  store.retire(c, []);
  assert.equal(isOpen(c), false);
  assert.equal(outcome.cell(c, r), 'NO ANSWER');
});

test('live: a call that is over is handed over by the wall clock while the feed is quiet', { timeout: 20000 }, async () => {
  const { mkdtempSync, openSync, writeSync, closeSync, rmSync } = await import('node:fs');
  const { spawnSync } = await import('node:child_process');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { PcapWriter } = await import('../../src/capture/writer.js');
  const { udpFrame } = await import('../../src/net/build.js');
  const { startAnalysis } = await import('../../src/browse/feed.js');
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-browse-clock-'));
  const path = join(dir, 'feed.pcap');
  assert.equal(spawnSync('mkfifo', [path]).status, 0);
  // Our read-write descriptor: opening never blocks, and the stream does not end while we hold it.
  const fd = openSync(path, 'r+');
  try {
    const w = new PcapWriter(undefined, { linkType: 1 });
    const hdr = (cseq: string, to: string) => `Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK${cseq.replace(' ', '')}\r\nFrom: <sip:a@ex.test>;tag=f\r\nTo: ${to}\r\nCall-ID: clock-1@test\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
    let t = 1_700_000_000;
    const send = (text: string, back = false) => { w.writePacket(t++, 0, udpFrame({ src: back ? '192.0.2.2' : '192.0.2.1', dst: back ? '192.0.2.1' : '192.0.2.2', sport: 5060, dport: 5060, payload: Buffer.from(text) })); };
    send(`INVITE sip:b@ex.test SIP/2.0\r\n${hdr('1 INVITE', '<sip:b@ex.test>')}`);
    send(`SIP/2.0 200 OK\r\n${hdr('1 INVITE', '<sip:b@ex.test>;tag=t')}`, true);
    send(`ACK sip:b@ex.test SIP/2.0\r\n${hdr('1 ACK', '<sip:b@ex.test>;tag=t')}`);
    send(`BYE sip:b@ex.test SIP/2.0\r\n${hdr('2 BYE', '<sip:b@ex.test>;tag=t')}`);
    send(`SIP/2.0 200 OK\r\n${hdr('2 BYE', '<sip:b@ex.test>;tag=t')}`, true);
    const store = new CallStore('live', 100);
    const analysis = startAnalysis({ label: 'fifo', live: true, paths: [path], close() {}, note: null }, store, { lingerS: 1 });
    writeSync(fd, w.toBytes());
    // Nothing more is written: only the wall clock can end the linger now.
    let c: Call | undefined;
    for (let i = 0; i < 100; i++) {
      await new Promise((r) => setTimeout(r, 100));
      c = store.calls[0];
      if (c && !isOpen(c)) break;
    }
    assert.ok(c, 'the call is listed');
    assert.equal(isOpen(c), false, 'handed over although no packet followed');
    assert.equal(c.outcome, 'COMPLETED');
    assert.equal(store.done, false, 'the feed is still open');
    closeSync(fd);
    await analysis.done;
    assert.equal(store.done, true);
  } finally {
    try { closeSync(fd); } catch { /* closed */ }
    rmSync(dir, { recursive: true, force: true });
  }
});
