/** Call event timeline: SIP messages (and their SDP) in, journal phrases out. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callEvent, CallEventBuilder, EVENT_KINDS, eventText, partyName } from '../../src/events.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/corpus.js';
import { parseSdp } from '../../src/media/sdp.js';
import { isSipParseError, parseSip, toSipMessage } from '../../src/sip/parser.js';
import type { SipMessage } from '../../src/model.js';

const ALICE = { ip: '10.0.0.1', tag: 'a1' };
const BOB = { ip: '10.0.0.2', tag: 'b1' };

function audio(port: number, dir = 'sendrecv', video: string | null = null): string {
  const v = video === null ? '' : `m=video ${video} RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n`;
  return `v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=${dir}\r\n${v}`;
}

let frame = 0;
/**
 * A message from `from` (ALICE or BOB) in the dialog alice -> bob. `start` is
 * the request method or the response status line; bodies are SDP unless `ct` says otherwise.
 */
function msg(from: typeof ALICE, start: string, cseq: string, opts: { body?: string; ct?: string; headers?: string[]; noToTag?: boolean } = {}): SipMessage {
  const response = /^\d{3}/.test(start);
  const to = from === ALICE ? BOB : ALICE;
  const line = response ? `SIP/2.0 ${start}` : `${start} sip:bob@example.test SIP/2.0`;
  const toTag = opts.noToTag ? '' : `;tag=${BOB.tag}`;
  const h = [
    line, `Via: SIP/2.0/UDP ${from.ip}:5060;branch=z9hG4bK${++frame}`,
    // From/To stay those of the dialog's direction (alice is the caller) for requests sent by alice
    // and for responses; a request by bob swaps them.
    from === BOB && !response ? `From: "Bob" <sip:bob@example.test>;tag=${BOB.tag}` : `From: "Alice" <sip:alice@example.test>;tag=${ALICE.tag}`,
    from === BOB && !response ? `To: "Alice" <sip:alice@example.test>;tag=${ALICE.tag}` : `To: "Bob" <sip:bob@example.test>${toTag}`,
    'Call-ID: ev-1', `CSeq: ${cseq}`, ...(opts.headers ?? []),
  ];
  if (opts.body !== undefined) h.push(`Content-Type: ${opts.ct ?? 'application/sdp'}`);
  const body = opts.body ?? '';
  h.push(`Content-Length: ${Buffer.byteLength(body)}`);
  const bytes = Buffer.from(h.join('\r\n') + '\r\n\r\n' + body);
  const p = parseSip(bytes, 0, bytes.length, false);
  assert.ok(!isSipParseError(p), 'test message parses');
  return toSipMessage(p, {
    frame, time: frame / 10, tsSec: 0, tsNsec: 0, src: `${from.ip}:5060`, dst: `${to.ip}:5060`, srcIp: from.ip, dstIp: to.ip, transport: 'UDP',
  });
}

/** Feed messages; SDP is parsed from application/sdp bodies. */
function timeline(msgs: (SipMessage | [SipMessage, 'retransmission'])[]): string[] {
  const b = new CallEventBuilder();
  for (const x of msgs) {
    const [m, re] = Array.isArray(x) ? [x[0], true] : [x, false];
    const sdp = m.contentType === 'application/sdp' && m.body ? parseSdp(m.body) : null;
    b.add(m, sdp, re);
  }
  return b.events.map((e) => e.text);
}

test('a completed call: incoming, ringing, answered, ended by whoever sent BYE', () => {
  const t = timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { body: audio(4000), noToTag: true }),
    msg(ALICE, '100 Trying', '1 INVITE', { noToTag: true }),
    msg(ALICE, '180 Ringing', '1 INVITE'),
    msg(ALICE, '200 OK', '1 INVITE', { body: audio(5000) }),
    msg(ALICE, 'ACK', '1 ACK'),
    msg(BOB, 'BYE', '1 BYE'),
    msg(BOB, '200 OK', '1 BYE'),
  ]);
  assert.deepEqual(t, ['Incoming call Alice -> Bob', 'Ringing', 'Answered by Bob', 'Ended by Bob (BYE)']);
});

test('declined, busy, and a challenge before the answer', () => {
  assert.deepEqual(timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true }), msg(ALICE, '603 Decline', '1 INVITE'),
  ]), ['Incoming call Alice -> Bob', 'Declined (603)']);
  assert.deepEqual(timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true }), msg(ALICE, '486 Busy Here', '1 INVITE'),
  ]), ['Incoming call Alice -> Bob', 'Busy (486)']);
  assert.deepEqual(timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true }), msg(ALICE, '407 Proxy Authentication Required', '1 INVITE'),
    msg(ALICE, 'ACK', '1 ACK'), msg(ALICE, 'INVITE', '2 INVITE', { noToTag: true }), msg(ALICE, '200 OK', '2 INVITE'),
  ]), ['Incoming call Alice -> Bob', 'Authentication requested (407)', 'Answered by Bob']);
});

test('cancelled: one event for the CANCEL, none more for the 487 or CANCEL retransmissions', () => {
  const t = timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true }), msg(ALICE, '180 Ringing', '1 INVITE'),
    msg(ALICE, 'CANCEL', '1 CANCEL', { noToTag: true }), msg(ALICE, 'CANCEL', '1 CANCEL', { noToTag: true }),
    msg(ALICE, '200 OK', '1 CANCEL'), msg(ALICE, '487 Request Terminated', '1 INVITE'),
  ]);
  assert.deepEqual(t, ['Incoming call Alice -> Bob', 'Ringing', 'Cancelled']);
});

test('video on and off by re-INVITE (port 0 or inactive), hold and resume', () => {
  const setup = [msg(ALICE, 'INVITE', '1 INVITE', { body: audio(4000), noToTag: true }), msg(ALICE, '200 OK', '1 INVITE', { body: audio(5000) })];
  assert.deepEqual(timeline([
    ...setup,
    msg(ALICE, 'INVITE', '2 INVITE', { body: audio(4000, 'sendrecv', '4002') }), msg(ALICE, '200 OK', '2 INVITE', { body: audio(5000, 'sendrecv', '5002') }),
    msg(ALICE, 'INVITE', '3 INVITE', { body: audio(4000, 'sendrecv', '0') }), msg(ALICE, '200 OK', '3 INVITE', { body: audio(5000, 'sendrecv', '0') }),
  ]).slice(2), ['Video ON', 'Video OFF']);
  assert.deepEqual(timeline([
    ...setup,
    msg(BOB, 'INVITE', '1 INVITE', { body: audio(5000, 'sendonly') }), msg(BOB, '200 OK', '1 INVITE', { body: audio(4000, 'recvonly') }),
    msg(BOB, 'INVITE', '2 INVITE', { body: audio(5000, 'sendrecv') }),
  ]).slice(2), ['Hold by Bob', 'Resume by Bob']);
});

test('video refused by the answer (port 0) or by an error is "Video declined"; a retransmitted re-INVITE is one event', () => {
  const offer = msg(ALICE, 'INVITE', '2 INVITE', { body: audio(4000, 'sendrecv', '4002') });
  assert.deepEqual(timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { body: audio(4000), noToTag: true }), msg(ALICE, '200 OK', '1 INVITE', { body: audio(5000) }),
    offer, [offer, 'retransmission'], msg(ALICE, '200 OK', '2 INVITE', { body: audio(5000, 'sendrecv', '0') }),
  ]).filter((e) => e.startsWith('Video')), ['Video declined']);
  const offer3 = msg(ALICE, 'INVITE', '3 INVITE', { body: audio(4000, 'sendrecv', '4002') });
  assert.deepEqual(timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { body: audio(4000), noToTag: true }), msg(ALICE, '200 OK', '1 INVITE', { body: audio(5000) }),
    offer3, msg(ALICE, '488 Not Acceptable Here', '3 INVITE'),
    msg(ALICE, 'INVITE', '4 INVITE', { body: audio(4000, 'sendrecv', '4002') }), msg(ALICE, '200 OK', '4 INVITE', { body: audio(5000, 'sendrecv', '5002') }),
  ]).filter((e) => e.startsWith('Video')), ['Video declined', 'Video ON']);
});

test('transfer (REFER) names the target; SUBSCRIBE to the conference event package', () => {
  const t = timeline([
    msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true }), msg(ALICE, '200 OK', '1 INVITE'),
    msg(BOB, 'REFER', '2 REFER', { headers: ['Refer-To: <sip:carol@example.test>', 'Referred-By: <sip:bob@example.test>'] }),
    msg(BOB, 'REFER', '2 REFER', { headers: ['Refer-To: <sip:carol@example.test>'] }),
    msg(ALICE, 'SUBSCRIBE', '3 SUBSCRIBE', { headers: ['Event: conference'] }),
    msg(ALICE, 'SUBSCRIBE', '4 SUBSCRIBE', { headers: ['Event: conference;id=2'] }),
  ]);
  assert.deepEqual(t.slice(2), ['Transfer to carol (REFER)', 'Conference (SUBSCRIBE to conference event)']);
});

test('one phrase table: every kind said in words from its data, the same words the journal writes', () => {
  assert.equal(eventText({ kind: 'incoming', from: 'alice', to: 'bob' }), 'Incoming call alice -> bob');
  assert.equal(eventText({ kind: 'declined', code: 603 }), 'Declined (603)');
  assert.equal(eventText({ kind: 'transfer', target: 'carol' }), 'Transfer to carol (REFER)');
  assert.equal(eventText({ kind: 'dtmf', digit: '5', via: 'RTP' }), 'DTMF 5');
  assert.equal(eventText({ kind: 'dtmf', digit: '#', via: 'INFO' }), 'DTMF # (INFO)');
  assert.equal(eventText({ kind: 'ended', by: 'bob' }), 'Ended by bob (BYE)');
  assert.equal(eventText({ kind: 'video-on' }), 'Video ON');
  assert.equal(eventText({ kind: 'diverted', code: 302, target: null }), 'Diverted (302)');
  assert.equal(eventText({ kind: 'registered', aor: 'a@h', expires: null }), 'Registered a@h');
  assert.deepEqual(callEvent(3, 1.5, { kind: 'busy', code: 486 }), { frame: 3, time: 1.5, kind: 'busy', code: 486, text: 'Busy (486)' });
  const m = msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true });
  assert.equal(partyName(m.from), 'Alice');
  assert.equal(partyName({ display: null, uri: { scheme: 'sip', user: 'dave', host: 'h', port: null, plain: 'sip:dave@h', params: {} }, uriText: 'sip:dave@h', params: {} }), 'dave');
  assert.equal(partyName(null), '?');
});

test('the event kind vocabulary is the JSON schema\'s, and every event the builder makes carries a kind of it', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8'));
  const kinds = schema.definitions.call.properties.events.items.properties.kind.enum as string[];
  assert.deepEqual(kinds, EVENT_KINDS);
  const b = new CallEventBuilder();
  for (const m of [
    msg(ALICE, 'INVITE', '1 INVITE', { noToTag: true }), msg(ALICE, '180 Ringing', '1 INVITE'), msg(ALICE, '200 OK', '1 INVITE'), msg(ALICE, 'BYE', '2 BYE'),
  ]) b.add(m, null, false);
  assert.deepEqual(b.events.map((e) => e.kind), ['incoming', 'ringing', 'answered', 'ended']);
  for (const e of b.events) assert.equal(e.text, eventText(e), 'text is the phrase of the data');
});

test('the merged timeline keeps frame order', () => {
  const ev = (frame: number, digit: string) => callEvent(frame, frame / 10, { kind: 'dtmf', digit, via: 'RTP' });
  const merged = CallEventBuilder.merge([ev(1, 'a'), ev(9, 'c')], [ev(5, 'b')]);
  assert.deepEqual(merged.map((e) => e.text), ['DTMF a', 'DTMF b', 'DTMF c']);
});
