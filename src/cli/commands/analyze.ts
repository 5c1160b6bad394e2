import type { Command } from 'commander';
import { Option } from 'commander';
import { analyze } from '../../analyze.js';
import { filterReport, isFiltering, matchCall, namesAnyKind, type CallFilter, type RawCallFilter } from '../../filter.js';
import { callLines, endLines, ndjsonLine } from '../../render/ndjson.js';
import { renderAnalyze, renderCsv } from '../../render/table.js';
import { printable } from '../../render/terminal.js';
import type { Call, Report } from '../../model.js';
import { VERSION } from '../../version.js';
import { EXIT_OK, EXIT_USAGE, progressBar, reportError, setupColor, writeMachineText } from '../common.js';
import { defaultJobs, runInWorkers } from '../parallel.js';
import { runAnalyzeTask, type AnalyzeTask } from '../analyze-task.js';
import { InputError } from '../../capture/index.js';
import { mergedName } from '../../capture/merge.js';
import { renderSummary, summarize, type CaptureSummary } from '../../render/summary.js';
import { captureInputs } from '../inputs.js';
import { drained, writeJson, writePieces } from '../json-out.js';
import { addCallFilters, addRecursive, addRtpHeuristic, callFilterOf, intArg, widthOption } from '../options.js';

interface AnalyzeFlags extends RawCallFilter {
  json?: boolean;
  ndjson?: boolean;
  csv?: boolean;
  all?: boolean;
  quiet?: boolean;
  color?: boolean;
  width?: number;
  streams?: boolean;
  events?: boolean;
  rtpHeuristic?: boolean;
  jobs?: number;
  merge?: boolean;
  recursive?: boolean;
  summary?: boolean;
}

export function registerAnalyze(program: Command): void {
  const cmd = program
    .command('analyze')
    .description('list the SIP calls in captures, Wireshark VoIP Calls style, with state, outcome and media')
    .argument('<files...>', 'pcap or pcapng files, optionally gzip-compressed, folders (their captures, told by content) or quoted glob patterns; "-" reads standard input')
    .option('--json', 'print the JSON report (fields in schema/report.schema.json; an array for several files)')
    .option('-m, --merge', 'read all the files as one capture in timestamp order (mergecap\'s order and frame numbers): a call that spans rotated files is one call');
  addRecursive(cmd);
  cmd
    .option('--summary', 'one line per file: frames, duration, calls, failed calls, other dialogs, streams, warnings (with --json: one object per file)')
    .option('--ndjson', 'stream one JSON record per line as each call ends (calls, their RTP streams, warnings): memory follows the calls active at once, for captures of any size')
    .option('--csv', 'print the call table as CSV (every dialog, like --all); several files give one table with a file column')
    .option('-a, --all', 'include registrations, OPTIONS, SUBSCRIBE and other non-INVITE dialogs in the table (a Kind column says which)')
    .option('-q, --quiet', 'print only the tables: no header line, no warnings (several files: each file\'s name above its tables)')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addOption(widthOption('fit the tables to this many columns (default: the terminal width; 160 when piped)'))
    .option('--streams', 'show the RTP stream table (default when streams were found)')
    .option('--no-streams', 'hide the RTP stream table')
    .option('-e, --events', 'print each call\'s event timeline (ringing, answered, video on, transfer...)');
  addRtpHeuristic(cmd);
  cmd.addOption(new Option('-j, --jobs <n>', `analyze several files in parallel on this many threads, printed in argument order (default: the number of cores, ${defaultJobs()} here)`).argParser(intArg(1, 64, 'parallel jobs')));
  addCallFilters(cmd);
  cmd
    .addHelpText('after', `
The table lists INVITE dialogs (all dialogs with --all, or when the capture has
no INVITE; a Kind column then says which). State is Wireshark's VoIP Calls
state for every dialog; Outcome is sipflow's finer label (COMPLETED, BUSY,
DECLINED, CANCELLED, AUTH, DIVERTED, REGISTERED...). --state, --outcome and
--kind take these words as printed (any case, - for spaces: in-call). Comment
is Wireshark's: the first request, then each final response whose CSeq number
is the INVITE's ("INVITE 200 487": the 200 answers the CANCEL); the CSV's
finalResponses says which method each answers (CANCEL:200 INVITE:487).
Narrow terminals drop Comment, RTP, Codec first, then show State and Outcome
in one column, and say what they hid.

Examples:
  $ sipflow analyze fixtures/call-completed.pcapng
  $ sipflow analyze fixtures/proxy-transfer.pcapng --all --events
  $ sipflow analyze fixtures/call-completed.pcapng --json | jq '.calls[] | {callId, state}'
  $ sipflow analyze fixtures/call-completed.pcapng --ndjson | jq -c 'select(.type == "call") | {index, state}'
  $ sipflow analyze fixtures/*.pcapng --state rejected,cancelled --csv > failed.csv
  $ sipflow analyze fixtures/ --summary               one line per capture of the folder
  $ sipflow analyze 'fixtures/proxy-*.pcapng' --merge   files in a row as one capture

Folders and quoted patterns take the files whose content is pcap or pcapng
(others are skipped with a note), in order of their first frame's time.`)
    .action(async (args: string[], flags: AnalyzeFlags) => {
      setupColor(flags.color === false);
      let filter: CallFilter;
      // Every option is checked before a capture is read.
      try { filter = callFilterOf(flags); } catch (e) { process.exitCode = reportError(e); return; }
      // --kind and --call name dialogs of any kind: the table shows them without --all.
      const all = !!flags.all || namesAnyKind(filter);
      const expanded = await captureInputs(args, { recursive: flags.recursive, quiet: flags.quiet, command: 'analyze' });
      if (!expanded.inputs.length) { process.exitCode = expanded.code; return; }
      const paths = expanded.inputs.map((i) => i.path);
      if (flags.merge && paths.length > 1 && paths.includes('-')) {
        process.stderr.write('sipflow: --merge reads files by their timestamps; standard input ("-") cannot be one of them\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      // --merge: every file is one capture (one unit of work); else each file is.
      const files: (string | string[])[] = flags.merge && paths.length > 1 ? [paths] : paths;
      const summaries: CaptureSummary[] = [];
      const width = flags.width ?? (process.stdout.isTTY ? process.stdout.columns || 120 : 160);
      const reports: Report[] = [];
      let code: number = expanded.code;
      const jobs = flags.jobs ?? defaultJobs();
      let printed = 0;
      let csvRows = 0;
      /** Print one file's result (in argument order). */
      const show = (r: Report) => {
        let report: Report;
        try { report = filterReport(r, filter); } catch (e) { code = Math.max(code, reportError(e)); return; }
        if (flags.summary) { summaries.push(summarize(report)); return; }
        if (flags.json) { reports.push(report); return; }
        // Several files make one table: one header, a file column.
        if (flags.csv) { writeMachineText(renderCsv(report, report.calls, { header: csvRows++ === 0, file: files.length > 1 })); return; }
        if (files.length > 1 && printed++ > 0) process.stdout.write('\n');
        // -q drops the header line that names the file; with several files the tables would be anonymous: one caption each.
        if (files.length > 1 && flags.quiet) process.stdout.write(`${printable(report.file)}\n`);
        const showStreams = flags.streams ?? report.rtpStreams.length > 0;
        process.stdout.write(renderAnalyze(report, { all, width, streams: showStreams, events: !!flags.events, unfiltered: r.calls.length }, !!flags.quiet));
      };
      const media = { heuristic: !!flags.rtpHeuristic };
      // Several files (none of them standard input): analyzed in parallel, printed in argument order.
      const printSummary = () => {
        if (flags.json) writeMachineText(JSON.stringify(summaries, null, 2) + '\n');
        else if (summaries.length) process.stdout.write(renderSummary(summaries, { total: true }));
      };
      if (!flags.ndjson && files.length > 1 && jobs > 1 && !paths.includes('-')) {
        await runInWorkers<AnalyzeTask, Report>(new URL('../analyze-worker.js', import.meta.url), (files as string[]).map((file) => ({ file, options: { media } })), jobs, (_i, r) => {
          if (r.ok) show(r.value);
          else code = Math.max(code, reportError(r.input !== null ? new InputError(r.input) : Object.assign(new Error(r.message), { stack: r.stack })));
        }, runAnalyzeTask);
        if (flags.summary) printSummary();
        else if (flags.json) await writeJson(process.stdout, reports);
        process.exitCode = code;
        return;
      }
      for (const f of files) {
        const bar = progressBar(typeof f === 'string' ? f : mergedName(f), !flags.quiet);
        if (flags.ndjson) {
          try { await streamRecords(f, filter, !!flags.rtpHeuristic, bar); } catch (e) { bar.stop(); code = Math.max(code, reportError(e)); }
          continue;
        }
        try {
          const r = await analyze(f, { onProgress: (d, t) => bar.update(d, t), media });
          bar.stop();
          show(r);
        } catch (e) {
          bar.stop();
          code = Math.max(code, reportError(e));
        }
      }
      if (flags.summary) printSummary();
      // In pieces, not one string: a report of thousands of calls would otherwise be held twice more (text, bytes).
      else if (flags.json) await writeJson(process.stdout, files.length === 1 ? reports[0] ?? null : reports);
      process.exitCode = code;
    });
}

/**
 * --ndjson: each call is written when it is over (its dialog ended and it has
 * been quiet for 32 s of capture time) and then leaves memory; what is still
 * open is written at the end. Streams are numbered in the order they are written.
 */
async function streamRecords(input: string | string[], filter: CallFilter, heuristic: boolean, bar: { update(d: number, t: number | null): void; stop(): void }): Promise<void> {
  const keep = (c: Call) => !isFiltering(filter) || matchCall(c, filter);
  const file = typeof input === 'string' ? input : mergedName(input);
  let header = false;
  const head = (r: Pick<Report, 'tool' | 'version'>) => {
    if (!header) { header = true; writeMachineText(ndjsonLine({ type: 'file', tool: r.tool, version: r.version, file })); }
  };
  const report = await analyze(input, {
    onProgress: (d, t) => bar.update(d, t),
    media: { heuristic },
    onCallDone: (call, streams) => {
      head({ tool: 'sipflow', version: VERSION });
      if (keep(call)) writeMachineText(callLines(call, streams));
    },
    // The calls written during the pass wait for a slow reader: no read while standard output is full.
    betweenReads: () => (process.stdout.writableNeedDrain ? drained(process.stdout) : undefined),
  });
  bar.stop();
  head(report);
  await writePieces(process.stdout, endLines(report, keep));
}
