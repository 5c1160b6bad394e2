/**
 * `sipflow report` end to end, as a user runs it: files written, exit codes,
 * filters, plots from the media stage, and the size budget on a capture of
 * 1 000 calls.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS, FIXTURES, ROOT, corpusSkip } from '../helpers/corpus.js';
import { writeSyntheticCapture } from '../../scripts/make-reports.js';
import { htmlReport } from '../../src/html-report.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const TRANSFER = join(CORPUS, 'mtaa', 'Z1_transfercall.pcapng');
const DECLINE = join(CORPUS, 'mtaa', 'Z1_decline.pcapng');
const COMPLETED = join(FIXTURES, 'call-completed.pcapng');

function run(args: string[], cwd = ROOT): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The per-call JSON blocks of a page. */
function payloads(html: string): { call: { index: number; state: string }; msgs: { x?: string; cut?: number }[]; series: { t: number[] }[]; streams: unknown[]; notes: string[] }[] {
  return [...html.matchAll(/<script type="application\/json" id="d-\d+">([\s\S]*?)<\/script>/g)].map((m) => JSON.parse(m[1]!));
}

test('report writes one HTML file and says what it wrote', { skip: corpusSkip() }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-html-'));
  try {
    const out = join(dir, 'sub', 'transfer.html');
    const r = run(['report', TRANSFER, '-o', out]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /transfer\.html: \d+ KiB, 2 dialogs, 2 RTP streams/);
    const html = readFileSync(out, 'utf8');
    assert.ok(html.startsWith('<!DOCTYPE html>'));
    const p = payloads(html);
    assert.equal(p.length, 2);
    assert.ok(p[0]!.msgs.every((m) => typeof m.x === 'string' && m.x.length > 0), 'every message keeps its text');
    assert.ok(p[0]!.msgs[0]!.x!.startsWith('INVITE sip:'));
    assert.ok(p[0]!.series.length > 0 && p[0]!.series[0]!.t.length > 10, 'plot series from the media stage');
    // The default output name, in the current directory.
    const d = run(['report', DECLINE, '-q'], dir);
    assert.equal(d.code, 0, d.stderr);
    assert.equal(d.stderr, '');
    assert.ok(existsSync(join(dir, 'Z1_decline.html')));
    // Standard output.
    const s = run(['report', DECLINE, '-o', '-', '-q']);
    assert.equal(s.code, 0);
    assert.ok(s.stdout.startsWith('<!DOCTYPE html>') && s.stdout.trimEnd().endsWith('</html>'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report: filters, --all and --no-plots', { skip: corpusSkip() }, () => {
  const rej = run(['report', TRANSFER, '-o', '-', '-q', '--state', 'rejected']);
  assert.equal(rej.code, 0, rej.stderr);
  assert.equal(payloads(rej.stdout).length, 0);
  assert.match(rej.stdout, /Filtered \(state &quot;rejected&quot;\): 0 of 2 dialogs shown/);
  const done = run(['report', TRANSFER, '-o', '-', '-q', '--from', 'mobillin', '--to', 'tablet']);
  assert.deepEqual(payloads(done.stdout).map((p) => p.call.index), [2]);
  const noPlots = run(['report', TRANSFER, '-o', '-', '-q', '--no-plots']);
  assert.ok(payloads(noPlots.stdout).every((p) => p.series.length === 0));
  const reg = join(CORPUS, 'mtaa', 'Z1_register.pcapng');
  const a = payloads(run(['report', reg, '-o', '-', '-q', '--all']).stdout);
  assert.ok(a.length >= 1);
});

test('report: unusable input and bad options exit with one clear line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-html-'));
  try {
    const junk = join(dir, 'notes.txt');
    writeFileSync(junk, 'this is not a capture\n'.repeat(10));
    const r = run(['report', junk, '-o', join(dir, 'x.html')]);
    assert.equal(r.code, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /notes\.txt/);
    assert.ok(!existsSync(join(dir, 'x.html')), 'nothing written');
    const missing = run(['report', join(dir, 'missing.pcap')]);
    assert.equal(missing.code, 2);
    assert.equal(run(['report', junk, '--max-size', '0']).code, 64);
    assert.equal(run(['report', junk, '--alias', 'nonsense']).code, 64);
    assert.equal(run(['report']).code, 64);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('report of the project fixture: streams, plots and events of a completed call', { skip: existsSync(COMPLETED) ? false : 'fixtures/call-completed.pcapng missing' }, () => {
  const r = run(['report', COMPLETED, '-o', '-', '-q']);
  assert.equal(r.code, 0, r.stderr);
  const [p] = payloads(r.stdout);
  assert.ok(p);
  assert.equal(p.streams.length, 2);
  assert.equal(p.series.length, 2);
  for (const s of p.series) assert.ok(s.t.length > 100 && s.t.length <= 500);
});

test('1 000 calls: the page stays within its budget and every call has its section', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-html-'));
  try {
    const cap = join(dir, 'synthetic-1000.pcapng');
    writeSyntheticCapture(cap, 1000, 10);
    const media = { heuristic: false };
    const t = performance.now();
    const r = await htmlReport(cap, { media, generated: null });
    const ms = performance.now() - t;
    assert.equal(r.stats.calls, 1000);
    assert.equal(r.stats.cutCalls, 0, 'the default budget (48 MiB) fits 1 000 simple calls whole');
    const p = payloads(r.html);
    assert.equal(p.length, 1000);
    assert.deepEqual(new Set(p.map((x) => x.call.state)), new Set(['COMPLETED', 'REJECTED', 'CANCELLED']));
    process.stdout.write(`# 1000 calls: ${(r.stats.bytes / 1048576).toFixed(1)} MiB, ${r.stats.meanCallBytes} B/call, ${ms.toFixed(0)} ms\n`);
    // A tight budget is enforced: every call within it, the page within the total, cuts noted.
    const maxBytes = 12 * 1048576;
    const tight = await htmlReport(cap, { media, maxBytes, generated: null });
    assert.ok(tight.stats.bytes <= maxBytes, `page ${tight.stats.bytes} bytes for a budget of ${maxBytes}`);
    assert.ok(tight.stats.maxCallBytes <= tight.stats.callBudget * 1.02, `largest call ${tight.stats.maxCallBytes} > budget ${tight.stats.callBudget}`);
    assert.ok(tight.stats.cutCalls > 0);
    const cut = payloads(tight.html).find((x) => x.notes.length)!;
    assert.ok(cut.notes.some((n) => /fit the size budget|plots reduced/.test(n)), cut.notes.join('; '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
