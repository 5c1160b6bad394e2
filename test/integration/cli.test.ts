/** The command line as a user meets it: help, version, exit codes, errors, output modes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { sipflow } from '../helpers/cli.js';
import { CORPUS, corpusSkip } from '../helpers/corpus.js';

const tmp = mkdtempSync(join(tmpdir(), 'sipflow-cli-'));
const DECLINE = join(CORPUS, 'mtaa', 'Z1_decline.pcapng');
const FULL = join(CORPUS, 'mtaa', 'Z1_fullcall.pcapng');
const REGISTER = join(CORPUS, 'mtaa', 'Z1_register.pcapng');
const skip = corpusSkip();

test('--help lists the commands and examples; --version prints the version', () => {
  const h = sipflow(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.stdout, /analyze/);
  assert.match(h.stdout, /capinfo/);
  assert.match(h.stdout, /Exit codes/);
  const a = sipflow(['analyze', '--help']);
  assert.equal(a.code, 0);
  assert.match(a.stdout, /Examples:/);
  assert.match(a.stdout, /--call-id/);
  const v = sipflow(['--version']);
  assert.equal(v.code, 0);
  assert.match(v.stdout.trim(), /^\d+\.\d+\.\d+$/);
});

test('usage errors exit 64 with a hint, not a stack trace', () => {
  const r = sipflow(['analyze']);
  assert.equal(r.code, 64);
  assert.match(r.stderr, /missing required argument/);
  assert.doesNotMatch(r.stderr, /at .*\.js:\d+/);
  assert.equal(sipflow(['frobnicate']).code, 64);
});

test('a file that is not a capture exits 2 with one line naming it and the formats', () => {
  const f = join(tmp, 'notes.txt');
  writeFileSync(f, 'hello, this is not a capture\n');
  const r = sipflow(['analyze', f]);
  assert.equal(r.code, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /notes\.txt/);
  assert.match(lines[0]!, /pcap or pcapng/);
  const missing = sipflow(['analyze', join(tmp, 'nope.pcap')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /nope\.pcap: cannot open \(no such file\)/);
  const empty = join(tmp, 'empty.pcap');
  writeFileSync(empty, '');
  assert.equal(sipflow(['analyze', empty]).code, 2);
});

test('table, quiet, no colour, CSV', { skip }, () => {
  const r = sipflow(['analyze', DECLINE, '--no-color', '-w', '200']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /Z1_decline\.pcapng {2}· {2}pcapng {2}· {2}16 frames/);
  assert.match(r.stdout, /REJECTED/);
  assert.match(r.stdout, /DECLINED/);
  assert.match(r.stdout, /INVITE 603/);
  assert.doesNotMatch(r.stdout, /\x1b\[/, 'no ANSI escapes');
  const colored = sipflow(['analyze', DECLINE, '-w', '200'], { env: { FORCE_COLOR: '1' } });
  assert.match(colored.stdout, /\x1b\[/, 'FORCE_COLOR gives colours');
  const nocolor = sipflow(['analyze', DECLINE, '-w', '200'], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } });
  assert.doesNotMatch(nocolor.stdout, /\x1b\[/, 'NO_COLOR wins');
  const q = sipflow(['analyze', DECLINE, '--quiet']);
  assert.ok(q.stdout.startsWith('┌'), 'quiet prints only the table');
  const csv = sipflow(['analyze', FULL, '--csv']);
  const rows = csv.stdout.trim().split('\r\n');
  assert.equal(rows[0]!.split(',')[0], 'index');
  assert.equal(rows.length, 1 + 4, 'CSV has every dialog');
});

test('--all adds non-INVITE dialogs; a capture without INVITE shows them anyway', { skip }, () => {
  const plain = sipflow(['analyze', FULL, '--no-color', '-w', '200']);
  const all = sipflow(['analyze', FULL, '--no-color', '--all', '-w', '200']);
  const count = (s: string) => s.split('RTP streams')[0]!.split('\n').filter((l) => /^│ +\d+ │/.test(l)).length;
  assert.equal(count(plain.stdout), 1);
  assert.equal(count(all.stdout), 4);
  assert.match(all.stdout, /registration/);
  const reg = sipflow(['analyze', REGISTER, '--no-color', '-w', '200']);
  assert.ok(count(reg.stdout) >= 1, 'registrations shown when there is no INVITE');
});

test('the table fits the requested width', { skip }, () => {
  for (const w of [80, 100, 140]) {
    const r = sipflow(['analyze', FULL, '--no-color', '--all', '-w', String(w)]);
    for (const line of r.stdout.split('\n').filter((l) => /^[┌│└├]/.test(l))) {
      assert.ok([...line].length <= w, `line of ${[...line].length} > ${w}: ${line}`);
    }
  }
});

test('filters apply to table and JSON', { skip }, () => {
  const j = JSON.parse(sipflow(['analyze', FULL, '--json', '--state', 'completed']).stdout);
  assert.deepEqual(j.calls.map((c: { index: number }) => c.index), [4]);
  const f = JSON.parse(sipflow(['analyze', FULL, '--json', '--from', 'LINPC']).stdout);
  assert.ok(f.calls.length >= 1 && f.calls.every((c: { from: string; fromDisplay: string | null }) => /linpc/i.test(c.from + c.fromDisplay)));
  const none = JSON.parse(sipflow(['analyze', FULL, '--json', '--call-id', 'no-such-call']).stdout);
  assert.equal(none.calls.length, 0);
});

test('several files, standard input and gzip give the same calls', { skip }, () => {
  const one = JSON.parse(sipflow(['analyze', DECLINE, '--json']).stdout);
  const gz = join(tmp, 'decline.pcapng.gz');
  writeFileSync(gz, gzipSync(readFileSync(DECLINE)));
  const fromGz = JSON.parse(sipflow(['analyze', gz, '--json']).stdout);
  assert.deepEqual(fromGz.calls, one.calls);
  const fromStdin = JSON.parse(sipflow(['analyze', '-', '--json'], { input: readFileSync(DECLINE) }).stdout);
  assert.deepEqual(fromStdin.calls, one.calls);
  const both = JSON.parse(sipflow(['analyze', DECLINE, FULL, '--json']).stdout);
  assert.equal(both.length, 2);
  assert.equal(both[1].calls.length, 4);
});

test('capinfo reports format, link types, fragments and truncation', { skip }, () => {
  const r = JSON.parse(sipflow(['capinfo', DECLINE, '--json']).stdout);
  assert.equal(r.format, 'pcapng');
  assert.equal(r.frames, 16);
  assert.deepEqual(r.linkTypes, ['Ethernet', 'NULL/Loopback']);
  assert.equal(r.net.reassembled, 2);
  assert.equal(r.truncated, false);
  const cut = join(tmp, 'cut.pcapng');
  const bytes = readFileSync(DECLINE);
  writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)));
  const t = sipflow(['capinfo', cut, '--json']);
  assert.equal(t.code, 0);
  const tj = JSON.parse(t.stdout);
  assert.equal(tj.truncated, true);
  assert.ok(tj.frames < 16 && tj.frames > 0);
  assert.match(tj.warnings[0].message, /cut short at byte \d+/);
  const an = JSON.parse(sipflow(['analyze', cut, '--json']).stdout);
  assert.equal(an.capture.truncated, true);
  assert.ok(an.warnings.some((w: { code: string }) => w.code === 'truncated'));
});
