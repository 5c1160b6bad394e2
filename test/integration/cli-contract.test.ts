/**
 * The command-line contract, for every command: an enumerated or numeric
 * option with a bad value exits 64 with one line that names what is accepted
 * (checked before any capture is read), and the state/outcome/kind words are
 * one vocabulary: what the table prints, --state/--outcome/--kind accept, and
 * CSV, JSON and HTML spell the same way.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { glob } from '../../src/cli/inputs.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, sipflow } from '../helpers/cli.js';
import { shellQuote, Tmux, tmuxSkip } from '../helpers/pty.js';
import { ROOT } from '../helpers/corpus.js';
import { CALL_KINDS, CALL_STATES, OUTCOMES } from '../../src/filter.js';
import type { Report } from '../../src/model.js';
import { MemorySink, PcapWriter } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import { CALLEE, CALLER, rtpPackets } from '../helpers/rtp-capture.js';

const FIX = 'fixtures/call-completed.pcapng';
const tmp = mkdtempSync(join(tmpdir(), 'sipflow-contract-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** [command line, what the message must name]. The capture exists: the value alone is wrong. */
const BAD: [string[], RegExp][] = [
  [['analyze', FIX, '--state', 'bogus'], /--state "bogus": bogus is not one of the states or outcomes.*call-setup.*in-call.*one-way-audio/],
  [['analyze', FIX, '--outcome', 'happy'], /--outcome "happy".*busy.*declined/],
  [['analyze', FIX, '--kind', 'chat'], /--kind "chat".*registration.*options/],
  [['analyze', FIX, '--call', 'x'], /--call "x": expected call numbers .* N, N,M or N-M/],
  [['analyze', FIX, '-w', 'abc'], /--width <cols>' argument 'abc' is invalid\. expected terminal columns: a whole number from 40 to 10000/],
  [['analyze', FIX, '-w', '10'], /from 40 to 10000/],
  [['analyze', FIX, '--jobs', '0'], /--jobs <n>' argument '0' is invalid.*from 1 to 64/],
  [['ladder', FIX, '--state', 'bogus'], /--state "bogus".*in-call/],
  [['ladder', FIX, '-f', 'gif'], /Allowed choices are text, mermaid, md, svg, png, pdf/],
  [['ladder', FIX, '--by', 'phone'], /Allowed choices are port, host/],
  [['ladder', FIX, '-w', 'abc'], /whole number/],
  [['ladder', FIX, '--scale', '0'], /--scale.*(between|above|from) 0/],
  [['ladder', FIX, '--order', 'nosuch'], /--order.*nosuch/],
  [['report', FIX, '--state', 'bogus', '-o', join(tmp, 'r.html')], /--state "bogus".*in-call/],
  [['report', FIX, '--max-size', 'big', '-o', join(tmp, 'r.html')], /--max-size <MiB>' argument 'big'.*a size in MiB/],
  [['report', FIX, '--by', 'phone', '-o', join(tmp, 'r.html')], /Allowed choices are port, host/],
  [['audio', FIX, '--rate', '1234', '-o', tmp], /--rate 1234: accepted values are 8000, 11025/],
  [['audio', FIX, '--jitter-buffer', 'soon', '-o', tmp], /--jitter-buffer soon: accepted values are milliseconds/],
  [['audio', FIX, '--state', 'bogus', '-o', tmp], /--state "bogus".*in-call/],
  [['audio', FIX, '--stream', 'two', '-o', tmp], /--stream two: accepted values are stream or call numbers/],
  [['audio', FIX, '--kind', 'chat', '-o', tmp], /--kind "chat".*registration.*options/],
  [['audio', FIX, '--call', '2-1', '-o', tmp], /--call "2-1": expected call numbers .* N, N,M or N-M/],
  [['extract', FIX, '--outcome', 'happy', '-o', join(tmp, 'x.pcapng')], /--outcome "happy".*busy/],
  [['extract', FIX, '--since', 'soon', '-o', join(tmp, 'x.pcapng')], /--since "soon": expected seconds/],
  [['extract', FIX, '-f', 'pcapx', '-o', join(tmp, 'x.pcapng')], /Allowed choices are pcapng, pcap/],
  [['capinfo', FIX, '--bogus'], /unknown option '--bogus'/],
  [['check', FIX, '--bogus'], /unknown option '--bogus'/],
  [['proxy', '--link', 'ppp'], /Allowed choices are ethernet, raw/],
  [['proxy', '--journal-format', 'xml'], /Allowed choices are text, json/],
  [['proxy', '--no-db', '--rotate-size', 'abc'], /--rotate-size <MiB>' argument 'abc' is invalid\. expected a size in MiB: a number above 0/],
  [['proxy', '--no-db', '--max-calls', '-5'], /--max-calls <n>' argument '-5' is invalid\. expected calls: a whole number from 1/],
  [['proxy', '--no-db', '--timer-t1', '0'], /--timer-t1 <ms>' argument '0' is invalid\. expected milliseconds: a number above 0/],
  [['proxy', '--no-db', '--media-relay', '--relay-ports', '5-1'], /port range "5-1" must be within 1024-65535/],
  [['proxy', '--no-db', '--relay-ports', '5-1'], /--relay-ports.*port range "5-1" must be within 1024-65535/],
  [['proxy', '--no-db', '--advertise', '1.2.3'], /--advertise <ip>' argument '1\.2\.3' is invalid\. bad address "1\.2\.3": expected an IPv4 or IPv6 address/],
  [['proxy', '--no-db', '-l', '127.0.0.1:70000'], /--listen <addr>' argument '127\.0\.0\.1:70000' is invalid\..*a port from 1 to 65535/],
  [['analyze', FIX, '--jsn'], /unknown option '--jsn' \(did you mean --json\?\) \(see --help\)\n$/],
  [['analyz', FIX], /unknown command 'analyz' \(did you mean analyze\?\)/],
];

for (const [args, re] of BAD) {
  test(`bad value: sipflow ${args.filter((a) => !a.startsWith(tmp)).join(' ')} exits 64 naming what is accepted`, () => {
    const r = sipflow(args);
    assert.equal(r.code, 64, r.stderr);
    assert.match(r.stderr, re);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
    assert.match(r.stderr, /^sipflow( proxy)?: /);
    assert.equal(r.stdout, '', 'nothing is printed before the options are checked');
  });
}

/** Captures with many kinds of dialog between them: a call, a rejected call, registrations with and without auth. */
const VOCAB_FILES = ['fixtures/call-completed.pcapng', 'fixtures/call-busy.pcapng', 'fixtures/call-cancelled.pcapng', 'fixtures/register-auth.pcapng', 'fixtures/proxy-register.pcapng'];

test('one vocabulary: every state, outcome and kind in the JSON is accepted by the filters and spelled alike in the table and CSV', () => {
  for (const file of VOCAB_FILES) {
    const json = JSON.parse(sipflow(['analyze', file, '--json']).stdout) as Report;
    const table = sipflow(['analyze', file, '-a', '-w', '250']).stdout;
    const csv = sipflow(['analyze', file, '--csv']).stdout.trimEnd().split('\r\n');
    const head = csv[0]!.split(',');
    assert.ok(json.calls.length > 0, file);
    for (const c of json.calls) {
      assert.ok(CALL_STATES.includes(c.state), `${file}: state ${c.state} is in the vocabulary`);
      assert.ok(CALL_KINDS.includes(c.kind), `${file}: kind ${c.kind}`);
      for (const o of (c.outcome ?? '').split(', ').filter(Boolean)) assert.ok(OUTCOMES.includes(o), `${file}: outcome part ${o}`);
      // The table's State column prints the JSON's state, its Kind column the kind.
      const row = table.split('\n').find((l) => new RegExp(`^│ +${c.index} │`).test(l));
      assert.ok(row, `${file}: row ${c.index} in the table`);
      assert.ok(row!.includes(` ${c.state} `), `${file}: the table shows state ${c.state}: ${row}`);
      if (json.calls.some((x) => x.kind !== 'call')) assert.ok(row!.includes(` ${c.kind} `), `${file}: kind ${c.kind} in the table`);
      // CSV: the same words.
      const cells = csv.find((l) => l.startsWith(`${c.index},`))!.split(',');
      assert.equal(cells[head.indexOf('state')], c.state);
      assert.equal(cells[head.indexOf('kind')], c.kind);
      // The filters accept exactly these words and select this dialog.
      const typed = (w: string) => w.toLowerCase().replace(/ /g, '-');
      for (const [flag, word] of [['--state', c.state], ['--kind', c.kind], ...(c.outcome ? [['--outcome', c.outcome.split(', ')[0]!]] : [])] as [string, string][]) {
        const r = sipflow(['analyze', file, flag, typed(word), '-a', '--json']);
        assert.equal(r.code, 0, `${flag} ${typed(word)}: ${r.stderr}`);
        assert.ok((JSON.parse(r.stdout) as Report).calls.some((x) => x.index === c.index), `${file}: ${flag} ${typed(word)} selects call ${c.index}`);
      }
    }
  }
});

test('one vocabulary in the HTML report: its State, Outcome and Kind filters offer the words of the JSON', () => {
  const out = join(tmp, 'vocab.html');
  const r = sipflow(['report', 'fixtures/register-auth.pcapng', 'fixtures/call-busy.pcapng', '--merge', '-a', '-o', out]);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, 'utf8');
  const options = (id: string) => {
    const m = new RegExp(`<select id="${id}">([\\s\\S]*?)</select>`).exec(html);
    assert.ok(m, `select #${id}`);
    return [...m![1]!.matchAll(/<option value="([^"]*)"/g)].map((x) => x[1]!).filter(Boolean);
  };
  for (const s of options('f-state')) assert.ok(CALL_STATES.includes(s as never), `state filter offers ${s}`);
  for (const o of options('f-outcome')) assert.ok(OUTCOMES.includes(o), `outcome filter offers ${o}`);
  for (const k of options('f-kind')) assert.ok(CALL_KINDS.includes(k as never), `kind filter offers ${k}`);
});

test('a filter that leaves nothing: every command exits 0 and says, in the same words, how many dialogs it dropped', () => {
  const said = /no dialog matches the filter \(the capture has 1 dialog; all were filtered out\)/;
  const runs: [string[], 'stdout' | 'stderr'][] = [
    [['analyze', FIX, '--state', 'busy'], 'stdout'],
    [['ladder', FIX, '--state', 'busy'], 'stderr'],
    [['report', FIX, '--state', 'busy', '-o', join(tmp, 'none.html')], 'stderr'],
    [['audio', FIX, '--state', 'busy', '-o', join(tmp, 'none-audio')], 'stderr'],
    [['extract', FIX, '--state', 'busy', '-o', join(tmp, 'none.pcapng')], 'stderr'],
  ];
  for (const [args, where] of runs) {
    const r = sipflow(args);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r[where], said, `${args.join(' ')}`);
  }
  assert.ok(!existsSync(join(tmp, 'none-audio')) && !existsSync(join(tmp, 'none.pcapng')), 'audio and extract wrote nothing');
  assert.ok(existsSync(join(tmp, 'none.html')), 'report wrote its summary page');
});

test('a filter that leaves nothing says how many dialogs it dropped; one that keeps only registrations lists them', () => {
  const none = sipflow(['analyze', FIX, '--state', 'busy']);
  assert.equal(none.code, 0);
  assert.match(none.stdout, /no dialog matches the filter \(the capture has 1 dialog; all were filtered out\)/);
  const reg = sipflow(['analyze', 'fixtures/call-completed.pcapng', 'fixtures/register-auth.pcapng', '--merge', '--outcome', 'registered', '-w', '200']);
  assert.equal(reg.code, 0, reg.stderr);
  assert.match(reg.stdout, /│ registration │ REJECTED │ REGISTERED │/);
  assert.doesNotMatch(reg.stdout, /COMPLETED/);
});

test('RTP without SDP and no SIP: the empty table points to --rtp-heuristic', () => {
  // 100 packets of G.711 one way, no signalling (an SRTP or mid-call capture looks the same to the reader).
  const w = new PcapWriter(new MemorySink(), { linkType: 1, nanosecond: true });
  const packets = rtpPackets({ from: CALLER, to: CALLEE, payloads: Array.from({ length: 100 }, () => new Uint8Array(160).fill(0xd5)), tsStep: 160, start: 0, interval: 0.02, pt: 8 });
  for (const [t, payload] of packets) {
    const sec = Math.floor(t);
    w.writePacket(1700000000 + sec, Math.round((t - sec) * 1e9), udpFrame({ src: CALLER.ip, dst: CALLEE.ip, sport: CALLER.port, dport: CALLEE.port, payload }));
  }
  const file = join(tmp, 'rtp-only.pcap');
  writeFileSync(file, w.toBytes());
  const r = sipflow(['analyze', file, '-w', '200']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /no SIP dialogs found, but RTP that no SDP announced was seen .*--rtp-heuristic lists its streams/);
  const h = sipflow(['analyze', file, '--rtp-heuristic', '--json']);
  assert.equal((JSON.parse(h.stdout) as Report).rtpStreams.length, 1, 'and --rtp-heuristic finds the stream');
});

test('--call and --kind name dialogs of any kind: analyze, ladder and report show them without --all', () => {
  // proxy-call.pcapng: 1 is bob's REGISTER, 2 the call.
  const table = sipflow(['analyze', 'fixtures/proxy-call.pcapng', '--call', '1,2', '-w', '200']);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /│ 1 │[^\n]*│ registration │/);
  assert.match(table.stdout, /│ 2 │[^\n]*│ call +│/);
  const ladder = sipflow(['ladder', 'fixtures/proxy-call.pcapng', '--call', '1,2']);
  assert.equal(ladder.code, 0, ladder.stderr);
  assert.match(ladder.stdout, /^Registration 1: /m);
  assert.match(ladder.stdout, /^Call 2: /m);
  const kind = sipflow(['analyze', 'fixtures/proxy-call.pcapng', '--kind', 'registration', '--csv']);
  assert.deepEqual(kind.stdout.trimEnd().split('\r\n').slice(1).map((l) => l.split(',')[2]), ['registration']);
});

test('-q with several files: each file\'s tables come under its name, a blank line between files', () => {
  const r = sipflow(['analyze', 'fixtures/call-busy.pcapng', 'fixtures/call-completed.pcapng', '-q', '-w', '200', '--jobs', '1']);
  assert.equal(r.code, 0, r.stderr);
  const blocks = r.stdout.trimEnd().split('\n\n');
  assert.equal(blocks.length, 2, r.stdout);
  assert.equal(blocks[0]!.split('\n')[0], 'fixtures/call-busy.pcapng');
  assert.match(blocks[0]!, /BUSY/);
  assert.equal(blocks[1]!.split('\n')[0], 'fixtures/call-completed.pcapng');
  assert.match(blocks[1]!, /COMPLETED/);
  assert.doesNotMatch(r.stdout, /frames|warnings/, 'still no header line');
  // One file: the table alone, as before.
  assert.match(sipflow(['analyze', FIX, '-q', '-w', '200']).stdout, /^┌/);
});

test('a short option letter means one thing across every command (read from each command\'s --help)', () => {
  const commands = ['analyze', 'snapshot', 'check', 'ladder', 'report', 'audio', 'extract', 'capinfo', 'proxy', 'browse'];
  const meaning = new Map<string, { long: string; in: string }>();
  const clashes: string[] = [];
  let seen = 0;
  for (const c of commands) {
    const help = sipflow([c, '--help']);
    assert.equal(help.code, 0, `${c} --help: ${help.stderr}`);
    for (const m of help.stdout.matchAll(/^ {2}(-[A-Za-z]), (--[a-z][a-z-]*)/gm)) {
      seen++;
      const before = meaning.get(m[1]!);
      if (!before) meaning.set(m[1]!, { long: m[2]!, in: c });
      else if (before.long !== m[2]) clashes.push(`${m[1]} is ${before.long} in ${before.in} but ${m[2]} in ${c}`);
    }
  }
  assert.ok(seen > 30, `short options were read from the help (${seen})`);
  assert.deepEqual(clashes, []);
});

test('an output path under a regular file: every command says which file is in the way, in words (exit 2)', () => {
  const file = join(tmp, 'plain-file');
  writeFileSync(file, 'not a folder');
  const runs: string[][] = [
    ['report', FIX, '-o', join(file, 'r.html')],
    ['report', FIX, '-o', join(file, 'sub', 'r.html')],
    ['ladder', FIX, '-f', 'svg', '-o', join(file, 'sub') + '/'],
    ['ladder', FIX, '-o', join(file, 'l.txt')],
    ['extract', FIX, '-o', join(file, 'x.pcapng')],
    ['snapshot', FIX, '-o', join(file, 's.flow.yaml')],
    ['check', FIX, '--junit', join(file, 'junit.xml')],
    ['audio', FIX, '-o', join(file, 'wav')],
  ];
  for (const args of runs) {
    const r = sipflow(args);
    const what = `sipflow ${args.join(' ')}: ${r.stderr}`;
    assert.equal(r.code, 2, what);
    assert.match(r.stderr, new RegExp(`^sipflow: cannot create the folder (${tmp}/plain-file: a file of that name is in the way|${tmp}/plain-file/\\S+: ${tmp}/plain-file is a file, not a folder)$`, 'm'), what);
    assert.doesNotMatch(r.stderr, /EEXIST|ENOTDIR|mkdir/, what);
  }
});

/** Each option of a command's --help with its description on one line (commander wraps long ones). */
function helpOptions(command: string): Map<string, string> {
  const out = new Map<string, string>();
  let last: string | null = null;
  for (const line of sipflow([command, '--help']).stdout.split('\n')) {
    const m = /^ {2}(?:-[A-Za-z], )?(--[a-z][a-z-]*)(?: <[^>]+>)? +(.*)$/.exec(line);
    if (m) { last = m[1]!; out.set(last, m[2]!); continue; }
    if (last && /^ {6,}\S/.test(line)) out.set(last, `${out.get(last)} ${line.trim()}`);
    else last = null;
  }
  return out;
}

test('the shared option table: every capture-reading command offers the same call filters, worded alike; ladder and report the same --alias', () => {
  const readers = ['analyze', 'ladder', 'report', 'audio', 'extract'];
  const helps = new Map(readers.map((c) => [c, helpOptions(c)]));
  for (const opt of ['--call', '--call-id', '--from', '--to', '--state', '--outcome', '--kind', '--rtp-heuristic']) {
    // extract says "calls" where the others say "only calls": the rest of the words are the same.
    // (extract's --rtp-heuristic says what it does to the packets it copies, in its own words.)
    const cmds = opt === '--rtp-heuristic' ? readers.filter((c) => c !== 'extract') : readers;
    const words = cmds.map((c) => helps.get(c)!.get(opt)?.replace(/^only /, '').replace(/^the call /, 'call '));
    for (const [i, c] of cmds.entries()) assert.ok(words[i] !== undefined, `${c} has ${opt}`);
    assert.equal(new Set(words).size, 1, `${opt} reads the same everywhere:\n${words.map((w, i) => `${cmds[i]}: ${w}`).join('\n')}`);
  }
  assert.match(helps.get('audio')!.get('--call')!, /N, N,M or N-M/);
  const alias = ['ladder', 'report'].map((c) => helps.get(c)!.get('--alias')!.replace('a ladder column', 'a column'));
  assert.equal(alias[0], alias[1]);
  assert.match(alias[0]!, /repeatable or comma-separated/);
  // audio's --kind selects as everywhere: a registration has no audio, said as a filter result.
  const kind = sipflow(['audio', FIX, '--kind', 'registration', '-o', join(tmp, 'kind-audio')]);
  assert.equal(kind.code, 0, kind.stderr);
});

test('"-" on a terminal: the notice comes after the options are checked, only for a capture argument, names the command and wraps at words', { skip: tmuxSkip() }, async () => {
  const run = async (args: string[], end?: string) => {
    const t = new Tmux([process.execPath, CLI, ...args].map(shellQuote).join(' '), { cols: 80, rows: 20, cwd: ROOT, env: { NO_COLOR: '1' } });
    try {
      if (end) { await t.waitFor(end); t.keys('C-d'); }
      return await t.waitFor(/\[exit \d+\]/);
    } finally { t.close(); }
  };
  // A bad option: its error alone, no notice first.
  const bad = await run(['capinfo', '-', '-o', 'x']);
  assert.match(bad, /unknown option '-o'/);
  assert.doesNotMatch(bad, /standard input/);
  // "-" as an option's value (stdout), not a capture: no notice.
  const snap = await run(['snapshot', FIX, '-o', '-']);
  assert.match(snap, /\[exit 0\]/);
  assert.doesNotMatch(snap, /reading a capture/);
  // A capture from the terminal: said once, for this command, never cut mid-word at 80 columns.
  const ladder = await run(['ladder', '-'], 'Ctrl-D');
  const notice = /sipflow: reading a capture[\s\S]*?Ctrl-D to stop/.exec(ladder)![0];
  assert.match(notice.replace(/\s+/g, ' '), /\| sipflow ladder -\)/);
  for (const line of notice.split('\n')) assert.ok(line.length <= 80, line);
  assert.ok(notice.split('\n').length > 1, 'wrapped');
  // Broken only at spaces: joining the lines with one space gives the sentence back whole.
  assert.equal(notice.replace(/\n {2}/g, ' '), 'sipflow: reading a capture from standard input; pipe one in (tcpdump -U -w - | sipflow ladder -), or Ctrl-D to stop');
});

test('one vocabulary in ladder captions and report headings: the narrow table\'s "OUTCOME (STATE)", for calls and registrations alike', () => {
  for (const file of VOCAB_FILES) {
    const json = JSON.parse(sipflow(['analyze', file, '--json', '-a']).stdout) as Report;
    const narrow = sipflow(['analyze', file, '-a', '-w', '80']).stdout;
    const ladder = sipflow(['ladder', file, '-a', '--ascii', '--no-color']).stdout;
    const mermaid = sipflow(['ladder', file, '-a', '-f', 'mermaid', '--combine']).stdout;
    for (const c of json.calls) {
      const said = c.outcome === null ? c.state : c.outcome === c.state ? c.outcome : `${c.outcome} (${c.state})`;
      const cell = narrow.split('\n').find((l) => new RegExp(`^│ +${c.index} │`).test(l));
      assert.ok(cell?.includes(` ${said}`), `${file}: table row ${c.index} says ${said}: ${cell}`);
      const caption = ladder.split('\n').find((l) => new RegExp(`^[A-Z][a-z]+ ${c.index}: `).test(l));
      assert.ok(caption?.endsWith(`| ${said}`), `${file}: ladder caption of ${c.index} ends with ${said}: ${caption}`);
      assert.ok(mermaid.includes(`${c.index} ${said}`) || mermaid.includes(`· ${said}\n`), `${file}: the combined Mermaid heading says ${c.index} ${said}: ${mermaid.split('\n')[2]}`);
    }
  }
  const out = join(tmp, 'vocab-head.html');
  assert.equal(sipflow(['report', 'fixtures/call-busy.pcapng', '-o', out]).code, 0);
  assert.match(readFileSync(out, 'utf8'), /<summary>Call 1 · <span class="st s-bad">BUSY<\/span> <span class="st s-bad">\(REJECTED\)<\/span>/);
});

test('help examples name captures that ship with sipflow (fixtures/), or files an earlier example of the same help wrote', () => {
  const helps = ['', 'analyze', 'snapshot', 'check', 'ladder', 'report', 'audio', 'extract', 'capinfo', 'proxy', 'browse'];
  const missing: string[] = [];
  let examples = 0;
  for (const c of helps) {
    const written = new Set<string>();
    for (const line of sipflow(c ? [c, '--help'] : ['--help']).stdout.split('\n')) {
      const m = /^ {2}\$ (.*)$/.exec(line);
      if (!m) continue;
      examples++;
      const words = m[1]!.split(/ {2,}#| {2,}/)[0]!.split(' ');
      words.forEach((w, i) => {
        const prev = words[i - 1] ?? '';
        const path = w.replace(/^'|'$/g, '');
        if (!/\.(pcapng|pcap)(\.gz)?$|\.pcap\*$|^fixtures\//.test(path)) return;
        // What an example writes (-o, --record, a redirection) may be read by a later one.
        if (/^(-o|--output|--record|--junit|>)$/.test(prev)) { written.add(path); return; }
        const exists = /[*?[]/.test(path) ? glob(path).paths.length > 0 : existsSync(join(ROOT, path));
        if (!exists && !written.has(path)) missing.push(`${c || 'sipflow'} --help: ${path} in "${m[1]!.trim()}"`);
      });
    }
  }
  assert.ok(examples > 40, `examples were read (${examples})`);
  assert.deepEqual(missing, []);
});

test('the main help\'s examples: one column of descriptions, no line past 80 columns', () => {
  const block = sipflow(['--help']).stdout.split(/^Examples[^\n]*\n/m)[1]!.trimEnd().split('\n');
  for (const l of block) assert.ok(l.length <= 80, `${l.length} columns: ${l}`);
  // A description starts after the last run of two spaces on its command's line, or alone on the next line.
  const column = (l: string) => {
    if (!l.startsWith('  $ ')) return l.search(/\S/);
    const gap = l.lastIndexOf('  ');
    return gap > 2 ? gap + 2 : -1;
  };
  const cols = new Set(block.map(column).filter((x) => x > 0));
  assert.equal(cols.size, 1, `descriptions start in one column: ${[...cols].join(', ')}`);
});

test('sizes are binary and say so: MiB/KiB in help and messages, never "MB" for a MiB value', () => {
  for (const c of ['report', 'proxy', 'audio', 'analyze']) assert.doesNotMatch(sipflow([c, '--help']).stdout, /\bMB\b|\bkB\b/, `${c} --help`);
  const r = sipflow(['report', FIX, '-o', join(tmp, 'size.html')]);
  assert.match(r.stderr, /size\.html: \d+ KiB, 1 dialog/);
});
