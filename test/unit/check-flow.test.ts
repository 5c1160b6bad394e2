/** Flow files: the step grammar, readable errors with line numbers, JUnit XML and plain output. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { color } from '../../src/render/color.js';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { FlowError, parseFlow, parseStep, whatMatches } from '../../src/check/flow.js';
import { compilePattern, normalizeState } from '../../src/check/pattern.js';
import { renderJson, renderJunit, renderText, type FileOutcome } from '../../src/check/render.js';
import { xmlEscape } from '../../src/render/escape.js';
import type { CheckResult } from '../../src/check/match.js';
import { parseAliases } from '../../src/aliases.js';

const msg = (method: string | null, status: number | null, reason: string | null = null, sdp = false) => ({ method, status, reason, sdp });

test('steps: requests, responses, flags and quantifiers', () => {
  const s = parseStep('caller -> proxy: INVITE (SDP)');
  assert.deepEqual([s.from, s.to, s.min, s.repeat, s.what.sdp, s.text], ['caller', 'proxy', 1, false, true, 'caller -> proxy: INVITE (SDP)']);
  assert.ok(whatMatches(s.what, msg('INVITE', null, null, true)));
  assert.ok(!whatMatches(s.what, msg('INVITE', null, null, false)), '(SDP) is required when written');
  assert.ok(whatMatches(parseStep('a -> b: INVITE').what, msg('INVITE', null, null, true)), 'SDP not written: either');
  const r = parseStep('proxy -> caller: 180 Ringing?');
  assert.deepEqual([r.min, r.repeat, r.what.reason, r.text], [0, false, 'Ringing', 'proxy -> caller: 180 Ringing?']);
  assert.ok(whatMatches(r.what, msg(null, 180, 'Ringing and ringing')), 'reason phrases are not compared');
  assert.ok(!whatMatches(r.what, msg(null, 183, 'Ringing')));
  assert.deepEqual([parseStep('a -> b: 18*+').repeat, parseStep('a -> b: 18*+').min], [true, 1]);
  assert.deepEqual([parseStep('a -> b: 18*+?').repeat, parseStep('a -> b: 18*+?').min], [true, 0]);
  assert.ok(whatMatches(parseStep('a -> b: 4xx').what, msg(null, 486)));
  assert.ok(!whatMatches(parseStep('a -> b: 4xx').what, msg(null, 503)));
  assert.ok(whatMatches(parseStep('a -> b: /^48[67] /').what, msg(null, 486, 'Busy Here')));
  assert.ok(whatMatches(parseStep('a -> b: /^(INVITE|UPDATE)$/').what, msg('UPDATE', null)));
  assert.ok(whatMatches(parseStep('a -> b: re*').what, msg('REFER', null)));
  assert.ok(whatMatches(parseStep('* -> *: *').what, msg(null, 200)));
  assert.ok(parseStep('a -> b: ACK (retransmission)').retransmission);
  assert.throws(() => parseStep('caller proxy INVITE'), /FROM -> TO: WHAT/);
  assert.throws(() => parseStep('a -> b: INVITE now'), /only the method/);
  assert.throws(() => parseStep('a -> b: /(/'), /invalid regular expression/);
  assert.throws(() => parseStep('a -> b:'), /nothing after/);
});

test('patterns: exact (case-insensitive), glob, regex; states ignore case, "_" and "-"', () => {
  assert.ok(compilePattern('sip:alice@*').test('SIP:alice@192.0.2.1'));
  assert.ok(!compilePattern('sip:alice@*').test('sip:bob@x'));
  assert.ok(compilePattern('/^sip:(a|b)@/').test('sip:b@x'));
  assert.ok(compilePattern('in_call', normalizeState).test('IN CALL'));
  assert.ok(!compilePattern('/^a$/').test(null));
});

test('flow files: step forms, options, and errors that name the line', () => {
  const f = parseFlow(`# comment
scope: all
aliases:
  192.0.2.1: pbx
calls:
  - name: one
    kind: call
    optional: true
    messages:
      - caller -> pbx: INVITE
      - "pbx -> caller: *"
      - {msg: "pbx -> caller: 18*", optional: true, repeat: true}
      - pbx -> caller: 200 OK
        optional: true
    media: {codec: PCMU/8000, bothDirections: true, maxLossPct: 2}
`, 'f.flow.yaml');
  assert.equal(f.scope, 'all');
  assert.deepEqual(f.aliases, { '192.0.2.1': 'pbx' });
  const c = f.calls[0]!;
  assert.equal(c.optional, true);
  assert.deepEqual(c.messages!.map((s) => [s.text, s.line]), [
    ['caller -> pbx: INVITE', 10], ['pbx -> caller: *', 11], ['pbx -> caller: 18*+?', 12], ['pbx -> caller: 200 OK?', 13],
  ]);
  assert.deepEqual([c.media!.codecs!.map((p) => p.source), c.media!.bothDirections, c.media!.maxLossPct, c.media!.maxJitterMs], [['PCMU/8000'], true, 2, null]);

  const bad = (text: string, re: RegExp) => assert.throws(() => parseFlow(text, 'bad.flow.yaml'), (e: unknown) => {
    assert.ok(e instanceof FlowError, String(e));
    assert.match((e as Error).message, re);
    return true;
  });
  bad('calls:\n  - messages:\n      - caller -> proxy INVITE\n', /^bad\.flow\.yaml:3: calls\[0\]\.messages\[0\]: a message is written "FROM -> TO: WHAT"/);
  bad('calls:\n  - kind: call\n    colour: red\n', /^bad\.flow\.yaml:3: calls\[0\]\.colour: unknown key "colour"/);
  bad('calls:\n  - messages:\n      - a -> b: *\n', /^bad\.flow\.yaml:3: not valid YAML/);
  bad('calls: [\n', /^bad\.flow\.yaml(:\d+)?: not valid YAML/);
  bad('- just a list\n', /a flow file is a mapping/);
  bad('scope: some\ncalls: []\n', /bad\.flow\.yaml:1: scope: scope is "invite" or "all"/);
  bad('format: sipflow-flow/9\ncalls: []\n', /unsupported format/);
  bad('calls:\n  - media: {maxLossPct: lots}\n', /maxLossPct: expected a number/);
  bad('calls:\n  - state: /(/\n', /calls\[0\]\.state: invalid regular expression/);
});

test('aliases on the command line', () => {
  const flow = { flowNames: true };
  assert.deepEqual(parseAliases(['192.0.2.1=pbx', '10.0.0.1:5060=phone,[fd00::1]=v6'], flow), { '192.0.2.1': 'pbx', '10.0.0.1:5060': 'phone', 'fd00::1': 'v6' });
  assert.throws(() => parseAliases(['192.0.2.1'], flow), /ADDRESS=NAME with a one-word name/);
  assert.throws(() => parseAliases(['192.0.2.1=two words'], flow), /ADDRESS=NAME/);
  assert.throws(() => parseAliases(['192.0.2.1=a:b'], flow), /one-word/);
  assert.throws(() => parseAliases(['192.0.2.1=*'], flow), /one-word/);
  // The ladder's names are free text.
  assert.deepEqual(parseAliases(['192.0.2.1=two words']), { '192.0.2.1': 'two words' });
});

const nasty = 'sip:<"bob"&\'co\'>\u0001@x';

function outcome(): FileOutcome {
  const result: CheckResult = {
    ok: false, file: 'cap.pcapng', expect: 'cap.flow.yaml', notes: ['a note'],
    calls: [
      { ok: true, status: 'match', expected: { number: 1, name: 'ok call', line: 5 }, actual: { index: 1, callId: 'c1', name: 'ok call', firstFrame: 1, lastFrame: 9 }, participants: {}, differences: [] },
      { ok: false, status: 'mismatch', expected: { number: 2, name: 'bad <call>', line: 20 }, actual: { index: 2, callId: 'c2', name: 'x', firstFrame: 10, lastFrame: 19 }, participants: { caller: '192.0.2.10:5060' }, differences: [
        { type: 'field', step: null, field: 'to', expected: 'sip:bob@*', actual: nasty, frame: 10, message: `to: expected sip:bob@*, actual ${nasty}` },
        { type: 'changed', step: 3, field: null, expected: 'callee -> caller: 200 OK', actual: 'callee -> caller: 486 Busy Here', frame: 14, line: 24, message: 'step 3: expected "callee -> caller: 200 OK", actual "callee -> caller: 486 Busy Here" (frame 14)' },
      ] },
      { ok: false, status: 'unexpected', expected: null, actual: { index: 3, callId: 'c3', name: 'carol', firstFrame: 30, lastFrame: 40 }, participants: {}, differences: [
        { type: 'extra', step: null, field: null, expected: null, actual: 'call', frame: 30, message: 'unexpected call carol' },
      ] },
      { ok: true, status: 'absent-optional', expected: { number: 3, name: 'maybe', line: 40 }, actual: null, participants: {}, differences: [] },
    ],
  };
  return { capture: 'cap.pcapng', expect: 'cap.flow.yaml', result, error: null, code: 1, seconds: 0.25 };
}

test('JUnit XML: a test case per call, failures carry the diff, everything escaped', () => {
  const broken: FileOutcome = { capture: 'gone.pcap', expect: 'gone.flow.yaml', result: null, error: 'gone.pcap: no such file & no luck', code: 2, seconds: 0 };
  const xml = renderJunit([outcome(), broken]);
  assert.equal(XMLValidator.validate(xml), true);
  assert.doesNotMatch(xml, /\u0001/);
  // htmlEntities: decode &#39; (a numeric character reference) as any XML parser does.
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', htmlEntities: true }).parse(xml);
  const suites = doc.testsuites.testsuite;
  assert.equal(doc.testsuites.tests, '5');
  assert.equal(doc.testsuites.failures, '2');
  assert.equal(doc.testsuites.errors, '1');
  const cases = suites[0].testcase;
  assert.deepEqual(cases.map((c: { name: string }) => c.name), ['call 1: ok call', 'call 2: bad <call>', 'unexpected call 3: carol', 'call 3: maybe']);
  assert.match(cases[1].failure.message, /^to: expected sip:bob@\*, actual sip:<"bob"&'co'>\uFFFD@x \(\+1 more\)$/);
  assert.match(cases[1].failure['#text'], /step 3 +expected +callee -> caller: 200 OK {2}\(cap\.flow\.yaml:24\)\n +actual +callee -> caller: 486 Busy Here {2}\(frame 14\)/);
  assert.ok('skipped' in cases[3]);
  assert.match(suites[1].testcase.error.message, /no such file & no luck/);
  assert.equal(xmlEscape('a<b>&"\''), 'a&lt;b&gt;&amp;&quot;&#39;');
});

test('text output is plain without colour and coloured with it', () => {
  color.level = 0;
  const plain = renderText(outcome());
  assert.doesNotMatch(plain, /\u001b\[/);
  assert.match(plain, /^✗ cap\.pcapng vs cap\.flow\.yaml: differs \(2 of 4 calls\)\n/);
  assert.match(plain, / {6}step 3 +expected +callee -> caller: 200 OK {2}\(cap\.flow\.yaml:24\)\n +actual +callee -> caller: 486 Busy Here {2}\(frame 14\)\n/);
  color.level = 1;
  try {
    assert.match(renderText(outcome()), /\u001b\[31m/);
  } finally {
    color.level = 0;
  }
  const json = JSON.parse(renderJson([outcome()], 1));
  assert.equal(json.ok, false);
  assert.equal(json.results[0].calls[1].differences[1].frame, 14);
});
