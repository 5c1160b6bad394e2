/**
 * Differential test of the call list against Wireshark.
 *
 * tshark's SIP dissector gives, per frame, every SIP message it decoded
 * (`-T fields`). Over those rows this test re-implements Wireshark's VoIP
 * Calls logic (ui/voip_calls.c sip_calls_packet, as ARCHITECTURE.md "Semantics" states it) and
 * requires sipflow to agree exactly: same Call-IDs, message counts, first and
 * last frames, and for INVITE calls the same state, initial speaker and comment.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analyze.js';
import { allCaptures, corpusFiles, hasTshark, short, tshark, tsharkSkip } from '../helpers/corpus.js';

const skip = tsharkSkip();
const AGG = '\u0001';

interface Row { frame: number; src: string; dst: string; callId: string; cseq: number; method: string | null; status: number | null }

/** One row per SIP message; frames with several messages (TCP) give several rows. */
function sipRows(file: string): Row[] {
  const lines = tshark(['-r', file, '-Y', 'sip', '-T', 'fields', '-E', `aggregator=${AGG}`, '-E', 'occurrence=a',
    '-e', 'frame.number', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'ip.dst', '-e', 'ipv6.dst',
    '-e', 'sip.Call-ID', '-e', 'sip.CSeq.seq', '-e', 'sip.Method', '-e', 'sip.Status-Code', '-e', 'sip.Request-Line', '-e', 'sip.Status-Line']);
  const rows: Row[] = [];
  for (const line of lines) {
    const [frame, ip4s, ip6s, ip4d, ip6d, cid, cseq, , , reqLines, statLines] = line.split('\t').map((x) => x ?? '');
    const last = (s: string) => s.split(AGG).filter(Boolean).pop() ?? '';
    const src = last(ip4s!) || last(ip6s!);
    const dst = last(ip4d!) || last(ip6d!);
    const callIds = cid!.split(AGG);
    const cseqs = cseq!.split(AGG);
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
      rows.push({ frame: Number(frame), src, dst, callId: callIds[i]!, cseq: Number(cseqs[i]), method, status });
    }
  }
  return rows;
}

interface Expected { count: number; first: number; last: number; firstMethod: string | null; speaker: string | null; state: string; comment: string; inviteCseq: number; sipState: string }

/** Wireshark's sip_calls_packet over the rows (ARCHITECTURE.md "Semantics"). */
function wiresharkCalls(rows: Row[]): Map<string, Expected> {
  const calls = new Map<string, Expected>();
  for (const r of rows) {
    let c = calls.get(r.callId);
    if (!c) {
      c = { count: 0, first: r.frame, last: r.frame, firstMethod: null, speaker: null, state: 'CALL SETUP', comment: '', inviteCseq: 0, sipState: 'INVITE_SENT' };
      calls.set(r.callId, c);
    }
    c.count++;
    c.last = r.frame;
    if (c.speaker === null) {
      if (r.method === null) continue;
      c.speaker = r.src; c.firstMethod = r.method; c.inviteCseq = r.cseq; c.comment = r.method;
    }
    if (r.method === null) {
      if (r.cseq === c.inviteCseq && r.dst === c.speaker) {
        const code = r.status!;
        if (code > 199 && code < 300 && c.sipState === 'INVITE_SENT') c.sipState = '200_REC';
        else if (code > 299 && c.sipState === 'INVITE_SENT') c.state = 'REJECTED';
        if (code >= 200) c.comment += ` ${code}`;
      }
    } else if (r.method === 'INVITE' && r.src === c.speaker) {
      c.inviteCseq = r.cseq; c.state = 'CALL SETUP';
    } else if (r.method === 'ACK' && r.cseq === c.inviteCseq && r.src === c.speaker && c.sipState === '200_REC' && c.state === 'CALL SETUP') {
      c.state = 'IN CALL';
    } else if (r.method === 'BYE') {
      c.state = 'COMPLETED';
    } else if (r.method === 'CANCEL' && r.cseq === c.inviteCseq && r.src === c.speaker && c.state === 'CALL SETUP') {
      c.state = 'CANCELLED'; c.sipState = 'CANCEL_SENT';
    }
  }
  return calls;
}

for (const file of hasTshark() ? allCaptures() : []) {
  test(`call list agrees with Wireshark VoIP Calls: ${short(file)}`, async () => {
    const rows = sipRows(file);
    assert.ok(rows.length > 0, 'tshark decoded SIP in this capture');
    const expected = wiresharkCalls(rows);
    const report = await analyze(file);
    const got = new Map(report.calls.map((c) => [c.callId, c]));
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), 'same Call-IDs');
    for (const [id, e] of expected) {
      const c = got.get(id)!;
      assert.deepEqual(
        { id, count: c.sipPackets, first: c.firstFrame, last: c.lastFrame },
        { id, count: e.count, first: e.first, last: e.last }, `messages of ${id}`);
      if (e.firstMethod === 'INVITE') {
        assert.deepEqual(
          { id, state: c.state, speaker: c.initialSpeaker, comment: c.comment },
          { id, state: e.state, speaker: e.speaker, comment: e.comment }, `VoIP Calls row of ${id}`);
      }
    }
    // Retransmissions are the frames Wireshark marks sip.resend.
    const resent = tshark(['-r', file, '-Y', 'sip.resend == 1', '-T', 'fields', '-e', 'frame.number']).map(Number);
    const ours = report.calls.flatMap((c) => c.messages.filter((m) => m.retransmission).map((m) => m.frame)).sort((a, b) => a - b);
    assert.deepEqual(ours, resent, 'retransmitted frames');
  });
}

test('tshark is available for the differential call tests', { skip }, () => {
  assert.ok(allCaptures().length > 0);
});
