/**
 * What every command shares: exit codes, one-line errors, colour choice,
 * and the stderr progress bar (TTY only, shown after one second).
 */
import { color } from '../render/color.js';
import type cliProgress from 'cli-progress';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { inputProblem } from '../capture/input-problem.js';
import { FilterError } from '../filter.js';
import { machineTextForTerminal } from '../render/escape.js';
import { clipStart, displayWidth, printable } from '../render/terminal.js';

export const EXIT_OK = 0;
/** `check`: the flow differs from what was expected. */
export const EXIT_MISMATCH = 1;
/** The input cannot be used (missing file, not a capture, unreadable). */
export const EXIT_INPUT = 2;
/** Bad command line (sysexits EX_USAGE). */
export const EXIT_USAGE = 64;

/** Decide on colour once: --no-color, NO_COLOR, FORCE_COLOR and whether stdout is a terminal. */
export function setupColor(noColor: boolean | undefined): void {
  if (noColor || process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') color.level = 0;
  else if (!process.stdout.isTTY && process.env.FORCE_COLOR === undefined) color.level = 0;
}

/**
 * Write JSON, CSV or YAML text to standard output; on a terminal, packet text
 * cannot act on the screen (render/escape.ts machineTextForTerminal), while a
 * file or a pipe gets the exact text.
 */
export function writeMachineText(text: string): void {
  process.stdout.write(process.stdout.isTTY ? machineTextForTerminal(text) : text);
}

/** A command line that cannot be run (a bad option value, a call that is not there): one line, exit 64. */
export class UsageError extends Error {}

/** Print one clean line for usage errors and errors that are the input's fault, a one-line notice for bugs; the exit code. */
export function reportError(e: unknown): number {
  const err = e as NodeJS.ErrnoException;
  // The reader of standard output went away (`| head`): nothing more to say.
  if (err && err.code === 'EPIPE') return EXIT_OK;
  if (e instanceof UsageError || e instanceof FilterError) {
    process.stderr.write(`sipflow: ${e.message}\n`);
    return EXIT_USAGE;
  }
  const problem = inputProblem(e);
  if (problem !== null) {
    process.stderr.write(`sipflow: ${problem}\n`);
    return EXIT_INPUT;
  }
  // A bug: still one line for the user, the stack only when asked for.
  process.stderr.write(`sipflow: internal error: ${err?.message ?? String(e)}${process.env.SIPFLOW_DEBUG ? '\n' + err?.stack : ' (set SIPFLOW_DEBUG=1 for details)'}\n`);
  return 70;
}

export interface Progress {
  update(done: number, total: number | null): void;
  stop(): void;
}

/** A progress bar on stderr for work that takes more than a second, only on a TTY. */
export function progressBar(label: string, enabled: boolean): Progress {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const started = Date.now();
  let bar: cliProgress.SingleBar | null = null;
  // The bar's module is loaded only once a run has taken a second: short runs never pay for it.
  let lib: typeof cliProgress | null = null;
  let loading = false;
  let stopped = false;
  return {
    update(done, total) {
      if (stopped) return;
      if (!bar) {
        if (Date.now() - started < 1000 || !total) return;
        if (!lib) {
          if (!loading) { loading = true; void import('cli-progress').then((m) => { lib = (m.default ?? m) as typeof cliProgress; }); }
          return;
        }
        // The whole line fits the terminal: the name is shortened (keeping its end) and the bar sized so
        // that the percentage and the ETA always show.
        const cols = process.stderr.columns || 80;
        const mib = String(Math.max(1, Math.round(total / 1048576)));
        const fixed = ` [] 100% | ${mib}/${mib} MiB | ETA 9999s`.length;
        const name = clipStart(printable(label), Math.max(8, Math.min(40, cols - fixed - 12)));
        bar = new lib.SingleBar({
          stream: process.stderr, clearOnComplete: true, hideCursor: true,
          barsize: Math.max(5, Math.min(40, cols - 1 - fixed - displayWidth(name))),
          format: `${name} [{bar}] {percentage}% | {value}/{total} MiB | ETA {eta}s`,
        }, lib.Presets.shades_classic);
        bar.start(Math.max(1, Math.round(total / 1048576)), 0);
      }
      bar.update(Math.round(done / 1048576));
    },
    stop() { stopped = true; bar?.stop(); },
  };
}

/** Write an output file, creating its folder first (`--junit reports/x.xml` on a fresh clone). */
export async function writeOutput(path: string, data: string | Uint8Array): Promise<void> {
  await ensureParent(path);
  await writeFile(path, data);
}

/** Create the folder a file is about to be written into. */
export async function ensureParent(path: string): Promise<void> {
  await mkdir(dirname(resolve(path)), { recursive: true });
}

/**
 * An "Examples:" block of a help text: each command line with what it does
 * beside it, in one column; a description that would pass 80 columns goes
 * under its command, in that column, so no line runs into the next.
 */
export function helpExamples(rows: readonly (readonly [string, string])[], width = 80): string {
  const lines = rows.map(([cmd, what]) => ({ cmd: `  $ ${cmd}`, what }));
  let col = 0;
  for (const l of lines) if (l.cmd.length + 2 + l.what.length <= width) col = Math.max(col, l.cmd.length + 2);
  return lines.map(({ cmd, what }) => {
    if (cmd.length + 2 <= col && col + what.length <= width) return cmd.padEnd(col) + what;
    return `${cmd}\n${' '.repeat(col + what.length <= width ? col : 6)}${what}`;
  }).join('\n');
}
