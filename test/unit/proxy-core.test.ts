/**
 * sipflow proxy in process, driven by plain UDP sockets on 127.0.0.1:
 * registrar, routing answers (404/480/483/482/400), retransmission
 * absorption, persistence across restarts, recording and rotation, reason
 * phrases, digest checks and the media relay.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startProxy, parseListen, parseReason, parsePortRange, type ProxyOptions, type RunningProxy } from '../../src/proxy/index.js';
import { DigestAuth, md5, parseDigest, parseUsers } from '../../src/proxy/digest.js';
import { setParams } from '../../src/proxy/message.js';
import { parseSip, isSipParseError, type ParsedSip } from '../../src/sip/parser.js';
import { analyze } from '../../src/analyze.js';

const dir = mkdtempSync(join(tmpdir(), 'sipflow-proxy-unit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

class Peer {
  readonly sock: Socket;
  port = 0;
  private queue: { msg: Buffer; port: number }[] = [];
  private waiters: ((m: { msg: Buffer; port: number }) => void)[] = [];
  constructor() {
    this.sock = createSocket('udp4');
    this.sock.on('message', (msg, r) => {
      const w = this.waiters.shift();
      if (w) w({ msg, port: r.port }); else this.queue.push({ msg, port: r.port });
    });
  }
  async open(): Promise<this> {
    await new Promise<void>((r) => this.sock.bind(0, '127.0.0.1', () => r()));
    this.port = this.sock.address().port;
    return this;
  }
  send(text: string | Buffer, port: number): void {
    this.sock.send(typeof text === 'string' ? Buffer.from(text.replace(/\n/g, '\r\n')) : text, port, '127.0.0.1');
  }
  /** Next datagram, or null after `ms`. */
  next(ms = 1500): Promise<{ msg: Buffer; port: number } | null> {
    const q = this.queue.shift();
    if (q) return Promise.resolve(q);
    return new Promise((res) => {
      const t = setTimeout(() => { this.waiters = this.waiters.filter((w) => w !== f); res(null); }, ms);
      const f = (m: { msg: Buffer; port: number }) => { clearTimeout(t); res(m); };
      this.waiters.push(f);
    });
  }
  async sip(ms = 1500): Promise<ParsedSip | null> {
    const m = await this.next(ms);
    if (!m) return null;
    const p = parseSip(m.msg);
    assert.ok(!isSipParseError(p));
    return p;
  }
  /** Next final response (skipping 1xx). */
  async final(ms = 1500): Promise<ParsedSip | null> {
    for (;;) {
      const p = await this.sip(ms);
      if (!p || p.isRequest || p.status! >= 200) return p;
    }
  }
  close(): void { this.sock.close(); }
}

let seq = 0;
function request(method: string, ruri: string, o: { port: number; from?: string; to?: string; callId?: string; cseq?: number; branch?: string; extra?: string; body?: string; toTag?: string }): string {
  const callId = o.callId ?? `c${++seq}@test`;
  const body = o.body ?? '';
  return `${method} ${ruri} SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:${o.port};branch=${o.branch ?? 'z9hG4bK-t' + ++seq};rport
From: <sip:${o.from ?? 'alice'}@127.0.0.1>;tag=ft${callId.length}
To: <sip:${o.to ?? 'bob'}@127.0.0.1>${o.toTag ? ';tag=' + o.toTag : ''}
Call-ID: ${callId}
CSeq: ${o.cseq ?? 1} ${method}
Max-Forwards: 70
${o.extra ?? ''}${body ? 'Content-Type: application/sdp\n' : ''}Content-Length: ${Buffer.byteLength(body.replace(/\n/g, '\r\n'))}

${body}`.replace(/\n\n\n/g, '\n\n');
}

async function proxy(o: Partial<ProxyOptions> = {}): Promise<RunningProxy> {
  return startProxy({ listen: '127.0.0.1:0', db: null, journalStderr: false, ...o });
}

async function register(p: RunningProxy, peer: Peer, user: string, contacts: string[], expires = 3600, callId?: string, cseq = 1): Promise<ParsedSip> {
  peer.send(request('REGISTER', `sip:127.0.0.1:${p.port}`, {
    port: peer.port, from: user, to: user, callId, cseq,
    extra: `${contacts.map((c) => `Contact: <${c}>\n`).join('')}Expires: ${expires}\n`,
  }), p.port);
  const r = await peer.final();
  assert.ok(r);
  return r;
}

test('option parsing: listen, reason, port range', () => {
  assert.deepEqual(parseListen('127.0.0.1:5070'), { host: '127.0.0.1', port: 5070 });
  assert.deepEqual(parseListen('[::1]:5071'), { host: '::1', port: 5071 });
  assert.deepEqual(parseListen('127.0.0.1'), { host: '127.0.0.1', port: 5060 });
  assert.deepEqual(parseReason('200="OK - pohoda"'), [200, 'OK - pohoda']);
  assert.deepEqual(parseReason('486=Busy Here'), [486, 'Busy Here']);
  assert.throws(() => parseReason('abc'));
  assert.deepEqual(parsePortRange('30000-30100'), { portMin: 30000, portMax: 30100 });
  assert.throws(() => parsePortRange('30000'));
  assert.equal(setParams('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx;rport', { rport: '4000', received: '1.2.3.4' }),
    'SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bKx;rport=4000;received=1.2.3.4');
});

test('digest: users file, challenge, qop=auth response verified, wrong password refused', () => {
  const users = parseUsers('# comment\nalice:secret\nbob pw2\n');
  assert.equal(users.get('alice'), 'secret');
  assert.equal(users.get('bob'), 'pw2');
  const auth = new DigestAuth('lab', users);
  const ch = parseDigest(auth.challenge())!;
  assert.equal(ch['realm'], 'lab');
  assert.equal(ch['qop'], 'auth');
  const make = (pw: string) => {
    const ha1 = md5(`alice:lab:${pw}`), ha2 = md5('REGISTER:sip:lab');
    const resp = md5(`${ha1}:${ch['nonce']}:00000001:abc:auth:${ha2}`);
    return `Digest username="alice", realm="lab", nonce="${ch['nonce']}", uri="sip:lab", response="${resp}", algorithm=MD5, cnonce="abc", qop=auth, nc=00000001`;
  };
  assert.deepEqual(auth.verify('REGISTER', 'sip:lab', [make('secret')]), { ok: true, user: 'alice' });
  assert.equal(auth.verify('REGISTER', 'sip:lab', [make('wrong')]).ok, false);
  assert.equal(auth.verify('REGISTER', 'sip:lab', []).ok, false);
  const old = new DigestAuth('lab', users, 300, () => Date.now() - 3600_000);
  const staleNonce = old.nonce();
  assert.equal(auth.verify('REGISTER', 'sip:lab', [make('secret').replaceAll(ch['nonce']!, staleNonce)]).ok, false);
});

test('registrar: several contacts per AoR, 200 lists the bindings, Expires: 0 and Contact: * unregister', async () => {
  const p = await proxy();
  const ua = await new Peer().open();
  try {
    const r1 = await register(p, ua, 'bob', ['sip:bob@127.0.0.1:7001', 'sip:bob@127.0.0.1:7002'], 600, 'reg1');
    assert.equal(r1.status, 200);
    const contacts = r1.headerValues('Contact');
    assert.equal(contacts.length, 2);
    assert.ok(contacts.every((c) => /;expires=(599|600)$/.test(c)), contacts.join(' | '));
    assert.match(r1.header('To')!, /;tag=/);
    const r2 = await register(p, ua, 'bob', ['sip:bob@127.0.0.1:7001'], 0, 'reg1', 2);
    assert.deepEqual(r2.headerValues('Contact').map((c) => c.replace(/;expires=\d+/, '')), ['<sip:bob@127.0.0.1:7002>']);
    ua.send(request('REGISTER', `sip:127.0.0.1:${p.port}`, { port: ua.port, from: 'bob', to: 'bob', callId: 'reg1', cseq: 3, extra: 'Contact: *\nExpires: 0\n' }), p.port);
    const r3 = await ua.final();
    assert.equal(r3!.status, 200);
    assert.equal(r3!.headerValues('Contact').length, 0);
    assert.equal(p.proxy.location.lookup('bob').length, 0);
  } finally { ua.close(); await p.stop(); }
});

test('routing answers: 404 unknown, 480 known but not registered, 483 Max-Forwards 0, 400 missing Call-ID, garbage dropped', async () => {
  const p = await proxy({ reasons: { 404: 'Nikto tu neni' } });
  const ua = await new Peer().open();
  try {
    ua.send(request('INVITE', `sip:nobody@127.0.0.1:${p.port}`, { port: ua.port, to: 'nobody' }), p.port);
    const t = await ua.sip();
    assert.equal(t!.status, 100);
    const nf = await ua.final();
    assert.equal(nf!.status, 404);
    assert.equal(nf!.reason, 'Nikto tu neni');

    await register(p, ua, 'carol', ['sip:carol@127.0.0.1:7003'], 600, 'regc');
    await register(p, ua, 'carol', ['sip:carol@127.0.0.1:7003'], 0, 'regc', 2);
    ua.send(request('INVITE', `sip:carol@127.0.0.1:${p.port}`, { port: ua.port, to: 'carol' }), p.port);
    assert.equal((await ua.final())!.status, 480);

    ua.send(request('OPTIONS', `sip:carol@127.0.0.1:${p.port}`, { port: ua.port, to: 'carol' }).replace('Max-Forwards: 70', 'Max-Forwards: 0'), p.port);
    assert.equal((await ua.final())!.status, 483);

    ua.send(request('OPTIONS', `sip:carol@127.0.0.1:${p.port}`, { port: ua.port }).replace(/Call-ID: .*\r?\n/, ''), p.port);
    const bad = await ua.final();
    assert.equal(bad!.status, 400);
    assert.match(bad!.reason!, /Call-ID/);

    ua.send(Buffer.from([0, 1, 2, 3, 0xff, 0xfe, 10, 13, 65, 66]), p.port);
    ua.send('NOT SIP AT ALL\r\n\r\n', p.port);
    assert.equal(await ua.next(300), null, 'garbage gets no answer');
    ua.send(request('OPTIONS', `sip:127.0.0.1:${p.port}`, { port: ua.port }), p.port);
    assert.equal((await ua.final())!.status, 200, 'still alive after garbage');
    assert.equal(p.proxy.getStats().malformed, 3);
  } finally { ua.close(); await p.stop(); }
});

test('loop detection: a contact pointing back at the proxy ends in 482 (or 483)', async () => {
  const p = await proxy();
  const ua = await new Peer().open();
  try {
    await register(p, ua, 'loop', [`sip:loop@127.0.0.1:${p.port}`], 600);
    ua.send(request('INVITE', `sip:loop@127.0.0.1:${p.port}`, { port: ua.port, to: 'loop' }), p.port);
    const f = await ua.final(3000);
    assert.ok(f && (f.status === 482 || f.status === 483), `got ${f?.status}`);
  } finally { ua.close(); await p.stop(); }
});

test('stateful: INVITE retransmission absorbed, CANCEL forwarded, 487 ACKed hop by hop, Record-Route added', async () => {
  const p = await proxy();
  const alice = await new Peer().open();
  const bob = await new Peer().open();
  try {
    await register(p, bob, 'bob', [`sip:bob@127.0.0.1:${bob.port}`]);
    const inv = request('INVITE', `sip:bob@127.0.0.1:${p.port}`, { port: alice.port, callId: 'st1', branch: 'z9hG4bK-inv1' });
    alice.send(inv, p.port);
    assert.equal((await alice.sip())!.status, 100);
    const fwd = await bob.sip();
    assert.equal(fwd!.method, 'INVITE');
    assert.equal(fwd!.requestUri, `sip:bob@127.0.0.1:${bob.port}`);
    assert.equal(fwd!.headerValues('Via').length, 2);
    assert.match(fwd!.headerValues('Via')[1]!, /rport=\d+;received=127\.0\.0\.1/);
    assert.deepEqual(fwd!.headerValues('Record-Route'), [`<sip:127.0.0.1:${p.port};lr>`]);
    assert.equal(fwd!.header('Max-Forwards'), '69');
    alice.send(inv, p.port); // retransmission
    assert.equal((await alice.sip())!.status, 100, 'the retransmission is answered with the last response');
    assert.equal(await bob.next(200), null, 'and not forwarded');
    const viaTop = fwd!.headerValues('Via')[0]!;
    const resp = (code: number, reason: string, cseq = '1 INVITE') => `SIP/2.0 ${code} ${reason}
${fwd!.headerValues('Via').map((v) => `Via: ${v}`).join('\n')}
From: ${fwd!.header('From')}
To: ${fwd!.header('To')};tag=bobtag
Call-ID: st1
CSeq: ${cseq}
Content-Length: 0

`;
    bob.send(resp(180, 'Ringing'), p.port);
    assert.equal((await alice.sip())!.status, 180);
    alice.send(request('CANCEL', `sip:bob@127.0.0.1:${p.port}`, { port: alice.port, callId: 'st1', branch: 'z9hG4bK-inv1' }), p.port);
    assert.equal((await alice.sip())!.status, 200);
    const cancel = await bob.sip();
    assert.equal(cancel!.method, 'CANCEL');
    assert.equal(cancel!.headerValues('Via')[0], viaTop, 'CANCEL carries the INVITE branch');
    bob.send(`SIP/2.0 200 OK\nVia: ${viaTop}\nFrom: ${fwd!.header('From')}\nTo: ${fwd!.header('To')}\nCall-ID: st1\nCSeq: 1 CANCEL\nContent-Length: 0\n\n`, p.port);
    bob.send(resp(487, 'Request Terminated'), p.port);
    const ack = await bob.sip();
    assert.equal(ack!.method, 'ACK');
    assert.equal(ack!.branch, fwd!.branch, 'hop-by-hop ACK on the INVITE branch');
    const f = await alice.sip();
    assert.equal(f!.status, 487);
    assert.equal(f!.headerValues('Via').length, 1);
  } finally { alice.close(); bob.close(); await p.stop(); }
});

test('parallel forking: both contacts ring, the first 200 wins, the other branch is CANCELled and its 487 ACKed', async () => {
  const p = await proxy();
  const alice = await new Peer().open();
  const desk = await new Peer().open();
  const mobile = await new Peer().open();
  try {
    await register(p, desk, 'bob', [`sip:bob@127.0.0.1:${desk.port}`, `sip:bob@127.0.0.1:${mobile.port}`]);
    alice.send(request('INVITE', `sip:bob@127.0.0.1:${p.port}`, { port: alice.port, callId: 'fork1', branch: 'z9hG4bK-fork1' }), p.port);
    assert.equal((await alice.sip())!.status, 100);
    const [d, m] = [(await desk.sip())!, (await mobile.sip())!];
    assert.equal(d.method, 'INVITE');
    assert.equal(m.method, 'INVITE');
    assert.notEqual(d.branch, m.branch, 'one client transaction per branch');
    const resp = (fwd: ParsedSip, code: number, reason: string, tag: string, cseq = '1 INVITE') => `SIP/2.0 ${code} ${reason}
${fwd.headerValues('Via').map((v) => `Via: ${v}`).join('\n')}
From: ${fwd.header('From')}
To: ${fwd.header('To')};tag=${tag}
Call-ID: fork1
CSeq: ${cseq}
${code === 200 ? `Contact: <sip:bob@127.0.0.1:${desk.port}>\n` : ''}Content-Length: 0

`;
    desk.send(resp(d, 180, 'Ringing', 'desk'), p.port);
    mobile.send(resp(m, 180, 'Ringing', 'mobile'), p.port);
    assert.equal((await alice.sip())!.status, 180);
    assert.equal((await alice.sip())!.status, 180);
    desk.send(resp(d, 200, 'OK', 'desk'), p.port);
    const ok = await alice.sip();
    assert.equal(ok!.status, 200);
    assert.match(ok!.header('To')!, /tag=desk/);
    const cancel = await mobile.sip();
    assert.equal(cancel!.method, 'CANCEL', 'the ringing branch is cancelled');
    assert.equal(cancel!.branch, m.branch);
    mobile.send(resp(m, 200, 'OK', 'mobile', '1 CANCEL'), p.port);
    mobile.send(resp(m, 487, 'Request Terminated', 'mobile'), p.port);
    const ack = await mobile.sip();
    assert.equal(ack!.method, 'ACK');
    assert.equal(ack!.branch, m.branch, 'hop-by-hop ACK of the 487');
    assert.equal(await alice.next(300), null, 'the 487 is not forwarded after a 200');
  } finally { alice.close(); desk.close(); mobile.close(); await p.stop(); }
});

test('registrations persist across restarts (SQLite file)', async () => {
  const db = join(dir, 'reg.sqlite');
  const bob = await new Peer().open();
  let p = await proxy({ db });
  try {
    await register(p, bob, 'bob', [`sip:bob@127.0.0.1:${bob.port}`]);
  } finally { await p.stop(); }
  assert.ok(existsSync(db), 'SQLite file written');
  p = await proxy({ db });
  const alice = await new Peer().open();
  try {
    assert.equal(p.proxy.location.storeKind, `sqlite ${db}`);
    alice.send(request('INVITE', `sip:bob@127.0.0.1:${p.port}`, { port: alice.port }), p.port);
    const fwd = await bob.sip();
    assert.equal(fwd!.method, 'INVITE', 'routed to the binding registered before the restart');
  } finally { alice.close(); bob.close(); await p.stop(); }
});

test('recording: every datagram in and out, valid pcapng, rotation by size', async () => {
  const trace = join(dir, 'rot', 'trace.pcapng');
  rmSync(join(dir, 'rot'), { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(join(dir, 'rot'));
  const p = await proxy({ record: trace, rotateSizeMB: 0.002 });
  const ua = await new Peer().open();
  try {
    for (let i = 0; i < 8; i++) {
      ua.send(request('OPTIONS', `sip:127.0.0.1:${p.port}`, { port: ua.port }), p.port);
      assert.equal((await ua.final())!.status, 200);
    }
  } finally { ua.close(); await p.stop(); }
  const files = readdirSync(join(dir, 'rot')).sort();
  assert.ok(files.length >= 2, `rotated: ${files.join(', ')}`);
  assert.equal(files[0], 'trace-0001.pcapng');
  let frames = 0;
  for (const f of files) {
    const r = await analyze(join(dir, 'rot', f));
    assert.equal(r.capture.truncated, false);
    assert.deepEqual(r.capture.linkTypes, ['Ethernet']);
    frames += r.capture.frames;
  }
  assert.equal(frames, 16, 'each OPTIONS and its 200');
});

test('recording: rotation by time never leaves a file without packets; each file keeps its packets in order', async () => {
  const { Recorder } = await import('../../src/proxy/recorder.js');
  const rotDir = join(dir, 'rot-time');
  rmSync(rotDir, { recursive: true, force: true });
  (await import('node:fs')).mkdirSync(rotDir);
  let clock = 1_700_000_000_000;
  const rec = new Recorder({ path: join(rotDir, 'lab.pcapng'), rotateSeconds: 10, now: () => clock });
  const send = (atS: number) => { clock = 1_700_000_000_000 + atS * 1000; rec.udp('127.0.0.1', 5060, '127.0.0.1', 5062, Buffer.from(`OPTIONS ${atS}`)); };
  send(60); // the first packet comes long after the rotation period: it goes into the first file, whose period starts now
  send(65);
  send(75); // 15 s after the first file's first packet: a new file
  send(76);
  rec.close();
  assert.deepEqual(rec.files.map((f) => f.slice(rotDir.length + 1)), ['lab.pcapng', 'lab-0001.pcapng']);
  const counts: number[] = [];
  for (const f of rec.files) {
    const r = await analyze(f);
    counts.push(r.capture.frames);
  }
  assert.deepEqual(counts, [2, 2]);
});

test('recording: the packets of one event-loop turn go out in one write when the turn ends; the file is valid in between', async () => {
  const { Recorder } = await import('../../src/proxy/recorder.js');
  const { statSync } = await import('node:fs');
  const path = join(dir, 'turn', 'turn.pcapng');
  rmSync(join(dir, 'turn'), { recursive: true, force: true });
  const rec = new Recorder({ path });
  const header = statSync(path).size;
  assert.ok(header > 0, 'section and interface blocks are written at once');
  for (let i = 0; i < 50; i++) rec.udp(i % 2 ? '2001:db8::1' : '192.0.2.1', 5060, i % 2 ? '2001:db8::2' : '192.0.2.2', 5062, Buffer.from(`OPTIONS ${i}`));
  assert.equal(statSync(path).size, header, 'nothing written within the turn');
  await new Promise((r) => setImmediate(r));
  const afterTurn = statSync(path).size;
  assert.ok(afterTurn > header, 'written when the turn ended');
  const r = await analyze(path);
  assert.equal(r.capture.frames, 50);
  assert.equal(r.capture.truncated, false);
  rec.udp('192.0.2.1', 5060, '192.0.2.2', 5062, Buffer.from('OPTIONS last'));
  rec.close();
  assert.equal((await analyze(path)).capture.frames, 51, 'close writes what was gathered');
  assert.equal(rec.errors, 0);
});

test('digest on the proxy: INVITE challenged with 407, From must be the authenticated user (403)', async () => {
  const p = await proxy({ users: new Map([['alice', 'pw']]), realm: 'lab' });
  const ua = await new Peer().open();
  try {
    ua.send(request('INVITE', `sip:bob@127.0.0.1:${p.port}`, { port: ua.port, callId: 'a1' }), p.port);
    const ch = await ua.final();
    assert.equal(ch!.status, 407);
    const d = parseDigest(ch!.header('Proxy-Authenticate')!)!;
    const uri = `sip:bob@127.0.0.1:${p.port}`;
    const cred = (user: string, nc: string) => {
      const resp = md5(`${md5(`${user}:lab:pw`)}:${d['nonce']}:${nc}:xyz:auth:${md5(`INVITE:${uri}`)}`);
      return `Proxy-Authorization: Digest username="${user}", realm="lab", nonce="${d['nonce']}", uri="${uri}", response="${resp}", algorithm=MD5, cnonce="xyz", qop=auth, nc=${nc}\n`;
    };
    ua.send(request('INVITE', uri, { port: ua.port, callId: 'a1', cseq: 2, from: 'mallory', extra: cred('alice', '00000001') }), p.port);
    assert.equal((await ua.final())!.status, 403);
    ua.send(request('INVITE', uri, { port: ua.port, callId: 'a1', cseq: 3, from: 'alice', extra: cred('alice', '00000001') }), p.port);
    assert.equal((await ua.final())!.status, 407, 'the same nc again is a replay');
    ua.send(request('INVITE', uri, { port: ua.port, callId: 'a1', cseq: 4, from: 'alice', extra: cred('alice', '00000002') }), p.port);
    assert.equal((await ua.final())!.status, 404, 'authenticated, then routed: bob is unknown');
    ua.send(request('REGISTER', `sip:127.0.0.1:${p.port}`, { port: ua.port, from: 'alice', to: 'alice', extra: 'Contact: <sip:alice@127.0.0.1:9>\n' }), p.port);
    assert.equal((await ua.final())!.status, 401);
  } finally { ua.close(); await p.stop(); }
});

test('media relay: SDP rewritten both ways, RTP relayed in both directions and recorded', async () => {
  const trace = join(dir, 'relay.pcapng');
  const p = await proxy({ mediaRelay: true, relayPorts: '41000-41019', record: trace });
  const alice = await new Peer().open();
  const bob = await new Peer().open();
  const aliceRtp = await new Peer().open();
  const bobRtp = await new Peer().open();
  try {
    await register(p, bob, 'bob', [`sip:bob@127.0.0.1:${bob.port}`]);
    const sdp = (port: number) => `v=0\no=x 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio ${port} RTP/AVP 0\na=rtpmap:0 PCMU/8000\n`;
    alice.send(request('INVITE', `sip:bob@127.0.0.1:${p.port}`, { port: alice.port, callId: 'relay1', body: sdp(aliceRtp.port) }), p.port);
    const fwd = await bob.sip();
    assert.ok(/m=audio \d+/.test(fwd!.body), `offer: ${fwd!.raw}`);
    const offerPort = Number(/m=audio (\d+)/.exec(fwd!.body)![1]);
    assert.ok(offerPort >= 41000 && offerPort <= 41019, `offer rewritten to a relay port: ${fwd!.body}`);
    assert.ok(!fwd!.body.includes(`m=audio ${aliceRtp.port}`));
    bob.send(`SIP/2.0 200 OK
${fwd!.headerValues('Via').map((v) => `Via: ${v}`).join('\n')}
From: ${fwd!.header('From')}
To: ${fwd!.header('To')};tag=b1
Call-ID: relay1
CSeq: 1 INVITE
Contact: <sip:bob@127.0.0.1:${bob.port}>
Content-Type: application/sdp
Content-Length: ${sdp(bobRtp.port).replace(/\n/g, '\r\n').length}

${sdp(bobRtp.port)}`, p.port);
    let ok = await alice.sip();
    while (ok && ok.status === 100) ok = await alice.sip();
    assert.equal(ok!.status, 200);
    const answerPort = Number(/m=audio (\d+)/.exec(ok!.body)![1]);
    assert.ok(answerPort >= 41000 && answerPort <= 41019 && answerPort !== offerPort, ok!.body);
    const rtp = (seqNo: number) => { const b = Buffer.alloc(172); b[0] = 0x80; b.writeUInt16BE(seqNo, 2); b.writeUInt32BE(seqNo * 160, 4); b.writeUInt32BE(0x1234, 8); return b; };
    aliceRtp.send(rtp(1), answerPort);
    const atBob = await bobRtp.next();
    assert.ok(atBob, 'alice -> bob relayed');
    assert.equal(atBob!.port, offerPort, 'bob hears the relay from the port he was offered');
    bobRtp.send(rtp(2), offerPort);
    const atAlice = await aliceRtp.next();
    assert.ok(atAlice, 'bob -> alice relayed');
    assert.equal(atAlice!.port, answerPort);
  } finally { for (const s of [alice, bob, aliceRtp, bobRtp]) s.close(); await p.stop(); }
  const r = await analyze(trace);
  assert.equal(r.capture.frames, 7 + 4, 'REGISTER, 200, INVITE, 100, INVITE, 200, 200, and 4 RTP datagrams (2 in, 2 relayed)');
});
