/**
 * The transaction layer's own bookkeeping: which calls hold an accepted
 * INVITE (asked for each failed INVITE, so kept as an index, not a scan),
 * through acceptance, lingering and the sweep that forgets transactions.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseSip, isSipParseError, type ParsedSip } from '../../src/sip/parser.js';
import { SipMsg } from '../../src/proxy/message.js';
import { TransactionLayer } from '../../src/proxy/transactions.js';

function invite(callId: string, branch: string): ParsedSip {
  const p = parseSip(Buffer.from(`INVITE sip:bob@lab SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=${branch}\r\nFrom: <sip:alice@lab>;tag=a\r\nTo: <sip:bob@lab>\r\nCall-ID: ${callId}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`));
  if (isSipParseError(p)) throw new Error(p.error);
  return p;
}

test('hasAcceptedInvite follows INVITE transactions through acceptance and the sweep', () => {
  const linger = 1000;
  const tx = new TransactionLayer({ t1: 500, t2: 4000, linger, timerC: 180000 }, 100, () => {}, { clientTimedOut() {}, serverTimedOut() {} });
  const add = (callId: string, branch: string) => {
    const p = invite(callId, branch);
    return tx.addServer({ key: tx.serverKey(p, 'INVITE', '192.0.2.1:5060'), method: 'INVITE', src: { ip: '192.0.2.1', port: 5060 }, req: SipMsg.from(p), parsed: p, tagSeed: callId + branch, expiresAt: Date.now() + 60000 });
  };
  const a1 = add('call-a', 'z9hG4bK-1'), a2 = add('call-a', 'z9hG4bK-2'), b = add('call-b', 'z9hG4bK-3');
  assert.equal(tx.hasAcceptedInvite('call-a'), false, 'proceeding is not accepted');
  tx.complete(a1, 200);
  tx.accept(a1); // twice: counted once
  tx.complete(a2, 200);
  tx.complete(b, 486);
  assert.equal(tx.hasAcceptedInvite('call-a'), true);
  assert.equal(tx.hasAcceptedInvite('call-b'), false, 'a 486 is not a dialog');
  // a2 lingers longer than a1: after a1 is swept, call-a still has an accepted INVITE.
  a2.expiresAt = Date.now() + 10 * linger;
  tx.sweep(Date.now() + 2 * linger);
  assert.equal(tx.server(a1.key), undefined, 'a1 forgotten');
  assert.equal(tx.hasAcceptedInvite('call-a'), true);
  tx.sweep(Date.now() + 20 * linger);
  assert.equal(tx.hasAcceptedInvite('call-a'), false);
  assert.equal(tx.size, 0);
  tx.stop();
});
