/**
 * How far sipflow agrees with Wireshark, per corpus folder: the numbers the
 * differential tests check, counted instead of asserted.
 *
 *   node dist/scripts/agreement.js [--json] [--verbose] [FOLDER...]
 *
 * Items of a capture: each Call-ID (tshark's or sipflow's: the same message
 * count and first/last frame, and for a Call-ID with an INVITE the same VoIP
 * Calls state, initial speaker and comment), each RTP stream (tshark's list
 * with STUN dissection off, or sipflow's: the same packets and lost, max
 * delta within 0.05 ms, mean jitter within 2 %), the set of retransmitted
 * frames, and the set of UDP payloads after decapsulation. A capture fully
 * agrees when every item does. Run from a build of any commit to get its
 * numbers (the corpus is ../shared/corpus or SIPFLOW_CORPUS).
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../src/analyze.js';
import { CORPUS, tshark } from '../test/helpers/corpus.js';
import { resentFrames, sipRows, tsharkStreams, tsharkUdpPayloadRows, udpPayloadRows, wiresharkCalls } from '../test/helpers/voip-oracle.js';

interface CaptureResult { file: string; items: number; agreeing: number; differences: string[] }

async function udpPayloads(file: string): Promise<string[]> {
  const ours = await udpPayloadRows(file);
  const theirs = new Set(tsharkUdpPayloadRows(file, 'udp && !icmp && !icmpv6'));
  const out: string[] = [];
  for (const x of theirs) if (!ours.has(x)) out.push(`UDP payload missing: ${x.slice(0, 50)}`);
  for (const x of ours) if (!theirs.has(x)) out.push(`UDP payload extra: ${x.slice(0, 50)}`);
  return out;
}

async function compare(file: string): Promise<CaptureResult> {
  const diffs: string[] = [];
  let items = 0;
  let agreeing = 0;
  const item = (ok: boolean, what: string) => { items++; if (ok) agreeing++; else diffs.push(what); };

  const expected = wiresharkCalls(sipRows(file).filter((r) => r.callId !== ''));
  const report = await analyze(file, { media: { heuristic: false } });
  const got = new Map(report.calls.map((c) => [c.callId, c]));
  for (const id of new Set([...expected.keys(), ...got.keys()])) {
    const e = expected.get(id);
    const c = got.get(id);
    if (!e || !c) { item(false, `call ${id}: ${e ? 'missing in sipflow' : 'not in Wireshark'}`); continue; }
    const problems: string[] = [];
    if (c.sipPackets !== e.count || c.firstFrame !== e.first || c.lastFrame !== e.last) {
      problems.push(`messages ${c.sipPackets} ${c.firstFrame}-${c.lastFrame} vs ${e.count} ${e.first}-${e.last}`);
    }
    if (e.voip && (c.state !== e.voip.state || c.initialSpeaker !== e.voip.speaker || c.comment !== e.voip.comment)) {
      problems.push(`row "${c.state}" ${c.initialSpeaker} "${c.comment}" vs "${e.voip.state}" ${e.voip.speaker} "${e.voip.comment}"`);
    }
    item(problems.length === 0, `call ${id}: ${problems.join('; ')}`);
  }
  const resent = resentFrames(file).join(',');
  const ours = report.calls.flatMap((c) => c.messages.filter((m) => m.retransmission).map((m) => m.frame)).sort((a, b) => a - b).join(',');
  item(resent === ours, `retransmissions ${ours} vs ${resent}`);

  const rows = tsharkStreams(file, ['--disable-protocol', 'stun']);
  const key = (s: { src: string; dst: string; ssrc: string }) => `${s.src} ${s.dst} ${s.ssrc}`;
  const byKey = new Map(report.rtpStreams.map((s) => [key(s), s]));
  const theirKeys = new Set(rows.map(key));
  for (const r of rows) {
    const s = byKey.get(key(r));
    if (!s) { item(false, `stream ${key(r)}: missing in sipflow`); continue; }
    const ok = s.packets === r.packets && s.lost === r.lost && Math.abs(s.maxDeltaMs - r.maxDelta) <= 0.05
      && Math.abs(s.meanJitterMs - r.meanJitter) <= Math.max(0.02 * r.meanJitter, 0.0015);
    item(ok, `stream ${key(r)}: ${s.packets}/${s.lost} vs ${r.packets}/${r.lost} packets/lost, max delta ${s.maxDeltaMs} vs ${r.maxDelta}, mean jitter ${s.meanJitterMs} vs ${r.meanJitter}`);
  }
  for (const s of report.rtpStreams) if (!theirKeys.has(key(s))) item(false, `stream ${key(s)}: not in Wireshark`);

  const udp = await udpPayloads(file);
  item(udp.length === 0, `${udp.length} UDP payload differences, e.g. ${udp[0] ?? ''}`);
  return { file, items, agreeing, differences: diffs };
}

async function main(argv: string[]): Promise<void> {
  const json = argv.includes('--json');
  const verbose = argv.includes('--verbose');
  const wanted = argv.filter((a) => !a.startsWith('--'));
  const folders = existsSync(CORPUS) ? readdirSync(CORPUS, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort() : [];
  const out: Record<string, { captures: number; full: number; items: number; agreeing: number; results: CaptureResult[] }> = {};
  for (const folder of folders) {
    if (wanted.length && !wanted.includes(folder)) continue;
    const files = readdirSync(join(CORPUS, folder)).filter((f) => /\.(pcap|pcapng|cap)(\.gz)?$/.test(f)).sort();
    const results: CaptureResult[] = [];
    for (const f of files) results.push(await compare(join(CORPUS, folder, f)));
    out[folder] = {
      captures: results.length, full: results.filter((r) => r.differences.length === 0).length,
      items: results.reduce((a, r) => a + r.items, 0), agreeing: results.reduce((a, r) => a + r.agreeing, 0), results,
    };
  }
  if (json) { process.stdout.write(JSON.stringify(out, null, 1) + '\n'); return; }
  for (const [folder, r] of Object.entries(out)) {
    process.stdout.write(`${folder}: captures fully agreeing ${r.full}/${r.captures}, items agreeing ${r.agreeing}/${r.items}\n`);
    for (const c of r.results) {
      if (!c.differences.length) continue;
      process.stdout.write(`  ${c.file.slice(CORPUS.length + 1)}: ${c.agreeing}/${c.items}\n`);
      for (const d of verbose ? c.differences : c.differences.slice(0, 5)) process.stdout.write(`    ${d}\n`);
      if (!verbose && c.differences.length > 5) process.stdout.write(`    ... ${c.differences.length - 5} more\n`);
    }
  }
}

await main(process.argv.slice(2));
