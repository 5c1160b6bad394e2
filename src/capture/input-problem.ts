/**
 * Whether an error is the input's fault, and the one line that says so.
 * Every command that reads captures or flow files decides it here, so a file
 * that cannot be used reads the same (and exits 2) wherever it is met.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { NotACaptureError } from './parser.js';
import { InputError } from './source.js';

/**
 * The line to print for an error the input caused: sipflow's own
 * InputError / NotACaptureError, or a system call that failed on a path
 * (ENOENT, EACCES, EISDIR ...); null for anything else, which is a bug.
 */
export function inputProblem(e: unknown): string | null {
  if (e instanceof InputError || e instanceof NotACaptureError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err.code === 'string' && err.syscall) return systemProblem(err);
  return null;
}

/**
 * A failed file system call's code in words. Node's own text ("EEXIST: file
 * already exists, mkdir 'out'") names neither the real cause nor the fix;
 * every command (and the proxy's start errors, proxy/errors.ts) says it this way.
 */
export const FILE_PROBLEM: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EISDIR: 'it is a folder',
  ENOTDIR: 'a part of the path is not a folder',
  EROFS: 'the file system is read-only',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EMFILE: 'too many open files',
  EEXIST: 'a part of the path exists and is not a folder',
};

/** One line for a failed system call on a path: what was being done, to which path, and why in words. */
function systemProblem(err: NodeJS.ErrnoException): string {
  const code = err.code!;
  const path = err.path ?? '';
  let problem = FILE_PROBLEM[code] ?? err.message;
  // mkdir -p into a path under a regular file fails with EEXIST or ENOTDIR: name the file in the way.
  if (code === 'EEXIST' || code === 'ENOTDIR') {
    const file = path ? fileInTheWay(path) : null;
    if (file !== null) problem = file === path ? 'a file of that name is in the way' : `${file} is a file, not a folder`;
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') problem += '; choose a folder you may write to';
  if (err.syscall === 'mkdir') return `cannot create the folder ${path}: ${problem}`;
  return path ? `${path}: ${problem}` : problem;
}

/** The first part of `path` (itself included) that exists and is not a folder; null if none. */
function fileInTheWay(path: string): string | null {
  for (let p = resolve(path); ; p = dirname(p)) {
    try {
      if (!statSync(p).isDirectory()) return p === resolve(path) ? path : nameLike(path, p);
    } catch { /* not there: look further up */ }
    if (dirname(p) === p) return null;
  }
}

/** `abs` written the way the user wrote `given` (relative stays relative). */
function nameLike(given: string, abs: string): string {
  return isAbsolute(given) ? abs : relative(process.cwd(), abs) || '.';
}
