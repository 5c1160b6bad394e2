/**
 * The pieces of a proxy load run that the load test and the load bench
 * share: the malformed flood, the lingering callee's scenario and the
 * reading of sipp's counters. (Loopback only.)
 */
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SIPP_DIR } from './sipp-runner.js';
import { TORTURE_MESSAGES } from './torture.js';

/** The last value of a counter in sipp's final statistics screen. */
export function counter(out: string, name: string): number | null {
  const re = new RegExp(`${name}\\s*\\|\\s*(\\d+)\\s*\\|\\s*(\\d+)`, 'g');
  let m: RegExpExecArray | null, last: number | null = null;
  while ((m = re.exec(out)) !== null) last = Number(m[2]);
  return last;
}

/** Malformed datagrams: random bytes, SIP cut anywhere, the RFC 4475 messages an element must refuse. */
export function junk(): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < 20; i++) out.push(Buffer.from(Array.from({ length: 20 + i * 37 }, (_, k) => (k * 7919 + i * 104729) & 0xff)));
  const invite = TORTURE_MESSAGES.find((m) => m.name === 'longreq')!.text;
  for (let cut = 10; cut < invite.length; cut += 97) out.push(Buffer.from(invite.slice(0, cut), 'latin1'));
  for (const m of TORTURE_MESSAGES) if (m.rfcSays === 'invalid' && m.expectedStatus) out.push(Buffer.from(m.text, 'latin1'));
  return out;
}

/**
 * The callee for the load: uas-answer.xml, staying on after its 200 to the BYE
 * for 16xT1, long enough for the proxy's first four retransmissions of that
 * BYE (Timer E: T1, 2T1, 4T1, 8T1 apart; all of Timer F's 64xT1 kept ~6 400
 * calls alive at 400 calls/s and starved the callee's sipp). sipp answers a retransmitted request with its last response only
 * while the call lives; ended, the call becomes one of sipp's "dead calls",
 * which swallow everything. So when the callee's 200 to a BYE was lost (the
 * proxy's socket overflowed on a starved machine), the BYE went unanswered and
 * the caller counted a failed call that a UAS keeping RFC 3261's Timer J would
 * have completed.
 */
export function lingeringCallee(dir: string, t1Ms: number): string {
  const xml = readFileSync(join(SIPP_DIR, 'uas-answer.xml'), 'utf8');
  // A BYE before the ACK (the ACK lost on an overflowing socket) ends the call as a UA would (the BYE
  // says the 2xx arrived), instead of sipp aborting it as "unexpected BYE" and leaving the caller's BYE
  // unanswered. The trace of such a run showed each burst of those aborts followed by a run of new
  // INVITEs the callee's sipp took but never answered.
  const ack = '<recv request="ACK"/>';
  if (!xml.includes(ack)) throw new Error('uas-answer.xml changed: no ACK step to make optional');
  const body = xml.replace(ack, '<recv request="ACK" optional="true"/>');
  const end = body.lastIndexOf('</scenario>');
  const file = join(dir, 'uas-answer-linger.xml');
  writeFileSync(file, `${body.slice(0, end)}  <pause milliseconds="${16 * t1Ms}"/>\n${body.slice(end)}`);
  return file;
}

/** Send `perSecond` junk datagrams each second to 127.0.0.1:port until stopped. */
export function flood(port: number, perSecond: number): { stop(): Promise<number> } {
  const sock = createSocket('udp4');
  const pool = junk();
  let sent = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < perSecond / 50; i++) sock.send(pool[sent++ % pool.length]!, port, '127.0.0.1');
  }, 20);
  return { stop: async () => { clearInterval(timer); await new Promise<void>((r) => sock.close(() => r())); return sent; } };
}

