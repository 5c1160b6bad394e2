/**
 * A Wireshark display filter for the packets `sipflow extract` would write,
 * for those who would rather cut in Wireshark ("Export Specified Packets"):
 *
 *   sip.Call-ID == "a@h" || sip.Call-ID == "b@h"
 *   || frame.number in {12, 13}                      fragments and TCP segments that are not a whole message
 *   || (ip.src == 10.0.0.1 && udp.srcport == 4000 && ip.dst == 10.0.0.2 && udp.dstport == 5000 && frame.number in {40..9000})
 *
 * SIP goes by Call-ID (Wireshark matches the frame that completes a message);
 * the frames that carried only parts of a message, media gateway messages
 * that announced the call's endpoints and reassembled media are listed by
 * number; each media flow (one direction) is its addresses and
 * ports limited to the frames over which it belonged to the call, so a port
 * reused later by another call is not taken. Wireshark finds SIP where
 * sipflow does not look (WebSocket, SCTP) and keeps messages sipflow skips
 * as too large: sip.Call-ID then matches those frames too. Frame numbers are the capture's
 * as given, and with --merge those of the `mergecap -w` output of the files.
 */
import type { CallFrames, MediaSpan } from './frame-index-tap.js';
import type { SelectionOptions } from './selection.js';

/** A Wireshark string literal: backslash and double quote escaped, control bytes as \xNN. */
export function wiresharkString(s: string): string {
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\x00-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}"`;
}

/** `frame.number in {a, b, c..d}` for ascending frame numbers, runs written as ranges. */
export function frameSet(frames: readonly number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < frames.length;) {
    let j = i;
    while (j + 1 < frames.length && frames[j + 1] === frames[j]! + 1) j++;
    parts.push(j > i ? `${frames[i]}..${frames[j]}` : `${frames[i]}`);
    i = j + 1;
  }
  return `frame.number in {${parts.join(', ')}}`;
}

function flowFilter(s: MediaSpan, frames: string): string {
  const v6 = s.src.includes(':');
  const ip = v6 ? 'ipv6' : 'ip';
  // Not ICMP: an ICMP error quotes the IP and UDP headers of the datagram it is about, and ip.src matches those too.
  return `(${ip}.src == ${s.src} && udp.srcport == ${s.srcPort} && ${ip}.dst == ${s.dst} && udp.dstport == ${s.dstPort} && !icmp && !icmpv6 && frame.number in {${frames}})`;
}

/** The filter for these calls' frames, as the copy pass would select them with `opts`. */
export function wiresharkFilter(calls: readonly CallFrames[], opts: SelectionOptions = {}): string {
  if (!calls.length) return 'frame.number == 0';
  const terms = calls.map((c) => `sip.Call-ID == ${wiresharkString(c.callId)}`);
  const listed = new Set<number>();
  for (const c of calls) {
    for (const f of c.sipCarriers) listed.add(f);
    for (const f of c.control) listed.add(f);
    if (opts.sipOnly) continue;
    const until = opts.mediaUntilBye && c.byeFrame !== null ? c.byeFrame : Infinity;
    for (const f of c.media) if (f <= until) listed.add(f);
  }
  if (listed.size) terms.push(frameSet([...listed].sort((a, b) => a - b)));
  if (!opts.sipOnly) {
    // One term per flow direction, its spans as ranges of frame numbers.
    const flows = new Map<string, { span: MediaSpan; ranges: string[] }>();
    for (const c of calls) {
      const until = opts.mediaUntilBye && c.byeFrame !== null ? c.byeFrame : Infinity;
      for (const s of c.spans) {
        if (s.first > until) continue;
        const last = Math.min(s.last, until);
        const key = `${s.src} ${s.srcPort} ${s.dst} ${s.dstPort}`;
        let f = flows.get(key);
        if (!f) { f = { span: s, ranges: [] }; flows.set(key, f); }
        f.ranges.push(last > s.first ? `${s.first}..${last}` : `${s.first}`);
      }
    }
    for (const { span, ranges } of flows.values()) terms.push(flowFilter(span, ranges.join(', ')));
  }
  return terms.join(' || ');
}
