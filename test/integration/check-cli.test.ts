/**
 * `sipflow snapshot` and `sipflow check` run as a user runs them, on a real
 * capture of the corpus: snapshot it, check it (exit 0), break the expected
 * flow (603 -> 486), check again (exit 1, the diff names the frame).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CORPUS } from '../helpers/corpus.js';
import { sipflow } from '../helpers/cli.js';

const DECLINE = join(CORPUS, 'mtaa', 'Z1_decline.pcapng');
const REGISTER = join(CORPUS, 'mtaa', 'Z1_register.pcapng');
const skip = existsSync(DECLINE) ? false : `corpus capture not found: ${DECLINE}`;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'sipflow-check-'));
}

test('snapshot, check (0), break the flow, check again (1) with the frame in the diff', { skip }, () => {
  const dir = tmp();
  try {
    const flow = join(dir, 'decline.flow.yaml');
    const snap = sipflow(['snapshot', DECLINE, '-o', flow]);
    assert.equal(snap.code, 0, snap.stderr);
    const yaml = readFileSync(flow, 'utf8');
    assert.match(yaml, /^# sipflow expected call flow/);
    assert.match(yaml, /outcome: DECLINED\n/);
    assert.match(yaml, /\n {6}- caller -> proxy: INVITE \(SDP\)\n {6}- proxy -> callee: INVITE \(SDP\)\n/);
    assert.match(yaml, /- callee -> proxy: 603 Decline\n {6}- proxy -> caller: 603 Decline\n/);

    const ok = sipflow(['check', DECLINE, '--expect', flow]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /matches \(1 call\)/);

    writeFileSync(flow, yaml.replace(/ 603 Decline/g, ' 486 Busy Here').replace('outcome: DECLINED', 'outcome: BUSY'));
    const junit = join(dir, 'report.xml');
    const bad = sipflow(['check', DECLINE, '--expect', flow, '--junit', junit]);
    assert.equal(bad.code, 1, bad.stdout + bad.stderr);
    assert.doesNotMatch(bad.stdout, /\u001b\[/, 'no colour when stdout is not a terminal');
    assert.match(bad.stdout, /call 1 "mobillin -> tablet" differs: capture call 1/);
    assert.match(bad.stdout, /outcome +expected BUSY, actual DECLINED/);
    assert.match(bad.stdout, /step 7 +expected +callee -> proxy: 486 Busy Here .*\n +actual +callee -> proxy: 603 Decline {2}\(frame 12\)/);
    assert.match(bad.stdout, /step 8 +expected +proxy -> caller: 486 Busy Here .*\n +actual +proxy -> caller: 603 Decline {2}\(frame 13\)/);

    const xml = readFileSync(junit, 'utf8');
    assert.equal(XMLValidator.validate(xml), true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml);
    assert.equal(doc.testsuites.failures, '1');
    assert.match(doc.testsuites.testsuite.testcase.failure['#text'], /frame 12/);

    const json = sipflow(['check', DECLINE, '--expect', flow, '--json']);
    assert.equal(json.code, 1);
    const out = JSON.parse(json.stdout);
    const diffs = out.results[0].calls[0].differences;
    assert.deepEqual(diffs.map((d: { type: string; frame: number }) => [d.type, d.frame]), [['field', 2], ['changed', 12], ['changed', 13]]);

    // Coloured when asked (FORCE_COLOR stands in for a terminal).
    const color = sipflow(['check', DECLINE, '--expect', flow], { env: { FORCE_COLOR: '1' } });
    assert.match(color.stdout, /\u001b\[3[12]m/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('snapshot --json is a flow file too; --all takes registrations', { skip }, () => {
  const dir = tmp();
  try {
    const flow = join(dir, 'decline.flow.json');
    assert.equal(sipflow(['snapshot', DECLINE, '--json', '-o', flow]).code, 0);
    const doc = JSON.parse(readFileSync(flow, 'utf8'));
    assert.equal(doc.calls[0].messages[6], 'callee -> proxy: 603 Decline');
    assert.equal(sipflow(['check', DECLINE, '--expect', flow]).code, 0);
    if (existsSync(REGISTER)) {
      const all = sipflow(['snapshot', REGISTER, '--all']);
      assert.equal(all.code, 0);
      assert.match(all.stdout, /scope: all\n/);
      assert.match(all.stdout, /kind: registration\n/);
      assert.match(all.stdout, /- caller -> registrar: REGISTER\n/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('directory mode: every capture against its .flow.yaml sibling, with a summary', { skip }, () => {
  const dir = tmp();
  try {
    symlinkSync(DECLINE, join(dir, 'decline.pcapng'));
    symlinkSync(DECLINE, join(dir, 'other.pcapng'));
    // snapshot DIR writes the siblings.
    const snap = sipflow(['snapshot', dir]);
    assert.equal(snap.code, 0, snap.stderr);
    assert.ok(existsSync(join(dir, 'decline.flow.yaml')) && existsSync(join(dir, 'other.flow.yaml')));
    const ok = sipflow(['check', dir, '--junit', join(dir, 'junit.xml')]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /2 captures: 2 match, 0 differ\n$/);
    // Break one.
    const f = join(dir, 'other.flow.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/^ *- callee -> proxy: 180 Ringing\n/m, ''));
    const bad = sipflow(['check', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stdout, /other\.pcapng vs .*other\.flow\.yaml: differs/);
    assert.match(bad.stdout, /after step 4 +extra +callee -> proxy: 180 Ringing {2}\(frame 8\)/);
    assert.match(bad.stdout, /2 captures: 1 match, 1 differ\n$/);
    // A capture without a flow cannot be checked: exit 2, and the fix is named.
    rmSync(f);
    const none = sipflow(['check', dir]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /no expected flow .*other\.flow\.yaml \(write it with "sipflow snapshot/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('unusable input exits 2 with one line; usage errors exit 64', () => {
  const dir = tmp();
  try {
    const notCapture = join(dir, 'x.pcapng');
    writeFileSync(notCapture, 'hello, not a capture');
    writeFileSync(join(dir, 'x.flow.yaml'), 'calls: []\n');
    const r = sipflow(['check', notCapture]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /not a capture file/);
    const missing = sipflow(['check', join(dir, 'nothing-here.pcapng')]);
    assert.equal(missing.code, 2);
    writeFileSync(join(dir, 'bad.flow.yaml'), 'calls:\n  - messages:\n      - caller -> proxy INVITE\n');
    if (!skip) {
      const b = sipflow(['check', DECLINE, '--expect', join(dir, 'bad.flow.yaml')]);
      assert.equal(b.code, 2);
      assert.match(b.stderr, /bad\.flow\.yaml:3: calls\[0\]\.messages\[0\]: a message is written "FROM -> TO: WHAT"/);
    }
    const u = sipflow(['check', dir, '--expect', join(dir, 'bad.flow.yaml')]);
    assert.equal(u.code, 64);
    const folder = sipflow(['check', dir]);
    assert.equal(folder.code, 2, 'a folder whose only capture is broken');
    const alias = sipflow(['snapshot', notCapture, '--alias', 'nonsense']);
    assert.equal(alias.code, 64);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty folder is an error, not a pass', () => {
  const dir = tmp();
  try {
    const r = sipflow(['check', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no captures .* nothing to check/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
