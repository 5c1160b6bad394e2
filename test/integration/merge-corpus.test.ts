/**
 * --merge against mergecap: every capture of the reference corpus (and the
 * fixtures) is split with `editcap -c N` into three pieces; read together,
 * the pieces give
 *   - the frames of `mergecap -w` on the same pieces, in the same order,
 *     numbered alike (each frame's time, length and bytes compared);
 *   - the report of that mergecap output (frame numbers included);
 *   - the report of the unsplit capture, whenever merging by time keeps the
 *     capture's own order (a capture whose timestamps go backwards across a
 *     cut is reordered by mergecap too: then only the first two hold).
 * And through the command line: a folder of rotated pieces, named so that
 * their names do not sort in time order, analyzed with --merge, and a call
 * extracted from it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { analyze } from '../../src/analyze.js';
import type { Report } from '../../src/model.js';
import { allCaptures, corpusFiles, FIXTURES, short } from '../helpers/corpus.js';
import { frameKeys } from '../helpers/extract-check.js';
import { sipflow } from '../helpers/cli.js';

const tools = ['editcap', 'mergecap'].every((t) => spawnSync(t, ['-h'], { stdio: 'ignore' }).status === 0);
const skip = tools ? false : 'editcap/mergecap are not installed (apt-get install wireshark-common)';
const tmp = mkdtempSync(join(tmpdir(), 'sipflow-merge-'));
process.on('exit', () => rmSync(tmp, { recursive: true, force: true }));

/** The report without what names the files (and, against mergecap's pcapng, the container format). */
function comparable(r: Report, format = true): unknown {
  const { file: _f, files: _fs, ...rest } = r;
  return JSON.parse(JSON.stringify({
    ...rest,
    capture: { ...rest.capture, format: format ? rest.capture.format : undefined },
    // A reader's warning names the piece it is about; the network layer's carry merged frame numbers.
    warnings: rest.warnings.map((w) => ({ frame: w.frame, code: w.code })),
  }));
}

/** Split `file` into three pieces in a fresh folder; their paths in time order. */
function split(file: string, frames: number, dir: string): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const ext = /\.pcapng(\.gz)?$/.test(file) ? 'pcapng' : 'pcap';
  execFileSync('editcap', ['-c', String(Math.max(1, Math.ceil(frames / 3))), file, join(dir, `piece.${ext}`)], { stdio: 'ignore' });
  return readdirSync(dir).sort().map((f) => join(dir, f));
}

if (!corpusFiles().length) test('merge on the corpus: skipped (no corpus); fixtures only', { skip: 'reference corpus not found' }, () => {});

for (const file of allCaptures()) {
  test(`pieces of ${short(file)} read with --merge: mergecap's frames and numbering, the unsplit capture's report`, { skip }, async () => {
    const whole = await analyze(file);
    const dir = join(tmp, 'pieces');
    const pieces = split(file, whole.capture.frames, dir);
    const mergecapOut = join(tmp, 'mergecap.pcapng');
    execFileSync('mergecap', ['-w', mergecapOut, ...pieces], { stdio: 'ignore' });

    const ours = await frameKeys(pieces);
    assert.deepEqual(ours, await frameKeys(mergecapOut), 'frame by frame as mergecap -w orders and numbers them');
    const merged = await analyze(pieces);
    assert.equal(merged.capture.frames, whole.capture.frames);
    assert.deepEqual(comparable(merged, false), comparable(await analyze(mergecapOut), false), 'the report of the mergecap output');
    const inOrder = JSON.stringify(ours) === JSON.stringify(await frameKeys(file));
    // editcap writes pcapng pieces of a pcap: the container format is the one thing that may differ.
    if (inOrder) assert.deepEqual(comparable(merged, false), comparable(whole, false), 'the report of the unsplit capture');
    else assert.ok(pieces.length > 1, 'reordered only where timestamps go backwards across pieces');
  });
}

test('a folder of rotated files: --merge orders them by first frame, not by name; extract takes a call from all of them', { skip }, () => {
  const file = join(FIXTURES, 'call-completed.pcapng');
  const dir = join(tmp, 'rotated');
  const pieces = split(file, 313, dir);
  assert.equal(pieces.length, 3);
  // tcpdump -C style names, which sort out of time order: trace, trace1, trace10 -> here z, a, m.
  const names = ['z-trace.pcapng', 'a-trace.pcapng', 'm-trace.pcapng'];
  pieces.forEach((p, i) => renameSync(p, join(dir, names[i]!)));
  const a = sipflow(['analyze', dir, '--merge', '--json']);
  assert.equal(a.code, 0, a.stderr);
  const report = JSON.parse(a.stdout) as Report;
  assert.deepEqual(report.files!.map((f) => basename(f)), names, 'in order of their first frame');
  const whole = sipflow(['analyze', file, '--json']);
  assert.deepEqual(comparable(report, false), comparable(JSON.parse(whole.stdout) as Report, false));

  const s = sipflow(['analyze', dir, '--summary']);
  assert.equal(s.code, 0, s.stderr);
  assert.deepEqual(s.stdout.trim().split('\n').map((l) => basename(l.split(/\s+/)[0]!)), [...names, 'total'], 'one line per file, then the total');

  const out = join(tmp, 'rotated-call.pcapng');
  const e = sipflow(['extract', dir, '--call-id', 'fixture-completed-1', '-o', out]);
  assert.equal(e.code, 0, e.stderr);
  assert.match(e.stderr, /313 of 313 frames/);
});

test('editcap pieces of every fixture, through the command line: analyze --merge prints what the unsplit capture prints', { skip }, () => {
  for (const f of ['call-cancelled.pcapng', 'proxy-transfer.pcapng']) {
    const file = join(FIXTURES, f);
    const pieces = split(file, 30, join(tmp, `cli-${f}`));
    const merged = sipflow(['analyze', ...pieces, '--merge', '-a', '-e', '-q', '-w', '200']);
    const whole = sipflow(['analyze', file, '-a', '-e', '-q', '-w', '200']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(merged.stdout, whole.stdout, f);
  }
});
