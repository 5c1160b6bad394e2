/**
 * A real pseudo-terminal and a real terminal emulator for tests of the
 * interactive browser: tmux. Each session runs on its own tmux server
 * (socket name per session), keys go in with send-keys, and what is on the
 * screen comes back with capture-pane, as a user would see it.
 *
 * tmux rather than node-pty + @xterm/headless: node-pty compiles a native
 * addon at install (a compiler on every machine that runs `npm ci`), while
 * tmux is one apt package (.ci/run installs it) and is itself one of the
 * terminals the browser must work in.
 */
import { spawnSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

export function tmuxSkip(): string | false {
  return hasTmux() ? false : 'tmux is not installed (apt-get install tmux)';
}

let counter = 0;

export class Tmux {
  readonly socket = `sipflow-test-${process.pid}-${++counter}`;
  private closed = false;

  /** Start `command` (a shell command line) in a detached session of cols × rows. */
  constructor(command: string, opts: { cols?: number; rows?: number; cwd?: string; env?: Record<string, string> } = {}) {
    const env = Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${shellQuote(v)} `).join('');
    // After the command, the pane stays to show the exit code (and whatever it printed).
    const line = `${env}${command}; echo "[exit $?]"; sleep 600`;
    this.tmux(['new-session', '-d', '-x', String(opts.cols ?? 100), '-y', String(opts.rows ?? 30), ...(opts.cwd ? ['-c', opts.cwd] : []), line]);
    // No status bar: the whole pane is the program's.
    this.tmux(['set-option', '-g', 'status', 'off']);
  }

  private tmux(args: string[]): string {
    const r = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`tmux ${args[0]}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Keys as tmux names them ("Enter", "Down", "Space", "q", "C-c"). */
  keys(...keys: string[]): void { this.tmux(['send-keys', '-t', '0', ...keys]); }

  /** Literal text, typed. */
  type(text: string): void { this.tmux(['send-keys', '-t', '0', '-l', '--', text]); }

  /** Raw bytes as the terminal would send them (mouse reports). */
  raw(hex: string): void { this.tmux(['send-keys', '-t', '0', '-H', ...(hex.match(/../g) ?? [])]); }

  /** The screen as text, one string per line (trailing blanks trimmed). */
  screen(): string { return this.tmux(['capture-pane', '-p', '-t', '0']).replace(/[ \t]+$/gm, ''); }

  /** The screen with its colours (SGR sequences kept). */
  screenAnsi(): string { return this.tmux(['capture-pane', '-p', '-e', '-t', '0']); }

  resize(cols: number, rows: number): void { this.tmux(['resize-window', '-t', '0', '-x', String(cols), '-y', String(rows)]); }

  /** Wait until the screen matches, or fail with the screen in the message. */
  async waitFor(what: RegExp | string, timeoutMs = 20000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let s = '';
    for (;;) {
      s = this.screen();
      if (typeof what === 'string' ? s.includes(what) : what.test(s)) return s;
      if (Date.now() > until) throw new Error(`screen did not show ${String(what)} within ${timeoutMs} ms:\n${s}`);
      await sleep(100);
    }
  }

  /** The tty settings of the pane (to check raw mode was left). */
  stty(): string {
    const tty = this.tmux(['display-message', '-p', '-t', '0', '#{pane_tty}']).trim();
    return spawnSync('stty', ['-a', '-F', tty], { encoding: 'utf8' }).stdout;
  }

  /** Processes the pane's shell started (the command under test). */
  pids(): number[] {
    const shell = this.tmux(['display-message', '-p', '-t', '0', '#{pane_pid}']).trim();
    const r = spawnSync('pgrep', ['-P', shell], { encoding: 'utf8' });
    return r.stdout.split('\n').filter(Boolean).map(Number);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    spawnSync('tmux', ['-L', this.socket, 'kill-server'], { stdio: 'ignore' });
  }
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
