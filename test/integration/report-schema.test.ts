/** Every report sipflow prints validates against the shipped JSON Schema. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { corpusFiles, corpusSkip, ROOT, short } from '../helpers/corpus.js';
import { sipflow } from '../helpers/cli.js';

const schema = JSON.parse(readFileSync(join(ROOT, 'schema', 'report.schema.json'), 'utf8'));
const ajv = new (Ajv as unknown as typeof Ajv.default)({ allErrors: true, strict: false });
const validate = ajv.compile(schema);

function check(file: string) {
  const r = sipflow(['analyze', file, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { tool: string; calls: unknown[]; warnings: unknown[] };
  const ok = validate(report);
  assert.ok(ok, JSON.stringify(validate.errors?.slice(0, 5), null, 1));
  return report;
}

test('the schema rejects a report missing a contract field', () => {
  assert.equal(validate({ tool: 'sipflow', version: '1.0.0', file: 'x', capture: {}, calls: [], rtpStreams: [] }), false);
});

for (const file of corpusSkip() ? [] : corpusFiles()) {
  test(`JSON report validates against schema/report.schema.json: ${short(file)}`, () => {
    const report = check(file);
    assert.equal(report.tool, 'sipflow');
    // A capture without calls (its one SIP message has no Call-ID) never says so silently.
    assert.ok(report.calls.length > 0 || report.warnings.length > 0, 'calls, or warnings saying why there are none');
  });
}

test('corpus present for schema tests', { skip: corpusSkip() }, () => {});
