/**
 * Differential test of the call list against Wireshark.
 *
 * tshark's SIP dissector gives, per frame, every SIP message it decoded
 * (`-T fields`). Over those rows this test re-implements Wireshark's VoIP
 * Calls logic (ui/voip_calls.c sip_calls_packet, as ARCHITECTURE.md "Semantics" states it;
 * test/helpers/voip-oracle.ts) and requires sipflow to agree exactly: same
 * Call-IDs, message counts, first and last frames, and for every Call-ID with
 * an INVITE the VoIP Calls row from that INVITE on: state, initial speaker,
 * comment, From and To.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze } from '../../src/analyze.js';
import { allCaptures, hasTshark, short, tsharkSkip } from '../helpers/corpus.js';
import { plainUri, resentFrames, sipRows, wiresharkCalls } from '../helpers/voip-oracle.js';

const skip = tsharkSkip();

for (const file of hasTshark() ? allCaptures() : []) {
  test(`call list agrees with Wireshark VoIP Calls: ${short(file)}`, async () => {
    const rows = sipRows(file);
    assert.ok(rows.length > 0, 'tshark decoded SIP in this capture');
    // A message without Call-ID is no call for VoIP Calls (sip_calls_packet returns on a NULL tap_call_id).
    const expected = wiresharkCalls(rows.filter((r) => r.callId !== ''));
    const report = await analyze(file);
    const got = new Map(report.calls.map((c) => [c.callId, c]));
    assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), 'same Call-IDs');
    for (const [id, e] of expected) {
      const c = got.get(id)!;
      assert.deepEqual(
        { id, count: c.sipPackets, first: c.firstFrame, last: c.lastFrame },
        { id, count: e.count, first: e.first, last: e.last }, `messages of ${id}`);
      if (e.voip) {
        assert.deepEqual(
          { id, state: c.state, speaker: c.initialSpeaker, comment: c.comment, from: c.from, to: c.to },
          { id, state: e.voip.state, speaker: e.voip.speaker, comment: e.voip.comment, from: plainUri(e.voip.from), to: plainUri(e.voip.to) },
          `VoIP Calls row of ${id}`);
      }
    }
    // Retransmissions are the frames Wireshark marks sip.resend.
    const resent = resentFrames(file);
    const ours = report.calls.flatMap((c) => c.messages.filter((m) => m.retransmission).map((m) => m.frame)).sort((a, b) => a - b);
    assert.deepEqual(ours, resent, 'retransmitted frames');
  });
}

test('tshark is available for the differential call tests', { skip }, () => {
  assert.ok(allCaptures().length > 0);
});
