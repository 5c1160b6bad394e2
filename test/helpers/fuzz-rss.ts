/**
 * Preloaded (`node --import`) into a CLI child by the fuzz harness: at exit
 * it writes the process's peak resident memory (KiB) to file descriptor 3,
 * which the harness reads as the case's memory figure.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  try { writeSync(3, String(process.resourceUsage().maxRSS)); } catch { /* fd 3 not open: run by hand */ }
});
