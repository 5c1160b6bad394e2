import type { Command } from 'commander';
import { Option } from 'commander';
import { color } from '../../render/color.js';
import { existsSync, statSync } from 'node:fs';
import { parseAliases } from '../../aliases.js';
import { analyze } from '../../analyze.js';
import { EMPTY_FILTER_EXIT, emptyFilterNote, filterReport, isFiltering, namesAnyKind, type CallFilter, type RawCallFilter } from '../../filter.js';
import { addAliases, addCallFilters, addRecursive, addRtpHeuristic, callFilterOf, collect, numArg, widthOption } from '../options.js';
import type { Call, Report } from '../../model.js';
import { tableCalls } from '../../render/table.js';
import {
  GROUP_BY, isImage, LADDER_LIMITS, ladders, LADDER_FORMATS, Rasterizer, RasterizerUnavailable, ROW_ORDERS,
  renderLadderSvg, renderText, unknownColumns, writeLadders, type LadderFormat, type RowOrder,
} from '../../render/ladder/index.js';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, ensureParent, progressBar, reportError, setupColor, UsageError, writeOutput, writeMachineText } from '../common.js';
import { mergedName } from '../../capture/merge.js';
import { captureInputs } from '../inputs.js';

/** sysexits EX_UNAVAILABLE: a tool the command needs (Chromium) is not there. */
export const EXIT_UNAVAILABLE = 69;

interface LadderFlags extends RawCallFilter {
  all?: boolean;
  combine?: boolean;
  rtpHeuristic?: boolean;
  format: LadderFormat;
  output?: string;
  merge?: boolean;
  recursive?: boolean;
  by: 'host' | 'port';
  alias?: string[];
  order?: string[];
  rows: RowOrder;
  sdp?: boolean;
  rtp?: boolean;
  ascii?: boolean;
  color?: boolean;
  width?: number;
  scale?: number;
  quiet?: boolean;
}



/**
 * The calls to draw: those the filters keep (a filtered report), of the
 * table's kinds: INVITE dialogs, every dialog with --all, --kind or --call
 * (a call asked for by number is drawn whatever it is).
 */
export function selectCalls(report: Report, filter: CallFilter, all: boolean): Call[] {
  return tableCalls(report, all || namesAnyKind(filter));
}

export function registerLadder(program: Command): void {
  const cmd = program
    .command('ladder')
    .description('draw the ladder (sequence) diagram of SIP calls: text, Mermaid, Markdown, SVG, PNG or PDF')
    .argument('<files...>', 'pcap or pcapng file, optionally gzip-compressed; "-" reads standard input; several files, a folder or a quoted glob pattern are read as one capture in timestamp order (mergecap\'s order and frame numbers)')
    .option('-a, --all', 'every dialog (registrations, SUBSCRIBE, OPTIONS ...), not only INVITE calls')
    .addOption(new Option('-f, --format <format>', 'output format').choices(LADDER_FORMATS).default('text'))
    .option('-o, --output <path>', 'write to this file, or into this directory one file per call (<index>-<Call-ID>.<ext>)')
    .option('--combine', 'one diagram of all selected calls instead of one per call')
    .option('-m, --merge', 'several captures as one in timestamp order (always so for ladder; one diagram is --combine)');
  addCallFilters(cmd);
  addRecursive(cmd);
  addRtpHeuristic(cmd);
  addAliases(cmd);
  cmd
    .addOption(new Option('--by <what>', 'one column per address and port, or per host').choices(GROUP_BY).default('port'))
    .option('--order <columns>', 'put these columns first (alias names, hosts or host:port), comma-separated; a name that matches no column is an error', collect)
    .addOption(new Option('--rows <order>', 'rows in frame order (file order, as Wireshark) or by timestamp (captures merged from several interfaces)').choices(ROW_ORDERS).default('frame'))
    .option('--sdp', 'show the SDP summary (media, codecs, address) under messages that carry SDP')
    .option('--rtp', 'draw each RTP stream of the call as one span (codec, packets, first-last time)')
    .option('--ascii', 'text: ASCII only, no box-drawing characters')
    .option('--no-color', 'text: no colours (NO_COLOR is honoured too; off when piped)')
    .addOption(widthOption('text: fit this many columns (default: the terminal width; unlimited when piped)', 20))
    .addOption(new Option('--scale <n>', 'png: device pixels per SVG pixel (default 2)').argParser(numArg(0, 8, 'device pixels per SVG pixel', true)))
    .option('-q, --quiet', 'do not list the files written')
    .addHelpText('after', `
Columns are the SIP endpoints (host:port) in order of first appearance;
rows are the SIP messages in frame order (--rows time: by timestamp) with
Wireshark's labels. The left margin holds the frame number, the time
relative to the first frame and the delta to the row above (+0.500: read
retransmission timers off it; negative when timestamps go backwards).
Retransmissions are marked.

With --rtp, media is drawn on its host's lifeline: the column of the SIP
endpoint on that host whose SDP announced the media address and port, else
the host's first SIP column; a host that sent no SIP gets one column for
all its media ports. --alias HOST=name names every column of the host,
--alias HOST:PORT=name one column (the endpoint's name wins).

Without --call/--call-id every INVITE call is drawn (every dialog with
--all, or when the capture has no INVITE). One diagram draws at most
${LADDER_LIMITS.maxRows} rows, ${LADDER_LIMITS.maxColumns} columns and ${LADDER_LIMITS.maxStreams} RTP streams, then says what it left out.
PDF: a tall diagram is cut between rows into A4-proportioned pages that
repeat the participant boxes; the document title is the diagram's.

With several diagrams and -o, each call goes into its own file in the -o
directory; --combine draws them all in one diagram. PNG and PDF are rendered
from the SVG by a headless Chromium (one browser for all diagrams): the
optional package playwright-core and a Chromium (apt-get install chromium,
or SIPFLOW_CHROMIUM=/path) are needed; without them the command exits 69.

Examples:
  $ sipflow ladder fixtures/proxy-call.pcapng
  $ sipflow ladder fixtures/call-completed.pcapng --alias 192.0.2.1=proxy --sdp
  $ sipflow ladder fixtures/call-busy.pcapng -f md > call.md
  $ sipflow ladder fixtures/proxy-call.pcapng -f svg --call 2 -o call2.svg
  $ sipflow ladder fixtures/proxy-call.pcapng -a -f png -o ladders/   # one per dialog
  $ sipflow ladder fixtures/proxy-call.pcapng -f pdf --all --combine -o flow.pdf
  $ sipflow ladder fixtures/call-busy.pcapng fixtures/call-cancelled.pcapng --all

Several captures (rotated files, two capture points) are one capture: a call
that spans them is one call (-m/--merge means that here as in every command;
one diagram of several calls is --combine).`)
    .action(async (args: string[], flags: LadderFlags) => {
      const expanded = await captureInputs(args, { recursive: flags.recursive, quiet: flags.quiet, command: 'ladder' });
      if (!expanded.inputs.length) { process.exitCode = expanded.code; return; }
      const paths = expanded.inputs.map((i) => i.path);
      if (paths.length > 1 && paths.includes('-')) {
        process.stderr.write('sipflow: several captures are merged by their timestamps; standard input ("-") cannot be one of them\n');
        process.exitCode = EXIT_USAGE;
        return;
      }
      const file: string | string[] = paths.length === 1 ? paths[0]! : paths;
      const toFile = flags.output !== undefined;
      setupColor(flags.color === false || toFile);
      if (toFile && flags.output !== '-') color.level = 0;
      try {
        process.exitCode = await run(file, flags);
      } catch (e) {
        if (e instanceof RasterizerUnavailable) {
          process.stderr.write(`sipflow: ${e.message}\n`);
          process.exitCode = EXIT_UNAVAILABLE;
        } else {
          process.exitCode = reportError(e);
        }
      }
    });
}

async function run(file: string | string[], flags: LadderFlags): Promise<number> {
  const name = typeof file === 'string' ? file : mergedName(file);
  let aliases: Record<string, string>;
  try { aliases = parseAliases(flags.alias); } catch (e) { throw new UsageError((e as Error).message); }
  const width = flags.width ?? (flags.output === undefined && process.stdout.isTTY ? process.stdout.columns || 120 : Infinity);
  const scale = flags.scale;
  const filter = callFilterOf(flags);
  // -m/--merge drew one diagram before it meant what it means in every command: say where that went.
  if (flags.merge && !flags.combine && !flags.quiet) process.stderr.write('sipflow: ladder reads several captures as one anyway; one diagram of all the calls is --combine\n');
  const format = flags.format;

  const bar = progressBar(name, !flags.quiet);
  let report: Report;
  try {
    report = await analyze(file, {
      onProgress: (d, t) => bar.update(d, t),
      media: flags.sdp || flags.rtp || flags.rtpHeuristic ? { heuristic: !!flags.rtpHeuristic } : false,
    });
  } finally {
    bar.stop();
  }
  const filtered = filterReport(report, filter);
  const calls = selectCalls(filtered, filter, !!flags.all);
  if (!calls.length) {
    if (report.calls.length && isFiltering(filter)) {
      process.stderr.write(`sipflow: ${name}: ${emptyFilterNote(report.calls.length)}; nothing written\n`);
      return EMPTY_FILTER_EXIT;
    }
    process.stderr.write(`sipflow: ${name}: no SIP dialogs found\n`);
    return EXIT_INPUT;
  }
  const list = ladders(filtered, calls, { by: flags.by, aliases, order: flags.order, rows: flags.rows, sdp: !!flags.sdp, rtp: !!flags.rtp, merge: !!flags.combine, ...LADDER_LIMITS });
  const cutOnes = list.filter((l) => l.rowsCut || l.streamsCut);
  if (cutOnes.length) {
    process.stderr.write(`sipflow: ${cutOnes.length} diagram${cutOnes.length === 1 ? '' : 's'} reached the limits (${LADDER_LIMITS.maxRows} rows, ${LADDER_LIMITS.maxColumns} columns, ${LADDER_LIMITS.maxStreams} RTP streams): ` +
      `${cutOnes.reduce((a, l) => a + l.rowsCut, 0)} messages and ${cutOnes.reduce((a, l) => a + l.streamsCut, 0)} streams not drawn (each diagram says so)\n`);
  }
  if (flags.order?.length) {
    const { unknown, accepted } = unknownColumns(list, flags.order);
    if (unknown.length) throw new UsageError(`--order: no column ${unknown.map((u) => `"${u}"`).join(', ')}; the columns: ${accepted.slice(0, 20).join(', ')}${accepted.length > 20 ? ` and ${accepted.length - 20} more` : ''}`);
  }
  const ropts = { text: { width, ascii: !!flags.ascii } };
  const out = flags.output === '-' ? undefined : flags.output;

  // Standard output.
  if (out === undefined) {
    if (isImage(format)) {
      if (list.length > 1) throw new UsageError(`${list.length} diagrams: give -o DIR for one ${format.toUpperCase()} per call, or --combine, or --call N`);
      if (process.stdout.isTTY) throw new UsageError(`${format.toUpperCase()} is binary: give -o FILE (or redirect standard output)`);
      const r = await Rasterizer.open({ scale });
      try {
        const svg = renderLadderSvg(list[0]!);
        process.stdout.write(format === 'png' ? await r.png(svg) : await r.pdf(svg));
      } finally { await r.close(); }
      return EXIT_OK;
    }
    if ((format === 'svg' || format === 'mermaid') && list.length > 1) {
      throw new UsageError(`${list.length} diagrams: give -o DIR for one ${format === 'svg' ? 'SVG' : 'Mermaid'} file per call, or --combine, or --call N`);
    }
    writeMachineText(list.map((l) => renderText(l, format as Exclude<LadderFormat, 'png' | 'pdf'>, ropts)).join('\n'));
    return EXIT_OK;
  }

  // A directory: one file per diagram.
  const isDir = (existsSync(out) && statSync(out).isDirectory()) || /[\\/]$/.test(out) || (list.length > 1 && format !== 'text' && format !== 'md');
  const written: string[] = [];
  if (isDir) {
    written.push(...await writeLadders(list, format, out, { ...ropts, scale }));
  } else if (list.length === 1 || format === 'text' || format === 'md') {
    if (isImage(format)) {
      const raster = await Rasterizer.open({ scale });
      try {
        await ensureParent(out);
        await raster.write(renderLadderSvg(list[0]!), format, out);
      } finally { await raster.close(); }
    } else {
      await writeOutput(out, list.map((l) => renderText(l, format as Exclude<LadderFormat, 'png' | 'pdf'>, ropts)).join('\n'));
    }
    written.push(out);
  }
  if (!flags.quiet) for (const p of written) process.stdout.write(p + '\n');
  return EXIT_OK;
}
