/** Run the built CLI as a user would, capturing output and exit code. */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './corpus.js';

export const CLI = join(ROOT, 'dist', 'src', 'cli', 'main.js');

export interface CliResult { code: number; stdout: string; stderr: string }

export function sipflow(args: string[], opts: { input?: Buffer | string; env?: Record<string, string>; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT, input: opts.input, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, FORCE_COLOR: undefined, NO_COLOR: undefined, ...opts.env } as NodeJS.ProcessEnv,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
