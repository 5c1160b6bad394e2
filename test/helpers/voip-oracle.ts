/**
 * Wireshark as the oracle, shared by the differential tests and
 * scripts/agreement.ts: the SIP messages tshark decodes (one row per message)
 * and, over them, Wireshark's VoIP Calls rules (ui/voip_calls.c
 * sip_calls_packet) re-implemented; the RTP streams `tshark -z rtp,streams`
 * prints.
 */
import assert from 'node:assert/strict';
import { tshark } from './corpus.js';
import { readCapture } from '../../src/capture/index.js';
import { NetDecoder } from '../../src/net/decoder.js';

const AGG = '\u0001';

export interface SipRow {
  frame: number; src: string; dst: string; callId: string; cseq: number; method: string | null; status: number | null;
  /** From/To URIs as tshark's sip.from.addr / sip.to.addr give them. */
  from: string; to: string;
}

/**
 * One row per SIP message; frames with several messages (TCP, SCTP bundles,
 * WebSocket) give several rows. The addresses are pinfo->src/dst, what
 * VoIP Calls compares (the Source/Destination columns: the innermost network
 * layer's, also across IPv6-in-IPv4 and other tunnels).
 */
export function sipRows(file: string, extra: string[] = []): SipRow[] {
  const lines = tshark([...extra, '-n', '-r', file, '-Y', 'sip', '-T', 'fields', '-E', `aggregator=${AGG}`, '-E', 'occurrence=a',
    '-e', 'frame.number', '-e', '_ws.col.Source', '-e', 'ipv6.src', '-e', '_ws.col.Destination', '-e', 'ipv6.dst',
    '-e', 'sip.Call-ID', '-e', 'sip.CSeq.seq', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Request-Line', '-e', 'sip.Status-Line',
    '-e', 'sip.from.addr', '-e', 'sip.to.addr']);
  const rows: SipRow[] = [];
  for (const line of lines) {
    const [frame, ip4s, ip6s, ip4d, ip6d, cid, cseq, , , reqLines, statLines, froms, tos] = line.split('\t').map((x) => x ?? '');
    const last = (s: string | undefined) => (s ?? '').split(AGG).filter(Boolean).pop() ?? '';
    const src = last(ip4s) || last(ip6s);
    const dst = last(ip4d) || last(ip6d);
    const callIds = cid!.split(AGG);
    const cseqs = cseq!.split(AGG);
    const fromList = (froms ?? '').split(AGG);
    const toList = (tos ?? '').split(AGG);
    // Start lines in message order: requests and responses interleave within a frame,
    // so rebuild the order from the positions of the Call-IDs (one per message).
    const reqs = reqLines ? reqLines.split(AGG) : [];
    const stats = statLines ? statLines.split(AGG) : [];
    const starts = [...reqs.map((r) => ({ r })), ...stats.map((s) => ({ s }))];
    if (callIds.length !== starts.length && starts.length > 1) continue; // cannot align: skip frame
    for (let i = 0; i < callIds.length; i++) {
      const st = starts.length === 1 ? starts[0]! : starts[i]!;
      const isReq = 'r' in st;
      const method = isReq ? (st as { r: string }).r.split(' ')[0]! : null;
      const status = isReq ? null : Number((st as { s: string }).s.split(' ')[1]);
      rows.push({ frame: Number(frame), src, dst, callId: callIds[i]!, cseq: Number(cseqs[i]), method, status, from: fromList[i] ?? '', to: toList[i] ?? '' });
    }
  }
  return rows;
}

/** What Wireshark shows for one Call-ID. */
export interface VoipCall {
  /** Every message of the Call-ID (sipflow's sipPackets, firstFrame, lastFrame). */
  count: number; first: number; last: number;
  /** The first request's method, null when only responses were seen. */
  firstMethod: string | null;
  /** The VoIP Calls row (from the first INVITE on), null when the Call-ID carries no INVITE. */
  voip: { speaker: string; state: string; comment: string; from: string; to: string; frame: number } | null;
}

interface Machine { speaker: string; state: string; comment: string; inviteCseq: number; sipState: string; from: string; to: string; frame: number }

/**
 * Wireshark's VoIP Calls (Telephony > VoIP Calls, tap option FLOW_ONLY_INVITES):
 * a call is made by the first INVITE request of a Call-ID, whatever came before
 * it (a REGISTER on the same Call-ID, responses); sip_calls_packet then runs
 * on that message and every later one.
 */
export function wiresharkCalls(rows: SipRow[]): Map<string, VoipCall> {
  const calls = new Map<string, VoipCall>();
  const machines = new Map<string, Machine>();
  for (const r of rows) {
    let c = calls.get(r.callId);
    if (!c) {
      c = { count: 0, first: r.frame, last: r.frame, firstMethod: null, voip: null };
      calls.set(r.callId, c);
    }
    c.count++;
    c.last = r.frame;
    if (c.firstMethod === null && r.method !== null) c.firstMethod = r.method;
    let m = machines.get(r.callId);
    if (!m) {
      if (r.method !== 'INVITE') continue;
      m = { speaker: r.src, state: 'CALL SETUP', comment: 'INVITE', inviteCseq: r.cseq, sipState: 'INVITE_SENT', from: r.from, to: r.to, frame: r.frame };
      machines.set(r.callId, m);
    }
    if (r.method === null) {
      if (r.cseq === m.inviteCseq && r.dst === m.speaker) {
        const code = r.status!;
        if (code > 199 && code < 300 && m.sipState === 'INVITE_SENT') m.sipState = '200_REC';
        else if (code > 299 && m.sipState === 'INVITE_SENT') m.state = 'REJECTED';
        if (code >= 200) m.comment += ` ${code}`;
      }
    } else if (r.method === 'INVITE' && r.src === m.speaker) {
      m.inviteCseq = r.cseq; m.state = 'CALL SETUP';
    } else if (r.method === 'ACK' && r.cseq === m.inviteCseq && r.src === m.speaker && m.sipState === '200_REC' && m.state === 'CALL SETUP') {
      m.state = 'IN CALL';
    } else if (r.method === 'BYE') {
      m.state = 'COMPLETED';
    } else if (r.method === 'CANCEL' && r.cseq === m.inviteCseq && r.src === m.speaker && m.state === 'CALL SETUP') {
      m.state = 'CANCELLED'; m.sipState = 'CANCEL_SENT';
    }
  }
  for (const [id, m] of machines) {
    calls.get(id)!.voip = { speaker: m.speaker, state: m.state, comment: m.comment, from: m.from, to: m.to, frame: m.frame };
  }
  return calls;
}

/** A URI as sipflow's Call.from/to print it: scheme:user@host[:port], no parameters or brackets. */
export function plainUri(addr: string): string {
  let s = addr.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1);
  const semi = s.indexOf(';');
  if (semi >= 0) s = s.slice(0, semi);
  const q = s.indexOf('?');
  if (q >= 0) s = s.slice(0, q);
  return s;
}

/** The retransmissions Wireshark marks (sip.resend). */
export function resentFrames(file: string, extra: string[] = []): number[] {
  return tshark([...extra, '-r', file, '-Y', 'sip.resend == 1', '-T', 'fields', '-e', 'frame.number']).map(Number);
}

// ---------------------------------------------------------------- RTP streams

const N = String.raw`(-?[\d.]+)`;
const LINE = new RegExp(String.raw`^\s*${N}\s+${N}\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s+0x([0-9A-Fa-f]+)\s+(.*?)\s+(\d+)\s+(-?\d+) \(.*?\)\s+${N}\s+${N}\s+${N}\s+${N}\s+${N}\s+${N}`);
const ep = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

export interface StreamRow {
  src: string; dst: string; ssrc: string; payload: string; packets: number; lost: number;
  minDelta: number; meanDelta: number; maxDelta: number; minJitter: number; meanJitter: number; maxJitter: number;
}

/** The rows of `tshark -q -z rtp,streams`. */
export function tsharkStreams(file: string, extra: string[] = []): StreamRow[] {
  return tshark([...extra, '-q', '-r', file, '-z', 'rtp,streams']).filter((l) => /^\s+-?\d+\.\d+\s+-?\d/.test(l)).map((l) => {
    const m = LINE.exec(l);
    assert.ok(m, `unparsed tshark row: ${l}`);
    return {
      src: ep(m[3]!, m[4]!), dst: ep(m[5]!, m[6]!), ssrc: '0x' + m[7]!.toLowerCase().padStart(8, '0'), payload: m[8]!,
      packets: Number(m[9]), lost: Number(m[10]), minDelta: Number(m[11]), meanDelta: Number(m[12]), maxDelta: Number(m[13]),
      minJitter: Number(m[14]), meanJitter: Number(m[15]), maxJitter: Number(m[16]),
    };
  });
}

/**
 * tshark's minimum columns of a stream with one packet are its initial -1:
 * no interval exists. sipflow reports 0 there (the JSON keeps negative
 * minima for capture time going backwards), so -1 on a one-packet row is
 * read as "no value".
 */
export function sameMin(ours: number, row: StreamRow, theirs: number): boolean {
  if (row.packets === 1 && theirs === -1) return ours === 0;
  return Math.abs(ours - theirs) <= 0.0011;
}

/**
 * The innermost UDP payloads of a capture as "frame\tsrcport\tdstport\thex"
 * rows: ours (the decoder's datagrams) and tshark's (the last UDP layer of
 * each frame that `displayFilter` keeps), to compare as sets.
 */
export async function udpPayloadRows(file: string): Promise<Set<string>> {
  const ours = new Set<string>();
  const dec = new NetDecoder((d) => {
    if (d.transport === 'UDP') ours.add(`${d.frame}\t${d.srcPort}\t${d.dstPort}\t${Buffer.from(d.payload).toString('hex')}`);
  }, () => {});
  await readCapture(file, { onFrame: (f) => dec.decode(f), onWarning() {} });
  dec.finish();
  return ours;
}

export function tsharkUdpPayloadRows(file: string, displayFilter = 'udp'): string[] {
  return tshark(['-r', file, '-Y', displayFilter, '-T', 'fields', '-E', 'occurrence=l', '-e', 'frame.number', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'udp.payload']);
}
