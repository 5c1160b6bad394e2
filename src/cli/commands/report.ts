import type { Command } from 'commander';
import { Option } from 'commander';
import { basename } from 'node:path';
import { emptyFilterNote, isFiltering, namesAnyKind, type CallFilter, type RawCallFilter } from '../../filter.js';
import { addAliases, addCallFilters, addRecursive, addRtpHeuristic, callFilterOf, numArg } from '../options.js';
import { parseAliases } from '../../aliases.js';
import { DEFAULT_MAX_BYTES, fmtBytes, MAX_CALL_SECTIONS, MAX_CALL_STREAMS, MAX_LADDER_ROWS } from '../../render/html/index.js';
import { DEFAULT_AUDIO_BYTES } from '../../render/html/audio.js';
import { htmlReport } from '../../html-report.js';
import { existsSync, statSync } from 'node:fs';
import { mergedName } from '../../capture/merge.js';
import { EXIT_OK, EXIT_USAGE, progressBar, reportError, writeOutput, writeMachineText } from '../common.js';
import { captureInputs, outputPath } from '../inputs.js';

interface ReportFlags extends RawCallFilter {
  output?: string;
  all?: boolean;
  rtpHeuristic?: boolean;
  plots?: boolean;
  alias?: string[];
  by: 'port' | 'host';
  maxSize?: number;
  audio?: boolean;
  audioMaxSize?: number;
  quiet?: boolean;
  merge?: boolean;
  recursive?: boolean;
}


/** Default output: the capture's name with .html, in the current directory. */
export function defaultOutput(file: string): string {
  const base = file === '-' ? 'capture' : basename(file).replace(/\.(pcapng|pcap|cap)(\.gz)?$/i, '') || 'capture';
  return `${base}.html`;
}


export function registerReport(program: Command): void {
  const cmd = program
    .command('report')
    .description('write one self-contained HTML report: summary, call table, ladders, SIP messages, media and RTP plots')
    .argument('<files...>', 'pcap or pcapng files, optionally gzip-compressed, folders (their captures, told by content) or quoted glob patterns')
    .option('-o, --output <path>', 'HTML file to write ("-" for standard output; default: <capture name>.html); for several captures the folder to write one page each into (default: the current folder)')
    .option('-m, --merge', 'read all the files as one capture in timestamp order (mergecap\'s order and frame numbers): one page');
  addRecursive(cmd, ' (their pages go into the same subfolders of -o)');
  cmd.option('-a, --all', 'include registrations, OPTIONS, SUBSCRIBE and other non-INVITE dialogs');
  addRtpHeuristic(cmd);
  cmd.option('--no-plots', 'leave out the per-stream jitter and inter-arrival plots (a smaller page)');
  addCallFilters(cmd);
  addAliases(cmd, 'a ladder column');
  cmd
    .addOption(new Option('--by <what>', 'ladder columns per address and port, or per host').choices(['port', 'host']).default('port'))
    .addOption(new Option('--max-size <MiB>', `size budget of the page in MiB, shared by the calls (default ${DEFAULT_MAX_BYTES / 1048576})`).argParser(numArg(0, 4096, 'a size in MiB', true)))
    .option('--audio', 'per call an audio player: both directions\' waveforms (caller above), DTMF and events marked, click to play from there')
    .addOption(new Option('--audio-max-size <MiB>', `size budget of all audio players in MiB, on top of --max-size (default ${DEFAULT_AUDIO_BYTES / 1048576})`).argParser(numArg(0, 4096, 'a size in MiB', true)))
    .option('-q, --quiet', 'do not print what was written')
    .addHelpText('after', `
The page works offline (inline CSS, script and SVG; a Content-Security-Policy
blocks every network access) and opens in any current browser:
  - summary: capture facts, dialogs by state and outcome, a timeline;
  - a sortable, filterable table of dialogs, each linking to its section;
  - per dialog (drawn when opened): the ladder (click an arrow for the full
    SIP message and SDP), the message list, events, media streams with jitter
    and inter-arrival plots;
  - light/dark schemes, and a print layout with one dialog per page.
Size budget: the page aims at --max-size (default ${DEFAULT_MAX_BYTES / 1048576} MiB) shared by the
dialogs, between 8 KiB and 1 MiB each (plots are thinned, then message texts
cut, with a note where it happened). When the dialogs do not all fit (or
there are more than ${MAX_CALL_SECTIONS}), the page shows the worst ones (failed first,
then by lost packets, MOS, setup time) and counts the others in its summary,
with a note; ladders draw at most ${MAX_LADDER_ROWS} messages and ${MAX_CALL_STREAMS} streams a call. Everything taken from packets is escaped.
Audio (--audio, off by default): each call's two directions as one WAV
(16-bit, at most 16 kHz) inside the page, sharing --audio-max-size (default
${DEFAULT_AUDIO_BYTES / 1048576} MiB) on top of --max-size: a call over its share is resampled to
8 kHz, then cut, with a note saying so. Still one file, no network.

Examples:
  $ sipflow report fixtures/call-completed.pcapng     # writes call-completed.html
  $ sipflow report fixtures/proxy-call.pcapng -o reports/call.html --all
  $ sipflow report fixtures/call-busy.pcapng --alias 192.0.2.1:5060=proxy --state rejected,busy
  $ sipflow report fixtures/ -o reports/fixtures/     # one page per capture of the folder
  $ sipflow report 'fixtures/proxy-*.pcapng' --merge -o day.html`)
    .action(async (args: string[], flags: ReportFlags) => {
      const maxBytes = flags.maxSize !== undefined ? Math.round(flags.maxSize * 1048576) : undefined;
      const audioMaxBytes = flags.audioMaxSize !== undefined ? Math.round(flags.audioMaxSize * 1048576) : undefined;
      let filter: CallFilter;
      try { filter = callFilterOf(flags); } catch (e) { process.exitCode = reportError(e); return; }
      let aliases: Record<string, string>;
      try { aliases = parseAliases(flags.alias); } catch (e) {
        process.stderr.write(`sipflow: ${(e as Error).message}\n`);
        process.exitCode = EXIT_USAGE;
        return;
      }
      const expanded = await captureInputs(args, { recursive: flags.recursive, quiet: flags.quiet, command: 'report' });
      if (!expanded.inputs.length) { process.exitCode = expanded.code; return; }
      const inputs = expanded.inputs;
      const paths = inputs.map((i) => i.path);
      if (flags.merge && paths.length > 1 && paths.includes('-')) {
        process.stderr.write('sipflow: --merge reads files by their timestamps; standard input ("-") cannot be one of them\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      // One page (one capture, or several merged), else one page per capture into a folder.
      const jobs: { file: string | string[]; out: string }[] = [];
      if (flags.merge || paths.length === 1) {
        jobs.push({ file: paths.length === 1 ? paths[0]! : paths, out: flags.output ?? defaultOutput(paths[0]!) });
      } else {
        const dir = flags.output ?? '.';
        if (dir === '-' || (existsSync(dir) ? !statSync(dir).isDirectory() : /\.html?$/i.test(dir))) {
          process.stderr.write(`sipflow: ${paths.length} captures give ${paths.length} pages: -o names the folder to write them into (or give --merge for one page)\n`);
          process.exitCode = EXIT_USAGE;
          return;
        }
        // Two captures of the same name from different places must not write one page.
        const taken = new Set<string>();
        for (const i of inputs) {
          let out = outputPath(i, dir, '.html');
          for (let n = 2; taken.has(out); n++) out = outputPath(i, dir, `-${n}.html`);
          taken.add(out);
          jobs.push({ file: i.path, out });
        }
      }
      let code = expanded.code;
      for (const { file, out } of jobs) code = Math.max(code, await page(file, out));
      process.exitCode = code;

      async function page(file: string | string[], out: string): Promise<number> {
        const name = typeof file === 'string' ? file : mergedName(file);
        const bar = progressBar(name, !flags.quiet);
        try {
          const r = await htmlReport(file, {
            media: { heuristic: !!flags.rtpHeuristic },
            filter,
            all: !!flags.all || namesAnyKind(filter),
            plots: flags.plots !== false,
            ladder: { aliases, by: flags.by },
            maxBytes,
            audio: flags.audio ? { maxBytes: audioMaxBytes } : false,
            onProgress: (d, t) => bar.update(d, t),
          });
          bar.stop();
          if (out === '-') writeMachineText(r.html);
          else {
            await writeOutput(out, r.html);
          }
          if (!flags.quiet) {
            const s = r.stats;
            const cut = (s.cutCalls ? `, budget cut ${s.cutCalls} dialog${s.cutCalls === 1 ? '' : 's'}` : '') +
              (s.omittedCalls ? `, ${s.omittedCalls} dialog${s.omittedCalls === 1 ? '' : 's'} only counted (over the page budget: the ${s.calls} worst are shown)` : '');
            process.stderr.write(`${out === '-' ? 'report' : out}: ${fmtBytes(s.bytes)}, ${s.calls} dialog${s.calls === 1 ? '' : 's'}, ` +
              `${r.report.rtpStreams.length} RTP stream${r.report.rtpStreams.length === 1 ? '' : 's'}${cut} (${s.analyzeMs + s.renderMs} ms)\n`);
            if (!r.calls.length) process.stderr.write(`sipflow: ${name}: ${isFiltering(filter) && r.unfiltered ? emptyFilterNote(r.unfiltered) : 'no SIP dialogs found'}; the report has a summary only\n`);
          }
          return EXIT_OK;
        } catch (e) {
          bar.stop();
          return reportError(e);
        }
      }
    });
}
