/**
 * Datagrams the kernel dropped on the proxy's UDP socket because its receive
 * queue was full: the figure that says a proxy is overloaded. Its event-loop
 * delay does not: libuv reads a bounded number of datagrams per turn of the
 * loop, so a proxy whose thread is busy all the time still answers its timers
 * on time while the backlog builds, and overflows, in the kernel.
 *
 * Linux only (/proc/net/udp and udp6, whose last column counts drops per
 * socket); elsewhere the figure is unknown and left out of the stats line.
 */
import { readFileSync } from 'node:fs';

const TABLES = ['/proc/net/udp', '/proc/net/udp6'];

/** Drops of the UDP sockets bound to `port`, summed over both tables; null where /proc cannot say. */
export function udpSocketDrops(port: number, tables: readonly string[] = TABLES): number | null {
  let found = false;
  let drops = 0;
  for (const table of tables) {
    let text: string;
    try { text = readFileSync(table, 'latin1'); } catch { continue; }
    const n = dropsInTable(text, port);
    if (n !== null) { found = true; drops += n; }
  }
  return found ? drops : null;
}

/** The drops of the sockets bound to `port` in one /proc/net/udp-style table, or null when none is. */
export function dropsInTable(text: string, port: number): number | null {
  let total: number | null = null;
  const lines = text.split('\n');
  // Line 1 is the header: "sl local_address rem_address st ... inode ref pointer drops".
  for (let i = 1; i < lines.length; i++) {
    const f = lines[i]!.trim().split(/\s+/);
    if (f.length < 13) continue;
    const colon = f[1]!.lastIndexOf(':');
    if (colon < 0 || parseInt(f[1]!.slice(colon + 1), 16) !== port) continue;
    const d = Number(f[f.length - 1]);
    if (Number.isFinite(d)) total = (total ?? 0) + d;
  }
  return total;
}
