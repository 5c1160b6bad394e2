/**
 * Everything that leaves sipflow (issue 19): one capture built in memory
 * with hostile text in every free-text field — display names, URIs,
 * Call-ID, reason phrase, User-Agent, SDP lines and codec names, INFO and
 * MESSAGE bodies, pcapng interface names, descriptions and comments, and
 * the capture's own file name — run through every output of the CLI:
 *
 *   terminal (analyze table and events, capinfo, text ladders, check diffs,
 *   stderr): no raw control or bidi characters; CSV: no cell a spreadsheet
 *   takes as a formula; Mermaid/Markdown: valid statements, no directive or
 *   comment injection; SVG and JUnit: well-formed XML with no script or
 *   handler; flow YAML: readable by YAML 1.1 (PyYAML when installed) to the
 *   same values; HTML: in Chromium no script runs, with the CSP and without.
 *
 * Each payload is first shown to reach the analysis (JSON), so a parser
 * change that dropped it would fail here instead of passing vacuously.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { parse as parseYaml } from 'yaml';
import { PcapngWriter, MemorySink } from '../../src/capture/writer.js';
import { udpFrame } from '../../src/net/build.js';
import { ROOT } from '../helpers/corpus.js';

const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

const ESC = '\x1b';
/** Moves the cursor, retitles the window, C1 CSI, backspace, bidi overrides and isolates, marks, separators, NEL. */
const TERM = `${ESC}[2J${ESC}]0;pwned\x07\u009b31m\b\u202eevil\u202c\u2066iso\u2069\u200f\u061c\u2028\u2029\u0085\ufff9`;
const MERMAID = '%%{init: {"theme":"forest"}}%%;#9;-->>P1: x';
const HTML = `<script>window.__pwned=1</script>'><svg onload=window.__pwned=2>`;
const CSV = '=cmd|" /C calc"!A0';
const XML = ']]><!DOCTYPE x [<!ENTITY e "e">]>&e;\u0001\ufffe';
const YAMLISH = ' &a *a !!python/object:os.system # - : |';

/** The fields, each with what it carries. */
const F = {
  fromDisplay: `=cmd|' /C calc'!A0 ${MERMAID} ${TERM}`,
  toDisplay: `${HTML}${TERM}`,
  fromUser: `-2+3${TERM.replace(/[\s]/g, '')}%%{x}%%`,
  callId: `%%{init: {"theme":"forest"}}%%\u202e<svg onload=window.__pwned=3>=1+1${ESC}[31m`,
  reason: `<b onmouseover=window.__pwned=4>Busy</b>${TERM}${MERMAID}${XML}`,
  ua: `${XML}${TERM}${HTML}${YAMLISH}`,
  sdpName: `${MERMAID}${HTML}${TERM}`,
  codec: `%%{init}%%<script>=x\u202e${ESC}[1m`,
  info: `Signal=${TERM}${HTML}\r\nDuration=160`,
  message: `${CSV}${MERMAID}${HTML}${TERM}${XML}`,
  ifName: `eth0${TERM}${HTML}${MERMAID}`,
  ifDescription: `${XML}${TERM}`,
  comment: `${HTML}${TERM}${CSV}`,
};

/** The capture's own name (no '/', everything else is allowed on Linux). */
const FILE_NAME = `=x%%{init}%%<svg onload=window.__pwned=9>\u202e${ESC}[31m.pcapng`;

/** Characters no terminal output may carry raw (LF and tab are layout). */
// eslint-disable-next-line no-control-regex
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufff9-\ufffb]/u;

function hostileCapture(): Buffer {
  const A = '10.0.0.1', B = '10.0.0.2';
  const sdp = (ip: string, port: number) => ['v=0', `o=- 1 1 IN IP4 ${ip}`, `s=${F.sdpName}`, `c=IN IP4 ${ip}`, 't=0 0', `m=audio ${port} RTP/AVP 96 0`,
    `a=rtpmap:96 ${F.codec}/8000`, 'a=rtpmap:0 PCMU/8000', `a=tool:${F.ua}`, 'a=sendrecv', ''].join('\r\n');
  const sink = new MemorySink();
  const w = new PcapngWriter(sink, { comment: F.comment, application: F.ifDescription });
  const ifc = w.addInterface({ linkType: 1, name: F.ifName, description: F.ifDescription });
  let t = 0;
  const send = (src: string, dst: string, payload: Buffer, at?: number, sp = 5060, dp = 5060, comment?: string) => {
    t = at ?? t + 0.01;
    const ns = Math.round(t * 1e9);
    w.writePacket(ifc, 1_700_000_000 + Math.floor(ns / 1e9), ns % 1e9, udpFrame({ src, dst, sport: sp, dport: dp, payload }), undefined, comment);
  };
  const sip = (callId: string, start: string, cseq: string, toTag: boolean, body = '', type = 'application/sdp') => Buffer.from([start,
    `Via: SIP/2.0/UDP ${A}:5060;branch=z9hG4bK-${cseq.replace(/\W/g, '')}`,
    `From: "${F.fromDisplay.replace(/"/g, "'")}" <sip:${F.fromUser}@a.example>;tag=1`, `To: "${F.toDisplay}" <sip:bob@b.example>${toTag ? ';tag=2' : ''}`,
    `Call-ID: ${callId}`, `CSeq: ${cseq}`, `User-Agent: ${F.ua}`, `Contact: <sip:alice@${A}:5060>`,
    ...(body ? [`Content-Type: ${type}`] : []), `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
  // Call 1: INVITE (SDP) / 183 (SDP) / RTP / INFO / 486 with the reason phrase / ACK.
  send(A, B, sip(F.callId, 'INVITE sip:bob@b.example SIP/2.0', '1 INVITE', false, sdp(A, 4000)), undefined, 5060, 5060, F.comment);
  send(B, A, sip(F.callId, 'SIP/2.0 183 Session Progress', '1 INVITE', true, sdp(B, 5000)));
  for (let k = 0; k < 20; k++) {
    for (const [src, dst, sp, dp, ssrc] of [[A, B, 4000, 5000, 0x1234], [B, A, 5000, 4000, 0x5678]] as const) {
      const p = Buffer.alloc(172, 0);
      p[0] = 0x80; p[1] = 96; p.writeUInt16BE(k, 2); p.writeUInt32BE(k * 160, 4); p.writeUInt32BE(ssrc, 8);
      send(src, dst, p, 0.05 + k * 0.02 + (src === B ? 0.005 : 0), sp, dp);
    }
  }
  send(A, B, sip(F.callId, 'INFO sip:bob@b.example SIP/2.0', '2 INFO', true, F.info, 'application/dtmf-relay'), 0.6);
  send(B, A, sip(F.callId, `SIP/2.0 486 ${F.reason}`, '1 INVITE', true), 0.8);
  send(A, B, sip(F.callId, 'ACK sip:bob@b.example SIP/2.0', '1 ACK', true), 0.81);
  // Call 2: a MESSAGE with a hostile body and its 200.
  const id2 = `${CSV}${MERMAID}@${TERM}`;
  send(A, B, sip(id2, 'MESSAGE sip:bob@b.example SIP/2.0', '1 MESSAGE', false, F.message, 'text/plain'), 0.9);
  send(B, A, sip(id2, `SIP/2.0 200 ${F.reason}`, '1 MESSAGE', true), 0.91);
  w.close();
  return sink.toBytes();
}

function run(args: string[], env: Record<string, string> = {}): { out: string; err: string; code: number | null } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...env }, maxBuffer: 64 << 20, timeout: 120_000,
  });
  return { out: r.stdout, err: r.stderr, code: r.status };
}

/** Our own colours are SGR sequences (ESC [ ... m); anything else from ESC on is not ours. */
const stripSgr = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, ''); // eslint-disable-line no-control-regex

function assertTerminalSafe(what: string, text: string): void {
  const m = TERMINAL_UNSAFE.exec(text);
  assert.equal(m, null, m ? `${what}: raw U+${m[0].codePointAt(0)!.toString(16).padStart(4, '0')} at ${m.index}: ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 20))}` : '');
}

/** A small RFC 4180 reader (quoted cells, doubled quotes, CRLF or LF). */
function csvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], cell = '', q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (q) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') q = false; else cell += c;
    } else if (c === '"' && cell === '') q = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\n' || c === '\r') { if (c === '\r' && text[i + 1] === '\n') i++; row.push(cell); rows.push(row); row = []; cell = ''; }
    else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

/** Mermaid sequenceDiagram statements sipflow writes; packet text only after "as" or ":" and only in entity-escaped form. */
function assertMermaidSafe(what: string, src: string): void {
  const lines = src.split('\n').filter((l) => l.trim());
  assert.equal(lines[0], 'sequenceDiagram', what);
  // Mermaid extracts %%{...}%% directives from anywhere in the text: no '%' but at the start of a comment.
  assert.ok(!src.replace(/^ {4}%% /gm, '').includes('%'), `${what}: a '%' outside a comment start`);
  assert.ok(!/[{}]/.test(src.split('\n').filter((l) => /^ {4}%%/.test(l)).join('\n').slice(0)), `${what}: a brace in a comment`);
  for (const l of lines.slice(1)) {
    let text: string;
    let m: RegExpExecArray | null;
    if ((m = /^ {4}%% (.*)$/.exec(l))) { text = m[1]!; }
    else if ((m = /^ {4}participant P\d+ as (.+)$/.exec(l))) text = m[1]!.replace(/<br\/>/g, '');
    else if ((m = /^ {4}P\d+(?:->>|-->>|-\))P\d+: (.+)$/.exec(l))) text = m[1]!;
    else if ((m = /^ {4}Note over P\d+(?:,P\d+)?: (.+)$/.exec(l))) text = m[1]!;
    else { assert.fail(`${what}: not a statement sipflow writes: ${JSON.stringify(l)}`); }
    assertTerminalSafe(`${what} line`, text);
    if (!l.startsWith('    %%')) {
      // Statement text: entity codes only; nothing that ends a statement or opens markup.
      assert.ok(!/[;<>"`]/.test(text.replace(/#\d+;/g, '')), `${what}: raw ; < > " or \` in ${JSON.stringify(l)}`);
      assert.ok(!/#(?!\d+;)/.test(text), `${what}: a bare # in ${JSON.stringify(l)}`);
    }
  }
}

const XML_NAMES = new Set(['svg', 'title', 'desc', 'style', 'rect', 'line', 'text', 'tspan', 'g', 'path', 'polygon', 'polyline', 'circle', 'defs', 'marker', 'testsuites', 'testsuite', 'testcase', 'failure', 'system-out', 'properties', 'property', 'skipped', 'error', '?xml', '#text']);

/** Well-formed XML whose elements are all from the renderer's own vocabulary and that has no event handler attribute. */
function assertXmlSafe(what: string, xml: string): void {
  assert.equal(XMLValidator.validate(xml), true, `${what}: not well-formed XML`);
  const tree = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true, processEntities: false }).parse(xml) as unknown[];
  const walk = (nodes: unknown[]) => {
    for (const n of nodes as Record<string, unknown>[]) {
      for (const [k, v] of Object.entries(n)) {
        if (k === ':@') {
          for (const a of Object.keys(v as object)) assert.ok(!/^@on/i.test(a) && !/^@(xlink:)?href$/.test(a) || /^#/.test(String((v as Record<string, unknown>)[a])), `${what}: attribute ${a}`);
          continue;
        }
        assert.ok(XML_NAMES.has(k), `${what}: element <${k}>`);
        if (Array.isArray(v)) walk(v);
      }
    }
  };
  walk(tree);
  assert.ok(!/<script|<!DOCTYPE|<!ENTITY|<foreignObject/i.test(xml), `${what}: script, DOCTYPE or entity declaration`);
  // No character XML 1.0 forbids (the escaper turns them into U+FFFD).
  assert.ok(!/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/.test(xml), `${what}: a character XML forbids`); // eslint-disable-line no-control-regex
}

describe('everything that leaves sipflow, with hostile text in every field', () => {
  let dir: string;
  let cap: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sipflow-output-safety-'));
    cap = join(dir, FILE_NAME);
    writeFileSync(cap, hostileCapture());
  });
  after(() => { if (dir && !process.env.SIPFLOW_KEEP_OUTPUTS) rmSync(dir, { recursive: true, force: true }); else if (dir) process.stdout.write(`# outputs kept in ${dir}\n`); });

  test('the payloads reach the analysis (the matrix is not vacuous)', () => {
    const r = run(['analyze', cap, '--json', '-a']);
    assert.equal(r.code, 0, r.err);
    const rep = JSON.parse(r.out) as { file: string; calls: { callId: string; fromDisplay: string | null; toDisplay: string | null; from: string; comment: string; messages: { label: string; sdpSummary?: string | null }[] }[]; rtpStreams: { codec: string }[] };
    assert.equal(rep.calls.length, 2);
    const c = rep.calls.find((x) => x.callId.startsWith('%%{init'))!;
    assert.ok(c, 'the Call-ID is kept whole');
    assert.ok(c.callId.includes('\u202e') && c.callId.includes(ESC));
    assert.ok(c.fromDisplay?.startsWith('=cmd|') && c.fromDisplay.includes('\u202e'), `fromDisplay ${JSON.stringify(c.fromDisplay)}`);
    assert.ok(c.toDisplay?.includes('<script>'), `toDisplay ${JSON.stringify(c.toDisplay)}`);
    assert.ok(c.messages.some((m) => m.label.includes('onmouseover') && m.label.includes(ESC)), 'the reason phrase is in a label');
    assert.ok(rep.rtpStreams.some((s) => s.codec.includes('%%{init}%%')), 'the codec name from the rtpmap');
    assert.ok(rep.file.includes('\u202e'));
  });

  test('terminal: analyze (table, events, warnings), capinfo, text ladders, check: no raw control or bidi characters', () => {
    for (const env of [{}, { FORCE_COLOR: '1', NO_COLOR: '' }] as Record<string, string>[]) {
      // Without colours there is no escape sequence at all; with them, ours (SGR) are taken out first.
      const clean = env.FORCE_COLOR ? stripSgr : (s: string) => s;
      const outputs: [string, string[]][] = [
        ['analyze', ['analyze', cap, '-a']],
        ['analyze --events', ['analyze', cap, '-a', '--events']],
        ['capinfo', ['capinfo', cap]],
        ['ladder text', ['ladder', cap, '-a', '--rtp', '--sdp']],
        ['ladder ascii', ['ladder', cap, '-a', '--ascii', '-w', '80']],
        ['ladder combined', ['ladder', cap, '-a', '--combine', '--rtp']],
        ['check (differences)', ['check', cap, '--expect', join(ROOT, 'fixtures', 'call-busy.flow.yaml'), '-v']],
      ];
      for (const [what, args] of outputs) {
        const r = run(args, env);
        assert.ok(r.code === 0 || (what.startsWith('check') && r.code === 1), `${what}: exit ${r.code}: ${r.err}`);
        assert.ok(r.out.length > 100, `${what}: output`);
        assertTerminalSafe(`${what} stdout`, clean(r.out));
        assertTerminalSafe(`${what} stderr`, clean(r.err));
      }
    }
  });

  test('JSON, NDJSON, CSV and flow YAML on a terminal (a real pty): no raw control or bidi characters, and JSON still the same values', { skip: spawnSync('script', ['-V']).status === 0 ? false : 'script (util-linux) is not installed' }, () => {
    // What a user sees who runs `sipflow analyze x --json` without a pipe; a file or a pipe gets the exact text (tests above).
    const onTerminal = (args: string[]) => {
      const r = spawnSync('script', ['-q', '-e', '-c', `"$NODE" "$CLI" ${args.map((_, i) => `"$A${i}"`).join(' ')}`, '/dev/null'], {
        encoding: 'utf8', timeout: 120_000, maxBuffer: 64 << 20,
        env: { ...process.env, NO_COLOR: '1', NODE: process.execPath, CLI, ...Object.fromEntries(args.map((a, i) => [`A${i}`, a])) },
      });
      assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
      return r.stdout.replace(/\r\n/g, '\n'); // the pty's own line ends
    };
    for (const args of [['analyze', cap, '--json', '-a'], ['analyze', cap, '--ndjson'], ['capinfo', cap, '--json'], ['analyze', cap, '--summary', '--json']]) {
      const shown = onTerminal(args);
      assertTerminalSafe(args.slice(2).join(' '), shown);
      const piped = run(args).out;
      const values = (t: string) => t.trim().split(args.includes('--ndjson') ? '\n' : /(?!)/).map((l) => JSON.parse(l) as unknown);
      assert.deepEqual(values(shown), values(piped), `${args.slice(2).join(' ')}: the same JSON values on a terminal`);
    }
    const csv = onTerminal(['analyze', cap, '--csv']);
    assertTerminalSafe('--csv', csv);
    assert.match(csv, /\\u202e/, 'the override is shown as an escape, not acted on');
    assertTerminalSafe('snapshot', onTerminal(['snapshot', cap, '-o', '-']));
  });

  test('CSV: no cell starts as a formula (= + - @ tab CR), numbers excepted', () => {
    const r = run(['analyze', cap, '--csv']);
    assert.equal(r.code, 0, r.err);
    const rows = csvCells(r.out);
    assert.ok(rows.length >= 3);
    let neutralised = 0;
    for (const row of rows) {
      for (const cell of row) {
        if (/^[=+\-@\t\r]/.test(cell)) assert.match(cell, /^-?\d+(\.\d+)?$/, `formula cell ${JSON.stringify(cell)}`);
        if (cell.startsWith("'=") || cell.startsWith("'-") || cell.startsWith("'%")) neutralised++;
      }
    }
    assert.ok(neutralised >= 2, 'the display name and Call-ID cells were neutralised');
  });

  test('Mermaid and Markdown: only sipflow\'s statements, no directive or comment injection', () => {
    const mmd = run(['ladder', cap, '-a', '--combine', '--rtp', '--sdp', '-f', 'mermaid']);
    assert.equal(mmd.code, 0, mmd.err);
    assertMermaidSafe('mermaid', mmd.out);
    assert.ok(mmd.out.includes('#37;#37;#123;init'), 'the Call-ID comment keeps its text as entity codes');
    const one = run(['ladder', cap, '--call', '1', '--sdp', '-f', 'mermaid']);
    assertMermaidSafe('mermaid call 1', one.out);
    const md = run(['ladder', cap, '-a', '--combine', '-f', 'md']);
    assert.equal(md.code, 0, md.err);
    const fences = md.out.split('\n').filter((l) => l.startsWith('```'));
    assert.deepEqual(fences, ['```mermaid', '```'], 'one fence, not broken by packet text');
    assertMermaidSafe('md', /```mermaid\n([\s\S]*?)```/.exec(md.out)![1]!);
    // The caption is Markdown text: no raw HTML.
    const caption = md.out.slice(0, md.out.indexOf('```'));
    assert.ok(!/<(?!br>)/.test(caption), `caption ${JSON.stringify(caption)}`);
    assertTerminalSafe('md caption', caption.replace(/<br>/g, ''));
  });

  test('SVG ladders and JUnit XML: well-formed, only their own elements, no handlers', () => {
    for (const args of [['-a', '--combine', '--rtp', '--sdp'], ['--call', '1', '--sdp']]) {
      const r = run(['ladder', cap, ...args, '-f', 'svg']);
      assert.equal(r.code, 0, r.err);
      assertXmlSafe(`svg ${args.join(' ')}`, r.out);
    }
    const flow = join(dir, 'busy.flow.yaml');
    writeFileSync(flow, readFileSync(join(ROOT, 'fixtures', 'call-busy.flow.yaml')));
    const junit = join(dir, 'junit.xml');
    const r = run(['check', cap, '--expect', flow, '--junit', junit]);
    assert.equal(r.code, 1, r.err);
    const xml = readFileSync(junit, 'utf8');
    assertXmlSafe('junit', xml);
    assert.match(xml, /<failure/);
  });

  test('flow YAML (snapshot): the same values back, nothing a YAML 1.1 reader breaks on', () => {
    const out = join(dir, 'hostile.flow.yaml');
    const r = run(['snapshot', cap, '-a', '--media', '-o', out]);
    assert.equal(r.code, 0, r.err);
    const text = readFileSync(out, 'utf8');
    assert.ok(!/[\u0085\u2028\u2029\u007f-\u009f\ufffe\uffff]/.test(text), 'no raw NEL, LS, PS, DEL, C1, U+FFFE/FFFF'); // eslint-disable-line no-control-regex
    const doc = parseYaml(text) as { calls: { from: string; messages: Record<string, string>[] }[] };
    const labels = doc.calls.flatMap((c) => c.messages.flatMap((m) => Object.values(m)));
    assert.ok(labels.some((l) => l.includes('onmouseover') && l.includes('\u202e')), 'the reason phrase survives the round trip');
    assert.ok(doc.calls[0]!.from.includes('\u0085\ufff9'), 'NEL (a YAML 1.1 line break) survives the round trip');
    // check reads its own snapshot back: the capture matches it.
    assert.equal(run(['check', cap, '--expect', out]).code, 0);
    // PyYAML (YAML 1.1) reads the same values, when it is installed.
    const py = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1], encoding="utf-8"))))', out], { encoding: 'utf8' });
    if (py.status !== 0 && /No module named/.test(py.stderr ?? '')) { process.stdout.write('# PyYAML not installed: YAML 1.1 reading not checked\n'); return; }
    assert.equal(py.status, 0, py.stderr);
    assert.deepEqual(JSON.parse(py.stdout), JSON.parse(JSON.stringify(doc)));
  });

  test('HTML report: escaped everywhere, and in Chromium nothing runs (with the CSP and without)', async (t) => {
    const page = join(dir, 'hostile.html');
    const r = run(['report', cap, '-a', '-o', page]);
    assert.equal(r.code, 0, r.err);
    assertTerminalSafe('report stderr', r.err);
    const html = readFileSync(page, 'utf8');
    // One executable script (ours), no handler attribute anywhere in the markup, no raw packet markup.
    assert.equal(html.match(/<script(?![^>]*type="application\/json")/g)?.length, 1);
    // (attribute values, escaped, may say "onload=": only attribute names count)
    assert.ok(!/<[a-z][^>]*\son[a-z]+=/i.test(html.replace(/="[^"]*"/g, '=""')), 'an event handler attribute in the markup');
    assert.ok(!html.includes('<svg onload') && !html.includes('<script>window'), 'raw packet markup');
    await browserCheck(t, page, html);
  });
});

const CHROMIUM = '/usr/bin/chromium';

/** Open the page (and a copy without its CSP) in Chromium, use it, and assert no packet script ran. */
async function browserCheck(t: { skip(m: string): void }, page: string, html: string): Promise<void> {
  type Pg = {
    goto(u: string, o?: object): Promise<unknown>; on(e: string, f: (x: never) => void): void; evaluate<T>(f: () => T): Promise<T>;
    addInitScript(f: () => void): Promise<void>; locator(s: string): { count(): Promise<number>; nth(i: number): { click(): Promise<void> }; first(): { click(): Promise<void>; hover(): Promise<void> } };
  };
  type Br = { newPage(): Promise<Pg>; close(): Promise<void> };
  let pw: { chromium: { launch(o: object): Promise<Br> } } | null = null;
  try { const name = 'playwright-core'; pw = await import(name); } catch { pw = null; }
  if (!pw || !existsSync(CHROMIUM)) { t.skip(!pw ? 'playwright-core is not installed' : `${CHROMIUM} not found`); return; }
  /* eslint-disable @typescript-eslint/no-explicit-any */
  const noCsp = page.replace(/\.html$/, '-nocsp.html');
  writeFileSync(noCsp, html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>\n?/, ''));
  const browser = await pw.chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run'] });
  try {
    for (const file of [page, noCsp]) {
      const p = await browser.newPage();
      const problems: string[] = [];
      p.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
      p.on('dialog', (d: { message(): string; dismiss(): Promise<void> }) => { problems.push(`dialog: ${d.message()}`); void d.dismiss(); });
      p.on('request', (r: { url(): string }) => { if (!/^(file|data|about|blob):/.test(r.url())) problems.push(`request: ${r.url()}`); });
      await p.addInitScript(() => {
        const w = globalThis as any;
        w.__violations = [];
        w.document.addEventListener('securitypolicyviolation', (e: any) => w.__violations.push(`${e.violatedDirective}: ${e.sample}`));
      });
      await p.goto('file://' + file, { waitUntil: 'load', timeout: 120_000 });
      // Open and use everything: every call, every ladder row, the texts, the streams, the timeline.
      await p.evaluate(() => { for (const d of (globalThis as any).document.querySelectorAll('details')) d.open = true; });
      await p.evaluate(() => new Promise((res) => (globalThis as any).requestAnimationFrame(() => (globalThis as any).setTimeout(res, 300))));
      const rows = p.locator('.ladder g[data-row]');
      const n = await rows.count();
      assert.ok(n >= 4, `${n} ladder rows drawn`);
      for (let i = 0; i < n; i++) await rows.nth(i).click();
      await p.locator('svg.timeline rect[data-n]').first().hover();
      const state = await p.evaluate(() => { const w = globalThis as any; return {
        pwned: w.__pwned ?? null,
        handlers: [...w.document.querySelectorAll('*')].flatMap((e: any) => [...e.attributes].filter((a: any) => /^on/i.test(a.name)).map((a: any) => `${e.tagName} ${a.name}`)),
        scripts: [...w.document.querySelectorAll('script')].filter((s: any) => s.type !== 'application/json').length,
        foreign: w.document.querySelectorAll('img, iframe, object, embed, foreignObject').length,
        violations: w.__violations,
        body: w.document.body.innerText as string,
      }; });
      assert.equal(state.pwned, null, `${file}: a packet script ran`);
      assert.deepEqual(state.handlers, []);
      assert.equal(state.scripts, 1);
      assert.equal(state.foreign, 0);
      assert.deepEqual(state.violations, [], 'nothing even tried to run');
      assert.deepEqual(problems, []);
      // The text shows literally.
      assert.ok(state.body.includes('<b onmouseover=window.__pwned=4>Busy</b>'), 'reason phrase shown as text');
      assert.ok(state.body.includes('%%{init: {"theme":"forest"}}%%'), 'Call-ID shown as text');
    }
  } finally {
    await browser.close();
  }
  /* eslint-enable @typescript-eslint/no-explicit-any */
}
