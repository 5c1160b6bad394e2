/**
 * Check results -> what people and machines read: a diff per call (render/color.ts
 * decides on colour: the CLI turns it off when stdout is not a terminal),
 * JUnit XML for CI dashboards, and JSON.
 */
import { color } from '../render/color.js';
import type { CallResult, CheckResult, Difference } from './match.js';
import { VERSION } from '../version.js';
import { printable } from '../render/terminal.js';
import { xmlEscape } from '../render/escape.js';

/** The outcome of checking one capture: a result, or the reason it could not be checked. */
export interface FileOutcome {
  capture: string;
  expect: string | null;
  result: CheckResult | null;
  /** Why the capture could not be checked (exit 2). */
  error: string | null;
  /** 0 match, 1 mismatch, 2 unusable input. */
  code: number;
  /** Seconds spent on it. */
  seconds: number;
}

function callTitle(r: CallResult): string {
  return printable(callTitleText(r));
}

function callTitleText(r: CallResult): string {
  const exp = r.expected ? `call ${r.expected.number}${r.expected.name ? ` "${r.expected.name}"` : ''}` : null;
  const act = r.actual ? `capture call ${r.actual.index} (Call-ID ${r.actual.callId}, frames ${r.actual.firstFrame}-${r.actual.lastFrame})` : null;
  switch (r.status) {
    case 'match': return `${exp} matches ${act}`;
    case 'mismatch': return `${exp} differs: ${act}`;
    case 'missing': return `${exp} is missing: no call in the capture matches it`;
    case 'absent-optional': return `${exp} (optional) is absent`;
    case 'unexpected': return `unexpected ${act}${r.actual ? ` "${r.actual.name}"` : ''}`;
  }
}

function pad(s: string, n: number): string {
  return s.length >= n ? s + ' ' : s + ' '.repeat(n - s.length);
}

/** The diff lines of one difference, indented under its call. */
export function differenceLines(raw: Difference, indent = '      ', flowFile: string | null = null): string[] {
  // Actual values come from packets: no control character may reach the terminal.
  const d: Difference = { ...raw, message: printable(raw.message), expected: raw.expected && printable(raw.expected), actual: raw.actual && printable(raw.actual) };
  const frame = (f: number | null, prefix = 'frame') => (f === null ? '' : color.dim(`  (${prefix} ${f})`));
  const at = d.line && flowFile ? color.dim(`  (${printable(flowFile)}:${d.line})`) : '';
  const label = (s: string) => indent + pad(s, 15);
  const exp = (s: string) => color.green(s);
  const act = (s: string) => color.red(s);
  switch (d.type) {
    case 'field':
      return [`${label(d.field!)}expected ${exp(d.expected!)}, actual ${act(d.actual!)}`];
    case 'changed':
      return [
        `${label(`step ${d.step}`)}expected  ${exp(d.expected!)}${at}`,
        `${label('')}actual    ${act(d.actual!)}${frame(d.frame)}`,
      ];
    case 'missing':
      if (d.step === null) return [`${indent}${d.message}`];
      return [`${label(`step ${d.step}`)}missing   ${exp(d.expected!)}${frame(d.frame, 'after frame')}${at}`];
    case 'extra':
      if (d.step === null) return [`${indent}${act(d.message)}`];
      return [`${label(d.step === 0 ? 'before step 1' : `after step ${d.step}`)}extra     ${act(d.actual!)}${frame(d.frame)}`];
    case 'out-of-order': {
      const m = /out of order: (.*) \(frame \d+\)$/.exec(d.message);
      return [`${label(`step ${d.step}`)}moved     ${exp(d.expected!)}: ${m ? m[1] : 'out of order'}${frame(d.frame)}${at}`];
    }
    case 'media':
      return [`${label(`media ${d.field}`)}${d.message.replace(/^media: /, '')}`];
  }
}

/** Human-readable report of one capture (its diff when it differs). */
export function renderText(o: FileOutcome, opts: { verbose?: boolean } = {}): string {
  const lines: string[] = [];
  // File names are as untrusted as packets (a capture can be named anything).
  const head = `${color.bold(printable(o.capture))}${o.expect ? color.dim(` vs ${printable(o.expect)}`) : ''}`;
  if (o.error) {
    lines.push(`${color.red('✗')} ${head}: ${color.red('cannot check')}: ${printable(o.error)}`);
    return lines.join('\n') + '\n';
  }
  const r = o.result!;
  const bad = r.calls.filter((c) => !c.ok).length;
  const total = r.calls.length;
  lines.push(r.ok
    ? `${color.green('✓')} ${head}: ${color.green('matches')} (${total} call${total === 1 ? '' : 's'})`
    : `${color.red('✗')} ${head}: ${color.red('differs')} (${bad} of ${total} call${total === 1 ? '' : 's'})`);
  for (const c of r.calls) {
    if (c.ok && !opts.verbose && !r.ok) {
      lines.push(`  ${color.green('✓')} ${callTitle(c)}`);
      continue;
    }
    if (c.ok && !opts.verbose) continue;
    lines.push(`  ${c.ok ? color.green('✓') : color.red('✗')} ${callTitle(c)}`);
    if (!c.ok && Object.keys(c.participants).length && c.status === 'mismatch') {
      lines.push(color.dim(printable(`      participants: ${Object.entries(c.participants).map(([n, a]) => `${n} = ${a}`).join('; ')}`)));
    }
    for (const d of c.differences) lines.push(...differenceLines(d, '      ', o.expect));
  }
  for (const n of r.notes) lines.push(color.yellow(`  note: ${printable(n)}`));
  return lines.join('\n') + '\n';
}

/** The closing line over several captures. */
export function renderSummary(outcomes: FileOutcome[]): string {
  const ok = outcomes.filter((o) => o.code === 0).length;
  const differ = outcomes.filter((o) => o.code === 1).length;
  const errors = outcomes.filter((o) => o.code >= 2).length;
  const parts = [`${ok} match`, `${differ} differ`];
  if (errors) parts.push(`${errors} could not be checked`);
  const text = `${outcomes.length} capture${outcomes.length === 1 ? '' : 's'}: ${parts.join(', ')}`;
  return (differ || errors ? color.red(text) : color.green(text)) + '\n';
}

/** Plain-text diff of one call, for JUnit failure bodies. */
function plainCall(c: CallResult, flowFile: string | null): string {
  const level = color.level;
  color.level = 0;
  try {
    const lines = [callTitle(c)];
    if (Object.keys(c.participants).length && c.status === 'mismatch') {
      lines.push(`participants: ${Object.entries(c.participants).map(([n, a]) => `${n} = ${a}`).join('; ')}`);
    }
    for (const d of c.differences) lines.push(...differenceLines(d, '  ', flowFile));
    return lines.join('\n');
  } finally {
    color.level = level;
  }
}

function baseName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}

/** JUnit XML: a test suite per capture, a test case per call. */
export function renderJunit(outcomes: FileOutcome[]): string {
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const count = (f: (o: FileOutcome) => number) => outcomes.reduce((a, o) => a + f(o), 0);
  const tests = (o: FileOutcome) => (o.result ? Math.max(1, o.result.calls.length) : 1);
  const failures = (o: FileOutcome) => (o.result ? o.result.calls.filter((c) => !c.ok).length : 0);
  const errors = (o: FileOutcome) => (o.error ? 1 : 0);
  const time = count((o) => o.seconds);
  out.push(`<testsuites name="sipflow check" tests="${count(tests)}" failures="${count(failures)}" errors="${count(errors)}" time="${time.toFixed(3)}">`);
  for (const o of outcomes) {
    const cls = xmlEscape(`sipflow.check.${baseName(o.capture).replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '')}`);
    const skipped = o.result ? o.result.calls.filter((c) => c.status === 'absent-optional').length : 0;
    out.push(`  <testsuite name="${xmlEscape(o.capture)}" tests="${tests(o)}" failures="${failures(o)}" errors="${errors(o)}" skipped="${skipped}" time="${o.seconds.toFixed(3)}">`);
    if (o.expect) out.push(`    <properties><property name="expect" value="${xmlEscape(o.expect)}"/></properties>`);
    if (o.error || !o.result) {
      out.push(`    <testcase classname="${cls}" name="${xmlEscape('capture')}" time="${o.seconds.toFixed(3)}">`);
      out.push(`      <error message="${xmlEscape(o.error ?? 'not checked')}" type="unusable-input">${xmlEscape(o.error ?? '')}</error>`);
      out.push('    </testcase>');
    } else if (!o.result.calls.length) {
      out.push(`    <testcase classname="${cls}" name="no calls" time="0.000"/>`);
    } else {
      for (const c of o.result.calls) {
        const name = c.expected
          ? `call ${c.expected.number}${c.expected.name ? `: ${c.expected.name}` : ''}`
          : `unexpected call ${c.actual!.index}: ${c.actual!.name}`;
        const open = `    <testcase classname="${cls}" name="${xmlEscape(name)}" time="0.000"`;
        if (c.ok && c.status !== 'absent-optional') { out.push(open + '/>'); continue; }
        out.push(open + '>');
        if (c.status === 'absent-optional') out.push('      <skipped message="optional call absent"/>');
        else {
          const first = c.differences[0]?.message ?? 'flow differs';
          const more = c.differences.length > 1 ? ` (+${c.differences.length - 1} more)` : '';
          out.push(`      <failure message="${xmlEscape(first + more)}" type="flow-mismatch">${xmlEscape(plainCall(c, o.expect))}</failure>`);
        }
        out.push('    </testcase>');
      }
    }
    const notes = o.result?.notes ?? [];
    if (notes.length) out.push(`    <system-out>${xmlEscape(notes.join('\n'))}</system-out>`);
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}

/** The --json document. */
export function renderJson(outcomes: FileOutcome[], exitCode: number): string {
  return JSON.stringify({
    tool: 'sipflow', version: VERSION, ok: exitCode === 0, exitCode,
    results: outcomes.map((o) => ({
      capture: o.capture, expect: o.expect, ok: o.code === 0, exitCode: o.code, error: o.error,
      calls: o.result?.calls ?? [], notes: o.result?.notes ?? [],
    })),
  }, null, 2) + '\n';
}
