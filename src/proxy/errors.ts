/**
 * What `sipflow proxy` says when it cannot start: Node's own text ("bind
 * EADDRINUSE 127.0.0.1:5060", "ENOENT: no such file or directory, open
 * 'users.txt'") turned into one sentence naming the option involved and
 * what to do about it.
 */
import { FILE_PROBLEM } from '../capture/input-problem.js';

/** The files and address the proxy was started with, to name the option an error is about. */
export interface StartContext {
  listen: string;
  usersFile?: string | null;
  record?: string | null;
  journal?: string | null;
  db?: string | null;
}

function isErrno(e: unknown): e is NodeJS.ErrnoException & { address?: string; port?: number } {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).code === 'string';
}

/** One line for an error thrown while starting the proxy; null when it is not a system error (its message is already ours). */
export function explainStartError(e: unknown, ctx: StartContext): string | null {
  if (!isErrno(e)) return null;
  const code = e.code!;
  if (e.syscall === 'bind' || e.syscall === 'listen' || e.syscall === 'getaddrinfo') {
    const where = e.address ? `${e.address.includes(':') ? `[${e.address}]` : e.address}:${e.port ?? ''}` : ctx.listen;
    switch (code) {
      case 'EADDRINUSE': return `cannot listen on udp ${where}: the port is in use (another sipflow proxy, sipp or a PBX?); stop that program or choose another port with --listen`;
      case 'EACCES': case 'EPERM': return `cannot listen on udp ${where}: ports below 1024 need privileges; use a port from 1024 up with --listen`;
      case 'EADDRNOTAVAIL': return `cannot listen on udp ${where}: that is not an address of this machine; use one of its addresses (or 0.0.0.0) with --listen`;
      case 'ENOTFOUND': case 'EAI_AGAIN': return `cannot listen on ${ctx.listen}: the host name does not resolve; give an IP address with --listen`;
      default: return `cannot listen on udp ${where}: ${code}`;
    }
  }
  const path = e.path ?? '';
  const problem = FILE_PROBLEM[code] ?? code;
  const same = (p: string | null | undefined) => !!p && (path === p || path.endsWith(p) || p.startsWith(path));
  if (same(ctx.usersFile)) return `cannot read the users file ${ctx.usersFile} (--users): ${problem}`;
  if (same(ctx.record)) return `cannot write the trace ${ctx.record} (--record): ${problem}${code === 'EACCES' ? '; choose a folder you may write to' : ''}`;
  if (same(ctx.journal)) return `cannot write the journal ${ctx.journal} (--journal): ${problem}`;
  if (same(ctx.db)) return `cannot keep registrations in ${ctx.db} (--db): ${problem}; choose another file with --db or use --no-db`;
  return path ? `cannot open ${path}: ${problem}` : null;
}
