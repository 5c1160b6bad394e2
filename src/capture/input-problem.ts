/**
 * Whether an error is the input's fault, and the one line that says so.
 * Every command that reads captures or flow files decides it here, so a file
 * that cannot be used reads the same (and exits 2) wherever it is met.
 */
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
  if (err && typeof err.code === 'string' && err.syscall) return `${err.path ?? ''}${err.path ? ': ' : ''}${err.message}`;
  return null;
}
