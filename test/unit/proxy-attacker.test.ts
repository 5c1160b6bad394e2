/**
 * The proxy with digest authentication on, attacked from 127.0.0.1 by a
 * scripted attacker (test/helpers/attacker.ts) while bob, a registered
 * user, listens: every case gets the answer RFC 3261 / 7616 say, is
 * journaled when refused, and bob receives nothing of it (every attacker
 * Call-ID starts with "atk-", and bob's socket keeps all it was sent).
 * Also: the RFC 4475 / 5118 torture messages (test/helpers/torture.ts)
 * answered as the RFCs say, the transaction table bound, and the call table
 * forgetting an answered call whose ACK never comes.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy, type RunningProxy } from '../../src/proxy/index.js';
import { UdpPeer, credentials, challengeParams, sipRequest, sipResponse, LOOPBACK } from '../helpers/attacker.js';
import { TORTURE_MESSAGES } from '../helpers/torture.js';
import type { ParsedSip } from '../../src/sip/parser.js';

const USERS = new Map([['alice', 'pw-alice'], ['bob', 'pw-bob']]);
const dir = mkdtempSync(join(tmpdir(), 'sipflow-attacker-'));
const journalFile = join(dir, 'journal.log');
let p: RunningProxy;
let bob: UdpPeer, alice: UdpPeer, atk: UdpPeer;
const ruri = (user: string) => `sip:${user}@${LOOPBACK}:${p.port}`;

/** The final answer to the last request `peer` sent on `callId`. */
function answerTo(peer: UdpPeer, callId: string, ms = 1500): Promise<ParsedSip | null> { return peer.final(ms, callId); }

function journal(): string { return readFileSync(journalFile, 'utf8'); }

/** Send a request, answer its challenge with `user`'s password, return the final answer and the credential line used. */
async function authed(peer: UdpPeer, spec: Parameters<typeof sipRequest>[0], user: string, password: string, kind: 'www' | 'proxy' = 'proxy'): Promise<{ res: ParsedSip; cred: string }> {
  peer.send(sipRequest(spec), p.port);
  const ch = await answerTo(peer, spec.callId);
  assert.equal(ch?.status, kind === 'www' ? 401 : 407, `${spec.method} challenged`);
  const challenge = ch!.headersNamed(kind === 'www' ? 'WWW-Authenticate' : 'Proxy-Authenticate')[0]!;
  if (spec.method === 'INVITE') peer.send(sipRequest({ ...spec, method: 'ACK', toTag: ch!.toTag ?? undefined, branch: spec.branch }), p.port);
  const cred = credentials({ header: kind === 'www' ? 'Authorization' : 'Proxy-Authorization', user, password, method: spec.method, uri: spec.ruri, challenge });
  peer.send(sipRequest({ ...spec, cseq: (spec.cseq ?? 1) + 1, branch: undefined, extra: (spec.extra ?? '') + cred }), p.port);
  const res = await answerTo(peer, spec.callId);
  assert.ok(res, `${spec.method} with credentials answered`);
  return { res, cred };
}

before(async () => {
  // Every peer is 127.0.0.1: the failure guard (tested on a proxy of its own below) must not lock the honest users out here.
  p = await startProxy({
    listen: `${LOOPBACK}:0`, db: null, users: USERS, realm: 'lab', journalStderr: false, journal: journalFile,
    limits: { guard: { maxFailures: 1000, windowMs: 60_000, lockMs: 10_000, maxLockMs: 10_000, maxSources: 100 } },
  });
  [bob, alice, atk] = await Promise.all([new UdpPeer('bob').open(), new UdpPeer('alice').open(), new UdpPeer('attacker').open()]);
  const reg = await authed(bob, {
    method: 'REGISTER', ruri: `sip:${LOOPBACK}:${p.port}`, port: bob.port, from: 'bob', to: 'bob', callId: 'bob-reg',
    extra: 'Expires: 3600\n',
  }, 'bob', 'pw-bob', 'www');
  assert.equal(reg.res.status, 200);
});

after(async () => {
  await p?.stop();
  for (const u of [bob, alice, atk]) u?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** What reached bob from an attacker case. */
function bobGotAttack(): string[] {
  return bob.received.map((b) => b.toString('latin1')).filter((t) => /Call-ID: atk-/i.test(t) || /^CANCEL /.test(t));
}

test('the challenge: SHA-256 first, MD5 beside it, qop=auth, one nonce', async () => {
  atk.send(sipRequest({ method: 'MESSAGE', ruri: ruri('bob'), port: atk.port, callId: 'atk-challenge', body: 'hi' }), p.port);
  const r = await atk.final(1500, 'atk-challenge');
  assert.equal(r?.status, 407);
  const chs = r!.headersNamed('Proxy-Authenticate').map(challengeParams);
  assert.deepEqual(chs.map((c) => c['algorithm']), ['SHA-256', 'MD5']);
  assert.ok(chs.every((c) => c['qop'] === 'auth' && c['realm'] === 'lab' && c['nonce'] === chs[0]!['nonce']));
  assert.ok(chs.every((c) => c['stale'] === undefined));
});

test('every out-of-dialog method without credentials is challenged (407), and reaches no one', async () => {
  for (const method of ['MESSAGE', 'OPTIONS', 'SUBSCRIBE', 'NOTIFY', 'INFO', 'REFER', 'PUBLISH', 'INVITE', 'BYE', 'UPDATE', 'PRACK']) {
    atk.send(sipRequest({ method, ruri: ruri('bob'), port: atk.port, callId: `atk-noauth-${method}`, extra: method === 'SUBSCRIBE' || method === 'NOTIFY' ? 'Event: presence\n' : '' }), p.port);
    const r = await atk.final(1500, `atk-noauth-${method}`);
    assert.equal(r?.status, 407, method);
    // The 407 to an INVITE is retransmitted until ACKed (Timer G).
    if (method === 'INVITE') atk.send(sipRequest({ method: 'ACK', ruri: ruri('bob'), port: atk.port, callId: 'atk-noauth-INVITE', branch: r!.branch ?? undefined, toTag: r!.toTag ?? undefined }), p.port);
  }
  // The proxy itself answers an OPTIONS ping without reaching anyone.
  atk.send(sipRequest({ method: 'OPTIONS', ruri: `sip:${LOOPBACK}:${p.port}`, port: atk.port, callId: 'atk-ping' }), p.port);
  assert.equal((await atk.final(1500, 'atk-ping'))?.status, 200);
});

test('in-dialog requests outside a dialog of the proxy: 403 without our Route, 481 with it', async () => {
  for (const method of ['INVITE', 'BYE', 'UPDATE', 'MESSAGE', 'INFO', 'NOTIFY']) {
    atk.send(sipRequest({ method, ruri: ruri('bob'), port: atk.port, callId: `atk-tag-${method}`, toTag: 'made-up', extra: method === 'NOTIFY' ? 'Event: presence\n' : '' }), p.port);
    assert.equal((await atk.final(1500, `atk-tag-${method}`))?.status, 403, `${method} with a To tag, no Route`);
    atk.send(sipRequest({
      method, ruri: `sip:bob@${LOOPBACK}:${bob.port}`, port: atk.port, callId: `atk-route-${method}`, toTag: 'made-up',
      extra: `Route: <sip:${LOOPBACK}:${p.port};lr>\n${method === 'NOTIFY' ? 'Event: presence\n' : ''}`,
    }), p.port);
    assert.equal((await atk.final(1500, `atk-route-${method}`))?.status, 481, `${method} through our Route, no such dialog`);
  }
  // A stray ACK is never answered, and never forwarded.
  atk.send(sipRequest({ method: 'ACK', ruri: `sip:bob@${LOOPBACK}:${bob.port}`, port: atk.port, callId: 'atk-ack', toTag: 'x', extra: `Route: <sip:${LOOPBACK}:${p.port};lr>\n` }), p.port);
  assert.equal(await atk.final(300, 'atk-ack'), null);
  assert.match(journal(), /refused in-dialog BYE .*no Route naming this proxy \(403\)/);
  assert.match(journal(), /refused in-dialog BYE .*no such dialog \(481\)/);
  assert.match(journal(), /dropped ACK .*not in a dialog of this proxy/);
});

test('no open relay: a foreign host:port is refused to the unauthenticated (407) and to users (403)', async () => {
  const foreign = `sip:victim@${LOOPBACK}:${bob.port}`;
  for (const method of ['MESSAGE', 'OPTIONS']) {
    atk.send(sipRequest({ method, ruri: foreign, port: atk.port, callId: `atk-relay-${method}`, toHost: `${LOOPBACK}:${bob.port}` }), p.port);
    assert.equal((await atk.final(1500, `atk-relay-${method}`))?.status, 407, method);
    // Even alice's own password does not make the proxy a relay.
    const { res } = await authed(atk, { method, ruri: foreign, port: atk.port, from: 'alice', callId: `atk-relay-auth-${method}` }, 'alice', 'pw-alice');
    assert.equal(res.status, 403, `${method} relayed for an authenticated user`);
    assert.match(res.reason ?? '', /relaying/);
  }
  assert.match(journal(), /refused MESSAGE .*\(alice\) to sip:victim@.*relaying is off \(403\)/);
});

test('credentials: a replay, another Request-URI, another From are refused', async () => {
  // alice's genuine MESSAGE to bob goes through once...
  const spec = { method: 'MESSAGE', ruri: ruri('bob'), port: alice.port, from: 'alice', callId: 'alice-msg-1', body: 'hello' };
  alice.send(sipRequest(spec), p.port);
  const ch0 = await alice.final(1500, 'alice-msg-1');
  assert.equal(ch0?.status, 407);
  const cred = credentials({ header: 'Proxy-Authorization', user: 'alice', password: 'pw-alice', method: 'MESSAGE', uri: spec.ruri, challenge: ch0!.headersNamed('Proxy-Authenticate')[0]! });
  alice.send(sipRequest({ ...spec, cseq: 2, extra: cred }), p.port);
  const atBob = await bob.request();
  assert.equal(atBob?.method, 'MESSAGE');
  assert.equal(atBob!.header('Proxy-Authorization'), null, 'our credentials are not passed on');
  bob.send(sipResponse(atBob!, 200, 'OK', 'bobtag', bob.port), p.port);
  assert.equal((await alice.final(1500, 'alice-msg-1'))?.status, 200);
  // ...its credential replayed from another port and Call-ID is not: 407, stale=false.
  atk.send(sipRequest({ ...spec, port: atk.port, callId: 'atk-replay', cseq: 2, extra: cred }), p.port);
  const replay = await atk.final(1500, 'atk-replay');
  assert.equal(replay?.status, 407);
  assert.ok(replay!.headersNamed('Proxy-Authenticate').every((v) => !/stale=true/i.test(v)), 'stale=false on a replay');
  // A genuine credential for another Request-URI.
  atk.send(sipRequest({ method: 'MESSAGE', ruri: ruri('bob'), port: atk.port, from: 'alice', callId: 'atk-uri-0' }), p.port);
  const ch = (await atk.final(1500, 'atk-uri-0'))!.headersNamed('Proxy-Authenticate')[1]!;
  const other = credentials({ header: 'Proxy-Authorization', user: 'alice', password: 'pw-alice', method: 'MESSAGE', uri: `sip:carol@${LOOPBACK}:${p.port}`, challenge: ch });
  atk.send(sipRequest({ method: 'MESSAGE', ruri: ruri('bob'), port: atk.port, from: 'alice', callId: 'atk-uri-1', cseq: 2, extra: other }), p.port);
  assert.equal((await atk.final(1500, 'atk-uri-1'))?.status, 407, 'digest uri must equal the Request-URI');
  // alice's password used with From: bob.
  const { res: spoof } = await authed(atk, { method: 'MESSAGE', ruri: ruri('bob'), port: atk.port, from: 'bob', callId: 'atk-from' }, 'alice', 'pw-alice');
  assert.equal(spoof.status, 403);
  assert.match(journal(), /authentication failed: MESSAGE from 127\.0\.0\.1:\d+ \(replay\)/);
  assert.match(journal(), /authentication failed: MESSAGE from 127\.0\.0\.1:\d+ \(uri-mismatch\)/);
});

test('REGISTER: a replayed Authorization cannot move the binding of bob (401, stale=false)', async () => {
  const spec = { method: 'REGISTER', ruri: `sip:${LOOPBACK}:${p.port}`, port: bob.port, from: 'bob', to: 'bob', callId: 'bob-reg-2', extra: 'Expires: 3600\n' };
  const { res, cred } = await authed(bob, spec, 'bob', 'pw-bob', 'www');
  assert.equal(res.status, 200);
  atk.send(sipRequest({ ...spec, port: atk.port, cseq: 3, extra: `Expires: 3600\n${cred}` }), p.port);
  const r = await atk.final(1500, 'bob-reg-2');
  assert.equal(r?.status, 401);
  assert.ok(r!.headersNamed('WWW-Authenticate').every((v) => !/stale=true/i.test(v)));
  assert.deepEqual(p.proxy.location.lookup('bob').map((b) => b.contact), [`sip:bob@${LOOPBACK}:${bob.port}`]);
});

test('CANCEL from another hop than its INVITE is refused (403); bob never sees it', async () => {
  const spec = { method: 'INVITE', ruri: ruri('bob'), port: alice.port, from: 'alice', callId: 'alice-call-1', branch: 'z9hG4bK-alice-inv1' };
  alice.send(sipRequest(spec), p.port);
  const ch = await alice.final(1500, 'alice-call-1');
  assert.equal(ch?.status, 407);
  alice.send(sipRequest({ ...spec, method: 'ACK', toTag: ch!.toTag ?? undefined }), p.port);
  const cred = credentials({ header: 'Proxy-Authorization', user: 'alice', password: 'pw-alice', method: 'INVITE', uri: spec.ruri, challenge: ch!.headersNamed('Proxy-Authenticate')[0]! });
  const invite2 = { ...spec, cseq: 2, branch: 'z9hG4bK-alice-inv2', extra: cred };
  alice.send(sipRequest(invite2), p.port);
  const inv = await bob.request();
  assert.equal(inv?.method, 'INVITE');
  bob.send(sipResponse(inv!, 180, 'Ringing', 'bob-t1', bob.port), p.port);
  // The attacker copies the INVITE's Via, Call-ID and CSeq: the transaction matches, the hop does not.
  atk.send(sipRequest({ ...invite2, method: 'CANCEL', extra: '' }), p.port);
  const refused = await atk.final(1500, 'alice-call-1');
  assert.equal(refused?.status, 403);
  assert.match(journal(), /refused CANCEL from 127\.0\.0\.1:\d+: its INVITE came from/);
  // bob answers: the dialog exists now, through the proxy's Record-Route.
  bob.send(sipResponse(inv!, 200, 'OK', 'bob-t1', bob.port), p.port);
  const ok = await alice.final(1500, 'alice-call-1');
  assert.equal(ok?.status, 200);
  const rr = ok!.headersNamed('Record-Route')[0]!;
  alice.send(sipRequest({ method: 'ACK', ruri: `sip:bob@${LOOPBACK}:${bob.port}`, port: alice.port, from: 'alice', callId: 'alice-call-1', cseq: 2, toTag: 'bob-t1', extra: `Route: ${rr}\n` }), p.port);
  assert.equal((await bob.request())?.method, 'ACK', 'the ACK of the 2xx follows the Record-Route');
  // In the dialog, the attacker's BYE without our Route is refused; alice's own BYE goes through.
  atk.send(sipRequest({ method: 'BYE', ruri: `sip:bob@${LOOPBACK}:${bob.port}`, port: atk.port, from: 'alice', callId: 'atk-bye', cseq: 3, toTag: 'bob-t1' }), p.port);
  assert.equal((await atk.final(1500, 'atk-bye'))?.status, 403);
  alice.send(sipRequest({ method: 'BYE', ruri: `sip:bob@${LOOPBACK}:${bob.port}`, port: alice.port, from: 'alice', callId: 'alice-call-1', cseq: 3, toTag: 'bob-t1', extra: `Route: ${rr}\n` }), p.port);
  const bye = await bob.request();
  assert.equal(bye?.method, 'BYE');
  bob.send(sipResponse(bye!, 200, 'OK', 'bob-t1', bob.port), p.port);
  assert.equal((await alice.final(1500, 'alice-call-1'))?.status, 200);
});

test('password guessing is slowed: after 5 failures the source is refused for a while, and it is journaled', async () => {
  const file = join(dir, 'guard.log');
  const g = await startProxy({ listen: `${LOOPBACK}:0`, db: null, users: USERS, realm: 'lab', journalStderr: false, journal: file });
  const peer = await new UdpPeer('guesser').open();
  try {
    const spec = { method: 'REGISTER', ruri: `sip:${LOOPBACK}:${g.port}`, port: peer.port, from: 'bob', to: 'bob', callId: 'atk-guess' };
    peer.send(sipRequest(spec), g.port);
    let ch = (await peer.final(1500, 'atk-guess'))!.headersNamed('WWW-Authenticate')[0]!;
    const answers: number[] = [];
    for (let i = 0; i < 7; i++) {
      peer.send(sipRequest({ ...spec, cseq: 2 + i, extra: credentials({ header: 'Authorization', user: 'bob', password: `guess${i}`, method: 'REGISTER', uri: spec.ruri, challenge: ch }) }), g.port);
      const r = await peer.final(1500, 'atk-guess');
      answers.push(r!.status!);
      if (r!.status === 401) ch = r!.headersNamed('WWW-Authenticate')[0]!;
    }
    assert.deepEqual(answers, [401, 401, 401, 401, 401, 403, 403]);
    // While refused, even the right password is not checked.
    peer.send(sipRequest({ ...spec, cseq: 20, extra: credentials({ header: 'Authorization', user: 'bob', password: 'pw-bob', method: 'REGISTER', uri: spec.ruri, challenge: ch }) }), g.port);
    const locked = await peer.final(1500, 'atk-guess');
    assert.equal(locked?.status, 403);
    assert.match(locked!.reason ?? '', /too many authentication failures, retry in \d+ s/);
    assert.match(readFileSync(file, 'utf8'), /authentication: 5 failures from 127\.0\.0\.1: its requests are refused for 10 s/);
  } finally { peer.close(); await g.stop(); }
});

test('bob received nothing from any attack', () => {
  assert.deepEqual(bobGotAttack(), []);
});

const EXEMPT_VALID: Record<string, string> = {
  // RFC 5118's printed Content-Length is larger than its body: over UDP that is a 400 (RFC 3261 §18.3).
  'ipv6-in-sdp': 'Content-Length larger than the datagram',
};

/**
 * Send every torture message to a proxy and list what was answered against the RFCs. `users`: digest
 * authentication on (whatever passes the checks is challenged before any routing); without it the proxy
 * routes the valid messages, whose hosts (example.com, TEST-NET addresses) do not resolve or answer here.
 */
async function tortureRound(users: boolean): Promise<string[]> {
  const wrong: string[] = [];
  const t = await startProxy({ listen: `${LOOPBACK}:0`, db: null, journalStderr: false, domain: 'example.com', ...(users ? { users: USERS, realm: 'lab' } : {}) });
  const peer = await new UdpPeer('torture').open();
  const mode = users ? 'with --users' : 'open';
  try {
    for (const m of TORTURE_MESSAGES) {
      peer.drain();
      peer.send(Buffer.from(m.text, 'latin1'), t.port);
      const callId = /^(?:Call-ID|i)[ \t]*:[ \t]*(\S+)/im.exec(m.text)?.[1] ?? '';
      const r = await peer.final(m.expectedStatus || m.name === 'zeromf' || m.name === 'regaut01' ? 1500 : 400, callId);
      const got = r?.status ?? null;
      const isResponse = /^SIP\//.test(m.text);
      if (isResponse) { if (got !== null) wrong.push(`${mode} ${m.name}: a response answered with ${got}`); continue; }
      // Valid, and answered by the RFC's rules for what they are: Max-Forwards 0 (§16.3 step 3); a REGISTER whose
      // credentials are for another realm is challenged again.
      if (m.name === 'zeromf') { if (got !== 483) wrong.push(`${mode} zeromf: expected 483, got ${got}`); continue; }
      if (m.name === 'regaut01' && users) { if (got !== 401) wrong.push(`${mode} regaut01: expected 401, got ${got}`); continue; }
      if (m.expectedStatus && ![400, 505, 501, 420].includes(m.expectedStatus)) {
        // 415 (invut) is a UAS's answer and 416 (unkscm) is routing's: a proxy forwards or routes them.
        if (m.name === 'unkscm' && got !== 416) wrong.push(`${mode} unkscm: ${got}`);
        continue;
      }
      if (m.expectedStatus) { if (got !== m.expectedStatus) wrong.push(`${mode} ${m.name}: expected ${m.expectedStatus}, got ${got}`); continue; }
      if (m.rfcSays === 'invalid') {
        // The RFC names no answer (baddate, scalarlg...): anything but a crash; nothing to assert on the status.
        continue;
      }
      if (got !== null && [400, 505, 420].includes(got) && !EXEMPT_VALID[m.name]) wrong.push(`${mode} ${m.name} (valid): refused with ${got} ${r!.reason}`);
      // A next hop that does not resolve is not the proxy's own failure (it is 404 or 503, said in the reason).
      if (got === 500) wrong.push(`${mode} ${m.name} (valid): 500 ${r!.reason}`);
    }
    // regbadct's contact was not registered (open, the valid REGISTERs for user@example.com are; ipv6-bad's
    // contact is also RFC 5118's valid REGISTER's, its 400 is asserted above).
    const contacts = t.proxy.location.lookup('user').map((b) => b.contact);
    if (users ? contacts.length : contacts.some((c) => c.includes('?Route='))) wrong.push(`${mode}: an invalid REGISTER was registered: ${contacts.join(', ')}`);
  } finally { peer.close(); await t.stop(); }
  return wrong;
}

test('RFC 4475 / 5118 torture messages, with authentication on: the invalid ones answered as the RFCs say, the valid ones not refused as malformed', async () => {
  assert.deepEqual(await tortureRound(true), []);
});

test('RFC 4475 / 5118 torture messages, open proxy (no --users): the same answers; valid ones routed, an unresolvable next hop is 404 or 503, never 500', async () => {
  assert.deepEqual(await tortureRound(false), []);
});

test('bounded transaction table: 503 with Retry-After beyond it', async () => {
  const t = await startProxy({ listen: `${LOOPBACK}:0`, db: null, journalStderr: false, limits: { maxTransactions: 5 } });
  const peer = await new UdpPeer('flood').open();
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      peer.send(sipRequest({ method: 'OPTIONS', ruri: `sip:${LOOPBACK}:${t.port}`, port: peer.port, callId: `atk-flood-${i}` }), t.port);
      const r = await peer.final(1500, `atk-flood-${i}`);
      statuses.push(r!.status!);
      if (r!.status === 503) assert.equal(r!.header('Retry-After'), '5');
    }
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 503, 503, 503]);
  } finally { peer.close(); await t.stop(); }
});

test('call table: a call answered and never ACKed is forgotten after 64×T1; calls are counted per source', async () => {
  const t = await startProxy({ listen: `${LOOPBACK}:0`, db: null, journalStderr: false, timers: { t1: 20 }, limits: { maxCallsPerSource: 2 } });
  const [caller, callee] = await Promise.all([new UdpPeer('caller').open(), new UdpPeer('callee').open()]);
  try {
    const invite = (i: number) => sipRequest({ method: 'INVITE', ruri: `sip:bob@${LOOPBACK}:${callee.port}`, port: caller.port, callId: `junk-${i}` });
    for (let i = 0; i < 2; i++) {
      caller.send(invite(i), t.port);
      const inv = await callee.request();
      callee.send(sipResponse(inv!, 200, 'OK', `t${i}`, callee.port), t.port);
      assert.equal((await caller.final(1500, `junk-${i}`))?.status, 200);
    }
    assert.equal(t.proxy.getStats().calls, 2);
    assert.equal(t.proxy.getStats().maxCallsOneSource, 2);
    caller.send(invite(2), t.port);
    const refused = await caller.final(1500, 'junk-2');
    assert.equal(refused?.status, 503, 'a third open call from the same source');
    assert.match(refused!.reason ?? '', /too many calls from this address/);
    // 64×T1 = 1.28 s here; the sweep runs each second.
    await new Promise((r) => setTimeout(r, 2600));
    const s = t.proxy.getStats();
    assert.equal(s.calls, 0);
    assert.equal(s.droppedUnacked, 2);
  } finally { caller.close(); callee.close(); await t.stop(); }
});
