import type { Command } from 'commander';
import { Option } from 'commander';
import { analyze } from '../../analyze.js';
import { filterReport, type CallFilter } from '../../filter.js';
import { renderAnalyze, renderCsv } from '../../render/table.js';
import type { Report } from '../../model.js';
import { EXIT_OK, progressBar, reportError, setupColor } from '../common.js';

interface AnalyzeFlags extends CallFilter {
  json?: boolean;
  csv?: boolean;
  all?: boolean;
  quiet?: boolean;
  color?: boolean;
  width?: string;
  streams?: boolean;
  events?: boolean;
  rtpHeuristic?: boolean;
}

export function registerAnalyze(program: Command): void {
  program
    .command('analyze')
    .description('list the SIP calls in captures, Wireshark VoIP Calls style, with state, outcome and media')
    .argument('<files...>', 'pcap or pcapng files, optionally gzip-compressed; "-" reads standard input')
    .option('--json', 'print the JSON report (fields in schema/report.schema.json; an array for several files)')
    .option('--csv', 'print the call table as CSV (every dialog, like --all)')
    .option('-a, --all', 'include registrations, OPTIONS, SUBSCRIBE and other non-INVITE dialogs in the table')
    .option('-q, --quiet', 'print only the table: no header line, no warnings')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('-w, --width <cols>', 'fit the table to this many columns (default: the terminal width)')
    .option('--streams', 'show the RTP stream table (default when streams were found)')
    .option('--no-streams', 'hide the RTP stream table')
    .option('-e, --events', 'print each call\'s event timeline (ringing, answered, video on, transfer...)')
    .option('--rtp-heuristic', 'also find RTP streams no SDP announced (captures that start mid-call); marked heuristic')
    .option('--call-id <id>', 'only the call with this Call-ID (or containing it)')
    .option('--from <text>', 'only calls whose From URI or display name contains text')
    .option('--to <text>', 'only calls whose To URI or display name contains text')
    .addOption(new Option('--state <states>', 'only calls in these states or outcomes, comma-separated (e.g. rejected,busy,"in call")'))
    .addHelpText('after', `
The table lists INVITE dialogs (all dialogs with --all, or when the capture has
no INVITE). State is Wireshark's VoIP Calls state; Outcome is sipflow's finer
label (COMPLETED, BUSY, DECLINED, CANCELLED, AUTH, DIVERTED, ...). Comment is
the INVITE followed by every final response code, as in Wireshark.

Examples:
  $ sipflow analyze fixtures/call-completed.pcapng
  $ sipflow analyze trace.pcapng --all --events
  $ sipflow analyze trace.pcapng --json | jq '.calls[] | {callId, state}'
  $ sipflow analyze *.pcapng --state rejected,cancelled --csv > failed.csv`)
    .action(async (files: string[], flags: AnalyzeFlags) => {
      setupColor(flags.color === false);
      const width = flags.width ? Math.max(40, Number(flags.width) || 0) : process.stdout.isTTY ? process.stdout.columns || 120 : 160;
      const reports: Report[] = [];
      let code = EXIT_OK;
      for (const f of files) {
        const bar = progressBar(f, !flags.quiet);
        try {
          const r = await analyze(f, {
            onProgress: (d, t) => bar.update(d, t),
            media: { heuristic: !!flags.rtpHeuristic },
          });
          bar.stop();
          const report = filterReport(r, flags);
          if (flags.json) { reports.push(report); continue; }
          if (flags.csv) { process.stdout.write(renderCsv(report, report.calls)); continue; }
          if (files.length > 1 && !flags.quiet && reports.length++ > 0) process.stdout.write('\n');
          const showStreams = flags.streams ?? report.rtpStreams.length > 0;
          process.stdout.write(renderAnalyze(report, { all: !!flags.all, width, streams: showStreams, events: !!flags.events }, !!flags.quiet));
        } catch (e) {
          bar.stop();
          code = Math.max(code, reportError(e));
        }
      }
      if (flags.json) process.stdout.write(JSON.stringify(files.length === 1 ? reports[0] ?? null : reports, null, 2) + '\n');
      process.exitCode = code;
    });
}
