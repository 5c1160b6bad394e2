/**
 * The messages the proxy builds: CANCEL and non-2xx ACK from an INVITE
 * (cancel-ack.ts), its own responses and reason phrases (responses.ts), the
 * received/rport stamp (message.ts), and the journal's view of an own
 * response (live-message.ts), which must equal parsing the response back.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cancelOrAck } from '../../src/proxy/cancel-ack.js';
import { liveResponseMessage, liveSipMessage } from '../../src/proxy/live-message.js';
import { SipMsg, withReceivedVia } from '../../src/proxy/message.js';
import { ReasonPhrases, buildResponse } from '../../src/proxy/responses.js';
import { isSipParseError, parseSip, toSipMessage, type ParsedSip } from '../../src/sip/parser.js';

function parse(text: string): ParsedSip {
  const p = parseSip(Buffer.from(text.replace(/\n/g, '\r\n')));
  assert.ok(!isSipParseError(p));
  return p;
}

const INVITE = `INVITE sip:bob@10.0.0.2:5062 SIP/2.0
v: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-sfabc-1;rport
Via: SIP/2.0/UDP 10.0.0.1:5070;branch=z9hG4bK-caller;rport=5070;received=10.0.0.1
Route: <sip:10.0.0.3;lr>, <sip:10.0.0.4;lr>
Max-Forwards: 69
f: "Alice" <sip:alice@lab>;tag=a1
t: <sip:bob@lab>
i: call-1@lab
CSeq: 7 INVITE
Contact: <sip:alice@10.0.0.1:5070>
Reason: Q.850;cause=16
Timestamp: 12.5
Content-Length: 0

`;

test('SipMsg reads headers through the parser: compact forms and any spelling', () => {
  const m = SipMsg.from(parse(INVITE));
  assert.equal(m.get('call-id'), 'call-1@lab');
  assert.equal(m.get('i'), 'call-1@lab');
  assert.deepEqual(m.all('ROUTE'), ['<sip:10.0.0.3;lr>', '<sip:10.0.0.4;lr>']);
  assert.equal(m.all('v').length, 2);
});

test('CANCEL (RFC 3261 §9.1): the INVITE\'s R-URI, top Via only, Route set, From, To, Call-ID, CSeq number', () => {
  const c = cancelOrAck('CANCEL', SipMsg.from(parse(INVITE)), 7, { reason: 'Q.850;cause=16' });
  assert.equal(c.toBuffer().toString(), [
    'CANCEL sip:bob@10.0.0.2:5062 SIP/2.0',
    'Via: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-sfabc-1;rport',
    'Route: <sip:10.0.0.3;lr>',
    'Route: <sip:10.0.0.4;lr>',
    'Max-Forwards: 70',
    'From: "Alice" <sip:alice@lab>;tag=a1',
    'To: <sip:bob@lab>',
    'Call-ID: call-1@lab',
    'CSeq: 7 CANCEL',
    'Reason: Q.850;cause=16',
    'Content-Length: 0',
    '', ''].join('\r\n'));
});

test('ACK of a non-2xx (§17.1.1.3): as the CANCEL, but the To of the response', () => {
  const a = cancelOrAck('ACK', SipMsg.from(parse(INVITE)), 7, { to: '<sip:bob@lab>;tag=b9' });
  const p = parse(a.toBuffer().toString().replace(/\r\n/g, '\n'));
  assert.equal(p.method, 'ACK');
  assert.equal(p.toTag, 'b9');
  assert.equal(p.branch, 'z9hG4bK-sfabc-1');
  assert.equal(p.header('CSeq'), '7 ACK');
  assert.equal(p.headerValues('Via').length, 1);
  assert.equal(p.header('Reason'), null);
});

test('own responses: §8.2.6 copies, To tag added once, Timestamp on 100, reason phrases', () => {
  const p = parse(INVITE);
  const req = SipMsg.from(p);
  const reasons = new ReasonPhrases({ 404: 'Nikto tu neni' });
  const r = buildResponse(req, p, 404, reasons.own(404), 'tg1', [['X-Extra', '1']]);
  assert.deepEqual(r.headers.map((h) => h.name), ['Via', 'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Server', 'X-Extra']);
  assert.equal(r.get('To'), '<sip:bob@lab>;tag=tg1');
  assert.equal(r.reason, 'Nikto tu neni');
  assert.equal(buildResponse(req, p, 100, reasons.own(100), 'tg1').get('Timestamp'), '12.5');
  assert.equal(buildResponse(req, p, 100, reasons.own(100), 'tg1').get('To'), '<sip:bob@lab>', 'no tag on 100');
  const tagged = parse(INVITE.replace('t: <sip:bob@lab>', 't: <sip:bob@lab>;tag=old'));
  assert.equal(buildResponse(SipMsg.from(tagged), tagged, 200, 'OK', 'tg1').get('To'), '<sip:bob@lab>;tag=old');
  // A phrase that says more than the standard words is kept; the standard one gives way to --reason.
  assert.equal(reasons.own(404, 'Not Found'), 'Nikto tu neni');
  assert.equal(reasons.own(404, 'Not Found - no user in To'), 'Not Found - no user in To');
  assert.equal(reasons.own(499), 'Error');
  const fwd = new SipMsg({ isRequest: false, status: 404, reason: 'Not Found' });
  reasons.applyCustom(fwd);
  assert.equal(fwd.reason, 'Nikto tu neni');
  const other = new SipMsg({ isRequest: false, status: 480, reason: 'Away' });
  reasons.applyCustom(other);
  assert.equal(other.reason, 'Away', 'no --reason for 480: the phrase passes unchanged');
});

test('received and rport stamped on the top Via (§18.2.1, RFC 3581)', () => {
  const p = parse(INVITE);
  assert.equal(withReceivedVia(p, { ip: '192.0.2.7', port: 4000 }).all('Via')[0], 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-sfabc-1;received=192.0.2.7;rport=4000');
  assert.equal(withReceivedVia(p, { ip: '10.0.0.9', port: 4000 }).all('Via')[0], 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-sfabc-1;rport=4000;received=10.0.0.9');
  const noRport = parse(INVITE.replace(';branch=z9hG4bK-sfabc-1;rport', ';branch=z9hG4bK-sfabc-1'));
  assert.equal(withReceivedVia(noRport, { ip: '10.0.0.9', port: 4000 }).all('Via')[0], 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-sfabc-1');
  assert.equal(withReceivedVia(noRport, { ip: '192.0.2.7', port: 4000 }).all('Via')[0], 'SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-sfabc-1;received=192.0.2.7');
});

test('the journal\'s own-response message equals the response parsed back', () => {
  const p = parse(INVITE);
  const proxy = { ip: '10.0.0.9', port: 5060 }, caller = { ip: '10.0.0.1', port: 5070 };
  for (const [status, reason] of [[404, 'Not Found'], [407, 'Proxy Authentication Required'], [486, 'Zaneprázdněn']] as const) {
    const r = buildResponse(withReceivedVia(p, caller), p, status, reason, 'tg1', [['Proxy-Authenticate', 'Digest realm="lab", nonce="1"']]);
    const wire = r.toBuffer();
    const back = parseSip(wire);
    assert.ok(!isSipParseError(back));
    const meta = liveSipMessage(back, proxy, caller);
    assert.deepEqual(liveResponseMessage(p, r, wire, proxy, caller), toSipMessage(back, meta));
  }
});
