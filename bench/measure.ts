/** What the benchmarks share: command-line values, and one child process measured under /usr/bin/time -v. */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';

/**
 * Check the command line before a long run starts: `--help` prints `usage`
 * and exits 0; an option not in `options` (name -> takes a value) is one line
 * and exit 64. Positional arguments pass when `positional` says so.
 */
export function checkArgs(usage: string, options: Record<string, boolean>, positional = false): void {
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x === '--help' || x === '-h') { process.stdout.write(`${usage.trim()}\n`); process.exit(0); }
    if (x.startsWith('-')) {
      if (!(x in options)) { process.stderr.write(`unknown option ${x}; --help lists them\n`); process.exit(64); }
      if (options[x]) {
        if (a[i + 1] === undefined) { process.stderr.write(`${x} needs a value\n`); process.exit(64); }
        i++;
      }
    } else if (!positional) { process.stderr.write(`unexpected argument ${x}; --help lists the options\n`); process.exit(64); }
  }
}

/** The value after `--name` on the command line, if given. */
export function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

export interface ChildMeasure {
  wallS: number;
  /** User + system CPU seconds, or null without /usr/bin/time. */
  cpuS: number | null;
  /** Peak resident set size in MB, or null without /usr/bin/time. */
  rssMb: number | null;
  status: number | null;
  /** The child's own standard error (time's report left out). */
  stderr: string;
}

/** Run `cmd` with standard output discarded, under /usr/bin/time -v where installed: wall, CPU, peak RSS. */
export function measureChild(cmd: string[]): ChildMeasure {
  const argv = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-v', ...cmd] : cmd;
  const devnull = openSync('/dev/null', 'w');
  const t0 = performance.now();
  const r = spawnSync(argv[0]!, argv.slice(1), { stdio: ['ignore', devnull, 'pipe'], maxBuffer: 64 << 20 });
  const wallS = (performance.now() - t0) / 1000;
  closeSync(devnull);
  const err = r.stderr.toString();
  const num = (re: RegExp) => { const m = re.exec(err); return m ? Number(m[1]) : null; };
  const user = num(/User time \(seconds\): ([\d.]+)/);
  const sys = num(/System time \(seconds\): ([\d.]+)/);
  const rss = num(/Maximum resident set size \(kbytes\): (\d+)/);
  return {
    wallS, cpuS: user !== null && sys !== null ? user + sys : null, rssMb: rss === null ? null : rss / 1024, status: r.status,
    stderr: err.split('\n').filter((l) => !/^\t/.test(l) && l.trim()).join('\n'),
  };
}
