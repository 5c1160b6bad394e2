/**
 * A growing capture on standard output, for the live browse test: pcap
 * written by the project's writer at a steady rate (one SIP message every
 * `SIPFLOW_FEED_MS` ms, default 150), call after call: INVITE, 180, 200, ACK,
 * then the BYE and its 200 a few messages later. Runs until killed or
 * SIPFLOW_FEED_CALLS calls (default 6) are done, then keeps stdout open.
 * With SIPFLOW_FEED_HEP=PORT the same messages go as HEP3 packets over UDP
 * to 127.0.0.1:PORT (what Kamailio's siptrace sends) instead, and it exits
 * when done.
 */
import { createSocket } from 'node:dgram';
import { FileSink, PcapWriter } from '../../src/capture/writer.js';
import { hep3, udpFrame } from '../../src/net/build.js';

const every = Number(process.env.SIPFLOW_FEED_MS ?? 150);
const calls = Number(process.env.SIPFLOW_FEED_CALLS ?? 6);
/** Steps written per tick (a load test: 6 steps every 10 ms is 200 calls/s). */
const batch = Number(process.env.SIPFLOW_FEED_BATCH ?? 1);
const A = '192.0.2.10', B = '192.0.2.20';

function sip(n: number, kind: 'INVITE' | '180' | '200' | 'ACK' | 'BYE' | '200BYE'): { src: string; dst: string; text: string } {
  const callId = `live-${n}@sipflow.test`;
  const from = `"Caller ${n}" <sip:alice${n}@example.test>;tag=a${n}`;
  const to = `<sip:bob${n}@example.test>`;
  const toTag = `${to};tag=b${n}`;
  const req = (method: string, cseq: string, t: string) => `${method} sip:bob${n}@${B} SIP/2.0\r\nVia: SIP/2.0/UDP ${A}:5060;branch=z9hG4bK${n}${method}\r\nFrom: ${from}\r\nTo: ${t}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nUser-Agent: live-feeder/1\r\nContent-Length: 0\r\n\r\n`;
  const res = (code: string, cseq: string) => `SIP/2.0 ${code}\r\nVia: SIP/2.0/UDP ${A}:5060;branch=z9hG4bK${n}${cseq.split(' ')[1]}\r\nFrom: ${from}\r\nTo: ${toTag}\r\nCall-ID: ${callId}\r\nCSeq: ${cseq}\r\nContent-Length: 0\r\n\r\n`;
  switch (kind) {
    case 'INVITE': return { src: A, dst: B, text: req('INVITE', '1 INVITE', to) };
    case '180': return { src: B, dst: A, text: res('180 Ringing', '1 INVITE') };
    case '200': return { src: B, dst: A, text: res('200 OK', '1 INVITE') };
    case 'ACK': return { src: A, dst: B, text: req('ACK', '1 ACK', toTag) };
    case 'BYE': return { src: A, dst: B, text: req('BYE', '2 BYE', toTag) };
    case '200BYE': return { src: B, dst: A, text: res('200 OK', '2 BYE') };
  }
}

// The schedule: call n starts at step 3n; its BYE comes 8 steps after its INVITE.
const steps: { n: number; kind: Parameters<typeof sip>[1] }[][] = [];
for (let n = 1; n <= calls; n++) {
  const at = (k: number, kind: Parameters<typeof sip>[1]) => { (steps[3 * (n - 1) + k] ??= []).push({ n, kind }); };
  at(0, 'INVITE'); at(1, '180'); at(2, '200'); at(3, 'ACK'); at(8, 'BYE'); at(9, '200BYE');
}

const hepPort = process.env.SIPFLOW_FEED_HEP ? Number(process.env.SIPFLOW_FEED_HEP) : null;
const sock = hepPort ? createSocket('udp4') : null;
// The browser quit (the pipe closed): stop quietly, as tcpdump does.
process.on('uncaughtException', (e: NodeJS.ErrnoException) => process.exit(e.code === 'EPIPE' ? 0 : 1));
const w = hepPort ? null : new PcapWriter(new FileSink(1), { linkType: 1 });
let t = 1_700_000_000;
let i = 0;
const started = Date.now();
const timer = setInterval(() => {
  // Steps due by the wall clock, not by ticks: a late timer on a loaded machine catches up, so the rate holds.
  const due = Math.min(steps.length, Math.floor((Date.now() - started) / every + 1) * batch);
  if (i >= steps.length) {
    clearInterval(timer);
    if (sock) sock.close(); else setInterval(() => {}, 1 << 30);
    return;
  }
  while (i < due) {
    for (const s of steps[i] ?? []) {
      const m = sip(s.n, s.kind);
      const payload = Buffer.from(m.text);
      if (sock) sock.send(hep3({ src: m.src, dst: m.dst, srcPort: 5060, dstPort: 5060, payload, timeSec: Math.floor(t) }), hepPort!, '127.0.0.1');
      else w!.writePacket(Math.floor(t), Math.round((t % 1) * 1e9), udpFrame({ src: m.src, dst: m.dst, sport: 5060, dport: 5060, payload }));
    }
    t += every / 1000 / batch * (batch > 1 ? 1 : 250 / every);
    i++;
  }
}, every);
