/**
 * Ladder benchmark: text and SVG ladders for every call of a synthetic
 * 1000-call report (in memory), in ms per 100 calls; then PNG per diagram
 * through one shared browser (skipped with a reason when there is none).
 *
 *   npx tsc -p . && node dist/bench/ladder.js [calls=1000] [pngs=20]
 */
import { color } from '../src/render/color.js';
import type { Call, CallMessage, Report, RtpStream } from '../src/model.js';
import { buildLadder, Rasterizer, RasterizerUnavailable, renderLadderSvg, renderLadderText, renderMermaid } from '../src/render/ladder/index.js';

color.level = 0;

/** A proxied INVITE call: 16 SIP messages (with a retransmission) and two RTP streams. */
function synthCall(i: number, t0: number, frame0: number, streams: RtpStream[]): Call {
  const a = `10.${(i >> 8) & 255}.${i & 255}.10:5060`;
  const p = '10.255.0.1:5060';
  const b = `10.${(i >> 8) & 255}.${i & 255}.20:5062`;
  const seq: [string, string, string | number, boolean?][] = [
    [a, p, 'INVITE', true], [p, a, 100], [p, b, 'INVITE', true], [b, p, 100], [b, p, 180], [p, a, 180],
    [b, p, 200, true], [p, a, 200, true], [p, a, 200, true], [a, p, 'ACK'], [p, b, 'ACK'],
    [a, p, 'BYE'], [p, b, 'BYE'], [b, p, 200], [p, a, 200], [a, p, 'OPTIONS'],
  ];
  const reasons: Record<number, string> = { 100: 'Trying', 180: 'Ringing', 200: 'OK' };
  const messages: CallMessage[] = seq.map(([src, dst, what, sdp], k) => {
    const req = typeof what === 'string';
    const label = (req ? what : `${what} ${reasons[what]}`) + (sdp ? ' (SDP)' : '');
    return {
      frame: frame0 + k * 3, time: t0 + k * 0.4, src, dst, transport: 'UDP', method: req ? what : null, status: req ? null : what,
      reason: req ? null : reasons[what]!, cseq: `1 ${req ? what : 'INVITE'}`, label, sdp: !!sdp, retransmission: k === 8,
      sdpSummary: sdp ? `audio PCMU/8000 ${src.replace(/:\d+$/, ':40000')} sendrecv` : null,
    };
  });
  const callId = `call-${i}@bench.example`;
  const s0 = streams.length + 1;
  for (const [src, dst] of [[a, b], [b, a]] as const) {
    streams.push({
      index: streams.length + 1, callId, heuristic: false, src: src.replace(/:\d+$/, ':40000'), dst: dst.replace(/:\d+$/, ':40000'),
      ssrc: '0x00001234', payloadType: 0, codec: 'PCMU/8000', clockRate: 8000, packets: 250, lost: 0, lossPct: 0, seqErrors: 0,
      minDeltaMs: 20, meanDeltaMs: 20, maxDeltaMs: 21, meanJitterMs: 0.2, maxJitterMs: 0.5, ptimeMs: 20, pps: 50, kbps: 80,
      start: t0 + 4.1, stop: t0 + 4.4, firstFrame: frame0 + 31, lastFrame: frame0 + 33,
    });
  }
  return {
    index: i, callId, kind: 'call', partial: false, from: `sip:alice${i}@bench.example`, to: `sip:bob${i}@bench.example`,
    fromDisplay: `Alice ${i}`, toDisplay: null, initialSpeaker: a.replace(/:\d+$/, ''), state: 'COMPLETED', outcome: 'COMPLETED',
    comment: 'INVITE 200', sipPackets: messages.length, firstFrame: messages[0]!.frame, lastFrame: messages.at(-1)!.frame,
    start: t0, stop: messages.at(-1)!.time, setupMs: 2800, durationS: 2, participants: [a, p, b], messages, media: [],
    streams: [s0, s0 + 1], events: [],
  };
}

export function synthReport(n: number): Report {
  const streams: RtpStream[] = [];
  const calls: Call[] = [];
  for (let i = 1; i <= n; i++) calls.push(synthCall(i, i * 0.5, i * 60, streams));
  return {
    tool: 'sipflow', version: 'bench', file: 'synthetic.pcapng',
    capture: { format: 'pcapng', frames: n * 60, linkTypes: ['Ethernet'], firstTime: null, durationS: n * 0.5 + 10, truncated: false },
    calls, rtpStreams: streams, warnings: [],
  };
}

function time(label: string, n: number, fn: () => number): void {
  fn(); // warm up
  const t = performance.now();
  const bytes = fn();
  const ms = performance.now() - t;
  process.stdout.write(`${label.padEnd(34)} ${ms.toFixed(1).padStart(8)} ms for ${n} calls  = ${(ms / n * 100).toFixed(1).padStart(6)} ms per 100 calls  (${(bytes / 1024 / 1024).toFixed(1)} MiB)\n`);
}

const n = Number(process.argv[2] ?? 1000);
const pngs = Number(process.argv[3] ?? 20);
const report = synthReport(n);
const opts = { sdp: true, rtp: true, aliases: { '10.255.0.1': 'proxy' } };

time('layout only', n, () => { let k = 0; for (const c of report.calls) k += buildLadder(report, [c], opts).rows.length; return k; });
time('text (unicode, natural width)', n, () => { let k = 0; for (const c of report.calls) k += renderLadderText(buildLadder(report, [c], opts)).length; return k; });
time('text (ascii, 80 columns)', n, () => { let k = 0; for (const c of report.calls) k += renderLadderText(buildLadder(report, [c], opts), { ascii: true, width: 80 }).length; return k; });
time('mermaid', n, () => { let k = 0; for (const c of report.calls) k += renderMermaid(buildLadder(report, [c], opts)).length; return k; });
time('svg', n, () => { let k = 0; for (const c of report.calls) k += renderLadderSvg(buildLadder(report, [c], opts)).length; return k; });
{
  const t = performance.now();
  const merged = renderLadderSvg(buildLadder(report, report.calls.slice(0, 100), opts));
  process.stdout.write(`${'svg, 100 calls merged in one'.padEnd(34)} ${(performance.now() - t).toFixed(1).padStart(8)} ms  (${(merged.length / 1024).toFixed(0)} KiB)\n`);
}

if (pngs > 0) {
  try {
    const t0 = performance.now();
    const r = await Rasterizer.open({ scale: 2 });
    const start = performance.now() - t0;
    try {
      const svgs = report.calls.slice(0, pngs).map((c) => renderLadderSvg(buildLadder(report, [c], opts)));
      await r.png(svgs[0]!); // first page load
      const t = performance.now();
      let bytes = 0;
      for (const s of svgs) bytes += (await r.png(s)).length;
      const per = (performance.now() - t) / svgs.length;
      const t2 = performance.now();
      for (const s of svgs.slice(0, 5)) bytes += (await r.pdf(s)).length;
      const perPdf = (performance.now() - t2) / Math.min(5, svgs.length);
      process.stdout.write(`browser start ${start.toFixed(0)} ms; PNG ${per.toFixed(0)} ms per diagram (${svgs.length} diagrams, scale 2); PDF ${perPdf.toFixed(0)} ms per diagram; ${(bytes / 1024).toFixed(0)} KiB\n`);
    } finally {
      await r.close();
    }
  } catch (e) {
    if (e instanceof RasterizerUnavailable) process.stdout.write(`PNG skipped: ${e.message}\n`);
    else throw e;
  }
}
