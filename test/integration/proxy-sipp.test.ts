/**
 * `sipflow proxy` driven by real SIP user agents (sipp, Debian sip-tester):
 * caller and callee on 127.0.0.1 with their own ports, the proxy recording a
 * pcapng trace; each trace is analyzed with `sipflow analyze --json` and the
 * call list asserted (state, outcome, comment, messages, events).
 *
 * Skipped, with the reason shown, when sipp is not installed (.ci/run installs it).
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sipflow } from '../helpers/cli.js';
import { findSipp, runLabScenario, type LabResult } from '../helpers/sipp-runner.js';
import type { Call, Report } from '../../src/model.js';

const SIPP = findSipp();
const skip = SIPP ? false : 'sipp (Debian package sip-tester) is not installed: the proxy is not driven by real user agents here';

let dir = '';
before(() => { dir = mkdtempSync(join(tmpdir(), 'sipflow-proxy-it-')); });
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

async function lab(name: string): Promise<{ res: LabResult; report: Report }> {
  const trace = join(dir, `${name}.pcapng`);
  const res = await runLabScenario(name, trace);
  const why = (r: { code: number; stdout: string; stderr: string; args: string[] } | null) =>
    r ? `sipp ${r.args.join(' ')} exited ${r.code}\n${r.stderr.slice(-2000)}` : '';
  for (const r of res.registrations) assert.equal(r.code, 0, `registration failed: ${why(r)}`);
  assert.equal(res.uac.code, 0, `caller failed: ${why(res.uac)}`);
  if (res.uas) assert.equal(res.uas.code, 0, `callee failed: ${why(res.uas)}`);
  const out = sipflow(['analyze', trace, '--json']);
  assert.equal(out.code, 0, out.stderr);
  return { res, report: JSON.parse(out.stdout) as Report };
}

function theCall(report: Report): Call {
  const calls = report.calls.filter((c) => c.kind === 'call');
  assert.equal(calls.length, 1, `one call expected, got ${calls.map((c) => c.callId).join(', ')}`);
  return calls[0]!;
}

/** Messages that are not retransmissions, as "method|status" labels in order. */
function flow(c: Call): string[] {
  return c.messages.filter((m) => !m.retransmission).map((m) => m.method ?? String(m.status));
}

function events(c: Call): string[] { return c.events.map((e) => e.text); }

describe('sipflow proxy with sipp user agents', { skip }, () => {
  test('register and unregister: 200 with the binding, then Expires: 0', async () => {
    const { report, res } = await lab('register');
    const regs = report.calls.filter((c) => c.kind === 'registration');
    assert.equal(regs.length, 2);
    for (const r of regs) {
      assert.equal(r.comment, 'REGISTER 200');
      assert.equal(r.sipPackets, 2);
      assert.deepEqual(r.participants, [`127.0.0.1:${res.ports.alice}`, `127.0.0.1:${res.proxyPort}`]);
    }
    assert.equal(regs[0]!.outcome, 'REGISTERED');
    assert.equal(regs[1]!.outcome, 'UNREGISTERED');
    assert.deepEqual(res.journal.filter((e) => e.event !== 'proxy').map((e) => e.text),
      ['Registered alice@127.0.0.1 for 3600 s', 'Unregistered alice@127.0.0.1']);
    assert.equal(report.capture.format, 'pcapng');
    assert.equal(report.capture.frames, 4);
  });

  test('call and hang-up: COMPLETED, every message received and forwarded', async () => {
    const { report, res } = await lab('call');
    const c = theCall(report);
    assert.equal(c.state, 'COMPLETED');
    assert.equal(c.outcome, 'COMPLETED');
    assert.equal(c.comment, 'INVITE 200 200');
    assert.deepEqual(flow(c), ['INVITE', '100', 'INVITE', '180', '180', '200', '200', 'ACK', 'ACK', 'BYE', 'BYE', '200', '200']);
    assert.deepEqual(c.participants, [`127.0.0.1:${res.ports.alice}`, `127.0.0.1:${res.proxyPort}`, `127.0.0.1:${res.ports.bob}`]);
    assert.deepEqual(events(c), ['Incoming call alice -> bob', 'Ringing', 'Answered by bob', 'Ended by alice (BYE)']);
    // The journal speaks the same words as the analyzer.
    assert.deepEqual(res.journal.filter((e) => e.callId === c.callId).map((e) => e.text), events(c));
    assert.ok(c.durationS !== null && c.durationS > 0.2);
  });

  test('ringing and cancel: CANCEL forwarded, 487 passed back, ACK hop by hop', async () => {
    const { report } = await lab('cancel');
    const c = theCall(report);
    assert.equal(c.state, 'CANCELLED');
    assert.equal(c.outcome, 'CANCELLED');
    const f = flow(c);
    assert.equal(f.filter((x) => x === 'CANCEL').length, 2, 'CANCEL received and forwarded');
    assert.equal(f.filter((x) => x === '487').length, 2, '487 received and forwarded');
    assert.equal(f.filter((x) => x === 'ACK').length, 2, 'ACK to bob from the proxy, ACK from alice absorbed');
    assert.equal(f.length, 13);
    assert.ok(events(c).includes('Cancelled'));
  });

  test('decline: REJECTED / DECLINED (603)', async () => {
    const { report } = await lab('decline');
    const c = theCall(report);
    assert.equal(c.state, 'REJECTED');
    assert.equal(c.outcome, 'DECLINED');
    assert.equal(c.comment, 'INVITE 603 603');
    assert.equal(flow(c).length, 9);
    assert.deepEqual(events(c), ['Incoming call alice -> bob', 'Ringing', 'Declined (603)']);
  });

  test('busy: REJECTED / BUSY (486)', async () => {
    const { report } = await lab('busy');
    const c = theCall(report);
    assert.equal(c.state, 'REJECTED');
    assert.equal(c.outcome, 'BUSY');
    assert.equal(c.comment, 'INVITE 486 486');
    assert.equal(flow(c).length, 7);
    assert.deepEqual(events(c), ['Incoming call alice -> bob', 'Busy (486)']);
  });

  test('re-INVITE adding video: Video ON, audio and video media', async () => {
    const { report } = await lab('video');
    const c = theCall(report);
    assert.equal(c.state, 'COMPLETED');
    assert.equal(c.comment, 'INVITE 200 200 200 200');
    assert.equal(flow(c).filter((x) => x === 'INVITE').length, 4);
    assert.equal(flow(c).length, 20);
    assert.ok(events(c).includes('Video ON'), events(c).join(' | '));
    assert.ok(c.media.some((m) => m.type === 'video'));
  });

  test('REFER transfer: 202 and NOTIFY travel through the proxy (Record-Route)', async () => {
    const { report } = await lab('transfer');
    const c = theCall(report);
    assert.equal(c.state, 'COMPLETED');
    const f = flow(c);
    assert.equal(f.filter((x) => x === 'REFER').length, 2);
    assert.equal(f.filter((x) => x === 'NOTIFY').length, 2);
    assert.equal(f.filter((x) => x === '202').length, 2);
    assert.equal(f.length, 21);
    assert.ok(events(c).includes('Transfer to carol (REFER)'), events(c).join(' | '));
  });

  test('digest authentication: REGISTER 401 then 200, INVITE 407 then answered', async () => {
    const { report, res } = await lab('auth');
    const reg = report.calls.find((x) => x.kind === 'registration')!;
    assert.equal(reg.outcome, 'REGISTERED');
    assert.deepEqual(reg.messages.map((m) => m.status ?? m.method), ['REGISTER', 401, 'REGISTER', 200]);
    const c = theCall(report);
    assert.equal(c.state, 'COMPLETED');
    assert.equal(c.comment, 'INVITE 407 200 200');
    const first = c.messages.filter((m) => m.status === 407);
    assert.equal(first.length, 1, '407 comes from the proxy, once');
    assert.ok(events(c).includes('Authentication requested (407)'));
    assert.ok(res.journal.some((e) => e.text === 'Answered by bob'));
  });
});
