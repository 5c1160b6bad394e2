/**
 * `npm run reports`: the HTML report of every capture of the reference corpus
 * (SIPFLOW_CORPUS, else ../shared/corpus/)
 * (every dialog, RTP heuristic on) into reports/html/<name>.html, with the
 * size and generation time of each. `--synthetic N` also writes an N-call
 * synthetic capture to a temporary directory and reports on it (scale check).
 *
 *   node dist/scripts/make-reports.js [--out DIR] [--synthetic 1000]
 */
import { mkdtempSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileSink, PcapngWriter } from '../src/capture/writer.js';
import { udpFrame } from '../src/net/build.js';
import { htmlReport } from '../src/html-report.js';
// The one rule for where the corpus is (SIPFLOW_CORPUS, else ../shared/corpus) and what counts as its captures, as the tests use it.
import { CORPUS, corpusFiles } from '../test/helpers/corpus.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The lab's machines in the Z1 captures (as `npm run ladders` names them). */
const LAB_ALIASES: Record<string, string> = {
  '192.168.1.14:5060': 'proxy', '192.168.1.14': 'linPC', '192.168.1.15': 'mobillin', '192.168.1.19': 'tablet',
};

interface Pkt { t: number; src: string; dst: string; sport: number; dport: number; payload: Buffer }

function sdp(ip: string, port: number, sess: number): string {
  return ['v=0', `o=- ${sess} ${sess} IN IP4 ${ip}`, 's=synthetic', `c=IN IP4 ${ip}`, 't=0 0',
    `m=audio ${port} RTP/AVP 0 8 101`, 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=ptime:20', 'a=sendrecv', ''].join('\r\n');
}

function sip(start: string, headers: string[], body = ''): Buffer {
  const h = [start, ...headers, ...(body ? ['Content-Type: application/sdp'] : []), `Content-Length: ${Buffer.byteLength(body)}`];
  return Buffer.from(h.join('\r\n') + '\r\n\r\n' + body, 'utf8');
}

/**
 * A capture of `calls` INVITE calls between distinct user agents, a new call
 * every 0.35 s: 7 in 10 answered with RTP both ways (PCMU, `rtpPackets` per
 * direction, some jitter and a lost packet now and then), then busy,
 * cancelled and declined calls. Returns the number of frames written.
 */
export function writeSyntheticCapture(path: string, calls: number, rtpPackets = 40): number {
  const pkts: Pkt[] = [];
  const epoch = 1_700_000_000;
  for (let i = 0; i < calls; i++) {
    const a = `10.1.${(i >> 8) & 255}.${i & 255}`;
    const b = `10.2.${(i >> 8) & 255}.${i & 255}`;
    const t0 = i * 0.35;
    const callId = `synthetic-${i + 1}@${a}`;
    const from = `From: "User ${i}" <sip:u${i}@example.com>;tag=f${i}`;
    const to = `To: <sip:d${i}@example.com>`;
    const toTag = `${to};tag=t${i}`;
    const via = `Via: SIP/2.0/UDP ${a}:5060;branch=z9hG4bK-${i}-1`;
    const base = (cseq: string, t: string) => [via, 'Max-Forwards: 70', from, t, `Call-ID: ${callId}`, `CSeq: ${cseq}`];
    const contactA = `Contact: <sip:u${i}@${a}:5060>`;
    const rtpA = 20000 + 2 * (i % 5000), rtpB = 30000 + 2 * (i % 5000);
    const push = (t: number, src: string, dst: string, payload: Buffer, sport = 5060, dport = 5060) => pkts.push({ t, src, dst, sport, dport, payload });
    push(t0, a, b, sip(`INVITE sip:d${i}@${b} SIP/2.0`, [...base('1 INVITE', to), contactA, 'User-Agent: synthetic/1.0'], sdp(a, rtpA, i)));
    push(t0 + 0.002, b, a, sip('SIP/2.0 100 Trying', base('1 INVITE', to)));
    push(t0 + 0.05, b, a, sip('SIP/2.0 180 Ringing', base('1 INVITE', toTag)));
    const kind = i % 10;
    if (kind < 7) {
      const ta = t0 + 0.8 + (i % 7) * 0.1;
      push(ta, b, a, sip('SIP/2.0 200 OK', [...base('1 INVITE', toTag), `Contact: <sip:d${i}@${b}:5060>`], sdp(b, rtpB, i + 100000)));
      push(ta + 0.01, a, b, sip(`ACK sip:d${i}@${b}:5060 SIP/2.0`, base('1 ACK', toTag)));
      const ssrcA = (0x10000000 + i) >>> 0, ssrcB = (0x20000000 + i) >>> 0;
      for (let k = 0; k < rtpPackets; k++) {
        for (const [src, dst, sp, dp, ssrc, off] of [[a, b, rtpA, rtpB, ssrcA, 0], [b, a, rtpB, rtpA, ssrcB, 0.003]] as const) {
          if (k === 17 && i % 3 === 0 && src === b) continue; // a lost packet
          const p = Buffer.alloc(12 + 160, 0xd5);
          p[0] = 0x80; p[1] = k === 0 ? 0x80 : 0;
          p.writeUInt16BE((1000 + k) & 0xffff, 2);
          p.writeUInt32BE((k * 160) >>> 0, 4);
          p.writeUInt32BE(ssrc, 8);
          const jitter = ((k * 7 + i) % 5 - 2) * 0.0008 * (1 + (i % 4));
          push(ta + 0.02 + off + k * 0.02 + jitter, src, dst, p, sp, dp);
        }
      }
      const tb = ta + 0.05 + rtpPackets * 0.02;
      push(tb, a, b, sip(`BYE sip:d${i}@${b}:5060 SIP/2.0`, base('2 BYE', toTag)));
      push(tb + 0.01, b, a, sip('SIP/2.0 200 OK', base('2 BYE', toTag)));
    } else if (kind === 7) {
      push(t0 + 0.6, b, a, sip('SIP/2.0 486 Busy Here', base('1 INVITE', toTag)));
      push(t0 + 0.61, a, b, sip(`ACK sip:d${i}@${b} SIP/2.0`, base('1 ACK', toTag)));
    } else if (kind === 8) {
      push(t0 + 1.5, a, b, sip(`CANCEL sip:d${i}@${b} SIP/2.0`, base('1 CANCEL', to)));
      push(t0 + 1.51, b, a, sip('SIP/2.0 200 OK', base('1 CANCEL', toTag)));
      push(t0 + 1.52, b, a, sip('SIP/2.0 487 Request Terminated', base('1 INVITE', toTag)));
      push(t0 + 1.53, a, b, sip(`ACK sip:d${i}@${b} SIP/2.0`, base('1 ACK', toTag)));
    } else {
      push(t0 + 2, b, a, sip('SIP/2.0 603 Decline', base('1 INVITE', toTag)));
      push(t0 + 2.01, a, b, sip(`ACK sip:d${i}@${b} SIP/2.0`, base('1 ACK', toTag)));
    }
  }
  pkts.sort((x, y) => x.t - y.t);
  const w = new PcapngWriter(new FileSink(path), { application: 'sipflow make-reports (synthetic)' });
  const ifc = w.addInterface({ linkType: 1, name: 'synthetic0' });
  for (const p of pkts) {
    const us = Math.round(p.t * 1e6);
    w.writePacket(ifc, epoch + Math.floor(us / 1e6), (us % 1e6) * 1000, udpFrame({ src: p.src, dst: p.dst, sport: p.sport, dport: p.dport, payload: p.payload }));
  }
  w.close();
  return pkts.length;
}


const kb = (n: number) => `${(n / 1024).toFixed(0).padStart(6)} KiB`;

async function one(path: string, outPath: string, label: string): Promise<{ bytes: number; ms: number }> {
  const t = performance.now();
  const isLab = /Z1_/.test(path);
  const r = await htmlReport(path, {
    media: { heuristic: true }, all: true,
    ladder: isLab ? { aliases: LAB_ALIASES } : undefined,
    // The committed reports stay byte-identical from run to run and name the capture relative to the project.
    generated: null,
    displayFile: relative(ROOT, path),
  });
  await writeFile(outPath, r.html);
  const ms = performance.now() - t;
  const s = r.stats;
  process.stdout.write(`${label.padEnd(44)} ${kb(s.bytes)}  ${String(s.calls).padStart(5)} dialogs  ${String(r.report.rtpStreams.length).padStart(4)} streams  ` +
    `${kb(s.meanCallBytes)}/dialog (max ${kb(s.maxCallBytes).trim()})  ${ms.toFixed(0).padStart(6)} ms ` +
    `(analyze ${s.analyzeMs}, render ${s.renderMs})${s.cutCalls ? `  budget cut ${s.cutCalls}` : ''}\n`);
  return { bytes: s.bytes, ms };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const opt = (name: string) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
  const outDir = resolve(opt('--out') ?? join(ROOT, 'reports', 'html'));
  const synthetic = opt('--synthetic');
  const files = corpusFiles();
  if (!files.length && !synthetic) {
    process.stderr.write(`make-reports: no captures found under ${CORPUS} (set SIPFLOW_CORPUS to the corpus folder)\n`);
    return 2;
  }
  if (files.length) process.stderr.write(`make-reports: corpus ${CORPUS} (${files.length} captures)\n`);
  await mkdir(outDir, { recursive: true });
  let total = 0, totalMs = 0;
  for (const f of files) {
    const name = basename(f).replace(/\.(pcapng|pcap|cap)(\.gz)?$/, '');
    const r = await one(f, join(outDir, `${name}.html`), `${basename(dirname(f))}/${basename(f)}`);
    total += r.bytes; totalMs += r.ms;
  }
  if (files.length) process.stdout.write(`${files.length} reports in ${outDir}: ${(total / 1048576).toFixed(1)} MiB, ${(totalMs / 1000).toFixed(1)} s\n`);
  if (synthetic) {
    const n = Math.max(1, Number(synthetic) || 1000);
    const dir = mkdtempSync(join(tmpdir(), 'sipflow-synth-'));
    const cap = join(dir, `synthetic-${n}.pcapng`);
    const t = performance.now();
    const frames = writeSyntheticCapture(cap, n);
    process.stdout.write(`synthetic capture ${cap}: ${n} calls, ${frames} frames, ${(statSync(cap).size / 1048576).toFixed(1)} MiB (${(performance.now() - t).toFixed(0)} ms)\n`);
    await one(cap, join(dir, `synthetic-${n}.html`), `synthetic-${n}.pcapng`);
    process.stdout.write(`report: ${join(dir, `synthetic-${n}.html`)}\n`);
  }
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) process.exitCode = await main();
