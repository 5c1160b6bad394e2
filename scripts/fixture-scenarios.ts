/**
 * The scripted exchanges behind fixtures/: a completed call through a proxy
 * (with RTP both ways), a cancelled call, a rejected (busy) call and a
 * registration with a digest challenge. Addresses are documentation ranges.
 */
import { Scenario, sdp, type Host } from './scenario.js';

const alice: Host = { name: 'alice', ip: '192.0.2.10', port: 5060, user: 'alice', rtpPort: 40000 };
const proxy: Host = { name: 'proxy', ip: '192.0.2.1', port: 5060, user: 'proxy', rtpPort: 0 };
const bob: Host = { name: 'bob', ip: '192.0.2.20', port: 5062, user: 'bob', rtpPort: 50000 };

const DOMAIN = 'example.test';

/** INVITE from alice through the proxy to bob; returns the branches used. */
function invite(s: Scenario, cseq = 1, auth = ''): { b1: string; b2: string } {
  const b1 = s.branch();
  const b2 = s.branch();
  const common = `From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>
Call-ID: ${s.callId}
CSeq: ${cseq} INVITE
Contact: <sip:alice@${alice.ip}:${alice.port}>
Content-Type: application/sdp
User-Agent: sipflow-fixture/1`;
  s.sip(alice, proxy, `INVITE sip:bob@${DOMAIN} SIP/2.0
Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b1};rport
Max-Forwards: 70
${common}${auth ? '\n' + auth : ''}

${sdp(alice, 1000 + s.seed)}`);
  s.wait(0.002).sip(proxy, alice, `SIP/2.0 100 Trying
Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b1};rport=${alice.port};received=${alice.ip}
From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>
Call-ID: ${s.callId}
CSeq: ${cseq} INVITE`);
  s.wait(0.001).sip(proxy, bob, `INVITE sip:bob@${bob.ip}:${bob.port} SIP/2.0
Via: SIP/2.0/UDP ${proxy.ip}:${proxy.port};branch=${b2}
Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b1};rport=${alice.port};received=${alice.ip}
Record-Route: <sip:${proxy.ip}:${proxy.port};lr>
Max-Forwards: 69
${common}

${sdp(alice, 1000 + s.seed)}`);
  return { b1, b2 };
}

/** A response from bob relayed by the proxy to alice. */
function respond(s: Scenario, b: { b1: string; b2: string }, status: string, cseq = 1, method = 'INVITE', body = ''): void {
  const toTag = `;tag=b-${s.seed}`;
  const hdr = (vias: string) => `SIP/2.0 ${status}
${vias}
Record-Route: <sip:${proxy.ip}:${proxy.port};lr>
From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>${status.startsWith('100') ? '' : toTag}
Call-ID: ${s.callId}
CSeq: ${cseq} ${method}
Contact: <sip:bob@${bob.ip}:${bob.port}>${body ? '\nContent-Type: application/sdp' : ''}

${body}`;
  s.sip(bob, proxy, hdr(`Via: SIP/2.0/UDP ${proxy.ip}:${proxy.port};branch=${b.b2}\nVia: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b.b1};rport=${alice.port};received=${alice.ip}`));
  s.wait(0.001).sip(proxy, alice, hdr(`Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b.b1};rport=${alice.port};received=${alice.ip}`));
}

/** An in-dialog request from `from` to the other side through the proxy (loose routing). */
function inDialog(s: Scenario, method: string, cseq: number, fromAlice: boolean): { b1: string; b2: string } {
  const [a, z] = fromAlice ? [alice, bob] : [bob, alice];
  const b1 = s.branch();
  const b2 = s.branch();
  const fromTo = fromAlice
    ? `From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}\nTo: <sip:bob@${DOMAIN}>;tag=b-${s.seed}`
    : `From: <sip:bob@${DOMAIN}>;tag=b-${s.seed}\nTo: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}`;
  const req = (vias: string, route: string) => `${method} sip:${z.user}@${z.ip}:${z.port} SIP/2.0
${vias}${route}
Max-Forwards: 70
${fromTo}
Call-ID: ${s.callId}
CSeq: ${cseq} ${method}`;
  s.sip(a, proxy, req(`Via: SIP/2.0/UDP ${a.ip}:${a.port};branch=${b1}`, `\nRoute: <sip:${proxy.ip}:${proxy.port};lr>`));
  s.wait(0.001).sip(proxy, z, req(`Via: SIP/2.0/UDP ${proxy.ip}:${proxy.port};branch=${b2}\nVia: SIP/2.0/UDP ${a.ip}:${a.port};branch=${b1}`, ''));
  return { b1, b2 };
}

function inDialogOk(s: Scenario, b: { b1: string; b2: string }, method: string, cseq: number, fromAlice: boolean): void {
  const [a, z] = fromAlice ? [alice, bob] : [bob, alice];
  const fromTo = fromAlice
    ? `From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}\nTo: <sip:bob@${DOMAIN}>;tag=b-${s.seed}`
    : `From: <sip:bob@${DOMAIN}>;tag=b-${s.seed}\nTo: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}`;
  const rsp = (vias: string) => `SIP/2.0 200 OK\n${vias}\n${fromTo}\nCall-ID: ${s.callId}\nCSeq: ${cseq} ${method}`;
  s.sip(z, proxy, rsp(`Via: SIP/2.0/UDP ${proxy.ip}:${proxy.port};branch=${b.b2}\nVia: SIP/2.0/UDP ${a.ip}:${a.port};branch=${b.b1}`));
  s.wait(0.001).sip(proxy, a, rsp(`Via: SIP/2.0/UDP ${a.ip}:${a.port};branch=${b.b1}`));
}

/** ACK for a non-2xx final response: hop by hop, with the INVITE's branch (RFC 3261 17.1.1.3). */
function ackFailure(s: Scenario, b: { b1: string; b2: string }): void {
  for (const [src, dst, br] of [[alice, proxy, b.b1], [proxy, bob, b.b2]] as const) {
    s.sip(src, dst, `ACK sip:bob@${DOMAIN} SIP/2.0
Via: SIP/2.0/UDP ${src.ip}:${src.port};branch=${br}
Max-Forwards: 70
From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>;tag=b-${s.seed}
Call-ID: ${s.callId}
CSeq: 1 ACK`).wait(0.001);
  }
}

export function completedCall(): Scenario {
  const s = new Scenario('fixture-completed-1@192.0.2.10', 1);
  const b = invite(s);
  s.wait(0.05);
  respond(s, b, '180 Ringing');
  s.wait(1.5);
  respond(s, b, '200 OK', 1, 'INVITE', sdp(bob, 2000));
  s.wait(0.02);
  const ack = inDialog(s, 'ACK', 1, true);
  void ack;
  s.wait(0.01);
  // Three seconds of G.711 both ways, a lost packet and a little jitter from bob.
  s.rtp(alice, bob, 0x11111111, 150);
  s.rtp(bob, alice, 0x22222222, 150, { lose: [40], jitterMs: 3 });
  s.wait(3.1);
  const bye = inDialog(s, 'BYE', 2, false);
  s.wait(0.01);
  inDialogOk(s, bye, 'BYE', 2, false);
  return s;
}

export function cancelledCall(): Scenario {
  const s = new Scenario('fixture-cancelled-2@192.0.2.10', 2);
  const b = invite(s);
  s.wait(0.05);
  respond(s, b, '180 Ringing');
  s.wait(2.0);
  // CANCEL shares the INVITE's branch and CSeq number (RFC 3261 9.1).
  const cancel = (src: Host, dst: Host, vias: string) => s.sip(src, dst, `CANCEL sip:bob@${dst === bob ? `${bob.ip}:${bob.port}` : DOMAIN} SIP/2.0
${vias}
Max-Forwards: 70
From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>
Call-ID: ${s.callId}
CSeq: 1 CANCEL`);
  cancel(alice, proxy, `Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b.b1};rport`);
  s.wait(0.001);
  s.sip(proxy, alice, `SIP/2.0 200 OK
Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${b.b1};rport=${alice.port};received=${alice.ip}
From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>;tag=p-${s.seed}
Call-ID: ${s.callId}
CSeq: 1 CANCEL`);
  s.wait(0.001);
  cancel(proxy, bob, `Via: SIP/2.0/UDP ${proxy.ip}:${proxy.port};branch=${b.b2}`);
  s.wait(0.005);
  s.sip(bob, proxy, `SIP/2.0 200 OK
Via: SIP/2.0/UDP ${proxy.ip}:${proxy.port};branch=${b.b2}
From: "Alice" <sip:alice@${DOMAIN}>;tag=a-${s.seed}
To: <sip:bob@${DOMAIN}>;tag=b-${s.seed}
Call-ID: ${s.callId}
CSeq: 1 CANCEL`);
  s.wait(0.002);
  respond(s, b, '487 Request Terminated');
  s.wait(0.01);
  ackFailure(s, b);
  return s;
}

export function busyCall(): Scenario {
  const s = new Scenario('fixture-busy-3@192.0.2.10', 3);
  const b = invite(s);
  s.wait(0.3);
  respond(s, b, '486 Busy Here');
  s.wait(0.01);
  ackFailure(s, b);
  return s;
}

export function registration(): Scenario {
  const s = new Scenario('fixture-register-4@192.0.2.10', 4);
  const reg = (cseq: number, auth: string) => {
    const br = s.branch();
    const via = `Via: SIP/2.0/UDP ${alice.ip}:${alice.port};branch=${br};rport`;
    s.sip(alice, proxy, `REGISTER sip:${DOMAIN} SIP/2.0
${via}
Max-Forwards: 70
From: "Alice" <sip:alice@${DOMAIN}>;tag=r-${s.seed}
To: "Alice" <sip:alice@${DOMAIN}>
Call-ID: ${s.callId}
CSeq: ${cseq} REGISTER
Contact: <sip:alice@${alice.ip}:${alice.port}>;expires=3600
Expires: 3600${auth ? '\n' + auth : ''}`);
    return via.replace(';rport', `;rport=${alice.port};received=${alice.ip}`);
  };
  const via1 = reg(1, '');
  s.wait(0.003).sip(proxy, alice, `SIP/2.0 401 Unauthorized
${via1}
From: "Alice" <sip:alice@${DOMAIN}>;tag=r-${s.seed}
To: "Alice" <sip:alice@${DOMAIN}>;tag=p-${s.seed}
Call-ID: ${s.callId}
CSeq: 1 REGISTER
WWW-Authenticate: Digest realm="${DOMAIN}", nonce="5f1e2d3c4b5a", algorithm=MD5, qop="auth"`);
  s.wait(0.05);
  const via2 = reg(2, `Authorization: Digest username="alice", realm="${DOMAIN}", nonce="5f1e2d3c4b5a", uri="sip:${DOMAIN}", response="6629fae49393a05397450978507c4ef1", algorithm=MD5, qop=auth, nc=00000001, cnonce="0a4f113b"`);
  s.wait(0.003).sip(proxy, alice, `SIP/2.0 200 OK
${via2}
From: "Alice" <sip:alice@${DOMAIN}>;tag=r-${s.seed}
To: "Alice" <sip:alice@${DOMAIN}>;tag=p-${s.seed}
Call-ID: ${s.callId}
CSeq: 2 REGISTER
Contact: <sip:alice@${alice.ip}:${alice.port}>;expires=3600
Date: Sat, 01 Jan 2022 00:00:00 GMT`);
  return s;
}

export const FIXTURES: Record<string, () => Scenario> = {
  'call-completed': completedCall,
  'call-cancelled': cancelledCall,
  'call-busy': busyCall,
  'register-auth': registration,
};
