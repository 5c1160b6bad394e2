/**
 * The proxy's rules one module at a time, on values built in memory: the
 * digest nonce ledger (replays, eviction), SHA-256 credentials, the failure
 * guard, the call table's lifetimes (64×T1, RFC 4028 session timers), the
 * recorder never overwriting a capture, and the start errors in words.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DigestAuth, parseAlgorithms, parseDigest } from '../../src/proxy/digest.js';
import { setParams } from '../../src/proxy/message.js';
import { AuthGuard } from '../../src/proxy/auth-guard.js';
import { CallTable, sessionExpiresMs } from '../../src/proxy/call-table.js';
import { Recorder } from '../../src/proxy/recorder.js';
import { explainStartError } from '../../src/proxy/errors.js';
import { splitTop, strictCheck, validSipHostPort, viaProblem } from '../../src/proxy/validate.js';
import { parseVia } from '../../src/sip/uri.js';
import fc from 'fast-check';
import { isSipParseError, parseSip, type ParsedSip } from '../../src/sip/parser.js';

const dir = mkdtempSync(join(tmpdir(), 'sipflow-proxy-rules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const users = new Map([['alice', 'secret']]);

function cred(auth: DigestAuth, o: { nonce?: string; nc: number; uri?: string; alg?: 'MD5' | 'SHA-256'; pw?: string }): string {
  const alg = o.alg ?? 'MD5';
  const H = (s: string) => createHash(alg === 'MD5' ? 'md5' : 'sha256').update(s).digest('hex');
  const nonce = o.nonce ?? parseDigest(auth.challenge())!['nonce']!;
  const nc = o.nc.toString(16).padStart(8, '0');
  const uri = o.uri ?? 'sip:lab';
  const resp = H(`${H(`alice:lab:${o.pw ?? 'secret'}`)}:${nonce}:${nc}:cn:auth:${H(`REGISTER:${uri}`)}`);
  return `Digest username="alice", realm="lab", nonce="${nonce}", uri="${uri}", response="${resp}", algorithm=${alg}, cnonce="cn", qop=auth, nc=${nc}`;
}

test('digest: nc must grow per nonce; the uri must be the Request-URI; SHA-256 verified; only offered algorithms', () => {
  const auth = new DigestAuth('lab', users);
  const nonce = parseDigest(auth.challenge())!['nonce']!;
  assert.deepEqual(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nonce, nc: 1 })]), { ok: true, user: 'alice' });
  assert.deepEqual(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nonce, nc: 1 })]), { ok: false, stale: false, reason: 'replay' });
  assert.equal(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nonce, nc: 2 })]).ok, true);
  assert.deepEqual(auth.verify('REGISTER', 'sip:other', [cred(auth, { nc: 1 })]), { ok: false, stale: false, reason: 'uri-mismatch' });
  assert.equal(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nc: 1, alg: 'SHA-256' })]).ok, true);
  assert.equal(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nc: 1, alg: 'SHA-256', pw: 'guess' })]).ok, false);
  const md5Only = new DigestAuth('lab', users, 300, Date.now, 1000, ['MD5']);
  assert.deepEqual(md5Only.verify('REGISTER', 'sip:lab', [cred(md5Only, { nc: 1, alg: 'SHA-256' })]), { ok: false, stale: false, reason: 'malformed' });
  assert.deepEqual(auth.challenges().map((c) => parseDigest(c)!['algorithm']), ['SHA-256', 'MD5']);
  // Two challenges in the same millisecond are two nonces.
  const still = new DigestAuth('lab', users, 300, () => 1_700_000_000_000);
  assert.notEqual(still.nonce(), still.nonce());
  assert.deepEqual(parseAlgorithms('md5, sha-256'), ['MD5', 'SHA-256']);
  assert.throws(() => parseAlgorithms('SHA1'), /bad digest algorithm "SHA1"/);
});

test('digest: the ledger is bounded, and a nonce it forgot counts as stale (never replayable)', () => {
  const auth = new DigestAuth('lab', users, 300, Date.now, 2);
  const n = [0, 1, 2].map(() => parseDigest(auth.challenge())!['nonce']!);
  for (const nonce of n) assert.equal(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nonce, nc: 1 })]).ok, true);
  assert.ok(auth.trackedNonces <= 2);
  assert.deepEqual(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nonce: n[0], nc: 5 })]), { ok: false, stale: true, reason: 'bad-nonce' });
  assert.equal(auth.verify('REGISTER', 'sip:lab', [cred(auth, { nonce: n[2], nc: 2 })]).ok, true);
});

test('auth guard: 5 failures lock a source, each new lockout lasts twice as long, other sources are not affected', () => {
  let now = 0;
  const locks: string[] = [];
  const g = new AuthGuard({ maxFailures: 5, windowMs: 60_000, lockMs: 10_000, maxLockMs: 25_000, maxSources: 2 }, (ip, n, s) => locks.push(`${ip} ${n} ${s}`), () => now);
  for (let i = 0; i < 4; i++) g.failed('10.0.0.1');
  assert.equal(g.refusedFor('10.0.0.1'), 0);
  g.failed('10.0.0.1');
  assert.equal(g.refusedFor('10.0.0.1'), 10_000);
  assert.equal(g.refusedFor('10.0.0.2'), 0);
  now = 10_001;
  for (let i = 0; i < 5; i++) g.failed('10.0.0.1');
  assert.equal(g.refusedFor('10.0.0.1'), 20_000);
  now = 40_000;
  for (let i = 0; i < 5; i++) g.failed('10.0.0.1');
  assert.equal(g.refusedFor('10.0.0.1'), 25_000, 'capped');
  assert.deepEqual(locks, ['10.0.0.1 5 10', '10.0.0.1 5 20', '10.0.0.1 5 25']);
  g.failed('10.0.0.2'); g.failed('10.0.0.3');
  assert.equal(g.size, 2, 'bounded');
});

function msg(text: string): ParsedSip {
  const p = parseSip(Buffer.from(text.replace(/\n/g, '\r\n')));
  assert.ok(!('error' in p));
  return p as ParsedSip;
}

test('call table: an unACKed answer goes after 64×T1, Session-Expires sets the idle time, sources are counted', () => {
  const t = new CallTable({ maxCalls: 10, maxCallsPerSource: 1, callIdleMs: 3_600_000 }, 1000, 32_000);
  const invite = msg('INVITE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=A\nTo: <sip:b@x>\nCall-ID: c1\nCSeq: 1 INVITE\nSession-Expires: 90;refresher=uac\nContent-Length: 0\n\n');
  assert.equal(sessionExpiresMs(invite), 90_000);
  t.open(invite, '10.0.0.1');
  assert.equal(t.refuses(msg('INVITE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK2\nFrom: <sip:a@x>;tag=B\nTo: <sip:b@x>\nCall-ID: c2\nCSeq: 1 INVITE\nContent-Length: 0\n\n'), '10.0.0.1'), 'source');
  const ok = msg('SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=A\nTo: <sip:b@x>;tag=Z\nCall-ID: c1\nCSeq: 1 INVITE\nContent-Length: 0\n\n');
  t.answered('c1', ok);
  const now = Date.now();
  assert.deepEqual(t.sweep(now + 31_000), []);
  assert.deepEqual(t.sweep(now + 33_000), [{ callId: 'c1', why: 'unacked' }]);
  assert.equal(t.sources().size, 0);
  // ACKed: the session time (90 s + 32 s grace) applies, not the hour.
  t.open(invite, '10.0.0.1');
  t.answered('c1', ok);
  t.touch(msg('ACK sip:b@x SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK3\nFrom: <sip:a@x>;tag=A\nTo: <sip:b@x>;tag=Z\nCall-ID: c1\nCSeq: 1 ACK\nContent-Length: 0\n\n'));
  assert.deepEqual(t.sweep(Date.now() + 100_000), []);
  assert.deepEqual(t.sweep(Date.now() + 123_000), [{ callId: 'c1', why: 'idle' }]);
});

test('call table: a Session-Expires longer than the session time counts as the session time', () => {
  const t = new CallTable({ maxCalls: 10, maxCallsPerSource: 5, callIdleMs: 7_200_000 }, 1000, 32_000);
  const invite = msg('INVITE sip:b@x SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=A\nTo: <sip:b@x>\nCall-ID: long\nCSeq: 1 INVITE\nSession-Expires: 999999999\nContent-Length: 0\n\n');
  t.open(invite, '10.0.0.1');
  t.answered('long', msg('SIP/2.0 200 OK\nVia: SIP/2.0/UDP a;branch=z9hG4bK1\nFrom: <sip:a@x>;tag=A\nTo: <sip:b@x>;tag=Z\nCall-ID: long\nCSeq: 1 INVITE\nContent-Length: 0\n\n'));
  t.touch(msg('ACK sip:b@x SIP/2.0\nVia: SIP/2.0/UDP a;branch=z9hG4bK3\nFrom: <sip:a@x>;tag=A\nTo: <sip:b@x>;tag=Z\nCall-ID: long\nCSeq: 1 ACK\nContent-Length: 0\n\n'));
  assert.deepEqual(t.sweep(Date.now() + 7_200_000), []);
  assert.deepEqual(t.sweep(Date.now() + 7_233_000), [{ callId: 'long', why: 'idle' }]);
});

test('recorder: an existing capture is never overwritten; the next free name is used; --force replaces; the folder is created', () => {
  const path = join(dir, 'deep', 'er', 'trace.pcapng');
  const r1 = new Recorder({ path });
  r1.udp('127.0.0.1', 1, '127.0.0.1', 2, Buffer.from('x'));
  r1.close();
  const before = readFileSync(path);
  const r2 = new Recorder({ path });
  assert.equal(r2.currentFile, join(dir, 'deep', 'er', 'trace.1.pcapng'));
  r2.close();
  assert.deepEqual(readFileSync(path), before, 'the first trace is untouched');
  // Rotation skips a name that is taken too.
  writeFileSync(join(dir, 'deep', 'er', 'trace-0001.pcapng'), 'someone else');
  const r3 = new Recorder({ path, force: true, rotateBytes: 1 });
  assert.equal(r3.currentFile, path);
  r3.udp('127.0.0.1', 1, '127.0.0.1', 2, Buffer.from('a'));
  r3.udp('127.0.0.1', 1, '127.0.0.1', 2, Buffer.from('b'));
  assert.equal(r3.currentFile, join(dir, 'deep', 'er', 'trace-0002.pcapng'));
  r3.close();
  assert.equal(readFileSync(join(dir, 'deep', 'er', 'trace-0001.pcapng'), 'utf8'), 'someone else');
  assert.ok(existsSync(join(dir, 'deep', 'er', 'trace-0002.pcapng')));
});

test('start errors say what to do', () => {
  const inUse = Object.assign(new Error('bind EADDRINUSE 127.0.0.1:5060'), { code: 'EADDRINUSE', syscall: 'bind', address: '127.0.0.1', port: 5060 });
  assert.match(explainStartError(inUse, { listen: '127.0.0.1:5060' })!, /^cannot listen on udp 127\.0\.0\.1:5060: the port is in use .*--listen$/);
  const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'u.txt'"), { code: 'ENOENT', syscall: 'open', path: 'u.txt' });
  assert.equal(explainStartError(missing, { listen: 'x', usersFile: 'u.txt' }), 'cannot read the users file u.txt (--users): no such file or folder');
  assert.equal(explainStartError(new Error('bad port in "x"'), { listen: 'x' }), null);
  assert.ok(validSipHostPort('sip:[2001:db8::10]:5070'));
  assert.ok(!validSipHostPort('sip:2001:db8::10'));
  assert.ok(!validSipHostPort('sip:user@[2001:db8:::192.0.2.1]'));
});

test('call table: a 2xx retransmitted after its ACK does not make the call "never ACKed"; a re-INVITE\'s 2xx still waits for its own ACK', () => {
  const t = new CallTable({ maxCalls: 10, maxCallsPerSource: 5, callIdleMs: 7_200_000 }, 1000, 32_000);
  const m = (text: string) => msg(text.replace(/\|/g, '\n'));
  t.open(m('INVITE sip:b@x SIP/2.0|Via: SIP/2.0/UDP a;branch=z9hG4bK1|From: <sip:a@x>;tag=A|To: <sip:b@x>|Call-ID: rx|CSeq: 1 INVITE|Content-Length: 0||'), '10.0.0.1');
  const ok = (n: number) => m(`SIP/2.0 200 OK|Via: SIP/2.0/UDP a;branch=z9hG4bK${n}|From: <sip:a@x>;tag=A|To: <sip:b@x>;tag=Z|Call-ID: rx|CSeq: ${n} INVITE|Content-Length: 0||`);
  const ack = (n: number) => m(`ACK sip:b@x SIP/2.0|Via: SIP/2.0/UDP a;branch=z9hG4bKa${n}|From: <sip:a@x>;tag=A|To: <sip:b@x>;tag=Z|Call-ID: rx|CSeq: ${n} ACK|Content-Length: 0||`);
  t.answered('rx', ok(1));
  t.touch(ack(1));
  t.answered('rx', ok(1)); // the UAS's retransmission, crossed by the ACK
  assert.deepEqual(t.sweep(Date.now() + 60_000), [], 'an ACKed call is not forgotten as never ACKed');
  t.answered('rx', ok(2)); // a re-INVITE's 2xx, never ACKed
  assert.deepEqual(t.sweep(Date.now() + 33_000), [{ callId: 'rx', why: 'unacked' }]);
});

test('strict check: verdicts remembered per header and value give the same answers the second time, and never across headers', () => {
  const msg = (from: string, contact: string) => {
    const p = parseSip(Buffer.from(`OPTIONS sip:bob@lab SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-v\r\nFrom: ${from};tag=1\r\nTo: <sip:bob@lab>\r\nCall-ID: v1\r\nCSeq: 1 OPTIONS\r\nContact: ${contact}\r\nContent-Length: 0\r\n\r\n`));
    if (isSipParseError(p)) throw new Error(p.error);
    return p;
  };
  for (let round = 0; round < 2; round++) {
    assert.equal(strictCheck(msg('<sip:alice@lab>', '<sip:alice@192.0.2.1>')), null, `round ${round}: valid`);
    assert.match(strictCheck(msg('"Alice <sip:alice@lab>', '<sip:alice@192.0.2.1>'))!.reason, /unterminated quoted string in From/, `round ${round}`);
    assert.match(strictCheck(msg('<sip:alice@lab>', '"Alice <sip:alice@192.0.2.1>'))!.reason, /unterminated quoted string in Contact/, `round ${round}`);
    // '*' is a Contact (REGISTER's wildcard) but not a From: the same text, two verdicts.
    assert.equal(strictCheck(msg('<sip:alice@lab>', '*')), null);
    assert.match(strictCheck(msg('*', '*'))!.reason, /From is not a URI/);
  }
});

/** The Via rule as first written (split on top-level commas, then semicolons): the specification viaProblem's one scan must keep. */
function viaProblemBySplitting(v: string): string | null {
  for (const item of splitTop(v, ',')) {
    if (!item.trim()) return 'empty item in Via';
    if (!parseVia(item)) return 'unparsable Via';
    const parts = splitTop(item, ';');
    for (let i = 1; i < parts.length; i++) if (!parts[i]!.trim()) return 'empty parameter in Via';
  }
  return null;
}

test('strict check: the one-scan Via rule gives the verdict of splitting on commas and semicolons, for any text', () => {
  const pieces = ['SIP/2.0/UDP ', 'SIP / 2.0 / TCP ', '192.0.2.1', '[2001:db8::1]', ':5060', ';branch=z9hG4bK-1', ';rport', ';received=1.2.3.4', ';', ',', ' ', '\t', '"', '\\', '<', '>', 'a', '=', '\u00a0', '\u3000', ''];
  fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 14 }), (parts) => {
    const v = parts.join('');
    assert.equal(viaProblem(v), viaProblemBySplitting(v), JSON.stringify(v));
  }), { numRuns: 20000, seed: 19 });
  for (const v of ['SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK-1', 'SIP/2.0/UDP a, SIP/2.0/TCP b;rport', 'SIP/2.0/UDP a;;rport', 'SIP/2.0/UDP a,', ', SIP/2.0/UDP a', 'SIP/2.0/UDP a;x="q;,"', 'SIP/2.0/UDP ;']) {
    assert.equal(viaProblem(v), viaProblemBySplitting(v), v);
  }
  assert.equal(viaProblem('SIP/2.0/UDP a;;rport'), 'empty parameter in Via');
  assert.equal(viaProblem('SIP/2.0/UDP a,'), 'empty item in Via');
  assert.equal(viaProblem('SIP/2.0/UDP ;'), 'unparsable Via');
});

/** setParams as first written (split on ';' after the last '>', a Set of names): the specification of the one-pass version. */
function setParamsBySplitting(element: string, params: Record<string, string | null>): string {
  const gt = element.lastIndexOf('>');
  const head = gt >= 0 ? element.slice(0, gt + 1) : '';
  const tail = gt >= 0 ? element.slice(gt + 1) : element;
  const parts = tail.split(';');
  const first = parts.shift()!;
  const kept: string[] = [];
  const names = new Set(Object.keys(params).map((n) => n.toLowerCase()));
  for (const p of parts) {
    const n = p.split('=')[0]!.trim().toLowerCase();
    if (!names.has(n)) kept.push(p.trim());
  }
  for (const [n, v] of Object.entries(params)) kept.push(v === null ? n : `${n}=${v}`);
  return head + first + (kept.length ? ';' + kept.join(';') : '');
}

test('setParams (received/rport on the top Via) keeps the reading of splitting on semicolons, for any element', () => {
  const pieces = ['SIP/2.0/UDP 10.0.0.1:5060', '<sip:a@b;lr>', ';', ';branch=z9hG4bK1', ';rport', ';RPORT=9', ';received=1.1.1.1', ' ', '=', 'x', ''];
  const paramSets: Record<string, string | null>[] = [{ received: '192.0.2.9' }, { rport: '4000', received: '192.0.2.9' }, { lr: null }, {}];
  fc.assert(fc.property(fc.array(fc.constantFrom(...pieces), { maxLength: 10 }), fc.constantFrom(...paramSets), (parts, params) => {
    const element = parts.join('');
    assert.equal(setParams(element, params), setParamsBySplitting(element, params), JSON.stringify([element, params]));
  }), { numRuns: 20000, seed: 20 });
});
