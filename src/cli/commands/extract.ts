import type { Command } from 'commander';
import { Option } from 'commander';
import { resolve } from 'node:path';
import { mergedName } from '../../capture/merge.js';
import {
  EXTRACT_FORMATS, FilterError, RecordFormatError, extractFilterText, indexCalls, parseExtractFilter, selectCalls, writeFrames,
  type ExtractFilter, type ExtractFormat,
} from '../../extract/index.js';
import type { RawFilterFlags } from '../../extract/filter.js';
import { EXIT_INPUT, EXIT_OK, EXIT_USAGE, ensureParent, progressBar, reportError, writeMachineText } from '../common.js';
import { captureInputs } from '../inputs.js';
import { addCallFilters } from '../options.js';
import { EMPTY_FILTER_EXIT, emptyFilterNote } from '../../filter.js';

/** The selection flags are parseExtractFilter's own (extract/filter.ts); the rest say what to write. */
interface ExtractFlags extends RawFilterFlags {
  output?: string;
  format: ExtractFormat;
  sipOnly?: boolean;
  mediaUntilBye?: boolean;
  rtpHeuristic?: boolean;
  wiresharkFilter?: boolean;
  merge?: boolean;
  recursive?: boolean;
  quiet?: boolean;
}

export function registerExtract(program: Command): void {
  const cmd = program
    .command('extract')
    .description('cut calls out of captures: their SIP and media frames, exactly as captured, into a new pcapng (or pcap)')
    .argument('<files...>', 'pcap or pcapng files, optionally gzip-compressed, folders (their captures, told by content) or quoted glob patterns; several are read as one capture in timestamp order')
    .option('-o, --output <file>', 'the capture to write (pcapng unless --format pcap)')
    .addOption(new Option('-f, --format <format>', 'output format: pcapng keeps interfaces, link types and comments; pcap needs one link type').choices(EXTRACT_FORMATS).default('pcapng'));
  addCallFilters(cmd, { time: true, lead: 'calls' });
  cmd
    .option('--sip-only', 'only the SIP frames (no RTP, RTCP, T.38...)')
    .option('--media-until-bye', 'leave out each call\'s media after its first BYE')
    .option('--rtp-heuristic', 'also take RTP no SDP announced, tied to its call by address (as analyze --rtp-heuristic)')
    .option('--wireshark-filter', 'print a Wireshark display filter for the same packets instead of writing a file')
    .option('-m, --merge', 'read the files as one capture in timestamp order (always so for extract: mergecap\'s order and frame numbers)')
    .option('-r, --recursive', 'folders: also the captures in their subfolders')
    .option('-q, --quiet', 'do not print what was written')
    .addHelpText('after', `
Two passes: the first analyzes the capture as "sipflow analyze" does and notes
every call's frames; the second copies the selected calls' records unchanged:
every SIP message with all the IP fragments and TCP segments that carried it,
and the UDP to or from the media endpoints its SDP announced (RTP, RTCP,
RFC 4733 DTMF, T.38), in their original order and with their timestamps.
pcapng output keeps each interface (a copy of its description block), link
type, timestamp resolution and packet comments. Without a filter every
dialog is taken: the capture less everything that is not SIP or its media.
Several captures are one: a call that spans rotated files comes out whole.
Memory stays bounded by the calls, not by the size of the capture.

--wireshark-filter prints a real display filter: sip.Call-ID == "..." for the
SIP, each media flow by addresses and ports limited to its frame range, and
frame.number in {...} only for fragments and TCP segments that do not hold a
whole message. Frame numbers are the capture's (with several files: those of
"mergecap -w" on them in the same order).

Examples:
  $ sipflow extract fixtures/call-completed.pcapng --call 1 -o call1.pcapng
  $ sipflow extract fixtures/proxy-call.pcapng --state completed --sip-only -o sip.pcapng
  $ sipflow extract fixtures/call-completed.pcapng --call-id fixture-completed --media-until-bye -o c.pcap --format pcap
  $ sipflow extract fixtures/call-completed.pcapng --call 1 --wireshark-filter
  $ sipflow extract fixtures/ --outcome busy,declined -o failed.pcapng
  $ sipflow extract 'fixtures/call-*.pcapng' --merge --since 1 --until 3 -o window.pcapng`)
    .action(async (args: string[], flags: ExtractFlags) => {
      try {
        process.exitCode = await run(args, flags);
      } catch (e) {
        if (e instanceof FilterError || e instanceof RecordFormatError) {
          process.stderr.write(`sipflow: ${e.message}\n`);
          process.exitCode = EXIT_USAGE;
        } else {
          process.exitCode = reportError(e);
        }
      }
    });
}

function usage(message: string): number {
  process.stderr.write(`sipflow: ${message}\n`);
  return EXIT_USAGE;
}

async function run(args: string[], flags: ExtractFlags): Promise<number> {
  // Every option is checked before a byte is read.
  const filter: ExtractFilter = parseExtractFilter(flags);
  if (flags.wiresharkFilter && flags.output !== undefined) return usage('--wireshark-filter prints a filter instead of writing a capture: give one of --wireshark-filter and -o');
  if (!flags.wiresharkFilter && (flags.output === undefined || flags.output === '')) {
    return usage('extract writes a capture: give -o FILE.pcapng (or --wireshark-filter to print a display filter instead)');
  }
  if (flags.output === '-') return usage('extract writes a file (-o FILE), not standard output: the copy is written to a temporary file and renamed into place');
  if (args.includes('-')) return usage('extract reads its input twice (to index the calls, then to copy their frames): give a file, not standard input');

  const expanded = await captureInputs(args, { recursive: flags.recursive, quiet: flags.quiet, command: 'extract' });
  if (!expanded.inputs.length) return expanded.code;
  const paths = expanded.inputs.map((i) => i.path);
  if (flags.output && paths.some((p) => resolve(p) === resolve(flags.output!))) return usage(`-o ${flags.output} is one of the captures read`);
  const name = mergedName(paths);

  const bar = progressBar(`${name} (index)`, !flags.quiet);
  let index;
  try {
    index = await indexCalls(paths, { media: { heuristic: !!flags.rtpHeuristic }, onProgress: (d, t) => bar.update(d, t) });
  } finally {
    bar.stop();
  }
  const calls = selectCalls(index.report, filter, (id) => index.frames.get(id)?.lastMedia ?? -Infinity);
  if (!calls.length) {
    if (index.report.calls.length) {
      process.stderr.write(`sipflow: ${name}: ${emptyFilterNote(index.report.calls.length)}; nothing written\n`);
      return EMPTY_FILTER_EXIT;
    }
    process.stderr.write(`sipflow: no SIP dialogs found in ${name}; nothing written\n`);
    return EXIT_INPUT;
  }
  const selection = { sipOnly: !!flags.sipOnly, mediaUntilBye: !!flags.mediaUntilBye };
  if (flags.wiresharkFilter) {
    writeMachineText(extractFilterText(index, calls, selection) + '\n');
    return expanded.code || EXIT_OK;
  }

  const out = flags.output!;
  await ensureParent(out);
  const bar2 = progressBar(`${name} (copy)`, !flags.quiet);
  let r;
  try {
    r = await writeFrames(index, calls, out, { ...selection, format: flags.format, onProgress: (d, t) => bar2.update(d, t) });
  } finally {
    bar2.stop();
  }
  if (!flags.quiet) {
    const n = calls.length;
    process.stderr.write(`${out}: ${r.written} of ${r.frames} frames (${r.sip} SIP, ${r.media} media), ${n} dialog${n === 1 ? '' : 's'}, ${r.format}\n`);
    if (r.coarsened.length) process.stderr.write(`sipflow: warning: pcap keeps one timestamp resolution: frames of ${r.coarsened.join(', ')} lost digits finer than the first frame's (use pcapng to keep them)\n`);
  }
  return expanded.code || EXIT_OK;
}
