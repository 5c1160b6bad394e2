/**
 * Ladders of real captures: text and Mermaid compared with reviewed expected
 * files (test/expected/ladder/), the SIP rows of Z1 ladders compared row for
 * row with Wireshark's own flow (`tshark -z flow,any,network`), and the
 * `sipflow ladder` command end to end (files, names, exit codes, PNG/PDF).
 *
 * UPDATE_EXPECTED=1 rewrites the expected files (review the diff!).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { tmpdir } from 'node:os';
import { color } from '../../src/render/color.js';
import { XMLValidator } from 'fast-xml-parser';
import { analyze } from '../../src/analyze.js';
import { buildLadder, findChromium, renderLadderSvg, renderLadderText, renderMarkdown, renderMermaid, type Ladder, type LadderOptions } from '../../src/render/ladder/index.js';
import { CORPUS, ROOT, corpusSkip, tshark, tsharkSkip } from '../helpers/corpus.js';

color.level = 0;

const EXPECTED = join(ROOT, 'test', 'expected', 'ladder');
const DECLINE = join(CORPUS, 'mtaa', 'Z1_decline.pcapng');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');
const update = !!process.env.UPDATE_EXPECTED;
const declineSkip = corpusSkip() || (existsSync(DECLINE) ? false : `${DECLINE} not found`);

function compare(name: string, actual: string): void {
  const path = join(EXPECTED, name);
  if (update || !existsSync(path)) {
    if (!update) assert.fail(`expected file ${path} is missing (run with UPDATE_EXPECTED=1 and review it)`);
    mkdirSync(EXPECTED, { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  assert.equal(actual, readFileSync(path, 'utf8'), `output differs from ${path}`);
}

const ALIASES: LadderOptions['aliases'] = { '192.168.1.14:5060': 'proxy', '192.168.1.15': 'mobillin', '192.168.1.19': 'tablet', '192.168.1.14': 'linPC' };

/** Captures with expected ladders: the decline scenario, and the project's fixtures when there are any. */
function cases(): { name: string; file: string }[] {
  const out = existsSync(DECLINE) ? [{ name: 'Z1_decline', file: DECLINE }] : [];
  const fx = join(ROOT, 'fixtures');
  if (existsSync(fx)) {
    for (const f of readdirSync(fx).sort()) {
      if (/\.(pcap|pcapng)(\.gz)?$/.test(f) && existsSync(join(EXPECTED, `fixture-${f.replace(/\.(pcap|pcapng)(\.gz)?$/, '')}.txt`))) {
        out.push({ name: `fixture-${f.replace(/\.(pcap|pcapng)(\.gz)?$/, '')}`, file: join(fx, f) });
      }
    }
  }
  return out;
}

test('text and Mermaid ladders match the reviewed expected files', { skip: declineSkip }, async () => {
  for (const { name, file } of cases()) {
    const report = await analyze(file);
    report.file = basename(file);
    const calls = report.calls;
    const plain = calls.map((c) => buildLadder(report, [c]));
    compare(`${name}.txt`, plain.map((l) => renderLadderText(l, { ascii: true })).join('\n'));
    compare(`${name}.unicode.txt`, plain.map((l) => renderLadderText(l, {})).join('\n'));
    compare(`${name}.mmd`, plain.map((l) => renderMermaid(l)).join('\n'));
    const named: Ladder[] = calls.map((c) => buildLadder(report, [c], { aliases: ALIASES, order: ['mobillin', 'proxy'] }));
    compare(`${name}.alias.txt`, named.map((l) => renderLadderText(l, { width: 72 })).join('\n'));
    compare(`${name}.alias.md`, named.map((l) => renderMarkdown(l)).join('\n'));
    for (const l of [...plain, ...named]) assert.equal(XMLValidator.validate(renderLadderSvg(l)), true);
  }
});

interface FlowRow { time: string; label: string; from: string; to: string }

/**
 * The SIP rows of `tshark -q -z flow,any,network`: time, label (from the
 * comment: "Request: INVITE sip:..." -> INVITE, "Status: 180 Ringing" ->
 * "180 Ringing", "SIP/SDP" -> " (SDP)") and the ports at the arrow's ends
 * ("(39858) ---> (5060)"): the flow draws a message between two ports of one
 * host towards the next column, so its node columns cannot name both hosts.
 */
function tsharkFlow(file: string): FlowRow[] {
  const lines = tshark(['-q', '-r', file, '-z', 'flow,any,network']);
  const h = lines.findIndex((l) => l.startsWith('|Time'));
  const rows: FlowRow[] = [];
  for (let i = h + 2; i + 1 < lines.length; i += 2) {
    const top = lines[i]!;
    // The comment column follows the last node column; the arrow's own text may contain '|'.
    const c = /\|(SIP(\/[A-Za-z]+)?: .*)$/.exec(top);
    const m = /^\|(\d+\.\d+)/.exec(top);
    if (!m || !c) continue;
    const comment = c[1]!;
    const sdp = comment.startsWith('SIP/SDP');
    // Info column extras that the flow label has not: "(REGISTER)" after a status, "(1 binding)".
    const what = comment.replace(/^SIP(\/[A-Za-z]+)?: /, '').replace(/\s*\|\s*$/, '').replace(/\s+\(\d+ bindings?\)$/, '');
    const label = what.startsWith('Request: ') ? what.slice(9).split(' ')[0]! : what.replace(/^Status: /, '').replace(/ \([A-Z]+\)$/, '');
    const arrow = lines[i + 1]!;
    const ports = [...arrow.matchAll(/\((\d+)\)/g)].map((p) => p[1]!);
    const toRight = arrow.includes('->');
    rows.push({ time: m[1]!, label: label + (sdp ? ' (SDP)' : ''), from: toRight ? ports[0]! : ports[1]!, to: toRight ? ports[1]! : ports[0]! });
  }
  return rows;
}

const portOf = (ep: string) => ep.slice(ep.lastIndexOf(':') + 1);

/** The SIP rows of sipflow's text ladder, parsed back from the text (lifelines at x). */
function ladderRows(text: string, participants: string[], x: number[]): FlowRow[] {
  const rows: FlowRow[] = [];
  for (const line of text.split('\n')) {
    // Margin: [call] frame time [delta] (the first row has no delta).
    const m = /^ *(?:\d+ +)?(\d+) +(\d+\.\d+) +(?:[+-]\d+\.\d{3})?  /.exec(line);
    if (!m) continue;
    const a = line.indexOf('├');
    const b = line.indexOf('┤');
    const head = line.indexOf('▶') >= 0 ? line.indexOf('▶') + 1 : line.indexOf('◀') - 1;
    const tail = a >= 0 ? a : b;
    // Wireshark's flow does not mark retransmissions; the label is the same.
    const label = line.slice(Math.min(tail, head) + 1, Math.max(tail, head)).replace(/[─┄│▶◀]/g, ' ').trim().replace(/ \(retx\)$/, '');
    rows.push({ time: m[2]!, label, from: portOf(participants[x.indexOf(tail)]!), to: portOf(participants[x.indexOf(head)]!) });
  }
  return rows;
}

test('Z1 ladders match Wireshark\'s flow row for row on the SIP messages', { skip: tsharkSkip() }, async (t) => {
  const files = readdirSync(join(CORPUS, 'mtaa')).filter((f) => /^Z1_.*\.pcapng$/.test(f)).sort();
  assert.ok(files.includes('Z1_decline.pcapng'));
  for (const f of files) {
    await t.test(f, async () => {
      const file = join(CORPUS, 'mtaa', f);
      const report = await analyze(file);
      const ladder = buildLadder(report, report.calls, {});
      const text = renderLadderText(ladder, { caption: false });
      // Lifeline positions: the '│' / '┬' columns of the rule line under the header.
      const rule = text.split('\n').find((l) => l.startsWith('──'))!;
      const x = [...rule].map((c, i) => (c === '│' ? i : -1)).filter((i) => i >= 0);
      const ours = ladderRows(text, ladder.participants.map((p) => p.key), x);
      const theirs = tsharkFlow(file);
      assert.equal(ours.length, theirs.length, `${f}: ${ours.length} SIP rows, tshark has ${theirs.length}`);
      for (let i = 0; i < theirs.length; i++) {
        assert.deepEqual(ours[i], theirs[i], `${f} row ${i + 1}`);
      }
    });
  }
});

function cli(args: string[], env: Record<string, string> = {}): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('sipflow ladder: formats, files per call, exit codes', { skip: corpusSkip() || (existsSync(join(CORPUS, 'mtaa', 'Z1_conferencecall.pcapng')) ? false : 'Z1_conferencecall.pcapng not found') }, () => {
  const conf = join(CORPUS, 'mtaa', 'Z1_conferencecall.pcapng');
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-ladder-'));
  try {
    // Text to a pipe: no colour, no clipping.
    const txt = cli(['ladder', DECLINE, '--ascii']);
    assert.equal(txt.code, 0, txt.err);
    assert.doesNotMatch(txt.out, /\x1b/);
    assert.match(txt.out, /\|<-+ 603 Decline -+\|/);
    // Several calls as SVG: one file per call in the -o directory.
    const svg = cli(['ladder', conf, '--all', '-f', 'svg', '-o', join(dir, 'svg')]);
    assert.equal(svg.code, 0, svg.err);
    const names = readdirSync(join(dir, 'svg')).sort();
    assert.deepEqual(names, ['1-TRyMpRDAkd.svg', '2-JS5NYDPiXl.svg', '3-RbOsuupei2.svg', '4-ifjYdoNy2u.svg']);
    for (const n of names) assert.equal(XMLValidator.validate(readFileSync(join(dir, 'svg', n), 'utf8')), true);
    assert.equal(svg.out.trim().split('\n').length, 4);
    // --merge: one diagram.
    const merged = cli(['ladder', conf, '--all', '--combine', '-f', 'mermaid', '--call', '1,2']);
    assert.equal(merged.code, 0, merged.err);
    assert.match(merged.out, /\(call 2\) INVITE/);
    // Several SVGs to standard output would not be one document.
    const many = cli(['ladder', conf, '-f', 'svg']);
    assert.equal(many.code, 64);
    assert.match(many.err, /^sipflow: 2 diagrams: give -o DIR/);
    // Unknown call.
    const none = cli(['ladder', DECLINE, '--call', '9']);
    assert.equal(none.code, 64);
    assert.equal(none.err.trim().split('\n').length, 1);
    assert.match(none.err, /no call 9 .* its dialogs: 1 \(call\)/);
    // No browser: one line saying what to install, non-zero exit.
    const nob = cli(['ladder', DECLINE, '-f', 'png', '-o', join(dir, 'x.png')], { SIPFLOW_CHROMIUM: '/nonexistent/chromium' });
    assert.equal(nob.code, 69);
    assert.equal(nob.err.trim().split('\n').length, 1, nob.err);
    assert.match(nob.err, /apt-get install chromium/);
    assert.doesNotMatch(nob.err, /at .*\.js:\d+/);
    // Not a capture.
    const bad = join(dir, 'bad.pcap');
    writeFileSync(bad, 'hello');
    assert.equal(cli(['ladder', bad]).code, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const chromiumSkip = declineSkip || (findChromium() ? false : 'Chromium is not installed (apt-get install chromium)');

test('PNG and PDF through one browser', { skip: chromiumSkip, timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-png-'));
  try {
    const conf = join(CORPUS, 'mtaa', 'Z1_conferencecall.pcapng');
    const png = cli(['ladder', existsSync(conf) ? conf : DECLINE, '--all', '-f', 'png', '-o', join(dir, 'png') + '/']);
    assert.equal(png.code, 0, png.err);
    for (const f of readdirSync(join(dir, 'png'))) {
      const b = readFileSync(join(dir, 'png', f));
      assert.equal(b.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', `${f} is a PNG`);
      const w = b.readUInt32BE(16);
      const h = b.readUInt32BE(20);
      assert.ok(w > 600 && h > 300, `${f}: ${w}x${h}`);
    }
    const pdf = cli(['ladder', DECLINE, '-f', 'pdf', '-o', join(dir, 'd.pdf')]);
    assert.equal(pdf.code, 0, pdf.err);
    assert.equal(readFileSync(join(dir, 'd.pdf')).subarray(0, 5).toString(), '%PDF-');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Pages of a PDF Chromium wrote (its page objects), and its document title. */
function pdfFacts(b: Buffer): { pages: number; title: string | null; boxes: string[] } {
  const s = b.toString('latin1');
  const pages = (s.match(/\/Type\s*\/Page(?!s)/g) ?? []).length;
  // A literal string, or UTF-16BE in hex (<FEFF...>) when the title is not ASCII.
  const lit = /\/Title\s*\(([^)]*)\)/.exec(s)?.[1];
  const hex = /\/Title\s*<([0-9A-Fa-f]+)>/.exec(s)?.[1];
  const title = lit ?? (hex ? Buffer.from(hex.replace(/^feff/i, ''), 'hex').swap16().toString('utf16le') : null);
  return { pages, title, boxes: [...s.matchAll(/\/MediaBox\s*\[([^\]]*)\]/g)].map((m) => m[1]!.trim()) };
}

test('PDF: a long diagram is paginated between rows, each page A4-proportioned, the title set', { skip: chromiumSkip, timeout: 120_000 }, () => {
  const transfer = join(CORPUS, 'mtaa', 'Z1_transfercall.pcapng');
  const dir = mkdtempSync(join(tmpdir(), 'sipflow-pdf-'));
  try {
    const short = cli(['ladder', DECLINE, '-f', 'pdf', '-o', join(dir, 'd.pdf')]);
    assert.equal(short.code, 0, short.err);
    const d = pdfFacts(readFileSync(join(dir, 'd.pdf')));
    assert.equal(d.pages, 1, 'a short diagram is one page of its own size');
    assert.match(d.title ?? '', /^Call 1: sip:mobillin@192\.168\.1\.14 .* DECLINED \(REJECTED\)$/);
    const long = cli(['ladder', existsSync(transfer) ? transfer : DECLINE, '--all', '--combine', '--rtp', '-f', 'pdf', '-o', join(dir, 't.pdf')]);
    assert.equal(long.code, 0, long.err);
    const t = pdfFacts(readFileSync(join(dir, 't.pdf')));
    if (!existsSync(transfer)) return;
    assert.ok(t.pages >= 2, `${t.pages} pages`);
    assert.equal(t.title, '2 dialogs: 1 COMPLETED, 2 COMPLETED');
    // Every page the same A4-like size (height ~ 1.414 x width).
    const [w, h] = t.boxes[0]!.split(/\s+/).slice(2).map(Number);
    assert.ok(Math.abs(h! / w! - 1.414) < 0.02, `page ${w} x ${h}`);
    assert.ok(t.boxes.every((b) => b === t.boxes[0]), t.boxes.join(' | '));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const VIDEO = join(CORPUS, 'mtaa', 'Z1_videocall.pcapng');

test('Z1_videocall --rtp: media on its host\'s lifeline (the SDP announcer\'s), no port columns', { skip: corpusSkip() || (existsSync(VIDEO) ? false : `${VIDEO} not found`) }, async () => {
  const report = await analyze(VIDEO, { media: { heuristic: false } });
  const call = report.calls.find((c) => c.kind === 'call')!;
  const l = buildLadder(report, [call], { rtp: true });
  const keys = l.participants.map((p) => p.key);
  // SIP columns are host:port; 192.168.1.14 has two (the proxy's 5060, linPC's 63033): no media port gets a column.
  assert.deepEqual(keys, ['192.168.1.15:39858', '192.168.1.14:5060', '192.168.1.14:63033', '91.127.224.214']);
  const span = (src: string, dst: string) => {
    const s = report.rtpStreams.find((x) => x.src === src && x.dst === dst)!;
    const r = l.rows.find((x) => x.kind === 'rtp' && x.stream === s.index)!;
    return [keys[r.from], keys[r.to]];
  };
  // 192.168.1.15:7078 -> 192.168.1.14:7078 starts on 192.168.1.15's lifeline and ends on linPC's, which announced 7078 in its 200 OK.
  assert.deepEqual(span('192.168.1.15:7078', '192.168.1.14:7078'), ['192.168.1.15:39858', '192.168.1.14:63033']);
  assert.deepEqual(span('192.168.1.14:9078', '192.168.1.15:9078'), ['192.168.1.14:63033', '192.168.1.15:39858']);
  // A media host that sent no SIP: one column named by the host.
  assert.deepEqual(span('192.168.1.14:7078', '91.127.224.214:7078'), ['192.168.1.14:63033', '91.127.224.214']);
  // The text ladder's Delta column and --rows time on this multi-interface capture (timestamps go backwards in frame order).
  const text = renderLadderText(l, { caption: false });
  assert.match(text, /^Frame +Time +Delta /m);
  assert.match(text, /^ +4 +0\.001199 -0\.019 /m);
  const byTime = buildLadder(report, [call], { rows: 'time' });
  const times = byTime.rows.map((r) => r.time);
  assert.deepEqual(times, [...times].sort((a, b) => a - b));
  const cmd = cli(['ladder', VIDEO, '--rows', 'time', '--order', 'nosuch']);
  assert.equal(cmd.code, 64);
  assert.match(cmd.err, /--order: no column "nosuch"; the columns: 192\.168\.1\.15:39858/);
});
