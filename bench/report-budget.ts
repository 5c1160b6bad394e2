/**
 * The report budget bench (issue 20): a capture of N one-INVITE dialogs (no
 * answer, one Call-ID each, as a SIP flood looks), streamed to a file, then
 * optionally `sipflow report` on it under /usr/bin/time -v: page size, wall
 * time and peak RSS.
 *
 *   node dist/bench/report-budget.js OUT.pcapng [dialogs=300000] [--run]
 *
 * 300 000 dialogs make a file of about 103 MB.
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { FileSink, PcapngWriter } from '../src/capture/writer.js';
import { udpFrame } from '../src/net/build.js';

/** Write `dialogs` INVITEs from 10.1.x.y to 10.0.0.1:5060, 1 ms apart. */
export function writeInviteFlood(path: string, dialogs: number): void {
  const w = new PcapngWriter(new FileSink(path, { bufferBytes: 1 << 20 }), { application: 'sipflow bench/report-budget.ts' });
  w.addInterface({ linkType: 1, name: 'eth0', snapLen: 65535 });
  for (let i = 0; i < dialogs; i++) {
    const ip = `10.1.${(i >> 8) & 255}.${i & 255}`;
    const text = [
      `INVITE sip:${1000 + (i % 9000)}@example.com SIP/2.0`,
      `Via: SIP/2.0/UDP ${ip}:5060;branch=z9hG4bK${i.toString(36)}`,
      'Max-Forwards: 70',
      `From: <sip:u${i}@example.com>;tag=${i.toString(16)}`,
      `To: <sip:${1000 + (i % 9000)}@example.com>`,
      `Call-ID: flood-${i}@${ip}`,
      'CSeq: 1 INVITE',
      `Contact: <sip:u${i}@${ip}:5060>`,
      'Content-Length: 0',
      '', '',
    ].join('\r\n');
    const t = i * 1000; // microseconds
    const frame = udpFrame({ src: ip, dst: '10.0.0.1', sport: 5060, dport: 5060, payload: Buffer.from(text), ipId: i & 0xffff });
    w.writePacket(0, 1_700_000_000 + Math.floor(t / 1e6), (t % 1e6) * 1000, frame);
  }
  w.close();
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [out = '/tmp/invite-flood.pcapng', n = '300000', run] = process.argv.slice(2);
  writeInviteFlood(out, Number(n));
  process.stderr.write(`${out}: ${n} dialogs, ${(statSync(out).size / 1e6).toFixed(1)} MB\n`);
  if (run === '--run') {
    const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
    const html = out.replace(/\.pcapng$/, '') + '.html';
    const r = spawnSync('/usr/bin/time', ['-v', process.execPath, cli, 'report', out, '-o', html], { encoding: 'utf8' });
    const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1];
    const wall = /Elapsed \(wall clock\) time.*: (.+)/.exec(r.stderr)?.[1];
    let size = '-';
    try { size = `${(statSync(html).size / 1048576).toFixed(1)} MiB`; } catch { /* not written */ }
    process.stderr.write(`report: exit ${r.status}, page ${size}, wall ${wall}, peak RSS ${rss ? (Number(rss) / 1024).toFixed(0) + ' MiB' : '?'}\n`);
    process.stderr.write(r.stderr.split('\n').filter((l) => !/^\t/.test(l)).slice(-6).join('\n') + '\n');
  }
}
