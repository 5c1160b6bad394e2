/**
 * Every encapsulation and transport sipflow decodes, against tshark on the
 * same files (test/helpers/wild-fixtures.ts writes them with the project's
 * writer and builders):
 *
 * - tunnels: PPPoE (IPv4, IPv6), MPLS (IPv4, IPv6), GRE with checksum, key
 *   and sequence (IPv4 and IPv6 payloads, over IPv6, bridging with a VLAN
 *   tag inside, PPTP's enhanced GRE with PPP), ERSPAN II and III (with the
 *   platform subheader), GTP-U with an extension header carrying IMS SIP and
 *   RTP over IPv6, VXLAN, Geneve with options;
 * - transports and odd messages: SIP over SCTP (fragmented unordered and
 *   ordered DATA, two chunks on two streams in one packet), SIP over
 *   WebSocket (handshake, masked frames split over segments, a fragmented
 *   message around a ping, a binary frame), a re-INVITE to T.38, Call-IDs
 *   carrying a REGISTER and then an INVITE, a bare CR, an unbracketed IPv6
 *   URI host, Content-Length shorter and longer than the datagram, a 70 KiB
 *   body with a 32 KiB header line over TCP;
 * - HEP v2/v3 (tshark 4.0 has no HEP dissector): sipflow on the HEP capture
 *   against tshark on its twin, the same packets as the network carried them.
 *
 * For each: the call list as VoIP Calls shows it, the RTP streams to the
 * printed digit, and (tunnels) the innermost UDP payloads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/model.js';
import { hasTshark, tshark } from '../helpers/corpus.js';
import { plainUri, resentFrames, sameMin, sipRows, tsharkStreams, tsharkUdpPayloadRows, udpPayloadRows, wiresharkCalls } from '../helpers/voip-oracle.js';
import { ENCAPSULATIONS, hepCaptures, transportCapture, tunnelCapture } from '../helpers/wild-fixtures.js';

const skip = hasTshark() ? false : 'tshark is not installed (apt-get install tshark)';
const dir = mkdtempSync(join(tmpdir(), 'sipflow-encaps-'));

function write(name: string, bytes: Buffer): string {
  const f = join(dir, name);
  writeFileSync(f, bytes);
  return f;
}

/** The call list equals what tshark's SIP rows give under VoIP Calls' rules; returns the Call-IDs. */
function assertCalls(report: Report, oracleFile: string): string[] {
  const expected = wiresharkCalls(sipRows(oracleFile).filter((r) => r.callId !== ''));
  const got = new Map(report.calls.map((c) => [c.callId, c]));
  assert.deepEqual([...got.keys()].sort(), [...expected.keys()].sort(), 'same Call-IDs as tshark');
  for (const [id, e] of expected) {
    const c = got.get(id)!;
    assert.deepEqual({ id, count: c.sipPackets, first: c.firstFrame, last: c.lastFrame }, { id, count: e.count, first: e.first, last: e.last }, `messages of ${id}`);
    if (e.voip) {
      assert.deepEqual(
        { id, state: c.state, speaker: c.initialSpeaker, comment: c.comment, from: c.from, to: c.to },
        { id, state: e.voip.state, speaker: e.voip.speaker, comment: e.voip.comment, from: plainUri(e.voip.from), to: plainUri(e.voip.to) }, `VoIP Calls row of ${id}`);
    }
  }
  const ours = report.calls.flatMap((c) => c.messages.filter((m) => m.retransmission).map((m) => m.frame)).sort((a, b) => a - b);
  assert.deepEqual(ours, resentFrames(oracleFile), 'retransmitted frames');
  return [...expected.keys()];
}

/** The RTP stream list equals tshark's, every number to its printed digit. */
function assertStreams(report: Report, oracleFile: string): number {
  const rows = tsharkStreams(oracleFile);
  const key = (s: { src: string; dst: string; ssrc: string }) => `${s.src} ${s.dst} ${s.ssrc}`;
  assert.deepEqual(report.rtpStreams.map(key).sort(), rows.map(key).sort(), 'same RTP streams as tshark');
  const near = (a: number, b: number) => Math.abs(a - b) <= 0.0011;
  for (const r of rows) {
    const s = report.rtpStreams.find((x) => key(x) === key(r))!;
    const what = key(r);
    assert.deepEqual([s.packets, s.lost], [r.packets, r.lost], `packets, lost ${what}`);
    assert.ok(sameMin(s.minDeltaMs, r, r.minDelta) && near(s.meanDeltaMs, r.meanDelta) && near(s.maxDeltaMs, r.maxDelta), `deltas ${what}`);
    assert.ok(near(s.meanJitterMs, r.meanJitter) && near(s.maxJitterMs, r.maxJitter), `jitter ${s.meanJitterMs}/${s.maxJitterMs} vs ${r.meanJitter}/${r.maxJitter} ${what}`);
  }
  return rows.length;
}

/** The innermost UDP payloads equal tshark's (the last UDP layer of each frame). */
async function assertUdp(file: string): Promise<void> {
  const ours = await udpPayloadRows(file);
  const theirs = tsharkUdpPayloadRows(file);
  assert.deepEqual([...ours].sort(), theirs.sort());
}

test('tunnels: every encapsulation decodes to the calls, streams and UDP payloads tshark finds', { skip }, async () => {
  const file = write('tunnels.pcap', tunnelCapture());
  const report = await analyze(file, { media: { heuristic: false } });
  const ids = assertCalls(report, file);
  // Each encapsulation's call is there (both decoded it, neither skipped it).
  assert.deepEqual(ids.sort(), ENCAPSULATIONS.map((e) => `${e.name}@tunnel.test`).sort());
  for (const c of report.calls) assert.equal(c.state, 'COMPLETED', c.callId);
  assert.equal(assertStreams(report, file), ENCAPSULATIONS.length * 2);
  await assertUdp(file);
  assert.deepEqual(report.warnings.filter((w) => w.code === 'not-decoded'), []);
});

test('transports: SCTP, WebSocket, T.38, Call-ID reuse, lenient parsing and large TCP messages as tshark reads them', { skip }, async () => {
  const file = write('transports.pcap', transportCapture());
  const report = await analyze(file, { media: { heuristic: false } });
  const ids = assertCalls(report, file);
  for (const id of ['sctp-1@transport.test', 'ws-1@transport.test', 't38-1@transport.test', 'reuse-403@transport.test', 'reuse-200@transport.test',
    'cr-1@odd.test', 'v6-1@odd.test', 'cl-short@odd.test', 'cl-long@odd.test', 'big-1@tcp.test']) assert.ok(ids.includes(id), `tshark and sipflow both decode ${id}`);
  assertStreams(report, file);
  const call = (id: string) => report.calls.find((c) => c.callId === id)!;
  assert.equal(call('sctp-1@transport.test').messages[0]!.transport, 'SCTP');
  assert.deepEqual([...new Set(call('ws-1@transport.test').messages.map((m) => m.transport))], ['WS']);
  assert.deepEqual([call('reuse-403@transport.test').kind, call('reuse-403@transport.test').sipPackets], ['call', 5]);
  // T.38 after the re-INVITE: counted as the call's other media, both ways, never as RTP.
  const t38 = call('t38-1@transport.test').otherMedia!;
  assert.deepEqual(t38.map((o) => [o.src, o.dst, o.protocol, o.format, o.packets]).sort(), [
    ['10.80.0.1:4000', '10.80.0.2:6000', 'udptl', 't38', 15], ['10.80.0.2:6000', '10.80.0.1:4000', 'udptl', 't38', 15]]);
  const t38Frames = tshark(['-r', file, '-Y', 't38', '-T', 'fields', '-e', 'frame.number']).map(Number);
  assert.equal(t38Frames.length, 30, 'tshark reads the same 30 packets as T.38');
  assert.ok(call('big-1@tcp.test').messages[0]!.sdp, 'the 70 KiB INVITE with its 32 KiB header line is parsed');
});

test('HEP v2/v3: the messages HEP carried, with their original addresses, as tshark reads the same packets unencapsulated', { skip }, async () => {
  const { hep, twin } = hepCaptures();
  const hepFile = write('hep.pcap', hep);
  const twinFile = write('hep-twin.pcap', twin);
  const report = await analyze(hepFile, { media: { heuristic: false } });
  const ids = assertCalls(report, twinFile);
  assert.deepEqual(ids.sort(), ['hep2-1@hep.test', 'hep3-1@hep.test', 'hep3-port@hep.test', 'hep3-v6@hep.test']);
  assert.equal(assertStreams(report, twinFile), 8);
  // Frame times are the frames', endpoints HEP's.
  const plain = await analyze(twinFile, { media: { heuristic: false } });
  assert.deepEqual(report.calls.map((c) => c.messages.map((m) => [m.frame, m.time, m.src, m.dst])), plain.calls.map((c) => c.messages.map((m) => [m.frame, m.time, m.src, m.dst])));
});
