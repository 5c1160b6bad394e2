/**
 * The option table shared by every command that reads captures: the call
 * filters, how captures are read (merge, folders, heuristics), and the
 * checked number options. One definition each, so `--state` or `-w` means
 * the same thing and accepts the same values in analyze, ladder, report,
 * snapshot, audio and extract, and a bad value is always one line naming
 * what is accepted (exit 64).
 *
 * Letters: -a --all, -c --call, -e --events, -f --format, -j --jobs,
 * -m --merge, -o --output, -q --quiet, -r --recursive, -w --width. Each
 * letter means one thing in every command (the proxy's --record and
 * --journal are long only for that reason; cli-contract.test.ts reads every
 * command's --help to keep it so); options without a letter are long only.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { parseCallFilter, type CallFilter, type RawCallFilter } from '../filter.js';

/** A whole number option from `min` to `max`: `-w abc` ends with the accepted range. */
export function intArg(min: number, max: number, what: string): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected ${what}: a whole number from ${min} to ${max}`);
    return n;
  };
}

/** A number option (decimals allowed) in (`min`, `max`] or [`min`, `max`]. */
export function numArg(min: number, max: number, what: string, minExclusive = false): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n) || (minExclusive ? n <= min : n < min) || n > max) {
      throw new InvalidArgumentError(`expected ${what}: a number ${minExclusive ? 'above' : 'from'} ${min} ${minExclusive ? 'up ' : ''}to ${max}`);
    }
    return n;
  };
}

/** -w/--width for terminal output: columns, from the narrowest usable layout up. */
export function widthOption(description: string, min = 40): Option {
  return new Option('-w, --width <cols>', description).argParser(intArg(min, 10000, 'terminal columns'));
}

export interface FilterOptionSet {
  /** -c/--call N,M-K (default on). */
  call?: boolean;
  /** --since/--until seconds from the first frame. */
  time?: boolean;
  /** Words for "the calls": "only calls" (default) or "calls". */
  lead?: string;
}

/**
 * The call filters, checked by filter.ts (parseCallFilter) for every command
 * alike: the values of --state, --outcome and --kind are the ones the table,
 * CSV, JSON and HTML print.
 */
export function addCallFilters(cmd: Command, set: FilterOptionSet = {}): Command {
  const lead = set.lead ?? 'only calls';
  if (set.call !== false) cmd.option('-c, --call <n>', `${lead} by number (the # of "sipflow analyze --all"): N, N,M or N-M`);
  cmd
    .option('--call-id <id>', `${lead.replace(/calls$/, 'the call')} with this Call-ID (or containing it)`)
    .option('--from <text>', `${lead} whose From URI or display name contains text`)
    .option('--to <text>', `${lead} whose To URI or display name contains text`)
    .option('--state <states>', `${lead} in these states or outcomes, comma-separated (rejected,in-call,busy; the State and Outcome columns' words)`)
    .option('--outcome <outcomes>', `${lead} with these outcomes, comma-separated (busy,declined,one-way-audio...)`)
    .option('--kind <kinds>', `${lead} of these dialog kinds: call, registration, subscription, publish, message, options, other (implies --all)`);
  if (set.time) {
    cmd
      .option('--since <seconds>', `${lead} with SIP or media at or after this time (seconds from the first frame)`)
      .option('--until <seconds>', `${lead} that began at or before this time (seconds from the first frame)`);
  }
  return cmd;
}

/** The checked filter of a command's flags (FilterError, exit 64, for a bad value). */
export function callFilterOf(flags: RawCallFilter): CallFilter {
  return parseCallFilter({
    call: flags.call, callId: flags.callId, from: flags.from, to: flags.to,
    state: flags.state, outcome: flags.outcome, kind: flags.kind, since: flags.since, until: flags.until,
  });
}

/** --rtp-heuristic, the same words everywhere. */
export function addRtpHeuristic(cmd: Command): Command {
  return cmd.option('--rtp-heuristic', 'also find RTP streams no SDP announced (captures that start mid-call, SRTP without its SDP); marked heuristic');
}

/** -r/--recursive for commands that take folders. */
export function addRecursive(cmd: Command, extra = ''): Command {
  return cmd.option('-r, --recursive', `folders: also the captures in their subfolders${extra}`);
}

/** A repeatable option whose values may also be comma-separated: `--alias a=x --alias b=y` or `--alias a=x,b=y`. */
export const collect = (v: string, prev: string[] | undefined): string[] => (prev ?? []).concat(v.split(',').map((s) => s.trim()).filter(Boolean));

/** --alias for the commands that draw ladders (ladder, report), one rule for both: a host names all its ports, host:port one endpoint. */
export function addAliases(cmd: Command, what = 'a column'): Command {
  return cmd.option('--alias <addr=name>', `name ${what}: 192.168.1.14=proxy names every port of the host, 192.168.1.14:5060=proxy that endpoint only (it wins over the host's name); repeatable or comma-separated`, collect);
}

/**
 * An option checked by a parser that throws with its own message (the proxy's
 * address and port-range parsers): commander's one-line "argument ... is
 * invalid" with that message, before anything starts. The value stays as typed.
 */
export function checkedBy(check: (v: string) => unknown): (v: string) => string {
  return (v) => {
    try { check(v); } catch (e) { throw new InvalidArgumentError((e as Error).message); }
    return v;
  };
}
