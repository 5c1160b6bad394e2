/**
 * Micro-benchmark of the SIP layer: parseSip on typical ~800-byte messages and
 * looksLikeSip on RTP payloads. Run: npx tsc -p . && node dist/bench/sip-parse.js [seconds]
 */
import { parseSip, toSipMessage, isSipParseError } from '../src/sip/parser.js';
import { looksLikeSip } from '../src/sip/detect.js';

const CRLF = '\r\n';
function invite(i: number): string {
  const sdp = [
    'v=0', `o=alice 2890844526 ${2890844526 + i} IN IP4 192.0.2.101`, 's=-', 'c=IN IP4 192.0.2.101', 't=0 0',
    'm=audio 49172 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-15', 'a=ptime:20', 'a=sendrecv', '',
  ].join(CRLF);
  return [
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    `Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds${i};rport`,
    'Max-Forwards: 70',
    'To: "Bob" <sip:bob@biloxi.example.com>',
    `From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774${i}`,
    `Call-ID: a84b4c76e66710${i}@pc33.atlanta.example.com`,
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com:5060;transport=udp>',
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY',
    'Supported: replaces, timer, 100rel',
    'User-Agent: sipflow-bench/1.0',
    'P-Asserted-Identity: "Alice" <sip:alice@atlanta.example.com>',
    'Session-Expires: 1800;refresher=uac',
    'Content-Type: application/sdp',
    `Content-Length: ${sdp.length}`,
    '',
    sdp,
  ].join(CRLF);
}
function ok200(i: number): string {
  return [
    'SIP/2.0 200 OK',
    `Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds${i};rport=5060;received=192.0.2.101`,
    `To: "Bob" <sip:bob@biloxi.example.com>;tag=a6c85cf${i}`,
    `From: "Alice" <sip:alice@atlanta.example.com>;tag=1928301774${i}`,
    `Call-ID: a84b4c76e66710${i}@pc33.atlanta.example.com`,
    'CSeq: 314159 INVITE',
    'Contact: <sip:bob@192.0.2.4>',
    'Record-Route: <sip:proxy.example.com;lr>',
    'Server: sipflow-bench/1.0',
    'Content-Length: 0',
    '', '',
  ].join(CRLF);
}

const seconds = Number(process.argv[2] ?? 2);
const msgs: Buffer[] = [];
for (let i = 0; i < 256; i++) msgs.push(Buffer.from(i % 2 ? ok200(i) : invite(i)));
const avg = msgs.reduce((a, m) => a + m.length, 0) / msgs.length;

/**
 * Best of several rounds: messages per second of wall time, and per second of
 * this process's CPU time (steadier when the machine is shared).
 */
function run(name: string, fn: (b: Buffer) => unknown, inputs: Buffer[], unit = 'messages'): number {
  for (let i = 0; i < 50000; i++) fn(inputs[i % inputs.length]!); // warm-up (JIT)
  let bestWall = 0;
  let bestCpu = 0;
  const rounds = 5;
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    const until = t0 + BigInt(Math.round((seconds / rounds) * 1e9));
    let now = t0;
    while (now < until) {
      for (let i = 0; i < 1000; i++) fn(inputs[(n + i) % inputs.length]!);
      n += 1000;
      now = process.hrtime.bigint();
    }
    const c = process.cpuUsage(c0);
    bestWall = Math.max(bestWall, n / (Number(now - t0) / 1e9));
    bestCpu = Math.max(bestCpu, n / ((c.user + c.system) / 1e6));
  }
  const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
  console.log(`${name.padEnd(24)} ${fmt(bestWall).padStart(12)} ${unit}/s wall (${(1e9 / bestWall).toFixed(0)} ns)   ${fmt(bestCpu).padStart(12)} ${unit}/s of CPU time (${(1e9 / bestCpu).toFixed(0)} ns)`);
  return bestWall;
}

const invites = msgs.filter((_, i) => i % 2 === 0);
const inviteLen = invites.reduce((a, m) => a + m.length, 0) / invites.length;
console.log(`parseSip on INVITE+SDP (${inviteLen.toFixed(0)} bytes) and 200 OK alternating (${avg.toFixed(0)} bytes on average)`);
run('parseSip mixed', (b) => parseSip(b), msgs);
run('parseSip INVITE+SDP', (b) => parseSip(b), invites);
const meta = { frame: 1, time: 0, tsSec: 0, tsNsec: 0, src: 'a:1', dst: 'b:2', srcIp: 'a', dstIp: 'b', transport: 'UDP' as const };
run('parseSip+toSipMessage', (b) => { const p = parseSip(b); return isSipParseError(p) ? p : toSipMessage(p, meta); }, msgs);
const rtp: Buffer[] = [];
for (let i = 0; i < 256; i++) { const r = Buffer.alloc(172); r[0] = 0x80; r[1] = 0; r.writeUInt16BE(i, 2); rtp.push(r); }
run('looksLikeSip(RTP)', (b) => looksLikeSip(b), rtp, 'packets');
run('looksLikeSip(SIP)', (b) => looksLikeSip(b), msgs, 'packets');
