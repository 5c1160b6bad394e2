/**
 * Flow YAML against YAML 1.1 readers (issue 20): characters the yaml package
 * writes raw but PyYAML takes as line breaks (NEL, U+2028, U+2029) or
 * refuses (DEL, C1, U+FFFE/FFFF) are double-quoted and \u-escaped, keys
 * included; ordinary flows are written exactly as before. PyYAML itself reads
 * the result when it is installed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { parse } from 'yaml';
import { flowToYaml, type FlowDocument } from '../../src/check/snapshot.js';

function doc(label: string, name = 'caller'): FlowDocument {
  return {
    format: 'sipflow-flow/1', capture: `cap${label}.pcapng`, scope: 'calls',
    calls: [{ name: `call ${label}`, kind: 'call', from: `sip:a${label}@x`, to: 'sip:b@y', state: 'REJECTED', outcome: 'BUSY', messages: [`${name} -> proxy: INVITE`, `proxy -> ${name}: 486 ${label}`] }],
  } as unknown as FlowDocument;
}

const UNSAFE = ['\u0085', '\u2028', '\u2029', '\u007f', '\u0090', '\ufffe', '\uffff'];

test('YAML 1.1 line breaks and refused characters are quoted and escaped, values unchanged', () => {
  for (const ch of UNSAFE) {
    const label = `Busy${ch}Here`;
    const text = flowToYaml(doc(label, `ca${ch}ller`));
    assert.ok(!text.includes(ch), `U+${ch.charCodeAt(0).toString(16)} written raw`);
    assert.ok(text.includes(`\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`), 'written as an escape');
    const back = parse(text) as { capture: string; calls: { messages: Record<string, string>[] }[] };
    assert.equal(back.capture, `cap${label}.pcapng`);
    assert.deepEqual(back.calls[0]!.messages[1], { [`proxy -> ca${ch}ller`]: `486 ${label}` }, 'keys are escaped too');
  }
});

test('an ordinary flow is written as the yaml package writes it (plain scalars stay plain)', () => {
  const text = flowToYaml(doc('Busy Here'));
  assert.match(text, /^ {6}- proxy -> caller: 486 Busy Here$/m);
  assert.match(text, /^capture: capBusy Here\.pcapng$/m);
});

test('PyYAML (YAML 1.1) reads what the yaml package reads', (t) => {
  const text = flowToYaml(doc(`x${UNSAFE.join('')}y\u202e\u0007`));
  const py = spawnSync('python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8' });
  if (py.error || (py.status !== 0 && /No module named/.test(py.stderr))) { t.skip('python3 with PyYAML is not installed'); return; }
  assert.equal(py.status, 0, py.stderr);
  assert.deepEqual(JSON.parse(py.stdout), parse(text));
});
