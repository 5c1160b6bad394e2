/**
 * What `sipflow analyze` looks like at 80, 100, 120 and 200 columns, kept as
 * reviewed expected outputs (test/expected/terminal/): the narrow layout
 * drops and merges columns in its documented order and says which are
 * hidden, stream endpoints wrap instead of being cut, and no line is wider
 * than the terminal. One run in a real terminal (tmux, where installed)
 * checks that the width is taken from the terminal itself and that the
 * colours on a TTY change nothing but colour.
 * SIPFLOW_UPDATE_SNAPSHOTS=1 rewrites the expected files (review the diff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, ROOT, corpusSkip } from '../helpers/corpus.js';
import { CLI, sipflow } from '../helpers/cli.js';
import { displayWidth } from '../../src/render/terminal.js';

const EXPECTED = join(ROOT, 'test', 'expected', 'terminal');
const UPDATE = process.env.SIPFLOW_UPDATE_SNAPSHOTS === '1';
const CAPTURES: [string, string, string[]][] = [
  ['transfercall', 'mtaa/Z1_transfercall.pcapng', []],
  ['transfercall-all', 'mtaa/Z1_transfercall.pcapng', ['-a']],
  ['aaa', 'sngrep/aaa.pcap', []],
  ['aaa-all', 'sngrep/aaa.pcap', ['-a']],
];
const WIDTHS = [80, 100, 120, 200];

/**
 * The output for a capture named relative to the corpus folder (run from there), so
 * the header — whose wrapping depends on the length of the path — reads the same
 * wherever the corpus is.
 */
function analyzeAt(rel: string, width: number, extra: string[]): string {
  const r = sipflow(['analyze', rel, '-w', String(width), ...extra], { cwd: CORPUS });
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

for (const [name, rel, extra] of CAPTURES) {
  for (const width of WIDTHS) {
    test(`analyze ${rel} ${extra.join(' ')} at ${width} columns`, { skip: corpusSkip() }, () => {
      const out = analyzeAt(rel, width, extra);
      for (const line of out.split('\n')) assert.ok(displayWidth(line) <= width, `wider than ${width}: ${line}`);
      const file = join(EXPECTED, `${name}-${width}.txt`);
      if (UPDATE || !existsSync(file)) {
        mkdirSync(EXPECTED, { recursive: true });
        writeFileSync(file, out);
        if (!UPDATE) assert.fail(`${file} did not exist: written now, review and commit it`);
      }
      assert.equal(out, readFileSync(file, 'utf8'));
    });
  }
}

test('the narrow layout says what it hid, and keeps #, From, To and the outcome', { skip: corpusSkip() }, () => {
  const out = analyzeAt('sngrep/aaa.pcap', 80, ['-a']);
  assert.match(out, /│ # │ +Start │ From +│ To +│ Outcome \(State\) +│/);
  assert.match(out, /FAILED \(REJECTED\)/, 'state shown beside the outcome when they differ');
  assert.match(out.replace(/\n(?=[^\n│┌└├!])/g, ' '), /\(80 columns: Comment, RTP, Codec, Pkts, Kind, Dur not shown; -w 200 shows them, --csv and --json have every field\)/);
  const wide = analyzeAt('sngrep/aaa.pcap', 200, ['-a']);
  assert.doesNotMatch(wide, /not shown/, 'nothing hidden at 200 columns');
  assert.match(wide, /│ Kind +│ State +│ Outcome +│/);
});

test('in a real terminal (tmux) the table fits the terminal and matches the -w output but for colour', { skip: corpusSkip() || (spawnSync('tmux', ['-V']).status === 0 ? false : 'tmux is not installed (apt-get install tmux)') }, () => {
  const session = `sipflow-snap-${process.pid}`;
  const file = join(CORPUS, 'mtaa/Z1_transfercall.pcapng');
  const tmux = (...a: string[]) => spawnSync('tmux', ['-L', session, ...a], { encoding: 'utf8' });
  try {
    // A shell-less pane (FORCE_COLOR and CI unset: the colours must come from the terminal alone) running sipflow directly, kept open after it exits so the screen can be read.
    const started = tmux('new-session', '-d', '-x', '80', '-y', '50', '-s', session,
      `env -u NO_COLOR -u CI -u FORCE_COLOR TERM=xterm-256color ${process.execPath} ${CLI} analyze ${file}; tmux -L ${session} wait-for -S done; sleep 30`);
    assert.equal(started.status, 0, started.stderr);
    tmux('wait-for', 'done');
    const screen = tmux('capture-pane', '-p', '-t', session).stdout;
    const plain = sipflow(['analyze', file, '-w', '80']).stdout;
    const rows = (s: string) => s.split('\n').map((l) => l.trimEnd()).filter(Boolean);
    assert.deepEqual(rows(screen), rows(plain));
    const ansi = tmux('capture-pane', '-p', '-e', '-t', session).stdout;
    assert.match(ansi, /\u001b\[[0-9;]*m/, 'colours on a terminal');
  } finally {
    tmux('kill-server');
  }
});
