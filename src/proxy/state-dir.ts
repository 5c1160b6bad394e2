/**
 * Where `sipflow proxy` keeps state between runs, by the XDG Base Directory
 * rules: $XDG_STATE_HOME/sipflow, or ~/.local/state/sipflow when the
 * variable is unset, empty or not an absolute path (the spec says to
 * ignore a relative one).
 */
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

export function stateDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  const xdg = env['XDG_STATE_HOME'];
  return join(xdg && isAbsolute(xdg) ? xdg : join(home, '.local', 'state'), 'sipflow');
}

/** The registrations file used when `--db` is not given. */
export function defaultRegistrationsFile(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  return join(stateDir(env, home), 'registrations.sqlite');
}

/** How --help states the default, whatever the environment of the reader. */
export const DEFAULT_REGISTRATIONS_HELP = '$XDG_STATE_HOME/sipflow/registrations.sqlite, else ~/.local/state/sipflow/registrations.sqlite';
