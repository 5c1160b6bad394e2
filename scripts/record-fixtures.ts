/**
 * `npm run record-fixtures`: re-records the proxy lab scenarios with real
 * sipp user agents through `sipflow proxy` into fixtures/proxy-<scenario>.pcapng
 * (proxy -> trace -> analyzer -> check). Their expected flows
 * (fixtures/proxy-<scenario>.flow.yaml) are then written with
 * `sipflow snapshot` and must be reviewed before committing.
 *
 * Needs sipp (Debian sip-tester). Only 127.0.0.1 is used.
 *   npm run record-fixtures                 all scenarios
 *   npm run record-fixtures -- call cancel  some of them
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LAB_SCENARIOS, ROOT, findSipp, runLabScenario } from '../test/helpers/sipp-runner.js';

const OUT = join(ROOT, 'fixtures');
const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

if (!findSipp()) {
  process.stderr.write('record-fixtures: sipp is not installed (apt-get install sip-tester)\n');
  process.exit(2);
}
const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(LAB_SCENARIOS);
mkdirSync(OUT, { recursive: true });
let failed = 0;
for (const name of names) {
  if (!LAB_SCENARIOS[name]) { process.stderr.write(`record-fixtures: unknown scenario ${name} (${Object.keys(LAB_SCENARIOS).join(', ')})\n`); failed++; continue; }
  const trace = join(OUT, `proxy-${name}.pcapng`);
  const r = await runLabScenario(name, trace, { pauseMs: 200 });
  const bad = [...r.registrations, r.uac, ...(r.uas ? [r.uas] : [])].filter((x) => x.code !== 0);
  if (bad.length) {
    failed++;
    process.stderr.write(`record-fixtures: ${name}: sipp failed:\n${bad.map((b) => `  sipp ${b.args.join(' ')} -> ${b.code}\n${b.stderr.slice(-1500)}`).join('\n')}\n`);
    continue;
  }
  // Expected flow, written by the analyzer's own snapshot command (review the diff before committing).
  const snap = spawnSync(process.execPath, [CLI, 'snapshot', trace, '-o', join(OUT, `proxy-${name}.flow.yaml`), '--quiet', ...(LAB_SCENARIOS[name]!.uas ? [] : ['--all'])], { encoding: 'utf8' });
  const snapNote = snap.status === 0 ? 'flow written' : `snapshot failed (${snap.status}): ${(snap.stderr || snap.stdout).trim().split('\n')[0]}`;
  process.stdout.write(`proxy-${name}.pcapng  ${statSync(trace).size} bytes  ${LAB_SCENARIOS[name]!.description}; ${snapNote}\n`);
}
process.exitCode = failed ? 1 : 0;
