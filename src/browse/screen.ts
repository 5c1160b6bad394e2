/**
 * The terminal: raw mode, the alternate screen, mouse reporting, and a frame
 * drawn by rewriting only the lines that changed since the last one.
 *
 * Keys come from standard input when it is a terminal, else from /dev/tty
 * (`tcpdump -w - | sipflow browse -`: standard input is the capture). The
 * terminal is given back in every way the process can end: quit, an error,
 * Ctrl-C, SIGTERM/SIGHUP, an uncaught exception; restore() is idempotent and
 * synchronous so it can run from process.on('exit').
 */
import { openSync, writeSync } from 'node:fs';
import { ReadStream, WriteStream } from 'node:tty';

const ENTER = '\x1b[?1049h\x1b[?25l\x1b[?7l\x1b[?1000h\x1b[?1006h\x1b[2J';
const LEAVE = '\x1b[?1000l\x1b[?1006l\x1b[?7h\x1b[?25h\x1b[0m\x1b[?1049l';

export class Screen {
  readonly input: ReadStream;
  private readonly outFd: number;
  private readonly output: WriteStream | NodeJS.WriteStream;
  private last: string[] = [];
  private active = false;
  /** Run before the process ends on a signal or a crash (the feed's children, sockets and FIFOs). */
  beforeExit: (() => void) | null = null;
  private readonly onSignal = (sig: NodeJS.Signals) => {
    this.restore();
    // A read still waiting on a live FIFO in libuv's thread pool would hold process.exit: close the feed first.
    try { this.beforeExit?.(); } catch { /* exiting anyway */ }
    process.exit(sig === 'SIGINT' ? 130 : sig === 'SIGHUP' ? 129 : 143);
  };
  private readonly onExit = () => this.restore();
  // A bug must not leave the terminal raw, nor print a stack over the screen: one line, as every command does.
  private readonly onCrash = (e: Error) => {
    this.restore();
    process.stderr.write(`sipflow: internal error: ${e?.message ?? String(e)}${process.env.SIPFLOW_DEBUG ? '\n' + e?.stack : ' (set SIPFLOW_DEBUG=1 for details)'}\n`);
    try { this.beforeExit?.(); } catch { /* exiting anyway */ }
    process.exit(70);
  };

  constructor() {
    if (process.stdin.isTTY) this.input = process.stdin as ReadStream;
    else {
      try { this.input = new ReadStream(openSync('/dev/tty', 'r')); } catch { throw new Error('browse needs a terminal to read keys from (no /dev/tty)'); }
    }
    if (process.stdout.isTTY) { this.output = process.stdout; this.outFd = 1; }
    else {
      try { this.outFd = openSync('/dev/tty', 'w'); this.output = new WriteStream(this.outFd); } catch { throw new Error('browse needs a terminal to draw on (no /dev/tty)'); }
    }
  }

  get cols(): number { return Math.max(20, this.output.columns || 80); }
  get rows(): number { return Math.max(6, this.output.rows || 24); }

  start(): void {
    this.active = true;
    this.input.setRawMode(true);
    this.input.resume();
    this.input.setEncoding('utf8');
    process.on('exit', this.onExit);
    process.on('uncaughtException', this.onCrash);
    process.on('unhandledRejection', this.onCrash);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(s, this.onSignal);
    this.write(ENTER);
  }

  onResize(cb: () => void): void {
    this.output.on('resize', () => { this.last = []; cb(); });
    // Node refreshes the size of process.stdout on SIGWINCH only (through the stream's _refreshSize,
    // which emits 'resize'); a /dev/tty stream of our own gets the same call. getWindowSize() would
    // only return the cached size.
    if (this.output !== process.stdout) {
      const out = this.output as unknown as { _refreshSize?(): void };
      process.on('SIGWINCH', () => out._refreshSize?.());
    }
  }

  /** Give the terminal back: cooked mode, main screen, cursor, no mouse. Safe to call twice. */
  restore(): void {
    if (!this.active) return;
    this.active = false;
    try { this.input.setRawMode(false); } catch { /* terminal gone */ }
    this.write(LEAVE);
    this.input.pause();
    process.off('exit', this.onExit);
    process.off('uncaughtException', this.onCrash);
    process.off('unhandledRejection', this.onCrash);
    for (const s of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.off(s, this.onSignal);
  }

  /** Draw a frame: `lines` are exactly `cols` columns wide each (text.ts renderLine). */
  draw(lines: string[]): number {
    let out = '';
    for (let i = 0; i < lines.length; i++) {
      if (this.last[i] !== lines[i]) out += `\x1b[${i + 1};1H${lines[i]}`;
    }
    if (lines.length < this.last.length) out += `\x1b[${lines.length + 1};1H\x1b[J`;
    this.last = lines;
    if (out) this.write(out);
    return out.length;
  }

  /** Forget what is on screen: the next draw rewrites every line. */
  invalidate(): void { this.last = []; this.write('\x1b[2J'); }

  private write(s: string): void {
    const b = Buffer.from(s, 'utf8');
    let off = 0;
    while (off < b.length) {
      try { off += writeSync(this.outFd, b, off, b.length - off); } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EAGAIN') continue;
        return;
      }
    }
  }
}
