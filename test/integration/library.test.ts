/**
 * sipflow as a library, through its public entry point only: the example of
 * docs/api.md runs as written and prints what the page says; a user's own tap
 * sees what the pipeline sees; `npm pack` makes a package another project
 * can install and import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from '../helpers/corpus.js';
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import * as sipflow from '../../src/index.js';
import type { Tap } from '../../src/index.js';

const doc = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');
const block = (lang: string, n = 0) => [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))][n]?.[1] ?? '';

test('docs/api.md: the example runs as written and prints what the page shows', () => {
  const dir = mkdtempSync(join(ROOT, 'tmp-api-'));
  try {
    const file = join(dir, 'example.mjs');
    writeFileSync(file, block('js'));
    // Run from the project folder (the example's fixture path is relative to it); `sipflow` resolves to this package.
    const out = execFileSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8' });
    const shown = block('text').trimEnd();
    assert.ok(shown.length > 0, 'the page shows the output');
    assert.equal(out.split('\n').slice(0, shown.split('\n').length).join('\n'), shown);
    assert.match(out, /│ 1 │ 0\.000 │/, 'followed by the call table');
  } finally { rmSync(dir, { recursive: true, force: true }); }
});

/** A capture with OPTIONS pings from two sources and one INVITE, built in memory. */
function optionsCapture(): string {
  const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
  const sip = (n: number, src: string, method: string, callId: string) => Buffer.from([
    `${method} sip:proxy@192.0.2.1 SIP/2.0`, `Via: SIP/2.0/UDP ${src}:5060;branch=z9hG4bK${n}`,
    `From: <sip:u@${src}>;tag=${n}`, 'To: <sip:proxy@192.0.2.1>', `Call-ID: ${callId}`, `CSeq: ${n} ${method}`,
    'Content-Length: 0', '', ''].join('\r\n'));
  const pings: [string, string][] = [['192.0.2.10', 'OPTIONS'], ['192.0.2.10', 'OPTIONS'], ['192.0.2.11', 'OPTIONS'], ['192.0.2.10', 'INVITE'], ['192.0.2.10', 'OPTIONS']];
  pings.forEach(([src, method], i) => {
    w.writePacket(1700000000 + i, 0, udpFrame({ src, dst: '192.0.2.1', sport: 5060, dport: 5060, payload: sip(i + 1, src, method, `c${i}`) }));
  });
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-tap-'));
  const file = join(dir, 'options.pcap');
  writeFileSync(file, w.toBytes());
  return file;
}

test('a custom tap through the public API: OPTIONS per source, frames and finish in order', async () => {
  const perSource = new Map<string, number>();
  const seen: string[] = [];
  let frames = 0;
  const tap: Tap = {
    name: 'options-per-source',
    start(ctx) { seen.push('start'); assert.equal(typeof ctx.warn, 'function'); },
    onFrame() { frames++; },
    onSip(msg, track) {
      if (msg.isRequest && msg.method === 'OPTIONS') perSource.set(msg.srcIp, (perSource.get(msg.srcIp) ?? 0) + 1);
      assert.equal(track.call.callId, msg.callId, 'the track is the message\'s call');
    },
    finish(report) { seen.push(`finish:${report.calls.length}`); },
  };
  const report = await sipflow.analyze(optionsCapture(), { taps: [tap] });
  assert.deepEqual(Object.fromEntries(perSource), { '192.0.2.10': 3, '192.0.2.11': 1 });
  assert.equal(frames, 5);
  assert.deepEqual(seen, ['start', 'finish:5']);
  assert.equal(report.calls.filter((c) => c.kind === 'options').length, 4);
});

test('the RTP tap point: a tap sees every RTP packet of the streams the report lists, with the engine\'s jitter', async () => {
  let packets = 0;
  let maxJitter = 0;
  const report = await sipflow.analyze(join(ROOT, 'fixtures', 'call-completed.pcapng'), {
    taps: [{ name: 'rtp-count', onRtp(p) { packets++; maxJitter = Math.max(maxJitter, p.jitterMs); assert.ok(p.payload.length > 0); } }],
  });
  assert.equal(packets, report.rtpStreams.reduce((n, s) => n + s.packets, 0));
  assert.equal(Math.round(maxJitter * 1000) / 1000, Math.max(...report.rtpStreams.map((s) => s.maxJitterMs)));
});

test('the file the README\'s `npx sipflow` runs is executable and runs through its #! line (npm ci links the bin before prepare builds it)', { skip: process.platform === 'win32' ? 'no executable bit on Windows' : false }, () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  const bin = join(ROOT, pkg.bin['sipflow']!);
  const mode = statSync(bin).mode;
  assert.equal(mode & 0o111, 0o111, `${pkg.bin['sipflow']} mode ${(mode & 0o777).toString(8)}`);
  // Run as npx runs it: the file itself, through its #! line. Not through npx here: on a machine whose npx cache
  // does not hold the project yet, npx installs it as a link and runs its prepare script, a build of dist/ while
  // the other test files run CLIs from dist/ (CI saw a half-written module).
  const r = spawnSync(bin, ['--version'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^\d+\.\d+\.\d+/);
});

test('npm pack: the tarball installs in another project and `import ... from "sipflow"` works', { timeout: 180_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-pack-'));
  try {
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', dir, '--json'], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(pack.status, 0, pack.stderr);
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const files = (JSON.parse(pack.stdout) as { files: { path: string }[] }[])[0]!.files.map((f) => f.path);
    assert.ok(files.includes('dist/src/index.js') && files.includes('dist/src/index.d.ts') && files.includes('schema/report.schema.json'));
    assert.ok(!files.some((f) => f.startsWith('dist/test/') || f.startsWith('fixtures/')), 'no tests or fixtures in the package');
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', type: 'module', private: true }));
    // Optional native pieces (the proxy's SQLite store, the browser driver) are not needed to import and analyze.
    const inst = spawnSync('npm', ['install', join(dir, tarball), '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: app, encoding: 'utf8' });
    if (inst.status !== 0 && /ENOTFOUND|EAI_AGAIN|ECONNREFUSED|network/i.test(inst.stderr)) { t.skip(`npm could not reach the registry: ${inst.stderr.split('\n')[0]}`); return; }
    assert.equal(inst.status, 0, inst.stderr);
    writeFileSync(join(app, 'main.mjs'), [
      "import { analyze, VERSION, EVENT_KINDS } from 'sipflow';",
      `const r = await analyze(${JSON.stringify(join(ROOT, 'fixtures', 'call-busy.pcapng'))});`,
      "console.log(JSON.stringify({ version: VERSION, kinds: EVENT_KINDS.length, state: r.calls[0].state, outcome: r.calls[0].outcome }));",
    ].join('\n'));
    const out = JSON.parse(execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' }));
    assert.deepEqual(out, { version: sipflow.VERSION, kinds: sipflow.EVENT_KINDS.length, state: 'REJECTED', outcome: 'BUSY' });
  } finally { rmSync(dir, { recursive: true, force: true }); }
});
