/**
 * The small modules several stages share: endpoints (net/addr.ts), aliases,
 * the status colour table, the input-error classifier, capture time text.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { color } from '../../src/render/color.js';
import { bracketed, endpoint, hostOf, parseEndpoint, portColon, unbracketed } from '../../src/net/addr.js';
import { aliasOf, parseAliases } from '../../src/aliases.js';
import { responseClass, tone, TERMINAL, LIGHT, ROW_TONE } from '../../src/render/status.js';
import { inputProblem } from '../../src/capture/input-problem.js';
import { InputError, NotACaptureError } from '../../src/capture/index.js';
import { isoTime } from '../../src/time.js';
import { esc, xmlEscape } from '../../src/render/escape.js';

test('endpoints: "ip:port", IPv6 in brackets, and back', () => {
  assert.equal(endpoint('192.0.2.1', 5060), '192.0.2.1:5060');
  assert.equal(endpoint('2001:db8::1', 5060), '[2001:db8::1]:5060');
  assert.equal(bracketed('2001:db8::1'), '[2001:db8::1]');
  assert.equal(bracketed('192.0.2.1'), '192.0.2.1');
  assert.equal(unbracketed('[2001:db8::1]'), '2001:db8::1');
  assert.equal(unbracketed('[2001:db8::1]:5060'), '[2001:db8::1]:5060');
  assert.deepEqual(parseEndpoint('192.0.2.1:5060'), { host: '192.0.2.1', port: 5060 });
  assert.deepEqual(parseEndpoint('[2001:db8::1]:5060'), { host: '2001:db8::1', port: 5060 });
  assert.deepEqual(parseEndpoint('2001:db8::1'), { host: '2001:db8::1', port: null });
  assert.deepEqual(parseEndpoint('[2001:db8::1]'), { host: '2001:db8::1', port: null });
  assert.deepEqual(parseEndpoint('192.0.2.1'), { host: '192.0.2.1', port: null });
  assert.equal(hostOf('[2001:db8::1]:5060'), '2001:db8::1');
  assert.equal(hostOf('10.0.0.1:5060'), '10.0.0.1');
  assert.equal(hostOf('fe80::1'), 'fe80::1');
  assert.equal(portColon('10.0.0.1:5060'), 8);
  assert.equal(portColon('[::1]:5060'), 5);
  assert.equal(portColon('::1'), -1);
  for (const [ip, port] of [['10.1.2.3', 1], ['::ffff:10.0.0.1', 65535], ['fe80::a:b', 5060]] as const) {
    assert.deepEqual(parseEndpoint(endpoint(ip, port)), { host: ip, port });
  }
});

test('aliases: one rule for ladder, report and snapshot', () => {
  const a = parseAliases(['192.0.2.1=pbx, 192.0.2.1:5062=phone', '', '[2001:db8::1]=v6', '[2001:db8::1]:5070=v6ep']);
  assert.deepEqual(a, { '192.0.2.1': 'pbx', '192.0.2.1:5062': 'phone', '2001:db8::1': 'v6', '[2001:db8::1]:5070': 'v6ep' });
  // Host alias for every port, the endpoint alias wins for its endpoint.
  assert.equal(aliasOf(a, '192.0.2.1:5060'), 'pbx');
  assert.equal(aliasOf(a, '192.0.2.1:5062'), 'phone');
  assert.equal(aliasOf(a, '192.0.2.1'), 'pbx');
  assert.equal(aliasOf(a, '[2001:db8::1]:5060'), 'v6');
  assert.equal(aliasOf(a, '[2001:db8::1]:5070'), 'v6ep');
  assert.equal(aliasOf(a, '2001:db8::1'), 'v6');
  assert.equal(aliasOf(a, '192.0.2.2:5060'), null);
  // The unbracketed IPv6 endpoint form snapshot accepted before stays accepted.
  assert.equal(aliasOf({ '2001:db8::2:5060': 'old' }, '[2001:db8::2]:5060'), 'old');
  // Errors name the item; flow names are one word.
  assert.throws(() => parseAliases(['=pbx']), /ADDRESS=NAME \(e\.g\. 192\.168\.1\.14=proxy\), got "=pbx"/);
  assert.throws(() => parseAliases(['192.0.2.1=']), /got "192\.0\.2\.1="/);
  assert.deepEqual(parseAliases(['192.0.2.1=main pbx']), { '192.0.2.1': 'main pbx' });
  assert.throws(() => parseAliases(['192.0.2.1=main pbx'], { flowNames: true }), /one-word name/);
});

test('status table: response classes, tones and their colours', () => {
  assert.equal(responseClass(true, null), 'req');
  assert.equal(responseClass(false, 180), 'prov');
  assert.equal(responseClass(false, 200), 'ok');
  assert.equal(responseClass(false, 302), 'redir');
  assert.equal(responseClass(false, 486), 'err');
  assert.equal(tone('IN CALL'), 'ok');
  assert.equal(tone('RINGING'), 'warn');
  assert.equal(tone('CANCELLED'), 'cancel');
  assert.equal(tone('REJECTED'), 'bad');
  assert.equal(tone('ANSWERED, ONE-WAY AUDIO'), 'bad');
  assert.equal(tone('UNKNOWN'), 'other');
  assert.equal(tone(null), 'other');
  assert.equal(LIGHT[ROW_TONE.err], '#cf222e');
  const level = color.level;
  try {
    color.level = 1;
    assert.equal(TERMINAL.ok('x'), color.green('x'));
    assert.equal(TERMINAL.other('x'), 'x');
    color.level = 0;
    assert.equal(TERMINAL.bad('x'), 'x');
  } finally {
    color.level = level;
  }
});

test('input problems: one line for what the input caused, null for bugs', () => {
  assert.equal(inputProblem(new InputError('x.pcap: cannot open (no such file)')), 'x.pcap: cannot open (no such file)');
  assert.match(inputProblem(new NotACaptureError('x.txt', Buffer.from('hello')))!, /^x\.txt: not a capture file/);
  const sys = Object.assign(new Error('EACCES: permission denied, open \'out.xml\''), { code: 'EACCES', syscall: 'open', path: 'out.xml' });
  assert.equal(inputProblem(sys), 'out.xml: permission denied; choose a folder you may write to', 'in words, not Node\'s code');
  const odd = Object.assign(new Error('EWEIRD: strange, open \'x\''), { code: 'EWEIRD', syscall: 'open', path: 'x' });
  assert.equal(inputProblem(odd), "x: EWEIRD: strange, open 'x'", 'a code without words keeps Node\'s text');
  assert.equal(inputProblem(new TypeError('x is undefined')), null);
  assert.equal(inputProblem(undefined), null);
});

test('capture time: ISO 8601, microseconds or nanoseconds', () => {
  assert.equal(isoTime(0, 0), '1970-01-01T00:00:00.000000Z');
  assert.equal(isoTime(1303892069, 846846000), '2011-04-27T08:14:29.846846Z');
  assert.equal(isoTime(1303892069, 846846001), '2011-04-27T08:14:29.846846001Z');
});

test('markup escaping: one escaper for HTML, SVG and JUnit XML', () => {
  assert.equal(esc('<a href="x">&\'</a>'), '&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  assert.equal(xmlEscape('bad\u0001char'), 'bad\ufffdchar');
  assert.equal(esc(null), '');
  assert.equal(esc(5060), '5060');
});

test('one rule for where the reference corpus is: only test/helpers/corpus.ts spells ../shared/corpus (SIPFLOW_CORPUS honoured everywhere)', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
  const offenders: string[] = [];
  for (const dir of ['scripts', 'test', 'bench']) {
    for (const f of readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (!f.endsWith('.ts') || join(dir, f) === join('test', 'helpers', 'corpus.ts') || join(dir, f) === join('test', 'unit', 'shared-modules.test.ts')) continue;
      const text = readFileSync(join(root, dir, f), 'utf8');
      // The path built by hand (resolve(ROOT, '..', 'shared', 'corpus')), as each script once did.
      if (/'\.\.', *'shared', *'corpus'/.test(text)) offenders.push(join(dir, f));
    }
  }
  assert.deepEqual(offenders, [], 'these find the corpus on their own instead of importing CORPUS from test/helpers/corpus.ts');
});
