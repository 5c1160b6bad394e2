/** CallTracker: Wireshark's VoIP Calls state machine, outcomes, retransmissions, partial dialogs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallTracker } from '../../src/sip/calls.js';
import { parseSip, toSipMessage, type ParsedSip } from '../../src/sip/parser.js';
import type { SipMessage } from '../../src/model.js';

const A = '10.0.0.1', P = '10.0.0.2', B = '10.0.0.3';
let frame = 0;

/** Build a SipMessage from a compact description. */
function msg(src: string, dst: string, first: string, cseq: string, opts: { callId?: string; toTag?: string; branch?: string; body?: string; time?: number } = {}): SipMessage {
  const text = [
    first,
    `Via: SIP/2.0/UDP ${src}:5060;branch=${opts.branch ?? 'z9hG4bK' + cseq.replace(/\W/g, '')}`,
    'From: "Alice" <sip:alice@example.com>;tag=a1',
    `To: <sip:bob@example.com>${opts.toTag ? ';tag=' + opts.toTag : ''}`,
    `Call-ID: ${opts.callId ?? 'c1'}`,
    `CSeq: ${cseq}`,
    ...(opts.body ? ['Content-Type: application/sdp'] : []),
    `Content-Length: ${opts.body?.length ?? 0}`,
    '',
    opts.body ?? '',
  ].join('\r\n');
  const p = parseSip(Buffer.from(text));
  assert.ok(!('error' in p), JSON.stringify(p));
  frame++;
  return toSipMessage(p as ParsedSip, {
    frame, time: opts.time ?? frame / 10, tsSec: 0, tsNsec: 0, src: `${src}:5060`, dst: `${dst}:5060`, srcIp: src, dstIp: dst, transport: 'UDP',
  });
}

function run(msgs: SipMessage[]) {
  const t = new CallTracker(() => {});
  for (const m of msgs) t.add(m);
  return t.finish();
}

test('answered and hung-up call: IN CALL then COMPLETED, comment lists final codes', () => {
  frame = 0;
  const calls = run([
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE', { body: 'v=0\r\n' }),
    msg(P, A, 'SIP/2.0 100 Trying', '1 INVITE'),
    msg(P, A, 'SIP/2.0 180 Ringing', '1 INVITE', { toTag: 'b1' }),
    msg(P, A, 'SIP/2.0 200 OK', '1 INVITE', { toTag: 'b1', time: 2 }),
    msg(A, P, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', { toTag: 'b1' }),
    msg(B, P, 'BYE sip:alice@example.com SIP/2.0', '2 BYE', { toTag: 'b1', time: 7 }),
  ]);
  assert.equal(calls.length, 1);
  const c = calls[0]!;
  assert.equal(c.kind, 'call');
  assert.equal(c.state, 'COMPLETED');
  assert.equal(c.outcome, 'COMPLETED');
  assert.equal(c.comment, 'INVITE 200');
  assert.equal(c.initialSpeaker, A);
  assert.equal(c.durationS, 5);
  assert.equal(c.sipPackets, 6);
  assert.equal(c.messages[0]!.label, 'INVITE (SDP)');
  assert.equal(c.messages[2]!.label, '180 Ringing');
  assert.deepEqual(c.participants, [`${A}:5060`, `${P}:5060`, `${B}:5060`]);
});

test('ACK only moves to IN CALL after a 2xx sent to the initial speaker', () => {
  frame = 0;
  const calls = run([
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
    msg(P, A, 'SIP/2.0 200 OK', '1 INVITE', { toTag: 'b1' }),
    msg(A, P, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', { toTag: 'b1' }),
  ]);
  assert.equal(calls[0]!.state, 'IN CALL');
  assert.equal(calls[0]!.outcome, 'ANSWERED');
  frame = 0;
  // The 200 travels away from the initial speaker (proxy leg only): no IN CALL.
  const other = run([
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
    msg(B, P, 'SIP/2.0 200 OK', '1 INVITE', { toTag: 'b1' }),
    msg(A, P, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', { toTag: 'b1' }),
  ]);
  assert.equal(other[0]!.state, 'CALL SETUP');
  assert.equal(other[0]!.comment, 'INVITE');
});

test('407 challenge then retried INVITE: comment "INVITE 407 200", outcome not AUTH', () => {
  frame = 0;
  const calls = run([
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
    msg(P, A, 'SIP/2.0 407 Proxy Authentication Required', '1 INVITE', { toTag: 'p1' }),
    msg(A, P, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', { toTag: 'p1' }),
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '2 INVITE', { branch: 'z9hG4bK2' }),
    msg(P, A, 'SIP/2.0 200 OK', '2 INVITE', { toTag: 'b1', branch: 'z9hG4bK2' }),
    msg(A, P, 'ACK sip:bob@example.com SIP/2.0', '2 ACK', { toTag: 'b1' }),
  ]);
  const c = calls[0]!;
  // The 407 is >= 300 while waiting: Wireshark marks REJECTED; the retried INVITE resets to CALL SETUP,
  // but sip_state stayed INVITE_SENT so the 200 moves it to 200 received and the ACK to IN CALL.
  assert.equal(c.comment, 'INVITE 407 200');
  assert.equal(c.state, 'IN CALL');
  assert.equal(c.outcome, 'ANSWERED');
});

test('busy, declined, diverted and cancelled outcomes', () => {
  const outcome = (code: string) => {
    frame = 0;
    return run([
      msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
      msg(P, A, `SIP/2.0 ${code}`, '1 INVITE', { toTag: 'b1' }),
    ])[0]!;
  };
  assert.equal(outcome('486 Busy Here').outcome, 'BUSY');
  assert.equal(outcome('600 Busy Everywhere').outcome, 'BUSY');
  assert.equal(outcome('603 Decline').outcome, 'DECLINED');
  assert.equal(outcome('302 Moved Temporarily').outcome, 'DIVERTED');
  assert.equal(outcome('486 Busy Here').state, 'REJECTED');
  assert.equal(outcome('407 Proxy Authentication Required').outcome, 'AUTH');
  frame = 0;
  const c = run([
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
    msg(P, A, 'SIP/2.0 180 Ringing', '1 INVITE', { toTag: 'b1' }),
    msg(A, P, 'CANCEL sip:bob@example.com SIP/2.0', '1 CANCEL'),
    msg(P, A, 'SIP/2.0 200 OK', '1 CANCEL', { toTag: 'b1' }),
    msg(P, A, 'SIP/2.0 487 Request Terminated', '1 INVITE', { toTag: 'b1' }),
  ])[0]!;
  assert.equal(c.state, 'CANCELLED');
  assert.equal(c.outcome, 'CANCELLED');
  // The CANCEL's 200 has the INVITE's CSeq number: Wireshark appends it too.
  assert.equal(c.comment, 'INVITE 200 487');
});

test('retransmissions are marked, not counted as new transactions', () => {
  frame = 0;
  const c = run([
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
    msg(A, P, 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE'),
    msg(P, A, 'SIP/2.0 486 Busy Here', '1 INVITE', { toTag: 'b1' }),
    msg(P, A, 'SIP/2.0 486 Busy Here', '1 INVITE', { toTag: 'b1' }),
  ])[0]!;
  assert.deepEqual(c.messages.map((m) => m.retransmission), [false, true, false, true]);
  assert.equal(c.sipPackets, 4);
  assert.equal(c.comment, 'INVITE 486 486');
});

test('kinds and partial dialogs', () => {
  frame = 0;
  const calls = run([
    msg(A, P, 'REGISTER sip:example.com SIP/2.0', '1 REGISTER', { callId: 'r' }),
    msg(A, P, 'OPTIONS sip:example.com SIP/2.0', '1 OPTIONS', { callId: 'o' }),
    msg(A, P, 'SUBSCRIBE sip:example.com SIP/2.0', '1 SUBSCRIBE', { callId: 's' }),
    msg(A, P, 'MESSAGE sip:example.com SIP/2.0', '1 MESSAGE', { callId: 'm' }),
    msg(A, P, 'PUBLISH sip:example.com SIP/2.0', '1 PUBLISH', { callId: 'p' }),
    msg(A, P, 'BYE sip:bob@example.com SIP/2.0', '5 BYE', { callId: 'mid', toTag: 'x' }),
    msg(P, A, 'SIP/2.0 200 OK', '9 INVITE', { callId: 'resp', toTag: 'x' }),
  ]);
  assert.deepEqual(calls.map((c) => [c.callId, c.kind, c.partial]), [
    ['r', 'registration', false], ['o', 'options', false], ['s', 'subscription', false], ['m', 'message', false],
    ['p', 'publish', false], ['mid', 'call', true], ['resp', 'call', true],
  ]);
  assert.equal(calls[5]!.state, 'COMPLETED');
  assert.deepEqual(calls.map((c) => c.index), [1, 2, 3, 4, 5, 6, 7]);
});

test('a response before any request changes no state but counts as a packet', () => {
  frame = 0;
  const c = run([
    msg(P, A, 'SIP/2.0 200 OK', '1 INVITE', { toTag: 'b1' }),
    msg(A, P, 'ACK sip:bob@example.com SIP/2.0', '1 ACK', { toTag: 'b1' }),
  ])[0]!;
  assert.equal(c.partial, true);
  assert.equal(c.sipPackets, 2);
  assert.equal(c.firstFrame, 1);
  assert.equal(c.state, 'CALL SETUP');
  assert.equal(c.comment, 'ACK');
  assert.equal(c.initialSpeaker, A);
});

test('registration outcomes: registered, unregistered, challenged', () => {
  frame = 0;
  const reg = (exp: string, code: string) => {
    const t = new CallTracker(() => {});
    const req = msg(A, P, 'REGISTER sip:example.com SIP/2.0', '1 REGISTER', { callId: 'r' + code + exp });
    const rsp = msg(P, A, `SIP/2.0 ${code}`, '1 REGISTER', { callId: 'r' + code + exp, toTag: 't' });
    rsp.headers.push({ name: 'Contact', value: `<sip:alice@${A}>;expires=${exp}` });
    t.add(req); t.add(rsp);
    return t.finish()[0]!.outcome;
  };
  assert.equal(reg('3600', '200 OK'), 'REGISTERED');
  assert.equal(reg('0', '200 OK'), 'UNREGISTERED');
  assert.equal(reg('3600', '401 Unauthorized'), 'AUTH');
  assert.equal(reg('3600', '403 Forbidden'), 'FAILED');
});

test('due(): the calls the scan of every call gives, in its order, through messages, media and time going back', () => {
  let seed = 19;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  for (let round = 0; round < 20; round++) {
    const t = new CallTracker(() => {});
    const quiet = new Map<string, number>();
    const quietSince = (id: string) => quiet.get(id) ?? -Infinity;
    const [linger, idle] = round % 2 ? [32, 3600] : [2, 5];
    let now = 0;
    for (let step = 0; step < 300; step++) {
      now += rnd() < 0.1 ? -rnd() * 3 : rnd() * 0.5;
      const id = `c${Math.floor(rnd() * 12)}`;
      const r = rnd();
      if (r < 0.4) t.add(msg('10.0.0.1', '10.0.0.2', 'INVITE sip:bob@example.com SIP/2.0', `${step} INVITE`, { callId: id, time: now }));
      else if (r < 0.6) t.add(msg('10.0.0.2', '10.0.0.1', 'BYE sip:alice@example.com SIP/2.0', `${step} BYE`, { callId: id, time: now, toTag: 'b' }));
      else if (r < 0.75) t.add(msg('10.0.0.1', '10.0.0.2', 'SIP/2.0 200 OK', `${step - 1} BYE`, { callId: id, time: now, toTag: 'b' }));
      else if (r < 0.85) quiet.set(id, now - rnd() * 4);
      else {
        const want = t.tracks.filter((k) => {
          const last = Math.max(k.lastTime, quietSince(k.call.callId));
          return (k.closedAt !== null && now - last >= linger) || now - last >= idle;
        });
        const got = t.due(now, linger, idle, quietSince);
        assert.deepEqual(got.map((k) => k.call.callId), want.map((k) => k.call.callId), `round ${round} step ${step} now ${now}`);
        for (const k of got) if (rnd() < 0.7) t.retire(k);
      }
    }
  }
});

test('due(): many short calls handed over one by one leave the due heap the size of the calls in memory, not of the last hour', () => {
  // Each call: INVITE, BYE, 200 within a second, one call every 0.1 s of capture time; linger 32 s, idle 3600 s.
  // Each call's first heap entry says "idle in an hour"; its BYE pushes an earlier one. Without compaction the
  // stale hour-late entries (and, before, the calls they pointed at) piled up: 20 000 of them here.
  const t = new CallTracker(() => {});
  const quietSince = () => -Infinity;
  let handed = 0, maxEntries = 0, maxLive = 0;
  for (let i = 0; i < 20_000; i++) {
    const now = i * 0.1, id = `short${i}`;
    t.add(msg('10.0.0.1', '10.0.0.2', 'INVITE sip:bob@example.com SIP/2.0', '1 INVITE', { callId: id, time: now }));
    t.add(msg('10.0.0.1', '10.0.0.2', 'BYE sip:bob@example.com SIP/2.0', '2 BYE', { callId: id, time: now + 0.05, toTag: 'b' }));
    t.add(msg('10.0.0.2', '10.0.0.1', 'SIP/2.0 200 OK', '2 BYE', { callId: id, time: now + 0.06, toTag: 'b' }));
    if (i % 10 === 0) {
      const want = t.tracks.filter((k) => k.closedAt !== null && now - k.lastTime >= 32).map((k) => k.call.callId);
      const got = t.due(now, 32, 3600, quietSince);
      assert.deepEqual(got.map((k) => k.call.callId), want, `at ${now}`);
      for (const k of got) { t.retire(k); handed++; }
    }
    maxEntries = Math.max(maxEntries, t.dueEntries);
    maxLive = Math.max(maxLive, t.tracks.length);
  }
  assert.ok(handed > 19_000, `${handed} calls handed over`);
  assert.ok(maxLive < 400, `${maxLive} calls in memory at most`);
  assert.ok(maxEntries <= 2 * maxLive + 1024 + 2, `due heap reached ${maxEntries} entries for at most ${maxLive} calls in memory`);
});
