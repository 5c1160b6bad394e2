/**
 * The capture arguments of a command, expanded: files as given, folders
 * walked (--recursive for subfolders), and glob patterns the shell did not
 * expand (quoted: 'rot/*.pcap*'). Inside folders and globs a file counts by
 * its content (pcap/pcapng magic numbers, through gzip), whatever its name;
 * the others are skipped with a note. Files found that way are put in order
 * of their first frame's timestamp, not of their names: tcpdump -C names its
 * rotations trace, trace1, trace10, trace2...
 */
import { readdirSync, statSync, type Dirent } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { inputProblem } from '../capture/input-problem.js';
import { NotACaptureError } from '../capture/parser.js';
import { probeCapture, type CaptureProbe } from '../capture/probe.js';
import { wrapWords } from '../render/terminal.js';

export interface InputOptions {
  /** Walk subfolders too. */
  recursive?: boolean;
}

export interface Input {
  path: string;
  /** The folder (or glob's fixed part) it was found in, null for a file given by name. */
  root: string | null;
}

export interface Inputs {
  files: Input[];
  /** One line per file skipped (not a capture, unreadable). */
  notes: string[];
  /** Folders and patterns that gave no capture at all. */
  empty: string[];
}

const GLOB = /[*?[]/;

/** Expand command-line capture arguments. Never throws for a bad file: it is skipped with a note, or left for the reader to report. */
export async function expandInputs(args: readonly string[], opts: InputOptions = {}): Promise<Inputs> {
  const out: Inputs = { files: [], notes: [], empty: [] };
  for (const arg of args) {
    if (arg === '-') { out.files.push({ path: arg, root: null }); continue; }
    const st = statOf(arg);
    if (st?.isDirectory()) {
      await addFound(arg, walk(arg, !!opts.recursive), arg, out);
    } else if (!st && GLOB.test(arg)) {
      const { root, paths } = glob(arg);
      await addFound(arg, paths, root, out);
    } else {
      out.files.push({ path: arg, root: null });
    }
  }
  return out;
}

/** Just the paths. */
export function paths(inputs: Inputs): string[] {
  return inputs.files.map((f) => f.path);
}

async function addFound(arg: string, found: string[], root: string, out: Inputs): Promise<void> {
  const probed: { path: string; probe: CaptureProbe }[] = [];
  const others: string[] = [];
  for (const path of found) {
    try {
      probed.push({ path, probe: await probeCapture(path) });
    } catch (e) {
      if (e instanceof NotACaptureError) { others.push(relative(root, path) || path); continue; }
      const problem = inputProblem(e);
      if (problem === null) throw e;
      out.notes.push(`skipped ${problem}`);
    }
  }
  // Files that are not captures (flow files, notes...) are common in a folder: one line for them.
  if (others.length) {
    const names = others.length > 3 ? `${others.slice(0, 3).join(', ')} and ${others.length - 3} more` : others.join(', ');
    out.notes.push(`${arg}: skipped ${others.length === 1 ? 'a file that is' : `${others.length} files that are`} not pcap or pcapng: ${names}`);
  }
  if (!probed.length) { out.empty.push(arg); return; }
  probed.sort((a, b) => {
    const x = a.probe.first, y = b.probe.first;
    if (x && y && (x[0] !== y[0] || x[1] !== y[1])) return x[0] - y[0] || x[1] - y[1];
    if (x && !y) return -1;
    if (!x && y) return 1;
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
  for (const p of probed) out.files.push({ path: p.path, root });
}

function statOf(p: string): ReturnType<typeof statSync> | null {
  try { return statSync(p); } catch { return null; }
}

/** Regular files under `dir` (symbolic links followed), sorted by name. */
function walk(dir: string, recursive: boolean): string[] {
  const out: string[] = [];
  let entries: Dirent[];
  try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return out; }
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const p = join(dir, e.name);
    const st = e.isSymbolicLink() ? statOf(p) : e;
    if (!st) continue;
    if (st.isDirectory()) { if (recursive) out.push(...walk(p, true)); }
    else if (st.isFile()) out.push(p);
  }
  return out;
}

/**
 * Files matching a pattern: `*`, `?` and `[...]` within one path segment,
 * `**` for any depth of folders. The fixed leading segments are the root.
 */
export function glob(pattern: string): { root: string; paths: string[] } {
  const parts = pattern.split(/[\\/]/);
  const abs = pattern.startsWith('/');
  let i = 0;
  const fixed: string[] = [];
  while (i < parts.length - 1 && !GLOB.test(parts[i]!)) fixed.push(parts[i++]!);
  const root = abs ? '/' + fixed.filter(Boolean).join('/') : fixed.length ? fixed.join('/') : '.';
  const rest = parts.slice(i);
  const out: string[] = [];
  const visit = (dir: string, k: number) => {
    if (k >= rest.length) return;
    const seg = rest[k]!;
    let entries: Dirent[];
    try { entries = readdirSync(dir, { withFileTypes: true }); } catch { return; }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    if (seg === '**') {
      visit(dir, k + 1);
      for (const e of entries) if (isDir(dir, e)) visit(join(dir, e.name), k);
      return;
    }
    const re = segmentRegex(seg);
    for (const e of entries) {
      if (!re.test(e.name) || (e.name.startsWith('.') && !seg.startsWith('.'))) continue;
      const p = join(dir, e.name);
      if (k === rest.length - 1) { if (statOf(p)?.isFile()) out.push(p); }
      else if (isDir(dir, e)) visit(p, k + 1);
    }
  };
  visit(root, 0);
  return { root, paths: [...new Set(out)] };
}

function isDir(dir: string, e: Dirent): boolean {
  return e.isDirectory() || (e.isSymbolicLink() && !!statOf(join(dir, e.name))?.isDirectory());
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) { re += '\\['; continue; }
      let body = seg.slice(i + 1, end);
      if (body.startsWith('!')) body = '^' + body.slice(1);
      re += `[${body.replace(/\\/g, '\\\\')}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Where an output for `input` goes inside `outDir`, keeping its subfolders under the folder it was found in. */
export function outputPath(input: Input, outDir: string, ext: string): string {
  const rel = input.root ? relative(input.root, input.path) : input.path.split(/[\\/]/).pop()!;
  const base = rel.split(sep).join('/').replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '').replace(/\.gz$/i, '');
  return join(outDir, `${base || 'capture'}${ext}`);
}

/**
 * expandInputs for a command: the notes go to standard error (unless quiet),
 * a folder or pattern without any capture is an input error (exit 2).
 * Called once the command's options are checked, so the standard input
 * notice never comes before an option error.
 */
export async function captureInputs(args: readonly string[], opts: InputOptions & { quiet?: boolean; command: string }): Promise<{ inputs: Input[]; code: number }> {
  noteStdin(args, opts.command);
  const r = await expandInputs(args, opts);
  if (!opts.quiet) for (const n of r.notes) process.stderr.write(`sipflow: ${n}\n`);
  for (const e of r.empty) {
    const folder = !!statOf(e)?.isDirectory();
    process.stderr.write(`sipflow: ${e}: no capture in ${folder ? 'this folder' : 'the files matching this pattern'} (pcap or pcapng, told by content)${folder && !opts.recursive ? '; --recursive looks in subfolders' : ''}\n`);
  }
  return { inputs: r.files, code: r.empty.length ? 2 : 0 };
}

/**
 * A capture argument "-" while standard input is a terminal: nothing will
 * come until the user pipes one in, and a silent wait looks like a hang. Said
 * for the command that runs, wrapped at word boundaries to the terminal.
 */
export function noteStdin(args: readonly string[], command: string): void {
  if (!args.includes('-') || !process.stdin.isTTY) return;
  const text = `sipflow: reading a capture from standard input; pipe one in (tcpdump -U -w - | sipflow ${command} -), or Ctrl-D to stop`;
  const width = process.stderr.isTTY ? process.stderr.columns || 80 : Infinity;
  process.stderr.write(wrapWords(text, width, '  ').join('\n') + '\n');
}
