/**
 * Captures and their expected flows on disk: the sibling naming rule
 * (call.pcapng + call.flow.yaml), directory discovery, and checking one
 * capture end to end (analyze, read the flow, compare).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { inputProblem } from '../capture/input-problem.js';
import { InputError } from '../capture/source.js';
import { mergedName } from '../capture/merge.js';
import { parseFlow, type Flow } from './flow.js';
import { checkReport, type CheckOptions } from './match.js';
import type { FileOutcome } from './render.js';

export const CAPTURE_RE = /\.(pcapng|pcap|cap)(\.gz)?$/i;
export const FLOW_RE = /\.flow\.(ya?ml|json)$/i;

/** "dir/call.pcapng" -> "dir/call" */
export function stem(path: string): string {
  return path.replace(CAPTURE_RE, '').replace(FLOW_RE, '');
}

/** The expected-flow file next to a capture: X.flow.yaml (or .yml/.json when that is what exists). */
export function siblingFlow(capture: string): string {
  const base = stem(capture);
  for (const ext of ['yaml', 'yml', 'json']) {
    const p = `${base}.flow.${ext}`;
    if (existsSync(p)) return p;
  }
  return `${base}.flow.yaml`;
}

export interface DirEntry {
  capture: string | null;
  flow: string | null;
}

/** Captures in a folder (not recursive) paired with their flows; flows without a capture are listed too. */
export function scanDir(dir: string): DirEntry[] {
  const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile()).sort();
  const captures = names.filter((n) => CAPTURE_RE.test(n));
  const flows = new Set(names.filter((n) => FLOW_RE.test(n)));
  const out: DirEntry[] = [];
  for (const c of captures) {
    const f = basename(siblingFlow(join(dir, c)));
    out.push({ capture: join(dir, c), flow: flows.has(f) ? join(dir, f) : null });
    flows.delete(f);
  }
  for (const f of flows) out.push({ capture: null, flow: join(dir, f) });
  return out;
}

export async function readFlow(path: string): Promise<Flow> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new InputError(`${path}: no expected flow (write one with "sipflow snapshot CAPTURE -o ${path}")`);
    throw e;
  }
  return parseFlow(text, path);
}

export interface RunOptions extends CheckOptions {
  /** The media tap's options, or false for SIP only. */
  media?: AnalyzeOptions['media'];
  onProgress?: AnalyzeOptions['onProgress'];
}

/** Check one capture (several: merged, as one) against one flow file. Input problems become an outcome with code 2. */
export async function checkCapture(capture: string | readonly string[], flowPath: string, opts: RunOptions = {}): Promise<FileOutcome> {
  const started = performance.now();
  const name = typeof capture === 'string' ? capture : mergedName(capture);
  const done = (o: Omit<FileOutcome, 'seconds' | 'capture' | 'expect'>): FileOutcome =>
    ({ capture: name, expect: flowPath, ...o, seconds: (performance.now() - started) / 1000 });
  try {
    const flow = await readFlow(flowPath);
    if (!opts.media && flow.calls.some((c) => c.media)) {
      return done({ result: null, error: `${flowPath} has media expectations but this sipflow has no media analysis`, code: 2 });
    }
    const report = await analyze(capture, { media: opts.media, onProgress: opts.onProgress });
    const result = checkReport(report, flow, { ...opts, mediaAvailable: !!opts.media });
    if (report.capture.truncated) result.notes.push('the capture is truncated: only what could be read was checked');
    return done({ result, error: null, code: result.ok ? 0 : 1 });
  } catch (e) {
    const p = inputProblem(e);
    if (p === null) throw e;
    return done({ result: null, error: p, code: 2 });
  }
}

export function isDirectory(p: string): boolean {
  try { return statSync(p).isDirectory(); } catch { return false; }
}

