/**
 * `sipflow extract`, --merge, folders and --summary as a user meets them:
 * the help's examples run on the bundled fixtures, every bad option is one
 * line naming what is accepted (exit 64), unusable input exits 2, and the
 * other commands take several files and folders.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sipflow } from '../helpers/cli.js';
import { FIXTURES, hasTshark, tshark } from '../helpers/corpus.js';
import type { Report } from '../../src/model.js';

const tmp = mkdtempSync(join(tmpdir(), 'sipflow-extract-cli-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));
const COMPLETED = join(FIXTURES, 'call-completed.pcapng');
const BUSY = join(FIXTURES, 'call-busy.pcapng');
const CANCELLED = join(FIXTURES, 'call-cancelled.pcapng');

/**
 * The "$ sipflow ..." lines of a help text that only read fixtures/, their -o redirected into `dir`, as
 * argv for a run from `dir` (fixtures/ paths made absolute, quotes and a trailing pipe or redirection dropped).
 */
function fixtureExamples(help: string, dir: string): string[][] {
  return help.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('$ sipflow ') && / fixtures\//.test(l)).map((l) => {
    // What follows "#" or two spaces is the example's explanation.
    const command = l.slice('$ sipflow '.length).split('#')[0]!.split(/\s{2,}/)[0]!.split(/ [|>] /)[0]!.trim();
    return command.split(/\s+/).map((w) => w.replace(/^'(.*)'$/, '$1')).map((a, i, all) => (['-o', '--output', '--junit'].includes(all[i - 1]!) ? join(dir, a) : a.startsWith('fixtures/') ? join(FIXTURES, a.slice('fixtures/'.length)) : a));
  }).filter((argv) => !(argv[0] === 'snapshot' && argv.includes('fixtures/'))); // folder mode writes beside the fixtures
}

test('extract --help: the two passes, the display filter it prints, examples on the bundled fixtures that run', () => {
  const h = sipflow(['extract', '--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /--wireshark-filter/);
  assert.match(h.stdout, /sip\.Call-ID == "\.\.\."/);
  assert.match(h.stdout, /--media-until-bye/);
  const examples = fixtureExamples(h.stdout, tmp);
  assert.ok(examples.length >= 4, 'examples on fixtures/');
  for (const argv of examples) {
    const r = sipflow(argv, { cwd: tmp });
    assert.equal(r.code, 0, `${argv.join(' ')}: ${r.stderr}`);
    const o = argv.indexOf('-o');
    if (o >= 0) assert.ok(existsSync(argv[o + 1]!), `${argv.join(' ')} wrote ${argv[o + 1]}`);
  }
  assert.match(sipflow(['--help']).stdout, /sipflow extract fixtures\/proxy-call\.pcapng/);
});

test('the help examples of analyze, capinfo, report, snapshot and check that read fixtures/ run', () => {
  for (const cmd of ['analyze', 'capinfo', 'report', 'snapshot', 'check', 'ladder']) {
    const h = sipflow([cmd, '--help']);
    assert.equal(h.code, 0);
    assert.match(h.stdout, /--merge/, `${cmd} --help names --merge`);
    for (const argv of fixtureExamples(h.stdout, tmp)) {
      if (argv.includes('--expect') && !existsSync(argv[argv.indexOf('--expect') + 1]!)) continue; // needs a flow written by hand
      // From the scratch folder: an example without -o (report's default name) writes there, not into the sources.
      const r = sipflow(argv, { cwd: tmp });
      assert.ok(r.code === 0 || (cmd === 'check' && r.code === 1), `${argv.join(' ')}: exit ${r.code} ${r.stderr}`);
    }
  }
});

test('bad options exit 64 with one line naming the accepted values; nothing is written', () => {
  const out = join(tmp, 'never.pcapng');
  const cases: [string[], RegExp][] = [
    [['--format', 'pcapx', '-o', out], /Allowed choices are pcapng, pcap/],
    [['--state', 'asleep', '-o', out], /--state "asleep": asleep is not one of the states or outcomes, comma-separated: call-setup, ringing, in-call/],
    [['--outcome', 'fine', '-o', out], /--outcome "fine": fine is not one of the outcomes, comma-separated: completed, answered/],
    [['--call', 'two', '-o', out], /--call "two": expected call numbers .* N, N,M or N-M/],
    [['--call', '9', '-o', out], /--call 9: no call 9 in .*; its dialogs: 1 \(call\)/],
    [['--since', '-3', '-o', out], /--since "-3": expected seconds/],
    [['--since', '4', '--until', '1', '-o', out], /must run forward/],
    [[], /give -o FILE\.pcapng \(or --wireshark-filter/],
    [['-o', out, '--wireshark-filter'], /give one of --wireshark-filter and -o/],
    [['-o', COMPLETED], /is one of the captures read/],
  ];
  for (const [args, re] of cases) {
    const r = sipflow(['extract', COMPLETED, ...args]);
    assert.equal(r.code, 64, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr.split('\n')[0]!, re, args.join(' '));
  }
  const stdin = sipflow(['extract', '-', '-o', out], { input: Buffer.alloc(0) });
  assert.equal(stdin.code, 64);
  assert.match(stdin.stderr, /reads its input twice/);
  assert.ok(!existsSync(out));
  const pcap = sipflow(['extract', join(FIXTURES, 'proxy-call.pcapng'), BUSY, '--format', 'pcap', '-o', out]);
  assert.equal(pcap.code, 0, 'one link type: pcap is fine');
});

test('unusable input exits 2: a missing file, not a capture, a folder without captures; a selection that matches nothing exits 0 and writes nothing', () => {
  const notCapture = join(tmp, 'notes.txt');
  writeFileSync(notCapture, 'hello');
  const empty = join(tmp, 'empty-dir');
  mkdirSync(empty, { recursive: true });
  writeFileSync(join(empty, 'readme.md'), '# nothing');
  const out = join(tmp, 'x.pcapng');
  for (const [args, re] of [
    [[join(tmp, 'missing.pcapng')], /cannot open \(no such file\)/],
    [[notCapture], /not a capture file/],
    [[empty], /no capture in this folder .*--recursive/],
  ] as [string[], RegExp][]) {
    const r = sipflow(['extract', ...args, '-o', out]);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.ok(!existsSync(out), 'no output left behind');
  }
  assert.equal(sipflow(['analyze', empty]).code, 2);
  const none = sipflow(['extract', COMPLETED, '--outcome', 'busy', '-o', out]);
  assert.equal(none.code, 0, none.stderr);
  assert.match(none.stderr, /no dialog matches the filter \(the capture has 1 dialog; all were filtered out\); nothing written/);
  assert.ok(!existsSync(out), 'no output left behind');
});

test('--wireshark-filter prints the display filter; tshark selects with it what extract writes', () => {
  const f = sipflow(['extract', COMPLETED, '--call', '1', '--wireshark-filter']);
  assert.equal(f.code, 0, f.stderr);
  const filter = f.stdout.trim();
  assert.match(filter, /^sip\.Call-ID == "fixture-completed-1@192\.0\.2\.10" \|\| frame\.number in \{1\} \|\| \(ip\.src == 192\.0\.2\.20 && udp\.srcport == 50000/);
  const out = join(tmp, 'filtered.pcapng');
  const e = sipflow(['extract', COMPLETED, '--call', '1', '--media-until-bye', '-o', out]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stderr, /313 of 313 frames \(14 SIP, 299 media\), 1 dialog, pcapng/);
  if (!hasTshark()) return;
  assert.equal(tshark(['-r', COMPLETED, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).length, 313);
  assert.equal(tshark(['-r', out, '-T', 'fields', '-e', 'frame.number']).length, 313);
});

test('--merge and folders for analyze, capinfo, report, snapshot, check; --summary', () => {
  const dir = join(tmp, 'day');
  mkdirSync(join(dir, 'late'), { recursive: true });
  copyFileSync(BUSY, join(dir, 'b.pcapng'));
  copyFileSync(CANCELLED, join(dir, 'late', 'c.pcapng'));
  writeFileSync(join(dir, 'b.flow.yaml'), 'calls: []\n');

  const summary = sipflow(['analyze', dir, '--recursive', '--summary', '--json']);
  assert.equal(summary.code, 0, summary.stderr);
  assert.match(summary.stderr, /skipped a file that is not pcap or pcapng: b\.flow\.yaml/);
  const rows = JSON.parse(summary.stdout) as { file: string; calls: number; failed: number; warnings: number }[];
  assert.deepEqual(rows.map((r) => [r.file.slice(dir.length + 1), r.calls, r.failed]), [['b.pcapng', 1, 1], ['late/c.pcapng', 1, 0]]);

  const merged = sipflow(['analyze', BUSY, CANCELLED, '--merge', '--json']);
  const report = JSON.parse(merged.stdout) as Report;
  assert.equal(report.file, `${BUSY} + ${CANCELLED}`);
  assert.deepEqual(report.calls.map((c) => c.outcome), ['CANCELLED', 'BUSY'], 'interleaved by time: the cancelled call starts first');
  assert.equal(report.capture.frames, 7 + 13);

  const cap = sipflow(['capinfo', BUSY, CANCELLED, '--merge', '--json']);
  const info = JSON.parse(cap.stdout) as { frames: number; interfaces: { section: number }[] };
  assert.equal(info.frames, 20);
  assert.deepEqual(info.interfaces.map((i) => i.section), [0, 1], 'each file keeps its interface');

  const pages = join(tmp, 'pages');
  const rep = sipflow(['report', dir, '-r', '-o', pages, '-q']);
  assert.equal(rep.code, 0, rep.stderr);
  assert.deepEqual([readdirSync(pages).sort(), readdirSync(join(pages, 'late'))], [['b.html', 'late'], ['c.html']]);
  assert.equal(sipflow(['report', BUSY, CANCELLED, '-o', join(tmp, 'one.html')]).code, 64, 'two pages need a folder (or --merge)');
  assert.equal(sipflow(['report', BUSY, CANCELLED, '--merge', '-q', '-o', join(tmp, 'one.html')]).code, 0);

  const flow = join(tmp, 'both.flow.yaml');
  assert.equal(sipflow(['snapshot', BUSY, CANCELLED, '--merge', '-q', '-o', flow]).code, 0);
  assert.equal(sipflow(['snapshot', BUSY, CANCELLED]).code, 64, 'several captures need --merge');
  const check = sipflow(['check', BUSY, CANCELLED, '--merge', '--expect', flow]);
  assert.equal(check.code, 0, check.stdout + check.stderr);
  assert.match(check.stdout, /matches \(2 calls\)/);

  const ladder = sipflow(['ladder', BUSY, CANCELLED, '--all', '-w', '120']);
  assert.equal(ladder.code, 0, ladder.stderr);
  assert.match(ladder.stdout, /Call 1: .* CANCELLED[\s\S]*Call 2: .*BUSY/);
});
